//! token-limit: a model generation above the configured maximum.

use crate::audit::event::EventKind;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// With `session.context_window_limit` set, reports every model output
    /// whose output tokens exceed it (design JSONL `token_count`, Claude Code
    /// `usage.output_tokens` counted once per message, Codex
    /// `last_token_usage.output_tokens`). The output tokens generated since
    /// the last checkpoint are in each session's summary
    /// (`tokens_since_checkpoint`).
    ///
    /// ## Why is this bad?
    /// The design caps generations ("Maximum tokens per generation: 8192"):
    /// long generations fill the context window faster, which the design ties
    /// to the pacing slump of long runs, and are a sign the agent is writing
    /// far more than one task needs.
    ///
    /// ## Example
    /// ```jsonl
    /// {"type":"model_output","token_count":9120,"output_length":30211,"timestamp":"2026-03-02T14:00:00Z","session_id":"s1"}
    /// ```
    ///
    /// Use instead: smaller steps, each within the limit.
    ///
    /// ## Not flagged
    /// Anything when no limit is configured (the default); outputs exactly
    /// at the limit.
    ///
    /// ## Configuration
    /// `session.context_window_limit` (default: off).
    pub TokenLimit {
        id: "token-limit",
        scope: Telemetry,
        severity: Warning,
        summary: "model output above the per-generation token limit",
    }
}

impl TelemetryRule for TokenLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn per_session(&self) -> bool {
        true
    }

    fn per_event(&self) -> bool {
        true
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let Some(limit) = cx.policy.context_window_limit else {
            return;
        };
        for session in &cx.timeline.sessions {
            for ev in &session.events {
                if ev.kind == EventKind::ModelOutput && ev.output_tokens > limit {
                    cx.report(
                        &Self::META,
                        session,
                        ev,
                        format!(
                            "model output of {} tokens exceeds the per-generation limit of {limit}",
                            ev.output_tokens
                        ),
                    )
                    .extra("tokens", ev.output_tokens)
                    .extra("limit", limit);
                }
            }
        }
    }
}
