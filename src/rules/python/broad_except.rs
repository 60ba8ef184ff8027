//! broad-except: a handler catching `Exception` or `BaseException` (ruff BLE001).

use crate::declare_rule;
use crate::rule::{AstContext, AstRule, RuleMeta};
use crate::rules::python::helpers::{
    any_statement, handler_parts, is_bare_raise, is_known_falsy, is_logger_candidate,
    is_logger_method_name, keyword_argument, unparenthesize, Bindings,
};
use crate::settings::RuleOptions;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Checks for `except` clauses that catch `Exception` or `BaseException`:
    /// alone, inside a tuple, qualified as `builtins.Exception`, or in an
    /// `except*` clause.
    ///
    /// ## Why is this bad?
    /// Agents default to catching the generic `Exception` when they fix an
    /// error path: the run goes on, and the handler swallows errors the code
    /// base has specific types for (the design's pitfall 4, "Overly Broad
    /// Exception Handling"). `BaseException` also catches `KeyboardInterrupt`
    /// and `SystemExit`.
    ///
    /// ## Example
    /// ```python
    /// try:
    ///     send(batch)
    /// except Exception:
    ///     retry_later(batch)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// try:
    ///     send(batch)
    /// except (ConnectionError, TimeoutError):
    ///     retry_later(batch)
    /// ```
    ///
    /// ## Not flagged
    /// The same exemptions as ruff's BLE001:
    /// - the handler re-raises: `raise`, `raise e` or `raise X from e` where
    ///   `e` is the handler's name (not inside a nested `try`, `def` or `class`);
    /// - the handler logs the exception: `logger.exception(...)`,
    ///   `logging.exception(...)`, or any logging method called with a truthy
    ///   `exc_info=` (`exc_info=True`, `exc_info=e`), on a logger-like object
    ///   (`logging`, `logger`, `self.log`, `LOGGER`, `logging.getLogger(...)`).
    ///
    /// One finding per handler, at the first broad type it names.
    ///
    /// ## References
    /// - ruff BLE001 (`blind-except`)
    /// - Python documentation: exception hierarchy
    pub BroadExcept {
        id: "broad-except",
        scope: Python,
        severity: Error,
        summary: "`except` catches `Exception` or `BaseException`",
    }
}

impl AstRule for BroadExcept {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["except_clause"]
    }

    fn needles(&self, _: &RuleOptions) -> Vec<Vec<u8>> {
        vec![b"except".to_vec()]
    }

    /// broad-except
    fn check(&self, clause: Node<'_>, cx: &mut AstContext<'_>) {
        let handler = handler_parts(clause);
        if handler.types.is_empty() {
            return;
        }
        let source = cx.source;
        let bindings = cx.bindings();
        let Some((name, anchor)) = handler
            .types
            .iter()
            .find_map(|t| first_broad_type(*t, source, bindings))
        else {
            return;
        };
        let Some(body) = handler.body else {
            return;
        };
        let bound = handler
            .name
            .map(|n| std::str::from_utf8(&source[n.byte_range()]).unwrap_or(""));
        if reraises(body, bound, source) || logs_exception(body, source, bindings) {
            return;
        }
        cx.report(
            &Self::META,
            anchor.byte_range(),
            format!("do not catch broad exception `{name}`"),
        )
        .help("catch the specific exceptions the `try` body raises, or re-raise after handling");
    }
}

/// The first `Exception`/`BaseException` in a (possibly nested) tuple.
fn first_broad_type<'t>(
    ty: Node<'t>,
    source: &[u8],
    bindings: &Bindings,
) -> Option<(String, Node<'t>)> {
    let ty = unparenthesize(ty);
    if matches!(ty.kind(), "tuple" | "expression_list") {
        let mut cursor = ty.walk();
        let elements: Vec<Node<'t>> = ty.named_children(&mut cursor).collect();
        return elements
            .into_iter()
            .find_map(|e| first_broad_type(e, source, bindings));
    }
    let name = bindings.builtin_name(ty, source)?;
    matches!(name.as_str(), "Exception" | "BaseException").then_some((name, ty))
}

fn is_name(node: Option<Node<'_>>, name: Option<&str>, source: &[u8]) -> bool {
    match (node, name) {
        (Some(node), Some(name)) => {
            node.kind() == "identifier" && &source[node.byte_range()] == name.as_bytes()
        }
        _ => false,
    }
}

/// `raise`, `raise e`, `raise e from x` or `raise X from e` in the handler.
fn reraises(body: Node<'_>, bound: Option<&str>, source: &[u8]) -> bool {
    any_statement(body, &mut |stmt| {
        if stmt.kind() != "raise_statement" {
            return false;
        }
        if is_bare_raise(stmt) {
            return true;
        }
        let cause = stmt.child_by_field_name("cause");
        if is_name(cause, bound, source) {
            return true;
        }
        let mut cursor = stmt.walk();
        let exc = stmt
            .named_children(&mut cursor)
            .find(|c| c.kind() != "comment" && Some(*c) != cause);
        is_name(exc, bound, source)
    })
}

/// A statement-level logging call that records the exception's traceback.
fn logs_exception(body: Node<'_>, source: &[u8], bindings: &Bindings) -> bool {
    any_statement(body, &mut |stmt| {
        if stmt.kind() != "expression_statement" || stmt.named_child_count() != 1 {
            return false;
        }
        let Some(call) = stmt.named_child(0).filter(|c| c.kind() == "call") else {
            return false;
        };
        let Some(func) = call.child_by_field_name("function") else {
            return false;
        };
        let exc_info_enabled = || {
            keyword_argument(call, "exc_info", source)
                .is_some_and(|value| !is_known_falsy(value, source, bindings))
        };
        match func.kind() {
            "attribute" => {
                let Some(attr) = func.child_by_field_name("attribute") else {
                    return false;
                };
                let method = std::str::from_utf8(&source[attr.byte_range()]).unwrap_or("");
                is_logger_candidate(func, source, bindings)
                    && (method == "exception"
                        || (is_logger_method_name(method) && exc_info_enabled()))
            }
            "identifier" => match bindings.resolve(func, source).as_deref() {
                Some("logging.exception") => true,
                Some(q) => q
                    .strip_prefix("logging.")
                    .is_some_and(|m| is_logger_method_name(m) && exc_info_enabled()),
                None => false,
            },
            _ => false,
        }
    })
}
