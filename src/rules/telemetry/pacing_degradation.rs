//! pacing-degradation: stretches of a session whose activity fell below a
//! fraction of its early peak.

use crate::audit::time::format_ms;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// Counts the agent's tool calls per window (default one hour, aligned
    /// to the clock: whole UTC hours) and takes the session's early peak as the median of
    /// its first windows (default 4). Each contiguous stretch of later
    /// windows whose count is below a fraction (default 0.5) of that peak is
    /// reported once, with `window_start`, `window_end` and the output tokens
    /// generated before the stretch (`cumulative_tokens`).
    ///
    /// ## Why is this bad?
    /// The design's 24-hour run peaked in the first 8 hours, "degraded
    /// significantly between hours 8-16", and links the slump to context
    /// saturation. Where it starts, and how many tokens were spent by then,
    /// tells where to checkpoint or split the run.
    ///
    /// ## Example
    /// 40 tool calls an hour for hours 0-8, then 6 an hour for hours 8-16:
    /// one finding for 08:00-16:00.
    ///
    /// Use instead: checkpoint and reset the context before the slump.
    ///
    /// ## Not flagged
    /// Sessions with no more windows than the baseline; a trailing window
    /// shorter than half a window (the session simply ended); sessions whose
    /// early median is zero. Model outputs and checkpoints do not count as
    /// activity (Claude Code writes one line per content block).
    ///
    /// ## Configuration
    /// `pacing_window_secs` (3600), `pacing_fraction` (0.5),
    /// `pacing_baseline_windows` (4).
    pub PacingDegradation {
        id: "pacing-degradation",
        scope: Telemetry,
        severity: Warning,
        summary: "activity fell below a fraction of the session's early peak",
    }
}

/// The longest slow stretch whose per-window counts a finding lists (a
/// month of hours).
const MAX_LISTED_WINDOWS: usize = 744;

impl TelemetryRule for PacingDegradation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn per_session(&self) -> bool {
        true
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let policy = cx.policy;
        let window = (policy.pacing_window_secs.max(1) * 1000) as i64;
        for session in &cx.timeline.sessions {
            let Some(end) = session.end() else {
                continue;
            };
            let agg = &session.agg;
            let Some(pacing) = agg.pacing(policy.pacing_baseline_windows, policy.pacing_fraction)
            else {
                continue;
            };
            let (start, start_index, median) = (pacing.start, pacing.start_index, pacing.median);
            for slump in &pacing.slumps {
                let (first, last) = (slump.first, slump.last);
                let offset = |windows: usize| (windows as i64).saturating_mul(window);
                let w_start = start.saturating_add(offset(first));
                let w_end = start.saturating_add(offset(last + 1)).min(end);
                let len = last - first + 1;
                let mean = slump.tool_calls as f64 / len as f64;
                let w_index = start_index + first as i64;
                let cumulative = slump.tokens_before;
                let Some(anchor) = agg.first_from_window(w_index).or(agg.last_anchor()) else {
                    continue;
                };
                let unit = if policy.pacing_window_secs == 3600 {
                    "/h".to_string()
                } else {
                    format!(" per {}s", policy.pacing_window_secs)
                };
                let window_h = policy.pacing_window_secs as f64 / 3600.0;
                let finding = cx.report_at(
                    &Self::META,
                    session,
                    anchor,
                    format!(
                        "activity fell to {mean:.1} tool calls{unit} (early peak {median:.1}{unit}) from hour {:.0} to hour {:.0} of the session ({} to {}); {cumulative} output tokens generated before it",
                        first as f64 * window_h,
                        (last + 1) as f64 * window_h,
                        format_ms(w_start),
                        format_ms(w_end),
                    ),
                );
                finding
                    .extra("window_start", format_ms(w_start))
                    .extra("window_end", format_ms(w_end))
                    .extra("cumulative_tokens", cumulative)
                    .extra("baseline_per_window", median);
                // The count of each window, for stretches short enough to
                // list (a session spanning centuries has one of millions).
                if len <= MAX_LISTED_WINDOWS {
                    finding.extra("counts", agg.window_tool_calls(w_index, len));
                } else {
                    finding.extra("windows", len);
                }
                finding
                .help("checkpoint and reset the context before activity slumps (design: every 6 hours)");
            }
        }
    }
}
