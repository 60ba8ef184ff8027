//! missing-test: a test-backed task changed its target but no test.

use super::TaskScopes;
use crate::change::Status;
use crate::config::manifest::VerificationMethod;
use crate::declare_rule;
use crate::rule::{Anchor, ChangeContext, ChangeRule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// With a task manifest, flags each task whose `verification_method`
    /// is `unit_test`, whose target the change touched, while no test of
    /// that target changed (by the test globs). The finding is anchored at
    /// the task's `id` in the manifest file, so it shows next to the task
    /// in code review.
    ///
    /// ## Why is this bad?
    /// Test-backed bug fixes are the work agents do most reliably, *because*
    /// the test defines success. A fix without a new or updated test only
    /// claims success; the design's TASK-007 even says "Add edge-case tests
    /// for zero-delay batches".
    ///
    /// ## Example
    /// ```json
    /// {"id": "TASK-007", "target_module": "src/rate_limiter.py",
    ///  "operation": "fix", "verification_method": "unit_test", ...}
    /// ```
    /// and the change edits `src/rate_limiter.py` only.
    ///
    /// Use instead: also add or update `tests/test_rate_limiter.py`.
    ///
    /// ## Not flagged
    /// - Tasks verified by `style_check` or `integration_run`.
    /// - Tasks whose target did not change (nothing was done yet).
    /// - Deleting a test does not count as changing one.
    ///
    /// ## Configuration
    /// `test-globs` (shared with `scope-creep`); `{stem}` is the target's
    /// file stem or folder name.
    pub MissingTest {
        id: "missing-test",
        scope: ChangeSet,
        severity: Error,
        summary: "test-backed task changed its target without changing a test",
    }
}

impl ChangeRule for MissingTest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut ChangeContext<'_>) {
        let Some(manifest) = cx.manifest else { return };
        let scopes = TaskScopes::new(&manifest.tasks, cx.options);
        let mut hits = Vec::new();
        for (task, tests) in &scopes.tasks {
            if task.verification_method != VerificationMethod::UnitTest {
                continue;
            }
            let changed_target = cx
                .files
                .iter()
                .find(|f| task.targets(f.path()) && !tests.is_match(f.path()));
            let Some(changed) = changed_target else {
                continue;
            };
            let tested = cx
                .files
                .iter()
                .any(|f| f.file.status != Status::Deleted && tests.is_match(f.path()));
            if !tested {
                hits.push((
                    task.id.clone(),
                    task.spans.id.clone(),
                    changed.path().to_string(),
                ));
            }
        }
        for (id, span, changed) in hits {
            cx.report(
                &Self::META,
                Anchor::Manifest { span },
                format!("task {id} is verified by unit tests, but the change edits `{changed}` without changing a test of it"),
            )
            .help("add or update a test for the fix (by default `tests/**/test_<stem>*.py`)");
        }
    }
}
