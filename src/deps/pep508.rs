//! The name and version specifier of a PEP 508 requirement string
//! (`requests[socks]>=2.31,<3; python_version >= "3.8"`). Markers and
//! URLs are kept out of the specifier; only "which package, which versions"
//! is read, which is all a block's claim can be checked against.

use super::Requirement;

/// A requirement string's parts, borrowed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub name: &'a str,
    /// The version specifier as written (`>=2.31,<3`), `""` for any.
    pub specifier: &'a str,
    /// `name @ https://…` or a path: the source, when there is one.
    pub source: Option<&'a str>,
}

impl Parsed<'_> {
    pub fn requirement(&self) -> Requirement {
        match self.source {
            Some(source) => Requirement::Source(source.to_string()),
            None => python_requirement(self.specifier),
        }
    }
}

/// Reads `name[extras] specifier ; markers` or `name @ url ; markers`.
pub fn parse(text: &str) -> Option<Parsed<'_>> {
    let text = text.trim();
    let name_end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let name = &text[..name_end];
    if name.is_empty() || !name.as_bytes()[0].is_ascii_alphanumeric() {
        return None;
    }
    let mut rest = text[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']')?;
        rest = after[close + 1..].trim_start();
    }
    let rest = rest.split(';').next().unwrap_or("").trim();
    if let Some(url) = rest.strip_prefix('@') {
        return Some(Parsed {
            name,
            specifier: "",
            source: Some(url.trim()),
        });
    }
    // `name (>=1.0)`: the parenthesized form of older metadata.
    let specifier = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest)
        .trim();
    if !specifier.is_empty() && !specifier.starts_with(['<', '>', '=', '!', '~']) {
        return None;
    }
    Some(Parsed {
        name,
        specifier,
        source: None,
    })
}

/// A PEP 440 specifier as a requirement; an unreadable one is kept as text.
pub fn python_requirement(specifier: &str) -> Requirement {
    let specifier = specifier.trim();
    if specifier.is_empty() || specifier == "*" {
        return Requirement::Any;
    }
    match super::parse_specifiers(specifier) {
        Some(spec) => Requirement::Python(vec![spec]),
        None => Requirement::Text(specifier.to_string()),
    }
}

/// A Poetry constraint (`^1.2`, `~1.2.3`, `1.2.*`, `>=1,<2 || ^3`, `1.2`)
/// as PEP 440 alternatives, per Poetry's documented meaning of each form.
pub fn poetry_requirement(text: &str) -> Requirement {
    let text = text.trim();
    if text.is_empty() || text == "*" {
        return Requirement::Any;
    }
    let mut alternatives = Vec::new();
    for alternative in text.split("||").flat_map(|a| a.split('|')) {
        let mut clauses: Vec<String> = Vec::new();
        for clause in alternative
            .split(',')
            .flat_map(|c| split_spaced_clauses(c.trim()))
        {
            match poetry_clause(&clause) {
                Some(mut pep) => clauses.append(&mut pep),
                None => return Requirement::Text(text.to_string()),
            }
        }
        if clauses.is_empty() {
            return Requirement::Any;
        }
        match super::parse_specifiers(&clauses.join(",")) {
            Some(spec) => alternatives.push(spec),
            None => return Requirement::Text(text.to_string()),
        }
    }
    Requirement::Python(alternatives)
}

/// `>=1 <2` -> [`>=1`, `<2`]: Poetry also separates clauses by spaces.
fn split_spaced_clauses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let is_operator_only = matches!(
            word,
            ">=" | "<=" | ">" | "<" | "==" | "!=" | "~=" | "^" | "~"
        );
        match out.last_mut() {
            Some(last) if is_operator_only || last.ends_with(['=', '>', '<', '^', '~']) => {
                if is_operator_only {
                    out.push(word.to_string());
                } else {
                    last.push_str(word);
                }
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

fn poetry_clause(clause: &str) -> Option<Vec<String>> {
    let clause = clause.trim();
    if clause.is_empty() || clause == "*" {
        return Some(Vec::new());
    }
    if let Some(version) = clause.strip_prefix('^') {
        let parts = release(version)?;
        // ^1.2.3 -> <2.0.0; ^0.2.3 -> <0.3.0; ^0.0.3 -> <0.0.4.
        let index = parts
            .iter()
            .position(|p| *p != 0)
            .unwrap_or(parts.len().saturating_sub(1));
        let mut upper: Vec<u64> = parts[..=index.min(parts.len() - 1)].to_vec();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        return Some(vec![format!(">={version}"), format!("<{}", join(&upper))]);
    }
    if let Some(version) = clause.strip_prefix("~=") {
        return Some(vec![format!("~={version}")]);
    }
    if let Some(version) = clause.strip_prefix('~') {
        let parts = release(version)?;
        // ~1.2.3 -> <1.3.0; ~1.2 -> <1.3; ~1 -> <2.
        let keep = if parts.len() >= 2 { 2 } else { 1 };
        let mut upper: Vec<u64> = parts[..keep].to_vec();
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        return Some(vec![format!(">={version}"), format!("<{}", join(&upper))]);
    }
    if clause.starts_with(['<', '>', '=', '!']) {
        return Some(vec![clause.replace(' ', "")]);
    }
    // A bare version is that version; `1.2.*` a wildcard.
    Some(vec![format!("=={clause}")])
}

fn release(version: &str) -> Option<Vec<u64>> {
    let numeric: String = version
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Option<Vec<u64>> = numeric
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect();
    parts.filter(|p| !p.is_empty())
}

fn join(parts: &[u64]) -> String {
    parts
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_strings() {
        let p = parse("requests[socks, use_chardet_on_py3] >=2.31, <3 ; python_version >= '3.8'")
            .unwrap();
        assert_eq!((p.name, p.specifier), ("requests", ">=2.31, <3"));
        let p = parse("urllib3").unwrap();
        assert_eq!((p.name, p.specifier), ("urllib3", ""));
        let p = parse("pkg @ https://example.invalid/pkg.whl").unwrap();
        assert_eq!(p.source, Some("https://example.invalid/pkg.whl"));
        let p = parse("zope.interface (>=5.0)").unwrap();
        assert_eq!(p.specifier, ">=5.0");
        assert!(parse("-r base.txt").is_none());
        assert!(parse("name garbage").is_none());
    }

    #[test]
    fn poetry_constraints_as_pep440() {
        let admits = |spec: &str, v: &str| {
            let r = poetry_requirement(spec);
            let Requirement::Python(alts) = r else {
                panic!("{spec} -> {r:?}")
            };
            let v = pep440_rs::Version::from_str(v).unwrap();
            alts.iter().any(|a| a.contains(&v))
        };
        use std::str::FromStr;
        // Poetry's documentation: ^1.2.3 is >=1.2.3 <2.0.0, ^0.2.3 is >=0.2.3 <0.3.0,
        // ~1.2.3 is >=1.2.3 <1.3.0, ~1 is >=1 <2.
        assert!(
            admits("^1.2.3", "1.9.0") && !admits("^1.2.3", "2.0.0") && !admits("^1.2.3", "1.2.2")
        );
        assert!(admits("^0.2.3", "0.2.9") && !admits("^0.2.3", "0.3.0"));
        assert!(admits("~1.2.3", "1.2.9") && !admits("~1.2.3", "1.3.0"));
        assert!(admits("~1", "1.9") && !admits("~1", "2.0"));
        assert!(admits("1.2.*", "1.2.7") && !admits("1.2.*", "1.3"));
        assert!(admits(">=1,<2 || ^3", "3.1") && !admits(">=1,<2 || ^3", "2.5"));
        assert!(admits(">= 1.0 < 2", "1.5") && !admits(">= 1.0 < 2", "2.0"));
        assert!(admits("2.0", "2.0.0") && !admits("2.0", "2.0.1"));
        assert_eq!(poetry_requirement("*"), Requirement::Any);
    }
}
