//! Deserialization errors of agentlint.toml and agent_config.yaml in plain
//! words: which key, what it must be, what was found. serde and the parsers
//! speak of Rust types (`u32`, `a sequence`, `Option<String>`); a Python
//! user reads "`rules.line-budget.default` must be a whole number, found the
//! string \"400\"".

use serde_path_to_error::{Path, Segment};

/// The kind of file, for the words of its containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Toml,
    Yaml,
}

impl Syntax {
    fn table(self) -> &'static str {
        match self {
            Syntax::Toml => "a table",
            Syntax::Yaml => "a mapping (`key: value` lines)",
        }
    }
}

/// An error in plain words: the sentence, and a short label for the span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    pub message: String,
    pub label: String,
}

/// The key path of a deserialization error (`rules.line-budget.default`,
/// `constraints.forbidden_patterns[2]`), without the keys the span
/// wrappers read their value under (toml's `$__serde_spanned_private_*`,
/// serde-saphyr's `value`: no key of agent_config.yaml has that name);
/// `None` at the top level.
pub fn key_path(path: &Path, syntax: Syntax) -> Option<String> {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } if key.starts_with("$__") || key.starts_with("__serde_saphyr") => {
            }
            Segment::Map { key } if syntax == Syntax::Yaml && key == "value" => {}
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

/// What a serde `expected` phrase means, in plain words.
pub fn expected_words(expected: &str, syntax: Syntax) -> String {
    let e = expected.trim();
    let e = e
        .strip_prefix("Option<")
        .and_then(|r| r.strip_suffix('>'))
        .unwrap_or(e);
    match e {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number (0 or more)".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "an integer" | "integer" => {
            "a whole number".into()
        }
        "f32" | "f64" | "a float" | "floating point" => "a number".into(),
        "a boolean" | "bool" | "boolean" => "`true` or `false`".into(),
        "a string" | "string" | "String" | "a borrowed string" | "char" | "a character" => {
            "a string".into()
        }
        "a sequence" | "sequence" | "seq" | "sequence start" | "a list" | "an array" => {
            "a list".into()
        }
        "a map" | "map" | "mapping" | "mapping start" | "a table" => syntax.table().into(),
        "string scalar" | "scalar" | "single YAML node" | "value" => "a single value".into(),
        other if other.starts_with("struct ") || other.starts_with("a map") => {
            syntax.table().into()
        }
        other if other.starts_with("one of ") || other.starts_with('`') => other.into(),
        other => other.into(),
    }
}

/// What serde's `Unexpected` phrase (`string "400"`, `integer \`3\``,
/// `sequence`) means, in plain words.
pub fn found_words(unexpected: &str, syntax: Syntax) -> String {
    let u = unexpected.trim();
    let quoted = |rest: &str| rest.trim().trim_matches('`').to_string();
    if let Some(rest) = u.strip_prefix("string ") {
        return format!("the string {}", rest.trim());
    }
    if let Some(rest) = u.strip_prefix("integer ") {
        return format!("the number {}", quoted(rest));
    }
    if let Some(rest) = u.strip_prefix("floating point ") {
        return format!("the number {}", quoted(rest));
    }
    if let Some(rest) = u.strip_prefix("boolean ") {
        return format!("`{}`", quoted(rest));
    }
    if let Some(rest) = u.strip_prefix("char ") {
        return format!("the string {}", rest.trim());
    }
    match u {
        "sequence" => "a list".into(),
        "map" => syntax.table().into(),
        "unit value" | "null" | "Option value" | "unit" => "nothing (null)".into(),
        other => other.into(),
    }
}

/// The message for a serde error text (`invalid type: string "400",
/// expected u32`, `missing field \`budget\``, `unknown field ...`) about
/// the key at `path`; `scalar` is the source text at the error's span.
pub fn plain(raw: &str, path: Option<&str>, scalar: Option<&str>, syntax: Syntax) -> Plain {
    let raw = raw.trim();
    let at = |p: Option<&str>| match p {
        Some(p) => format!("`{p}`"),
        None => "the file".into(),
    };
    let scalar_found = || {
        scalar.map(str::trim).filter(|s| !s.is_empty()).map(|s| {
            let block_item = s == "-" || s.starts_with("- ") || s.starts_with("-\n");
            if s.starts_with('[') || block_item {
                "a list".to_string()
            } else if s.starts_with('{') {
                syntax.table().to_string()
            } else {
                format!("`{}`", shorten(s))
            }
        })
    };
    if let Some(rest) = raw
        .strip_prefix("invalid type: ")
        .or_else(|| raw.strip_prefix("invalid value: "))
    {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let expected = expected_words(expected, syntax);
            let found = found_words(found, syntax);
            return must_be(&at(path), &expected, &found);
        }
    }
    if let Some(rest) = raw.strip_prefix("unknown variant ") {
        let (variant, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let expected = expected.trim_start_matches("one of ");
        return Plain {
            message: format!(
                "{} must be one of {expected}, found {}",
                at(path),
                variant.trim()
            ),
            label: format!("expected one of {expected}"),
        };
    }
    if let Some(rest) = raw.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let field = field.trim().trim_matches('`');
        let known: Vec<&str> = expected
            .trim_start_matches("one of ")
            .split([','])
            .flat_map(|k| k.split(" or "))
            .map(|k| k.trim().trim_matches('`'))
            .filter(|k| !k.is_empty() && !k.contains(' '))
            .collect();
        let container = path
            .and_then(|p| p.rsplit_once('.').map(|(parent, _)| parent.to_string()))
            .map(|p| format!(" in `{p}`"))
            .unwrap_or_default();
        let hint = crate::settings::did_you_mean(field, known.iter().copied())
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        return Plain {
            message: format!("unknown key `{field}`{container}{hint}"),
            label: "not a key agentlint knows".into(),
        };
    }
    if let Some(rest) = raw.strip_prefix("missing field ") {
        let field = rest.trim().trim_matches('`');
        return Plain {
            message: format!("{} needs the key `{field}`", at(path)),
            label: format!("`{field}` is missing here"),
        };
    }
    if let Some(rest) = raw.strip_prefix("duplicate field ") {
        let field = rest.trim().trim_matches('`');
        return Plain {
            message: format!("the key `{field}` is given twice in {}", at(path)),
            label: "given again here".into(),
        };
    }
    if let Some(rest) = raw.strip_prefix("invalid length ") {
        if let Some((_, expected)) = rest.split_once(", expected ") {
            return must_be(
                &at(path),
                &expected_words(expected, syntax),
                &format!("a list of {}", rest.split(',').next().unwrap_or("").trim()),
            );
        }
    }
    // serde-saphyr's own wording for scalars and nodes.
    if raw.starts_with("cannot deserialize null into") {
        let expected = raw
            .split("use Option<")
            .nth(1)
            .and_then(|r| r.split('>').next())
            .map(|t| expected_words(t, syntax))
            .unwrap_or_else(|| "a value".into());
        return must_be(&at(path), &expected, "nothing (null)");
    }
    if let Some(ty) = raw.strip_prefix("invalid ") {
        let expected = match ty {
            "floating point" | "float" => Some("a number".to_string()),
            "boolean" | "bool" => Some("`true` or `false`".to_string()),
            t if expected_words(t, syntax) != t => Some(expected_words(t, syntax)),
            _ => None,
        };
        if let Some(expected) = expected {
            let found = scalar_found().unwrap_or_else(|| "something else".into());
            return must_be(&at(path), &expected, &found);
        }
    }
    if let Some(what) = raw.strip_prefix("expected ") {
        let expected = expected_words(what, syntax);
        let found = scalar_found().unwrap_or_else(|| "something else".into());
        return must_be(&at(path), &expected, &found);
    }
    Plain {
        message: match path {
            Some(p) => format!("`{p}`: {raw}"),
            None => raw.to_string(),
        },
        label: raw.to_string(),
    }
}

fn must_be(at: &str, expected: &str, found: &str) -> Plain {
    Plain {
        message: format!("{at} must be {expected}, found {found}"),
        label: format!("expected {expected}"),
    }
}

/// At most a line and 60 characters of a value, for messages.
fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut out: String = line.chars().take(60).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_phrases_become_plain_words() {
        let p = plain(
            "invalid type: string \"400\", expected u32",
            Some("rules.line-budget.default"),
            None,
            Syntax::Toml,
        );
        assert_eq!(
            p.message,
            "`rules.line-budget.default` must be a whole number (0 or more), found the string \"400\""
        );
        let p = plain(
            "invalid type: integer `3`, expected a string",
            Some("severity.broad-except"),
            None,
            Syntax::Toml,
        );
        assert_eq!(
            p.message,
            "`severity.broad-except` must be a string, found the number 3"
        );
        let p = plain(
            "invalid type: string \"bare-except\", expected a sequence",
            Some("select"),
            None,
            Syntax::Toml,
        );
        assert_eq!(
            p.message,
            "`select` must be a list, found the string \"bare-except\""
        );
    }

    #[test]
    fn saphyr_phrases_become_plain_words() {
        let p = plain(
            "cannot deserialize null into string; use Option<String>",
            Some("constraints.forbidden_patterns[0]"),
            Some("~"),
            Syntax::Yaml,
        );
        assert_eq!(
            p.message,
            "`constraints.forbidden_patterns[0]` must be a string, found nothing (null)"
        );
        let p = plain(
            "expected sequence start",
            Some("environment.shell_restrictions"),
            Some("no_sudo"),
            Syntax::Yaml,
        );
        assert_eq!(
            p.message,
            "`environment.shell_restrictions` must be a list, found `no_sudo`"
        );
        let p = plain(
            "invalid floating point",
            Some("session.checkpoint_interval_hours"),
            Some("six"),
            Syntax::Yaml,
        );
        assert_eq!(
            p.message,
            "`session.checkpoint_interval_hours` must be a number, found `six`"
        );
        let p = plain(
            "invalid u64",
            Some("telemetry.retention_days"),
            Some("-3"),
            Syntax::Yaml,
        );
        assert_eq!(
            p.message,
            "`telemetry.retention_days` must be a whole number (0 or more), found `-3`"
        );
    }

    #[test]
    fn unknown_and_missing_keys() {
        let p = plain(
            "unknown field `selekt`, expected one of `select`, `ignore`, `severity`",
            Some("selekt"),
            None,
            Syntax::Toml,
        );
        assert_eq!(p.message, "unknown key `selekt`; did you mean `select`?");
        let p = plain(
            "unknown field `per-file`, expected `default` or `overrides`",
            Some("rules.line-budget.per-file"),
            None,
            Syntax::Toml,
        );
        assert_eq!(p.message, "unknown key `per-file` in `rules.line-budget`");
        let p = plain(
            "missing field `budget`",
            Some("rules.line-budget.overrides[0]"),
            None,
            Syntax::Toml,
        );
        assert_eq!(
            p.message,
            "`rules.line-budget.overrides[0]` needs the key `budget`"
        );
    }
}
