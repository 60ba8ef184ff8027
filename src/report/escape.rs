//! Control characters made visible, so that text from a checked repository
//! (file names, source lines, telemetry) cannot move the cursor, recolour
//! a terminal, reorder what is shown, or start a new line that a CI runner
//! reads as a command (`\n::error file=...`). JSON and SARIF are escaped by
//! their serializer; the text formats go through here.

/// Whether `c` is shown escaped: C0 and C1 controls, DEL, and the Unicode
/// bidirectional overrides and isolates ("Trojan Source").
fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Python's spelling of an escaped character: `\n`, `\x1b`, `\u202e`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{:04x}", c as u32)),
    }
}

/// `text` on one line, every control character escaped (paths, rule ids,
/// the fields of a one-line format).
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// A message for a multi-line display: line breaks and tabs stay, every
/// other control character is escaped.
pub fn message(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| is_hidden(c) && !matches!(c, '\n' | '\t'))
    {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if is_hidden(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.into()
}

/// A source text as a snippet shows it: line endings (`\n`, `\r\n`) and
/// tabs stay, every other control character is escaped. Returns the text
/// and a map from byte offsets of `text` to offsets of the result, or
/// `None` when nothing needed escaping.
pub fn source(text: &str) -> Option<(String, OffsetMap)> {
    let needs = |i: usize, c: char| match c {
        '\n' | '\t' => false,
        '\r' => text.as_bytes().get(i + 1) != Some(&b'\n'),
        c => is_hidden(c),
    };
    if !text.char_indices().any(|(i, c)| needs(i, c)) {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut shifts = Vec::new();
    for (i, c) in text.char_indices() {
        if needs(i, c) {
            let before = out.len();
            push_escaped(&mut out, c);
            shifts.push((i + c.len_utf8(), out.len() - before - c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    // Cumulative: an offset at or after `at` moves by the sum so far.
    let mut total = 0;
    let shifts = shifts
        .into_iter()
        .map(|(at, extra)| {
            total += extra;
            (at, total)
        })
        .collect();
    Some((out, OffsetMap { shifts }))
}

/// Where byte offsets of a text land in its escaped copy.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// `(offset just after an escaped character, bytes added up to it)`.
    shifts: Vec<(usize, usize)>,
}

impl OffsetMap {
    pub fn map(&self, offset: usize) -> usize {
        let i = self.shifts.partition_point(|&(at, _)| at <= offset);
        match i.checked_sub(1) {
            Some(i) => offset + self.shifts[i].1,
            None => offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_python_escapes() {
        assert_eq!(one_line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(one_line("\u{1b}[31mred"), "\\x1b[31mred");
        assert_eq!(one_line("x\u{202e}y\u{85}"), "x\\u202ey\\x85");
        assert_eq!(one_line("plain é"), "plain é");
        assert_eq!(message("two\nlines\u{7}"), "two\nlines\\x07");
    }

    #[test]
    fn source_keeps_line_endings_and_maps_offsets() {
        assert!(source("a\r\nb\tc\n").is_none());
        let text = "x = '\u{1b}'\ny\r";
        let (escaped, map) = source(text).unwrap();
        assert_eq!(escaped, "x = '\\x1b'\ny\\r");
        let y = text.find('y').unwrap();
        assert_eq!(&escaped[map.map(y)..map.map(y) + 1], "y");
        assert_eq!(map.map(0), 0);
        assert_eq!(map.map(text.len()), escaped.len());
    }
}
