//! checkpoint-missed: a stretch longer than the checkpoint interval with
//! no checkpoint.

use crate::audit::event::EventKind;
use crate::audit::time::format_ms;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// Reports each stretch of a session longer than
    /// `session.checkpoint_interval_hours` (default 6) without a checkpoint:
    /// from the session's start to its first checkpoint, between two
    /// checkpoints, and from the last one to the session's end. Checkpoints
    /// are our `{"type": "checkpoint"}` events, Claude Code `compact_boundary`
    /// lines, Codex `compacted` / `context_compacted`, and calls of tools
    /// named in the policy's `checkpoint_tools`. The finding sits on the
    /// first event after the checkpoint became due, with `window_start` and
    /// `window_end` of the stretch.
    ///
    /// ## Why is this bad?
    /// The design links the mid-run pacing slump to context saturation and
    /// prescribes checkpointing every 6 hours: archive completed work and
    /// reset the context. A missed checkpoint is the precondition of that
    /// slump.
    ///
    /// ## Example
    /// A session with events from 00:00 to 09:30 and no checkpoint line.
    ///
    /// Use instead: a checkpoint at least every 6 hours
    /// (`{"type":"checkpoint","timestamp":"…","session_id":"s1"}`).
    ///
    /// ## Not flagged
    /// Sessions shorter than the interval; stretches of exactly the interval.
    ///
    /// ## Configuration
    /// `session.checkpoint_interval_hours` (0 turns the rule off).
    pub CheckpointMissed {
        id: "checkpoint-missed",
        scope: Telemetry,
        severity: Warning,
        summary: "no checkpoint for longer than the checkpoint interval",
    }
}

impl TelemetryRule for CheckpointMissed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn per_session(&self) -> bool {
        true
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let hours = cx.policy.checkpoint_interval_hours;
        if hours <= 0.0 || !hours.is_finite() {
            return;
        }
        let interval = (hours * 3_600_000.0) as i64;
        for session in &cx.timeline.sessions {
            let (Some(start), Some(end)) = (session.start(), session.end()) else {
                continue;
            };
            // Stretch boundaries: start, each checkpoint, end.
            let mut marks: Vec<i64> = vec![start];
            marks.extend(
                session
                    .events
                    .iter()
                    .filter(|e| e.kind == EventKind::Checkpoint)
                    .map(|e| e.ts),
            );
            marks.push(end);
            for pair in marks.windows(2) {
                let (from, to) = (pair[0], pair[1]);
                if to - from <= interval {
                    continue;
                }
                let Some(anchor) = session
                    .agg
                    .first_after_due(from)
                    .or(session.agg.last_anchor())
                else {
                    continue;
                };
                let gap_h = (to - from) as f64 / 3_600_000.0;
                cx.report_at(
                    &Self::META,
                    session,
                    anchor,
                    format!(
                        "no checkpoint for {gap_h:.1}h (from {} to {}); the policy asks for one every {hours}h",
                        format_ms(from),
                        format_ms(to)
                    ),
                )
                .extra("window_start", format_ms(from))
                .extra("window_end", format_ms(to))
                .help("checkpoint (archive finished work, reset the context) at least every checkpoint_interval_hours");
            }
        }
    }
}
