use crate::declare_rule;
use crate::rule::blocks::{BlockAnchor, BlockContext, BlockRule};

declare_rule! {
    /// ## What it does
    /// With a task manifest, notes a block that names no task of the
    /// manifest, or a task id the manifest does not have.
    ///
    /// ## Why is this bad?
    /// A block stands for one task the agent stopped on. One that names no
    /// task, or a task nobody asked for, cannot be matched to the work it
    /// holds up, and may be the agent's invention.
    ///
    /// ## Example
    /// ```markdown
    /// ## TASK-031: waiting for the schema decision
    /// ```
    /// (the manifest has TASK-007 and TASK-012)
    ///
    /// ## Not flagged
    /// A block whose task is in the manifest; every block when no manifest
    /// is given.
    pub BlockUnknownTask {
        id: "block-unknown-task",
        scope: Blocks,
        severity: Note,
        summary: "a block whose task is not in the manifest",
    }
}

impl BlockRule for BlockUnknownTask {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut BlockContext<'_>) {
        let Some(manifest) = cx.manifest else {
            return;
        };
        let known: Vec<&str> = manifest.tasks.iter().map(|t| t.id.as_str()).collect();
        let mut hits = Vec::new();
        for (index, file) in cx.files.iter().enumerate() {
            for block in &file.blocks {
                match &block.task {
                    Some((id, span)) if !known.contains(&id.as_str()) => hits.push((
                        index,
                        span.clone(),
                        format!("the block is for `{id}`, which is not a task of the manifest"),
                    )),
                    None => hits.push((
                        index,
                        block.anchor.clone(),
                        "the block names no task of the manifest".to_string(),
                    )),
                    _ => {}
                }
            }
        }
        let ids = known.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        for (file, span, message) in hits {
            cx.report(&Self::META, BlockAnchor::Block { file, span }, message)
                .help(format!(
                    "name the task the block holds up (the manifest has {ids})"
                ));
        }
    }
}
