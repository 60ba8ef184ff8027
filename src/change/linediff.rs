//! Which lines of a file's new side a change added or modified, computed in
//! process from both sides' bytes (imara-diff's Myers with git's indent
//! heuristic, so hunks sit where `git diff` puts them). Pure: bytes in,
//! changed lines out.
//!
//! Where an inserted block repeats the lines next to it, either copy can be
//! "the new one"; imara-diff and git may pick different copies (about 2% of
//! seeded edits that insert repeated blocks, see the tests). The changed
//! code and the counts are the same.
//!
//! One deliberate difference from a byte-exact `git diff`: a line whose only
//! change is its ending (`\r\n` <-> `\n`) is unchanged here. Its code did
//! not change, and a checkout with `core.autocrlf` (CRLF in the working
//! tree, LF in the repository, which git itself diffs after converting)
//! would otherwise mark every line of every edited file as changed.

use super::ChangedLines;
use imara_diff::{Algorithm, Diff, InternedInput, TokenSource};

/// Unchanged lines kept on each side of the part that differs: a hunk may
/// slide, and git's indent heuristic look, this far (it slides at most 100
/// lines and looks 20 lines beyond).
const CONTEXT_LINES: usize = 256;

/// The changed lines of `new` relative to `old`, with git's `--numstat`
/// counts (lines added, lines deleted).
pub fn changed_lines(old: &[u8], new: &[u8]) -> (ChangedLines, u32, u32) {
    // Most of an edited file is unchanged: only the part that differs, with
    // its context, is split into lines and interned.
    let (prefix, suffix) = common_ends(old, new);
    let first_line =
        u32::try_from(memchr::memchr_iter(b'\n', &old[..prefix]).count()).unwrap_or(u32::MAX);
    diff_lines(
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
        first_line,
    )
}

/// `changed_lines` of two whole texts whose first line is line
/// `first_line + 1` of the file.
fn diff_lines(old: &[u8], new: &[u8], first_line: u32) -> (ChangedLines, u32, u32) {
    let input = InternedInput::new(Lines(old), Lines(new));
    // imara-diff indexes tokens with i32; no source file comes near that,
    // but a change must never panic on what an agent wrote.
    if input.before.len() >= i32::MAX as usize || input.after.len() >= i32::MAX as usize {
        let added = u32::try_from(input.after.len()).unwrap_or(u32::MAX);
        return (ChangedLines::All, added, 0);
    }
    let mut diff = Diff::compute(Algorithm::Myers, &input);
    diff.postprocess_lines(&input);
    let mut lines = ChangedLines::none();
    let (mut added, mut deleted) = (0u32, 0u32);
    for hunk in diff.hunks() {
        // Lines deleted before new line `after.start + 1` are recorded next to
        // new line `after.start`, as `unidiff` records a `-` line.
        if !hunk.before.is_empty() {
            lines.push_deletion(first_line + hunk.after.start);
            deleted += hunk.before.len() as u32;
        }
        for index in hunk.after.clone() {
            lines.push_line(first_line + index + 1);
        }
        added += hunk.after.len() as u32;
    }
    lines.normalize();
    (lines, added, deleted)
}

/// Bytes at the start and at the end that `old` and `new` share, each cut
/// at a line start and less `CONTEXT_LINES` lines.
fn common_ends(old: &[u8], new: &[u8]) -> (usize, usize) {
    let shortest = old.len().min(new.len());
    let mut prefix = common_prefix(&old[..shortest], &new[..shortest]);
    // Back to the start of the line, then the context above it.
    for _ in 0..=CONTEXT_LINES {
        if prefix == 0 {
            break;
        }
        prefix = memchr::memrchr(b'\n', &old[..prefix - 1]).map_or(0, |i| i + 1);
    }
    let rest = shortest - prefix;
    let mut suffix = common_suffix(&old[old.len() - rest..], &new[new.len() - rest..]);
    // Forward to a line start, then the context below it.
    for _ in 0..=CONTEXT_LINES {
        if suffix == 0 {
            break;
        }
        let tail = &old[old.len() - suffix..];
        suffix = match memchr::memchr(b'\n', tail) {
            Some(i) => suffix - (i + 1),
            None => 0,
        };
    }
    (prefix, suffix)
}

/// Block size for comparing the shared ends: slices compare with memcmp.
const BLOCK: usize = 64;

/// How many leading bytes two equally long slices share.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut i = 0;
    while i + BLOCK <= a.len() && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    i + a[i..]
        .iter()
        .zip(&b[i..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many trailing bytes two equally long slices share.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len();
    let mut i = 0;
    while i + BLOCK <= n && a[n - i - BLOCK..n - i] == b[n - i - BLOCK..n - i] {
        i += BLOCK;
    }
    i + a[..n - i]
        .iter()
        .rev()
        .zip(b[..n - i].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many lines `bytes` has, counted as git counts an added file's lines.
pub fn line_count(bytes: &[u8]) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', bytes).count();
    let unterminated = usize::from(bytes.last().is_some_and(|&b| b != b'\n'));
    u32::try_from(newlines + unterminated).unwrap_or(u32::MAX)
}

/// A line as the diff compares it: its text without the line ending, and
/// whether it had one (a last line gaining or losing its newline changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Line<'a> {
    text: &'a [u8],
    terminated: bool,
}

impl AsRef<[u8]> for Line<'_> {
    fn as_ref(&self) -> &[u8] {
        self.text
    }
}

#[derive(Debug, Clone, Copy)]
struct Lines<'a>(&'a [u8]);

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        if self.0.is_empty() {
            return None;
        }
        let (line, rest, terminated) = match memchr::memchr(b'\n', self.0) {
            Some(end) => (&self.0[..end], &self.0[end + 1..], true),
            None => (self.0, &self.0[self.0.len()..], false),
        };
        self.0 = rest;
        let text = if terminated {
            line.strip_suffix(b"\r").unwrap_or(line)
        } else {
            line
        };
        Some(Line { text, terminated })
    }
}

impl<'a> TokenSource for Lines<'a> {
    type Token = Line<'a>;
    type Tokenizer = Self;

    fn tokenize(&self) -> Self {
        *self
    }

    fn estimate_tokens(&self) -> u32 {
        let sample: usize = self.take(20).map(|l| l.text.len() + 1).sum();
        (self.0.len() * 20)
            .checked_div(sample)
            .map_or(100, |n| u32::try_from(n).unwrap_or(u32::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::gitcmd::{GitCommand, Subcommand};
    use crate::change::unidiff;

    fn ranges(lines: &ChangedLines) -> (Vec<(u32, u32)>, Vec<u32>) {
        match lines {
            ChangedLines::Lines { ranges, deletions } => (ranges.clone(), deletions.clone()),
            ChangedLines::All => panic!("expected line ranges"),
        }
    }

    #[test]
    fn insertion_modification_and_deletion() {
        let old = b"a\nb\nc\nd\ne\n";
        let new = b"a\nB\nc\nx\ny\nd\n";
        let (lines, added, deleted) = changed_lines(old, new);
        // b -> B (line 2), x and y inserted (4-5), e deleted after line 6.
        assert_eq!(ranges(&lines), (vec![(2, 2), (4, 5)], vec![1, 6]));
        assert_eq!((added, deleted), (3, 2));
    }

    #[test]
    fn line_endings_alone_are_not_changes_but_a_missing_last_newline_is() {
        let (lines, added, deleted) = changed_lines(b"a\nb\n", b"a\r\nb\r\n");
        assert!(lines.is_untouched());
        assert_eq!((added, deleted), (0, 0));
        let (lines, _, _) = changed_lines(b"a\nb\n", b"a\nb");
        assert_eq!(ranges(&lines).0, vec![(2, 2)]);
    }

    #[test]
    fn counts_lines_as_git_does() {
        assert_eq!(line_count(b""), 0);
        assert_eq!(line_count(b"a"), 1);
        assert_eq!(line_count(b"a\n"), 1);
        assert_eq!(line_count(b"a\nb"), 2);
    }

    /// The lines git's own `diff -U0` marks, through our unified-diff
    /// parser: the reference this module must agree with.
    fn git_changed_lines(old: &[u8], new: &[u8]) -> (ChangedLines, u32, u32) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, old).expect("write old side");
        std::fs::write(&b, new).expect("write new side");
        let mut cmd = GitCommand::new(dir.path(), &[], Subcommand::DiffNoIndex);
        cmd.args(["--no-ext-diff", "--no-color", "-U0"])
            .arg(&a)
            .arg(&b);
        let out = cmd.output().expect("git runs");
        match unidiff::parse(&out.stdout).into_iter().next() {
            Some(f) => (f.file.lines, f.file.added, f.file.deleted),
            None => (ChangedLines::none(), 0, 0),
        }
    }

    /// Diffing only the part that differs, with its context, gives what
    /// diffing the whole files gives.
    #[test]
    fn trimming_the_shared_ends_changes_nothing() {
        let unit = include_str!("../engine/partial.rs");
        let old: String = (0..8).map(|_| unit).collect();
        let lines: Vec<&str> = old.lines().collect();
        let edits: [(usize, &str); 4] = [
            (5, "    inserted()"),
            (1500, "        rewritten = 1"),
            (1501, ""),
            (lines.len() - 2, "}"),
        ];
        for (at, text) in edits {
            for replace in [false, true] {
                let mut edited = lines.clone();
                if replace {
                    edited[at] = text;
                } else {
                    edited.insert(at, text);
                }
                let new = edited.join("\n") + "\n";
                let whole = diff_lines(old.as_bytes(), new.as_bytes(), 0);
                assert_eq!(changed_lines(old.as_bytes(), new.as_bytes()), whole);
                assert!(!whole.0.is_untouched());
            }
        }
        // Growing or losing a last line, and no shared end at all.
        for (a, b) in [
            ("x\n", "x\ny"),
            ("x\ny\n", "x\n"),
            ("a\n", "b\n"),
            ("", "a\n"),
        ] {
            assert_eq!(
                changed_lines(a.as_bytes(), b.as_bytes()),
                diff_lines(a.as_bytes(), b.as_bytes(), 0),
                "{a:?} -> {b:?}"
            );
        }
    }

    /// The new-side lines `lines` marks as changed, sorted (a slid block
    /// is the same lines rotated).
    fn texts<'a>(new: &'a str, lines: &ChangedLines) -> Vec<&'a str> {
        let all: Vec<&str> = new.lines().collect();
        let mut texts: Vec<&str> = ranges(lines)
            .0
            .iter()
            .flat_map(|&(start, end)| all[start as usize - 1..end as usize].iter().copied())
            .collect();
        texts.sort_unstable();
        texts
    }

    /// Seeded edits of a real source file (insertions of blocks that repeat
    /// the lines above them, deletions, rewrites): the counts and the
    /// changed lines' text always match git's, and so do their positions
    /// except where a block repeats its neighbour and either copy can be
    /// the new one (git and imara-diff break that tie differently).
    #[test]
    fn agrees_with_git_diff_on_edited_source() {
        let base: Vec<&str> = include_str!("../engine/partial.rs").lines().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let rounds = 200;
        let mut slid = 0;
        for round in 0..rounds {
            let mut lines: Vec<String> = base.iter().map(|s| s.to_string()).collect();
            for _ in 0..1 + next(4) {
                let at = next(lines.len());
                match next(3) {
                    0 => {
                        // Repeat the lines just above: the insertion can slide.
                        let len = 1 + next(4);
                        let from = at.saturating_sub(len);
                        let block: Vec<String> = lines[from..at].to_vec();
                        for (i, l) in block.into_iter().enumerate() {
                            lines.insert(at + i, l);
                        }
                    }
                    1 => {
                        let len = (1 + next(5)).min(lines.len() - at);
                        lines.drain(at..at + len);
                    }
                    _ => lines[at] = format!("    changed({at})"),
                }
            }
            let old = base.join("\n") + "\n";
            let new = lines.join("\n") + "\n";
            let expected = git_changed_lines(old.as_bytes(), new.as_bytes());
            let ours = changed_lines(old.as_bytes(), new.as_bytes());
            assert_eq!((ours.1, ours.2), (expected.1, expected.2), "round {round}");
            assert_eq!(
                texts(&new, &ours.0),
                texts(&new, &expected.0),
                "round {round}"
            );
            if ours != expected {
                slid += 1;
            }
        }
        assert!(
            slid <= rounds / 10,
            "{slid} of {rounds} rounds placed differently"
        );
    }
}
