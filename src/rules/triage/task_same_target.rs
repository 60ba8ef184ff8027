use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags a task whose `target_module` is another task's, or lies inside
    /// it (`src/report/json.py` and `src/report/`), reported at the later
    /// task, naming the earlier.
    ///
    /// ## Why is this bad?
    /// Tasks on one file invite the agent to batch them by file proximity,
    /// the design's first pitfall: lower-priority work done early, the
    /// priority order lost, changes of two tasks mixed in one edit.
    ///
    /// ## Example
    /// ```json
    /// [{"id": "TASK-007", "target_module": "src/rate_limiter.py", ...},
    ///  {"id": "TASK-019", "target_module": "src/rate_limiter.py", ...}]
    /// ```
    ///
    /// ## Not flagged
    /// Tasks on distinct files and folders. When two tasks must touch one
    /// file, merge them, or keep anti-batching on and watch
    /// file-proximity-batching in the audit.
    pub TaskSameTarget {
        id: "task-same-target",
        scope: Triage,
        severity: Warning,
        summary: "two tasks on one target module, which invites batching",
    }
}

impl TriageRule for TaskSameTarget {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let tasks = &cx.manifest.tasks;
        let mut hits = Vec::new();
        for (index, task) in tasks.iter().enumerate() {
            let earlier = tasks[..index].iter().find(|other| {
                other.target_module == task.target_module
                    || other.targets(task.target_module.trim_end_matches('/'))
                    || task.targets(other.target_module.trim_end_matches('/'))
            });
            if let Some(other) = earlier {
                hits.push((
                    index,
                    format!(
                        "task {} targets `{}`, as task {} does (`{}`)",
                        task.id, task.target_module, other.id, other.target_module
                    ),
                ));
            }
        }
        for (index, message) in hits {
            cx.report_task(&Self::META, index, message)
                .help("merge the tasks, or split the work so each task owns its files");
        }
    }
}
