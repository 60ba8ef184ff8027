//! scope-creep: a changed file no task of the manifest asked for.

use super::TaskScopes;
use crate::declare_rule;
use crate::rule::{Anchor, ChangeContext, ChangeRule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// With a task manifest, flags each changed file (added, modified,
    /// renamed or deleted) that is neither a task's `target_module` (the
    /// file itself, or a file under a folder target) nor a test of one
    /// (by the test globs: `tests/test_rate_limiter.py` is a test of
    /// `src/rate_limiter.py`).
    ///
    /// ## Why restrict this?
    /// Agents batch work by file proximity: while fixing one module they
    /// "tidy up" its neighbours. Those edits were never asked for, carry no
    /// intent statement and no verification method, and hide inside a diff
    /// that looks like the task. The design's tasks exist to prevent this
    /// scope creep.
    ///
    /// ## Example
    /// The manifest's only task targets `src/rate_limiter.py`, and the
    /// change also edits `src/http_client.py`.
    ///
    /// Use instead: leave `src/http_client.py` alone, or add a task for it.
    ///
    /// ## Not flagged
    /// - Targets of any task, and tests of targets.
    /// - Files matching the `allow` globs (default: `BLOCKED.md`, which the
    ///   design asks a blocked agent to write).
    /// - Anything, when no manifest is given.
    ///
    /// The finding is anchored at the file's first changed line.
    ///
    /// ## Configuration
    /// ```toml
    /// test-globs = ["**/test_{stem}.py", "**/test_{stem}_*.py", "**/{stem}_test.py", "**/{stem}_tests.py", "**/tests/{stem}/**/*.py"]
    /// [rules.scope-creep]
    /// allow = ["BLOCKED.md"]
    /// ```
    pub ScopeCreep {
        id: "scope-creep",
        scope: ChangeSet,
        severity: Warning,
        summary: "changed file outside every task's target and its tests",
    }
}

impl ChangeRule for ScopeCreep {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut ChangeContext<'_>) {
        let Some(manifest) = cx.manifest else { return };
        let scopes = TaskScopes::new(&manifest.tasks, cx.options);
        let targets = manifest
            .tasks
            .iter()
            .map(|t| format!("`{}`", t.target_module))
            .collect::<Vec<_>>()
            .join(", ");
        let mut hits = Vec::new();
        for file in cx.files {
            let path = file.path();
            let in_scope = scopes.is_target(path)
                || scopes.is_test(path)
                || cx.options.scope_allow.is_match(path);
            if !in_scope {
                hits.push((path.to_string(), file.first_changed_line()));
            }
        }
        for (path, line) in hits {
            cx.report(
                &Self::META,
                Anchor::Line {
                    path: path.clone(),
                    line,
                },
                format!("`{path}` is outside the scope of every task in the manifest"),
            )
            .help(if targets.is_empty() {
                "the manifest has no tasks".to_string()
            } else {
                format!("the tasks target {targets} and their tests; revert this file or add a task for it")
            });
        }
    }
}
