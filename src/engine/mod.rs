//! The check pipeline: load each changed file, parse it once, run every
//! selected AST rule in one walk, keep the findings on changed lines.
//! Files are processed in parallel with one parser per rayon worker; a
//! tree is dropped as soon as its rules have run.

pub mod changeset;
pub mod filter;
pub mod partial;
pub mod query;
pub mod walk;

use crate::change::{ChangeSet, ChangedFile, ChangedLines, Content, Mode, Status};
use crate::finding::Finding;
use crate::registry::Registered;
use crate::report::{Report, SkipReason};
use crate::rule::{AstContext, RawFinding};
use crate::settings::Settings;
use crate::source::{looks_binary, Source, WorkTreeReader as Loader};
use memchr::memmem::Finder;
use query::QueryPass;
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tree_sitter::{Parser, QueryCursor};
use walk::Dispatcher;

/// What happened to one file.
#[derive(Debug)]
pub enum Outcome {
    /// Linted (or ruled out by the byte scan without parsing).
    Checked {
        syntax_error: bool,
        lossy: bool,
    },
    Skipped(SkipReason),
}

#[derive(Debug)]
pub struct FileResult {
    pub path: String,
    pub outcome: Outcome,
    pub findings: Vec<Finding>,
    /// Kept only when the file has findings, for printers that show code.
    pub source: Option<Arc<str>>,
}

pub fn is_python(path: &str) -> bool {
    path.ends_with(".py") || path.ends_with(".pyi")
}

/// Runs the selected rules over a change set.
pub fn check(changes: &ChangeSet, settings: &Settings) -> Report {
    let checker = Checker::new(settings, &changes.root, changes.mode == Mode::All);
    let results: Vec<FileResult> = changes
        .files
        .par_iter()
        .map(|file| checker.check(file))
        .collect();
    checker.report(changes, results)
}

/// The selected rules, ready to check one file at a time from any thread:
/// `check` runs it over a whole change set, and `--since` on each file as
/// soon as its changed lines are known.
pub struct Checker<'s> {
    settings: &'s Settings,
    language: tree_sitter::Language,
    dispatcher: Dispatcher,
    finders: Vec<Finder<'static>>,
    prefilter: bool,
    queries: QueryPass,
    root: PathBuf,
    canonical_root: PathBuf,
    allow_outside: bool,
}

thread_local! {
    /// One parser and query cursor per thread, made on first use.
    static PARSER: RefCell<Option<(Parser, QueryCursor)>> = const { RefCell::new(None) };
}

impl<'s> Checker<'s> {
    /// `whole_files`: every line of every file counts as changed (`--all`).
    pub fn new(settings: &'s Settings, root: &Path, whole_files: bool) -> Self {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let (query_rules, ast_rules): (Vec<_>, Vec<_>) = settings
            .selection
            .rules()
            .filter_map(|r| match r {
                Registered::Ast(rule) => Some(*rule),
                _ => None,
            })
            .partition(|r| r.as_query().is_some());
        // Declarative rules run in one query pass (see `query`), not the walk.
        let queries = QueryPass::new(
            query_rules.iter().filter_map(|&r| r.as_query()).collect(),
            whole_files,
        );
        let finders: Vec<Finder<'static>> = ast_rules
            .iter()
            .flat_map(|r| r.needles(&settings.options))
            .map(|needle| Finder::new(&needle).into_owned())
            .collect();
        // A rule without needles can fire anywhere: no byte-scan shortcut then.
        let prefilter = ast_rules
            .iter()
            .all(|r| !r.needles(&settings.options).is_empty());
        let dispatcher = Dispatcher::new(&language, ast_rules);
        Checker {
            settings,
            language,
            dispatcher,
            finders,
            prefilter,
            queries,
            root: root.to_path_buf(),
            canonical_root: crate::source::canonical(root),
            allow_outside: whole_files,
        }
    }

    fn loader(&self) -> Loader<'_> {
        Loader {
            root: &self.root,
            canonical_root: &self.canonical_root,
            allow_outside: self.allow_outside,
        }
    }

    /// Runs the AST rules over one changed file.
    pub fn check(&self, file: &ChangedFile) -> FileResult {
        let rules = FileRules {
            dispatcher: &self.dispatcher,
            finders: &self.finders,
            prefilter: self.prefilter,
            queries: &self.queries,
        };
        PARSER.with_borrow_mut(|slot| {
            let (parser, cursor) = slot.get_or_insert_with(|| {
                let mut parser = Parser::new();
                // Checked by a unit test: the grammar's ABI fits this tree-sitter.
                let _ = parser.set_language(&self.language);
                (parser, QueryCursor::new())
            });
            check_file(file, &self.loader(), parser, cursor, &rules, self.settings)
        })
    }

    /// The report of a change set whose files' results are `results` (in
    /// the order of `changes.files`): adds the change-set rules' findings
    /// and applies suppressions.
    pub fn report(&self, changes: &ChangeSet, results: Vec<FileResult>) -> Report {
        let mut report = Report::default();
        report.notices.extend(changes.notices.iter().cloned());
        report.notices.extend(self.settings.notices.iter().cloned());
        for result in results {
            report.add_file(result);
        }
        changeset::run(changes, self.settings, &self.loader(), &mut report);
        report.apply_suppressions();
        report.finish();
        report
    }
}

fn skipped(file: &ChangedFile, reason: SkipReason) -> FileResult {
    FileResult {
        path: file.path.clone(),
        outcome: Outcome::Skipped(reason),
        findings: Vec::new(),
        source: None,
    }
}

/// The selected AST rules: the walk's (with their byte prefilter) and the
/// declarative rules' query pass.
struct FileRules<'a> {
    dispatcher: &'a Dispatcher,
    finders: &'a [Finder<'static>],
    prefilter: bool,
    queries: &'a QueryPass,
}

fn check_file(
    file: &ChangedFile,
    loader: &Loader<'_>,
    parser: &mut Parser,
    cursor: &mut QueryCursor,
    rules: &FileRules<'_>,
    settings: &Settings,
) -> FileResult {
    let dispatcher = rules.dispatcher;
    match file.status {
        Status::Deleted => return skipped(file, SkipReason::Deleted),
        Status::Binary => return skipped(file, SkipReason::Binary),
        Status::NotAFile => return skipped(file, SkipReason::NotAFile),
        Status::Submodule => return skipped(file, SkipReason::Submodule),
        Status::Added | Status::Modified | Status::Renamed => {}
    }
    if !is_python(&file.path) {
        return skipped(file, SkipReason::NoRules);
    }
    if (dispatcher.is_empty() && rules.queries.is_empty()) || file.lines.is_untouched() {
        // Nothing selected, or a pure rename / mode change with no new or
        // deleted lines: nothing in the file can be part of the change.
        return FileResult {
            path: file.path.clone(),
            outcome: Outcome::Checked {
                syntax_error: false,
                lossy: false,
            },
            findings: Vec::new(),
            source: None,
        };
    }
    let bytes = match &file.content {
        Content::WorkTree => match loader.read(&file.path) {
            Ok(bytes) => bytes,
            Err(reason) => return skipped(file, reason),
        },
        Content::Bytes(bytes) => bytes.as_ref().clone(),
        Content::None => return skipped(file, SkipReason::Unreadable("no content".into())),
    };
    if looks_binary(&bytes) {
        return skipped(file, SkipReason::Binary);
    }
    let walk = !dispatcher.is_empty()
        && (!rules.prefilter || rules.finders.iter().any(|f| f.find(&bytes).is_some()));
    let whole_file = matches!(file.lines, ChangedLines::All);
    let query =
        !rules.queries.is_empty() && rules.queries.may_apply(&file.path, &bytes, whole_file);
    if !walk && !query {
        return FileResult {
            path: file.path.clone(),
            outcome: Outcome::Checked {
                syntax_error: false,
                lossy: std::str::from_utf8(&bytes).is_err(),
            },
            findings: Vec::new(),
            source: None,
        };
    }
    let source = Source::from_bytes(file.path.clone(), bytes);
    let text = source.text.as_bytes();
    let Some((tree, parsed)) = parse(parser, text, &file.lines) else {
        return skipped(file, SkipReason::Unreadable("the parser gave up".into()));
    };
    // A query only sees the parsed parts: its needles must be there.
    let active = match (&parsed, query) {
        (_, false) => Vec::new(),
        (Some(ranges), true) => {
            let parts: Vec<&[u8]> = ranges
                .iter()
                .map(|r| &text[r.start_byte..r.end_byte])
                .collect();
            rules.queries.active(Some(&file.path), &parts, text)
        }
        (None, true) => rules.queries.active(Some(&file.path), &[text], text),
    };
    let query = active.contains(&true);
    let root = tree.root_node();
    let mut cx = AstContext::new(text, root, &settings.options);
    if walk {
        dispatcher.walk(root, &mut cx);
    }
    if query {
        rules
            .queries
            .run(&active, root, &file.lines, cursor, &mut cx);
    }
    let syntax_error = root.has_error();
    let raw = cx.into_findings();
    drop(tree);

    let findings: Vec<Finding> = raw
        .into_iter()
        .map(|r| resolve(r, &source, settings))
        .filter(|f| filter::in_change(f, &file.lines))
        .collect();
    FileResult {
        path: file.path.clone(),
        outcome: Outcome::Checked {
            syntax_error,
            lossy: source.lossy,
        },
        source: (!findings.is_empty()).then(|| source.text.clone()),
        findings,
    }
}

/// Parses the parts of a file that can hold findings on its changed lines
/// (see `partial`), or the whole file; the parser is left whole-file.
/// Returns the tree and, for a partial parse, the ranges it covers.
fn parse(
    parser: &mut Parser,
    text: &[u8],
    lines: &ChangedLines,
) -> Option<(tree_sitter::Tree, Option<Vec<tree_sitter::Range>>)> {
    if let Some(ranges) = partial::included_ranges(text, lines) {
        let tree = parser
            .set_included_ranges(&ranges)
            .ok()
            .and_then(|()| parser.parse(text, None));
        let _ = parser.set_included_ranges(&[]);
        // A syntax error in the parts may come from a wrong cut: parse it all.
        if let Some(tree) = tree.filter(|t| !t.root_node().has_error()) {
            return Some((tree, Some(ranges)));
        }
    }
    parser.parse(text, None).map(|tree| (tree, None))
}

/// Turns a rule's byte-span finding into a positioned one.
fn resolve(raw: RawFinding, source: &Source, settings: &Settings) -> Finding {
    let start = source.position(raw.span.start);
    let end = source.position(raw.span.end);
    let scope_lines = raw.scope.map(|s| {
        (
            source.lines.line_of(s.start),
            source.lines.line_of(s.end.saturating_sub(1).max(s.start)),
        )
    });
    Finding {
        rule: raw.rule.id,
        severity: settings
            .selection
            .severity(raw.rule.id)
            .unwrap_or(raw.rule.default_severity),
        path: source.path.clone(),
        span: raw.span,
        start,
        end,
        message: raw.message,
        help: raw.help,
        scope_lines,
        related: raw
            .related
            .into_iter()
            .map(|(span, message)| crate::finding::Related {
                start: source.position(span.start),
                end: source.position(span.end),
                span,
                message,
            })
            .collect(),
        extra: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn grammar_abi_fits_this_tree_sitter() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("tree-sitter-python's ABI is supported by this tree-sitter");
        let tree = parser.parse("x = 1\n", None).expect("parsed");
        assert_eq!(tree.root_node().kind(), "module");
    }
}
