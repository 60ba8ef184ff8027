//! Declarative rules: rule definitions as data (`rules/*.toml`), compiled
//! into tree-sitter queries. A user's rule file is compiled and checked
//! before any file is read; a shipped rule's query (checked by a test) is
//! compiled on first use, since tree-sitter's query analysis costs 1-3 ms
//! per query and a diff often needs none of them.
//!
//! Two layers, as in ast-grep's rule config: `RuleFile` is what the user
//! wrote (serde, unknown keys rejected, spans kept), `QueryRule` is the
//! validated, compiled rule (the `Query`, its anchor capture, path globs,
//! needles). Every mistake in a rule file is a miette diagnostic pointing
//! into that file. Rules do not run here: the engine's query pass
//! (`engine::query`) runs every selected declarative rule in one
//! `QueryCursor` pass over the tree it already parsed.
//!
//! Compiled rules live for the whole process, so they are leaked once to
//! get the `&'static` references the registry and findings use.

mod shipped;

use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::registry::{self, Registered};
use crate::rule::{AstContext, AstRule, RuleMeta, Scope};
use crate::settings::RuleOptions;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use toml::Spanned;
use tree_sitter::{CaptureQuantifier, Node, Query, QueryErrorKind};

pub use shipped::FILES as SHIPPED_FILES;

/// The language a declarative rule is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Language {
    Python,
}

/// One rule file as written (the serde layer). See rules/README.md.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RuleFile {
    /// Kebab-case id naming the flagged pattern.
    id: Spanned<String>,
    /// Only `python` for now.
    #[allow(dead_code)]
    language: Language,
    severity: Severity,
    /// One line for `agentlint rules`; defaults to `message`.
    summary: Option<String>,
    /// The finding's message; `{name}` inserts the text of capture `@name`.
    message: Spanned<String>,
    /// What to do instead, printed under the finding.
    help: Option<String>,
    /// Markdown with the headings of the built-in rules' docs.
    documentation: Spanned<String>,
    /// A tree-sitter query over the Python grammar.
    query: Spanned<String>,
    /// The capture whose node anchors the finding; may be omitted when the
    /// query has exactly one capture.
    anchor: Option<Spanned<String>>,
    /// A capture whose lines make the finding part of the change when any
    /// of them changed (function-level rules); default: the anchor line.
    scope: Option<Spanned<String>>,
    /// A second query: findings whose anchor lies inside a node it
    /// captures are dropped (ast-grep's `not: inside:`).
    not_inside: Option<Spanned<String>>,
    /// The rule does not run on a file containing any of these byte
    /// strings (a whole-file exemption that needs no syntax tree).
    #[serde(default)]
    unless_file_contains: Vec<Spanned<String>>,
    /// The file must contain one of these byte strings for the rule to
    /// fire; lets the engine skip the query, or the parse, of other files.
    #[serde(default)]
    needles: Vec<Spanned<String>>,
    /// Globs (root-relative paths): the rule only applies to these files.
    #[serde(default)]
    files: Vec<Spanned<String>>,
    /// Globs (root-relative paths): the rule never applies to these files.
    #[serde(default)]
    ignores: Vec<Spanned<String>>,
    /// Snippets the rule must not flag (run by the test suite).
    #[serde(default)]
    valid: Vec<String>,
    /// Snippets the rule must flag at least once (run by the test suite).
    #[serde(default)]
    invalid: Vec<String>,
}

/// Where a declarative rule was defined.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Shipped in the binary from the repository's rules/ folder.
    Shipped(&'static str),
    /// A user's rules folder.
    User(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Shipped(name) => f.write_str(name),
            Origin::User(path) => write!(f, "{}", path.display()),
        }
    }
}

/// A piece of a message template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    /// The text of the first node of this capture.
    Capture(String),
}

/// A compiled declarative rule.
pub struct QueryRule {
    meta: &'static RuleMeta,
    origin: Origin,
    query_text: String,
    /// Compiled at load for user rules, on first use for shipped ones.
    query: OnceLock<Option<Query>>,
    anchor: String,
    scope: Option<String>,
    not_inside_text: Option<String>,
    not_inside: OnceLock<Option<Query>>,
    needles: Vec<Vec<u8>>,
    unless: Vec<Vec<u8>>,
    files: Option<GlobSet>,
    ignores: Option<GlobSet>,
    message: Vec<Piece>,
    help: Option<String>,
    valid: Vec<String>,
    invalid: Vec<String>,
}

impl fmt::Debug for QueryRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryRule")
            .field("id", &self.meta.id)
            .field("origin", &self.origin)
            .field("query", &self.query_text)
            .field("anchor", &self.anchor)
            .finish_non_exhaustive()
    }
}

impl QueryRule {
    /// The rule's metadata (leaked once: rules live for the process).
    pub fn meta_static(&self) -> &'static RuleMeta {
        self.meta
    }
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
    /// The query as written in the rule file.
    pub fn query_text(&self) -> &str {
        &self.query_text
    }
    /// The compiled query; `None` only if a shipped rule's query does not
    /// compile, which a test rules out.
    pub fn query(&self) -> Option<&Query> {
        self.query
            .get_or_init(|| Query::new(&python(), &self.query_text).ok())
            .as_ref()
    }
    pub fn anchor(&self) -> &str {
        &self.anchor
    }
    pub fn scope_capture(&self) -> Option<&str> {
        self.scope.as_deref()
    }
    pub fn not_inside(&self) -> Option<&Query> {
        self.not_inside
            .get_or_init(|| {
                self.not_inside_text
                    .as_ref()
                    .and_then(|text| Query::new(&python(), text).ok())
            })
            .as_ref()
    }
    pub fn needle_list(&self) -> &[Vec<u8>] {
        &self.needles
    }
    /// Byte strings whose presence exempts a whole file.
    pub fn unless_list(&self) -> &[Vec<u8>] {
        &self.unless
    }
    pub fn message(&self) -> &[Piece] {
        &self.message
    }
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
    pub fn valid(&self) -> &[String] {
        &self.valid
    }
    pub fn invalid(&self) -> &[String] {
        &self.invalid
    }

    /// Whether the rule's `files` / `ignores` globs let it run on `path`
    /// (root-relative, `/`-separated).
    pub fn applies_to(&self, path: &str) -> bool {
        self.files.as_ref().is_none_or(|set| set.is_match(path))
            && !self.ignores.as_ref().is_some_and(|set| set.is_match(path))
    }
}

impl AstRule for QueryRule {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }
    /// A query rule is not dispatched by the walk.
    fn kinds(&self) -> &'static [&'static str] {
        &[]
    }
    fn needles(&self, _: &RuleOptions) -> Vec<Vec<u8>> {
        self.needles.clone()
    }
    fn check(&self, _: Node<'_>, _: &mut AstContext<'_>) {}
    fn as_query(&self) -> Option<&QueryRule> {
        Some(self)
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn python() -> tree_sitter::Language {
    tree_sitter_python::LANGUAGE.into()
}

/// Where a string value's content starts in the file, when its content is
/// byte-for-byte the parsed value (literal strings, or basic strings
/// without escapes); `None` otherwise.
fn content_start(text: &str, value: &Spanned<String>) -> Option<usize> {
    let span = value.span();
    let raw = text.get(span.clone())?;
    let (delim, multi) = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
        (3, true)
    } else if raw.starts_with('\'') || raw.starts_with('"') {
        (1, false)
    } else {
        return None;
    };
    let inner = raw.get(delim..raw.len().checked_sub(delim)?)?;
    // TOML drops a newline right after the opening delimiter.
    let skip = if !multi {
        0
    } else if inner.starts_with("\r\n") {
        2
    } else if inner.starts_with('\n') {
        1
    } else {
        0
    };
    (inner.get(skip..)? == value.get_ref().as_str()).then_some(span.start + delim + skip)
}

/// The file span of `within` (a byte range of the parsed value), or the
/// whole value when the value's bytes do not map one to one.
fn sub_span(text: &str, value: &Spanned<String>, within: Range<usize>) -> Range<usize> {
    match content_start(text, value) {
        Some(start) => {
            let len = value.get_ref().len();
            let s = within.start.min(len);
            let e = within.end.clamp(s, len);
            start + s..start + e.max(s)
        }
        None => value.span(),
    }
}

/// Compiles one rule file. `taken` maps every id already defined to where
/// it was defined; the new id is added on success.
fn compile(
    name: &str,
    text: &str,
    origin: Origin,
    taken: &mut HashMap<String, String>,
) -> Result<QueryRule> {
    let err = error_in(name, text);
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        err(
            e.span().unwrap_or(0..0),
            format!("malformed rule file: {}", e.message().trim_end()),
            "here",
            Some("rules/README.md describes the rule file format".into()),
        )
    })?;

    let id = file.id.get_ref().clone();
    if !is_kebab_case(&id) {
        return Err(err(
            file.id.span(),
            format!("rule id `{id}` is not kebab-case"),
            "not kebab-case",
            Some("use lowercase words joined by `-`, e.g. `print-in-library`".into()),
        ));
    }
    if let Some(first) = taken.get(&id) {
        return Err(err(
            file.id.span(),
            format!("duplicate rule id `{id}`: already defined by {first}"),
            "duplicate id",
            Some(
                "rule ids are unique across built-in, shipped and user rules; to change a \
                 shipped rule, give your copy a new id and `ignore` the shipped one"
                    .into(),
            ),
        ));
    }

    let message = parse_template(file.message.get_ref());
    // Shipped rules name their anchor and are validated by a test: their
    // queries compile on first use, so a run that never needs one (a diff
    // mode with no print, assert or comment in the changed statements)
    // never pays tree-sitter's query analysis (1-3 ms each).
    let checked = match (&origin, &file.anchor) {
        (Origin::Shipped(_), Some(anchor)) => Checked {
            query: OnceLock::new(),
            anchor: anchor.get_ref().trim_start_matches('@').to_string(),
            scope: file
                .scope
                .as_ref()
                .map(|s| s.get_ref().trim_start_matches('@').to_string()),
            not_inside: OnceLock::new(),
        },
        _ => check_query(name, text, &file, &message)?,
    };

    let mut needles = Vec::new();
    for needle in &file.needles {
        if needle.get_ref().is_empty() {
            return Err(err(
                needle.span(),
                "an empty needle matches every file".into(),
                "empty",
                Some("remove it, or drop `needles` to run the rule on every file".into()),
            ));
        }
        needles.push(needle.get_ref().as_bytes().to_vec());
    }
    let mut unless = Vec::new();
    for exempt in &file.unless_file_contains {
        if exempt.get_ref().is_empty() {
            return Err(err(
                exempt.span(),
                "an empty string is in every file: the rule would never run".into(),
                "empty",
                None,
            ));
        }
        unless.push(exempt.get_ref().as_bytes().to_vec());
    }
    let files = glob_set(name, text, &file.files)?;
    let ignores = glob_set(name, text, &file.ignores)?;

    let docs = file.documentation.get_ref().trim();
    if docs.is_empty() {
        return Err(err(
            file.documentation.span(),
            "the documentation is empty".into(),
            "empty",
            Some(
                "write `## What it does`, `## Why is this bad?`, `## Example` and `## Not flagged`"
                    .into(),
            ),
        ));
    }
    // `RuleMeta::docs_text` strips one leading space per line (doc comments).
    let docs: String = docs.lines().map(|line| format!(" {line}\n")).collect();
    let summary = file
        .summary
        .clone()
        .unwrap_or_else(|| file.message.get_ref().clone());
    let meta: &'static RuleMeta = Box::leak(Box::new(RuleMeta {
        id: leak(id.clone()),
        scope: Scope::Python,
        default_severity: file.severity,
        summary: leak(summary),
        docs: leak(docs),
    }));
    taken.insert(id, origin.to_string());
    Ok(QueryRule {
        meta,
        origin,
        query_text: file.query.get_ref().clone(),
        query: checked.query,
        anchor: checked.anchor,
        scope: checked.scope,
        not_inside_text: file.not_inside.map(|q| q.into_inner()),
        not_inside: checked.not_inside,
        needles,
        unless,
        files,
        ignores,
        message,
        help: file.help,
        valid: file.valid,
        invalid: file.invalid,
    })
}

/// The query-dependent parts of a rule, validated against the compiled
/// queries.
struct Checked {
    query: OnceLock<Option<Query>>,
    anchor: String,
    scope: Option<String>,
    not_inside: OnceLock<Option<Query>>,
}

/// Builds errors located in the rule file `name` with contents `text`.
fn error_in<'a>(
    name: &'a str,
    text: &'a str,
) -> impl Fn(Range<usize>, String, &str, Option<String>) -> Error + 'a {
    move |span, message, label, help| {
        Error::input(name, text.to_string(), span, message, label, help)
    }
}

/// Compiles the rule's queries and checks every capture it names.
fn check_query(name: &str, text: &str, file: &RuleFile, message: &[Piece]) -> Result<Checked> {
    let err = error_in(name, text);
    let query = compile_query(name, text, &file.query, "query")?;
    let captures = query.capture_names();
    let anchor = match &file.anchor {
        Some(anchor) => {
            let wanted = anchor.get_ref().trim_start_matches('@');
            if query.capture_index_for_name(wanted).is_none() {
                return Err(err(
                    anchor.span(),
                    format!("the query has no capture `@{wanted}` to anchor the finding"),
                    "unknown capture",
                    Some(capture_list(captures)),
                ));
            }
            wanted.to_string()
        }
        None if captures.len() == 1 => captures[0].to_string(),
        None => {
            return Err(err(
                file.query.span(),
                format!(
                    "the query has {} captures; say which one anchors the finding",
                    captures.len()
                ),
                "which capture?",
                Some(format!(
                    "add `anchor = \"NAME\"` naming one capture; {}",
                    capture_list(captures)
                )),
            ))
        }
    };
    // Every pattern must capture the anchor, or its matches have no position.
    if let Some(ix) = query.capture_index_for_name(&anchor) {
        for pattern in 0..query.pattern_count() {
            let quantifier = query
                .capture_quantifiers(pattern)
                .get(ix as usize)
                .copied()
                .unwrap_or(CaptureQuantifier::Zero);
            if quantifier == CaptureQuantifier::Zero {
                let span =
                    query.start_byte_for_pattern(pattern)..query.end_byte_for_pattern(pattern);
                return Err(err(
                    sub_span(text, &file.query, span),
                    format!(
                        "pattern {} of the query does not capture `@{anchor}`",
                        pattern + 1
                    ),
                    "no anchor capture in this pattern",
                    Some("every pattern must capture the anchor node".into()),
                ));
            }
        }
    }
    let scope = match &file.scope {
        Some(scope) => {
            let wanted = scope.get_ref().trim_start_matches('@');
            if query.capture_index_for_name(wanted).is_none() {
                return Err(err(
                    scope.span(),
                    format!("the query has no capture `@{wanted}` for the scope"),
                    "unknown capture",
                    Some(capture_list(captures)),
                ));
            }
            Some(wanted.to_string())
        }
        None => None,
    };
    let not_inside = match &file.not_inside {
        Some(source) => {
            let q = compile_query(name, text, source, "not-inside")?;
            if q.capture_names().is_empty() {
                return Err(err(
                    source.span(),
                    "the `not-inside` query captures nothing".into(),
                    "no capture",
                    Some(
                        "capture the nodes whose insides are exempt, e.g. `(if_statement) @guard`"
                            .into(),
                    ),
                ));
            }
            Some(q)
        }
        None => None,
    };

    for piece in message {
        if let Piece::Capture(capture) = piece {
            if query.capture_index_for_name(capture).is_none() {
                let at = file
                    .message
                    .get_ref()
                    .find(&format!("{{{capture}}}"))
                    .unwrap_or(0);
                return Err(err(
                    sub_span(text, &file.message, at..at + capture.len() + 2),
                    format!(
                        "the message refers to `{{{capture}}}`, which is not a capture of the query"
                    ),
                    "unknown capture",
                    Some(capture_list(captures)),
                ));
            }
        }
    }

    Ok(Checked {
        query: OnceLock::from(Some(query)),
        anchor,
        scope,
        not_inside: OnceLock::from(not_inside),
    })
}

fn capture_list(captures: &[&str]) -> String {
    if captures.is_empty() {
        "the query has no captures: add one, e.g. `(call) @call`".into()
    } else {
        let names: Vec<String> = captures.iter().map(|c| format!("@{c}")).collect();
        format!("captures in the query: {}", names.join(", "))
    }
}

fn is_kebab_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Compiles a query field, pointing a query error at its place in the file.
fn compile_query(name: &str, text: &str, source: &Spanned<String>, field: &str) -> Result<Query> {
    let query = Query::new(&python(), source.get_ref()).map_err(|e| {
        // Names (node types, fields, captures) come quoted.
        let quoted = e.message.trim_matches('"');
        let (what, len) = match e.kind {
            QueryErrorKind::Syntax => ("syntax error".to_string(), 1),
            QueryErrorKind::NodeType => (
                format!("`{quoted}` is not a node type of the Python grammar"),
                quoted.len(),
            ),
            QueryErrorKind::Field => (
                format!("`{quoted}` is not a field of the Python grammar"),
                quoted.len(),
            ),
            QueryErrorKind::Capture => (format!("unknown capture `@{quoted}`"), quoted.len()),
            QueryErrorKind::Predicate => (format!("invalid predicate: {}", e.message), 1),
            QueryErrorKind::Structure => ("impossible pattern structure".to_string(), 1),
            QueryErrorKind::Language => (format!("language error: {}", e.message), 1),
        };
        Error::input(
            name,
            text.to_string(),
            sub_span(text, source, e.offset..e.offset + len.max(1)),
            format!("invalid tree-sitter query in `{field}`: {what}"),
            "here",
            Some("check the query with the Python grammar's node types (`tree-sitter parse` shows them)".into()),
        )
    })?;
    for pattern in 0..query.pattern_count() {
        let unsupported = query
            .general_predicates(pattern)
            .iter()
            .map(|p| format!("#{}", p.operator))
            .chain(
                query
                    .property_predicates(pattern)
                    .iter()
                    .map(|(_, positive)| if *positive { "#is?" } else { "#is-not?" }.to_string()),
            )
            .chain(
                query
                    .property_settings(pattern)
                    .iter()
                    .map(|_| "#set!".to_string()),
            )
            .next();
        if let Some(op) = unsupported {
            let span = query.start_byte_for_pattern(pattern)..query.end_byte_for_pattern(pattern);
            return Err(Error::input(
                name,
                text.to_string(),
                sub_span(text, source, span),
                format!("`{op}` is not supported in `{field}`: it would be silently ignored"),
                "in this pattern",
                Some(
                    "supported predicates: #eq?, #not-eq?, #any-eq?, #any-not-eq?, #match?, \
                     #not-match?, #any-match?, #any-not-match?, #any-of?, #not-any-of?"
                        .into(),
                ),
            ));
        }
    }
    Ok(query)
}

fn glob_set(name: &str, text: &str, globs: &[Spanned<String>]) -> Result<Option<GlobSet>> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = GlobBuilder::new(glob.get_ref())
            .literal_separator(true)
            .build()
            .map_err(|e| {
                Error::input(
                    name,
                    text.to_string(),
                    glob.span(),
                    format!("invalid glob: {}", e.kind()),
                    "here",
                    None,
                )
            })?;
        builder.add(compiled);
    }
    builder.build().map(Some).map_err(|e| {
        Error::input(
            name,
            text.to_string(),
            globs[0].span(),
            format!("invalid globs: {e}"),
            "here",
            None,
        )
    })
}

/// Splits a message into text and `{capture}` references. `{` not followed
/// by a name and `}` is literal text.
fn parse_template(message: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        text.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(Piece::Capture(after[..name_len].to_string()));
            rest = &after[name_len + 1..];
        } else {
            text.push('{');
            rest = after;
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

fn leak_registered(rule: QueryRule) -> &'static Registered {
    let rule: &'static QueryRule = Box::leak(Box::new(rule));
    Box::leak(Box::new(Registered::Ast(rule)))
}

fn builtin_ids() -> HashMap<String, String> {
    registry::all()
        .iter()
        .map(|r| (r.meta().id.to_string(), "a built-in rule".to_string()))
        .collect()
}

static SHIPPED: OnceLock<Vec<&'static Registered>> = OnceLock::new();

/// The declarative rules shipped in the binary (the repository's rules/),
/// compiled once per process.
pub fn shipped() -> Result<&'static [&'static Registered]> {
    if let Some(rules) = SHIPPED.get() {
        return Ok(rules);
    }
    let mut taken = builtin_ids();
    let mut rules = Vec::with_capacity(shipped::FILES.len());
    for (name, text) in shipped::FILES {
        rules.push(leak_registered(compile(
            name,
            text,
            Origin::Shipped(name),
            &mut taken,
        )?));
    }
    Ok(SHIPPED.get_or_init(|| rules))
}

/// Every rule this run knows: built-in, shipped declarative, and the
/// `*.toml` files of `rules_dir` (not recursive, sorted by name).
pub fn catalog(rules_dir: Option<&Path>) -> Result<Vec<&'static Registered>> {
    let mut all: Vec<&'static Registered> = registry::all().iter().collect();
    all.extend(shipped()?.iter().copied());
    if let Some(dir) = rules_dir {
        let mut taken: HashMap<String, String> = all
            .iter()
            .map(|r| (r.meta().id.to_string(), source_of(r)))
            .collect();
        all.extend(load_dir(dir, &mut taken)?);
    }
    Ok(all)
}

/// Loads the `*.toml` rule files directly inside `dir`.
pub fn load_dir(
    dir: &Path,
    taken: &mut HashMap<String, String>,
) -> Result<Vec<&'static Registered>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read the rules folder", dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read the rules folder", dir, e))?;
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "toml") {
            continue;
        }
        let kind = entry.file_type().map_err(|e| Error::io("read", &path, e))?;
        if kind.is_symlink() {
            return Err(Error::usage(
                format!("rule file `{}` is a symbolic link", path.display()),
                Some("agentlint does not follow symbolic links; copy the file instead".into()),
            ));
        }
        if kind.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut rules = Vec::with_capacity(files.len());
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
        let name = path.display().to_string();
        rules.push(leak_registered(compile(
            &name,
            &text,
            Origin::User(path.clone()),
            taken,
        )?));
    }
    Ok(rules)
}

/// Compiles one rule file's text as a user rule would be (checked against
/// the built-in and shipped ids). For tests and tools.
pub fn compile_str(name: &str, text: &str) -> Result<&'static QueryRule> {
    let mut taken = builtin_ids();
    for rule in shipped()? {
        taken.insert(rule.meta().id.to_string(), source_of(rule));
    }
    let rule = compile(name, text, Origin::User(PathBuf::from(name)), &mut taken)?;
    Ok(Box::leak(Box::new(rule)))
}

/// Where a rule comes from, for `agentlint rules`: `built-in`, the shipped
/// file (`rules/NAME.toml`) or the user's file.
pub fn source_of(rule: &Registered) -> String {
    match rule {
        Registered::Ast(ast) => ast
            .as_query()
            .map(|q| q.origin().to_string())
            .unwrap_or_else(|| "built-in".to_string()),
        _ => "built-in".to_string(),
    }
}

#[cfg(test)]
mod tests;
