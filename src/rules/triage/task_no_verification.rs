use crate::config::manifest::{Operation, VerificationMethod};
use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags a task whose `verification_method` cannot show that it
    /// succeeded: a `fix`, `add_coverage` or `update_dependency` task
    /// verified only by `style_check`. A style check says the code is
    /// formatted, not that the bug is gone, the tests cover the case or the
    /// upgraded package still works.
    ///
    /// ## Why is this bad?
    /// The design routes bug fixes to "autonomous with verification" because
    /// success is measurable by tests; without a test or an integration run
    /// nothing measures it, and the agent reports done on faith.
    ///
    /// ## Example
    /// ```json
    /// {"id": "TASK-009", "operation": "fix", "verification_method": "style_check", ...}
    /// ```
    ///
    /// ## Not flagged
    /// `unit_test` or `integration_run` for those operations, and
    /// `style_check` for `refactor` (which the design itself uses).
    pub TaskNoVerification {
        id: "task-no-verification",
        scope: Triage,
        severity: Error,
        summary: "a task whose verification method cannot show it succeeded",
    }
}

impl TriageRule for TaskNoVerification {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let hits: Vec<(usize, String)> = cx
            .manifest
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.verification_method == VerificationMethod::StyleCheck
                    && matches!(t.operation, Operation::Fix | Operation::AddCoverage | Operation::UpdateDependency)
            })
            .map(|(i, t)| {
                (
                    i,
                    format!("task {} (`{}`) is verified only by `style_check`, which cannot show it worked", t.id, t.operation.as_str()),
                )
            })
            .collect();
        for (index, message) in hits {
            cx.report_task(&Self::META, index, message)
                .help("verify it with `unit_test` (a test that fails before the change) or `integration_run`");
        }
    }
}
