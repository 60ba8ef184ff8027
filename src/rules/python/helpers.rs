//! Facts about the tree-sitter Python grammar that several rules share:
//! exception handlers, statement visiting, import resolution, logging calls
//! and truthiness. Semantics follow ruff's (the reference for our exception
//! rules) as closely as a syntax tree without a semantic model allows.

use std::collections::HashMap;
use tree_sitter::Node;

/// Compound statements whose bodies a statement visitor descends into.
const COMPOUND: &[&str] = &[
    "if_statement",
    "elif_clause",
    "else_clause",
    "for_statement",
    "while_statement",
    "with_statement",
    "match_statement",
    "case_clause",
    "block",
];

/// Statements a visitor must not enter: their bodies belong to another
/// handler or scope (ruff's `StatementVisitor` stops at `try`, `def`, `class`).
const OPAQUE: &[&str] = &[
    "try_statement",
    "function_definition",
    "class_definition",
    "decorated_definition",
];

/// Calls `visit` on each simple statement reachable from `block` without
/// entering nested `try`, `def` or `class` statements. Stops when `visit`
/// returns true and returns true then.
pub fn any_statement<'t>(block: Node<'t>, visit: &mut impl FnMut(Node<'t>) -> bool) -> bool {
    let mut cursor = block.walk();
    let children: Vec<Node<'t>> = block.named_children(&mut cursor).collect();
    for stmt in children {
        let kind = stmt.kind();
        if kind == "comment" || OPAQUE.contains(&kind) {
            continue;
        }
        if COMPOUND.contains(&kind) {
            let mut inner = stmt.walk();
            let parts: Vec<Node<'t>> = stmt.named_children(&mut inner).collect();
            for part in parts {
                if COMPOUND.contains(&part.kind()) && any_statement_in(part, visit) {
                    return true;
                }
            }
            continue;
        }
        if visit(stmt) {
            return true;
        }
    }
    false
}

fn any_statement_in<'t>(node: Node<'t>, visit: &mut impl FnMut(Node<'t>) -> bool) -> bool {
    if node.kind() == "block" {
        any_statement(node, visit)
    } else {
        // A clause (elif/else/case): visit its blocks.
        let mut cursor = node.walk();
        let parts: Vec<Node<'t>> = node.named_children(&mut cursor).collect();
        parts
            .into_iter()
            .any(|part| COMPOUND.contains(&part.kind()) && any_statement_in(part, visit))
    }
}

/// `raise` with no exception and no cause.
pub fn is_bare_raise(stmt: Node<'_>) -> bool {
    let mut cursor = stmt.walk();
    let bare = stmt
        .named_children(&mut cursor)
        .all(|c| c.kind() == "comment");
    bare
}

/// Strips any parentheses around an expression.
pub fn unparenthesize(mut node: Node<'_>) -> Node<'_> {
    while node.kind() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => break,
        }
    }
    node
}

/// The parts of an `except` clause: its type expressions (empty for a bare
/// `except:`) and the name the exception is bound to.
pub struct Handler<'t> {
    pub types: Vec<Node<'t>>,
    pub name: Option<Node<'t>>,
    pub body: Option<Node<'t>>,
}

pub fn handler_parts(clause: Node<'_>) -> Handler<'_> {
    let mut types = Vec::new();
    let mut name = clause.child_by_field_name("alias");
    let mut cursor = clause.walk();
    for value in clause.children_by_field_name("value", &mut cursor) {
        // `except E as e:` parses as value: (as_pattern E alias: (as_pattern_target e)).
        if value.kind() == "as_pattern" {
            if let Some(target) = value.child_by_field_name("alias") {
                name = target.named_child(0).or(Some(target));
            }
            if let Some(ty) = value.named_child(0) {
                types.push(ty);
            }
        } else {
            types.push(value);
        }
    }
    let mut cursor = clause.walk();
    let body = clause
        .named_children(&mut cursor)
        .find(|c| c.kind() == "block");
    Handler { types, name, body }
}

/// Names bound by imports anywhere in the file, mapped to what they refer
/// to (`import logging as log` binds `log` -> `logging`), plus the names of
/// classes and functions that shadow builtins.
#[derive(Debug, Default)]
pub struct Imports {
    bindings: HashMap<String, String>,
    local_definitions: Vec<String>,
}

impl Imports {
    pub fn collect(root: Node<'_>, source: &[u8]) -> Imports {
        let mut imports = Imports::default();
        let text = |n: Node<'_>| std::str::from_utf8(&source[n.byte_range()]).unwrap_or("");
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match node.kind() {
                "import_statement" => {
                    let mut c = node.walk();
                    for name in node.children_by_field_name("name", &mut c) {
                        if name.kind() == "aliased_import" {
                            if let (Some(target), Some(alias)) = (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) {
                                imports
                                    .bindings
                                    .insert(text(alias).to_string(), dotted(text(target)));
                            }
                        } else {
                            let full = dotted(text(name));
                            let head = full.split('.').next().unwrap_or("").to_string();
                            imports.bindings.insert(head.clone(), head);
                        }
                    }
                }
                "import_from_statement" => {
                    let module = node
                        .child_by_field_name("module_name")
                        .map(|m| dotted(text(m)))
                        .unwrap_or_default();
                    let mut c = node.walk();
                    for name in node.children_by_field_name("name", &mut c) {
                        let (target, local) = if name.kind() == "aliased_import" {
                            match (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) {
                                (Some(t), Some(a)) => (dotted(text(t)), text(a).to_string()),
                                _ => continue,
                            }
                        } else {
                            let t = dotted(text(name));
                            (t.clone(), t)
                        };
                        imports.bindings.insert(local, format!("{module}.{target}"));
                    }
                }
                "class_definition" | "function_definition" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        imports.local_definitions.push(text(name).to_string());
                    }
                    push_statement_children(node, &mut stack);
                }
                _ => push_statement_children(node, &mut stack),
            }
        }
        imports
    }

    /// The dotted name an expression refers to through an import
    /// (`log.getLogger` with `import logging as log` -> `logging.getLogger`).
    pub fn resolve(&self, node: Node<'_>, source: &[u8]) -> Option<String> {
        let node = unparenthesize(node);
        match node.kind() {
            "identifier" => {
                let name = std::str::from_utf8(&source[node.byte_range()]).ok()?;
                self.bindings.get(name).cloned()
            }
            "attribute" => {
                let object = self.resolve(node.child_by_field_name("object")?, source)?;
                let attr = node.child_by_field_name("attribute")?;
                let attr = std::str::from_utf8(&source[attr.byte_range()]).ok()?;
                Some(format!("{object}.{attr}"))
            }
            _ => None,
        }
    }

    /// Whether a bare name still means the builtin of that name.
    pub fn is_builtin_name(&self, name: &str) -> bool {
        match self.bindings.get(name) {
            Some(target) => target == &format!("builtins.{name}"),
            None => !self.local_definitions.iter().any(|d| d == name),
        }
    }

    /// The builtin an expression names (`Exception`, `builtins.Exception`,
    /// or an alias imported from `builtins`), if any.
    pub fn builtin_name(&self, node: Node<'_>, source: &[u8]) -> Option<String> {
        let node = unparenthesize(node);
        if node.kind() == "identifier" {
            let name = std::str::from_utf8(&source[node.byte_range()]).ok()?;
            if !self.bindings.contains_key(name) {
                return self.is_builtin_name(name).then(|| name.to_string());
            }
        }
        let resolved = self.resolve(node, source)?;
        resolved
            .strip_prefix("builtins.")
            .filter(|rest| !rest.contains('.'))
            .map(str::to_string)
    }
}

fn dotted(text: &str) -> String {
    text.split('.').map(str::trim).collect::<Vec<_>>().join(".")
}

/// Pushes the children of `node` that can contain statements.
fn push_statement_children<'t>(node: Node<'t>, stack: &mut Vec<Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if can_hold_statements(child.kind()) {
            stack.push(child);
        }
    }
}

/// Node kinds that can contain statements. Everything else is an expression
/// or a simple statement, where no `try`, `def` or `import` can sit.
pub fn can_hold_statements(kind: &str) -> bool {
    matches!(
        kind,
        "module"
            | "block"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "for_statement"
            | "while_statement"
            | "with_statement"
            | "match_statement"
            | "case_clause"
            | "try_statement"
            | "except_clause"
            | "finally_clause"
            | "function_definition"
            | "class_definition"
            | "decorated_definition"
            | "import_statement"
            | "import_from_statement"
            | "future_import_statement"
            | "ERROR"
    )
}

/// Methods of a logger ruff counts as logging (`is_logger_method_name`).
pub fn is_logger_method_name(name: &str) -> bool {
    matches!(
        name,
        "debug" | "info" | "warn" | "warning" | "error" | "critical" | "log" | "exception"
    )
}

/// ruff's `is_logger_candidate`: whether `func` (an `attribute`) is a method
/// of something that looks like a logger.
pub fn is_logger_candidate(func: Node<'_>, source: &[u8], imports: &Imports) -> bool {
    if func.kind() != "attribute" {
        return false;
    }
    let Some(value) = func.child_by_field_name("object") else {
        return false;
    };
    let value = unparenthesize(value);
    if value.kind() == "call" {
        return value
            .child_by_field_name("function")
            .and_then(|f| imports.resolve(f, source))
            .is_some_and(|q| q == "logging.getLogger" || q == "logging.Logger");
    }
    if let Some(qualified) = imports.resolve(value, source) {
        return qualified == "logging" || qualified == "flask.current_app.logger";
    }
    let Some(tail) = unqualified_tail(value, source) else {
        return false;
    };
    tail.starts_with("log")
        || tail.ends_with("logger")
        || tail.ends_with("logging")
        || tail.starts_with("LOG")
        || tail.ends_with("LOGGER")
        || tail.ends_with("LOGGING")
}

/// The last segment of a `name` or `a.b.name` chain of plain names.
fn unqualified_tail<'s>(node: Node<'_>, source: &'s [u8]) -> Option<&'s str> {
    let mut cur = node;
    let tail = match node.kind() {
        "identifier" => node,
        "attribute" => node.child_by_field_name("attribute")?,
        _ => return None,
    };
    while cur.kind() == "attribute" {
        cur = unparenthesize(cur.child_by_field_name("object")?);
    }
    if cur.kind() != "identifier" {
        return None;
    }
    std::str::from_utf8(&source[tail.byte_range()]).ok()
}

/// The value of keyword argument `name` of a call, if given.
pub fn keyword_argument<'t>(call: Node<'t>, name: &str, source: &[u8]) -> Option<Node<'t>> {
    let args = call.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let found = args.named_children(&mut cursor).find(|arg| {
        arg.kind() == "keyword_argument"
            && arg
                .child_by_field_name("name")
                .is_some_and(|n| &source[n.byte_range()] == name.as_bytes())
    });
    found.and_then(|arg| arg.child_by_field_name("value"))
}

/// Whether an expression is known to be falsy (ruff's `Truthiness` is
/// `False`, `Falsey` or `None`). Unknown values count as not falsy.
pub fn is_known_falsy(node: Node<'_>, source: &[u8], imports: &Imports) -> bool {
    let node = unparenthesize(node);
    let text = std::str::from_utf8(&source[node.byte_range()]).unwrap_or("");
    match node.kind() {
        "false" | "none" => true,
        "integer" | "float" => is_zero_number(text),
        "string" => is_empty_string(node, source),
        "concatenated_string" => {
            let mut c = node.walk();
            let parts: Vec<_> = node.named_children(&mut c).collect();
            parts
                .iter()
                .filter(|p| p.kind() == "string")
                .all(|p| is_empty_string(*p, source))
        }
        "list" | "set" | "tuple" | "dictionary" => {
            let mut c = node.walk();
            let empty = node
                .named_children(&mut c)
                .all(|child| child.kind() == "comment");
            empty
        }
        "call" => {
            let Some(func) = node.child_by_field_name("function") else {
                return false;
            };
            let name = std::str::from_utf8(&source[func.byte_range()]).unwrap_or("");
            if func.kind() != "identifier"
                || !matches!(name, "set" | "list" | "tuple" | "dict" | "frozenset")
                || !imports.is_builtin_name(name)
            {
                return false;
            }
            let Some(args) = node
                .child_by_field_name("arguments")
                .filter(|a| a.kind() == "argument_list")
            else {
                return false;
            };
            let mut c = args.walk();
            let args: Vec<_> = args
                .named_children(&mut c)
                .filter(|a| a.kind() != "comment")
                .collect();
            match args.as_slice() {
                [] => true,
                [only]
                    if !matches!(
                        only.kind(),
                        "keyword_argument"
                            | "list_splat"
                            | "dictionary_splat"
                            | "integer"
                            | "float"
                            | "true"
                            | "false"
                            | "none"
                            | "ellipsis"
                            | "lambda"
                            | "generator_expression"
                    ) && !is_template_string(*only, source) =>
                {
                    is_known_falsy(*only, source, imports)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

fn is_zero_number(text: &str) -> bool {
    let t = text.trim_end_matches(['j', 'J', 'l', 'L']).replace('_', "");
    let t = t.to_ascii_lowercase();
    let digits = if let Some(rest) = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0o"))
        .or_else(|| t.strip_prefix("0b"))
    {
        rest.to_string()
    } else {
        t
    };
    if digits.contains('e') && !digits.starts_with("0x") {
        return digits.parse::<f64>().is_ok_and(|v| v == 0.0);
    }
    !digits.is_empty() && digits.chars().all(|c| c == '0' || c == '.')
}

fn string_prefix(node: Node<'_>, source: &[u8]) -> String {
    node.child(0)
        .filter(|c| c.kind() == "string_start")
        .map(|c| {
            String::from_utf8_lossy(&source[c.byte_range()])
                .trim_end_matches(['\'', '"'])
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

fn is_template_string(node: Node<'_>, source: &[u8]) -> bool {
    node.kind() == "string" && string_prefix(node, source).contains('t')
}

/// An empty string, bytes or f-string literal (`""`, `b''`, `f""`).
fn is_empty_string(node: Node<'_>, source: &[u8]) -> bool {
    if is_template_string(node, source) {
        return false;
    }
    let mut c = node.walk();
    let has_content = node
        .named_children(&mut c)
        .any(|p| matches!(p.kind(), "string_content" | "interpolation"));
    !has_content
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_numbers() {
        for zero in [
            "0", "00", "0x0", "0b0", "0o0", "0.0", "0.", "0j", "0e5", "0_0",
        ] {
            assert!(is_zero_number(zero), "{zero}");
        }
        for non_zero in ["1", "0x10", "0.5", "1j", "1e-5", "10"] {
            assert!(!is_zero_number(non_zero), "{non_zero}");
        }
    }
}
