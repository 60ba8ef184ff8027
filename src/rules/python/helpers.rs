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

/// Python's builtin names (`dir(builtins)` without the dunder names),
/// sorted: the names whose rebinding [`Bindings`] records.
const BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "False",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "None",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "True",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// A cheap lexical test for diff mode's partial parse: whether a line
/// (from its first non-blank byte) may bind a builtin's name at its start
/// (`Exception = ...`, `BaseException: type = ...`, `class Exception(...)`,
/// `def list(...)`, `for set in ...`, `global dict`), so that the statement
/// holding it is parsed with the changed ones.
pub fn may_rebind_builtin(line: &[u8]) -> bool {
    let word_at = |bytes: &[u8]| -> Option<(&'static str, usize)> {
        let len = bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let word = std::str::from_utf8(&bytes[..len]).ok()?;
        builtin(word).map(|w| (w, len))
    };
    let after_keyword = |kw: &[u8]| {
        line.strip_prefix(kw)
            .filter(|rest| rest.first().is_some_and(|b| *b == b' ' || *b == b'\t'))
            .map(|rest| rest.trim_ascii_start())
            .and_then(word_at)
            .is_some()
    };
    if [
        &b"class"[..],
        b"def",
        b"async def",
        b"for",
        b"global",
        b"nonlocal",
    ]
    .iter()
    .any(|kw| after_keyword(kw))
    {
        return true;
    }
    match word_at(line) {
        Some((_, len)) => {
            let rest = line[len..].trim_ascii_start();
            match rest.first() {
                Some(b':' | b',') => true,
                Some(b'=') => rest.get(1) != Some(&b'='),
                _ => false,
            }
        }
        None => false,
    }
}

/// The builtin name `name` is, if it is one (as a `'static` key).
fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS.binary_search(&name).ok().map(|i| BUILTINS[i])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Function,
    Class,
}

/// A scope of the file: the module, a `def` or a `class`, as a byte range.
#[derive(Debug, Clone)]
struct ScopeRange {
    start: usize,
    end: usize,
    parent: u32,
    kind: ScopeKind,
}

/// One binding of a builtin's name: where, and for an import, what it
/// imports (`from builtins import ValueError as Exception`).
#[derive(Debug, Clone)]
struct Rebinding {
    at: usize,
    import: Option<String>,
}

/// What the names of a file are bound to, for the questions the rules ask:
/// the imports (`import logging as log` binds `log` -> `logging`), for
/// qualified names, and per scope the rebindings of builtin names
/// (`BaseException = ValueError`, `class Exception(...)`, `for`/`with`
/// targets, parameters, `:=`, `global`), so that a rebound name is not
/// taken for the builtin.
///
/// Visibility follows ruff's semantic model (the reference for BLE001):
/// code sees the bindings of its own scope made above it, and every binding
/// of the scopes around its function (function bodies are analysed once
/// the scopes around them are complete), so a function sees a module-level
/// alias made further down, module-level code does not; a class scope is
/// not seen from the methods inside it. An `except ... as NAME` binding
/// ends with its handler, as in Python.
/// Built in one pass over the statements; each lookup costs a binary
/// search plus the depth of the scope chain.
#[derive(Debug, Default)]
pub struct Bindings {
    imports: HashMap<String, String>,
    scopes: Vec<ScopeRange>,
    /// Scope ids ordered by their start.
    by_start: Vec<u32>,
    rebound: HashMap<(u32, &'static str), Vec<Rebinding>>,
}

impl Bindings {
    pub fn collect(root: Node<'_>, source: &[u8]) -> Bindings {
        let mut b = Bindings {
            scopes: vec![ScopeRange {
                start: 0,
                end: usize::MAX,
                parent: 0,
                kind: ScopeKind::Module,
            }],
            ..Bindings::default()
        };
        let text = |n: Node<'_>| std::str::from_utf8(&source[n.byte_range()]).unwrap_or("");
        let mut stack: Vec<(Node<'_>, u32)> = vec![(root, 0)];
        while let Some((node, scope)) = stack.pop() {
            match node.kind() {
                "import_statement" => {
                    let mut c = node.walk();
                    for name in node.children_by_field_name("name", &mut c) {
                        if name.kind() == "aliased_import" {
                            if let (Some(target), Some(alias)) = (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) {
                                let target = dotted(text(target));
                                b.bind_import(scope, alias, text(alias), target);
                            }
                        } else {
                            let full = dotted(text(name));
                            let head = full.split('.').next().unwrap_or("").to_string();
                            b.bind_import(scope, name, &head.clone(), head);
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
                        let (target, local, local_node) = if name.kind() == "aliased_import" {
                            match (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) {
                                (Some(t), Some(a)) => (dotted(text(t)), text(a).to_string(), a),
                                _ => continue,
                            }
                        } else {
                            let t = dotted(text(name));
                            (t.clone(), t, name)
                        };
                        b.bind_import(scope, local_node, &local, format!("{module}.{target}"));
                    }
                }
                "function_definition" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        b.bind(scope, name, text(name));
                    }
                    let inner = b.open_scope(node, scope, ScopeKind::Function);
                    if let Some(params) = node.child_by_field_name("parameters") {
                        b.bind_parameters(inner, params, source);
                    }
                    if let Some(body) = node.child_by_field_name("body") {
                        stack.push((body, inner));
                    }
                }
                "class_definition" => {
                    if let Some(name) = node.child_by_field_name("name") {
                        b.bind(scope, name, text(name));
                    }
                    let inner = b.open_scope(node, scope, ScopeKind::Class);
                    if let Some(body) = node.child_by_field_name("body") {
                        stack.push((body, inner));
                    }
                }
                "expression_statement" => {
                    let mut c = node.walk();
                    for child in node.named_children(&mut c) {
                        b.bind_assignment(scope, child, source);
                    }
                }
                "for_statement" => {
                    if let Some(left) = node.child_by_field_name("left") {
                        b.bind_targets(scope, left, source);
                    }
                    push_statement_children(node, scope, &mut stack);
                }
                "with_statement" => {
                    let mut c = node.walk();
                    for clause in node.named_children(&mut c) {
                        if clause.kind() != "with_clause" {
                            continue;
                        }
                        let mut ic = clause.walk();
                        for item in clause.named_children(&mut ic) {
                            let alias = item
                                .child_by_field_name("value")
                                .filter(|v| v.kind() == "as_pattern")
                                .and_then(|v| v.child_by_field_name("alias"));
                            if let Some(alias) = alias {
                                b.bind_targets(scope, alias, source);
                            }
                        }
                    }
                    push_statement_children(node, scope, &mut stack);
                }
                "global_statement" | "nonlocal_statement" => {
                    let mut c = node.walk();
                    for name in node.named_children(&mut c) {
                        if name.kind() == "identifier" {
                            b.bind(scope, name, text(name));
                        }
                    }
                }
                _ => push_statement_children(node, scope, &mut stack),
            }
        }
        b.by_start = (0..b.scopes.len() as u32).collect();
        b.by_start.sort_by_key(|&i| b.scopes[i as usize].start);
        // Walrus targets can sit in any expression: looked for only in
        // files that have one.
        if memchr::memmem::find(source, b":=").is_some() {
            let mut cursor = root.walk();
            let mut pending = vec![root];
            while let Some(node) = pending.pop() {
                if node.kind() == "named_expression" {
                    if let Some(name) = node.child_by_field_name("name") {
                        let scope = b.scope_at(name.start_byte());
                        b.bind(scope, name, text(name));
                    }
                }
                cursor.reset(node);
                pending.extend(node.named_children(&mut cursor));
            }
        }
        for list in b.rebound.values_mut() {
            list.sort_by_key(|r| r.at);
        }
        b
    }

    fn open_scope(&mut self, node: Node<'_>, parent: u32, kind: ScopeKind) -> u32 {
        self.scopes.push(ScopeRange {
            start: node.start_byte(),
            end: node.end_byte(),
            parent,
            kind,
        });
        (self.scopes.len() - 1) as u32
    }

    fn bind(&mut self, scope: u32, node: Node<'_>, name: &str) {
        if let Some(name) = builtin(name) {
            self.rebound
                .entry((scope, name))
                .or_default()
                .push(Rebinding {
                    at: node.start_byte(),
                    import: None,
                });
        }
    }

    fn bind_import(&mut self, scope: u32, node: Node<'_>, local: &str, target: String) {
        if let Some(name) = builtin(local) {
            self.rebound
                .entry((scope, name))
                .or_default()
                .push(Rebinding {
                    at: node.start_byte(),
                    import: Some(target.clone()),
                });
        }
        self.imports.insert(local.to_string(), target);
    }

    /// The targets of `x = ...`, `a, b = ...`, `x: T = ...`, `x += ...`
    /// and chains (`a = b = ...`).
    fn bind_assignment(&mut self, scope: u32, node: Node<'_>, source: &[u8]) {
        let mut node = node;
        while matches!(node.kind(), "assignment" | "augmented_assignment") {
            if let Some(left) = node.child_by_field_name("left") {
                self.bind_targets(scope, left, source);
            }
            match node.child_by_field_name("right") {
                Some(right) => node = right,
                None => break,
            }
        }
    }

    /// The names an assignment target binds (not attributes or subscripts).
    fn bind_targets(&mut self, scope: u32, target: Node<'_>, source: &[u8]) {
        let mut pending = vec![target];
        while let Some(node) = pending.pop() {
            match node.kind() {
                "identifier" => {
                    let name = std::str::from_utf8(&source[node.byte_range()]).unwrap_or("");
                    self.bind(scope, node, name);
                }
                "pattern_list"
                | "tuple_pattern"
                | "list_pattern"
                | "list_splat_pattern"
                | "as_pattern_target"
                | "parenthesized_expression"
                | "expression_list"
                | "tuple"
                | "list" => {
                    let mut c = node.walk();
                    pending.extend(node.named_children(&mut c));
                }
                _ => {}
            }
        }
    }

    fn bind_parameters(&mut self, scope: u32, params: Node<'_>, source: &[u8]) {
        let mut c = params.walk();
        for param in params.named_children(&mut c) {
            let name = match param.kind() {
                "identifier" => Some(param),
                "default_parameter" | "typed_default_parameter" => {
                    param.child_by_field_name("name")
                }
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    let mut pc = param.walk();
                    let found = param.named_children(&mut pc).find(|n| {
                        matches!(
                            n.kind(),
                            "identifier" | "list_splat_pattern" | "dictionary_splat_pattern"
                        )
                    });
                    found.map(|n| {
                        if n.kind() == "identifier" {
                            n
                        } else {
                            n.named_child(0).unwrap_or(n)
                        }
                    })
                }
                _ => None,
            };
            if let Some(name) = name.filter(|n| n.kind() == "identifier") {
                let text = std::str::from_utf8(&source[name.byte_range()]).unwrap_or("");
                self.bind(scope, name, text);
            }
        }
    }

    /// The innermost scope holding byte `at`.
    fn scope_at(&self, at: usize) -> u32 {
        let idx = self
            .by_start
            .partition_point(|&i| self.scopes[i as usize].start <= at);
        let mut scope = match idx.checked_sub(1) {
            Some(i) => self.by_start[i],
            None => return 0,
        };
        while scope != 0 && self.scopes[scope as usize].end <= at {
            scope = self.scopes[scope as usize].parent;
        }
        scope
    }

    /// The binding of builtin `name` that code at byte `at` sees, if any
    /// (see the type's documentation for what is visible from where).
    fn visible_rebinding(&self, name: &'static str, at: usize) -> Option<&Rebinding> {
        let mut scope = self.scope_at(at);
        let mut innermost = true;
        let mut in_function = false;
        loop {
            let range = &self.scopes[scope as usize];
            if innermost || range.kind != ScopeKind::Class {
                if let Some(list) = self.rebound.get(&(scope, name)) {
                    // Code inside a function is analysed after the scopes
                    // around it are complete; its own scope only up to `at`.
                    let seen = if in_function {
                        list.last()
                    } else {
                        list.iter().rev().find(|r| r.at < at)
                    };
                    if seen.is_some() {
                        return seen;
                    }
                }
            }
            in_function |= range.kind == ScopeKind::Function;
            innermost = false;
            if scope == 0 {
                return None;
            }
            scope = range.parent;
        }
    }

    /// The dotted name an expression refers to through an import
    /// (`log.getLogger` with `import logging as log` -> `logging.getLogger`).
    pub fn resolve(&self, node: Node<'_>, source: &[u8]) -> Option<String> {
        let node = unparenthesize(node);
        match node.kind() {
            "identifier" => {
                let name = std::str::from_utf8(&source[node.byte_range()]).ok()?;
                self.imports.get(name).cloned()
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

    /// Whether the bare name `name`, used at byte `at`, still means the
    /// builtin of that name.
    pub fn is_builtin_name(&self, name: &str, at: usize) -> bool {
        let Some(name) = builtin(name) else {
            return false;
        };
        match self.visible_rebinding(name, at) {
            None => true,
            Some(r) => r.import.as_deref() == Some(&format!("builtins.{name}")),
        }
    }

    /// The builtin an expression names (`Exception`, `builtins.Exception`,
    /// or an alias imported from `builtins`), if any.
    pub fn builtin_name(&self, node: Node<'_>, source: &[u8]) -> Option<String> {
        let node = unparenthesize(node);
        let from_builtins = |qualified: &str| {
            qualified
                .strip_prefix("builtins.")
                .filter(|rest| !rest.contains('.'))
                .map(str::to_string)
        };
        if node.kind() == "identifier" {
            let name = std::str::from_utf8(&source[node.byte_range()]).ok()?;
            if let Some(name) = builtin(name) {
                return match self.visible_rebinding(name, node.start_byte()) {
                    None => Some(name.to_string()),
                    Some(r) => r.import.as_deref().and_then(from_builtins),
                };
            }
            return self.imports.get(name).and_then(|q| from_builtins(q));
        }
        from_builtins(&self.resolve(node, source)?)
    }
}

fn dotted(text: &str) -> String {
    text.split('.').map(str::trim).collect::<Vec<_>>().join(".")
}

/// Pushes the children of `node` that can contain statements.
fn push_statement_children<'t>(node: Node<'t>, scope: u32, stack: &mut Vec<(Node<'t>, u32)>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if can_hold_statements(child.kind())
            || matches!(
                child.kind(),
                "expression_statement" | "global_statement" | "nonlocal_statement"
            )
        {
            stack.push((child, scope));
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
pub fn is_logger_candidate(func: Node<'_>, source: &[u8], bindings: &Bindings) -> bool {
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
            .and_then(|f| bindings.resolve(f, source))
            .is_some_and(|q| q == "logging.getLogger" || q == "logging.Logger");
    }
    if let Some(qualified) = bindings.resolve(value, source) {
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
pub fn is_known_falsy(node: Node<'_>, source: &[u8], bindings: &Bindings) -> bool {
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
                || !bindings.is_builtin_name(name, func.start_byte())
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
                    is_known_falsy(*only, source, bindings)
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
    fn lines_that_may_rebind_a_builtin() {
        for line in [
            "BaseException = ValueError",
            "Exception: type = KeyError",
            "Exception, Warning = a, b",
            "class Exception(BaseException):",
            "def list(x):",
            "for set in sets:",
            "global dict",
        ] {
            assert!(may_rebind_builtin(line.as_bytes()), "{line}");
        }
        for line in [
            "Exception == x",
            "Exceptional = 1",
            "x = Exception",
            "classify(Exception)",
            "print(1)",
            "def fetch(url):",
        ] {
            assert!(!may_rebind_builtin(line.as_bytes()), "{line}");
        }
    }

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
