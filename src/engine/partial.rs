//! Parse only what can matter in diff mode. A cheap lexical pass (strings,
//! comments, brackets and line continuations; no parsing) finds where
//! top-level statements start. The parser is then given, as included
//! ranges, only the top-level statements that hold a changed line plus
//! those that import something (rules resolve names through imports).
//! Positions stay those of the whole file. When the partial parse shows a
//! syntax error, the engine parses the whole file instead, so a wrong cut
//! can cost time but never a finding.

use crate::change::ChangedLines;
use tree_sitter::{Point, Range};

/// Below this size a file is parsed whole: the cut would not pay.
const MIN_BYTES: usize = 8 * 1024;

/// A run of top-level statements: `[start, end)` in bytes and lines (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chunk {
    start: usize,
    start_row: usize,
    has_import: bool,
}

/// Keywords that continue the compound statement above them.
const CONTINUATIONS: &[&[u8]] = &[b"else", b"elif", b"except", b"finally"];

fn starts_with_word(line: &[u8], word: &[u8]) -> bool {
    line.starts_with(word)
        && line
            .get(word.len())
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
}

/// Index just past the string literal whose opening quote is at `i`.
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let q = bytes[i];
    let n = bytes.len();
    let triple = bytes[i..].starts_with(&[q, q, q]);
    let mut j = i + if triple { 3 } else { 1 };
    loop {
        let Some(rest) = bytes.get(j..) else {
            return n;
        };
        // Docstrings are a large part of a Python file: jump, don't step.
        let found = if triple {
            memchr::memchr2(q, b'\\', rest)
        } else {
            memchr::memchr3(q, b'\\', b'\n', rest)
        };
        let Some(k) = found else {
            return n;
        };
        let p = j + k;
        match bytes[p] {
            b'\\' => j = p + 2,
            b'\n' => return p, // unterminated: the line ends it
            _ if !triple => return p + 1,
            _ if bytes[p..].starts_with(&[q, q, q]) => return p + 3,
            _ => j = p + 1,
        }
    }
}

const PLAIN: u8 = 0;
const OPEN: u8 = 1;
const CLOSE: u8 = 2;
const STOP: u8 = 3;

/// How the lexical pass treats each byte.
const CLASS: [u8; 256] = {
    let mut table = [PLAIN; 256];
    table[b'(' as usize] = OPEN;
    table[b'[' as usize] = OPEN;
    table[b'{' as usize] = OPEN;
    table[b')' as usize] = CLOSE;
    table[b']' as usize] = CLOSE;
    table[b'}' as usize] = CLOSE;
    let stops = b"\n#\\'\"";
    let mut k = 0;
    while k < stops.len() {
        table[stops[k] as usize] = STOP;
        k += 1;
    }
    table
};

/// The top-level statement runs of a Python source.
fn chunks(bytes: &[u8]) -> Vec<Chunk> {
    let n = bytes.len();
    let mut out: Vec<Chunk> = vec![Chunk {
        start: 0,
        start_row: 0,
        has_import: false,
    }];
    let mut depth: i32 = 0;
    let mut continued = false;
    let mut row = 0usize;
    let mut at_line_start = true;
    let mut prev_was_decorator = false;
    let mut i = 0;
    while i < n {
        if at_line_start {
            at_line_start = false;
            if depth == 0 && !continued {
                let line = &bytes[i..];
                let first = line[0];
                if !matches!(first, b' ' | b'\t' | b'\n' | b'\r' | b'#' | 0x0c) {
                    let continues = CONTINUATIONS.iter().any(|w| starts_with_word(line, w));
                    if !continues && !prev_was_decorator && i > 0 {
                        out.push(Chunk {
                            start: i,
                            start_row: row,
                            has_import: false,
                        });
                    }
                    prev_was_decorator = first == b'@';
                }
            }
            if !continued {
                let indent = bytes[i..]
                    .iter()
                    .take_while(|b| matches!(b, b' ' | b'\t'))
                    .count();
                let rest = &bytes[i + indent..];
                // Module-level rebindings of builtin names (`BaseException =
                // ValueError`) change what a rule resolves, as imports do.
                if starts_with_word(rest, b"import")
                    || starts_with_word(rest, b"from")
                    || crate::rules::python::helpers::may_rebind_builtin(rest)
                {
                    if let Some(last) = out.last_mut() {
                        // Module-level imports, also inside a top-level
                        // `try`/`if`/`with` block; not the local imports of
                        // a `def` or `class`, which bind in that scope only.
                        let head = &bytes[last.start..];
                        let module_level = indent == 0
                            || [&b"try"[..], b"if", b"with", b"for", b"while"]
                                .iter()
                                .any(|w| starts_with_word(head, w));
                        last.has_import |= module_level;
                    }
                }
            }
            continued = false;
        }
        match bytes[i] {
            b'\n' => {
                at_line_start = true;
                row += 1;
                i += 1;
            }
            b'#' => {
                i += memchr::memchr(b'\n', &bytes[i..]).unwrap_or(n - i);
            }
            b'\\' => {
                let next = bytes.get(i + 1).copied();
                if next == Some(b'\n') || (next == Some(b'\r') && bytes.get(i + 2) == Some(&b'\n'))
                {
                    // The newline itself is left to count the row.
                    continued = true;
                    i += 1;
                } else {
                    i += 2;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = (depth - 1).max(0);
                i += 1;
            }
            b'\'' | b'"' => {
                let end = skip_string(bytes, i).min(n);
                row += memchr::memchr_iter(b'\n', &bytes[i..end]).count();
                i = end;
            }
            _ => {
                i += 1;
                // Plain bytes and brackets stay in this loop; the rest
                // (newlines, quotes, comments, backslashes) go back up.
                while i < n {
                    match CLASS[bytes[i] as usize] {
                        PLAIN => {}
                        OPEN => depth += 1,
                        CLOSE => depth = (depth - 1).max(0),
                        _ => break,
                    }
                    i += 1;
                }
            }
        }
    }
    out
}

/// Byte offsets of the `#` of every comment in a Python source: a `#`
/// outside string literals (the same lexical pass as `chunks`).
pub fn comment_starts(bytes: &[u8]) -> Vec<usize> {
    let n = bytes.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        match bytes[i] {
            b'#' => {
                out.push(i);
                i += memchr::memchr(b'\n', &bytes[i..]).unwrap_or(n - i);
            }
            b'\'' | b'"' => i = skip_string(bytes, i).min(n).max(i + 1),
            b'\\' => i += 2,
            _ => {
                i += 1;
                // Brackets do not matter here: only strings hide a `#`.
                while i < n {
                    match CLASS[bytes[i] as usize] {
                        PLAIN | OPEN | CLOSE => {}
                        _ => break,
                    }
                    i += 1;
                }
            }
        }
    }
    out
}

fn point(bytes: &[u8], offset: usize, row: usize) -> Point {
    let line_start = memchr::memrchr(b'\n', &bytes[..offset]).map_or(0, |p| p + 1);
    Point {
        row,
        column: offset - line_start,
    }
}

/// Byte ranges to parse for a change, or `None` to parse the whole file.
pub fn included_ranges(bytes: &[u8], changed: &ChangedLines) -> Option<Vec<Range>> {
    let ChangedLines::Lines { ranges, deletions } = changed else {
        return None;
    };
    if bytes.len() < MIN_BYTES {
        return None;
    }
    let chunks = chunks(bytes);
    // 0-based rows whose chunk is needed.
    let mut wanted = vec![false; chunks.len()];
    let chunk_of = |row: usize| {
        chunks
            .partition_point(|c| c.start_row <= row)
            .saturating_sub(1)
    };
    // The blank rows that end a chunk belong to no statement (a node ends
    // at its last token), so a change there, such as the blank lines before
    // an appended function, need not pull in the class above it.
    let mut blank_tail: Vec<Option<usize>> = vec![None; chunks.len()];
    let mut tail_start = |c: usize| -> usize {
        *blank_tail[c].get_or_insert_with(|| {
            let start = chunks[c].start;
            let end = chunks.get(c + 1).map_or(bytes.len(), |n| n.start);
            match bytes[start..end]
                .iter()
                .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c))
            {
                // The row after the one holding the last non-blank byte.
                Some(p) => {
                    chunks[c].start_row
                        + memchr::memchr_iter(b'\n', &bytes[start..start + p]).count()
                        + 1
                }
                None => chunks[c].start_row,
            }
        })
    };
    for &(first, last) in ranges {
        let (mut first_row, last_row) = (
            first.saturating_sub(1) as usize,
            last.saturating_sub(1) as usize,
        );
        // Skip leading rows that lie in a chunk's blank tail.
        while first_row <= last_row {
            let c = chunk_of(first_row);
            if first_row < tail_start(c) {
                break;
            }
            first_row = chunks.get(c + 1).map_or(usize::MAX, |n| n.start_row);
        }
        if first_row > last_row {
            continue;
        }
        let (a, b) = (chunk_of(first_row), chunk_of(last_row));
        wanted[a..=b].iter_mut().for_each(|w| *w = true);
    }
    for &d in deletions {
        // Lines were deleted between line d and d + 1 (1-based).
        for row in [d.saturating_sub(1) as usize, d as usize] {
            let c = chunk_of(row);
            if row < tail_start(c) {
                wanted[c] = true;
            }
        }
    }
    for (i, c) in chunks.iter().enumerate() {
        wanted[i] |= c.has_import;
    }
    let mut out: Vec<Range> = Vec::new();
    let mut total = 0;
    for (i, c) in chunks.iter().enumerate() {
        if !wanted[i] {
            continue;
        }
        let (end, end_row) = chunks.get(i + 1).map_or((bytes.len(), None), |next| {
            (next.start, Some(next.start_row))
        });
        match out.last_mut() {
            Some(prev) if prev.end_byte == c.start => {
                prev.end_byte = end;
                prev.end_point = end_row.map_or_else(
                    || point(bytes, end, usize::MAX),
                    |r| Point { row: r, column: 0 },
                );
            }
            _ => out.push(Range {
                start_byte: c.start,
                end_byte: end,
                start_point: Point {
                    row: c.start_row,
                    column: 0,
                },
                end_point: end_row.map_or_else(
                    || point(bytes, end, usize::MAX),
                    |r| Point { row: r, column: 0 },
                ),
            }),
        }
        total += end - c.start;
    }
    // Fix the row of a range ending at the end of the file.
    if let Some(last) = out.last_mut() {
        if last.end_byte == bytes.len() {
            let rows = memchr::memchr_iter(b'\n', bytes).count();
            last.end_point = point(bytes, bytes.len(), rows);
        }
    }
    (total * 2 < bytes.len()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(src: &str) -> Vec<usize> {
        chunks(src.as_bytes()).iter().map(|c| c.start_row).collect()
    }

    #[test]
    fn top_level_statements_are_found_outside_strings_and_brackets() {
        let src = concat!(
            "import os\n",
            "x = (\n",
            "1,\n",
            ")\n",
            "s = '''\n",
            "not_a_statement = 1\n",
            "'''\n",
            "@deco\n",
            "def f():\n",
            "    pass\n",
            "try:\n",
            "    pass\n",
            "except E:\n",
            "    pass\n",
            "y = 1 + \\\n",
            "2\n",
            "# comment\n",
            "z = \"unterminated\n",
            "w = 2\n",
        );
        assert_eq!(starts(src), vec![0, 1, 4, 7, 10, 14, 17, 18]);
        assert!(chunks(src.as_bytes())[0].has_import);
    }

    #[test]
    fn module_level_rebindings_of_builtins_are_parsed_like_imports() {
        let src = "BaseException = ValueError\nx = 1\nclass Exception(Warning):\n    pass\ny = 2\n";
        let flags: Vec<bool> = chunks(src.as_bytes())
            .iter()
            .map(|c| c.has_import)
            .collect();
        assert_eq!(flags, [true, false, true, false]);
    }

    #[test]
    fn a_small_change_in_a_large_file_parses_a_small_part() {
        let mut src = String::from("import logging\n");
        for i in 0..400 {
            src.push_str(&format!(
                "def f{i}(x):\n    \"\"\"doc\"\"\"\n    return x + {i}\n\n"
            ));
        }
        let changed = ChangedLines::Lines {
            ranges: vec![(200, 201)],
            deletions: vec![],
        };
        let ranges = included_ranges(src.as_bytes(), &changed).expect("partial parse");
        assert_eq!(ranges.len(), 2, "{ranges:?}");
        assert_eq!(ranges[0].start_byte, 0, "the import");
        // Lines 200-201 sit in the function that starts on line 198.
        assert_eq!(ranges[1].start_point.row, 197);
        assert!(ranges[1].end_point.row <= 202);
        // Everything changed: parse it all.
        assert!(included_ranges(src.as_bytes(), &ChangedLines::All).is_none());
    }

    #[test]
    fn comments_are_found_outside_strings_only() {
        let src = "x = '# no'  # yes\ns = \"\"\"\n# inside\n\"\"\"\n# top\ny = \"a\\\"#\" # last";
        let found: Vec<&str> = comment_starts(src.as_bytes())
            .into_iter()
            .map(|i| src[i..].lines().next().unwrap_or(""))
            .collect();
        assert_eq!(found, vec!["# yes", "# top", "# last"]);
    }

    /// Rows (0-based) of the starts of the ranges a change would parse;
    /// `None`: the whole file (here: the class, most of the file, is needed).
    fn parsed_rows(src: &str, ranges: Vec<(u32, u32)>, deletions: Vec<u32>) -> Option<Vec<usize>> {
        let changed = ChangedLines::Lines { ranges, deletions };
        included_ranges(src.as_bytes(), &changed)
            .map(|parts| parts.iter().map(|r| r.start_point.row).collect())
    }

    #[test]
    fn blank_lines_ending_a_statement_do_not_pull_it_in() {
        // Line 1: import; lines 2-1202: a class (a method per 4 lines, with a
        // blank line inside each); 1203-1204 blank; 1205-1206 a new function.
        let mut src = String::from("import os\nclass C:\n");
        for i in 0..300 {
            src.push_str(&format!(
                "    def m{i}(self):\n        x = {i}\n\n        return x\n"
            ));
        }
        src.push_str("\n\ndef added():\n    pass\n");
        // The diff of an appended function starts on the blank lines.
        assert_eq!(
            parsed_rows(&src, vec![(1203, 1206)], vec![]),
            Some(vec![0, 1204])
        );
        // Only blank lines added, or deleted after the class: only imports.
        assert_eq!(parsed_rows(&src, vec![(1203, 1204)], vec![]), Some(vec![0]));
        assert_eq!(parsed_rows(&src, vec![], vec![1203]), Some(vec![0]));
        // The class's last line, a blank line between two statements of a
        // method, and a deletion at the class's end are the class's.
        assert_eq!(parsed_rows(&src, vec![(1202, 1203)], vec![]), None);
        assert_eq!(parsed_rows(&src, vec![(5, 5)], vec![]), None);
        assert_eq!(parsed_rows(&src, vec![], vec![1202]), None);
    }
}
