use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags an agent config whose `constraints.anti_batching` is missing or
    /// `false`.
    ///
    /// ## Why is this bad?
    /// Agents group changes in the same file for efficiency; over a long
    /// run this overrides the priority order (pitfall 1). The design's fix
    /// is an explicit anti-batching rule.
    ///
    /// ## Example
    /// ```yaml
    /// constraints:
    ///   anti_batching: false
    /// ```
    ///
    /// ## Not flagged
    /// `anti_batching: true`.
    pub SafeguardAntiBatching {
        id: "safeguard-anti-batching",
        scope: Triage,
        severity: Warning,
        summary: "the agent config does not forbid batching by file proximity",
    }
}

impl TriageRule for SafeguardAntiBatching {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let Some(agent) = cx.agent else {
            return;
        };
        let message = match agent.constraints.anti_batching {
            Some(true) => return,
            Some(false) => {
                "`anti_batching` is `false`: the agent may batch tasks by file".to_string()
            }
            None => "the agent config sets no `constraints.anti_batching`".to_string(),
        };
        if let Some(f) = cx.report_key(&Self::META, "constraints.anti_batching", message) {
            f.help("set `anti_batching: true` under `constraints:`");
        }
    }
}
