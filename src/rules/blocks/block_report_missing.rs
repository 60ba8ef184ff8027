use crate::declare_rule;
use crate::rule::blocks::{BlockAnchor, BlockContext, BlockRule};

declare_rule! {
    /// ## What it does
    /// With a task manifest, notes a task whose `blocked_on` is set while
    /// no block of any block file is about it.
    ///
    /// ## Why is this bad?
    /// A blocked task should come with the block that explains it, with
    /// the exact ambiguity and the code it rests on; without one, a reviewer
    /// cannot tell why the task did not run, or whether the reason holds.
    ///
    /// ## Example
    /// ```json
    /// {"id": "TASK-020", "blocked_on": "TASK-007", ...}
    /// ```
    /// (no `BLOCKED.md` section names TASK-020)
    ///
    /// ## Not flagged
    /// A blocked task with a block, and tasks whose `blocked_on` is `null`.
    pub BlockReportMissing {
        id: "block-report-missing",
        scope: Blocks,
        severity: Note,
        summary: "a manifest task with `blocked_on` set and no block about it",
    }
}

impl BlockRule for BlockReportMissing {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut BlockContext<'_>) {
        let Some(manifest) = cx.manifest else {
            return;
        };
        let reported: Vec<&str> = cx
            .files
            .iter()
            .flat_map(|f| f.blocks.iter())
            .filter_map(|b| b.task.as_ref().map(|(id, _)| id.as_str()))
            .collect();
        let mut hits = Vec::new();
        for task in &manifest.tasks {
            if let Some(on) = &task.blocked_on {
                if !reported.contains(&task.id.as_str()) {
                    hits.push((
                        task.spans.id.clone(),
                        format!(
                            "task {} is blocked on `{on}`, but no block file has a block for it",
                            task.id
                        ),
                    ));
                }
            }
        }
        for (span, message) in hits {
            cx.report(&Self::META, BlockAnchor::Manifest { span }, message)
                .help("write the block (BLOCKED.md, a section per task) with the exact reason and the code it rests on, or clear `blocked_on`");
        }
    }
}
