//! The query pass: the selected declarative rules (rules/*.toml) run over
//! the tree the engine already parsed for the walk. On full scans their
//! queries are concatenated into one combined `Query`, so N declarative
//! rules cost one pass, not N; a match's pattern index tells which rule it
//! belongs to. In diff modes each rule keeps its own query, compiled the
//! first time a file needs it. A rule only runs on a file its path globs
//! accept and whose parsed parts hold one of its needles.
//!
//! Why not register node kinds with the walk: the walk deliberately does
//! not enter expressions (no statement rule needs them, and skipping them
//! is what keeps the built-in rules fast), while `print(...)` calls and
//! comments live anywhere. A query pass on demand leaves the walk's cost
//! untouched when no declarative rule is selected.
//!
//! Measured (CPython 3.11 stdlib, 1,790 files, `check --all`, release
//! build, median CPU time of 5 runs on a loaded 2-core machine): the 3
//! built-in rules 7.0-7.9 s; with the 4 shipped declarative rules added
//! 8.5-10.2 s (+16-31 %), peak RSS 38 -> 49 MB. One combined query versus
//! one pass per rule: 9.3 s versus 10.1 s (within the noise, never worse).

use crate::change::ChangedLines;
use crate::rule::{AstContext, RawFinding};
use crate::rules::declarative::{Piece, QueryRule};
use memchr::memmem::Finder;
use std::ops::Range;
use std::sync::OnceLock;
use tree_sitter::{Node, Point, Query, QueryCursor, StreamingIterator};

enum GroupQuery {
    /// The concatenation of several rules' queries.
    Combined(Query),
    /// One rule's own query.
    Single(&'static Query),
}

struct Member {
    /// Index into `QueryPass::rules`.
    rule: usize,
    anchor: u32,
    scope: Option<u32>,
    /// Capture index per `Piece::Capture` of the rule's message, in order.
    message: Vec<Option<u32>>,
}

/// One compiled query and the rules its patterns belong to.
struct Group {
    query: GroupQuery,
    /// Pattern index -> index into `members`.
    pattern_member: Vec<usize>,
    members: Vec<Member>,
}

impl Group {
    fn query(&self) -> &Query {
        match &self.query {
            GroupQuery::Combined(q) => q,
            GroupQuery::Single(q) => q,
        }
    }

    /// `starts[i]`: where member `i`'s patterns start in the query source.
    fn new(
        query: GroupQuery,
        rules: &[(usize, &'static QueryRule)],
        starts: &[usize],
    ) -> Option<Group> {
        let mut group = Group {
            query,
            pattern_member: Vec::new(),
            members: Vec::new(),
        };
        let q = group.query();
        let pattern_member = (0..q.pattern_count())
            .map(|pattern| {
                let at = q.start_byte_for_pattern(pattern);
                starts.partition_point(|&s| s <= at).saturating_sub(1)
            })
            .collect();
        let mut members = Vec::new();
        for (index, rule) in rules {
            let message = rule
                .message()
                .iter()
                .filter_map(|p| match p {
                    Piece::Capture(name) => Some(q.capture_index_for_name(name)),
                    Piece::Text(_) => None,
                })
                .collect();
            members.push(Member {
                rule: *index,
                anchor: q.capture_index_for_name(rule.anchor())?,
                scope: rule
                    .scope_capture()
                    .and_then(|s| q.capture_index_for_name(s)),
                message,
            });
        }
        group.pattern_member = pattern_member;
        group.members = members;
        Some(group)
    }
}

/// A group compiled on first use: a diff whose changed statements hold
/// none of a rule's needles never compiles that rule's query.
struct LazyGroup {
    /// Its rules, as indices into `QueryPass::rules`.
    rules: Vec<usize>,
    /// The concatenated source, when several rules share one query.
    combined: Option<String>,
    compiled: OnceLock<Option<Group>>,
}

impl LazyGroup {
    fn get(&self, all: &[&'static QueryRule]) -> Option<&Group> {
        self.compiled
            .get_or_init(|| {
                let rules: Vec<(usize, &'static QueryRule)> =
                    self.rules.iter().map(|&i| (i, all[i])).collect();
                match &self.combined {
                    Some(source) => {
                        let mut starts = Vec::with_capacity(rules.len());
                        let mut at = 0;
                        for (_, rule) in &rules {
                            starts.push(at);
                            at += rule.query_text().len() + 1;
                        }
                        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
                        let query = Query::new(&language, source).ok()?;
                        Group::new(GroupQuery::Combined(query), &rules, &starts)
                    }
                    None => {
                        let (_, rule) = *rules.first()?;
                        Group::new(GroupQuery::Single(rule.query()?), &rules, &[0])
                    }
                }
            })
            .as_ref()
    }
}

/// The selected declarative rules, compiled for one run.
pub struct QueryPass {
    rules: Vec<&'static QueryRule>,
    finders: Vec<Vec<Finder<'static>>>,
    /// Per rule: byte strings that exempt a whole file.
    unless: Vec<Vec<Finder<'static>>>,
    groups: Vec<LazyGroup>,
}

impl QueryPass {
    /// `combine`: concatenate the rules' queries into one, for one pass per
    /// file. Worth its compile time on full scans; diff modes look at a few
    /// changed statements and compile each rule's own query only when a
    /// file needs it.
    pub fn new(rules: Vec<&'static QueryRule>, combine: bool) -> Self {
        let finders_of = |list: &[Vec<u8>]| -> Vec<Finder<'static>> {
            list.iter().map(|n| Finder::new(n).into_owned()).collect()
        };
        let finders = rules.iter().map(|r| finders_of(r.needle_list())).collect();
        let unless = rules.iter().map(|r| finders_of(r.unless_list())).collect();
        let groups = if combine && rules.len() > 1 {
            let source: String = rules
                .iter()
                .map(|r| format!("{}\n", r.query_text()))
                .collect();
            vec![LazyGroup {
                rules: (0..rules.len()).collect(),
                combined: Some(source),
                compiled: OnceLock::new(),
            }]
        } else {
            (0..rules.len())
                .map(|i| LazyGroup {
                    rules: vec![i],
                    combined: None,
                    compiled: OnceLock::new(),
                })
                .collect()
        };
        QueryPass {
            rules,
            finders,
            unless,
            groups,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Number of tree passes per file (1 when the queries combined).
    pub fn passes(&self) -> usize {
        self.groups.len()
    }

    /// How many queries were compiled so far (for tests of laziness).
    pub fn compiled(&self) -> usize {
        self.groups
            .iter()
            .filter(|g| g.compiled.get().is_some())
            .count()
    }

    /// Whether any rule may fire on a file: its globs accept the path, one
    /// of its needles occurs in `whole` (the first found ends the search)
    /// and, with `exempts`, none of its `unless-file-contains` strings does.
    /// Decides whether to parse; in diff modes the caller leaves the
    /// exemptions to `active`, which looks only at the parsed parts.
    pub fn may_apply(&self, path: &str, whole: &[u8], exempts: bool) -> bool {
        self.rules
            .iter()
            .zip(self.finders.iter().zip(&self.unless))
            .any(|(rule, (finders, unless))| {
                rule.applies_to(path)
                    && (finders.is_empty() || finders.iter().any(|f| f.find(whole).is_some()))
                    && !(exempts && unless.iter().any(|f| f.find(whole).is_some()))
            })
    }

    /// Which rules may fire on this file: their globs accept the path (not
    /// checked when `path` is `None`), one of their needles occurs in
    /// `searched` (the parts of the file that are parsed) and none of their
    /// `unless-file-contains` strings occurs in the `whole` file.
    pub fn active(&self, path: Option<&str>, searched: &[&[u8]], whole: &[u8]) -> Vec<bool> {
        self.rules
            .iter()
            .zip(self.finders.iter().zip(&self.unless))
            .map(|(rule, (finders, unless))| {
                path.is_none_or(|p| rule.applies_to(p))
                    && (finders.is_empty()
                        || finders
                            .iter()
                            .any(|f| searched.iter().any(|part| f.find(part).is_some())))
                    && !unless.iter().any(|f| f.find(whole).is_some())
            })
            .collect()
    }

    /// Runs the active rules over a parsed file and reports into `cx`.
    pub fn run(
        &self,
        active: &[bool],
        root: Node<'_>,
        lines: &ChangedLines,
        cursor: &mut QueryCursor,
        cx: &mut AstContext<'_>,
    ) {
        let text = cx.source;
        // Only matches that meet a changed line can be kept by the filter.
        match point_range(lines) {
            Some(range) => cursor.set_point_range(range),
            None => cursor.set_byte_range(0..usize::MAX),
        };
        let mut found: Vec<(usize, RawFinding)> = Vec::new();
        for lazy in &self.groups {
            if !lazy.rules.iter().any(|&r| active[r]) {
                continue;
            }
            // A query that does not compile (a shipped rule's, which a test
            // rules out; user rules are compiled when loaded) finds nothing.
            let Some(group) = lazy.get(&self.rules) else {
                continue;
            };
            let mut matches = cursor.matches(group.query(), root, text);
            while let Some(m) = matches.next() {
                let Some(member) = group
                    .pattern_member
                    .get(m.pattern_index)
                    .and_then(|&ix| group.members.get(ix))
                else {
                    continue;
                };
                if !active[member.rule] {
                    continue;
                }
                let Some(anchor) = m.nodes_for_capture_index(member.anchor).next() else {
                    continue;
                };
                let rule = self.rules[member.rule];
                let mut captures = member.message.iter();
                let mut message = String::new();
                for piece in rule.message() {
                    match piece {
                        Piece::Text(t) => message.push_str(t),
                        Piece::Capture(_) => {
                            if let Some(node) = captures
                                .next()
                                .copied()
                                .flatten()
                                .and_then(|ix| m.nodes_for_capture_index(ix).next())
                            {
                                message
                                    .push_str(&String::from_utf8_lossy(&text[node.byte_range()]));
                            }
                        }
                    }
                }
                let scope = member
                    .scope
                    .and_then(|ix| m.nodes_for_capture_index(ix).next())
                    .map(|n| n.byte_range());
                found.push((
                    member.rule,
                    RawFinding {
                        rule: rule.meta_static(),
                        span: anchor.byte_range(),
                        message,
                        help: rule.help().map(str::to_string),
                        scope,
                        related: Vec::new(),
                    },
                ));
            }
        }
        if found.is_empty() {
            return;
        }
        // Several patterns (or quantified captures) can match one node.
        found.sort_by_key(|(rule, f)| (*rule, f.span.start, f.span.end));
        found.dedup_by(|a, b| a.0 == b.0 && a.1.span == b.1.span);

        for (index, rule) in self.rules.iter().enumerate() {
            let Some(exempt) = rule.not_inside() else {
                continue;
            };
            if !found.iter().any(|(r, _)| *r == index) {
                continue;
            }
            let mut regions: Vec<Range<usize>> = Vec::new();
            let mut matches = cursor.matches(exempt, root, text);
            while let Some(m) = matches.next() {
                regions.extend(m.captures().iter().map(|c| c.node.byte_range()));
            }
            found.retain(|(r, f)| {
                *r != index
                    || !regions
                        .iter()
                        .any(|g| g.start <= f.span.start && f.span.end <= g.end)
            });
        }
        cx.findings.extend(found.into_iter().map(|(_, f)| f));
    }
}

/// The rows from the first to the last changed line, or `None` when every
/// line counts.
fn point_range(lines: &ChangedLines) -> Option<Range<Point>> {
    match lines {
        ChangedLines::All => None,
        ChangedLines::Lines { ranges, deletions } => {
            let first = ranges
                .iter()
                .map(|r| r.0)
                .chain(deletions.iter().copied())
                .min()?;
            let last = ranges
                .iter()
                .map(|r| r.1)
                .chain(deletions.iter().copied())
                .max()?;
            Some(Point::new(first.saturating_sub(1) as usize, 0)..Point::new(last as usize, 0))
        }
    }
}

/// Runs one declarative rule over a snippet (every line counts as
/// changed, path globs not applied; needles are). For the tests of the
/// rules' `valid` / `invalid` examples.
pub fn check_snippet(rule: &'static QueryRule, code: &str) -> Vec<RawFinding> {
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return Vec::new();
    }
    let Some(tree) = parser.parse(code, None) else {
        return Vec::new();
    };
    let pass = QueryPass::new(vec![rule], false);
    let active = pass.active(None, &[code.as_bytes()], code.as_bytes());
    let options = crate::settings::RuleOptions::default();
    let mut cx = AstContext::new(code.as_bytes(), tree.root_node(), &options);
    let mut cursor = QueryCursor::new();
    pass.run(
        &active,
        tree.root_node(),
        &ChangedLines::All,
        &mut cursor,
        &mut cx,
    );
    cx.into_findings()
}
