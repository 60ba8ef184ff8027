//! config-outside-config-dir: configuration changed outside `config/`.

use crate::change::Status;
use crate::declare_rule;
use crate::rule::{Anchor, ChangeContext, ChangeRule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Flags a configuration file that the change adds, modifies, renames
    /// or deletes outside the allowed configuration folders (by default
    /// `config/` at the repository root).
    ///
    /// ## Why restrict this?
    /// The design's constraint file says "Never modify configuration files
    /// outside the ./config/ directory". An unsupervised agent that cannot
    /// make a test pass is tempted to loosen a linter setting, a CI file or
    /// an environment file instead of fixing the code; such edits change
    /// how everything else behaves and are easy to miss in review.
    ///
    /// ## Example
    /// A change that edits `setup.cfg`, `.env` or `deploy/app.yaml`.
    ///
    /// Use instead: put the setting under `config/` (or revert it and
    /// leave the decision to a person).
    ///
    /// ## In telemetry
    /// `agentlint audit` (and `check --telemetry`) applies the same policy
    /// to every file the telemetry shows the agent writing inside the
    /// workspace, once per file at its first write: this also catches a
    /// configuration edit the agent made and later reverted.
    ///
    /// ## Not flagged
    /// - Configuration files under an allowed folder (`config/app.yaml`).
    /// - Dependency manifests and lock files (`pyproject.toml`,
    ///   `requirements*.txt`, `poetry.lock`, `uv.lock`, `package.json`,
    ///   ...): changing dependencies is a separate decision, left to
    ///   `scope-creep` and review unless `dependency-files-are-config` is
    ///   set.
    /// - Files that are not configuration (Python, Markdown, JSON data).
    ///
    /// agentlint's own `agentlint.toml` and the agent's `agent_config.yaml`
    /// are configuration too: an agent that edits them outside `config/`
    /// is flagged like any other.
    ///
    /// The finding is anchored at the file's first changed line (line 1
    /// for a new or deleted file).
    ///
    /// ## Configuration
    /// ```toml
    /// [rules.config-outside-config-dir]
    /// config-dirs = ["config"]
    /// config-globs = ["*.yaml", "*.yml", "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties", "*.env", ".env", ".env.*", ".flake8", ".pylintrc", ".editorconfig", ".python-version"]
    /// dependency-files-are-config = false
    /// dependency-globs = ["pyproject.toml", "setup.py", "requirements*.txt", "poetry.lock", "..."]
    /// ```
    pub ConfigOutsideConfigDir {
        id: "config-outside-config-dir",
        scope: ChangeSet,
        severity: Error,
        summary: "configuration file changed outside the allowed config folders",
    }
}

impl ChangeRule for ConfigOutsideConfigDir {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut ChangeContext<'_>) {
        let options = &cx.options.config_files;
        let dirs = options
            .config_dirs
            .iter()
            .map(|d| format!("`{d}/`"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut hits = Vec::new();
        for file in cx.files {
            if matches!(file.file.status, Status::NotAFile | Status::Submodule) {
                continue;
            }
            let path = file.path();
            if !options.is_config(path) || options.in_config_dir(path) {
                continue;
            }
            let verb = match file.file.status {
                Status::Added => "added",
                Status::Deleted => "deleted",
                Status::Renamed => "moved",
                _ => "changed",
            };
            hits.push((path.to_string(), file.first_changed_line(), verb));
        }
        for (path, line, verb) in hits {
            cx.report(
                &Self::META,
                Anchor::Line {
                    path: path.clone(),
                    line,
                },
                format!("configuration file `{path}` {verb} outside the config folders ({dirs})"),
            )
            .help(format!(
                "configuration may only change under {dirs}; move the setting there or leave it to a person"
            ));
        }
    }

    /// config-outside-config-dir, on telemetry writes
    fn check_telemetry(&self, cx: &mut crate::audit::AuditContext<'_>) {
        let Some(policies) = cx.change_policies else {
            return;
        };
        let options = &policies.options.config_files;
        let hits: Vec<_> = cx
            .first_writes()
            .into_iter()
            .filter(|(_, _, path)| options.is_config(path) && !options.in_config_dir(path))
            .collect();
        for (session, event, path) in hits {
            cx.report(
                &Self::META,
                session,
                event,
                format!("the agent wrote configuration file `{path}` outside the config folders"),
            )
            .help("configuration may only change under the config folders, even if the edit was reverted later");
        }
    }
}
