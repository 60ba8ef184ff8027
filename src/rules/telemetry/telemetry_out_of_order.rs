//! telemetry-out-of-order: a session's lines were not written in time order.

use crate::audit::time::format_ms;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// Reports, once per session, that some of its lines carry a timestamp
    /// earlier than a line written before them in the same file. The audit
    /// sorts each session's events by time before running the checks; this
    /// note says it had to.
    ///
    /// ## Why is this bad?
    /// Pacing, checkpoint and ordering checks read the timeline. Out-of-order
    /// lines usually come from parallel tool calls (Claude Code writes them
    /// as they finish) or from merged logs; large jumps back can mean a
    /// clock change or a concatenated file, which deserves a look.
    ///
    /// ## Example
    /// ```jsonl
    /// {"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T14:00:05Z","session_id":"s1"}
    /// {"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T14:00:01Z","session_id":"s1"}
    /// ```
    ///
    /// Use instead: nothing to fix in the agent; the finding is a note.
    ///
    /// ## Not flagged
    /// Equal timestamps; lines of one session spread over several files
    /// (their relative order is not known).
    pub TelemetryOutOfOrder {
        id: "telemetry-out-of-order",
        scope: Telemetry,
        severity: Note,
        summary: "telemetry lines of a session written out of time order (sorted)",
    }
}

impl TelemetryRule for TelemetryOutOfOrder {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn per_session(&self) -> bool {
        true
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        for session in &cx.timeline.sessions {
            let Some(ooo) = &session.out_of_order else {
                continue;
            };
            let ev = &ooo.anchor;
            let message = format!(
                "{} written out of time order in session `{}` (first here: {} after a line at {}); sorted by time for the audit",
                if ooo.count == 1 { "1 event".to_string() } else { format!("{} events", ooo.count) },
                session.id,
                format_ms(ev.ts),
                format_ms(ooo.previous_ts),
            );
            cx.report_at(&Self::META, session, ev, message)
                .extra("count", ooo.count);
        }
    }
}
