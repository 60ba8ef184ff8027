//! The one list of built-in rules. Adding a rule adds one line here.

use crate::rule::{AstRule, ChangeRule, RuleMeta, TelemetryRule};
use crate::rules::{changeset, python, telemetry};

/// A registered rule, by the stage that runs it.
pub enum Registered {
    Ast(&'static dyn AstRule),
    Change(&'static dyn ChangeRule),
    Telemetry(&'static dyn TelemetryRule),
}

impl Registered {
    pub fn meta(&self) -> &'static RuleMeta {
        match self {
            Registered::Ast(rule) => rule.meta(),
            Registered::Change(rule) => rule.meta(),
            Registered::Telemetry(rule) => rule.meta(),
        }
    }
}

impl std::fmt::Debug for Registered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Registered({})", self.meta().id)
    }
}

static RULES: &[Registered] = &[
    Registered::Ast(&python::bare_except::BareExcept),
    Registered::Ast(&python::broad_except::BroadExcept),
    Registered::Ast(&python::log_not_at_entry::LogNotAtEntry),
    Registered::Change(&changeset::config_outside_config_dir::ConfigOutsideConfigDir),
    Registered::Change(&changeset::line_budget::LineBudget),
    Registered::Change(&changeset::scope_creep::ScopeCreep),
    Registered::Change(&changeset::missing_test::MissingTest),
    Registered::Change(&changeset::forbidden_pattern::ForbiddenPattern),
    Registered::Telemetry(&telemetry::telemetry_parse_error::TelemetryParseError),
    Registered::Telemetry(&telemetry::telemetry_out_of_order::TelemetryOutOfOrder),
    Registered::Telemetry(&telemetry::unsafe_shell::UnsafeShell),
    Registered::Telemetry(&telemetry::network_egress::NetworkEgress),
    Registered::Telemetry(&telemetry::write_outside_workspace::WriteOutsideWorkspace),
    Registered::Telemetry(&telemetry::checkpoint_missed::CheckpointMissed),
    Registered::Telemetry(&telemetry::token_limit::TokenLimit),
    Registered::Telemetry(&telemetry::pacing_degradation::PacingDegradation),
    Registered::Telemetry(&telemetry::priority_drift::PriorityDrift),
    Registered::Telemetry(&telemetry::file_proximity_batching::FileProximityBatching),
];

pub fn all() -> &'static [Registered] {
    RULES
}

pub fn find(id: &str) -> Option<&'static Registered> {
    RULES.iter().find(|r| r.meta().id == id)
}
