//! log-not-at-entry: a function that logs, but not as its first statement.

use crate::declare_rule;
use crate::rule::{AstContext, AstRule, RuleMeta};
use crate::settings::RuleOptions;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Checks for functions and methods (`def`, `async def`) that contain a
    /// logging call but whose first statement (after the docstring) is not a
    /// logging call.
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
    /// ## What counts as a logging call
    /// `logging.X(...)`, `NAME.X(...)`, `self.NAME.X(...)` and `cls.NAME.X(...)`
    /// where `X` is one of debug, info, warning, warn, error, exception,
    /// critical, fatal, log, and `NAME` matches the logger-name pattern
    /// (default: `log`, `logger`, `_log`, `_logger`, `__log`, `__logger`,
    /// `LOG`, `LOGGER`).
    ///
    /// ## Not flagged
    /// Functions with no logging call of their own (calls inside nested
    /// functions or classes belong to those), and functions whose first
    /// statement after the docstring is a logging call (`await` allowed).
    ///
    /// One finding per function, at its name on the `def` line, reported
    /// whenever any line of the function is part of the change.
    ///
    /// ## Configuration
    /// `logger-name-pattern`: a regex for `NAME`.
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
        let mut cursor = body.walk();
        let first = body
            .named_children(&mut cursor)
            .filter(|s| s.kind() != "comment")
            .enumerate()
            .find(|(i, s)| !(*i == 0 && is_docstring(*s)))
            .map(|(_, s)| s);
        let Some(first) = first else {
            return;
        };
        if is_logging_statement(first, cx) || !contains_logging_call(body, cx) {
            return;
        }
        let fn_name = cx.text(name).to_string();
        cx.report(
            &Self::META,
            name.byte_range(),
            format!("`{fn_name}` logs, but its first statement is not a logging call"),
        )
        .help("log at the function's entry, before any branch, so every path is traced")
        .scope(function.byte_range());
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
    match object.kind() {
        "identifier" => {
            let name = cx.text(object);
            name == "logging" || cx.options.logger_name_pattern.is_match(name)
        }
        "attribute" => {
            let (Some(owner), Some(attr)) = (
                object.child_by_field_name("object"),
                object.child_by_field_name("attribute"),
            ) else {
                return false;
            };
            owner.kind() == "identifier"
                && matches!(cx.text(owner), "self" | "cls")
                && cx.options.logger_name_pattern.is_match(cx.text(attr))
        }
        _ => false,
    }
}

/// Whether the function body itself (not nested functions or classes)
/// contains a logging call anywhere, in statements or expressions.
fn contains_logging_call(body: Node<'_>, cx: &AstContext<'_>) -> bool {
    let mut cursor = body.walk();
    let mut stack: Vec<Node<'_>> = body.named_children(&mut cursor).collect();
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_definition" | "class_definition" | "decorated_definition" => continue,
            "call" if is_logging_call(node, cx) => return true,
            _ => {}
        }
        let mut c = node.walk();
        stack.extend(node.named_children(&mut c));
    }
    false
}
