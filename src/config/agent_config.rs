//! The agent's own configuration (`--agent-config FILE`, or
//! `agent-config = "…"` in `agentlint.toml`): the design document's
//! `agent_config.yaml`, read as it is.
//!
//! ```yaml
//! session:
//!   name: "production-maintenance-run"
//!   max_duration_hours: 24
//!   checkpoint_interval_hours: 6
//!   context_window_limit: 8192
//! environment:
//!   workspace: "/opt/agent-workspace"
//!   venv_path: "./.venv"
//!   network_scope: "localhost_only"
//!   shell_restrictions: ["no_sudo", "no_system_package_install", "venv_isolated"]
//! constraints:
//!   priority_enforcement: "strict_sequential"
//!   anti_batching: true
//!   block_on_ambiguity: true
//!   forbidden_patterns: ["except Exception:", "bare_except:", "global_network_access"]
//! telemetry:
//!   log_format: "jsonl"
//!   capture_tool_calls: true
//!   capture_model_outputs: true
//!   retention_days: 30
//! ```
//!
//! Every section and key is optional; unknown keys are tolerated (teams
//! add their own), a known key with a value of the wrong type is an error
//! pointing at the value. An empty file is an empty configuration.
//! Free-form values (`network_scope`, `priority_enforcement`, the
//! `shell_restrictions` names) are kept as strings: the checks that read
//! them decide what they accept.

use super::{read_text, Spanned};
use crate::error::{Error, Result};
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `session:`: limits of one agent run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Session {
    pub name: Option<String>,
    pub max_duration_hours: Option<f64>,
    pub checkpoint_interval_hours: Option<f64>,
    /// Tokens.
    pub context_window_limit: Option<u64>,
}

/// `environment:`: where the agent may act.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub workspace: Option<String>,
    pub venv_path: Option<String>,
    /// e.g. `localhost_only`.
    pub network_scope: Option<String>,
    /// e.g. `no_sudo`, `no_system_package_install`, `venv_isolated`.
    pub shell_restrictions: Vec<String>,
}

/// `constraints:`: how the agent must work.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Constraints {
    /// e.g. `strict_sequential`.
    pub priority_enforcement: Option<String>,
    pub anti_batching: Option<bool>,
    pub block_on_ambiguity: Option<bool>,
    /// Regexes over added lines, or symbolic names of built-in checks
    /// (`bare_except`); see the `forbidden-pattern` rule. Each keeps its
    /// byte range in the file for errors.
    pub forbidden_patterns: Vec<YamlSpanned<String>>,
}

/// `telemetry:`: what the agent's run records.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Telemetry {
    /// e.g. `jsonl`.
    pub log_format: Option<String>,
    pub capture_tool_calls: Option<bool>,
    pub capture_model_outputs: Option<bool>,
    pub retention_days: Option<u64>,
}

/// The parsed `agent_config.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AgentConfigData {
    pub session: Session,
    pub environment: Environment,
    pub constraints: Constraints,
    pub telemetry: Telemetry,
}

/// A validated agent configuration with its file's text (for errors found
/// later, such as an invalid regex among the forbidden patterns).
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The path as given (for messages).
    pub path: PathBuf,
    pub text: Arc<str>,
    pub data: AgentConfigData,
}

impl std::ops::Deref for AgentConfig {
    type Target = AgentConfigData;
    fn deref(&self) -> &AgentConfigData {
        &self.data
    }
}

impl AgentConfig {
    pub fn load(path: &Path) -> Result<AgentConfig> {
        let text = read_text(path)?;
        AgentConfig::parse(path, text)
    }

    /// Parses YAML text; `path` only names the file in errors.
    pub fn parse(path: &Path, text: String) -> Result<AgentConfig> {
        let name = path.display().to_string();
        let data = if text.trim().is_empty() {
            AgentConfigData::default()
        } else {
            // The key path of an error is tracked beside the parser.
            let mut key_path = None;
            let parsed: std::result::Result<Option<AgentConfigData>, _> =
                serde_saphyr::with_deserializer_from_str(&text, |de| {
                    serde_path_to_error::deserialize(de).map_err(|err| {
                        key_path = super::errors::key_path(err.path(), super::errors::Syntax::Yaml);
                        err.into_inner()
                    })
                });
            match parsed {
                Ok(data) => data.unwrap_or_default(),
                Err(err) => return Err(yaml_error(&name, &text, &err, key_path.as_deref())),
            }
        };
        Ok(AgentConfig {
            path: path.to_path_buf(),
            text: Arc::from(text),
            data,
        })
    }

    /// An error located in this file.
    pub fn error_at(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Error {
        Error::input(
            self.path.display().to_string(),
            self.text.to_string(),
            span,
            message,
            label,
            help,
        )
    }
}

/// A YAML value with its byte range (empty range when unknown).
pub type YamlSpanned<T> = Spanned<T>;

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    /// Only meaningful with serde-saphyr, which records node locations.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let inner = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        let span = inner.referenced.span();
        let start = span.byte_offset().unwrap_or(0) as usize;
        let len = span.byte_len().unwrap_or(0) as usize;
        Ok(Spanned {
            value: inner.value,
            span: start..start + len,
        })
    }
}

fn yaml_error(name: &str, text: &str, err: &serde_saphyr::Error, key_path: Option<&str>) -> Error {
    let inner = err.without_snippet();
    let (start, len) = inner
        .location()
        .map(|loc| {
            let span = loc.span();
            match span.byte_offset() {
                Some(offset) => (
                    offset as usize,
                    span.byte_len().unwrap_or(1).max(1) as usize,
                ),
                None => (
                    super::offset_of(text, loc.line() as usize, loc.column() as usize),
                    1,
                ),
            }
        })
        .unwrap_or((0, 0));
    let message = inner.render_with_options(serde_saphyr::render_options! {
        snippets: serde_saphyr::SnippetMode::Off,
    });
    // The location is shown by the diagnostic; keep the message itself.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .trim()
        .to_string();
    let span = start..start + len;
    let plain = super::errors::plain(
        &message,
        key_path,
        text.get(span.clone()),
        super::errors::Syntax::Yaml,
    );
    Error::input(
        name,
        text.to_string(),
        span,
        format!("invalid agent configuration `{name}`: {}", plain.message),
        plain.label,
        Some("the agent_config.yaml template has the sections `session`, `environment`, `constraints` and `telemetry`".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"# agent_config.yaml
session:
  name: "production-maintenance-run"
  max_duration_hours: 24
  checkpoint_interval_hours: 6
  context_window_limit: 8192
environment:
  workspace: "/opt/agent-workspace"
  venv_path: "./.venv"
  network_scope: "localhost_only"
  shell_restrictions:
    - "no_sudo"
    - "no_system_package_install"
    - "venv_isolated"
constraints:
  priority_enforcement: "strict_sequential"
  anti_batching: true
  block_on_ambiguity: true
  forbidden_patterns:
    - "except Exception:"
    - "bare_except:"
    - "global_network_access"
telemetry:
  log_format: "jsonl"
  capture_tool_calls: true
  capture_model_outputs: true
  retention_days: 30
"#;

    fn parse(text: &str) -> Result<AgentConfig> {
        AgentConfig::parse(Path::new("agent_config.yaml"), text.to_string())
    }

    #[test]
    fn reads_the_design_template() {
        let c = parse(TEMPLATE).unwrap();
        assert_eq!(
            c.session.name.as_deref(),
            Some("production-maintenance-run")
        );
        assert_eq!(c.session.max_duration_hours, Some(24.0));
        assert_eq!(c.session.context_window_limit, Some(8192));
        assert_eq!(
            c.environment.network_scope.as_deref(),
            Some("localhost_only")
        );
        assert_eq!(c.environment.shell_restrictions.len(), 3);
        assert_eq!(c.constraints.anti_batching, Some(true));
        assert_eq!(c.telemetry.retention_days, Some(30));
        let patterns: Vec<&str> = c
            .constraints
            .forbidden_patterns
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        assert_eq!(
            patterns,
            ["except Exception:", "bare_except:", "global_network_access"]
        );
        let first = &c.constraints.forbidden_patterns[0];
        assert!(
            TEMPLATE[first.span.clone()].contains("except Exception:"),
            "{:?}",
            &TEMPLATE[first.span.clone()]
        );
    }

    #[test]
    fn unknown_keys_and_missing_sections_are_fine() {
        let c = parse("session:\n  name: x\n  owner: team-a\nextra:\n  - 1\n").unwrap();
        assert_eq!(c.session.name.as_deref(), Some("x"));
        assert!(c.constraints.forbidden_patterns.is_empty());
        assert_eq!(parse("").unwrap().data, AgentConfigData::default());
        assert_eq!(
            parse("# only a comment\n").unwrap().data,
            AgentConfigData::default()
        );
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let bad = TEMPLATE.replace("retention_days: 30", "retention_days: thirty");
        match parse(&bad) {
            Err(Error::Input { span, message, .. }) => {
                let line = bad[..span.offset()].matches('\n').count() + 1;
                assert_eq!(line, 27, "{message}");
            }
            other => panic!("expected an input error, got {other:?}"),
        }
        let bad = TEMPLATE.replace("anti_batching: true", "anti_batching: [1]");
        match parse(&bad) {
            Err(Error::Input { span, .. }) => {
                assert_eq!(bad[..span.offset()].matches('\n').count() + 1, 17);
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_located() {
        let bad = "session:\n  name: [unclosed\n";
        assert!(matches!(parse(bad), Err(Error::Input { .. })));
        assert!(matches!(parse("- a\n- b\n"), Err(Error::Input { .. })));
    }
}
