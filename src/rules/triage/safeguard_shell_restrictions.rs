use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags an agent config whose `environment.shell_restrictions` is
    /// missing or empty, or lacks one of the design's three: `no_sudo`,
    /// `no_system_package_install`, `venv_isolated`.
    ///
    /// ## Why is this bad?
    /// Unscoped shell access lets the agent modify the system, install
    /// packages globally and escape the project's virtual environment
    /// (pitfall 7).
    ///
    /// ## Example
    /// ```yaml
    /// environment:
    ///   shell_restrictions: ["no_sudo"]
    /// ```
    ///
    /// ## Not flagged
    /// A list holding all three (more are fine).
    pub SafeguardShellRestrictions {
        id: "safeguard-shell-restrictions",
        scope: Triage,
        severity: Error,
        summary: "the agent config lacks the design's shell restrictions",
    }
}

/// The design template's restrictions.
pub const REQUIRED: [&str; 3] = ["no_sudo", "no_system_package_install", "venv_isolated"];

impl TriageRule for SafeguardShellRestrictions {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let Some(agent) = cx.agent else {
            return;
        };
        let have = &agent.environment.shell_restrictions;
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|r| !have.iter().any(|h| h == r))
            .collect();
        if missing.is_empty() {
            return;
        }
        let message = if have.is_empty() {
            "the agent config sets no `environment.shell_restrictions`".to_string()
        } else {
            format!(
                "`shell_restrictions` lacks {}",
                missing
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if let Some(f) = cx.report_key(&Self::META, "environment.shell_restrictions", message) {
            f.help("list `no_sudo`, `no_system_package_install` and `venv_isolated` under `shell_restrictions:`");
        }
    }
}
