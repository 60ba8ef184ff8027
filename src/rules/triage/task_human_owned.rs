use crate::declare_rule;
use crate::routing::Category;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags a task the decision matrix routes to "human-owned": its intent
    /// asks for a product or design decision ("decide", "choose", "which
    /// approach", "pricing", "UX", "trade-off", …; see `agentlint triage`'s
    /// classification).
    ///
    /// ## Why is this bad?
    /// The design measured a 15% clean completion rate and a 35%
    /// hallucination probability for product decisions: they "cannot be
    /// encoded syntactically". An agent given one either blocks or decides
    /// on its own.
    ///
    /// ## Example
    /// ```json
    /// {"id": "TASK-030", "intent_statement": "Decide whether exports should default to CSV or JSON", ...}
    /// ```
    ///
    /// ## Not flagged
    /// Tasks of the other categories. Take the decision, then give the agent
    /// a task that implements it.
    pub TaskHumanOwned {
        id: "task-human-owned",
        scope: Triage,
        severity: Error,
        summary: "a product or design decision handed to the agent",
    }
}

impl TriageRule for TaskHumanOwned {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let hits: Vec<(usize, String)> = cx
            .tasks()
            .filter(|(_, _, r)| r.category == Category::ProductDesignDecision)
            .map(|(i, t, r)| {
                (
                    i,
                    format!(
                        "task {} is a product/design decision ({}): it must stay human-owned",
                        t.id, r.basis
                    ),
                )
            })
            .collect();
        for (index, message) in hits {
            cx.report_task(&Self::META, index, message)
                .help("make the decision yourself, then hand the agent a task that implements it");
        }
    }
}
