//! The block-file driver (`agentlint blocks`): finds the block files of a
//! repository, reads the files they cite and its dependency files, runs the
//! selected block rules and builds a [`Report`] for the printers.
//!
//! One walk of the repository (the `ignore` crate: `.gitignore` honoured,
//! hidden folders included, `.git`, `node_modules`, virtual environments
//! and build output skipped, symbolic links never followed) finds the block
//! files, the dependency files and every file name, for citations that
//! give a bare name. Block files are read whether git tracks them or not.
//! Cited files are read once each, in parallel, only inside the
//! repository, and only up to [`MAX_CITED_BYTES`]; anything not read is
//! reported.

use crate::block_file::{is_block_file, BlockFile};
use crate::config::manifest::Manifest;
use crate::deps::{DependencyFile, DependencyIndex};
use crate::error::{Error, Result};
use crate::finding::{Finding, Position};
use crate::registry::Registered;
use crate::report::{Report, SkippedFile};
use crate::rule::blocks::{
    BlockAnchor, BlockContext, BlockFinding, BlockRule, CitedFile, Resolved,
};
use crate::settings::Settings;
use crate::source::Source;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest block file read.
pub const MAX_BLOCK_FILE_BYTES: u64 = 1 << 20;
/// The largest cited file read.
pub const MAX_CITED_BYTES: u64 = 16 << 20;
/// The largest dependency file read (lock files can be large).
pub const MAX_DEPENDENCY_BYTES: u64 = 16 << 20;

/// Folders the walk never enters: installed packages and build output,
/// which hold other projects' files.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".venv",
    "venv",
    "site-packages",
    "__pypackages__",
    ".tox",
    ".nox",
    "target",
    ".mypy_cache",
    ".pytest_cache",
    "__pycache__",
];

/// Folders whose dependency files are test data, not the project's
/// (a test suite's sample projects declare what they like).
const FIXTURE_DIRS: &[&str] = &["fixtures", "test_fixtures", "testdata", "test_data"];

/// What the walk found.
#[derive(Debug, Default)]
pub struct Tree {
    pub block_files: Vec<String>,
    pub dependency_files: Vec<(String, DependencyFile)>,
    /// File name -> the root-relative paths that have it.
    pub names: HashMap<String, Vec<String>>,
    /// Paths the walk could not read.
    pub unreadable: Vec<SkippedFile>,
    /// Dependency files inside test-fixture folders, not read.
    pub fixture_dependency_files: usize,
}

/// Walks `root` once (see the module docs).
pub fn walk(root: &Path) -> Tree {
    let mut tree = Tree::default();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .parents(false)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && entry.depth() > 0
                && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()))
        })
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                tree.unreadable.push(SkippedFile {
                    path: err.to_string(),
                    reason: "unreadable",
                    detail: "the walk could not enter it".into(),
                });
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let rel = crate::change::walk::relative_path(root, entry.path());
        if is_block_file(&rel) {
            tree.block_files.push(rel.clone());
        }
        if let Some(kind) = DependencyFile::of(&rel) {
            if rel.split('/').any(|part| FIXTURE_DIRS.contains(&part)) {
                tree.fixture_dependency_files += 1;
            } else {
                tree.dependency_files.push((rel.clone(), kind));
            }
        }
        let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        tree.names.entry(name).or_default().push(rel);
    }
    tree.block_files.sort();
    tree.dependency_files.sort_by(|a, b| a.0.cmp(&b.0));
    tree
}

/// Reads a root-relative file, without following a symbolic link or
/// leaving the root, up to `limit` bytes.
pub fn read_bounded(
    root: &Path,
    canonical_root: &Path,
    rel: &str,
    limit: u64,
) -> std::result::Result<Vec<u8>, String> {
    let full = root.join(rel);
    let meta = std::fs::symlink_metadata(&full).map_err(|e| format!("unreadable: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("a symbolic link (not followed)".into());
    }
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let parent = full.parent().and_then(|p| p.canonicalize().ok());
    if !parent.is_some_and(|p| p.starts_with(canonical_root)) {
        return Err("leads outside the repository".into());
    }
    if meta.len() > limit {
        return Err(format!("larger than {} bytes", limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(&full)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("unreadable: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {} bytes", limit));
    }
    Ok(bytes)
}

/// What to check.
pub struct Inputs<'a> {
    pub root: &'a Path,
    /// Root-relative block files to check; `None`: every block file found.
    pub block_files: Option<Vec<String>>,
    pub settings: &'a Settings,
    /// The manifest's path as findings show it (root-relative when inside).
    pub manifest_path: Option<String>,
}

/// Runs the selected block rules and returns their report.
pub fn run(inputs: &Inputs<'_>) -> Result<Report> {
    let root = inputs.root;
    let canonical_root = crate::source::canonical(root);
    let tree = walk(root);
    let mut report = Report::default();
    report
        .notices
        .extend(inputs.settings.notices.iter().cloned());
    report
        .summary
        .skipped
        .extend(tree.unreadable.iter().cloned());
    let wanted = inputs
        .block_files
        .clone()
        .unwrap_or_else(|| tree.block_files.clone());
    let manifest = inputs.settings.manifest.as_deref();
    let task_ids: Vec<String> = manifest
        .map(|m| m.tasks.iter().map(|t| t.id.clone()).collect())
        .unwrap_or_default();

    // Block files.
    let mut files = Vec::new();
    for rel in &wanted {
        match read_bounded(root, &canonical_root, rel, MAX_BLOCK_FILE_BYTES) {
            Ok(bytes) => {
                let source = Source::from_bytes(rel.clone(), bytes);
                if source.lossy {
                    report.summary.files_decoded_lossily.push(rel.clone());
                }
                report.summary.files_checked += 1;
                report.sources.insert(rel.clone(), source.text.clone());
                files.push(BlockFile::parse(rel, source.text, &task_ids));
            }
            Err(why) => skip(&mut report, rel, why),
        }
    }
    if wanted.is_empty() {
        report
            .notices
            .push("no block file (BLOCKED.md or *.blocked.md) in the repository".into());
    }

    // Dependency files, read in parallel, indexed in path order.
    let read: Vec<(String, DependencyFile, std::result::Result<Vec<u8>, String>)> = tree
        .dependency_files
        .par_iter()
        .map(|(rel, kind)| {
            (
                rel.clone(),
                *kind,
                read_bounded(root, &canonical_root, rel, MAX_DEPENDENCY_BYTES),
            )
        })
        .collect();
    let mut deps = DependencyIndex::default();
    for (rel, kind, bytes) in read {
        match bytes {
            Ok(bytes) => deps.add_file(&rel, kind, &String::from_utf8_lossy(&bytes)),
            Err(why) => skip(&mut report, &rel, why),
        }
    }
    if tree.fixture_dependency_files > 0 {
        report.notices.push(format!(
            "{} dependency file(s) in test-fixture folders (fixtures/, testdata/, ...) were not read as the project's",
            tree.fixture_dependency_files
        ));
    }
    for problem in &deps.problems {
        report.notices.push(format!(
            "dependency file `{}` was not read: {}",
            problem.file, problem.problem
        ));
    }

    // Cited files, each resolved and read once.
    let mut cited_paths: Vec<&str> = files
        .iter()
        .flat_map(|f| f.all_claims())
        .flat_map(|b| b.citations.iter().map(|c| c.path.as_str()))
        .collect();
    cited_paths.sort_unstable();
    cited_paths.dedup();
    let cited: HashMap<String, Resolved> = cited_paths
        .par_iter()
        .map(|written| {
            (
                (*written).to_string(),
                resolve(root, &canonical_root, &tree, written),
            )
        })
        .collect();
    let exists: HashMap<String, bool> = files
        .iter()
        .flat_map(|f| f.all_claims())
        .flat_map(|b| b.absences.iter().map(|a| a.path.clone()))
        .map(|written| {
            let present = repo_relative(root, &canonical_root, &written)
                .is_some_and(|rel| std::fs::symlink_metadata(root.join(rel)).is_ok());
            (written, present)
        })
        .collect();

    let rules: Vec<&'static dyn BlockRule> = inputs
        .settings
        .selection
        .rules()
        .filter_map(|r| match r {
            Registered::Blocks(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    let mut cx = BlockContext::new(&files, &cited, &exists, &deps, manifest);
    for rule in rules {
        rule.check(&mut cx);
    }
    let (findings, notices) = cx.into_parts();
    report.notices.extend(notices);
    let manifest_source = manifest.map(|m| {
        let path = inputs
            .manifest_path
            .clone()
            .unwrap_or_else(|| m.path.display().to_string());
        Source::from_bytes(path, m.text.as_bytes().to_vec())
    });
    if let (Some(source), true) = (
        &manifest_source,
        findings
            .iter()
            .any(|f| matches!(f.anchor, BlockAnchor::Manifest { .. })),
    ) {
        report
            .sources
            .insert(source.path.clone(), source.text.clone());
    }
    for finding in findings {
        if let Some(f) = position(finding, &files, manifest_source.as_ref(), inputs.settings) {
            report.findings.push(f);
        }
    }
    report.finish();
    Ok(report)
}

fn skip(report: &mut Report, path: &str, why: String) {
    report.summary.files_skipped += 1;
    let key = if why.starts_with("a symbolic link") {
        "symlink"
    } else if why.starts_with("larger") {
        "too-large"
    } else if why.starts_with("leads outside") {
        "outside-root"
    } else if why.starts_with("not a regular") {
        "not-a-file"
    } else {
        "unreadable"
    };
    *report
        .summary
        .skipped_by_reason
        .entry(key.to_string())
        .or_default() += 1;
    report.summary.skipped.push(SkippedFile {
        path: path.to_string(),
        reason: key,
        detail: why,
    });
}

/// The root-relative form of a path as a block writes it: `./a`, `a`, an
/// absolute path under the root, or `None` when it leaves the root.
fn repo_relative(root: &Path, canonical_root: &Path, written: &str) -> Option<String> {
    let path = Path::new(written);
    let relative = if path.is_absolute() {
        let stripped = path
            .strip_prefix(canonical_root)
            .or_else(|_| path.strip_prefix(root))
            .ok()?;
        stripped.to_path_buf()
    } else {
        path.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for c in relative.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => return None,
        }
    }
    Some(parts.join("/"))
}

/// Finds a cited path in the repository (see block-phantom-file's docs).
fn resolve(root: &Path, canonical_root: &Path, tree: &Tree, written: &str) -> Resolved {
    let written_path = Path::new(written);
    let mut candidate = repo_relative(root, canonical_root, written);
    if candidate.is_none() && written_path.is_absolute() {
        // The agent's workspace path: the longest tail that is a file here.
        let parts: Vec<&str> = written.split('/').filter(|p| !p.is_empty()).collect();
        candidate = (1..parts.len())
            .map(|skip| parts[skip..].join("/"))
            .find(|tail| std::fs::symlink_metadata(root.join(tail)).is_ok());
        if candidate.is_none() {
            return Resolved {
                path: None,
                file: CitedFile::Outside,
            };
        }
    }
    let Some(rel) = candidate else {
        return Resolved {
            path: None,
            file: CitedFile::Outside,
        };
    };
    let full: PathBuf = root.join(&rel);
    let meta = std::fs::symlink_metadata(&full);
    if meta.is_err() && !rel.contains('/') {
        // A bare file name: the one file of the repository with that name.
        match tree.names.get(&rel).map(Vec::as_slice) {
            Some([only]) => return read_cited(root, canonical_root, only),
            Some(many) if many.len() > 1 => {
                return Resolved {
                    path: None,
                    file: CitedFile::Ambiguous(many.to_vec()),
                };
            }
            _ => {}
        }
    }
    match meta {
        Err(_) => Resolved {
            path: Some(rel),
            file: CitedFile::Missing,
        },
        Ok(meta) if meta.is_dir() => Resolved {
            path: Some(rel),
            file: CitedFile::Directory,
        },
        Ok(_) => read_cited(root, canonical_root, &rel),
    }
}

fn read_cited(root: &Path, canonical_root: &Path, rel: &str) -> Resolved {
    match read_bounded(root, canonical_root, rel, MAX_CITED_BYTES) {
        Ok(bytes) if crate::source::looks_binary(&bytes) => Resolved {
            path: Some(rel.to_string()),
            file: CitedFile::NotRead("a binary file".into()),
        },
        Ok(bytes) => Resolved {
            path: Some(rel.to_string()),
            file: CitedFile::Text(Source::from_bytes(rel.to_string(), bytes)),
        },
        Err(why) if why.starts_with("leads outside") => Resolved {
            path: None,
            file: CitedFile::Outside,
        },
        Err(why) => Resolved {
            path: Some(rel.to_string()),
            file: CitedFile::NotRead(why),
        },
    }
}

/// A block finding as a positioned [`Finding`].
fn position(
    finding: BlockFinding,
    files: &[BlockFile],
    manifest: Option<&Source>,
    settings: &Settings,
) -> Option<Finding> {
    let (path, text, span) = match finding.anchor {
        BlockAnchor::Block { file, span } => {
            let f = files.get(file)?;
            (f.path.clone(), f.text.clone(), span)
        }
        BlockAnchor::Manifest { span } => {
            let m = manifest?;
            (m.path.clone(), m.text.clone(), span)
        }
    };
    let lines = crate::source::LineIndex::new(&text);
    let start: Position = lines.position(&text, span.start);
    let end: Position = lines.position(&text, span.end);
    Some(Finding {
        rule: finding.rule.id,
        severity: settings
            .selection
            .severity(finding.rule.id)
            .unwrap_or(finding.rule.default_severity),
        path,
        span,
        start,
        end,
        message: finding.message,
        help: finding.help,
        scope_lines: None,
        related: Vec::new(),
        extra: BTreeMap::new(),
    })
}

/// The manifest's path as findings show it: root-relative when it is in
/// the repository.
pub fn manifest_display_path(root: &Path, settings: &Settings, manifest: &Manifest) -> String {
    let canonical_root = crate::source::canonical(root);
    settings
        .manifest_file
        .as_ref()
        .filter(|abs| abs.starts_with(&canonical_root))
        .map(|abs| crate::change::walk::relative_path(&canonical_root, abs))
        .unwrap_or_else(|| manifest.path.display().to_string())
}

/// Root-relative block files named on the command line: each must be a
/// file inside the repository.
pub fn named_block_files(root: &Path, cwd: &Path, paths: &[PathBuf]) -> Result<Vec<String>> {
    let canonical_root = crate::source::canonical(root);
    let mut out = Vec::new();
    for path in paths {
        let full = cwd.join(path);
        let meta = std::fs::symlink_metadata(&full).map_err(|e| Error::io("read", path, e))?;
        if !meta.is_file() {
            return Err(Error::usage(
                format!("`{}` is not a file", path.display()),
                Some(
                    "name BLOCKED.md files, or no path to check every one in the repository".into(),
                ),
            ));
        }
        let canonical = full
            .canonicalize()
            .map_err(|e| Error::io("read", path, e))?;
        let Ok(rel) = canonical.strip_prefix(&canonical_root) else {
            return Err(Error::usage(
                format!(
                    "`{}` is outside the repository `{}`",
                    path.display(),
                    root.display()
                ),
                Some(
                    "run agentlint blocks from inside the repository the block file is about"
                        .into(),
                ),
            ));
        };
        out.push(rel.to_string_lossy().replace('\\', "/"));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `agentlint check`'s hook: the block files among the changed files, as
/// root-relative paths (deleted ones left out).
pub fn changed_block_files(changes: &crate::change::ChangeSet) -> Vec<String> {
    changes
        .files
        .iter()
        .filter(|f| f.status != crate::change::Status::Deleted && is_block_file(&f.path))
        .map(|f| f.path.clone())
        .collect()
}
