//! A tolerant unified-diff parser (git's extended format and plain
//! `diff -u`). Pure: bytes in, changed files out; never panics.

use super::{ChangedFile, ChangedLines, Status};

/// One file of a parsed diff, before paths are resolved against a root.
#[derive(Debug, Clone)]
pub struct DiffFile {
    pub file: ChangedFile,
    /// Full or abbreviated object id of the new side (`index a..b`).
    pub new_oid: Option<String>,
    /// Whether the header was git's (`diff --git`), so paths carry `a/`/`b/`.
    pub git_style: bool,
}

#[derive(Default)]
struct Pending {
    git_style: bool,
    header_old: Option<String>,
    header_new: Option<String>,
    old: Option<String>,
    new: Option<String>,
    old_is_null: bool,
    new_is_null: bool,
    rename_to: Option<String>,
    rename_from: Option<String>,
    binary: bool,
    not_a_file: bool,
    submodule: bool,
    new_file: bool,
    deleted_file: bool,
    new_oid: Option<String>,
    lines: ChangedLines,
    added: u32,
    deleted: u32,
    started: bool,
}

impl Pending {
    fn new(git_style: bool) -> Self {
        Pending {
            git_style,
            lines: ChangedLines::none(),
            started: true,
            ..Default::default()
        }
    }

    /// A mode line: a symlink or a submodule is not a file to lint.
    fn mark_mode(&mut self, mode: &str) {
        self.not_a_file |= is_special_mode(mode);
        self.submodule |= mode.trim() == "160000";
    }

    fn finish(self, out: &mut Vec<DiffFile>) {
        if !self.started {
            return;
        }
        let strip = |p: Option<String>, prefix: &str| -> Option<String> {
            p.map(|p| {
                if self.git_style {
                    p.strip_prefix(prefix).map(str::to_string).unwrap_or(p)
                } else {
                    p
                }
            })
        };
        let old = strip(self.old.clone(), "a/").or(self.rename_from.clone());
        let new = strip(self.new.clone(), "b/").or(self.rename_to.clone());
        let header_old = strip(self.header_old.clone(), "a/");
        let header_new = strip(self.header_new.clone(), "b/");
        let deleted = self.deleted_file || self.new_is_null;
        let added = self.new_file || self.old_is_null;
        let path = if deleted {
            old.clone().or(header_old.clone())
        } else {
            new.clone().or(header_new.clone()).or(old.clone())
        };
        let Some(path) = path else {
            return;
        };
        let old_path = if deleted || added {
            None
        } else {
            old.or(header_old).filter(|o| *o != path)
        };
        let status = if self.submodule {
            Status::Submodule
        } else if self.not_a_file {
            Status::NotAFile
        } else if self.binary {
            Status::Binary
        } else if deleted {
            Status::Deleted
        } else if added {
            Status::Added
        } else if old_path.is_some() {
            Status::Renamed
        } else {
            Status::Modified
        };
        let mut lines = self.lines;
        lines.normalize();
        out.push(DiffFile {
            file: ChangedFile {
                path,
                old_path,
                status,
                lines,
                added: self.added,
                deleted: self.deleted,
                content: super::Content::WorkTree,
            },
            new_oid: self.new_oid,
            git_style: self.git_style,
        });
    }
}

/// Parses a unified diff. Lines that fit no known shape outside hunks are
/// ignored (mail headers, `Only in` lines); hunks are read by their counts.
pub fn parse(diff: &[u8]) -> Vec<DiffFile> {
    let mut out = Vec::new();
    let mut cur = Pending::default();
    // Remaining old/new lines of the current hunk, and the next new line.
    let mut old_left: u32 = 0;
    let mut new_left: u32 = 0;
    let mut new_line: u32 = 0;

    for raw in diff.split(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if old_left > 0 || new_left > 0 {
            match line.first() {
                Some(b'+') => {
                    cur.lines.push_line(new_line);
                    cur.added += 1;
                    new_line += 1;
                    new_left = new_left.saturating_sub(1);
                }
                Some(b'-') => {
                    cur.lines.push_deletion(new_line.saturating_sub(1));
                    cur.deleted += 1;
                    old_left = old_left.saturating_sub(1);
                }
                Some(b' ') | None => {
                    new_line += 1;
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                }
                Some(b'\\') => {}
                // A line that cannot be in a hunk: the hunk was short.
                _ => {
                    old_left = 0;
                    new_left = 0;
                    handle_header(
                        line,
                        &mut cur,
                        &mut out,
                        &mut old_left,
                        &mut new_left,
                        &mut new_line,
                    );
                }
            }
            continue;
        }
        if line.first() == Some(&b'\\') {
            continue;
        }
        handle_header(
            line,
            &mut cur,
            &mut out,
            &mut old_left,
            &mut new_left,
            &mut new_line,
        );
    }
    cur.finish(&mut out);
    out
}

fn handle_header(
    line: &[u8],
    cur: &mut Pending,
    out: &mut Vec<DiffFile>,
    old_left: &mut u32,
    new_left: &mut u32,
    new_line: &mut u32,
) {
    let text = String::from_utf8_lossy(line);
    let text = text.as_ref();
    if let Some(rest) = text.strip_prefix("diff --git ") {
        std::mem::take(cur).finish(out);
        *cur = Pending::new(true);
        let (a, b) = split_git_header(rest);
        cur.header_old = a;
        cur.header_new = b;
    } else if text.starts_with("diff ") && !cur.git_style {
        std::mem::take(cur).finish(out);
        *cur = Pending::new(false);
    } else if let Some(rest) = text.strip_prefix("--- ") {
        // A `---` after a complete section starts the next file of a plain diff.
        let section_done = cur.new.is_some() || cur.new_is_null || cur.added > 0 || cur.deleted > 0;
        if !cur.started || section_done {
            std::mem::take(cur).finish(out);
            *cur = Pending::new(false);
        }
        let path = parse_path(rest);
        cur.old_is_null = path.as_deref() == Some("/dev/null");
        cur.old = path.filter(|p| p != "/dev/null");
    } else if let Some(rest) = text.strip_prefix("+++ ") {
        if !cur.started {
            *cur = Pending::new(false);
        }
        let path = parse_path(rest);
        cur.new_is_null = path.as_deref() == Some("/dev/null");
        cur.new = path.filter(|p| p != "/dev/null");
    } else if let Some(rest) = text.strip_prefix("@@ ") {
        if !cur.started {
            return;
        }
        if let Some((old_count, new_start, new_count)) = parse_hunk_header(rest) {
            *old_left = old_count;
            *new_left = new_count;
            *new_line = new_start;
            if new_count == 0 {
                // Pure deletion: `+c,0` means "after line c".
                *new_line = new_start + 1;
            }
        }
    } else if !cur.started {
        // Preamble before the first file (mail headers, commit message).
    } else if let Some(rest) = text.strip_prefix("rename from ") {
        cur.rename_from = Some(unquote(rest));
    } else if let Some(rest) = text.strip_prefix("rename to ") {
        cur.rename_to = Some(unquote(rest));
    } else if let Some(rest) = text.strip_prefix("new file mode ") {
        cur.new_file = true;
        cur.mark_mode(rest);
    } else if let Some(rest) = text.strip_prefix("deleted file mode ") {
        cur.deleted_file = true;
        cur.mark_mode(rest);
    } else if let Some(rest) = text.strip_prefix("new mode ") {
        cur.mark_mode(rest);
    } else if let Some(rest) = text.strip_prefix("index ") {
        let mut parts = rest.split_whitespace();
        if let Some(range) = parts.next() {
            cur.new_oid = range.split("..").nth(1).map(str::to_string);
        }
        if let Some(mode) = parts.next() {
            cur.mark_mode(mode);
        }
    } else if text.starts_with("Binary files ") || text == "GIT binary patch" {
        cur.binary = true;
    }
}

fn is_special_mode(mode: &str) -> bool {
    let mode = mode.trim();
    mode == "120000" || mode == "160000"
}

/// `-a,b +c,d @@ ...` -> (b, c, d); a missing count means 1.
fn parse_hunk_header(rest: &str) -> Option<(u32, u32, u32)> {
    let mut parts = rest.split_whitespace();
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let count = |s: &str| -> Option<(u32, u32)> {
        match s.split_once(',') {
            Some((start, n)) => Some((start.parse().ok()?, n.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (_, old_count) = count(old)?;
    let (new_start, new_count) = count(new)?;
    Some((old_count, new_start, new_count))
}

/// The path of a `---`/`+++` line: unquoted, without a trailing timestamp.
fn parse_path(rest: &str) -> Option<String> {
    let rest = rest.trim_end_matches(['\r']);
    if rest.starts_with('"') {
        return Some(unquote(rest));
    }
    // Plain diff: `path<TAB>timestamp`; git adds a tab after names with spaces.
    let path = rest.split('\t').next().unwrap_or(rest);
    let path = path.trim_end();
    (!path.is_empty()).then(|| path.to_string())
}

/// Splits `a/x b/y` (or quoted forms) of a `diff --git` line.
fn split_git_header(rest: &str) -> (Option<String>, Option<String>) {
    if rest.starts_with('"') {
        if let Some(end) = find_closing_quote(rest) {
            let a = unquote(&rest[..=end]);
            let b = rest[end + 1..].trim_start();
            return (Some(a), Some(unquote(b)));
        }
    }
    // Unquoted: both halves are equal in length when not renamed.
    if let Some(idx) = rest.find(" b/") {
        let (a, b) = (&rest[..idx], &rest[idx + 1..]);
        return (Some(a.to_string()), Some(unquote(b)));
    }
    (None, None)
}

fn find_closing_quote(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Undoes git's C-style path quoting (`"a\tb\303\251.py"`).
pub fn unquote(s: &str) -> String {
    let s = s.trim();
    let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
        return s.to_string();
    };
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let c = bytes[i + 1];
        i += 2;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                let mut digits = 1;
                while digits < 3 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                    value = value * 8 + u32::from(bytes[i] - b'0');
                    i += 1;
                    digits += 1;
                }
                out.push((value & 0xff) as u8);
            }
            other => out.push(other),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(f: &DiffFile) -> Vec<(u32, u32)> {
        match &f.file.lines {
            ChangedLines::Lines { ranges, .. } => ranges.clone(),
            ChangedLines::All => vec![],
        }
    }

    #[test]
    fn git_diff_with_rename_binary_and_deletion() {
        let diff = b"diff --git a/old.py b/new.py\n\
similarity index 90%\n\
rename from old.py\n\
rename to new.py\n\
index 1111111..2222222 100644\n\
--- a/old.py\n\
+++ b/new.py\n\
@@ -2,0 +3,2 @@ def f():\n\
+    x = 1\n\
+    y = 2\n\
@@ -10 +11,0 @@\n\
-    gone()\n\
diff --git a/img.png b/img.png\n\
Binary files a/img.png and b/img.png differ\n\
diff --git a/dead.py b/dead.py\n\
deleted file mode 100644\n\
--- a/dead.py\n\
+++ /dev/null\n\
@@ -1,2 +0,0 @@\n\
-a\n\
--- b\n";
        let files = parse(diff);
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].file.path, "new.py");
        assert_eq!(files[0].file.old_path.as_deref(), Some("old.py"));
        assert_eq!(files[0].file.status, Status::Renamed);
        assert_eq!(ranges(&files[0]), vec![(3, 4)]);
        assert_eq!((files[0].file.added, files[0].file.deleted), (2, 1));
        assert!(
            files[0].file.lines.touches(10, 13),
            "deletion after line 11"
        );
        assert_eq!(files[0].new_oid.as_deref(), Some("2222222"));
        assert_eq!(files[1].file.status, Status::Binary);
        assert_eq!(files[2].file.status, Status::Deleted);
        assert_eq!(files[2].file.path, "dead.py");
        assert_eq!(
            files[2].file.deleted, 2,
            "`--- b` inside a hunk is a deleted line"
        );
    }

    #[test]
    fn plain_diff_u_with_context() {
        // Context lines start with a space, so no `\` line continuations here.
        let diff = concat!(
            "--- src/a.py\t2024-01-01 00:00:00\n",
            "+++ src/a.py\t2024-01-02 00:00:00\n",
            "@@ -1,4 +1,5 @@\n",
            " import os\n",
            "-x = 1\n",
            "+x = 2\n",
            "+y = 3\n",
            " \n",
            " def f():\n",
        )
        .as_bytes();
        let files = parse(diff);
        assert_eq!(files.len(), 1);
        assert!(!files[0].git_style);
        assert_eq!(files[0].file.path, "src/a.py");
        assert_eq!(files[0].file.status, Status::Modified);
        assert_eq!(ranges(&files[0]), vec![(2, 3)]);
    }

    #[test]
    fn quoted_paths_and_new_files() {
        let diff = "diff --git \"a/caf\\303\\251 x.py\" \"b/caf\\303\\251 x.py\"\n\
new file mode 100644\n\
index 0000000..3333333\n\
--- /dev/null\n\
+++ \"b/caf\\303\\251 x.py\"\n\
@@ -0,0 +1 @@\n\
+print(1)\n";
        let files = parse(diff.as_bytes());
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].file.path, "café x.py");
        assert_eq!(files[0].file.status, Status::Added);
        assert_eq!(ranges(&files[0]), vec![(1, 1)]);
    }

    #[test]
    fn symlinks_and_garbage_do_not_panic() {
        let diff = b"diff --git a/l b/l\nnew file mode 120000\n--- /dev/null\n+++ b/l\n@@ -0,0 +1 @@\n+target\n\\ No newline at end of file\n@@ garbage\n\xff\xfe";
        let files = parse(diff);
        assert_eq!(files[0].file.status, Status::NotAFile);
        for junk in [&b""[..], b"@@ -1 +1 @@\n", b"+++ \n--- \n", b"diff --git\n"] {
            let _ = parse(junk);
        }
    }
}
