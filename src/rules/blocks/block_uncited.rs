use crate::declare_rule;
use crate::rule::blocks::{BlockAnchor, BlockContext, BlockRule};

declare_rule! {
    /// ## What it does
    /// Flags a block (a task's section of `BLOCKED.md`, or the whole file)
    /// that cites no file with a line number: no `path:line`, `path#L12`,
    /// "path, line 12" or "line 12 of path".
    ///
    /// ## Why is this bad?
    /// An unsupervised agent that is unsure sometimes invents a reason to
    /// stop: a version conflict, a missing file, a restriction nobody
    /// wrote. A block that points at no code cannot be verified, and someone
    /// loses the morning finding out whether it is real. The design asks
    /// the agent to quote exact paths and lines for every constraint.
    ///
    /// ## Example
    /// ```markdown
    /// ## TASK-012
    /// The output formatter cannot be changed without breaking the API.
    /// ```
    ///
    /// Use instead:
    /// ```markdown
    /// ## TASK-012
    /// `src/output_formatter.py:88` returns the dict the CLI prints
    /// (`cli.py:41` reads `result["rows"]`); reordering keys changes the output.
    /// ```
    ///
    /// ## Not flagged
    /// A block with at least one citation with a line (whether it holds up
    /// is the other rules' question), and a queue file that says it holds no
    /// blocks ("No blocked tasks").
    pub BlockUncited {
        id: "block-uncited",
        scope: Blocks,
        severity: Warning,
        summary: "a block that cites no file with a line number",
    }
}

impl BlockRule for BlockUncited {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut BlockContext<'_>) {
        let mut hits = Vec::new();
        for (index, file) in cx.files.iter().enumerate() {
            for block in &file.blocks {
                if block.citations.is_empty() {
                    let what = match &block.task {
                        Some((id, _)) => format!("the block for {id}"),
                        None => "the block".to_string(),
                    };
                    hits.push((index, block.anchor.clone(), what));
                }
            }
        }
        for (file, span, what) in hits {
            cx.report(
                &Self::META,
                BlockAnchor::Block { file, span },
                format!("{what} cites no file with a line number, so its reason cannot be checked"),
            )
            .help("quote the exact path and line of each constraint it rests on, e.g. `src/rate_limiter.py:42`");
        }
    }
}
