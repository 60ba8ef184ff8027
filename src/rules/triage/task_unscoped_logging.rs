use crate::declare_rule;
use crate::routing::{intent, task_text, Category};
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags a logging or observability task whose intent and constraints
    /// say neither where the logs go ("function entry", "every branch",
    /// "on error", … `routing::intent::PLACEMENT`) nor why (traceability, a
    /// level and its reason, … `TRACEABILITY`).
    ///
    /// ## Why is this bad?
    /// "Add logging" fails because the model optimizes for placement
    /// convenience: logs end up in one conditional branch and miss the
    /// paths that matter (pitfall 3). The design's category for logging is
    /// "intent-mapped autonomous": it can run alone only when the intent is
    /// mapped.
    ///
    /// ## Example
    /// ```json
    /// {"id": "TASK-021", "intent_statement": "Add logging to the scheduler", ...}
    /// ```
    ///
    /// Use instead: "Add a DEBUG log at function entry of every public
    /// scheduler method, to guarantee traceability across all branches."
    ///
    /// ## Not flagged
    /// Logging tasks that state placement or traceability, and tasks of
    /// other categories.
    pub TaskUnscopedLogging {
        id: "task-unscoped-logging",
        scope: Triage,
        severity: Error,
        summary: "a logging task without placement or traceability requirements",
    }
}

impl TriageRule for TaskUnscopedLogging {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let hits: Vec<(usize, String)> = cx
            .tasks()
            .filter(|(_, t, r)| {
                let text = task_text(t);
                r.category == Category::ObservabilityLogging
                    && !intent::has_any(&text, intent::PLACEMENT)
                    && !intent::has_any(&text, intent::TRACEABILITY)
            })
            .map(|(i, t, _)| (i, format!("task {} asks for logging but says neither where the logs go nor what they must trace", t.id)))
            .collect();
        for (index, message) in hits {
            cx.report_task(&Self::META, index, message)
                .help("state the placement (function entry, every branch, on error) and the traceability requirement or log level");
        }
    }
}
