//! line-budget: a file changed by more lines than its budget allows.

use crate::change::Status;
use crate::declare_rule;
use crate::rule::{Anchor, ChangeContext, ChangeRule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a file whose changed lines (added + deleted, as
    /// `git diff --numstat` counts them; every line of a new untracked
    /// file) exceed its budget. Budgets come from the configuration (a
    /// default and per-glob overrides) and from the task manifest: a task
    /// constraint such as "Limit changes to <10 lines per file" sets the
    /// budget of the files that task targets. When several apply, the
    /// smallest wins.
    ///
    /// ## Why restrict this?
    /// Small, reviewable diffs are how a person keeps up with an agent that
    /// ran overnight. A file rewritten wholesale when the task asked for a
    /// ten-line fix is structural drift: the design's 20% of "functionally
    /// correct but structurally misaligned" output.
    ///
    /// ## Example
    /// The manifest's TASK-012 targets `src/output_formatter.py` with the
    /// constraint "Limit changes to <10 lines per file", and the change
    /// adds 12 and deletes 3 lines there: 15 > 9.
    ///
    /// Use instead: keep to the task's budget, or split the work into
    /// tasks a person can review.
    ///
    /// ## Not flagged
    /// - Files within their budget; files with no budget (`default = 0`
    ///   and no override or task constraint).
    /// - Binary files, and pure renames (no changed line).
    ///
    /// The finding is anchored at the file's first changed line; the
    /// message gives the count and the budget and where it came from.
    ///
    /// ## Configuration
    /// ```toml
    /// [rules.line-budget]
    /// default = 400   # 0: no budget
    /// overrides = [{ glob = "tests/**", budget = 1000 }]   # first match wins
    /// ```
    pub LineBudget {
        id: "line-budget",
        scope: ChangeSet,
        severity: Warning,
        summary: "file changed by more lines than its budget",
    }
}

impl ChangeRule for LineBudget {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut ChangeContext<'_>) {
        let mut hits = Vec::new();
        for file in cx.files {
            if matches!(
                file.file.status,
                Status::Binary | Status::NotAFile | Status::Submodule
            ) {
                continue;
            }
            let path = file.path();
            let mut budget: Option<(u32, String)> =
                cx.options
                    .line_budget
                    .budget_for(path)
                    .map(|(b, glob)| match glob {
                        Some(glob) => (b, format!("the budget for `{glob}`")),
                        None => (b, "the default budget".to_string()),
                    });
            if let Some(manifest) = cx.manifest {
                for task in manifest.tasks_for(path) {
                    if let Some(limit) = task.line_limit() {
                        if budget.as_ref().is_none_or(|(b, _)| limit.max < *b) {
                            let text = &task.constraints[limit.constraint];
                            budget = Some((limit.max, format!("task {}: \"{text}\"", task.id)));
                        }
                    }
                }
            }
            let Some((max, origin)) = budget else {
                continue;
            };
            if file.changed_lines > max {
                hits.push((
                    path.to_string(),
                    file.first_changed_line(),
                    file.changed_lines,
                    file.added,
                    file.deleted,
                    max,
                    origin,
                ));
            }
        }
        for (path, line, count, added, deleted, max, origin) in hits {
            cx.report(
                &Self::META,
                Anchor::Line {
                    path: path.clone(),
                    line,
                },
                format!(
                    "`{path}` changes {count} lines ({added} added, {deleted} deleted), over its budget of {max} ({origin})"
                ),
            )
            .help("keep the change within the budget, or split it into smaller tasks");
        }
    }
}
