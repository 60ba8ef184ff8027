//! Which key of a document each byte belongs to, for files that hold both
//! dependencies and tool configuration (`pyproject.toml`, `package.json`):
//! a change is judged by the table or key its lines are in.
//!
//! TOML is read with toml's own push parser (`toml_parser`), so multi-line
//! strings and arrays, dotted keys and inline tables are what TOML says
//! they are; JSON by a scan of the top-level object's keys (strings and
//! nesting respected), which is all the judgement needs.

use std::ops::Range;
use toml_parser::parser::EventReceiver;
use toml_parser::{ErrorSink, Span};

/// A key (or table header) of a document and the bytes it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Key path from the document root (`["tool", "ruff", "lint", "ignore"]`).
    pub path: Vec<String>,
    /// The key (or header) itself, for pointing at it.
    pub key: Range<usize>,
    /// The key and its value (a header: the header line).
    pub span: Range<usize>,
}

/// The entries of a document, in source order.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub entries: Vec<Entry>,
    /// Table headers, in source order (TOML; a subset of `entries`).
    headers: Vec<usize>,
}

impl Layout {
    /// The entries that hold bytes of `range` (keys with their values, and
    /// headers), in source order; first, for a range that starts on a line
    /// of only whitespace or a comment, the table it sits in (its header;
    /// nothing before the first header).
    pub fn owners(&self, range: Range<usize>) -> Vec<&Entry> {
        let end = range.end.max(range.start + 1);
        let mut out = Vec::new();
        let idx = self
            .entries
            .partition_point(|e| e.span.start <= range.start);
        let containing = idx
            .checked_sub(1)
            .map(|i| &self.entries[i])
            .filter(|e| e.span.end > range.start);
        match containing {
            Some(e) => out.push(e),
            None => {
                let h = self
                    .headers
                    .partition_point(|&i| self.entries[i].span.start <= range.start);
                if let Some(&i) = h.checked_sub(1).and_then(|h| self.headers.get(h)) {
                    out.push(&self.entries[i]);
                }
            }
        }
        out.extend(
            self.entries[idx..]
                .iter()
                .take_while(|e| e.span.start < end),
        );
        out
    }
}

/// Strips TOML key quoting (`"a.b"`, `'x'`); escapes are kept as written.
fn key_text(raw: &str) -> String {
    let raw = raw.trim();
    for q in ['"', '\''] {
        if let Some(inner) = raw.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    raw.to_string()
}

/// The TOML event receiver that records entries.
struct TomlEntries<'t> {
    text: &'t str,
    layout: Layout,
    /// The current table's path.
    table: Vec<String>,
    in_header: bool,
    header: Vec<String>,
    header_start: usize,
    /// Nesting of arrays and inline tables inside a value.
    depth: usize,
    /// The dotted key being read at depth 0, and where it starts and ends.
    key: Vec<String>,
    key_span: Option<Range<usize>>,
    /// Set between `=` and the end of its value.
    value_of: Option<(Vec<String>, Range<usize>)>,
}

impl TomlEntries<'_> {
    fn close_value(&mut self, end: usize) {
        if let Some((path, key)) = self.value_of.take() {
            self.layout.entries.push(Entry {
                path,
                span: key.start..end,
                key,
            });
        }
    }
}

impl EventReceiver for TomlEntries<'_> {
    fn std_table_open(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.in_header = true;
        self.header.clear();
        self.header_start = span.start();
    }
    fn array_table_open(&mut self, span: Span, e: &mut dyn ErrorSink) {
        self.std_table_open(span, e);
    }
    fn std_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.in_header = false;
        self.table = std::mem::take(&mut self.header);
        self.layout.headers.push(self.layout.entries.len());
        self.layout.entries.push(Entry {
            path: self.table.clone(),
            key: self.header_start..span.end(),
            span: self.header_start..span.end(),
        });
    }
    fn array_table_close(&mut self, span: Span, e: &mut dyn ErrorSink) {
        self.std_table_close(span, e);
    }
    fn inline_table_open(&mut self, _: Span, _: &mut dyn ErrorSink) -> bool {
        self.depth += 1;
        true
    }
    fn inline_table_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.close_value(span.end());
        }
    }
    fn array_open(&mut self, _: Span, _: &mut dyn ErrorSink) -> bool {
        self.depth += 1;
        true
    }
    fn array_close(&mut self, span: Span, _: &mut dyn ErrorSink) {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.close_value(span.end());
        }
    }
    fn simple_key(
        &mut self,
        span: Span,
        _: Option<toml_parser::decoder::Encoding>,
        _: &mut dyn ErrorSink,
    ) {
        let text = key_text(&self.text[span.start()..span.end()]);
        if self.in_header {
            self.header.push(text);
        } else if self.depth == 0 && self.value_of.is_none() {
            let start = self.key_span.as_ref().map_or(span.start(), |k| k.start);
            self.key_span = Some(start..span.end());
            self.key.push(text);
        }
    }
    fn key_val_sep(&mut self, _: Span, _: &mut dyn ErrorSink) {
        if self.depth == 0 && self.value_of.is_none() {
            let mut path = self.table.clone();
            path.append(&mut self.key);
            let key = self.key_span.take().unwrap_or(0..0);
            self.value_of = Some((path, key));
        }
    }
    fn scalar(
        &mut self,
        span: Span,
        _: Option<toml_parser::decoder::Encoding>,
        _: &mut dyn ErrorSink,
    ) {
        if self.depth == 0 {
            self.close_value(span.end());
        }
    }
}

/// The layout of a TOML document; `None` when it is not valid TOML.
pub fn toml(text: &str) -> Option<Layout> {
    let source = toml_parser::Source::new(text);
    let tokens: Vec<toml_parser::lexer::Token> = source.lex().collect();
    let mut receiver = TomlEntries {
        text,
        layout: Layout::default(),
        table: Vec::new(),
        in_header: false,
        header: Vec::new(),
        header_start: 0,
        depth: 0,
        key: Vec::new(),
        key_span: None,
        value_of: None,
    };
    let mut errors: Vec<toml_parser::ParseError> = Vec::new();
    toml_parser::parser::parse_document(&tokens, &mut receiver, &mut errors);
    errors.is_empty().then_some(receiver.layout)
}

/// The layout of a JSON document's top-level object (one entry per key);
/// `None` when the text is not a JSON object.
pub fn json(text: &str) -> Option<Layout> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).ok()?;
    let bytes = text.as_bytes();
    let mut i = skip_space(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let mut layout = Layout::default();
    loop {
        i = skip_space(bytes, i);
        match bytes.get(i)? {
            b'}' => return Some(layout),
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_start = i;
        let key_end = skip_string(bytes, i)?;
        let key: String = serde_json::from_str(&text[key_start..key_end]).ok()?;
        i = skip_space(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value_end = skip_value(bytes, i + 1)?;
        layout.entries.push(Entry {
            path: vec![key],
            key: key_start..key_end,
            span: key_start..value_end,
        });
        i = value_end;
    }
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// Index just past the JSON string starting at `i`.
fn skip_string(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        match *bytes.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// Index just past the value starting after `i` (at the `,` or `}` that
/// ends it, not included).
fn skip_value(bytes: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = skip_space(bytes, i);
    let mut last = j;
    loop {
        let b = *bytes.get(j)?;
        match b {
            b'"' => {
                j = skip_string(bytes, j)?;
                last = j;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            b',' | b'}' if depth == 0 => return Some(last),
            _ => {}
        }
        j += 1;
        if !b.is_ascii_whitespace() {
            last = j;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYPROJECT: &str = r#"[build-system]
requires = ["hatchling"]

[project]
name = "pkg"
dependencies = [
    "httpx>=0.27",
    # a comment inside the array
    "rich",
]
description = """
[tool.not-a-header]
"""

[tool.ruff.lint]
select = ["E", "F"]
ignore = [
    "E722",
]

# closing comment of the ruff table
[[tool.mypy.overrides]]
module = "pkg.*"
tool.inline = { a = [1, 2] }
"#;

    fn path_at(layout: &Layout, text: &str, needle: &str) -> String {
        let at = text.find(needle).unwrap();
        layout
            .owners(at..at + needle.len())
            .first()
            .map(|e| e.path.join("."))
            .unwrap_or_default()
    }

    #[test]
    fn toml_lines_belong_to_their_key_or_table() {
        let layout = toml(PYPROJECT).unwrap();
        assert_eq!(
            path_at(&layout, PYPROJECT, "\"rich\""),
            "project.dependencies"
        );
        assert_eq!(
            path_at(&layout, PYPROJECT, "# a comment inside"),
            "project.dependencies"
        );
        assert_eq!(
            path_at(&layout, PYPROJECT, "[tool.not-a-header]"),
            "project.description"
        );
        assert_eq!(
            path_at(&layout, PYPROJECT, "\"E722\""),
            "tool.ruff.lint.ignore"
        );
        assert_eq!(
            path_at(&layout, PYPROJECT, "# closing comment"),
            "tool.ruff.lint"
        );
        assert_eq!(
            path_at(&layout, PYPROJECT, "module"),
            "tool.mypy.overrides.module"
        );
        assert_eq!(
            path_at(&layout, PYPROJECT, "inline = {"),
            "tool.mypy.overrides.tool.inline"
        );
        let name = PYPROJECT.find("name").unwrap();
        let entry = layout.owners(name..name + 4)[0];
        assert_eq!(&PYPROJECT[entry.key.clone()], "name");
        assert!(toml("a = [").is_none());
    }

    #[test]
    fn top_level_dotted_keys_are_full_paths() {
        let text = "tool.ruff.line-length = 120\n\"project\".name = \"x\"\n";
        let layout = toml(text).unwrap();
        assert_eq!(path_at(&layout, text, "120"), "tool.ruff.line-length");
        assert_eq!(path_at(&layout, text, "\"x\""), "project.name");
    }

    #[test]
    fn json_top_level_keys() {
        let text = "{\n  \"name\": \"app\",\n  \"dependencies\": {\"a\": \"1\"},\n  \"eslintConfig\": {\n    \"rules\": {\"no-unused-vars\": \"off\"}\n  },\n  \"x\\\"y\": [1, \"},\"]\n}\n";
        let layout = json(text).unwrap();
        let keys: Vec<String> = layout.entries.iter().map(|e| e.path.join(".")).collect();
        assert_eq!(keys, ["name", "dependencies", "eslintConfig", "x\"y"]);
        assert_eq!(path_at(&layout, text, "no-unused-vars"), "eslintConfig");
        assert_eq!(&text[layout.entries[2].key.clone()], "\"eslintConfig\"");
        assert!(json("[1]").is_none());
        assert!(json("{\"a\": }").is_none());
    }
}
