use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags an agent config whose `constraints.block_on_ambiguity` is
    /// missing or `false`.
    ///
    /// ## Why is this bad?
    /// The design's agent writes a BLOCKED.md and halts when a task needs a
    /// product decision or has more than two plausible architectural paths.
    /// Without it the agent guesses, and the guess is merged as if it were
    /// the intent.
    ///
    /// ## Example
    /// ```yaml
    /// constraints:
    ///   block_on_ambiguity: false
    /// ```
    ///
    /// ## Not flagged
    /// `block_on_ambiguity: true`.
    pub SafeguardBlockOnAmbiguity {
        id: "safeguard-block-on-ambiguity",
        scope: Triage,
        severity: Warning,
        summary: "the agent config does not make the agent stop on ambiguity",
    }
}

impl TriageRule for SafeguardBlockOnAmbiguity {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let Some(agent) = cx.agent else {
            return;
        };
        let message = match agent.constraints.block_on_ambiguity {
            Some(true) => return,
            Some(false) => {
                "`block_on_ambiguity` is `false`: the agent will guess instead of stopping"
                    .to_string()
            }
            None => "the agent config sets no `constraints.block_on_ambiguity`".to_string(),
        };
        if let Some(f) = cx.report_key(&Self::META, "constraints.block_on_ambiguity", message) {
            f.help("set `block_on_ambiguity: true` under `constraints:`");
        }
    }
}
