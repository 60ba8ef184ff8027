//! The query pass: every selected declarative rule (rules/*.toml) runs in
//! one `QueryCursor` pass over the tree the engine already parsed for the
//! walk. The rules' queries are concatenated into one combined `Query`, so
//! N declarative rules cost one pass, not N; a match's pattern index tells
//! which rule it belongs to. The pass only runs on files where at least one
//! declarative rule applies (path globs) and its needles occur.
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

    fn new(query: GroupQuery, rules: &[(usize, &'static QueryRule)]) -> Option<Group> {
        let mut group = Group {
            query,
            pattern_member: Vec::new(),
            members: Vec::new(),
        };
        let q = group.query();
        let mut pattern_member = Vec::new();
        let mut members = Vec::new();
        for (index, rule) in rules {
            let member_ix = members.len();
            pattern_member.extend(std::iter::repeat_n(member_ix, rule.query().pattern_count()));
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
        if pattern_member.len() != q.pattern_count() {
            return None;
        }
        group.pattern_member = pattern_member;
        group.members = members;
        Some(group)
    }
}

/// The selected declarative rules, compiled for one run.
pub struct QueryPass {
    rules: Vec<&'static QueryRule>,
    finders: Vec<Vec<Finder<'static>>>,
    /// Per rule: byte strings that exempt a whole file.
    unless: Vec<Vec<Finder<'static>>>,
    groups: Vec<Group>,
}

impl QueryPass {
    /// `combine`: concatenate the rules' queries into one, for one pass per
    /// file. Worth its compile time (a few ms per rule) on full scans; diff
    /// modes look at a few changed rows and reuse each rule's own query.
    pub fn new(rules: Vec<&'static QueryRule>, combine: bool) -> Self {
        let finders_of = |list: &[Vec<u8>]| -> Vec<Finder<'static>> {
            list.iter().map(|n| Finder::new(n).into_owned()).collect()
        };
        let finders = rules.iter().map(|r| finders_of(r.needle_list())).collect();
        let unless = rules.iter().map(|r| finders_of(r.unless_list())).collect();
        let indexed: Vec<(usize, &'static QueryRule)> = rules.iter().copied().enumerate().collect();
        let mut groups = Vec::new();
        if combine && rules.len() > 1 {
            let source: String = rules
                .iter()
                .map(|r| format!("{}\n", r.query_text()))
                .collect();
            let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
            if let Some(group) = Query::new(&language, &source)
                .ok()
                .and_then(|q| Group::new(GroupQuery::Combined(q), &indexed))
            {
                groups.push(group);
            }
        }
        if groups.is_empty() {
            // One rule, or (never seen) queries that do not combine: one
            // pass per rule, each with its own compiled query.
            groups = indexed
                .iter()
                .filter_map(|&(i, rule)| Group::new(GroupQuery::Single(rule.query()), &[(i, rule)]))
                .collect();
        }
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

    /// Which rules may fire on this file: their globs accept the path (not
    /// checked when `path` is `None`), one of their needles occurs and none
    /// of their `unless-file-contains` strings does.
    pub fn active(&self, path: Option<&str>, bytes: &[u8]) -> Vec<bool> {
        self.rules
            .iter()
            .zip(self.finders.iter().zip(&self.unless))
            .map(|(rule, (finders, unless))| {
                path.is_none_or(|p| rule.applies_to(p))
                    && (finders.is_empty() || finders.iter().any(|f| f.find(bytes).is_some()))
                    && !unless.iter().any(|f| f.find(bytes).is_some())
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
        for group in &self.groups {
            if !group.members.iter().any(|m| active[m.rule]) {
                continue;
            }
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
    let active = pass.active(None, code.as_bytes());
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
