//! Selecting the change: which files changed and which of their lines.
//! This is the only module that knows about git (`git.rs`), unified diffs
//! (`unidiff.rs`) and walking a tree (`walk.rs`).

pub mod git;
mod gitcmd;
mod gitconfig;
pub mod linediff;
pub mod rawdiff;
pub mod unidiff;
pub mod walk;

use std::path::PathBuf;
use std::sync::Arc;

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Modified,
    Renamed,
    Deleted,
    /// Git reports a binary change; its content is not linted.
    Binary,
    /// A symbolic link (or another entry that is not a file): never followed.
    NotAFile,
    /// A submodule: another repository, never looked into.
    Submodule,
}

/// The changed lines of a file's new side.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ChangedLines {
    /// Every line counts as changed (`--all`, new and untracked files).
    #[default]
    All,
    /// Added or modified line ranges (1-based, inclusive), sorted, plus the
    /// new-side lines next to which lines were only deleted.
    Lines {
        ranges: Vec<(u32, u32)>,
        deletions: Vec<u32>,
    },
}

impl ChangedLines {
    pub fn none() -> Self {
        ChangedLines::Lines {
            ranges: Vec::new(),
            deletions: Vec::new(),
        }
    }

    pub fn contains(&self, line: u32) -> bool {
        match self {
            ChangedLines::All => true,
            ChangedLines::Lines { ranges, .. } => {
                let idx = ranges.partition_point(|&(_, end)| end < line);
                ranges.get(idx).is_some_and(|&(start, _)| start <= line)
            }
        }
    }

    /// Whether any line in `first..=last` changed, or lines were deleted
    /// strictly inside that range (a deletion touches the code around it).
    pub fn touches(&self, first: u32, last: u32) -> bool {
        match self {
            ChangedLines::All => true,
            ChangedLines::Lines { ranges, deletions } => {
                let idx = ranges.partition_point(|&(_, end)| end < first);
                // `deletions` is sorted: the first one at or after `first`.
                let deleted = deletions.partition_point(|&d| d < first);
                ranges.get(idx).is_some_and(|&(start, _)| start <= last)
                    || deletions.get(deleted).is_some_and(|&d| d < last)
            }
        }
    }

    /// No line added, modified or deleted.
    pub fn is_untouched(&self) -> bool {
        matches!(self, ChangedLines::Lines { ranges, deletions } if ranges.is_empty() && deletions.is_empty())
    }

    /// First changed line, if any.
    pub fn first_line(&self) -> Option<u32> {
        match self {
            ChangedLines::All => Some(1),
            ChangedLines::Lines { ranges, deletions } => ranges
                .first()
                .map(|r| r.0)
                .or_else(|| deletions.first().map(|d| (*d).max(1))),
        }
    }

    pub(crate) fn push_line(&mut self, line: u32) {
        if let ChangedLines::Lines { ranges, .. } = self {
            match ranges.last_mut() {
                Some(last) if last.1 + 1 == line => last.1 = line,
                Some(last) if last.1 >= line && last.0 <= line => {}
                _ => ranges.push((line, line)),
            }
        }
    }

    pub(crate) fn push_deletion(&mut self, after_line: u32) {
        if let ChangedLines::Lines { deletions, .. } = self {
            if deletions.last() != Some(&after_line) {
                deletions.push(after_line);
            }
        }
    }

    pub(crate) fn normalize(&mut self) {
        if let ChangedLines::Lines { ranges, deletions } = self {
            ranges.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
            for &(s, e) in ranges.iter() {
                match merged.last_mut() {
                    Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            *ranges = merged;
            deletions.sort_unstable();
            deletions.dedup();
        }
    }
}

/// Where the new side of a file is read from.
#[derive(Debug, Clone)]
pub enum Content {
    /// The working tree, at `root/path`.
    WorkTree,
    /// Bytes already read (staged blobs).
    Bytes(Arc<Vec<u8>>),
    /// Nothing to read (deleted, binary, not a file).
    None,
}

#[derive(Debug, Clone)]
pub struct ChangedFile {
    /// New path (old path for deletions), relative to the root, `/`-separated.
    pub path: String,
    /// Old path when renamed.
    pub old_path: Option<String>,
    pub status: Status,
    pub lines: ChangedLines,
    /// Added and deleted line counts, as `git diff --numstat` counts them.
    pub added: u32,
    pub deleted: u32,
    pub content: Content,
}

impl ChangedFile {
    /// Whether the file (or its old path) is under one of `prefixes`
    /// (root-relative, `/`-separated; none, or an empty one, keeps all).
    pub fn is_under(&self, prefixes: &[String]) -> bool {
        prefixes.is_empty()
            || prefixes.iter().any(|p| {
                p.is_empty()
                    || self.path == *p
                    || self
                        .path
                        .starts_with(&format!("{}/", p.trim_end_matches('/')))
                    || self.old_path.as_deref() == Some(p.as_str())
            })
    }

    pub fn new(path: String, status: Status) -> Self {
        ChangedFile {
            path,
            old_path: None,
            status,
            lines: ChangedLines::none(),
            added: 0,
            deleted: 0,
            content: Content::WorkTree,
        }
    }
}

/// How the change was selected, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Since { reference: String },
    Staged,
    Diff,
    All,
}

/// The files of a change and, for each, its changed lines.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// The directory paths are relative to (the repository root when in one).
    pub root: PathBuf,
    pub mode: Mode,
    pub files: Vec<ChangedFile>,
    /// Notes about the selection the user should see (not errors).
    pub notices: Vec<String>,
}

impl ChangeSet {
    /// Keeps only files under one of `prefixes` (root-relative, `/`-separated;
    /// an empty prefix keeps everything).
    pub fn restrict_to(&mut self, prefixes: &[String]) {
        self.files.retain(|f| f.is_under(prefixes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_queries() {
        let mut lines = ChangedLines::none();
        for l in [3, 4, 5, 9] {
            lines.push_line(l);
        }
        lines.push_deletion(20);
        lines.normalize();
        assert!(lines.contains(3) && lines.contains(5) && lines.contains(9));
        assert!(!lines.contains(2) && !lines.contains(6) && !lines.contains(10));
        assert!(lines.touches(6, 9));
        assert!(!lines.touches(6, 8));
        assert!(lines.touches(15, 25), "deletion inside the range");
        assert!(
            lines.touches(20, 25),
            "lines deleted right after the first line"
        );
        assert!(!lines.touches(21, 25), "lines deleted before the range");
        assert!(!lines.touches(15, 20), "lines deleted after the last line");
        assert_eq!(lines.first_line(), Some(3));
        assert!(ChangedLines::All.contains(12345));
    }
}
