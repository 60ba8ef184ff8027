use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags an agent config whose `session.checkpoint_interval_hours` is
    /// missing, not positive, or more than 6.
    ///
    /// ## Why is this bad?
    /// Activity density drops after 8 to 12 hours as the context fills
    /// (pitfall 5). The design checkpoints every 6 hours to archive
    /// completed work and reset the context.
    ///
    /// ## Example
    /// ```yaml
    /// session:
    ///   checkpoint_interval_hours: 12
    /// ```
    ///
    /// ## Not flagged
    /// An interval above 0 and at most 6 hours.
    pub SafeguardCheckpointInterval {
        id: "safeguard-checkpoint-interval",
        scope: Triage,
        severity: Warning,
        summary: "the agent config checkpoints less often than every 6 hours, or never",
    }
}

/// The design's checkpoint interval.
pub const MAX_HOURS: f64 = 6.0;

impl TriageRule for SafeguardCheckpointInterval {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let Some(agent) = cx.agent else {
            return;
        };
        let message = match agent.session.checkpoint_interval_hours {
            Some(hours) if hours > 0.0 && hours <= MAX_HOURS => return,
            Some(hours) => format!("`checkpoint_interval_hours` is {hours}: checkpoints must come at most every {MAX_HOURS} hours"),
            None => "the agent config sets no `session.checkpoint_interval_hours`".to_string(),
        };
        if let Some(f) = cx.report_key(&Self::META, "session.checkpoint_interval_hours", message) {
            f.help("set `checkpoint_interval_hours: 6` (or less) under `session:`");
        }
    }
}
