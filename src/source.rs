//! A loaded source file: its text, how it was decoded, and a line index that
//! turns byte offsets into 1-based lines and character columns.

use crate::finding::Position;
use crate::report::SkipReason;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Byte offsets of line starts, for offset -> (line, column) conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> u32 {
        let idx = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        idx as u32 + 1
    }

    /// 1-based line and character column of a byte offset (clamped to the
    /// text; an offset inside a character counts up to that character).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts[(line - 1) as usize];
        let mut end = offset;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() as u32 + 1;
        Position { line, column }
    }

    /// Byte offset of the start of a 1-based line, if it exists.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }
}

/// A decoded source file.
#[derive(Debug, Clone)]
pub struct Source {
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    pub text: Arc<str>,
    pub lines: LineIndex,
    /// The bytes were not valid UTF-8 and were decoded lossily.
    pub lossy: bool,
}

impl Source {
    pub fn from_bytes(path: String, bytes: Vec<u8>) -> Self {
        let (text, lossy): (Arc<str>, bool) = match String::from_utf8(bytes) {
            Ok(text) => (Arc::from(text), false),
            Err(err) => (
                Arc::from(String::from_utf8_lossy(err.as_bytes()).into_owned()),
                true,
            ),
        };
        let lines = LineIndex::new(&text);
        Source {
            path,
            text,
            lines,
            lossy,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        self.lines.position(&self.text, offset)
    }
}

/// `root` with symbolic links resolved, or as given when it cannot be.
pub fn canonical(root: &Path) -> PathBuf {
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

/// Reads working-tree files of a change without following a path out of
/// its root (the checked repository was written by an agent).
pub struct WorkTreeReader<'a> {
    pub root: &'a Path,
    /// `root`, canonicalized: where a file's real parent must lie.
    pub canonical_root: &'a Path,
    /// `--all` over explicit paths may name files outside the root.
    pub allow_outside: bool,
}

impl WorkTreeReader<'_> {
    /// Reads a working-tree file without following a path out of the root.
    pub fn read(&self, rel: &str) -> Result<Vec<u8>, SkipReason> {
        let rel_path = Path::new(rel);
        let escapes = rel_path.is_absolute()
            || rel_path
                .components()
                .any(|c| matches!(c, Component::ParentDir));
        if escapes && !self.allow_outside {
            return Err(SkipReason::OutsideRoot);
        }
        let full: PathBuf = self.root.join(rel_path);
        let meta =
            std::fs::symlink_metadata(&full).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
        if meta.file_type().is_symlink() {
            return Err(SkipReason::Symlink);
        }
        if !meta.is_file() {
            return Err(SkipReason::NotAFile);
        }
        if !escapes {
            // A symlinked parent directory would lead out of the repository.
            let parent = full.parent().and_then(|p| p.canonicalize().ok());
            if !parent.is_some_and(|p| p.starts_with(self.canonical_root)) {
                return Err(SkipReason::OutsideRoot);
            }
        }
        std::fs::read(&full).map_err(|e| SkipReason::Unreadable(e.to_string()))
    }
}

/// Git's heuristic: a NUL byte in the first 8000 bytes means binary.
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8000)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "s = 'é'; Exception\nx\n";
        let index = LineIndex::new(text);
        let offset = text.find("Exception").unwrap();
        assert_eq!(
            index.position(text, offset),
            Position {
                line: 1,
                column: 10
            }
        );
        let x = text.rfind('x').unwrap();
        assert_eq!(index.position(text, x), Position { line: 2, column: 1 });
        assert_eq!(index.line_count(), 3);
    }

    #[test]
    fn lossy_decoding_is_flagged() {
        let src = Source::from_bytes("a.py".into(), b"x = '\xff'\n".to_vec());
        assert!(src.lossy);
        assert!(src.text.contains('\u{fffd}'));
    }
}
