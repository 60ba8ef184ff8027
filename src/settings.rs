//! Resolved settings: which rules run, at which severity, with which
//! options. Built once from the command line (and, later, config files)
//! before any file is read.

use crate::config::agent_config::AgentConfig;
use crate::config::manifest::Manifest;
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::registry::{self, Registered};
use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use regex::Regex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Options that rules read; every field has a documented default.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// `NAME` in `NAME.X(...)` / `self.NAME.X(...)` logging calls.
    pub logger_name_pattern: Regex,
    /// log-not-at-entry: what "at the function's entry" means.
    pub log_placement: LogPlacement,
    /// config-outside-config-dir: where configuration may change.
    pub config_files: ConfigFileOptions,
    /// line-budget: changed-line budgets from the config file.
    pub line_budget: LineBudgetOptions,
    /// scope-creep and missing-test: what a test of a target looks like.
    pub tests: TestOptions,
    /// scope-creep: files any change may touch (`BLOCKED.md`).
    pub scope_allow: PathGlobs,
    /// forbidden-pattern: regexes over added lines.
    pub forbidden_patterns: Vec<ForbiddenPattern>,
}

/// A set of path globs with the texts they were written as.
#[derive(Debug, Clone, Default)]
pub struct PathGlobs {
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl PathGlobs {
    /// Compiles globs in agentlint's syntax: `*` stays within a path
    /// component, `**` crosses them, and a pattern without `/` matches at
    /// any depth (`*.yaml` is `**/*.yaml`). Returns the index of the first
    /// invalid pattern with globset's message.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(compile_glob(p.as_ref()).map_err(|e| (i, e))?);
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(PathGlobs {
            patterns: patterns.iter().map(|p| p.as_ref().to_string()).collect(),
            set,
        })
    }

    /// Built-in defaults, which are known to compile.
    pub fn defaults(patterns: &[&str]) -> Self {
        PathGlobs::new(patterns).unwrap_or_default()
    }

    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// One glob in agentlint's syntax (see [`PathGlobs::new`]).
pub fn compile_glob(pattern: &str) -> Result<Glob, String> {
    let trimmed = pattern.trim_start_matches("./");
    let full = if trimmed.contains('/') {
        trimmed.trim_start_matches('/').to_string()
    } else {
        format!("**/{trimmed}")
    };
    GlobBuilder::new(&full)
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// Which files are configuration, and where they may change.
#[derive(Debug, Clone)]
pub struct ConfigFileOptions {
    /// Root-relative folders where configuration may change.
    pub config_dirs: Vec<String>,
    /// What counts as configuration.
    pub config_globs: PathGlobs,
    /// Dependency manifests and lock files.
    pub dependency_globs: PathGlobs,
    /// Whether dependency manifests and lock files count as configuration.
    pub dependency_files_are_config: bool,
}

pub const DEFAULT_CONFIG_DIRS: &[&str] = &["config"];
pub const DEFAULT_CONFIG_GLOBS: &[&str] = &[
    "*.yaml",
    "*.yml",
    "*.toml",
    "*.ini",
    "*.cfg",
    "*.conf",
    "*.properties",
    "*.env",
    ".env",
    ".env.*",
    ".flake8",
    ".pylintrc",
    ".editorconfig",
    ".python-version",
];
pub const DEFAULT_DEPENDENCY_GLOBS: &[&str] = &[
    "pyproject.toml",
    "setup.py",
    "requirements*.txt",
    "requirements/*.txt",
    "requirements*.in",
    "constraints*.txt",
    "Pipfile",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.toml",
    "Cargo.lock",
    "go.mod",
    "go.sum",
];

impl Default for ConfigFileOptions {
    fn default() -> Self {
        ConfigFileOptions {
            config_dirs: DEFAULT_CONFIG_DIRS.iter().map(|s| s.to_string()).collect(),
            config_globs: PathGlobs::defaults(DEFAULT_CONFIG_GLOBS),
            dependency_globs: PathGlobs::defaults(DEFAULT_DEPENDENCY_GLOBS),
            dependency_files_are_config: false,
        }
    }
}

/// How a file that holds both dependencies and tool configuration is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MixedFormat {
    Toml,
    Json,
}

/// A file that holds both dependencies and tool configuration: a change
/// is configuration when it is inside one of `config_keys` (key paths from
/// the document root; a path covers the keys below it).
#[derive(Debug)]
pub struct MixedFile {
    pub name: &'static str,
    pub format: MixedFormat,
    pub config_keys: &'static [&'static str],
}

/// The files judged by the key a change is in (by file name, at any depth).
pub const MIXED_FILES: &[MixedFile] = &[
    MixedFile {
        name: "pyproject.toml",
        format: MixedFormat::Toml,
        config_keys: &["tool"],
    },
    MixedFile {
        name: "Cargo.toml",
        format: MixedFormat::Toml,
        config_keys: &[
            "lints",
            "workspace.lints",
            "package.metadata",
            "workspace.metadata",
        ],
    },
    MixedFile {
        name: "package.json",
        format: MixedFormat::Json,
        config_keys: &[
            "eslintConfig",
            "eslintIgnore",
            "prettier",
            "jest",
            "babel",
            "stylelint",
            "browserslist",
            "lint-staged",
            "husky",
            "commitlint",
            "xo",
            "ava",
            "nyc",
            "c8",
            "mocha",
            "remarkConfig",
            "postcss",
            "standard",
            "simple-git-hooks",
        ],
    },
];

impl MixedFile {
    /// Whether a key path (`["tool", "ruff", "lint"]`) is configuration.
    pub fn is_config_key(&self, path: &[String]) -> bool {
        self.config_keys.iter().any(|key| {
            let parts: Vec<&str> = key.split('.').collect();
            path.len() >= parts.len() && parts.iter().zip(path).all(|(a, b)| *a == b.as_str())
        })
    }
}

impl ConfigFileOptions {
    /// Whether `path` (root-relative) is a configuration file as a whole:
    /// it matches `config-globs` and is not a dependency manifest or lock
    /// file, or it is one and `dependency-files-are-config` is set.
    pub fn is_config(&self, path: &str) -> bool {
        if self.dependency_files_are_config {
            return self.config_globs.is_match(path) || self.dependency_globs.is_match(path);
        }
        self.config_globs.is_match(path) && !self.dependency_globs.is_match(path)
    }

    /// The description of `path` when it is judged by the key a change is
    /// in (`pyproject.toml`, `package.json`, `Cargo.toml`); `None` when it
    /// is configuration as a whole (`dependency-files-are-config`) or not
    /// such a file.
    pub fn mixed(&self, path: &str) -> Option<&'static MixedFile> {
        if self.dependency_files_are_config {
            return None;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        MIXED_FILES.iter().find(|m| m.name == name)
    }

    /// Whether `path` is under one of the allowed configuration folders.
    pub fn in_config_dir(&self, path: &str) -> bool {
        self.config_dirs.iter().any(|dir| {
            let dir = dir.trim_matches('/');
            dir.is_empty() || path.starts_with(&format!("{dir}/"))
        })
    }
}

/// Budgets of changed lines (added + deleted) per file.
#[derive(Debug, Clone)]
pub struct LineBudgetOptions {
    /// Budget of a file no override matches; `None`: no budget.
    pub default: Option<u32>,
    /// Per-glob budgets; the first matching one wins.
    pub overrides: Vec<BudgetOverride>,
}

pub const DEFAULT_LINE_BUDGET: u32 = 400;

impl Default for LineBudgetOptions {
    fn default() -> Self {
        LineBudgetOptions {
            default: Some(DEFAULT_LINE_BUDGET),
            overrides: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BudgetOverride {
    pub glob: String,
    pub matcher: GlobMatcher,
    pub budget: u32,
}

impl LineBudgetOptions {
    /// The configured budget of `path` and the glob that set it (`None`
    /// for the default).
    pub fn budget_for(&self, path: &str) -> Option<(u32, Option<&str>)> {
        match self.overrides.iter().find(|o| o.matcher.is_match(path)) {
            Some(o) => Some((o.budget, Some(o.glob.as_str()))),
            None => self.default.map(|b| (b, None)),
        }
    }
}

/// Test-file templates: `{stem}` is the target's file stem (or folder name).
#[derive(Debug, Clone)]
pub struct TestOptions {
    pub globs: Vec<String>,
}

pub const DEFAULT_TEST_GLOBS: &[&str] = &[
    "**/test_{stem}.py",
    "**/test_{stem}_*.py",
    "**/{stem}_test.py",
    "**/{stem}_tests.py",
    "**/tests/{stem}/**/*.py",
];

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            globs: DEFAULT_TEST_GLOBS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl TestOptions {
    /// The test globs of one target (`src/rate_limiter.py`, `src/pkg/`).
    pub fn for_target(&self, target: &str) -> PathGlobs {
        let name = target
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(target);
        let stem = name.strip_suffix(".py").unwrap_or(name);
        let stem = globset_escape(stem);
        let patterns: Vec<String> = self
            .globs
            .iter()
            .map(|g| g.replace("{stem}", &stem))
            .collect();
        PathGlobs::new(&patterns).unwrap_or_default()
    }
}

fn globset_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('[');
            out.push(c);
            out.push(']');
        } else {
            out.push(c);
        }
    }
    out
}

pub const DEFAULT_SCOPE_ALLOW: &[&str] = &["BLOCKED.md"];

/// A regex forbidden in added lines, and where it was written.
#[derive(Debug, Clone)]
pub struct ForbiddenPattern {
    pub regex: Regex,
    /// `agentlint.toml` or the agent config's path, for messages.
    pub origin: String,
}

/// log-not-at-entry's `placement` (see the rule's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogPlacement {
    /// The first logging call runs before any branch.
    #[default]
    Entry,
    /// The first statement (after docstring, guards, logger setup) logs.
    FirstStatement,
    /// Every path that returns normally logs.
    EveryPath,
}

pub const DEFAULT_LOGGER_NAME_PATTERN: &str = r"^(?:_{0,2}(?:log|logger)|LOG|LOGGER)$";

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            logger_name_pattern: Regex::new(DEFAULT_LOGGER_NAME_PATTERN)
                .expect("the default logger pattern is a valid regex"),
            log_placement: LogPlacement::default(),
            config_files: ConfigFileOptions::default(),
            line_budget: LineBudgetOptions::default(),
            tests: TestOptions::default(),
            scope_allow: PathGlobs::defaults(DEFAULT_SCOPE_ALLOW),
            forbidden_patterns: Vec::new(),
        }
    }
}

/// The candidate closest to `input`, if one is close enough to be what
/// was meant (a typo, not another word).
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The rules selected for a run and their effective severities.
#[derive(Debug, Clone)]
pub struct Selection {
    enabled: Vec<&'static Registered>,
    severities: HashMap<&'static str, Severity>,
}

impl Selection {
    /// `select` (empty: all rules) minus `ignore`; unknown ids are an error.
    pub fn new(select: &[String], ignore: &[String]) -> Result<Self> {
        Self::from_rules(registry::all().iter().collect(), select, ignore)
    }

    /// Like `new`, over a given set of known rules (built-in plus the
    /// declarative rules loaded for this run, `declarative::catalog`).
    pub fn from_rules(
        known: Vec<&'static Registered>,
        select: &[String],
        ignore: &[String],
    ) -> Result<Self> {
        // Rules may be named by id, snake_case or ruff code (`BLE001`).
        let resolve = |names: &[String]| -> Result<Vec<&'static str>> {
            names
                .iter()
                .map(|name| {
                    registry::resolve_name(name, &known)
                        .map(|r| r.meta().id)
                        .map_err(|unknown| {
                            Error::usage(
                                unknown.message(),
                                Some("`agentlint rules` lists every rule; ruff codes (`E722`, `BLE001`) and snake_case names work too".to_string()),
                            )
                        })
                })
                .collect()
        };
        let select = resolve(select)?;
        let ignore = resolve(ignore)?;
        let enabled = known
            .into_iter()
            .filter(|r| select.is_empty() || select.contains(&r.meta().id))
            .filter(|r| !ignore.contains(&r.meta().id))
            .collect();
        Ok(Selection {
            enabled,
            severities: HashMap::new(),
        })
    }

    pub fn all() -> Self {
        Selection {
            enabled: registry::all().iter().collect(),
            severities: HashMap::new(),
        }
    }

    /// Turns a rule on (a symbolic forbidden pattern such as
    /// `bare_except` asks for its built-in rule even under `select`).
    pub fn enable(&mut self, id: &str) {
        if let Some(rule) = registry::find(id) {
            if !self.is_enabled(id) {
                self.enabled.push(rule);
            }
        }
    }

    /// Turns on a rule of the run's catalog (built-in or declarative).
    pub fn enable_rule(&mut self, rule: &'static Registered) {
        if !self.is_enabled(rule.meta().id) {
            self.enabled.push(rule);
        }
    }

    pub fn set_severity(&mut self, id: &'static str, severity: Severity) {
        self.severities.insert(id, severity);
    }

    pub fn severity(&self, id: &str) -> Option<Severity> {
        self.severities.get(id).copied().or_else(|| {
            self.enabled
                .iter()
                .find(|r| r.meta().id == id)
                .map(|r| r.meta().default_severity)
        })
    }

    pub fn rules(&self) -> impl Iterator<Item = &'static Registered> + '_ {
        self.enabled.iter().copied()
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.enabled.iter().any(|r| r.meta().id == id)
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub selection: Selection,
    pub options: RuleOptions,
    /// The task manifest, when one was given.
    pub manifest: Option<Arc<Manifest>>,
    /// The agent's `agent_config.yaml`, when one was given.
    pub agent_config: Option<Arc<AgentConfig>>,
    /// Absolute path of the manifest, to anchor findings in it.
    pub manifest_file: Option<PathBuf>,
    /// Files of the change to lint (empty: all) and to leave out.
    pub include: PathGlobs,
    pub exclude: PathGlobs,
    /// `rules-dir` from the config file, resolved against its folder.
    pub rules_dir: Option<PathBuf>,
    /// Absolute paths of agentlint's own inputs (config file, manifest,
    /// agent config), which forbidden-pattern does not scan.
    pub input_files: Vec<PathBuf>,
    /// Things the user should know about the settings (not errors).
    pub notices: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            selection: Selection::all(),
            options: RuleOptions::default(),
            manifest: None,
            agent_config: None,
            manifest_file: None,
            include: PathGlobs::default(),
            exclude: PathGlobs::default(),
            rules_dir: None,
            input_files: Vec::new(),
            notices: Vec::new(),
        }
    }
}

impl Settings {
    /// Whether a root-relative path passes the include/exclude globs.
    pub fn includes(&self, path: &str) -> bool {
        (self.include.is_empty() || self.include.is_match(path)) && !self.exclude.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_without_a_slash_match_at_any_depth() {
        let globs = PathGlobs::new(&["*.yaml", "src/*.py", "./docs/**"]).unwrap();
        assert!(globs.is_match("a.yaml") && globs.is_match("deploy/k8s/a.yaml"));
        assert!(globs.is_match("src/a.py"));
        assert!(!globs.is_match("src/pkg/a.py"), "`*` stays within a folder");
        assert!(globs.is_match("docs/x/y.md"));
        assert_eq!(PathGlobs::new(&["ok", "src/["]).unwrap_err().0, 1);
    }

    #[test]
    fn configuration_files_by_default() {
        let c = ConfigFileOptions::default();
        for path in [
            "setup.cfg",
            "deploy/app.yaml",
            ".env",
            "svc/.env.local",
            "tox.ini",
            ".flake8",
        ] {
            assert!(c.is_config(path), "{path}");
        }
        for path in [
            "pyproject.toml",
            "requirements-dev.txt",
            "poetry.lock",
            "src/app.py",
            "data.json",
        ] {
            assert!(!c.is_config(path), "{path}");
        }
        assert!(c.in_config_dir("config/app.yaml"));
        assert!(!c.in_config_dir("configs/app.yaml"));
        assert!(
            !c.in_config_dir("src/config/app.yaml"),
            "root-relative folders"
        );
        let deps = ConfigFileOptions {
            dependency_files_are_config: true,
            ..ConfigFileOptions::default()
        };
        assert!(deps.is_config("pyproject.toml"));
    }

    #[test]
    fn test_globs_of_a_target() {
        let t = TestOptions::default();
        let file = t.for_target("src/rate_limiter.py");
        assert!(file.is_match("tests/test_rate_limiter.py"));
        assert!(file.is_match("tests/unit/test_rate_limiter_edge.py"));
        assert!(file.is_match("src/rate_limiter_test.py"));
        assert!(!file.is_match("tests/test_rate.py"));
        assert!(!file.is_match("src/rate_limiter.py"));
        let folder = t.for_target("src/report/");
        assert!(folder.is_match("tests/test_report.py"));
        assert!(folder.is_match("tests/report/test_json.py"));
        let odd = t.for_target("src/we[ird].py");
        assert!(
            odd.is_match("tests/test_we[ird].py"),
            "glob characters are escaped"
        );
    }

    #[test]
    fn budgets_first_override_wins() {
        let glob = |g: &str, budget| BudgetOverride {
            glob: g.into(),
            matcher: compile_glob(g).unwrap().compile_matcher(),
            budget,
        };
        let b = LineBudgetOptions {
            default: Some(100),
            overrides: vec![glob("tests/**", 500), glob("*.py", 50)],
        };
        assert_eq!(
            b.budget_for("tests/test_a.py"),
            Some((500, Some("tests/**")))
        );
        assert_eq!(b.budget_for("src/a.py"), Some((50, Some("*.py"))));
        assert_eq!(b.budget_for("README.md"), Some((100, None)));
    }
}
