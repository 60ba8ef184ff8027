//! config-outside-config-dir: configuration changed outside `config/`.

use crate::change::{ChangedLines, Status};
use crate::config::layout;
use crate::declare_rule;
use crate::rule::{Anchor, ChangeContext, ChangeFile, ChangeRule, RuleMeta};
use crate::settings::{MixedFile, MixedFormat};

declare_rule! {
    /// ## What it does
    /// Flags a configuration change outside the allowed configuration
    /// folders (by default `config/` at the repository root): a
    /// configuration file added, modified, renamed or deleted, or a change
    /// inside the tool sections of a file that also lists dependencies
    /// (`[tool.*]` of `pyproject.toml`, `eslintConfig`, `prettier`, `jest`
    /// and the like in `package.json`, `[lints]` and `[package.metadata]` of
    /// `Cargo.toml`).
    ///
    /// ## Why restrict this?
    /// The design's constraint file says "Never modify configuration files
    /// outside the ./config/ directory". An unsupervised agent that cannot
    /// make a test pass is tempted to loosen a linter setting, a CI file or
    /// an environment file instead of fixing the code; such edits change
    /// how everything else behaves and are easy to miss in review. Adding
    /// `[tool.ruff.lint] ignore = ["E722", "BLE001"]` to `pyproject.toml` is
    /// the textbook way to make a linter go quiet.
    ///
    /// ## Example
    /// A change that edits `setup.cfg`, `.env`, `deploy/app.yaml`, or the
    /// `[tool.ruff]` table of `pyproject.toml`.
    ///
    /// Use instead: put the setting under `config/` (or revert it and
    /// leave the decision to a person).
    ///
    /// ## Files that hold both dependencies and configuration
    /// `pyproject.toml`, `package.json` and `Cargo.toml` are judged by the
    /// table or key each changed line is in (read from the new side; lines
    /// only deleted are judged by the keys around them): a change in a tool
    /// section is flagged at the changed key; a change only in `[project]`,
    /// `[build-system]`, `dependencies`, `scripts` and the other sections
    /// stays a dependency change, left to `scope-creep` and review. A new
    /// such file is flagged when it has a tool section; a deleted one is
    /// flagged (its tool sections go with it); one that cannot be parsed is
    /// flagged at its first changed line.
    ///
    /// ## In telemetry
    /// `agentlint audit` (and `check --telemetry`) applies the same policy
    /// to every file the telemetry shows the agent writing inside the
    /// workspace, once per file at its first write: this also catches a
    /// configuration edit the agent made and later reverted (files judged
    /// by content are not, since a write event does not say which key it
    /// changed).
    ///
    /// ## Not flagged
    /// - Configuration files under an allowed folder (`config/app.yaml`).
    /// - Dependency manifests and lock files (`requirements*.txt`,
    ///   `poetry.lock`, `uv.lock`, `package-lock.json`, ...) and the
    ///   dependency sections of `pyproject.toml`, `package.json` and
    ///   `Cargo.toml`, unless `dependency-files-are-config` is set (then
    ///   every change to them is configuration).
    /// - Files that are not configuration (Python, Markdown, JSON data).
    ///
    /// agentlint's own `agentlint.toml` and the agent's `agent_config.yaml`
    /// are configuration too: an agent that edits them outside `config/`
    /// is flagged like any other.
    ///
    /// ## Adopting agentlint
    /// The change that adds `agentlint.toml`, `.pre-commit-config.yaml` or
    /// a CI workflow is itself a configuration change and is flagged, once:
    /// after it is merged, `--since main` no longer sees those files unless
    /// they change again. To let that one change pass without switching the
    /// rule off, start each new file with a comment naming the rule, as
    /// ruff's `# noqa: CODE` does:
    /// ```yaml
    /// # agentlint: ignore[config-outside-config-dir] -- adopted by the team, reviewed
    /// repos:
    ///   - repo: local
    /// ```
    /// (for `[tool.agentlint]` in `pyproject.toml`, on the line above the
    /// header). It silences the finding on that line only: a later edit
    /// further down the file is flagged again, and the summary counts the
    /// suppressed finding (`--show-suppressed` lists it).
    ///
    /// The finding is anchored at the file's first changed line (line 1
    /// for a new or deleted file), or at the changed key of a file judged
    /// by content.
    ///
    /// ## Configuration
    /// ```toml
    /// [rules.config-outside-config-dir]
    /// config-dirs = ["config"]
    /// config-globs = ["*.yaml", "*.yml", "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties", "*.env", ".env", ".env.*", ".flake8", ".pylintrc", ".editorconfig", ".python-version"]
    /// dependency-files-are-config = false
    /// dependency-globs = ["pyproject.toml", "setup.py", "requirements*.txt", "poetry.lock", "package.json", "Cargo.toml", "go.mod", "go.sum"]
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
            if options.in_config_dir(path) {
                continue;
            }
            let verb = match file.file.status {
                Status::Added => "added",
                Status::Deleted => "deleted",
                Status::Renamed => "moved",
                _ => "changed",
            };
            let line = Anchor::Line {
                path: path.to_string(),
                line: file.first_changed_line(),
            };
            if options.is_config(path) {
                hits.push((
                    line,
                    format!(
                        "configuration file `{path}` {verb} outside the config folders ({dirs})"
                    ),
                ));
                continue;
            }
            let Some(mixed) = options.mixed(path) else {
                continue;
            };
            match judge(file, mixed) {
                Verdict::Dependencies => {}
                Verdict::Config { key_path, span } => hits.push((
                    Anchor::Span {
                        path: path.to_string(),
                        span,
                    },
                    format!(
                        "`{path}` changes tool configuration `{key_path}` outside the config folders ({dirs})"
                    ),
                )),
                Verdict::Deleted => hits.push((
                    line,
                    format!(
                        "`{path}` deleted outside the config folders ({dirs}), with any tool configuration it held"
                    ),
                )),
                Verdict::Unreadable(why) => hits.push((
                    line,
                    format!(
                        "`{path}` {verb} outside the config folders ({dirs}); it {why}, so the change is taken for configuration"
                    ),
                )),
            }
        }
        for (anchor, message) in hits {
            cx.report(&Self::META, anchor, message).help(format!(
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

/// What a change to a file that holds both dependencies and configuration is.
enum Verdict {
    Dependencies,
    /// The first changed key inside a tool section, and the bytes of it.
    Config {
        key_path: String,
        span: std::ops::Range<usize>,
    },
    Deleted,
    Unreadable(&'static str),
}

/// Judges a change to `file` by the keys its changed lines are in.
fn judge(file: &ChangeFile<'_>, mixed: &MixedFile) -> Verdict {
    if file.file.status == Status::Deleted {
        return Verdict::Deleted;
    }
    let Some(source) = file.text else {
        return Verdict::Unreadable("could not be read");
    };
    let text = &*source.text;
    let parsed = match mixed.format {
        MixedFormat::Toml => layout::toml(text).ok_or("is not valid TOML"),
        MixedFormat::Json => layout::json(text).ok_or("is not a valid JSON object"),
    };
    let doc = match parsed {
        Ok(doc) => doc,
        Err(why) => return Verdict::Unreadable(why),
    };
    let line_bytes = |first: u32, last: u32| {
        let start = source.lines.line_start(first).unwrap_or(text.len());
        let end = source.lines.line_start(last + 1).unwrap_or(text.len());
        start..end.max(start)
    };
    // Byte ranges of the added and modified lines; then of the lines around
    // each place lines were deleted (the line after it first: deleted lines
    // sat before it), used only when no added line is in a tool section.
    let (added, deleted): (Vec<_>, Vec<_>) = match &file.file.lines {
        ChangedLines::All => (std::iter::once(0..text.len()).collect(), Vec::new()),
        ChangedLines::Lines { ranges, deletions } => (
            ranges.iter().map(|&(a, b)| line_bytes(a, b)).collect(),
            deletions
                .iter()
                .flat_map(|&d| [line_bytes(d + 1, d + 1), line_bytes(d.max(1), d.max(1))])
                .collect(),
        ),
    };
    // The first changed byte inside a tool section, with its entry.
    let first_hit = |ranges: Vec<std::ops::Range<usize>>| {
        ranges
            .into_iter()
            .filter_map(|range| {
                doc.owners(range.clone())
                    .into_iter()
                    .find(|entry| mixed.is_config_key(&entry.path))
                    .map(|entry| (entry.span.start.max(range.start), entry))
            })
            .min_by_key(|(at, _)| *at)
    };
    let Some((at, entry)) = first_hit(added).or_else(|| first_hit(deleted)) else {
        return Verdict::Dependencies;
    };
    // Point at the changed line, within the entry (`ignore = [...]`, or
    // the changed line of a multi-line value), without its indentation.
    let line = source.lines.line_of(at);
    let line_range = line_bytes(line, line);
    let start = line_range.start.max(entry.span.start);
    let end = line_range.end.min(entry.span.end).max(start);
    let piece = &text[start..end];
    let lead = piece.len() - piece.trim_start().len();
    let span = start + lead..start + piece.trim_end().len().max(lead);
    Verdict::Config {
        key_path: entry.path.join("."),
        span,
    }
}
