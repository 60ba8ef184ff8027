//! What each subcommand does: resolve settings, select the change, run the
//! engine, print. Returns the process exit code.

use crate::change::{
    self,
    git::{Repo, SinceRun},
    unidiff, ChangeSet, Mode,
};
use crate::cli::{AuditArgs, CheckArgs, ColorChoice, Format, InstallHookArgs, TelemetryFormatArg};
use crate::config::resolve::{self, Overrides};
use crate::engine;
use crate::error::{Error, Result};
use crate::report::{compact, github, human, json, sarif, statistics};
use crate::rules::declarative;
use rayon::prelude::*;
use std::io::{IsTerminal, Read, Write};
use std::path::{Component, Path, PathBuf};

pub mod blocks;
mod output;
pub mod triage;

pub fn check(args: &CheckArgs) -> Result<i32> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    // Selecting the change (git, the critical path) does not depend on the
    // settings: with `--since`, git's processes start first and the
    // configuration and the rules load while they run; otherwise the
    // selection runs on a thread beside the loading. A settings error is
    // still the one reported first.
    let started = start_change(args, &cwd);
    let overrides = Overrides::from_flags(
        &args.inputs,
        &args.select,
        &args.ignore,
        args.rules_dir.as_deref(),
    );
    let (settings, pending) = match started {
        Ok(StartedChange::Later) => std::thread::scope(|scope| {
            let changes = scope.spawn(|| select_change(args, &cwd));
            let settings = resolve::settings(&cwd, &overrides);
            let changes = changes.join().unwrap_or_else(|_| {
                Err(Error::usage(
                    "selecting the change failed unexpectedly",
                    None,
                ))
            });
            (settings, Pending::Selected(changes))
        }),
        Ok(StartedChange::Since(run)) => {
            (resolve::settings(&cwd, &overrides), Pending::Running(run))
        }
        Err(e) => (
            resolve::settings(&cwd, &overrides),
            Pending::Selected(Err(e)),
        ),
    };
    let settings = settings?;
    if args.sarif_category.is_some() && args.format != Format::Sarif {
        return Err(Error::usage(
            "`--sarif-category` only applies to `--format sarif`",
            Some("add `--format sarif`, or drop `--sarif-category`".to_string()),
        ));
    }
    let prefixes = |root: &Path| -> Vec<String> {
        args.paths
            .iter()
            .map(|p| root_relative(root, &cwd, p))
            .collect()
    };
    // `--since` checks each file as soon as its changed lines are known;
    // files the configuration or the PATHs leave out are not checked.
    let (mut changes, mut results) = match pending {
        Pending::Selected(changes) => {
            let changes = changes?;
            let results = changes.files.iter().map(|_| None).collect();
            (changes, results)
        }
        Pending::Running(run) => {
            let checker = engine::Checker::new(&settings, run.root(), false);
            let under = prefixes(run.root());
            run.finish_with(|file| {
                is_selected(file, &settings, false, &under).then(|| checker.check(file))
            })?
        }
    };
    let under = prefixes(&changes.root);
    paths_exist(&args.paths, &cwd, &changes, &under)?;
    keep_selected(&mut changes, &mut results, &settings, &under);
    let checker = engine::Checker::new(&settings, &changes.root, changes.mode == Mode::All);
    let results: Vec<engine::FileResult> = changes
        .files
        .par_iter()
        .zip(results)
        .map(|(file, result)| result.unwrap_or_else(|| checker.check(file)))
        .collect();
    let mut report = checker.report(&changes, results);
    // Block files in the change are checked against the repository too.
    blocks::add_to_check(&changes, &settings, &mut report)?;
    if !args.telemetry.is_empty() {
        let audit = run_audit(&args.telemetry, args.telemetry_format, None, &settings)?;
        let shown = (args.format == Format::Human && !args.statistics)
            .then(|| telemetry_lines(&audit.findings));
        audit_findings_into(&mut report, audit, &changes.root, &cwd);
        if let Some(lines) = shown {
            for ((name, line), text) in lines {
                let path = relative_telemetry_path(&changes.root, &cwd, &name);
                report.lines.insert((path, line), text);
            }
        }
        report.finish();
    }
    if !args.show_suppressed {
        // Counted in the summary either way; listed only on request.
        report.suppressed.clear();
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let statistics = args.statistics.then(|| match args.format {
        Format::Json => statistics::render_json(&report),
        _ => format!(
            "{}{}\n",
            statistics::render(&report),
            human::summary_line(&report)
        ),
    });
    // `--statistics` prints the table instead of the report, as ruff does;
    // a report asked for with `--output` is still written there.
    if let (Some(table), None) = (&statistics, &args.output) {
        write_output(None, table)?;
        return Ok(report.exit_code(args.fail_on.threshold()));
    }
    let rendered = {
        match args.format {
            Format::Human => human::render(&report, color, output_width(to_terminal)),
            Format::Json => json::render(&report),
            Format::Compact => compact::render(&report),
            Format::Github => github::render(&report),
            Format::Sarif => sarif::render(
                &report,
                &sarif::SarifOptions {
                    rules: settings.selection.rules().map(|r| r.meta()).collect(),
                    category: args.sarif_category.clone(),
                },
            ),
        }
    };
    write_output(args.output.as_deref(), &rendered)?;
    if let Some(table) = &statistics {
        write_output(None, table)?;
    }
    Ok(report.exit_code(args.fail_on.threshold()))
}

/// How wide human output to standard output wraps (see
/// `human::wrap_width`).
pub(crate) fn output_width(to_terminal: bool) -> Option<usize> {
    human::wrap_width(
        std::env::var("COLUMNS").ok().as_deref(),
        to_terminal,
        || terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize),
    )
}

/// The telemetry lines the findings point at, by file name (as given) and
/// line: each file read once, front to back, keeping at most a few KiB of
/// each wanted line. Unreadable files and standard input give none.
fn telemetry_lines(findings: &[crate::finding::Finding]) -> Vec<((String, u32), String)> {
    use std::collections::{BTreeMap, BTreeSet};
    use std::io::BufRead;
    const KEEP: usize = 4096;
    let mut wanted: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for f in findings {
        if !f.path.is_empty() && f.path != "-" && f.start.line > 0 {
            wanted.entry(&f.path).or_default().insert(f.start.line);
        }
    }
    let mut out = Vec::new();
    for (name, lines) in wanted {
        let Ok(file) = std::fs::File::open(name) else {
            continue;
        };
        let mut reader = std::io::BufReader::new(file);
        let last = lines.iter().next_back().copied().unwrap_or(0);
        let mut number = 1u32;
        let mut current: Vec<u8> = Vec::new();
        while number <= last {
            let Ok(buf) = reader.fill_buf() else { break };
            if buf.is_empty() {
                if !current.is_empty() && lines.contains(&number) {
                    out.push((
                        (name.to_string(), number),
                        String::from_utf8_lossy(&current).into_owned(),
                    ));
                }
                break;
            }
            let (chunk, ends_line) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if lines.contains(&number) && current.len() < KEEP {
                let room = KEEP - current.len();
                current.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            let used = ends_line.unwrap_or(buf.len());
            reader.consume(used);
            if ends_line.is_some() {
                if lines.contains(&number) {
                    out.push((
                        (name.to_string(), number),
                        String::from_utf8_lossy(&current).into_owned(),
                    ));
                }
                current.clear();
                number += 1;
            }
        }
    }
    out
}

pub fn install_hook(args: &InstallHookArgs) -> Result<i32> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    let installed = crate::hook::install(&cwd, args.force)?;
    let _ = write_output(
        None,
        &format!(
            "installed a pre-commit hook at `{}`: it runs `agentlint check --staged` before each commit\n",
            installed.display()
        ),
    );
    Ok(0)
}

pub(crate) fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(path) => std::fs::write(path, text).map_err(|e| Error::io("write", path, e)),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Error::io("write", "<stdout>", e)),
            }
        }
    }
}

/// Whether `file` stays in the change: the configuration's include/exclude
/// keep it, and (except with `--all`, whose walk already did) it is under
/// one of the PATH arguments.
fn is_selected(
    file: &crate::change::ChangedFile,
    settings: &crate::settings::Settings,
    all: bool,
    under: &[String],
) -> bool {
    settings.includes(&file.path) && (all || file.is_under(under))
}

/// Every PATH names something: a file or folder on disk, or a path of the
/// change (a deleted file is in the change, not on disk). A PATH that
/// exists but did not change is fine: nothing of it is in the change.
fn paths_exist(paths: &[PathBuf], cwd: &Path, changes: &ChangeSet, under: &[String]) -> Result<()> {
    for (path, prefix) in paths.iter().zip(under) {
        let on_disk = std::fs::symlink_metadata(cwd.join(path)).is_ok();
        let prefix = std::slice::from_ref(prefix);
        if !on_disk && !changes.files.iter().any(|f| f.is_under(prefix)) {
            return Err(no_such_path(path));
        }
    }
    Ok(())
}

fn no_such_path(path: &Path) -> Error {
    Error::usage(
        format!("no such file or directory: `{}`", path.display()),
        None,
    )
}

/// Leaves out of `changes` (and of `results`, one per file) the files that
/// are not selected, with a notice of how many the configuration left out.
fn keep_selected<T>(
    changes: &mut ChangeSet,
    results: &mut Vec<T>,
    settings: &crate::settings::Settings,
    under: &[String],
) {
    let all = matches!(changes.mode, Mode::All);
    let excluded = changes
        .files
        .iter()
        .filter(|f| !settings.includes(&f.path))
        .count();
    if excluded > 0 {
        changes.notices.push(format!(
            "{excluded} changed file{} left out by `include`/`exclude` in the configuration",
            if excluded == 1 { "" } else { "s" }
        ));
    }
    let kept: Vec<bool> = changes
        .files
        .iter()
        .map(|f| is_selected(f, settings, all, under))
        .collect();
    let mut keep = kept.iter();
    changes
        .files
        .retain(|_| keep.next().copied().unwrap_or(false));
    let mut keep = kept.iter();
    results.retain(|_| keep.next().copied().unwrap_or(false));
}

/// Where the selected change stands once the settings are loaded.
enum Pending {
    /// Selected (or failed).
    Selected(Result<ChangeSet>),
    /// `--since`: git runs; finishing checks each file as it comes.
    Running(SinceRun),
}

/// The change selection, started: with `--since` (or no mode), git runs
/// already; the other modes select when asked.
enum StartedChange {
    Since(SinceRun),
    Later,
}

fn start_change(args: &CheckArgs, cwd: &Path) -> Result<StartedChange> {
    let sel = &args.selection;
    if sel.all || sel.diff.is_some() || sel.staged {
        return Ok(StartedChange::Later);
    }
    let repo = Repo::discover(cwd)?;
    Ok(StartedChange::Since(match &sel.since {
        Some(reference) => repo.start_since(reference)?,
        None => repo.start_since_default()?,
    }))
}

/// Selects a change that is not `--since`'s.
fn select_change(args: &CheckArgs, cwd: &Path) -> Result<ChangeSet> {
    let sel = &args.selection;
    if sel.all {
        let root = change::walk::find_repo_root(cwd).unwrap_or_else(|| cwd.to_path_buf());
        for path in &args.paths {
            if std::fs::symlink_metadata(cwd.join(path)).is_err() {
                return Err(no_such_path(path));
            }
        }
        let paths: Vec<PathBuf> = args.paths.iter().map(|p| cwd.join(p)).collect();
        return change::walk::all(&root, &paths);
    }
    if let Some(diff_path) = &sel.diff {
        return from_diff(diff_path, cwd, args.max_diff_size);
    }
    Repo::discover(cwd)?.staged()
}

/// Reads at most `limit` bytes of a diff (a file, a pipe or standard
/// input): a larger one is an error, not a partial change.
fn read_diff(diff_path: &Path, limit: u64) -> Result<Vec<u8>> {
    let name = if diff_path == Path::new("-") {
        Path::new("<stdin>")
    } else {
        diff_path
    };
    let too_large = || {
        Error::usage(
            format!(
                "the diff in `{}` is larger than {} (`--max-diff-size`)",
                name.display(),
                crate::cli::format_size(limit)
            ),
            Some("raise the limit with `--max-diff-size`, e.g. `--max-diff-size 1G`, or pass a smaller diff".to_string()),
        )
    };
    let mut bytes = Vec::new();
    let read = if diff_path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)
    } else {
        let file = std::fs::File::open(diff_path).map_err(|e| Error::io("read", diff_path, e))?;
        match file.metadata() {
            Ok(meta) if meta.is_dir() => {
                return Err(Error::usage(
                    format!("`{}` is a directory, not a diff", diff_path.display()),
                    None,
                ))
            }
            // A regular file says its size: no need to read it to refuse it.
            Ok(meta) if meta.is_file() && meta.len() > limit => return Err(too_large()),
            _ => {}
        }
        file.take(limit + 1).read_to_end(&mut bytes)
    };
    read.map_err(|e| Error::io("read", name, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

fn from_diff(diff_path: &Path, cwd: &Path, limit: u64) -> Result<ChangeSet> {
    let bytes = read_diff(diff_path, limit)?;
    let parsed = unidiff::parse(&bytes);
    if parsed.is_empty() && !bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::input(
            diff_path.display().to_string(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned(),
            0..bytes.len().min(4096).min(80),
            "this is not a unified diff: no `---`/`+++` file headers found",
            "expected a diff here",
            Some("produce one with `git diff` or `diff -u old new`".into()),
        ));
    }
    // Git paths are relative to the repository root; plain ones to the cwd.
    let root = change::walk::find_repo_root(cwd).unwrap_or_else(|| cwd.to_path_buf());
    let mut notices = Vec::new();
    let files = parsed
        .into_iter()
        .map(|d| {
            let mut file = d.file;
            if !d.git_style {
                file.path = plain_diff_path(&root, cwd, &file.path, &mut notices);
            }
            file
        })
        .collect();
    Ok(ChangeSet {
        root,
        mode: Mode::Diff,
        files,
        notices,
    })
}

/// A plain diff's path, made root-relative; like `patch`, drops leading
/// components when the path as written does not exist.
fn plain_diff_path(root: &Path, cwd: &Path, path: &str, notices: &mut Vec<String>) -> String {
    let mut candidate = Path::new(path);
    loop {
        if cwd.join(candidate).exists() {
            return root_relative(root, cwd, candidate);
        }
        let mut comps = candidate.components();
        if comps.next().is_none() || comps.as_path().as_os_str().is_empty() {
            break;
        }
        candidate = comps.as_path();
    }
    notices.push(format!(
        "`{path}` from the diff does not exist in the working tree"
    ));
    root_relative(root, cwd, Path::new(path))
}

/// `p` (relative to `cwd`) as a root-relative, `/`-separated path,
/// normalized lexically (the file may not exist any more).
fn root_relative(root: &Path, cwd: &Path, p: &Path) -> String {
    let joined = cwd.join(p);
    let mut normal = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other.as_os_str()),
        }
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let normal = normal
        .parent()
        .and_then(|parent| parent.canonicalize().ok())
        .and_then(|parent| normal.file_name().map(|name| parent.join(name)))
        .unwrap_or(normal);
    if normal == root {
        return String::new();
    }
    change::walk::relative_path(&root, &normal)
}

/// The user's declarative rules folder for `rules` / `explain`: the flag,
/// else the `rules-dir` of the discovered agentlint.toml, as `check` does.
fn listing_rules_dir(flag: Option<&Path>) -> Result<Option<PathBuf>> {
    if let Some(dir) = flag {
        return Ok(Some(dir.to_path_buf()));
    }
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    Ok(crate::config::file::LoadedConfig::discover(&cwd)?
        .and_then(|l| l.config.rules_dir.as_ref().map(|p| l.dir().join(p))))
}

pub fn rules(rules_dir: Option<&Path>) -> Result<i32> {
    let rules_dir = listing_rules_dir(rules_dir)?;
    let mut out = String::new();
    for rule in declarative::catalog(rules_dir.as_deref())? {
        let meta = rule.meta();
        out.push_str(&format!(
            "{:<26} {:<10} {:<8} {:<36} {}\n",
            meta.id,
            meta.scope.as_str(),
            meta.default_severity.as_str(),
            declarative::source_of(rule),
            meta.summary
        ));
    }
    write_output(None, &out)?;
    Ok(0)
}

pub fn init(path: &Path) -> Result<i32> {
    crate::config::file::init(path)?;
    eprintln!("wrote {}", path.display());
    Ok(0)
}

pub fn explain(id: &str, rules_dir: Option<&Path>) -> Result<i32> {
    let rules_dir = listing_rules_dir(rules_dir)?;
    let known = declarative::catalog(rules_dir.as_deref())?;
    let rule = crate::registry::resolve_name(id, &known).map_err(|unknown| {
        Error::usage(
            unknown.message(),
            Some("`agentlint rules` lists every rule; ruff codes (`E722`, `BLE001`) and snake_case names work too".to_string()),
        )
    })?;
    let meta = rule.meta();
    let mut text = format!(
        "# {} ({}, default severity: {})\n\n{}\n\n{}\n",
        meta.id,
        meta.scope.as_str(),
        meta.default_severity.as_str(),
        meta.summary,
        meta.docs_text()
    );
    if let crate::registry::Registered::Ast(ast) = rule {
        if let Some(query) = ast.as_query() {
            text.push_str(&format!(
                "\n## Definition\nDeclarative rule from `{}`; tree-sitter query (anchor `@{}`):\n```scheme\n{}\n```\n",
                query.origin(),
                query.anchor(),
                query.query_text().trim_end()
            ));
        }
    }
    write_output(None, &text)?;
    Ok(0)
}

/// The telemetry inputs named on a command line.
fn telemetry_inputs(paths: &[PathBuf]) -> Result<Vec<crate::audit::read::Input>> {
    use crate::audit::read::Input;
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        if path == Path::new("-") {
            if inputs.contains(&Input::Stdin) {
                return Err(Error::usage("`-` (standard input) given twice", None));
            }
            inputs.push(Input::Stdin);
        } else if !path.exists() {
            return Err(Error::io(
                "read",
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            ));
        } else {
            inputs.push(Input::Path(path.clone()));
        }
    }
    Ok(inputs)
}

fn telemetry_format(arg: TelemetryFormatArg) -> Option<crate::audit::read::TelemetryFormat> {
    use crate::audit::read::TelemetryFormat;
    match arg {
        TelemetryFormatArg::Auto => None,
        TelemetryFormatArg::Design => Some(TelemetryFormat::Design),
        TelemetryFormatArg::ClaudeCode => Some(TelemetryFormat::ClaudeCode),
        TelemetryFormatArg::Codex => Some(TelemetryFormat::Codex),
    }
}

/// Runs the telemetry rules of `settings` over `paths`, with the policy of
/// the manifest and agent config the settings loaded.
fn run_audit(
    paths: &[PathBuf],
    format: TelemetryFormatArg,
    workspace: Option<PathBuf>,
    settings: &crate::settings::Settings,
) -> Result<crate::audit::report::AuditReport> {
    Ok(run_audit_streamed(paths, format, workspace, None, settings)?.into_report())
}

/// `run_audit` without building the report (see `crate::audit::run`).
fn run_audit_streamed(
    paths: &[PathBuf],
    format: TelemetryFormatArg,
    workspace: Option<PathBuf>,
    max_line: Option<usize>,
    settings: &crate::settings::Settings,
) -> Result<crate::audit::report::AuditRun> {
    let inputs = telemetry_inputs(paths)?;
    let mut policy = crate::audit::policy::AuditPolicy::from_config(
        settings.manifest.as_deref(),
        settings.agent_config.as_deref(),
    );
    if workspace.is_some() {
        policy.workspace = workspace;
    }
    if let Some(max) = max_line {
        policy.max_line_bytes = max;
    }
    let options = crate::audit::AuditOptions {
        format: telemetry_format(format),
        selection: settings.selection.clone(),
        change_policies: Some(crate::audit::ChangePolicies {
            options: settings.options.clone(),
            manifest: settings.manifest.clone(),
        }),
    };
    let run = crate::audit::run(&inputs, &policy, &options);
    // Nothing to audit is not a clean audit: a wrong folder or a glob that
    // matched nothing must not pass.
    if run.summary.files == 0 {
        let named = paths
            .iter()
            .map(|p| format!("`{}`", p.display()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::usage(
            format!("no telemetry found in {named}"),
            Some("give telemetry files, or folders holding `*.jsonl` files (Claude Code: `~/.claude/projects/<project>/`, Codex: `~/.codex/sessions/`)".to_string()),
        ));
    }
    // A session that could not be spilled or loaded back: the report would
    // miss it, so there is none.
    if let Some(problem) = run.problem() {
        return Err(Error::io(
            "use the temporary directory",
            std::env::temp_dir(),
            std::io::Error::other(problem.to_string()),
        ));
    }
    Ok(run)
}

/// Writes to `path` (or standard output) through a buffer, as `write` goes.
fn write_streamed(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| Error::io("write", path, e))?;
            let mut out = std::io::BufWriter::with_capacity(64 << 10, file);
            write(&mut out)
                .and_then(|_| out.flush())
                .map_err(|e| Error::io("write", path, e))
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
            match write(&mut out).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Error::io("write", "<stdout>", e)),
            }
        }
    }
}

/// An audit as a check report, for the printers both share (SARIF, GitHub,
/// compact) and for `check --telemetry`.
fn audit_findings_into(
    report: &mut crate::report::Report,
    audit: crate::audit::report::AuditReport,
    root: &Path,
    cwd: &Path,
) {
    for mut finding in audit.findings {
        // Telemetry paths as given on the command line -> root-relative.
        finding.path = relative_telemetry_path(root, cwd, &finding.path);
        report.findings.push(finding);
    }
    audit_notices_into(report, &audit.summary);
}

/// What an audit adds to a check report besides its findings: the files
/// it read and its notices.
fn audit_notices_into(
    report: &mut crate::report::Report,
    audit: &crate::audit::report::AuditSummary,
) {
    report.summary.files_checked += audit.files;
    if audit.malformed_lines > 0 {
        report.notices.push(format!(
            "{} telemetry line(s) could not be read (see the telemetry-parse-error findings)",
            audit.malformed_lines
        ));
    }
    if audit.unreadable_files > 0 {
        report.notices.push(format!(
            "{} telemetry file(s) could not be read",
            audit.unreadable_files
        ));
    }
}

/// `agentlint audit`: read telemetry, run the telemetry rules, print.
pub fn audit(args: &AuditArgs) -> Result<i32> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    let overrides = Overrides::from_flags(&args.inputs, &args.select, &args.ignore, None);
    let settings = resolve::settings(&cwd, &overrides)?;
    if args.sarif_category.is_some() && args.format != Format::Sarif {
        return Err(Error::usage(
            "`--sarif-category` only applies to `--format sarif`",
            Some("add `--format sarif`, or drop `--sarif-category`".to_string()),
        ));
    }
    let workspace = args.workspace.as_ref().map(|ws| cwd.join(ws));
    let run = run_audit_streamed(
        &args.telemetry,
        args.telemetry_format,
        workspace,
        args.max_line_length
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        &settings,
    )?;
    // Exit 1 on findings at or above the threshold, or on a telemetry file
    // that could not be read at all.
    let exit = run.exit_code(args.fail_on.threshold());
    // Only the rules an audit can fire.
    let sarif_options = || sarif::SarifOptions {
        rules: settings
            .selection
            .rules()
            .filter(|r| matches!(r, crate::registry::Registered::Telemetry(_)))
            .map(|r| r.meta())
            .collect(),
        category: args.sarif_category.clone(),
    };
    let output = args.output.as_deref();
    match args.format {
        // Written as they go: the findings wait in a temporary file and the
        // session summaries are made one at a time.
        Format::Human => write_streamed(output, |w| crate::audit::print::write_human(&run, w))?,
        Format::Json => write_streamed(output, |w| crate::audit::print::write_json(&run, w))?,
        Format::Sarif => {
            let root = change::walk::find_repo_root(&cwd).unwrap_or_else(|| cwd.clone());
            // Telemetry paths as given on the command line -> root-relative.
            let paths: Vec<String> = run
                .telemetry_files()
                .iter()
                .map(|f| relative_telemetry_path(&root, &cwd, &f.name))
                .collect();
            let options = sarif_options();
            write_streamed(output, |w| {
                sarif::write_findings(w, &options, &run.finding_rules(), &mut |each| {
                    run.for_each_finding_by_path(&paths, |f| each(&f))
                })
            })?;
        }
        Format::Compact | Format::Github => {
            // One line a finding as they come, in the order of a check
            // report, then the notices and the summary line of a report
            // that holds only the counts.
            let root = change::walk::find_repo_root(&cwd).unwrap_or_else(|| cwd.clone());
            let paths: Vec<String> = run
                .telemetry_files()
                .iter()
                .map(|f| relative_telemetry_path(&root, &cwd, &f.name))
                .collect();
            let mut tail = crate::report::Report::default();
            audit_notices_into(&mut tail, &run.summary);
            let github = matches!(args.format, Format::Github);
            write_streamed(output, |w| {
                let summary = &mut tail.summary;
                let mut last_path: Option<String> = None;
                run.for_each_finding_by_path(&paths, |f| {
                    summary.findings += 1;
                    match f.severity {
                        crate::finding::Severity::Error => summary.errors += 1,
                        crate::finding::Severity::Warning => summary.warnings += 1,
                        crate::finding::Severity::Note => summary.notes += 1,
                    }
                    if last_path.as_deref() != Some(f.path.as_str()) {
                        summary.files_with_findings += 1;
                        last_path = Some(f.path.clone());
                    }
                    let line = if github {
                        github::annotation(&f)
                    } else {
                        compact::finding_line(&f)
                    };
                    writeln!(w, "{line}")
                })?;
                let tail = if github {
                    github::render(&tail)
                } else {
                    compact::render(&tail)
                };
                w.write_all(tail.as_bytes())
            })?;
        }
    }
    Ok(exit)
}

/// A telemetry file's name as findings show it to code scanning.
fn relative_telemetry_path(root: &Path, cwd: &Path, name: &str) -> String {
    if name.is_empty() || name == "-" {
        name.to_string()
    } else {
        root_relative(root, cwd, Path::new(name))
    }
}
