//! agentlint's own configuration: `agentlint.toml`, or the
//! `[tool.agentlint]` table of `pyproject.toml`.
//!
//! # Discovery
//! `--config FILE` names the file (an `agentlint.toml`, or a
//! `pyproject.toml` whose `[tool.agentlint]` is read). Without it, each
//! folder from the working directory upward is searched for
//! `agentlint.toml`, then for a `pyproject.toml` that has a
//! `[tool.agentlint]` table; the search stops at the first hit, and after
//! the folder that holds `.git` (a repository never picks up a
//! configuration from outside itself). No file: built-in defaults.
//!
//! # Keys
//! See [`STARTER`] (what `agentlint init` writes) for every key with its
//! default. Unknown keys, wrong types, unknown rule ids, invalid globs and
//! invalid regexes are errors pointing at the offending span. Paths
//! (`manifest`, `agent-config`, `rules-dir`) are relative to the folder of
//! the configuration file.
//!
//! # Precedence
//! `--select` on the command line replaces `select`; `--ignore` adds to
//! `ignore`; `--manifest` / `--agent-config` replace `manifest` /
//! `agent-config`.

use super::read_text;
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::registry::Registered;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// `[rules.log-not-at-entry]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct LogNotAtEntryConfig {
    /// Regex over the logger's name in `NAME.debug(...)`.
    pub logger_name_pattern: Option<Spanned<String>>,
    /// What "at the function's entry" means.
    pub placement: Option<crate::settings::LogPlacement>,
}

/// `[rules.config-outside-config-dir]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ConfigOutsideConfigDirConfig {
    /// Root-relative folders where configuration may change.
    pub config_dirs: Option<Vec<String>>,
    /// Globs of configuration files (replace the defaults).
    pub config_globs: Option<Vec<Spanned<String>>>,
    /// Globs of dependency manifests and lock files (replace the defaults).
    pub dependency_globs: Option<Vec<Spanned<String>>>,
    /// Whether dependency manifests and lock files count as configuration.
    pub dependency_files_are_config: Option<bool>,
}

/// One `{ glob = "…", budget = N }` of `[rules.line-budget] overrides`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BudgetOverrideConfig {
    pub glob: Spanned<String>,
    pub budget: u32,
}

/// `[rules.line-budget]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct LineBudgetConfig {
    /// Budget of every file no override matches; `0` means no budget.
    pub default: Option<u32>,
    pub overrides: Vec<BudgetOverrideConfig>,
}

/// `[rules.scope-creep]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ScopeCreepConfig {
    /// Globs any change may touch without a task (replace the defaults).
    pub allow: Option<Vec<Spanned<String>>>,
}

/// `[rules.forbidden-pattern]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct ForbiddenPatternConfig {
    /// Regexes, or symbolic names of built-in rules (`bare_except`).
    pub patterns: Vec<Spanned<String>>,
}

/// `[rules.*]`: per-rule options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RuleTables {
    pub log_not_at_entry: LogNotAtEntryConfig,
    pub config_outside_config_dir: ConfigOutsideConfigDirConfig,
    pub line_budget: LineBudgetConfig,
    pub scope_creep: ScopeCreepConfig,
    pub forbidden_pattern: ForbiddenPatternConfig,
}

/// The contents of `agentlint.toml` / `[tool.agentlint]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct FileConfig {
    /// Only these rules (default: all).
    pub select: Option<Vec<Spanned<String>>>,
    /// Never these rules.
    pub ignore: Vec<Spanned<String>>,
    /// Rule id -> `error`, `warning` or `note`.
    pub severity: BTreeMap<String, Spanned<String>>,
    /// Lint only changed files matching one of these globs (default: all).
    pub include: Vec<Spanned<String>>,
    /// Never lint changed files matching these globs.
    pub exclude: Vec<Spanned<String>>,
    /// The task manifest (JSON).
    pub manifest: Option<String>,
    /// The agent's `agent_config.yaml`.
    pub agent_config: Option<String>,
    /// A folder of declarative rules.
    pub rules_dir: Option<String>,
    /// Test-file templates for scope-creep and missing-test; `{stem}` is
    /// the target's file stem.
    pub test_globs: Option<Vec<Spanned<String>>>,
    pub rules: RuleTables,
}

#[derive(Debug, Default, Deserialize)]
struct Pyproject {
    #[serde(default)]
    tool: PyprojectTool,
}

#[derive(Debug, Default, Deserialize)]
struct PyprojectTool {
    agentlint: Option<FileConfig>,
}

/// A configuration file that was read, with its text for later errors.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub text: String,
    pub config: FileConfig,
}

impl LoadedConfig {
    /// Reads `path`: `pyproject.toml` is read for its `[tool.agentlint]`
    /// table (an error when it has none), anything else as `agentlint.toml`.
    pub fn load(path: &Path) -> Result<LoadedConfig> {
        let text = read_text(path)?;
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        match parse(path, &text, is_pyproject)? {
            Some(config) => Ok(LoadedConfig {
                path: path.to_path_buf(),
                text,
                config,
            }),
            None => Err(Error::usage(
                format!("`{}` has no `[tool.agentlint]` table", path.display()),
                Some("add one, or point `--config` at an `agentlint.toml`".into()),
            )),
        }
    }

    /// Searches `start` and its parents (see the module documentation).
    pub fn discover(start: &Path) -> Result<Option<LoadedConfig>> {
        for dir in start.ancestors() {
            let candidate = dir.join("agentlint.toml");
            if candidate.is_file() {
                return LoadedConfig::load(&candidate).map(Some);
            }
            let pyproject = dir.join("pyproject.toml");
            if pyproject.is_file() {
                let text = read_text(&pyproject)?;
                // A pyproject that does not name agentlint is not our
                // configuration, even when it does not parse (an agent may
                // have broken it: the check is what reports that).
                if text.contains("agentlint") {
                    if let Some(config) = parse(&pyproject, &text, true)? {
                        return Ok(Some(LoadedConfig {
                            path: pyproject,
                            text,
                            config,
                        }));
                    }
                }
            }
            if dir.join(".git").exists() {
                break;
            }
        }
        Ok(None)
    }

    /// The folder relative paths in the file are resolved against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// An error pointing at `span` of this file.
    pub fn error(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Error {
        Error::input(
            self.path.display().to_string(),
            self.text.clone(),
            span,
            message,
            label,
            help,
        )
    }

    /// Checks that every rule id the file names exists, and every severity
    /// is valid; returns the severities.
    /// `known` is the run's rule catalog (built-in and declarative).
    pub fn severities(
        &self,
        known: &[&'static Registered],
    ) -> Result<Vec<(&'static str, Severity)>> {
        let c = &self.config;
        for id in c.select.iter().flatten().chain(&c.ignore) {
            self.known_rule(known, id.get_ref(), id.span())?;
        }
        let mut out = Vec::new();
        for (id, level) in &c.severity {
            let meta = self.known_rule(known, id, level.span())?;
            let severity = Severity::parse(level.get_ref()).ok_or_else(|| {
                self.error(
                    level.span(),
                    format!(
                        "`severity.{id}` must be one of `error`, `warning`, `note`, found `{}`",
                        level.get_ref()
                    ),
                    "expected `error`, `warning` or `note`",
                    None,
                )
            })?;
            out.push((meta, severity));
        }
        Ok(out)
    }

    fn known_rule(
        &self,
        known: &[&'static Registered],
        id: &str,
        span: std::ops::Range<usize>,
    ) -> Result<&'static str> {
        crate::registry::resolve_name(id, known)
            .map(|r| r.meta().id)
            .map_err(|unknown| {
                self.error(
                    span,
                    unknown.message(),
                    "no rule has this name",
                    Some("`agentlint rules` lists every rule; ruff codes (`E722`, `BLE001`) and snake_case names work too".into()),
                )
            })
    }
}

/// Parses configuration text; for a pyproject, `None` when it has no
/// `[tool.agentlint]` table. Errors name the key, what it must be and what
/// was found (see `config::errors`).
fn parse(path: &Path, text: &str, is_pyproject: bool) -> Result<Option<FileConfig>> {
    let name = path.display().to_string();
    let help =
        || Some("`agentlint init` writes a commented starter file with every key".to_string());
    let deserializer = toml::Deserializer::parse(text).map_err(|err| {
        // A syntax error: the parser's own words are plain already.
        let span = err.span().unwrap_or(0..0);
        let message = err.message().trim().to_string();
        Error::input(
            name.clone(),
            text.to_string(),
            span,
            format!("`{name}` is not valid TOML: {message}"),
            message,
            help(),
        )
    })?;
    let result = if is_pyproject {
        serde_path_to_error::deserialize::<_, Pyproject>(deserializer).map(|p| p.tool.agentlint)
    } else {
        serde_path_to_error::deserialize::<_, FileConfig>(deserializer).map(Some)
    };
    result.map_err(|err| {
        let path = super::errors::key_path(err.path(), super::errors::Syntax::Toml);
        let inner = err.inner();
        let span = inner.span().unwrap_or(0..0);
        let plain = super::errors::plain(
            inner.message(),
            path.as_deref(),
            text.get(span.clone()),
            super::errors::Syntax::Toml,
        );
        Error::input(
            name.clone(),
            text.to_string(),
            span,
            format!("invalid configuration in `{name}`: {}", plain.message),
            plain.label,
            help(),
        )
    })
}

/// What `agentlint init` writes: every key, commented, with its default.
pub const STARTER: &str = r#"# agentlint configuration. Every key is optional; the values shown in
# comments are the defaults. Paths are relative to this file's folder.
# The same keys also work under `[tool.agentlint]` in pyproject.toml.

# Rules to run (default: all of them; `agentlint rules` lists them) and to skip.
# select = ["bare-except", "broad-except", "log-not-at-entry"]
# ignore = []

# Lint only changed files matching these globs, and never these. A glob
# without `/` matches at any depth; `*` stays within a folder, `**` crosses.
# include = []
# exclude = ["vendor/**", "**/migrations/**"]

# Inputs, so that CI needs no flags (`--manifest`, `--agent-config`).
# manifest = "task_manifest.json"
# agent-config = "agent_config.yaml"

# A folder of declarative rules, loaded next to the built-in ones.
# rules-dir = "rules"

# What a test of a task's target looks like; {stem} is the target's file
# stem (or folder name). Used by scope-creep and missing-test.
# test-globs = ["**/test_{stem}.py", "**/test_{stem}_*.py", "**/{stem}_test.py", "**/{stem}_tests.py", "**/tests/{stem}/**/*.py"]

# Severity per rule: "error", "warning" or "note".
[severity]
# broad-except = "warning"

[rules.log-not-at-entry]
# logger-name-pattern = '^(?:_{0,2}(?:log|logger)|LOG|LOGGER)$'
# Where the first logging call must be: "entry" (before any branch),
# "first-statement" (the first statement after the docstring, guard clauses
# and the logger's setup) or "every-path" (every path that returns logs).
# placement = "entry"

[rules.config-outside-config-dir]
# config-dirs = ["config"]
# config-globs = ["*.yaml", "*.yml", "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties", "*.env", ".env", ".env.*", ".flake8", ".pylintrc", ".editorconfig", ".python-version"]
# Dependency manifests and lock files are not configuration unless this is true.
# dependency-files-are-config = false
# dependency-globs = ["pyproject.toml", "setup.py", "requirements*.txt", "requirements/*.txt", "requirements*.in", "constraints*.txt", "Pipfile", "Pipfile.lock", "poetry.lock", "uv.lock", "pdm.lock", "package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.toml", "Cargo.lock", "go.mod", "go.sum"]
# pyproject.toml, package.json and Cargo.toml also hold tool configuration:
# a change inside their tool sections ([tool.*], eslintConfig, [lints])
# is configuration, a change elsewhere in them is not.

[rules.line-budget]
# Changed lines (added + deleted) allowed per file; 0: no budget. A task's
# constraint such as "Limit changes to <10 lines per file" also sets one.
# default = 400
# overrides = [{ glob = "tests/**", budget = 1000 }]

[rules.scope-creep]
# Files any change may touch without a task targeting them.
# allow = ["BLOCKED.md"]

[rules.forbidden-pattern]
# Regexes matched against added lines. Symbolic names such as
# "bare_except" turn on the matching built-in rule instead.
# patterns = ['print\(', "bare_except"]
"#;

/// Writes [`STARTER`] to `path`, refusing to overwrite a file.
pub fn init(path: &Path) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::usage(
                    format!("`{}` already exists; not overwriting it", path.display()),
                    Some("remove it first, or edit it".into()),
                )
            } else {
                Error::io("create", path, e)
            }
        })?;
    file.write_all(STARTER.as_bytes())
        .map_err(|e| Error::io("write", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    fn load_str(name: &str, text: &str) -> Result<Option<FileConfig>> {
        parse(Path::new(name), text, name.ends_with("pyproject.toml"))
    }

    fn error_line(name: &str, text: &str) -> (String, usize) {
        match load_str(name, text) {
            Err(Error::Input { message, span, .. }) => {
                (message, text[..span.offset()].matches('\n').count() + 1)
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn the_starter_file_parses_and_has_the_defaults() {
        let config = load_str("agentlint.toml", STARTER).unwrap().unwrap();
        assert!(config.select.is_none());
        assert!(config.severity.is_empty());
        // Every commented key in the starter is a real key.
        let uncommented: String = STARTER
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let full = load_str("agentlint.toml", &uncommented).unwrap().unwrap();
        assert_eq!(full.manifest.as_deref(), Some("task_manifest.json"));
        assert_eq!(full.rules.line_budget.default, Some(400));
        assert_eq!(full.rules.line_budget.overrides[0].budget, 1000);
        assert_eq!(full.select.map(|s| s.len()), Some(3));
    }

    #[test]
    fn the_starter_file_shows_the_real_defaults() {
        use crate::settings::{
            DEFAULT_CONFIG_GLOBS, DEFAULT_DEPENDENCY_GLOBS, DEFAULT_LOGGER_NAME_PATTERN,
            DEFAULT_SCOPE_ALLOW, DEFAULT_TEST_GLOBS,
        };
        let uncommented: String = STARTER
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(!STARTER.contains("\"...\""), "no placeholder value");
        let full = load_str("agentlint.toml", &uncommented).unwrap().unwrap();
        let texts = |v: &Option<Vec<Spanned<String>>>| -> Vec<String> {
            v.iter().flatten().map(|s| s.get_ref().clone()).collect()
        };
        let rules = &full.rules;
        assert_eq!(
            texts(&rules.config_outside_config_dir.config_globs),
            DEFAULT_CONFIG_GLOBS
        );
        assert_eq!(
            texts(&rules.config_outside_config_dir.dependency_globs),
            DEFAULT_DEPENDENCY_GLOBS
        );
        assert_eq!(texts(&full.test_globs), DEFAULT_TEST_GLOBS);
        assert_eq!(texts(&rules.scope_creep.allow), DEFAULT_SCOPE_ALLOW);
        assert_eq!(
            rules
                .log_not_at_entry
                .logger_name_pattern
                .as_ref()
                .map(|p| p.get_ref().as_str()),
            Some(DEFAULT_LOGGER_NAME_PATTERN)
        );
        assert_eq!(
            rules.log_not_at_entry.placement,
            Some(crate::settings::LogPlacement::Entry)
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_a_span() {
        let (message, line) = error_line("agentlint.toml", "select = []\nselekt = [\"x\"]\n");
        assert!(message.contains("selekt"), "{message}");
        assert_eq!(line, 2);
        let (message, line) = error_line(
            "agentlint.toml",
            "[rules.line-budget]\ndefault = 10\nper-file = 3\n",
        );
        assert!(message.contains("per-file"), "{message}");
        assert_eq!(line, 3);
    }

    #[test]
    fn wrong_types_are_errors_with_a_span() {
        let (message, line) = error_line(
            "agentlint.toml",
            "\n[rules.line-budget]\ndefault = \"ten\"\n",
        );
        assert!(message.contains("invalid"), "{message}");
        assert_eq!(line, 3);
        let (_, line) = error_line("agentlint.toml", "ignore = \"bare-except\"\n");
        assert_eq!(line, 1);
    }

    #[test]
    fn pyproject_tool_table() {
        let text = "[project]\nname = \"x\"\n\n[tool.agentlint]\nignore = [\"broad-except\"]\n";
        let config = load_str("pyproject.toml", text).unwrap().unwrap();
        assert_eq!(config.ignore[0].get_ref(), "broad-except");
        assert_eq!(&text[config.ignore[0].span()], "\"broad-except\"");
        assert!(load_str(
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.ruff]\nx = 1\n"
        )
        .unwrap()
        .is_none());
        let (message, line) = error_line(
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.agentlint]\nbogus = 1\n",
        );
        assert!(message.contains("bogus"), "{message}");
        assert_eq!(line, 4);
    }

    #[test]
    fn unknown_rule_ids_and_severities_point_at_the_value() {
        let loaded = |text: &str| LoadedConfig {
            path: "agentlint.toml".into(),
            text: text.to_string(),
            config: load_str("agentlint.toml", text).unwrap().unwrap(),
        };
        let c = loaded("ignore = [\"bare-except\", \"bare-exept\"]\n");
        match c.severities(&registry::all().iter().collect::<Vec<_>>()) {
            Err(Error::Input { message, span, .. }) => {
                assert!(message.contains("`bare-exept`"));
                assert_eq!(span.offset(), 25);
            }
            other => panic!("{other:?}"),
        }
        let c = loaded("[severity]\nbroad-except = \"fatal\"\n");
        assert!(
            matches!(c.severities(&registry::all().iter().collect::<Vec<_>>()), Err(Error::Input { message, .. }) if message.contains("fatal"))
        );
        let c = loaded("[severity]\nbroad-except = \"note\"\n");
        assert_eq!(
            c.severities(&registry::all().iter().collect::<Vec<_>>())
                .unwrap(),
            vec![("broad-except", Severity::Note)]
        );
    }

    #[test]
    fn discovery_walks_up_and_stops_at_the_repository() {
        let tmp = tempfile::tempdir().unwrap();
        let repo = tmp.path().join("repo");
        let deep = repo.join("src/pkg");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        // Outside the repository: never picked up.
        std::fs::write(
            tmp.path().join("agentlint.toml"),
            "ignore = [\"bare-except\"]\n",
        )
        .unwrap();
        assert!(LoadedConfig::discover(&deep).unwrap().is_none());
        // A pyproject without the table is passed over, also a broken one.
        std::fs::write(repo.join("src/pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
        std::fs::write(
            repo.join("src/pkg/pyproject.toml"),
            "[project\nname = 1\nname = 2\n",
        )
        .unwrap();
        std::fs::write(
            repo.join("pyproject.toml"),
            "[tool.agentlint]\nignore = [\"broad-except\"]\n",
        )
        .unwrap();
        let found = LoadedConfig::discover(&deep).unwrap().unwrap();
        assert_eq!(found.path, repo.join("pyproject.toml"));
        // agentlint.toml wins over pyproject.toml in the same folder.
        std::fs::write(repo.join("agentlint.toml"), "").unwrap();
        let found = LoadedConfig::discover(&deep).unwrap().unwrap();
        assert_eq!(found.path, repo.join("agentlint.toml"));
    }

    #[test]
    fn init_refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("agentlint.toml");
        init(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), STARTER);
        assert!(matches!(init(&path), Err(Error::Usage { .. })));
    }
}
