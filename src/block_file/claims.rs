//! What a block says about the repository, found line by line: citations
//! of code (`path:line`), snippets quoting it, claimed dependency
//! conflicts, and files it says do not exist.

use super::markdown::code_spans;
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// A file cited with a line: `src/a.py:42`, `src/a.py#L40-L45`,
/// `src/a.py, line 42`, `line 42 of src/a.py`, a GitHub blob link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// Byte range of the whole citation in the block file.
    pub span: Range<usize>,
    /// The path as written (`./src/a.py`, `/opt/ws/src/a.py`).
    pub path: String,
    /// First and last cited line (1-based, `first <= last`).
    pub lines: (u32, u32),
}

/// A snippet presented as the cited code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// Where the snippet is in the block file (the code span's content or
    /// the fenced block's body).
    pub span: Range<usize>,
    /// The snippet's lines, with Markdown and line-number prefixes removed.
    pub lines: Vec<String>,
    /// Index of the citation it quotes in `Block::citations`.
    pub citation: usize,
}

/// What a dependency claim says of a package's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionClaim {
    /// No version (`a conflict between foo and bar`).
    None,
    /// A version (`foo 1.2 is incompatible with bar`).
    Version(String),
    /// A specifier (`requires foo>=2`).
    Specifier(String),
}

/// A package the block says is required, or conflicts, at some version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyClaim {
    /// The claim's words in the block file (for the finding's anchor).
    pub span: Range<usize>,
    pub package: String,
    pub version: VersionClaim,
    /// `bar` in "bar 3.0 requires foo>=2": the package said to require it,
    /// when it is named with a version or as code (a plain word before
    /// "requires" is more often English than a package).
    pub required_by: Option<String>,
}

/// A file the block says does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceClaim {
    pub span: Range<usize>,
    pub path: String,
}

const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "pyi", "pyx", "ipynb", "txt", "md", "rst", "toml", "yaml", "yml", "json", "jsonl", "cfg",
    "ini", "conf", "lock", "ts", "tsx", "js", "jsx", "mjs", "cjs", "rs", "go", "java", "kt", "c",
    "h", "cc", "cpp", "hpp", "cs", "rb", "php", "swift", "sh", "bash", "zsh", "sql", "html", "css",
    "scss", "vue", "svelte", "xml", "proto", "graphql", "tf", "env", "csv", "mk", "gradle",
    "scala", "lua", "r", "pl",
];

/// Names of files without an extension that are still cited as files.
const BARE_FILES: &[&str] = &[
    "Makefile",
    "Dockerfile",
    "Pipfile",
    "Procfile",
    "Justfile",
    "Gemfile",
    "Rakefile",
];

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("a built-in pattern is a valid regex"))
}

const PATH: &str = r"(?P<path>(?:\.{1,2}/|/|~/)?(?:[\w@+-][\w@.+-]*/)*[\w@+-][\w@.+-]*)";

fn citation_patterns() -> [&'static Regex; 5] {
    static GITHUB: OnceLock<Regex> = OnceLock::new();
    static FRAGMENT: OnceLock<Regex> = OnceLock::new();
    static COLON: OnceLock<Regex> = OnceLock::new();
    static LINE_AFTER: OnceLock<Regex> = OnceLock::new();
    static LINE_BEFORE: OnceLock<Regex> = OnceLock::new();
    [
        regex(
            &GITHUB,
            r"https?://[^\s)>\]]*?/blob/[^/\s]+/(?P<path>[^\s#)>\]]+)#L(?P<a>\d+)(?:-L(?P<b>\d+))?",
        ),
        regex(&FRAGMENT, &format!(r"{PATH}#L(?P<a>\d+)(?:-L?(?P<b>\d+))?")),
        regex(
            &COLON,
            &format!(r"{PATH}:(?P<a>\d+)(?:[-–](?P<b>\d+))?(?::\d+)?"),
        ),
        regex(
            &LINE_AFTER,
            &format!(
                r"(?i){PATH}['\x22]?\)?\s*,?\s*\(?\s*(?:at\s+|on\s+)?(?:lines?|l\.|ln\.?)\s*(?P<a>\d+)(?:\s*(?:-|–|to|through)\s*(?P<b>\d+))?"
            ),
        ),
        regex(
            &LINE_BEFORE,
            &format!(
                r"(?i)\blines?\s+(?P<a>\d+)(?:\s*(?:-|–|to|through)\s*(?P<b>\d+))?\s+(?:of|in)\s+['\x22]?{PATH}"
            ),
        ),
    ]
}

/// Whether a matched path looks like a file path, not a host or a word.
pub fn looks_like_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.is_empty() || path.contains("//") {
        return false;
    }
    if BARE_FILES.contains(&name) {
        return true;
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() => {
            let known = SOURCE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str());
            let alpha = ext.as_bytes()[0].is_ascii_alphabetic();
            (known || (path.contains('/') && alpha)) && (!stem.is_empty() || name.starts_with('.'))
        }
        _ => {
            path.contains('/')
                && !path.ends_with('/')
                && path.trim_start_matches(['.', '/', '~']).contains('/')
        }
    }
}

/// The text of `line` with backticks and emphasis marks blanked (same
/// length), so that `` `src/a.py` line 3 `` reads as a citation.
fn masked(line: &str) -> String {
    line.chars()
        .map(|c| if c == '`' || c == '*' { ' ' } else { c })
        .collect()
}

/// The citations of one line (`base`: the line's offset in the file).
pub fn citations(line: &str, base: usize) -> Vec<Citation> {
    let text = masked(line);
    let mut found: Vec<Citation> = Vec::new();
    for (index, pattern) in citation_patterns().iter().enumerate() {
        for caps in pattern.captures_iter(&text) {
            let (Some(whole), Some(path), Some(a)) =
                (caps.get(0), caps.name("path"), caps.name("a"))
            else {
                continue;
            };
            // A URL's host and port (`http://host.py:8000`) are not a file.
            if index > 0 && text[..path.start()].ends_with("//") {
                continue;
            }
            if index > 0
                && text[..path.start()]
                    .rsplit(char::is_whitespace)
                    .next()
                    .is_some_and(|w| w.contains("://"))
            {
                continue;
            }
            let path_text = path.as_str().trim_end_matches(['.', ',']);
            if !looks_like_path(path_text) {
                continue;
            }
            let (Ok(first), last) = (
                a.as_str().parse::<u32>(),
                caps.name("b").and_then(|b| b.as_str().parse::<u32>().ok()),
            ) else {
                continue;
            };
            let last = last.unwrap_or(first).max(first);
            let span = base + whole.start()..base + whole.end();
            if found
                .iter()
                .any(|c| c.span.start < span.end && span.start < c.span.end)
            {
                continue;
            }
            found.push(Citation {
                span,
                path: path_text.to_string(),
                lines: (first, last),
            });
        }
    }
    found.sort_by_key(|c| c.span.start);
    found
}

/// Snippets on `line` that present a citation's code: a code span right
/// after a citation (`` a.py:3: `x = 1` ``, "a.py line 3 reads `x = 1`") or
/// right before one ("`x = 1` at a.py:3"). Returns (content span in the
/// file, text, index into `cited`).
pub fn inline_quotes(
    line: &str,
    base: usize,
    cited: &[(usize, Range<usize>)],
) -> Vec<(Range<usize>, String, usize)> {
    const AFTER: &[&str] = &[
        "",
        ":",
        "-",
        "—",
        "–",
        "=",
        "reads",
        "says",
        "contains",
        "shows",
        "has",
        "is",
        "defines",
        "declares",
        "reads:",
        "says:",
        "contains:",
        "shows:",
        "has:",
        "is:",
    ];
    const BEFORE: &[&str] = &[
        "at", "in", "on", "from", "(", "(at", "(in", "at line", "on line",
    ];
    let spans = code_spans(line);
    let mut out = Vec::new();
    for (index, citation) in cited {
        let start = citation.start - base;
        let end = citation.end - base;
        // The span holding the citation itself (`` `a.py:3` ``) is not a quote.
        let holder = spans.iter().position(|s| s.start <= start && end <= s.end);
        let after_citation = holder.map_or(end, |h| spans[h].end);
        if let Some(next) = spans.iter().position(|s| {
            s.start > after_citation && Some(s.start) != holder.map(|h| spans[h].start)
        }) {
            let between = between_words(&line[after_citation..spans[next].start]);
            if AFTER.contains(&between.as_str()) && is_quote_text(&line[spans[next].clone()]) {
                out.push((
                    base + spans[next].start..base + spans[next].end,
                    line[spans[next].clone()].to_string(),
                    *index,
                ));
                continue;
            }
        }
        let before_citation = holder.map_or(start, |h| spans[h].start);
        if let Some(prev) = spans.iter().rposition(|s| s.end < before_citation) {
            let between = between_words(&line[spans[prev].end..before_citation]);
            if BEFORE.contains(&between.as_str()) && is_quote_text(&line[spans[prev].clone()]) {
                out.push((
                    base + spans[prev].start..base + spans[prev].end,
                    line[spans[prev].clone()].to_string(),
                    *index,
                ));
            }
        }
    }
    out
}

/// `` ` : ` `` -> `:`: the words between two code spans, lowercased.
fn between_words(text: &str) -> String {
    text.replace('`', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_matches(|c| c == ')' || c == ',')
        .trim()
        .to_string()
}

/// A code span that can be a quote: not a path or citation itself.
fn is_quote_text(text: &str) -> bool {
    let t = text.trim();
    let a_path = looks_like_path(t) && !t.contains(char::is_whitespace);
    !t.is_empty() && !a_path && citations(t, 0).is_empty()
}

/// Removes line-number prefixes an agent copied from a file viewer
/// (`  42→x`, `42: x`, `42 | x`, `42\tx`) when every line has one.
pub fn strip_line_numbers(lines: Vec<String>) -> Vec<String> {
    static PREFIX: OnceLock<Regex> = OnceLock::new();
    let prefix = regex(&PREFIX, r"^\s*\d+(?:→|\t|:\s|\s*\|\s?)");
    let numbered = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .all(|l| prefix.is_match(l))
        && lines.iter().any(|l| !l.trim().is_empty());
    if !numbered {
        return lines;
    }
    lines
        .into_iter()
        .map(|l| prefix.replace(&l, "").into_owned())
        .collect()
}

const NAME: &str = r"@?[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?";
const SPEC: &str = r"(?:===|==|~=|!=|>=|<=|>|<|\^|~)\s*v?\d[\w.*+!-]*(?:\s*,\s*(?:===|==|~=|!=|>=|<=|>|<)\s*v?\d[\w.*+!-]*)*";
const VER: &str = r"v?\d+(?:\.\d+)+(?:[a-z]+\d*)?(?:\.(?:post|dev)\d+)?";

/// Words that fill a package's place in a sentence without being one.
const NOT_PACKAGES: &[&str] = &[
    "a",
    "an",
    "the",
    "it",
    "this",
    "that",
    "which",
    "what",
    "version",
    "versions",
    "release",
    "api",
    "task",
    "line",
    "lines",
    "file",
    "files",
    "at",
    "least",
    "most",
    "than",
    "and",
    "or",
    "to",
    "of",
    "with",
    "is",
    "are",
    "be",
    "also",
    "both",
    "each",
    "package",
    "library",
    "module",
    "dependency",
    "dependencies",
    "upgrade",
    "update",
    "code",
    "test",
    "tests",
    "change",
    "fix",
    "node",
    "rust",
    "go",
    "java",
    "step",
    "phase",
    "v",
    "we",
    "i",
    "you",
    "they",
    "one",
    "two",
    "any",
    "all",
    "version-",
    "same",
    "newer",
    "older",
];

fn dependency_patterns() -> [&'static Regex; 3] {
    static REQUIRES: OnceLock<Regex> = OnceLock::new();
    static CONFLICT: OnceLock<Regex> = OnceLock::new();
    static BETWEEN: OnceLock<Regex> = OnceLock::new();
    [
        regex(
            &REQUIRES,
            &format!(
                r"(?i)(?:(?P<by>{NAME})(?:\s+(?P<byv>{VER}))?\s+)?\b(?:requires?|requiring|needs?|depends\s+on|pinned\s+to|pins|is\s+pinned\s+to|constrained\s+to)\s+(?:the\s+)?(?:package\s+|library\s+|module\s+)?(?P<n>{NAME})\s*(?:(?P<s>{SPEC})|(?:version\s+)?(?P<v>{VER}))"
            ),
        ),
        regex(
            &CONFLICT,
            &format!(
                r"(?i)(?P<n>{NAME})\s*(?:(?P<s>{SPEC})|(?P<v>{VER}))?\s+(?:is\s+|are\s+)?(?:incompatible|not\s+compatible|conflicts?|clashes)\s+with\s+(?P<n2>{NAME})\s*(?:(?P<s2>{SPEC})|(?P<v2>{VER}))?"
            ),
        ),
        regex(
            &BETWEEN,
            &format!(
                r"(?i)\b(?:conflict|incompatibility|clash)\s+between\s+(?P<n>{NAME})\s*(?:(?P<s>{SPEC})|(?P<v>{VER}))?\s+and\s+(?P<n2>{NAME})\s*(?:(?P<s2>{SPEC})|(?P<v2>{VER}))?"
            ),
        ),
    ]
}

fn is_package_name(name: &str, task_ids: &dyn Fn(&str) -> bool) -> bool {
    let lower = name.to_ascii_lowercase();
    !NOT_PACKAGES.contains(&lower.as_str())
        && !task_ids(name)
        && name.chars().any(|c| c.is_ascii_alphabetic())
        && !lower.starts_with("task-")
}

/// The dependency claims of one prose line.
pub fn dependency_claims(
    line: &str,
    base: usize,
    task_ids: &dyn Fn(&str) -> bool,
) -> Vec<DependencyClaim> {
    let text = masked(line);
    let spans = code_spans(line);
    let in_code = |range: &Range<usize>| {
        spans
            .iter()
            .any(|s| s.start <= range.start && range.end <= s.end)
    };
    let mut out: Vec<DependencyClaim> = Vec::new();
    let version_of = |s: Option<regex::Match<'_>>, v: Option<regex::Match<'_>>| match (s, v) {
        (Some(s), _) => VersionClaim::Specifier(
            s.as_str()
                .split_whitespace()
                .collect::<String>()
                .trim_end_matches(['.', ','])
                .to_string(),
        ),
        (None, Some(v)) => VersionClaim::Version(
            v.as_str()
                .trim_start_matches(['v', 'V'])
                .trim_end_matches('.')
                .to_string(),
        ),
        _ => VersionClaim::None,
    };
    let [requires, conflict, between] = dependency_patterns();
    for caps in requires.captures_iter(&text) {
        let (Some(whole), Some(name)) = (caps.get(0), caps.name("n")) else {
            continue;
        };
        if !is_package_name(name.as_str(), task_ids) {
            continue;
        }
        let required_by = caps.name("by").filter(|by| {
            is_package_name(by.as_str(), task_ids)
                && (caps.name("byv").is_some() || in_code(&by.range()))
        });
        let start = required_by.map_or(name.start(), |b| b.start());
        let _ = whole;
        let end = caps.get(0).map_or(name.end(), |m| m.end());
        out.push(DependencyClaim {
            span: base + start..base + end,
            package: name.as_str().to_string(),
            version: version_of(caps.name("s"), caps.name("v")),
            required_by: required_by.map(|b| b.as_str().to_string()),
        });
    }
    for pattern in [conflict, between] {
        for caps in pattern.captures_iter(&text) {
            let Some(whole) = caps.get(0) else {
                continue;
            };
            for (n, s, v) in [("n", "s", "v"), ("n2", "s2", "v2")] {
                let Some(name) = caps.name(n) else {
                    continue;
                };
                if !is_package_name(name.as_str(), task_ids) {
                    continue;
                }
                let span = base + whole.start()..base + whole.end();
                if out.iter().any(|c| {
                    c.package == name.as_str() && c.span.start < span.end && span.start < c.span.end
                }) {
                    continue;
                }
                out.push(DependencyClaim {
                    span,
                    package: name.as_str().to_string(),
                    version: version_of(caps.name(s), caps.name(v)),
                    required_by: None,
                });
            }
        }
    }
    // `urllib3<2` as code on a line about versions.
    static WORDS: OnceLock<Regex> = OnceLock::new();
    static REQUIREMENT: OnceLock<Regex> = OnceLock::new();
    let words = regex(
        &WORDS,
        r"(?i)requir|conflict|incompatib|\bpin|version|upgrad|downgrad|install|depend",
    );
    let requirement = regex(
        &REQUIREMENT,
        &format!(r"^\s*(?P<n>{NAME})\s*(?P<s>{SPEC})\s*$"),
    );
    if words.is_match(line) {
        for span in &spans {
            let Some(caps) = requirement.captures(&line[span.clone()]) else {
                continue;
            };
            let (Some(name), Some(spec)) = (caps.name("n"), caps.name("s")) else {
                continue;
            };
            let at = base + span.start..base + span.end;
            if !is_package_name(name.as_str(), task_ids)
                || out
                    .iter()
                    .any(|c| c.span.start < at.end && at.start < c.span.end)
            {
                continue;
            }
            out.push(DependencyClaim {
                span: at,
                package: name.as_str().to_string(),
                version: VersionClaim::Specifier(spec.as_str().split_whitespace().collect()),
                required_by: None,
            });
        }
    }
    out.sort_by_key(|c| c.span.start);
    out
}

/// Files a line says do not exist: every path before "does not exist" /
/// "is missing" / "are absent" / "not found" in its sentence, and the path
/// after "missing file" / "no such file".
pub fn absence_claims(line: &str, base: usize) -> Vec<AbsenceClaim> {
    static AFTER: OnceLock<Regex> = OnceLock::new();
    static BEFORE: OnceLock<Regex> = OnceLock::new();
    static TOKEN: OnceLock<Regex> = OnceLock::new();
    let after = regex(
        &AFTER,
        r"(?i)\b(?:does\s+not|doesn't|do\s+not|don't|did\s+not)\s+exist|\b(?:is|are)\s+(?:both\s+|all\s+)?(?:missing|absent|gone)\b|\b(?:was|were|is|are)\s+not\s+found\b|\bno\s+longer\s+exists?\b",
    );
    let before = regex(
        &BEFORE,
        r"(?i)\b(?:missing\s+file|no\s+such\s+file|there\s+is\s+no\s+file|there\s+is\s+no)\s+",
    );
    let token = regex(&TOKEN, &format!(r"[`'\x22]?{PATH}[`'\x22]?"));
    let mut out = Vec::new();
    let mut sentence_start = 0;
    let sentences: Vec<(usize, &str)> = line
        .split_inclusive(". ")
        .map(|s| {
            let at = sentence_start;
            sentence_start += s.len();
            (at, s)
        })
        .collect();
    for (at, sentence) in sentences {
        let mut paths = |range: Range<usize>| {
            for m in token.find_iter(&sentence[range.clone()]) {
                let raw = m.as_str().trim_matches(['`', '\'', '"']);
                let raw = raw.trim_end_matches(['.', ',', ':']);
                // A path with a line is a citation, checked as one.
                let rest = &sentence[range.start + m.end()..];
                if rest.starts_with(':') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
                    continue;
                }
                if looks_like_path(raw) && raw.contains(['/', '.']) {
                    let start = base + at + range.start + m.start();
                    out.push(AbsenceClaim {
                        span: start..start + m.as_str().len(),
                        path: raw.to_string(),
                    });
                }
            }
        };
        if let Some(m) = after.find(sentence) {
            paths(0..m.start());
        }
        if let Some(m) = before.find(sentence) {
            let end = sentence[m.end()..]
                .find(char::is_whitespace)
                .map_or(sentence.len(), |i| m.end() + i);
            paths(m.end()..end);
        }
    }
    out
}

/// Task ids of the `TASK-007` form (uppercase prefix, dash, digits), minus
/// standard names that look alike (`PEP-8`, `UTF-8`, `SHA-256`, …).
pub fn task_id_pattern() -> &'static Regex {
    static ID: OnceLock<Regex> = OnceLock::new();
    regex(&ID, r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*-\d+\b")
}

const NOT_TASK_PREFIXES: &[&str] = &[
    "PEP", "UTF", "SHA", "ISO", "RFC", "CVE", "CWE", "GHSA", "TLS", "SSL", "HTTP", "UTC", "GMT",
    "ES", "X", "MD", "AES", "RSA", "ECMA", "WCAG", "IPV", "BLAKE", "E", "W", "F", "BLE", "S", "B",
];

pub fn is_task_like(id: &str) -> bool {
    let prefix = id.split('-').next().unwrap_or(id);
    task_id_pattern().is_match(id) && !NOT_TASK_PREFIXES.contains(&prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cited(line: &str) -> Vec<(String, (u32, u32), String)> {
        citations(line, 0)
            .into_iter()
            .map(|c| (c.path, c.lines, line[c.span].to_string()))
            .collect()
    }

    #[test]
    fn citation_forms() {
        assert_eq!(
            cited("see `src/rate_limiter.py:42`"),
            vec![(
                "src/rate_limiter.py".into(),
                (42, 42),
                "src/rate_limiter.py:42".into()
            )]
        );
        assert_eq!(cited("src/a.py:10-12: foo").remove(0).1, (10, 12));
        assert_eq!(cited("at src/a.py:10:5").remove(0).1, (10, 10));
        assert_eq!(cited("[a](src/a.py#L3-L9)").remove(0).1, (3, 9));
        assert_eq!(cited("`src/a.py`, line 7").remove(0).1, (7, 7));
        assert_eq!(cited("src/a.py (lines 7 to 9)").remove(0).1, (7, 9));
        assert_eq!(
            cited("line 12 of `config/app.yaml`").remove(0).0,
            "config/app.yaml"
        );
        assert_eq!(
            cited("https://github.com/o/r/blob/main/src/x.py#L5-L6").remove(0),
            (
                "src/x.py".into(),
                (5, 6),
                "https://github.com/o/r/blob/main/src/x.py#L5-L6".into()
            )
        );
        assert_eq!(cited("README.md:3").remove(0).0, "README.md");
        // Hosts, ports, times and versions are not citations.
        for line in [
            "http://localhost:8080/x",
            "connect to example.com:443",
            "at 10:30",
            "python3.11:3",
            "127.0.0.1:8000",
        ] {
            assert!(cited(line).is_empty(), "{line}: {:?}", cited(line));
        }
    }

    #[test]
    fn inline_quotes_attach_to_their_citation() {
        let line = "`src/a.py:3`: `x = compute()` but the task wants `reset_window()`";
        let c = citations(line, 0);
        let cited: Vec<(usize, Range<usize>)> = c
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.span.clone()))
            .collect();
        let quotes: Vec<String> = inline_quotes(line, 0, &cited)
            .into_iter()
            .map(|q| q.1)
            .collect();
        assert_eq!(quotes, vec!["x = compute()"]);
        let line = "the call `self.reset()` at src/a.py:9 runs twice";
        let c = citations(line, 0);
        let cited: Vec<(usize, Range<usize>)> = vec![(0, c[0].span.clone())];
        assert_eq!(inline_quotes(line, 0, &cited).remove(0).1, "self.reset()");
        let line = "src/a.py:9 calls `helper()`";
        let c = citations(line, 0);
        assert!(
            inline_quotes(line, 0, &[(0, c[0].span.clone())]).is_empty(),
            "only presenting words make a quote"
        );
    }

    #[test]
    fn viewer_line_numbers_are_removed() {
        let lines = vec![
            "    41→    if x:".to_string(),
            "    42→        y()".to_string(),
        ];
        assert_eq!(strip_line_numbers(lines), vec!["    if x:", "        y()"]);
        let plain = vec![
            "x = 1".to_string(),
            "42: not a prefix everywhere".to_string(),
        ];
        assert_eq!(strip_line_numbers(plain.clone()), plain);
    }

    fn claims(line: &str) -> Vec<(String, VersionClaim, Option<String>)> {
        dependency_claims(line, 0, &|id| is_task_like(id))
            .into_iter()
            .map(|c| (c.package, c.version, c.required_by))
            .collect()
    }

    #[test]
    fn dependency_claim_forms() {
        use VersionClaim::{Specifier, Version};
        assert_eq!(
            claims("This requires urllib3>=2.0"),
            vec![("urllib3".into(), Specifier(">=2.0".into()), None)]
        );
        assert_eq!(
            claims("`botocore` 1.34.0 requires `urllib3<2.1`, which conflicts"),
            vec![(
                "urllib3".into(),
                Specifier("<2.1".into()),
                Some("botocore".into())
            )]
        );
        assert_eq!(
            claims("Upgrading requires httpx 0.28.1"),
            vec![("httpx".into(), Version("0.28.1".into()), None)],
            "a plain word before `requires` is not a package"
        );
        assert_eq!(
            claims("pydantic 1.10.2 is incompatible with fastapi>=0.100"),
            vec![
                ("pydantic".into(), Version("1.10.2".into()), None),
                ("fastapi".into(), Specifier(">=0.100".into()), None)
            ]
        );
        assert_eq!(
            claims("a version conflict between numpy and pandas 2.2.0"),
            vec![
                ("numpy".into(), VersionClaim::None, None),
                ("pandas".into(), Version("2.2.0".into()), None)
            ]
        );
        assert_eq!(
            claims("pinning `requests==2.31.0` breaks the version check"),
            vec![("requests".into(), Specifier("==2.31.0".into()), None)]
        );
        for line in [
            "requires a product decision",
            "TASK-007 requires TASK-003 2.0",
            "needs review by 10.30",
            "the task requires version 2.0",
            "x >= 2 in the loop",
        ] {
            assert!(claims(line).is_empty(), "{line}: {:?}", claims(line));
        }
    }

    #[test]
    fn absence_claims_before_and_after() {
        let got: Vec<String> = absence_claims(
            "`reports/DONE.md` and `reports/STOP` are both absent. Also src/x.py:3 is fine",
            0,
        )
        .into_iter()
        .map(|c| c.path)
        .collect();
        assert_eq!(got, vec!["reports/DONE.md", "reports/STOP"]);
        let got: Vec<String> = absence_claims("Blocked: missing file config/settings.yaml", 0)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(got, vec!["config/settings.yaml"]);
        assert!(absence_claims("the helper is missing a test", 0).is_empty());
    }

    #[test]
    fn task_ids() {
        assert!(is_task_like("TASK-007") && is_task_like("QA-UI-002") && is_task_like("ENG-60"));
        assert!(!is_task_like("PEP-8") && !is_task_like("UTF-8") && !is_task_like("SHA-256"));
    }
}
