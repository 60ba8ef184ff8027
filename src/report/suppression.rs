//! Suppression comments, applied in the filter stage.
//!
//! - `# agentlint: ignore[rule-a, rule-b]` at the end of a line silences
//!   those rules on that line; alone on a line, it silences them on that
//!   line and the next.
//! - `# agentlint: ignore-file[rule-a]` within the first
//!   [`FILE_DIRECTIVE_LINES`] lines silences the rules in the whole file.
//! - ruff's `# noqa: E722` silences `bare-except` and `# noqa: BLE001`
//!   silences `broad-except` (other codes are left to ruff).
//!
//! Choices: a bare `# noqa` (no codes) and an `ignore` without a rule list
//! silence nothing. An agent can sprinkle blanket `# noqa` comments to
//! quiet other linters; agentlint exists to catch that kind of shortcut,
//! so only suppressions that name the rule count. A malformed directive,
//! or an `ignore-file` below the first lines, becomes a notice instead of
//! being dropped silently. In Python files only real comments count (a
//! lexical pass skips string literals, so `"# noqa: E722"` in a string
//! silences nothing); in other files a comment runs from a line's first `#`.

use crate::finding::Finding;
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

/// An `ignore-file` directive must be within this many first lines.
pub const FILE_DIRECTIVE_LINES: u32 = 20;

/// ruff codes and the rules they stand for.
pub const NOQA_CODES: &[(&str, &str)] = crate::registry::RUFF_CODES;

/// The suppressions of one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Suppressions {
    /// 1-based line -> rule ids silenced there.
    by_line: HashMap<u32, Vec<String>>,
    /// Rule ids silenced in the whole file.
    file: Vec<String>,
    /// Directives that were not understood, as `(line, why)`.
    pub problems: Vec<(u32, String)>,
}

fn directive_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"#\s*agentlint\s*:\s*(ignore-file|ignore)\b\s*(?:\[([^\]]*)\])?")
            .expect("the suppression pattern is a valid regex")
    })
}

fn noqa_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)#\s*noqa\b(?:\s*:\s*((?:[A-Z]+[0-9]+)(?:[\s,]+[A-Z]+[0-9]+)*))?")
            .expect("the noqa pattern is a valid regex")
    })
}

impl Suppressions {
    /// Scans a file's text for suppression comments: from a line's first
    /// `#` (for YAML, TOML, shell and other `#`-comment files).
    pub fn parse(text: &str) -> Suppressions {
        if !Self::may_hold_directives(text) {
            return Suppressions::default();
        }
        Self::scan(text, |_, line| line.find('#'))
    }

    /// Scans a Python source: only real comments count, not a directive
    /// spelled inside a string literal.
    pub fn parse_python(text: &str) -> Suppressions {
        if !Self::may_hold_directives(text) {
            return Suppressions::default();
        }
        let starts = crate::engine::partial::comment_starts(text.as_bytes());
        let mut next = starts.iter().peekable();
        Self::scan(text, |line_start, line| {
            while next.next_if(|&&at| at < line_start).is_some() {}
            next.next_if(|&&at| at < line_start + line.len())
                .map(|&at| at - line_start)
        })
    }

    fn may_hold_directives(text: &str) -> bool {
        text.contains("agentlint") || text.contains("noqa") || text.contains("NOQA")
    }

    /// `comment(line_start, line)`: where the line's comment starts, if any.
    fn scan(text: &str, mut comment: impl FnMut(usize, &str) -> Option<usize>) -> Suppressions {
        let mut out = Suppressions::default();
        let mut line_start = 0;
        for (index, full_line) in text.split_inclusive('\n').enumerate() {
            let start = line_start;
            line_start += full_line.len();
            let line = full_line.trim_end_matches(['\n', '\r']);
            let number = index as u32 + 1;
            let Some(hash) = comment(start, line) else {
                continue;
            };
            let standalone = line[..hash].trim().is_empty();
            let line = &line[hash..];
            let mut rules: Vec<String> = Vec::new();
            for caps in directive_regex().captures_iter(line) {
                let kind = caps.get(1).map_or("", |m| m.as_str());
                let ids: Vec<String> = caps
                    .get(2)
                    .map(|m| {
                        m.as_str()
                            .split(',')
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                if ids.is_empty() {
                    out.problems.push((
                        number,
                        format!("`# agentlint: {kind}` names no rule and silences nothing; write `{kind}[rule-id]`"),
                    ));
                    continue;
                }
                if kind == "ignore-file" {
                    if number <= FILE_DIRECTIVE_LINES {
                        out.file.extend(ids);
                    } else {
                        out.problems.push((
                            number,
                            format!("`ignore-file` must be within the first {FILE_DIRECTIVE_LINES} lines; this one is ignored"),
                        ));
                    }
                } else {
                    rules.extend(ids);
                }
            }
            for caps in noqa_regex().captures_iter(line) {
                if let Some(codes) = caps.get(1) {
                    for code in codes
                        .as_str()
                        .split(|c: char| c == ',' || c.is_whitespace())
                    {
                        let code = code.trim().to_ascii_uppercase();
                        if let Some((_, rule)) = NOQA_CODES.iter().find(|(c, _)| *c == code) {
                            rules.push(rule.to_string());
                        }
                    }
                }
            }
            if rules.is_empty() {
                continue;
            }
            if standalone {
                out.by_line
                    .entry(number + 1)
                    .or_default()
                    .extend(rules.iter().cloned());
            }
            out.by_line.entry(number).or_default().extend(rules);
        }
        out
    }

    /// Whether `rule` is silenced on 1-based `line`.
    pub fn suppresses(&self, rule: &str, line: u32) -> bool {
        self.file.iter().any(|r| r == rule)
            || self
                .by_line
                .get(&line)
                .is_some_and(|rules| rules.iter().any(|r| r == rule))
    }

    pub fn is_empty(&self) -> bool {
        self.by_line.is_empty() && self.file.is_empty() && self.problems.is_empty()
    }
}

/// Splits findings into kept and suppressed, using each file's text
/// (`texts` has the text of every file with a finding that can hold
/// comments). Returns `(kept, suppressed, notices)`.
pub fn apply(
    findings: Vec<Finding>,
    texts: &HashMap<String, std::sync::Arc<str>>,
) -> (Vec<Finding>, Vec<Finding>, Vec<String>) {
    let mut cache: HashMap<&str, Suppressions> = HashMap::new();
    let mut kept = Vec::with_capacity(findings.len());
    let mut suppressed = Vec::new();
    for finding in findings {
        let Some(text) = texts.get(&finding.path) else {
            kept.push(finding);
            continue;
        };
        let s = cache
            .entry(
                texts
                    .get_key_value(&finding.path)
                    .map_or("", |(k, _)| k.as_str()),
            )
            .or_insert_with(|| {
                if crate::engine::is_python(&finding.path) {
                    Suppressions::parse_python(text)
                } else {
                    Suppressions::parse(text)
                }
            });
        if s.suppresses(finding.rule, finding.start.line) {
            suppressed.push(finding);
        } else {
            kept.push(finding);
        }
    }
    let mut notices: Vec<String> = cache
        .iter()
        .flat_map(|(path, s)| {
            s.problems
                .iter()
                .map(move |(line, why)| format!("{path}:{line}: {why}"))
        })
        .collect();
    notices.sort();
    (kept, suppressed, notices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_python_a_directive_inside_a_string_silences_nothing() {
        let text = "except: s = '# agentlint: ignore[bare-except]'\n\
                    except: s = \"# noqa: E722\"\n\
                    except: s = '#'  # noqa: E722\n\
                    doc = \"\"\"\n# agentlint: ignore[bare-except]\n\"\"\"\n";
        let python = Suppressions::parse_python(text);
        assert!(!python.suppresses("bare-except", 1));
        assert!(!python.suppresses("bare-except", 2));
        assert!(
            python.suppresses("bare-except", 3),
            "a real comment after a string"
        );
        assert!(
            !python.suppresses("bare-except", 5),
            "a line inside a docstring"
        );
        assert!(!python.suppresses("bare-except", 6));
        // Other files: a comment runs from the first `#`.
        let plain = Suppressions::parse(text);
        assert!(plain.suppresses("bare-except", 1));
        assert!(plain.suppresses("bare-except", 5));
    }

    #[test]
    fn end_of_line_and_line_before() {
        let s = Suppressions::parse(
            "a = 1  # agentlint: ignore[bare-except, broad-except]\n\
             # agentlint: ignore[log-not-at-entry]\n\
             def f():\n\
             b = 2\n",
        );
        assert!(s.suppresses("bare-except", 1));
        assert!(s.suppresses("broad-except", 1));
        assert!(!s.suppresses("log-not-at-entry", 1));
        assert!(s.suppresses("log-not-at-entry", 3));
        assert!(!s.suppresses("log-not-at-entry", 4));
        assert!(!s.suppresses("bare-except", 2));
        assert!(s.problems.is_empty());
    }

    #[test]
    fn trailing_comment_does_not_reach_the_next_line() {
        let s = Suppressions::parse("x = 1  # agentlint: ignore[bare-except]\ny = 2\n");
        assert!(!s.suppresses("bare-except", 2));
    }

    #[test]
    fn file_directive_near_the_top_only() {
        let mut text = String::from("\"\"\"doc\"\"\"\n# agentlint: ignore-file[broad-except]\n");
        assert!(Suppressions::parse(&text).suppresses("broad-except", 500));
        assert!(!Suppressions::parse(&text).suppresses("bare-except", 500));
        text = "x = 1\n".repeat(25) + "# agentlint: ignore-file[broad-except]\n";
        let s = Suppressions::parse(&text);
        assert!(!s.suppresses("broad-except", 1));
        assert_eq!(s.problems.len(), 1);
        assert_eq!(s.problems[0].0, 26);
    }

    #[test]
    fn noqa_codes_map_to_rules() {
        let s = Suppressions::parse(
            "except:  # noqa: E722\n\
             except Exception:  # noqa:BLE001,E501\n\
             except:  # noqa\n\
             except:  # NOQA: e722\n\
             except:  # noqa: F401\n",
        );
        assert!(s.suppresses("bare-except", 1));
        assert!(!s.suppresses("broad-except", 1));
        assert!(s.suppresses("broad-except", 2));
        assert!(
            !s.suppresses("bare-except", 3),
            "bare noqa silences nothing"
        );
        assert!(s.suppresses("bare-except", 4));
        assert!(!s.suppresses("bare-except", 5));
    }

    #[test]
    fn malformed_directives_are_reported() {
        let s = Suppressions::parse("x = 1  # agentlint: ignore\ny = 2  # agentlint: ignore[]\n");
        assert!(!s.suppresses("bare-except", 1));
        assert_eq!(s.problems.len(), 2);
        assert!(Suppressions::parse("x = 1  # agentlint is great\n").is_empty());
    }
}
