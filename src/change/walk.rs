//! `--all`: every file under the given paths, honouring .gitignore and
//! .ignore through the `ignore` crate, inside or outside a git repository.

use super::{ChangeSet, ChangedFile, ChangedLines, Mode, Status};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The nearest ancestor of `dir` holding a `.git`, found without running git.
pub fn find_repo_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// A root-relative, `/`-separated path (or the path as given when outside).
pub fn relative_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = rel.strip_prefix("./").unwrap_or(rel);
    let mut out = String::new();
    for (i, part) in rel.components().enumerate() {
        if i > 0 && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(&part.as_os_str().to_string_lossy());
    }
    out
}

pub fn all(root: &Path, paths: &[PathBuf]) -> Result<ChangeSet> {
    let mut roots: Vec<PathBuf> = paths.to_vec();
    if roots.is_empty() {
        roots.push(root.to_path_buf());
    }
    for p in &roots {
        if !p.exists() {
            return Err(Error::usage(
                format!("no such file or directory: `{}`", p.display()),
                None,
            ));
        }
    }
    let mut builder = ignore::WalkBuilder::new(&roots[0]);
    for p in &roots[1..] {
        builder.add(p);
    }
    builder
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git");
    let mut files = Vec::new();
    let mut notices = Vec::new();
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                notices.push(format!("skipped while walking: {err}"));
                continue;
            }
        };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        if ft.is_dir() {
            continue;
        }
        let path = relative_path(root, entry.path());
        let status = if ft.is_file() {
            Status::Added
        } else {
            Status::NotAFile
        };
        let mut file = ChangedFile::new(path, status);
        file.lines = ChangedLines::All;
        files.push(file);
    }
    Ok(ChangeSet {
        root: root.to_path_buf(),
        mode: Mode::All,
        files,
        notices,
    })
}
