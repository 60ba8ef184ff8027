use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Flags a task whose `priority` another task of the manifest already
    /// has (reported at the later one, naming the earlier).
    ///
    /// ## Why is this bad?
    /// The design's agent processes tasks "strictly in numerical order";
    /// two tasks with one priority leave the order to the agent, which then
    /// picks by file proximity (pitfall 1), and priority-drift cannot tell
    /// which came first.
    ///
    /// ## Example
    /// ```json
    /// [{"id": "TASK-007", "priority": 1, ...}, {"id": "TASK-008", "priority": 1, ...}]
    /// ```
    ///
    /// ## Not flagged
    /// Distinct priorities, gaps included.
    pub TaskPriorityCollision {
        id: "task-priority-collision",
        scope: Triage,
        severity: Warning,
        summary: "two tasks with the same priority",
    }
}

impl TriageRule for TaskPriorityCollision {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let mut first: HashMap<i64, &str> = HashMap::new();
        let mut hits = Vec::new();
        for (index, task) in cx.manifest.tasks.iter().enumerate() {
            match first.get(&task.priority) {
                Some(other) => hits.push((
                    index,
                    format!(
                        "task {} has priority {}, as {other} does",
                        task.id, task.priority
                    ),
                )),
                None => {
                    first.insert(task.priority, &task.id);
                }
            }
        }
        for (index, message) in hits {
            cx.report_task(&Self::META, index, message)
                .help("give every task its own priority, so the order is the manifest's and not the agent's");
        }
    }
}
