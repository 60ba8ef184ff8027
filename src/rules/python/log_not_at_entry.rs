//! log-not-at-entry: a function that logs, but not at its entry.

use crate::declare_rule;
use crate::rule::{AstContext, AstRule, RuleMeta};
use crate::settings::{LogPlacement, RuleOptions};
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Checks for functions and methods (`def`, `async def`) that contain a
    /// logging call, but whose first logging call does not run at the
    /// function's entry: it sits inside an `if`, an `except` clause, a loop
    /// or a conditional expression, or the function can `return` before
    /// it.
    ///
    /// ## Why is this bad?
    /// Agents know where a log statement may go syntactically but miss the
    /// operational intent: logs end up inside conditional branches and miss
    /// execution paths (the design's pitfall 3, "Syntax-Intent
    /// Misalignment"). The design's output standards say logging must be
    /// placed at function entry points, so every call is traceable whatever
    /// branch it takes.
    ///
    /// ## Example
    /// ```python
    /// def reset_window(self, batch):
    ///     if batch.is_new:
    ///         logger.debug("resetting window for %s", batch.id)
    ///         self.window_start = batch.started_at
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def reset_window(self, batch):
    ///     logger.debug("reset_window batch=%s new=%s", batch.id, batch.is_new)
    ///     if batch.is_new:
    ///         self.window_start = batch.started_at
    /// ```
    ///
    /// ## What counts as entry
    /// The first logging call must be a statement of the function's body
    /// (or of a `with` or `try` body at its top), and every path into the
    /// function that does not raise must reach it. So these may come
    /// before it: the docstring, straight-line code (such as the creation
    /// and setup of the logger the function logs with, or the work whose
    /// result a completion log reports), guard clauses that raise (`if not
    /// items: raise ValueError(...)`, `assert`), and `if`s, loops and
    /// `try`s none of whose paths returns; an early `return` may not.
    ///
    /// ## What counts as a logging call
    /// `logging.X(...)`, `NAME.X(...)`, `self.NAME.X(...)` and `cls.NAME.X(...)`
    /// where `X` is one of debug, info, warning, warn, error, exception,
    /// critical, fatal, log, and `NAME` matches the logger-name pattern
    /// (default: `log`, `logger`, `_log`, `_logger`, `__log`, `__logger`,
    /// `LOG`, `LOGGER`).
    ///
    /// ## Not flagged
    /// Functions with no logging call of their own (calls inside nested
    /// functions, classes and lambdas belong to those), and functions whose
    /// first logging call runs at their entry (see above).
    ///
    /// One finding per function, at its name on the `def` line, with the
    /// first logging call (and the branch before it) as related locations;
    /// reported whenever any line of the function is part of the change.
    ///
    /// ## Configuration
    /// ```toml
    /// [rules.log-not-at-entry]
    /// logger-name-pattern = '^(?:_{0,2}(?:log|logger)|LOG|LOGGER)$'
    /// placement = "entry"
    /// ```
    /// `placement` says what "at entry" means to the team:
    /// - `"entry"` (default): as above;
    /// - `"first-statement"`: the design's letter: the first statement
    ///   (after the docstring, the guard clauses that only raise and the
    ///   creation and setup of the logger) is a logging call;
    /// - `"every-path"`: every path through the function that returns
    ///   normally logs somewhere (`if`/`else` both logging is fine; a path
    ///   that ends in `raise` need not log). The finding then points at a
    ///   `return` (or the end of the function) reached without logging.
    pub LogNotAtEntry {
        id: "log-not-at-entry",
        scope: Python,
        severity: Warning,
        summary: "function logs, but not at its entry point",
    }
}

const LOG_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
];

const HELP: &str = "log at the function's entry, before any branch, so every path is traced";

impl AstRule for LogNotAtEntry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn needles(&self, _: &RuleOptions) -> Vec<Vec<u8>> {
        // Every logging call names one of the methods; `warn` covers `warning`.
        [
            "debug",
            "info",
            "warn",
            "error",
            "exception",
            "critical",
            "fatal",
            "log",
        ]
        .iter()
        .map(|m| m.as_bytes().to_vec())
        .collect()
    }

    /// log-not-at-entry
    fn check(&self, function: Node<'_>, cx: &mut AstContext<'_>) {
        let Some(body) = function.child_by_field_name("body") else {
            return;
        };
        let Some(name) = function.child_by_field_name("name") else {
            return;
        };
        // A function whose text names no logging method cannot log.
        let text = &cx.source[body.byte_range()];
        if !LOG_METHODS
            .iter()
            .any(|m| memchr::memmem::find(text, m.as_bytes()).is_some())
        {
            return;
        }
        let Some(first_log) = first_logging_call(body, cx) else {
            return;
        };
        let fn_name = cx.text(name).to_string();
        let placement = cx.options.log_placement;
        let (message, related) = match placement {
            LogPlacement::EveryPath => {
                let mut flow = Flow {
                    cx,
                    unlogged_exit: None,
                };
                let end = flow.block(body, false);
                let exit = match flow.unlogged_exit {
                    Some(exit) => (
                        exit.byte_range(),
                        "returns here without logging".to_string(),
                    ),
                    None if end.reachable && !end.logged => {
                        let last = last_statement(body).unwrap_or(body);
                        (
                            last.byte_range(),
                            "the function can end after this without logging".to_string(),
                        )
                    }
                    None => return,
                };
                (
                    format!(
                        "`{fn_name}` logs, but not on every path: it can return without logging"
                    ),
                    vec![
                        exit,
                        (first_log.byte_range(), "the first logging call".to_string()),
                    ],
                )
            }
            LogPlacement::Entry | LogPlacement::FirstStatement => {
                let strict = placement == LogPlacement::FirstStatement;
                let mut setup = Vec::new();
                match at_entry(body, first_log, strict, true, &mut setup, cx) {
                    Verdict::AtEntry => return,
                    Verdict::Inside(kind) => (
                        format!(
                            "`{fn_name}` logs, but not at its entry: its first logging call is inside {kind}"
                        ),
                        vec![(
                            first_log.byte_range(),
                            format!("the first logging call, inside {kind}"),
                        )],
                    ),
                    Verdict::After(stmt) => (
                        format!("`{fn_name}` logs, but its first statement is not a logging call"),
                        vec![
                            (keyword(stmt), "the first statement".to_string()),
                            (first_log.byte_range(), "the first logging call".to_string()),
                        ],
                    ),
                    Verdict::Returns(exit) => (
                        format!(
                            "`{fn_name}` logs, but not at its entry: it can return before its first logging call"
                        ),
                        vec![
                            (exit.byte_range(), "returns here without logging".to_string()),
                            (first_log.byte_range(), "the first logging call".to_string()),
                        ],
                    ),
                }
            }
        };
        let finding = cx
            .report(&Self::META, name.byte_range(), message)
            .help(HELP)
            .scope(function.byte_range());
        for (span, label) in related {
            finding.related(span, label);
        }
    }
}

/// Where a function's first logging call stands with respect to its entry.
enum Verdict<'t> {
    AtEntry,
    /// Nested inside a construct that does not always run it (named).
    Inside(&'static str),
    /// Strictly: after this statement, which is not a log.
    After(Node<'t>),
    /// A path returns at this statement before the first logging call.
    Returns(Node<'t>),
}

/// Judges the statements of `block` up to the one holding `first_log`.
/// `strict`: only the docstring, guard clauses and the logger's setup may
/// come first; otherwise any statement may, as long as no path through it
/// returns (a path that raises need not log).
fn at_entry<'t>(
    block: Node<'t>,
    first_log: Node<'t>,
    strict: bool,
    top: bool,
    setup: &mut Vec<String>,
    cx: &AstContext<'_>,
) -> Verdict<'t> {
    let log_at = first_log.start_byte();
    let mut cursor = block.walk();
    let stmts: Vec<Node<'t>> = block
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .collect();
    for (i, stmt) in stmts.into_iter().enumerate() {
        if stmt.start_byte() <= log_at && log_at < stmt.end_byte() {
            if is_logging_statement(stmt, cx) {
                return Verdict::AtEntry;
            }
            // The body of a `with`, and of a `try` up to its first
            // statement, run on every path into them.
            if !strict {
                let inner = match stmt.kind() {
                    "with_statement" => stmt.child_by_field_name("body"),
                    "try_statement" => stmt.child_by_field_name("body"),
                    _ => None,
                };
                if let Some(inner) =
                    inner.filter(|b| b.start_byte() <= log_at && log_at < b.end_byte())
                {
                    return at_entry(inner, first_log, strict, false, setup, cx);
                }
            }
            return Verdict::Inside(enclosing_construct(first_log, stmt));
        }
        if (top && i == 0 && is_docstring(stmt)) || is_guard(stmt) {
            continue;
        }
        if strict {
            let allowed = is_logger_setup(stmt, setup, cx)
                || matches!(stmt.kind(), "global_statement" | "nonlocal_statement");
            if !allowed {
                return Verdict::After(stmt);
            }
            continue;
        }
        let mut flow = Flow {
            cx,
            unlogged_exit: None,
        };
        let end = flow.statement(stmt, false);
        if let Some(exit) = flow.unlogged_exit {
            return Verdict::Returns(exit);
        }
        if !end.reachable {
            // Every path raises first: the logging call is never reached.
            return Verdict::AtEntry;
        }
    }
    Verdict::AtEntry
}

/// The block of a clause (`except`, `finally`, `else`, `case`).
fn block_of(clause: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = clause.walk();
    let found = clause
        .named_children(&mut cursor)
        .find(|n| n.kind() == "block");
    found
}

/// A non-empty block of `raise` statements only.
fn only_raises(block: Node<'_>) -> bool {
    let mut cursor = block.walk();
    let mut stmts = block
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .peekable();
    stmts.peek().is_some() && stmts.all(|s| s.kind() == "raise_statement")
}

/// A guard clause: `assert`, or an `if` whose every branch only raises.
fn is_guard(stmt: Node<'_>) -> bool {
    match stmt.kind() {
        "assert_statement" => true,
        "if_statement" => {
            let mut blocks = Vec::new();
            if let Some(b) = stmt.child_by_field_name("consequence") {
                blocks.push(b);
            }
            let mut cursor = stmt.walk();
            for clause in stmt.children_by_field_name("alternative", &mut cursor) {
                if let Some(b) = clause
                    .child_by_field_name("consequence")
                    .or_else(|| clause.child_by_field_name("body"))
                {
                    blocks.push(b);
                }
            }
            !blocks.is_empty() && blocks.iter().all(|b| only_raises(*b))
        }
        _ => false,
    }
}

/// The setup of the logger before it logs: `logger = logging.getLogger(...)`,
/// `handler = logging.StreamHandler()`, and calls of those objects' methods
/// (`logger.addHandler(handler)`, `logger.setLevel(level)`). Records the
/// names it binds in `setup`.
fn is_logger_setup(stmt: Node<'_>, setup: &mut Vec<String>, cx: &AstContext<'_>) -> bool {
    if stmt.kind() != "expression_statement" {
        return false;
    }
    let Some(expr) = stmt.named_child(0) else {
        return false;
    };
    let from_logging = |value: Node<'_>| {
        value.kind() == "call"
            && value.child_by_field_name("function").is_some_and(|f| {
                cx.bindings()
                    .resolve(f, cx.source)
                    .is_some_and(|q| q.starts_with("logging."))
            })
    };
    let is_setup_object = |node: Option<Node<'_>>| {
        node.is_some_and(|n| {
            let text = cx.text(n);
            setup.iter().any(|s| s == text) || is_logger_name(n, cx)
        })
    };
    match expr.kind() {
        "assignment" => {
            let (Some(left), Some(right)) = (
                expr.child_by_field_name("left"),
                expr.child_by_field_name("right"),
            ) else {
                return false;
            };
            if from_logging(right) && matches!(left.kind(), "identifier" | "attribute") {
                setup.push(cx.text(left).to_string());
                return true;
            }
            // `logger.propagate = False`
            left.kind() == "attribute" && is_setup_object(left.child_by_field_name("object"))
        }
        "call" => {
            let Some(func) = expr
                .child_by_field_name("function")
                .filter(|f| f.kind() == "attribute")
            else {
                return false;
            };
            let method = func.child_by_field_name("attribute").map(|m| cx.text(m));
            !method.is_some_and(|m| LOG_METHODS.contains(&m))
                && is_setup_object(func.child_by_field_name("object"))
        }
        _ => false,
    }
}

/// What an expression of the function names as its logger (`logger`,
/// `self.log`).
fn is_logger_name(node: Node<'_>, cx: &AstContext<'_>) -> bool {
    match node.kind() {
        "identifier" => cx.options.logger_name_pattern.is_match(cx.text(node)),
        "attribute" => {
            node.child_by_field_name("object")
                .is_some_and(|o| matches!(cx.text(o), "self" | "cls"))
                && node
                    .child_by_field_name("attribute")
                    .is_some_and(|a| cx.options.logger_name_pattern.is_match(cx.text(a)))
        }
        _ => false,
    }
}

/// The construct around `call` (inside top-level statement `stmt`) that
/// does not always run it, in words.
fn enclosing_construct(call: Node<'_>, stmt: Node<'_>) -> &'static str {
    let mut node = call;
    while let Some(parent) = node.parent() {
        let named = match parent.kind() {
            "except_clause" | "except_group_clause" => Some("an `except` clause"),
            "if_statement" | "elif_clause" | "else_clause" => {
                // `else` of a loop or `try` is not an `if`.
                match parent.parent().map(|p| p.kind()) {
                    Some("for_statement" | "while_statement") if parent.kind() == "else_clause" => {
                        Some("the `else` of a loop")
                    }
                    Some("try_statement") if parent.kind() == "else_clause" => {
                        Some("the `else` of a `try`")
                    }
                    _ => Some("an `if`"),
                }
            }
            "for_statement" | "while_statement" => Some("a loop"),
            "finally_clause" => Some("a `finally` clause"),
            "try_statement" => Some("a `try`"),
            "match_statement" | "case_clause" => Some("a `match`"),
            "with_statement" => Some("a `with` block"),
            "conditional_expression" | "boolean_operator" => Some("a conditional expression"),
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => Some("a comprehension"),
            _ => None,
        };
        if let Some(named) = named {
            return named;
        }
        if parent.id() == stmt.id() {
            break;
        }
        node = parent;
    }
    "an expression"
}

/// The keyword that opens a statement (`if`, `for`, `try`), or the whole
/// statement when it is one line.
fn keyword(stmt: Node<'_>) -> std::ops::Range<usize> {
    match stmt.child(0) {
        Some(first) if !first.is_named() => first.byte_range(),
        _ => stmt.byte_range(),
    }
}

fn is_docstring(stmt: Node<'_>) -> bool {
    stmt.kind() == "expression_statement"
        && stmt.named_child_count() == 1
        && stmt
            .named_child(0)
            .is_some_and(|c| matches!(c.kind(), "string" | "concatenated_string"))
}

fn is_logging_statement(stmt: Node<'_>, cx: &AstContext<'_>) -> bool {
    if stmt.kind() != "expression_statement" {
        return false;
    }
    let Some(mut expr) = stmt.named_child(0) else {
        return false;
    };
    if expr.kind() == "await" {
        match expr.named_child(0) {
            Some(inner) => expr = inner,
            None => return false,
        }
    }
    is_logging_call(expr, cx)
}

/// `logging.X(...)`, `NAME.X(...)`, `self.NAME.X(...)`, `cls.NAME.X(...)`.
fn is_logging_call(call: Node<'_>, cx: &AstContext<'_>) -> bool {
    if call.kind() != "call" {
        return false;
    }
    let Some(func) = call.child_by_field_name("function") else {
        return false;
    };
    if func.kind() != "attribute" {
        return false;
    }
    let (Some(object), Some(method)) = (
        func.child_by_field_name("object"),
        func.child_by_field_name("attribute"),
    ) else {
        return false;
    };
    if !LOG_METHODS.contains(&cx.text(method)) {
        return false;
    }
    (object.kind() == "identifier" && cx.text(object) == "logging") || is_logger_name(object, cx)
}

/// The function's own first logging call in source order (calls inside
/// nested functions, classes and lambdas belong to those).
fn first_logging_call<'t>(body: Node<'t>, cx: &AstContext<'_>) -> Option<Node<'t>> {
    let mut cursor = body.walk();
    let mut stack: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
    let mut first: Option<Node<'t>> = None;
    while let Some(node) = stack.pop() {
        if first.is_some_and(|f| node.start_byte() >= f.start_byte()) {
            continue;
        }
        match node.kind() {
            "function_definition" | "class_definition" | "decorated_definition" | "lambda" => {
                continue
            }
            "call" if is_logging_call(node, cx) => {
                first = Some(node);
                continue;
            }
            _ => {}
        }
        let mut c = node.walk();
        stack.extend(node.named_children(&mut c));
    }
    first
}

fn last_statement(block: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = block.walk();
    let last = block
        .named_children(&mut cursor)
        .filter(|s| s.kind() != "comment")
        .last();
    last
}

/// The state at the end of a run of statements: whether it can be reached,
/// and whether every path reaching it has logged.
#[derive(Debug, Clone, Copy)]
struct State {
    reachable: bool,
    logged: bool,
}

/// `every-path`: follows the paths through a function body and records the
/// first `return` reached without a logging call. A path that ends in
/// `raise` need not log; a loop body may run zero times; an `except`
/// handler may start before anything in its `try` ran.
struct Flow<'a, 'c, 't> {
    cx: &'a AstContext<'c>,
    unlogged_exit: Option<Node<'t>>,
}

impl<'t> Flow<'_, '_, 't> {
    fn block(&mut self, block: Node<'t>, logged: bool) -> State {
        let mut state = State {
            reachable: true,
            logged,
        };
        let mut cursor = block.walk();
        let stmts: Vec<Node<'t>> = block.named_children(&mut cursor).collect();
        for stmt in stmts {
            if !state.reachable {
                break;
            }
            state = self.statement(stmt, state.logged);
        }
        state
    }

    fn clause_body(&mut self, clause: Node<'t>, logged: bool) -> State {
        match clause
            .child_by_field_name("body")
            .or_else(|| clause.child_by_field_name("consequence"))
            .or_else(|| block_of(clause))
        {
            Some(body) => self.block(body, logged),
            None => State {
                reachable: true,
                logged,
            },
        }
    }

    fn statement(&mut self, stmt: Node<'t>, logged: bool) -> State {
        let go_on = |logged| State {
            reachable: true,
            logged,
        };
        let stop = State {
            reachable: false,
            logged,
        };
        match stmt.kind() {
            "comment" | "function_definition" | "class_definition" | "decorated_definition" => {
                go_on(logged)
            }
            "expression_statement" => go_on(logged || is_logging_statement(stmt, self.cx)),
            "return_statement" => {
                if !logged && self.unlogged_exit.is_none() {
                    self.unlogged_exit = Some(stmt);
                }
                stop
            }
            "raise_statement" | "break_statement" | "continue_statement" => stop,
            "if_statement" => {
                let mut paths = Vec::new();
                if let Some(b) = stmt.child_by_field_name("consequence") {
                    paths.push(self.block(b, logged));
                }
                let mut has_else = false;
                let mut cursor = stmt.walk();
                let clauses: Vec<Node<'t>> = stmt
                    .children_by_field_name("alternative", &mut cursor)
                    .collect();
                for clause in clauses {
                    has_else |= clause.kind() == "else_clause";
                    paths.push(self.clause_body(clause, logged));
                }
                if !has_else {
                    paths.push(go_on(logged));
                }
                join(&paths, logged)
            }
            "for_statement" | "while_statement" => {
                if let Some(body) = stmt.child_by_field_name("body") {
                    self.block(body, logged);
                }
                if let Some(alt) = stmt.child_by_field_name("alternative") {
                    self.clause_body(alt, logged);
                }
                // The body may not run at all.
                go_on(logged)
            }
            "with_statement" => match stmt.child_by_field_name("body") {
                Some(body) => self.block(body, logged),
                None => go_on(logged),
            },
            "try_statement" => self.try_statement(stmt, logged),
            "match_statement" => {
                let mut paths = Vec::new();
                let mut irrefutable = false;
                let mut cursor = stmt.walk();
                let body = stmt.child_by_field_name("body");
                let cases: Vec<Node<'t>> = body
                    .map(|b| {
                        b.named_children(&mut cursor)
                            .filter(|c| c.kind() == "case_clause")
                            .collect()
                    })
                    .unwrap_or_default();
                for case in cases {
                    let mut c = case.walk();
                    irrefutable |= case
                        .named_children(&mut c)
                        .any(|p| p.kind() == "case_pattern" && self.cx.text(p).trim() == "_");
                    paths.push(self.clause_body(case, logged));
                }
                if !irrefutable {
                    paths.push(go_on(logged));
                }
                join(&paths, logged)
            }
            _ => go_on(logged),
        }
    }

    fn try_statement(&mut self, stmt: Node<'t>, logged: bool) -> State {
        let mut cursor = stmt.walk();
        let parts: Vec<Node<'t>> = stmt.named_children(&mut cursor).collect();
        // A `finally` that logs on all its paths covers every exit of the `try`.
        let finally_logs = parts
            .iter()
            .filter(|p| p.kind() == "finally_clause")
            .any(|f| {
                let mut probe = Flow {
                    cx: self.cx,
                    unlogged_exit: None,
                };
                let end = probe.clause_body(*f, false);
                end.logged && probe.unlogged_exit.is_none()
            });
        let logged_in = logged || finally_logs;
        let mut paths = Vec::new();
        let mut body_end = State {
            reachable: true,
            logged: logged_in,
        };
        if let Some(body) = stmt.child_by_field_name("body") {
            body_end = self.block(body, logged_in);
        }
        let mut else_seen = false;
        for part in &parts {
            match part.kind() {
                "except_clause" | "except_group_clause" => {
                    paths.push(self.clause_body(*part, logged_in));
                }
                "else_clause" if body_end.reachable => {
                    else_seen = true;
                    paths.push(self.clause_body(*part, body_end.logged));
                }
                _ => {}
            }
        }
        if !else_seen {
            paths.push(body_end);
        }
        let mut end = join(&paths, logged_in);
        if finally_logs {
            end.logged = true;
        }
        end
    }
}

/// Where paths meet: reachable if any is, logged if every reachable one is.
fn join(paths: &[State], logged: bool) -> State {
    let reachable: Vec<&State> = paths.iter().filter(|p| p.reachable).collect();
    if reachable.is_empty() {
        return State {
            reachable: false,
            logged,
        };
    }
    State {
        reachable: true,
        logged: reachable.iter().all(|p| p.logged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the rule with `placement` over `code`; returns, per finding, the
    /// flagged function's name, the message and the related spans' texts.
    fn check(code: &str, placement: LogPlacement) -> Vec<(String, String, Vec<String>)> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("grammar");
        let tree = parser.parse(code, None).expect("parsed");
        let options = RuleOptions {
            log_placement: placement,
            ..RuleOptions::default()
        };
        let mut cx = AstContext::new(code.as_bytes(), tree.root_node(), &options);
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            if node.kind() == "function_definition" {
                LogNotAtEntry.check(node, &mut cx);
            }
            let mut c = node.walk();
            stack.extend(node.named_children(&mut c));
        }
        let mut out: Vec<_> = cx
            .into_findings()
            .into_iter()
            .map(|f| {
                let related = f
                    .related
                    .iter()
                    .map(|(span, _)| {
                        code[span.clone()]
                            .lines()
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_string()
                    })
                    .collect();
                (code[f.span.clone()].to_string(), f.message, related)
            })
            .collect();
        out.sort();
        out
    }

    fn flagged(code: &str, placement: LogPlacement) -> Vec<String> {
        check(code, placement).into_iter().map(|f| f.0).collect()
    }

    const SHAPES: &str = r#"
import logging
logger = logging.getLogger(__name__)

def completion_log(request):
    """Logs the outcome once it has one."""
    transport = pick(request)
    if not request.ok:
        raise RuntimeError("bad request")
    with context(request):
        response = transport.send(request)
    assert response is not None
    logger.info("sent %s: %s", request, response.status)
    return response

def early_return(verify):
    if verify is not True:
        return verify
    path = where()
    logger.debug("path %s", path)
    return path

def both_branches(cache, key):
    if key in cache:
        logger.debug("hit %s", key)
        return cache[key]
    else:
        logger.debug("miss %s", key)
        return load(key)

def only_on_error(path):
    try:
        return read(path)
    except OSError:
        logger.warning("cannot read %s", path)
    return None

def own_logger(level):
    log = logging.getLogger("pkg")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log.debug("added a handler")
    return handler

def raise_paths(schemes):
    if not schemes:
        raise TypeError("empty")
    try:
        chosen = choose(schemes)
    except KeyError:
        raise LookupError("none fits")
    logger.debug("chose %s", chosen)
    return chosen
"#;

    #[test]
    fn entry_accepts_straight_line_code_and_guards_before_the_log() {
        assert_eq!(
            flagged(SHAPES, LogPlacement::Entry),
            ["both_branches", "early_return", "only_on_error"]
        );
    }

    #[test]
    fn first_statement_is_the_design_letter() {
        assert_eq!(
            flagged(SHAPES, LogPlacement::FirstStatement),
            [
                "both_branches",
                "completion_log",
                "early_return",
                "only_on_error",
                "raise_paths"
            ]
        );
    }

    #[test]
    fn every_path_follows_the_branches() {
        let found = check(SHAPES, LogPlacement::EveryPath);
        let names: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(names, ["early_return", "only_on_error"]);
        // The exit reached without logging, then the first logging call.
        assert_eq!(
            found[0].2,
            ["return verify", "logger.debug(\"path %s\", path)"]
        );
        assert_eq!(
            found[1].2,
            [
                "return read(path)",
                "logger.warning(\"cannot read %s\", path)"
            ]
        );
    }

    #[test]
    fn related_locations_show_the_misplaced_call_and_the_branch() {
        let found = check(SHAPES, LogPlacement::Entry);
        let early = found.iter().find(|f| f.0 == "early_return").unwrap();
        assert!(
            early
                .1
                .contains("it can return before its first logging call"),
            "{}",
            early.1
        );
        assert_eq!(
            early.2,
            ["return verify", "logger.debug(\"path %s\", path)"]
        );
        let error = found.iter().find(|f| f.0 == "only_on_error").unwrap();
        assert!(error.1.contains("inside an `except` clause"), "{}", error.1);
        assert_eq!(error.2, ["logger.warning(\"cannot read %s\", path)"]);
    }

    #[test]
    fn a_finally_that_logs_covers_every_path() {
        let code = "def f(x):\n    try:\n        if x:\n            return 1\n        return 2\n    finally:\n        logger.debug('done')\n";
        assert!(flagged(code, LogPlacement::EveryPath).is_empty());
        assert_eq!(flagged(code, LogPlacement::Entry), ["f"]);
    }

    #[test]
    fn a_loop_body_may_not_run() {
        let code = "def f(items):\n    for i in items:\n        logger.debug('%s', i)\n    return len(items)\n";
        assert_eq!(flagged(code, LogPlacement::EveryPath), ["f"]);
        let code = "def g(items):\n    with lock:\n        logger.debug('g')\n        total = len(items)\n    return total\n";
        assert!(flagged(code, LogPlacement::Entry).is_empty());
        assert!(flagged(code, LogPlacement::EveryPath).is_empty());
    }
}
