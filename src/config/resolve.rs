//! Turns the configuration file, the command line, the manifest and the
//! agent config into one [`Settings`], validating everything (with spans)
//! before any changed file is read.

use super::agent_config::AgentConfig;
use super::file::LoadedConfig;
use super::manifest::Manifest;
use crate::error::{Error, Result};
use crate::settings::{
    compile_glob, BudgetOverride, ForbiddenPattern, PathGlobs, Selection, Settings,
};
use regex::Regex;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// What the command line says about settings.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config FILE`; `None`: discover from the working directory.
    pub config: Option<PathBuf>,
    /// `--select` (replaces the file's `select` when not empty).
    pub select: Vec<String>,
    /// `--ignore` (added to the file's `ignore`).
    pub ignore: Vec<String>,
    pub manifest: Option<PathBuf>,
    pub agent_config: Option<PathBuf>,
    /// `--rules-dir DIR` (wins over the file's `rules-dir`).
    pub rules_dir: Option<PathBuf>,
}

impl Overrides {
    /// The overrides a subcommand's flags make.
    pub fn from_flags(
        inputs: &crate::cli::PolicyInputs,
        select: &[String],
        ignore: &[String],
        rules_dir: Option<&Path>,
    ) -> Overrides {
        Overrides {
            config: inputs.config.clone(),
            select: select.to_vec(),
            ignore: ignore.to_vec(),
            manifest: inputs.manifest.clone(),
            agent_config: inputs.agent_config.clone(),
            rules_dir: rules_dir.map(Path::to_path_buf),
        }
    }
}

/// Symbolic names of the design's `forbidden_patterns` and the built-in
/// rules they stand for.
pub const SYMBOLIC_PATTERNS: &[(&str, &str)] = &[
    ("bare_except", "bare-except"),
    ("broad_except", "broad-except"),
    ("blind_except", "broad-except"),
    ("generic_except", "broad-except"),
    ("log_not_at_entry", "log-not-at-entry"),
    // Seen in telemetry, not in the diff: enforced when telemetry is audited
    // (`agentlint audit`, `check --telemetry`).
    ("global_network_access", "network-egress"),
    ("network_access", "network-egress"),
];

/// `bare_except:` -> `Some("bare_except")`: a snake_case name (optionally
/// followed by `:`), which is never meant as a regex.
pub fn symbolic_name(pattern: &str) -> Option<&str> {
    let name = pattern.trim().trim_end_matches(':');
    let mut parts = name.split('_');
    let first = parts.next()?;
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    (word(first)
        && first.as_bytes()[0].is_ascii_lowercase()
        && name.contains('_')
        && parts.all(word))
    .then_some(name)
}

/// Loads everything the settings depend on, relative to `cwd`.
pub fn settings(cwd: &Path, overrides: &Overrides) -> Result<Settings> {
    let loaded = match &overrides.config {
        Some(path) => Some(LoadedConfig::load(&cwd.join(path))?),
        None => LoadedConfig::discover(cwd)?,
    };
    let mut settings = Settings::default();
    // The rules this run knows: built-in, shipped declarative, and the
    // user's declarative rules folder (command line, then config file).
    let rules_dir = overrides
        .rules_dir
        .as_ref()
        .map(|p| cwd.join(p))
        .or_else(|| {
            loaded
                .as_ref()
                .and_then(|l| l.config.rules_dir.as_ref().map(|p| l.dir().join(p)))
        });
    let known = crate::rules::declarative::catalog(rules_dir.as_deref())?;
    settings.selection = Selection::from_rules(known.clone(), &[], &[])?;
    let mut patterns: Vec<(String, Range<usize>, Origin)> = Vec::new();

    // Rule selection: the file, then the command line.
    let (mut select, mut ignore) = (Vec::new(), Vec::new());
    if let Some(loaded) = &loaded {
        let severities = loaded.severities(&known)?;
        let c = &loaded.config;
        select = c
            .select
            .iter()
            .flatten()
            .map(|s| s.get_ref().clone())
            .collect();
        ignore = c.ignore.iter().map(|s| s.get_ref().clone()).collect();
        settings.selection = Selection::from_rules(known.clone(), &select, &ignore)?;
        for (id, severity) in severities {
            settings.selection.set_severity(id, severity);
        }
        apply_file(loaded, &mut settings)?;
        patterns.extend(
            c.rules
                .forbidden_pattern
                .patterns
                .iter()
                .map(|p| (p.get_ref().clone(), p.span(), Origin::File)),
        );
    }
    if !overrides.select.is_empty() || !overrides.ignore.is_empty() {
        if !overrides.select.is_empty() {
            select = overrides.select.clone();
        }
        ignore.extend(overrides.ignore.iter().cloned());
        let severities: Vec<_> = loaded
            .as_ref()
            .map(|l| l.severities(&known))
            .transpose()?
            .unwrap_or_default();
        settings.selection = Selection::from_rules(known.clone(), &select, &ignore)?;
        for (id, severity) in severities {
            settings.selection.set_severity(id, severity);
        }
    }

    // Inputs: the command line wins over the file.
    let from_file = |key: fn(&super::file::FileConfig) -> &Option<String>| {
        loaded
            .as_ref()
            .and_then(|l| key(&l.config).as_ref().map(|p| l.dir().join(p)))
    };
    let manifest_path = overrides
        .manifest
        .as_ref()
        .map(|p| cwd.join(p))
        .or_else(|| from_file(|c| &c.manifest));
    let agent_path = overrides
        .agent_config
        .as_ref()
        .map(|p| cwd.join(p))
        .or_else(|| from_file(|c| &c.agent_config));
    settings.rules_dir = rules_dir;
    if let Some(path) = &manifest_path {
        let text = super::read_text(path)?;
        settings.manifest = Some(Arc::new(Manifest::parse(&display_path(cwd, path), text)?));
        settings.manifest_file = Some(path.canonicalize().unwrap_or_else(|_| path.clone()));
    }
    if let Some(path) = &agent_path {
        let text = super::read_text(path)?;
        let agent = AgentConfig::parse(&display_path(cwd, path), text)?;
        patterns.extend(
            agent
                .constraints
                .forbidden_patterns
                .iter()
                .map(|p| (p.value.clone(), p.span.clone(), Origin::Agent)),
        );
        settings.agent_config = Some(Arc::new(agent));
    }
    settings.input_files = [
        loaded.as_ref().map(|l| l.path.clone()),
        manifest_path,
        agent_path,
    ]
    .into_iter()
    .flatten()
    .map(|p| {
        let p = cwd.join(p);
        p.canonicalize().unwrap_or(p)
    })
    .collect();

    // Forbidden patterns: symbolic names turn rules on, the rest compile.
    for (pattern, span, origin) in patterns {
        let fail = |message: String, label: String, help: Option<String>| match origin {
            Origin::File => loaded
                .as_ref()
                .map(|l| l.error(span.clone(), message.clone(), label.clone(), help.clone()))
                .unwrap_or_else(|| Error::usage(message.clone(), help.clone())),
            Origin::Agent => settings
                .agent_config
                .as_ref()
                .map(|a| a.error_at(span.clone(), message.clone(), label.clone(), help.clone()))
                .unwrap_or_else(|| Error::usage(message.clone(), help.clone())),
        };
        if let Some(name) = symbolic_name(&pattern) {
            // A listed alias, or any rule of the catalog by its id in
            // snake_case (`todo_comment` -> `todo-comment`).
            let kebab = name.replace('_', "-");
            let id = SYMBOLIC_PATTERNS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, rule)| *rule)
                .unwrap_or(kebab.as_str());
            match known.iter().find(|r| r.meta().id == id) {
                Some(rule) => {
                    if !ignore.iter().any(|i| i == id) {
                        settings.selection.enable_rule(rule);
                    }
                }
                None => settings.notices.push(format!(
                    "forbidden pattern `{pattern}` is a name agentlint check has no rule for; it is not enforced on the change (names of rules work: {}, or any rule id in snake_case)",
                    SYMBOLIC_PATTERNS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                )),
            }
            continue;
        }
        if pattern.is_empty() {
            return Err(fail(
                "an empty forbidden pattern would match every line".into(),
                "empty pattern".into(),
                None,
            ));
        }
        let regex = Regex::new(&pattern).map_err(|e| {
            fail(
                format!("forbidden pattern `{pattern}` is not a valid regex"),
                e.to_string().lines().last().unwrap_or("invalid").trim().to_string(),
                Some("patterns are Rust regexes; escape `(`, `[`, `.` etc. with `\\` to match them literally".into()),
            )
        })?;
        let origin = match origin {
            Origin::File => loaded.as_ref().map(|l| l.path.display().to_string()),
            Origin::Agent => settings
                .agent_config
                .as_ref()
                .map(|a| a.path.display().to_string()),
        };
        settings.options.forbidden_patterns.push(ForbiddenPattern {
            regex,
            origin: origin.unwrap_or_default(),
        });
    }
    Ok(settings)
}

#[derive(Debug, Clone, Copy)]
enum Origin {
    File,
    Agent,
}

/// `cwd/x` shown as `x` in messages when it is under `cwd`.
fn display_path(cwd: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The globs of the list at `key`; an invalid one is an error naming
/// `key[i]`, the pattern and why.
fn globs(loaded: &LoadedConfig, key: &str, patterns: &[Spanned<String>]) -> Result<PathGlobs> {
    let texts: Vec<&str> = patterns.iter().map(|p| p.get_ref().as_str()).collect();
    PathGlobs::new(&texts).map_err(|(i, message)| {
        let span = patterns.get(i).map(|p| p.span()).unwrap_or(0..0);
        let found = texts.get(i).copied().unwrap_or("");
        glob_error(loaded, &format!("{key}[{i}]"), found, span, message)
    })
}

fn glob_error(
    loaded: &LoadedConfig,
    key: &str,
    found: &str,
    span: Range<usize>,
    why: String,
) -> Error {
    loaded.error(
        span,
        format!("`{key}` must be a valid glob, found `{found}` ({why})"),
        why,
        Some("`*` matches within a folder, `**` across folders, `[...]` a set of characters; escape `[` as `[[]`".into()),
    )
}

/// Applies the file's options (globs, budgets, rule options).
fn apply_file(loaded: &LoadedConfig, settings: &mut Settings) -> Result<()> {
    let c = &loaded.config;
    settings.include = globs(loaded, "include", &c.include)?;
    settings.exclude = globs(loaded, "exclude", &c.exclude)?;
    let options = &mut settings.options;
    if let Some(placement) = c.rules.log_not_at_entry.placement {
        options.log_placement = placement;
    }
    if let Some(pattern) = &c.rules.log_not_at_entry.logger_name_pattern {
        options.logger_name_pattern = Regex::new(pattern.get_ref()).map_err(|e| {
            loaded.error(
                pattern.span(),
                format!(
                    "`rules.log-not-at-entry.logger-name-pattern` must be a valid regex, found `{}`",
                    pattern.get_ref()
                ),
                e.to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .trim()
                    .to_string(),
                None,
            )
        })?;
    }
    let cfg = &c.rules.config_outside_config_dir;
    if let Some(dirs) = &cfg.config_dirs {
        options.config_files.config_dirs = dirs
            .iter()
            .map(|d| d.trim_start_matches("./").trim_matches('/').to_string())
            .collect();
    }
    if let Some(g) = &cfg.config_globs {
        options.config_files.config_globs =
            globs(loaded, "rules.config-outside-config-dir.config-globs", g)?;
    }
    if let Some(g) = &cfg.dependency_globs {
        options.config_files.dependency_globs = globs(
            loaded,
            "rules.config-outside-config-dir.dependency-globs",
            g,
        )?;
    }
    if let Some(b) = cfg.dependency_files_are_config {
        options.config_files.dependency_files_are_config = b;
    }
    let budget = &c.rules.line_budget;
    if let Some(default) = budget.default {
        options.line_budget.default = (default > 0).then_some(default);
    }
    for (i, o) in budget.overrides.iter().enumerate() {
        let glob = compile_glob(o.glob.get_ref()).map_err(|message| {
            let key = format!("rules.line-budget.overrides[{i}].glob");
            glob_error(loaded, &key, o.glob.get_ref(), o.glob.span(), message)
        })?;
        options.line_budget.overrides.push(BudgetOverride {
            glob: o.glob.get_ref().clone(),
            matcher: glob.compile_matcher(),
            budget: o.budget,
        });
    }
    if let Some(allow) = &c.rules.scope_creep.allow {
        options.scope_allow = globs(loaded, "rules.scope-creep.allow", allow)?;
    }
    if let Some(tests) = &c.test_globs {
        for (i, t) in tests.iter().enumerate() {
            compile_glob(&t.get_ref().replace("{stem}", "x")).map_err(|message| {
                glob_error(
                    loaded,
                    &format!("test-globs[{i}]"),
                    t.get_ref(),
                    t.span(),
                    message,
                )
            })?;
        }
        options.tests.globs = tests.iter().map(|t| t.get_ref().clone()).collect();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join(".git")).unwrap();
        for (name, text) in files {
            std::fs::write(tmp.path().join(name), text).unwrap();
        }
        tmp
    }

    fn input_error(result: Result<Settings>) -> (String, String) {
        match result {
            Err(Error::Input { message, label, .. }) => (message, label),
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn symbolic_names() {
        assert_eq!(symbolic_name("bare_except:"), Some("bare_except"));
        assert_eq!(
            symbolic_name("global_network_access"),
            Some("global_network_access")
        );
        assert_eq!(symbolic_name("except Exception:"), None);
        assert_eq!(symbolic_name("print\\("), None);
        assert_eq!(symbolic_name("TODO"), None);
        assert_eq!(symbolic_name("todo"), None);
    }

    #[test]
    fn file_and_command_line_combine() {
        let tmp = setup(&[(
            "agentlint.toml",
            "select = [\"bare-except\", \"broad-except\"]\nignore = [\"broad-except\"]\nmanifest = \"m.json\"\n[severity]\nbare-except = \"note\"\n[rules.line-budget]\ndefault = 0\noverrides = [{ glob = \"src/**\", budget = 20 }]\n[rules.config-outside-config-dir]\nconfig-dirs = [\"./settings/\"]\n",
        ), ("m.json", "[]")]);
        let s = settings(tmp.path(), &Overrides::default()).unwrap();
        assert!(s.selection.is_enabled("bare-except"));
        assert!(!s.selection.is_enabled("broad-except"));
        assert!(!s.selection.is_enabled("log-not-at-entry"));
        assert_eq!(
            s.selection.severity("bare-except"),
            Some(crate::Severity::Note)
        );
        assert_eq!(s.manifest.as_ref().map(|m| m.tasks.len()), Some(0));
        assert_eq!(
            s.options.line_budget.budget_for("src/a.py"),
            Some((20, Some("src/**")))
        );
        assert_eq!(s.options.line_budget.budget_for("b.py"), None);
        assert_eq!(s.options.config_files.config_dirs, ["settings"]);
        let s = settings(
            tmp.path(),
            &Overrides {
                select: vec!["log-not-at-entry".into()],
                ignore: vec!["bare-except".into()],
                ..Overrides::default()
            },
        )
        .unwrap();
        assert!(s.selection.is_enabled("log-not-at-entry"));
        assert!(!s.selection.is_enabled("bare-except"));
    }

    #[test]
    fn forbidden_patterns_from_both_files() {
        let tmp = setup(&[
            ("agentlint.toml", "select = [\"log-not-at-entry\"]\nagent-config = \"agent.yaml\"\n[rules.forbidden-pattern]\npatterns = ['print\\(']\n"),
            ("agent.yaml", "constraints:\n  forbidden_patterns:\n    - \"except Exception:\"\n    - \"bare_except:\"\n    - \"global_network_access\"\n    - \"no_such_policy\"\n"),
        ]);
        let s = settings(tmp.path(), &Overrides::default()).unwrap();
        let regexes: Vec<&str> = s
            .options
            .forbidden_patterns
            .iter()
            .map(|p| p.regex.as_str())
            .collect();
        assert_eq!(regexes, ["print\\(", "except Exception:"]);
        assert!(
            s.selection.is_enabled("bare-except"),
            "bare_except turns the rule on"
        );
        assert!(
            s.selection.is_enabled("network-egress"),
            "global_network_access turns the telemetry rule on"
        );
        assert!(s.notices.iter().any(|n| n.contains("no_such_policy")));
    }

    #[test]
    fn invalid_regexes_are_errors_with_spans() {
        let tmp = setup(&[(
            "agentlint.toml",
            "[rules.forbidden-pattern]\npatterns = ['print(']\n",
        )]);
        let (message, _) = input_error(settings(tmp.path(), &Overrides::default()));
        assert!(message.contains("`print(`"), "{message}");
        let tmp = setup(&[(
            "agent.yaml",
            "constraints:\n  forbidden_patterns: [\"except (\"]\n",
        )]);
        let result = settings(
            tmp.path(),
            &Overrides {
                agent_config: Some("agent.yaml".into()),
                ..Overrides::default()
            },
        );
        match result {
            Err(Error::Input {
                message, span, src, ..
            }) => {
                assert!(message.contains("`except (`"), "{message}");
                assert_eq!(span.offset(), 36);
                assert_eq!(src.name(), "agent.yaml");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn symbolic_names_of_any_rule_turn_it_on() {
        let tmp = setup(&[(
            "agentlint.toml",
            "select = [\"bare-except\"]\n[rules.forbidden-pattern]\npatterns = [\"todo_comment\", \"broad_except:\"]\n",
        )]);
        let s = settings(tmp.path(), &Overrides::default()).unwrap();
        assert!(s.selection.is_enabled("todo-comment"));
        assert!(s.selection.is_enabled("broad-except"));
        assert!(!s.selection.is_enabled("print-in-library"));
        assert!(s.options.forbidden_patterns.is_empty());
        assert!(s.notices.is_empty(), "{:?}", s.notices);
    }

    #[test]
    fn declarative_rules_can_be_selected_and_ranked() {
        let tmp = setup(&[(
            "agentlint.toml",
            "select = [\"todo-comment\", \"bare-except\"]\n[severity]\ntodo-comment = \"error\"\n",
        )]);
        let s = settings(tmp.path(), &Overrides::default()).unwrap();
        assert!(s.selection.is_enabled("todo-comment"));
        assert!(!s.selection.is_enabled("broad-except"));
        assert_eq!(
            s.selection.severity("todo-comment"),
            Some(crate::Severity::Error)
        );
    }

    #[test]
    fn bad_globs_and_rule_ids() {
        let tmp = setup(&[("agentlint.toml", "exclude = [\"src/[\"]\n")]);
        let (message, _) = input_error(settings(tmp.path(), &Overrides::default()));
        assert!(message.contains("glob"), "{message}");
        let tmp = setup(&[("agentlint.toml", "select = [\"nope\"]\n")]);
        let (message, _) = input_error(settings(tmp.path(), &Overrides::default()));
        assert!(message.contains("unknown rule `nope`"), "{message}");
    }
}
