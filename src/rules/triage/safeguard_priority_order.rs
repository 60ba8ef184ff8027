use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags an agent config whose `constraints.priority_enforcement` is
    /// missing or is not `strict_sequential`.
    ///
    /// ## Why is this bad?
    /// Long runs drift when priority is implicit: by hour 18 the agent
    /// optimizes locally and batches by file. The design's first execution
    /// rule is "process tasks strictly in numerical order".
    ///
    /// ## Example
    /// ```yaml
    /// constraints:
    ///   priority_enforcement: "best_effort"
    /// ```
    ///
    /// ## Not flagged
    /// `priority_enforcement: "strict_sequential"`.
    pub SafeguardPriorityOrder {
        id: "safeguard-priority-order",
        scope: Triage,
        severity: Warning,
        summary: "the agent config does not enforce strict sequential priority",
    }
}

impl TriageRule for SafeguardPriorityOrder {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let Some(agent) = cx.agent else {
            return;
        };
        let value = agent.constraints.priority_enforcement.as_deref();
        let message = match value {
            Some("strict_sequential") => return,
            Some(other) => format!("`priority_enforcement` is `{other}`, not `strict_sequential`"),
            None => "the agent config sets no `constraints.priority_enforcement`".to_string(),
        };
        if let Some(f) = cx.report_key(&Self::META, "constraints.priority_enforcement", message) {
            f.help("set `priority_enforcement: \"strict_sequential\"` under `constraints:`");
        }
    }
}
