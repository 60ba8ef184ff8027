//! Walking a TOML document parsed with spans (`toml::de::DeTable`), for
//! the TOML dependency files.

use super::Lines;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A parsed TOML file and its line index.
pub struct Doc<'i> {
    pub root: Spanned<DeTable<'i>>,
    lines: Lines,
}

impl<'i> Doc<'i> {
    pub fn parse(text: &'i str) -> Result<Doc<'i>, String> {
        let root = DeTable::parse(text).map_err(|e| {
            let message = e.message().to_string();
            match e.span() {
                Some(span) => format!(
                    "not valid TOML at line {}: {message}",
                    Lines::new(text).line_of(span.start)
                ),
                None => format!("not valid TOML: {message}"),
            }
        })?;
        Ok(Doc {
            root,
            lines: Lines::new(text),
        })
    }

    pub fn line(&self, value: &Spanned<DeValue<'_>>) -> u32 {
        self.lines.line_of(value.span().start)
    }
}

/// The entry `key` of a table.
pub fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

/// The table at `key`, if it is one.
pub fn table<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a DeTable<'i>> {
    match get(table, key).map(|v| v.get_ref()) {
        Some(DeValue::Table(t)) => Some(t),
        _ => None,
    }
}

/// The table at a dotted path (`tool.poetry`).
pub fn path<'a, 'i>(root: &'a DeTable<'i>, dotted: &[&str]) -> Option<&'a DeTable<'i>> {
    let mut current = root;
    for key in dotted {
        current = table(current, key)?;
    }
    Some(current)
}

/// The string at `key`.
pub fn string<'a>(table: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
    match get(table, key).map(|v| v.get_ref()) {
        Some(DeValue::String(s)) => Some(s.as_ref()),
        _ => None,
    }
}

/// The strings of an array value, each with its value (for its line).
pub fn strings<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
) -> Vec<(&'a str, &'a Spanned<DeValue<'i>>)> {
    match value.get_ref() {
        DeValue::Array(items) => items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(s) => Some((s.as_ref(), item)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The tables of an array of tables (`[[package]]`).
pub fn tables<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
) -> Vec<(&'a DeTable<'i>, &'a Spanned<DeValue<'i>>)> {
    match value.get_ref() {
        DeValue::Array(items) => items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::Table(t) => Some((t, item)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
