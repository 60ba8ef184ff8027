//! The little of Markdown a block file needs: which lines are headings,
//! which are inside fenced code blocks or HTML comments, and where the
//! inline code spans of a line are.

use std::ops::Range;

/// One line of the file.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based.
    pub number: u32,
    /// Byte range in the file, without the line ending.
    pub span: Range<usize>,
    pub kind: LineKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// Prose (list items, paragraphs, tables).
    Text,
    Blank,
    /// `#`..`######`: the level and the heading's text range.
    Heading {
        level: u8,
        text: Range<usize>,
    },
    /// The opening line of a fenced block; its index in `Scan::fences`.
    FenceOpen(usize),
    /// A line inside a fenced block (or its closing line).
    InFence(usize),
    /// Inside `<!-- … -->`.
    Comment,
}

/// A fenced code block.
#[derive(Debug, Clone)]
pub struct Fence {
    /// The info string after the opening fence (`python`, `diff`, …).
    pub info: String,
    /// Index in `Scan::lines` of the opening line.
    pub open_line: usize,
    /// The lines between the fences (indices into `Scan::lines`).
    pub body: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Scan {
    pub lines: Vec<Line>,
    pub fences: Vec<Fence>,
}

/// Splits `text` into classified lines.
pub fn scan(text: &str) -> Scan {
    let mut lines = Vec::new();
    let mut fences: Vec<Fence> = Vec::new();
    // (fence character, length, fence index) of the open fence.
    let mut open: Option<(char, usize, usize)> = None;
    let mut in_comment = false;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let content = raw.trim_end_matches(['\n', '\r']);
        let span = offset..offset + content.len();
        offset += raw.len();
        let number = i as u32 + 1;
        let trimmed = content.trim_start();
        let indent = content.len() - trimmed.len();
        let kind = if let Some((ch, len, index)) = open {
            let run = trimmed.chars().take_while(|c| *c == ch).count();
            if indent <= 3 && run >= len && trimmed[run * ch.len_utf8()..].trim().is_empty() {
                open = None;
                fences[index].body.end = lines.len();
            }
            LineKind::InFence(index)
        } else if in_comment {
            if content.contains("-->") {
                in_comment = false;
            }
            LineKind::Comment
        } else if trimmed.is_empty() {
            LineKind::Blank
        } else if let Some((ch, len)) = fence_open(trimmed).filter(|_| indent <= 3) {
            let index = fences.len();
            fences.push(Fence {
                info: trimmed[len * ch.len_utf8()..].trim().to_string(),
                open_line: lines.len(),
                body: lines.len() + 1..usize::MAX,
            });
            open = Some((ch, len, index));
            LineKind::FenceOpen(index)
        } else if trimmed.starts_with("<!--") {
            if !trimmed.contains("-->") {
                in_comment = true;
            }
            LineKind::Comment
        } else if let Some((level, text_range)) = heading(trimmed) {
            let base = span.start + indent;
            LineKind::Heading {
                level,
                text: base + text_range.start..base + text_range.end,
            }
        } else {
            LineKind::Text
        };
        lines.push(Line { number, span, kind });
    }
    for fence in &mut fences {
        if fence.body.end == usize::MAX {
            // An unclosed fence runs to the end of the file.
            fence.body.end = lines.len();
        }
    }
    Scan { lines, fences }
}

fn fence_open(trimmed: &str) -> Option<(char, usize)> {
    let ch = trimmed.chars().next()?;
    if ch != '`' && ch != '~' {
        return None;
    }
    let len = trimmed.chars().take_while(|c| *c == ch).count();
    // A backtick fence's info string may not contain a backtick.
    (len >= 3 && !(ch == '`' && trimmed[len..].contains('`'))).then_some((ch, len))
}

/// `## Title ##` -> (2, range of `Title`).
fn heading(trimmed: &str) -> Option<(u8, Range<usize>)> {
    let level = trimmed.bytes().take_while(|b| *b == b'#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let text = rest.trim_end().trim_end_matches('#').trim();
    let start = level + (rest.len() - rest.trim_start().len());
    Some((level as u8, start..start + text.len()))
}

/// Byte ranges (relative to `line`) of each inline code span's content.
pub fn code_spans(line: &str) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let start = i + run;
        // The closing run has the same length.
        let mut j = start;
        let mut closed = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let close = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if close == run {
                    closed = Some(j);
                    break;
                }
                j += close;
            } else {
                j += 1;
            }
        }
        match closed {
            Some(end) => {
                let content = &line[start..end];
                // One space of padding on both sides is not content.
                let (s, e) =
                    if content.len() > 2 && content.starts_with(' ') && content.ends_with(' ') {
                        (start + 1, end - 1)
                    } else {
                        (start, end)
                    };
                out.push(s..e);
                i = end + run;
            }
            None => i = start,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fences_headings_comments() {
        let text = "# BLOCKED: TASK-7\n\nsee `a.py:3`\n```python\n# not a heading\nx = 1\n```\n<!-- note\n# hidden -->\n## Next\n~~~\nunclosed";
        let s = scan(text);
        let kinds: Vec<&LineKind> = s.lines.iter().map(|l| &l.kind).collect();
        assert!(matches!(kinds[0], LineKind::Heading { level: 1, .. }));
        assert_eq!(kinds[1], &LineKind::Blank);
        assert_eq!(kinds[2], &LineKind::Text);
        assert_eq!(kinds[3], &LineKind::FenceOpen(0));
        assert_eq!(kinds[4], &LineKind::InFence(0));
        assert_eq!(kinds[6], &LineKind::InFence(0));
        assert_eq!(kinds[7], &LineKind::Comment);
        assert_eq!(kinds[8], &LineKind::Comment);
        assert!(matches!(kinds[9], LineKind::Heading { level: 2, .. }));
        assert_eq!(s.fences[0].info, "python");
        assert_eq!(s.fences[0].body, 4..6);
        assert_eq!(s.fences[1].body, 11..12);
        if let LineKind::Heading { text: range, .. } = &s.lines[0].kind {
            assert_eq!(&text[range.clone()], "BLOCKED: TASK-7");
        }
    }

    #[test]
    fn inline_code_spans() {
        let line = "at `src/a.py:3` reads `` x = `y` `` and `unclosed";
        let spans: Vec<&str> = code_spans(line).into_iter().map(|r| &line[r]).collect();
        assert_eq!(spans, vec!["src/a.py:3", "x = `y`"]);
    }
}
