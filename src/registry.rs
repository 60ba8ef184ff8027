//! The one list of built-in rules. Adding a rule adds one line here.

use crate::rule::blocks::BlockRule;
use crate::rule::triage::TriageRule;
use crate::rule::{AstRule, ChangeRule, RuleMeta, TelemetryRule};
use crate::rules::{blocks, changeset, python, telemetry, triage};

/// A registered rule, by the stage that runs it.
pub enum Registered {
    Ast(&'static dyn AstRule),
    Change(&'static dyn ChangeRule),
    Telemetry(&'static dyn TelemetryRule),
    /// Block files (`agentlint blocks`): their own stage, since they read
    /// the repository a block cites rather than a change or telemetry.
    Blocks(&'static dyn BlockRule),
    /// The manifest and agent config before a run (`agentlint triage`).
    Triage(&'static dyn TriageRule),
}

impl Registered {
    pub fn meta(&self) -> &'static RuleMeta {
        match self {
            Registered::Ast(rule) => rule.meta(),
            Registered::Change(rule) => rule.meta(),
            Registered::Telemetry(rule) => rule.meta(),
            Registered::Blocks(rule) => rule.meta(),
            Registered::Triage(rule) => rule.meta(),
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
    Registered::Blocks(&blocks::block_uncited::BlockUncited),
    Registered::Blocks(&blocks::block_phantom_file::BlockPhantomFile),
    Registered::Blocks(&blocks::block_misquoted::BlockMisquoted),
    Registered::Blocks(&blocks::block_phantom_dependency::BlockPhantomDependency),
    Registered::Blocks(&blocks::block_unknown_task::BlockUnknownTask),
    Registered::Blocks(&blocks::block_report_missing::BlockReportMissing),
    Registered::Triage(&triage::task_vague_intent::TaskVagueIntent),
    Registered::Triage(&triage::task_no_verification::TaskNoVerification),
    Registered::Triage(&triage::task_human_owned::TaskHumanOwned),
    Registered::Triage(&triage::task_unscoped_logging::TaskUnscopedLogging),
    Registered::Triage(&triage::task_priority_collision::TaskPriorityCollision),
    Registered::Triage(&triage::task_same_target::TaskSameTarget),
    Registered::Triage(&triage::safeguard_priority_order::SafeguardPriorityOrder),
    Registered::Triage(&triage::safeguard_anti_batching::SafeguardAntiBatching),
    Registered::Triage(&triage::safeguard_checkpoint_interval::SafeguardCheckpointInterval),
    Registered::Triage(&triage::safeguard_network_scope::SafeguardNetworkScope),
    Registered::Triage(&triage::safeguard_shell_restrictions::SafeguardShellRestrictions),
    Registered::Triage(&triage::safeguard_block_on_ambiguity::SafeguardBlockOnAmbiguity),
];

pub fn all() -> &'static [Registered] {
    RULES
}

pub fn find(id: &str) -> Option<&'static Registered> {
    RULES.iter().find(|r| r.meta().id == id)
}

/// ruff's codes for the rules that follow ruff's semantics; `# noqa: E722`
/// and `--select BLE001` name them.
pub const RUFF_CODES: &[(&str, &str)] = &[("E722", "bare-except"), ("BLE001", "broad-except")];

/// A rule named by a user that no rule answers to, with the closest id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

impl UnknownRule {
    /// "unknown rule `x`" and, when one is close, "did you mean `y`?".
    pub fn message(&self) -> String {
        match self.suggestion {
            Some(id) => format!("unknown rule `{}`; did you mean `{id}`?", self.name),
            None => format!("unknown rule `{}`", self.name),
        }
    }
}

/// The rule of `known` that `name` names: its id (`broad-except`), the id
/// in snake_case (`broad_except`) or its ruff code (`BLE001`).
pub fn resolve_name(
    name: &str,
    known: &[&'static Registered],
) -> Result<&'static Registered, UnknownRule> {
    let name = name.trim();
    let kebab = name.replace('_', "-");
    let code = RUFF_CODES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(name))
        .map(|(_, id)| *id);
    let wanted = code.unwrap_or(kebab.as_str());
    if let Some(rule) = known.iter().find(|r| r.meta().id == wanted) {
        return Ok(rule);
    }
    let ids = known.iter().map(|r| r.meta().id);
    let codes = RUFF_CODES.iter().map(|(code, _)| *code);
    let suggestion = crate::settings::did_you_mean(&kebab, ids.chain(codes)).map(|hit| {
        RUFF_CODES
            .iter()
            .find(|(code, _)| *code == hit)
            .map_or(hit, |(_, id)| *id)
    });
    Err(UnknownRule {
        name: name.to_string(),
        suggestion,
    })
}
