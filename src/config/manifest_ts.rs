//! The task manifest as the design writes it: `task_manifest.ts`.
//!
//! ```ts
//! export const taskManifest: AgentTask[] = [
//!   { id: "TASK-007", priority: 1, target_module: "src/rate_limiter.py", ... },
//! ];
//! ```
//!
//! The file is parsed with tree-sitter-typescript and never run. The value
//! read is, in this order of preference:
//! 1. the exported variable `taskManifest` (`export const taskManifest = …`);
//! 2. the default export (`export default […]`);
//! 3. the only exported variable of the file.
//!
//! An export may name a top-level `const` of the same file
//! (`const tasks = […]; export default tasks;`): that one step is followed,
//! no other. The value may be wrapped in `as const`, `satisfies AgentTask[]`,
//! `<AgentTask[]>…` or parentheses. Inside it only literals are accepted:
//! objects with plain, quoted or numeric keys, arrays, strings in single or
//! double quotes, template strings without `${…}`, numbers (with `_`
//! separators, hexadecimal, octal and binary integers, a leading `-`),
//! `true`, `false` and `null`. Comments and trailing commas are fine.
//! Anything else (a spread, a call, a computed key, a shorthand property, a
//! variable, `undefined`, a template with a substitution) is an error that
//! names the construct and points at it: agentlint cannot know its value
//! without running the file.
//!
//! The literal is translated to JSON and checked by the JSON manifest's
//! validator ([`super::manifest`]), so both formats accept the same tasks
//! and report the same errors. The JSON keeps the TypeScript's lines (each
//! token is written on its original line), and a map from JSON tokens to
//! TypeScript byte ranges turns every span (task entries, ids, targets,
//! constraints, error locations) back into the `.ts` file's.

use super::manifest::{Manifest, TaskSpans};
use crate::error::{Error, Result};
use crate::source::LineIndex;
use miette::{NamedSource, SourceSpan};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use tree_sitter::{Node, Parser};

/// Whether `path` names a TypeScript manifest (`.ts`, `.mts`, `.cts`).
pub fn is_typescript(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ts" | "mts" | "cts")
    )
}

/// Reads a TypeScript manifest's text; `path` only names the file.
pub fn parse(path: &Path, text: String) -> Result<Manifest> {
    let name = path.display().to_string();
    let translated = Translator::new(&name, &text).translate()?;
    let json = translated.json.clone();
    let parsed = Manifest::parse_json(path, json).map_err(|e| translated.remap_error(e, &text))?;
    let lines = LineIndex::new(&text);
    let tasks = parsed
        .tasks
        .into_iter()
        .map(|mut task| {
            let spans = &task.spans;
            task.spans = TaskSpans {
                entry: translated.remap(&spans.entry),
                id: translated.remap(&spans.id),
                target_module: translated.remap(&spans.target_module),
                constraints: spans
                    .constraints
                    .iter()
                    .map(|s| translated.remap(s))
                    .collect(),
            };
            task.line = lines.line_of(task.spans.entry.start);
            task
        })
        .collect();
    Ok(Manifest {
        path: path.to_path_buf(),
        text: Arc::from(text),
        tasks,
    })
}

/// The manifest literal as JSON, with where each JSON token came from.
struct Translated {
    json: String,
    /// JSON token start -> TypeScript start.
    starts: BTreeMap<usize, usize>,
    /// JSON token end -> TypeScript end.
    ends: BTreeMap<usize, usize>,
}

impl Translated {
    /// A JSON byte range as the TypeScript byte range it was written from.
    fn remap(&self, span: &Range<usize>) -> Range<usize> {
        let start = self
            .starts
            .range(..=span.start)
            .next_back()
            .map(|(_, ts)| *ts)
            .unwrap_or(0);
        let end = self
            .ends
            .range(span.end..)
            .next()
            .map(|(_, ts)| *ts)
            .unwrap_or(start)
            .max(start);
        if span.is_empty() {
            start..start
        } else {
            start..end
        }
    }

    /// A validation error of the JSON, pointed into the TypeScript.
    fn remap_error(&self, err: Error, text: &str) -> Error {
        match err {
            Error::Input {
                message,
                src,
                span,
                label,
                help,
            } => {
                let json_span = span.offset()..span.offset() + span.len();
                let ts = self.remap(&json_span);
                let ts = if json_span.len() == 1 && ts.len() > 1 {
                    ts.start..ts.start + 1
                } else {
                    ts
                };
                // The JSON validator's words for a JSON file.
                let message = message.replace("a JSON object", "an object literal");
                Error::Input {
                    message,
                    src: Arc::new(NamedSource::new(src.name(), text.to_string())),
                    span: SourceSpan::new(ts.start.into(), ts.len()),
                    label,
                    help,
                }
            }
            other => other,
        }
    }
}

struct Translator<'t> {
    name: &'t str,
    text: &'t str,
    lines: LineIndex,
    out: String,
    out_line: u32,
    starts: BTreeMap<usize, usize>,
    ends: BTreeMap<usize, usize>,
}

const HELP_LITERAL: &str = "agentlint reads the manifest without running it: write every value as a literal (strings, numbers, true/false/null, arrays and objects)";

impl<'t> Translator<'t> {
    fn new(name: &'t str, text: &'t str) -> Self {
        Translator {
            name,
            text,
            lines: LineIndex::new(text),
            out: String::with_capacity(text.len() + text.len() / 4),
            out_line: 1,
            starts: BTreeMap::new(),
            ends: BTreeMap::new(),
        }
    }

    fn error(&self, span: Range<usize>, message: String, label: &str, help: Option<&str>) -> Error {
        Error::input(
            self.name,
            self.text.to_string(),
            span,
            message,
            label,
            help.map(str::to_string),
        )
    }

    fn translate(mut self) -> Result<Translated> {
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into())
            .map_err(|e| {
                Error::usage(
                    format!("the TypeScript grammar cannot be loaded: {e}"),
                    None,
                )
            })?;
        let tree = parser.parse(self.text, None).ok_or_else(|| {
            self.error(
                0..0,
                format!("`{}` could not be parsed as TypeScript", self.name),
                "here",
                None,
            )
        })?;
        let root = tree.root_node();
        if let Some(bad) = first_error(root) {
            let span = if bad.is_missing() {
                bad.start_byte()..bad.start_byte()
            } else {
                bad.byte_range()
            };
            let what = if bad.is_missing() {
                format!("expected `{}`", bad.kind())
            } else {
                "unexpected text".to_string()
            };
            return Err(self.error(
                span,
                format!("`{}` is not valid TypeScript: {what}", self.name),
                &what,
                None,
            ));
        }
        let value = self.exported_value(root)?;
        self.value(value)?;
        self.out.push('\n');
        Ok(Translated {
            json: self.out,
            starts: self.starts,
            ends: self.ends,
        })
    }

    /// The expression the manifest is read from (see the module docs).
    fn exported_value<'n>(&self, root: Node<'n>) -> Result<Node<'n>> {
        let mut named: Vec<(String, Node<'n>, Node<'n>)> = Vec::new(); // name, name node, value
        let mut default: Option<Node<'n>> = None;
        let mut locals: HashMap<String, Node<'n>> = HashMap::new();
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            match statement.kind() {
                "export_statement" => {
                    if let Some(decl) = statement.child_by_field_name("declaration") {
                        if decl.kind() == "lexical_declaration"
                            || decl.kind() == "variable_declaration"
                        {
                            for (name, name_node, value) in self.declarators(decl) {
                                named.push((name, name_node, value));
                            }
                        }
                    } else if let Some(value) = statement.child_by_field_name("value") {
                        default = Some(value);
                    } else {
                        // `export { a, b as taskManifest }`
                        let mut inner = statement.walk();
                        for clause in statement.named_children(&mut inner) {
                            if clause.kind() != "export_clause" {
                                continue;
                            }
                            let mut specs = clause.walk();
                            for spec in clause.named_children(&mut specs) {
                                let Some(local) = spec.child_by_field_name("name") else {
                                    continue;
                                };
                                let exported = spec.child_by_field_name("alias").unwrap_or(local);
                                let exported_name = self.node_text(exported).to_string();
                                if exported_name == "default" {
                                    default = Some(local);
                                } else {
                                    named.push((exported_name, exported, local));
                                }
                            }
                        }
                    }
                }
                "lexical_declaration" => {
                    let is_const = statement
                        .child_by_field_name("kind")
                        .is_some_and(|k| k.kind() == "const");
                    if is_const {
                        for (name, _, value) in self.declarators(statement) {
                            locals.insert(name, value);
                        }
                    }
                }
                _ => {}
            }
        }
        let chosen = named
            .iter()
            .find(|(name, _, _)| name == "taskManifest")
            .map(|(_, _, v)| *v)
            .or(default)
            .or_else(|| (named.len() == 1).then(|| named[0].2));
        let Some(chosen) = chosen else {
            let found: Vec<String> = named.iter().map(|(n, _, _)| format!("`{n}`")).collect();
            let label = if found.is_empty() {
                "no exported value in this file".to_string()
            } else {
                format!("exports {}, none named `taskManifest`", found.join(", "))
            };
            return Err(self.error(
                0..0,
                format!("`{}` exports no task manifest", self.name),
                &label,
                Some("write `export const taskManifest: AgentTask[] = [ … ];` or `export default [ … ];`"),
            ));
        };
        // One step through a local constant: `export default tasks;`.
        let unwrapped = unwrap_types(chosen);
        if unwrapped.kind() == "identifier" {
            let name = self.node_text(unwrapped);
            return match locals.get(name) {
                Some(value) => Ok(*value),
                None => Err(self.error(
                    unwrapped.byte_range(),
                    format!("the exported manifest `{name}` is not a `const` of this file"),
                    "defined elsewhere",
                    Some("define the array in this file: `export const taskManifest: AgentTask[] = [ … ];`"),
                )),
            };
        }
        Ok(chosen)
    }

    fn declarators<'n>(&self, decl: Node<'n>) -> Vec<(String, Node<'n>, Node<'n>)> {
        let mut out = Vec::new();
        let mut cursor = decl.walk();
        for d in decl.named_children(&mut cursor) {
            if d.kind() != "variable_declarator" {
                continue;
            }
            if let (Some(name), Some(value)) = (
                d.child_by_field_name("name"),
                d.child_by_field_name("value"),
            ) {
                out.push((self.node_text(name).to_string(), name, value));
            }
        }
        out
    }

    fn node_text(&self, node: Node<'_>) -> &'t str {
        &self.text[node.byte_range()]
    }

    /// Appends a JSON token written from the TypeScript bytes `from`, on
    /// the line those bytes start on.
    fn emit(&mut self, from: Range<usize>, json: &str) {
        let line = self.lines.line_of(from.start);
        while self.out_line < line {
            self.out.push('\n');
            self.out_line += 1;
        }
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push(' ');
        }
        let start = self.out.len();
        self.out.push_str(json);
        self.starts.entry(start).or_insert(from.start);
        self.ends.insert(self.out.len(), from.end);
    }

    fn value<'n>(&mut self, node: Node<'n>) -> Result<()> {
        let node = unwrap_types(node);
        match node.kind() {
            "array" => {
                let (open, close) = brackets(node);
                self.emit(open, "[");
                let mut first = true;
                let mut cursor = node.walk();
                for item in node.named_children(&mut cursor) {
                    if item.kind() == "comment" {
                        continue;
                    }
                    if !first {
                        self.emit(item.start_byte()..item.start_byte(), ",");
                    }
                    first = false;
                    self.value(item)?;
                }
                self.emit(close, "]");
                Ok(())
            }
            "object" => {
                let (open, close) = brackets(node);
                self.emit(open, "{");
                let mut first = true;
                let mut cursor = node.walk();
                for member in node.named_children(&mut cursor) {
                    if member.kind() == "comment" {
                        continue;
                    }
                    if member.kind() != "pair" {
                        return Err(self.not_literal(member));
                    }
                    let (Some(key), Some(value)) = (
                        member.child_by_field_name("key"),
                        member.child_by_field_name("value"),
                    ) else {
                        return Err(self.not_literal(member));
                    };
                    if !first {
                        self.emit(key.start_byte()..key.start_byte(), ",");
                    }
                    first = false;
                    let key_text = self.key(key)?;
                    self.emit(key.byte_range(), &json_string(&key_text));
                    self.emit(key.end_byte()..key.end_byte(), ":");
                    self.value(value)?;
                }
                self.emit(close, "}");
                Ok(())
            }
            "string" => {
                let text = self.string_value(node)?;
                self.emit(node.byte_range(), &json_string(&text));
                Ok(())
            }
            "template_string" => {
                let text = self.string_value(node)?;
                self.emit(node.byte_range(), &json_string(&text));
                Ok(())
            }
            "number" => {
                let json = self.number(node, false)?;
                self.emit(node.byte_range(), &json);
                Ok(())
            }
            "unary_expression" => {
                let operator = node.child_by_field_name("operator").map(|o| o.kind());
                let argument = node.child_by_field_name("argument").map(unwrap_types);
                match (operator, argument) {
                    (Some(op @ ("-" | "+")), Some(arg)) if arg.kind() == "number" => {
                        let json = self.number(arg, op == "-")?;
                        self.emit(node.byte_range(), &json);
                        Ok(())
                    }
                    _ => Err(self.not_literal(node)),
                }
            }
            "true" | "false" | "null" => {
                self.emit(node.byte_range(), node.kind());
                Ok(())
            }
            _ => Err(self.not_literal(node)),
        }
    }

    fn key<'n>(&self, key: Node<'n>) -> Result<String> {
        match key.kind() {
            "property_identifier" => Ok(self.node_text(key).to_string()),
            "string" => self.string_value(key),
            "number" => {
                let json = self.number(key, false)?;
                Ok(json)
            }
            _ => Err(self.not_literal(key)),
        }
    }

    /// The value of a string or substitution-free template literal.
    fn string_value<'n>(&self, node: Node<'n>) -> Result<String> {
        let mut out = String::new();
        let mut cursor = node.walk();
        for part in node.children(&mut cursor) {
            match part.kind() {
                "string_fragment" => out.push_str(self.node_text(part)),
                "escape_sequence" => {
                    let raw = self.node_text(part);
                    match unescape(raw) {
                        Some(text) => out.push_str(&text),
                        None => {
                            return Err(self.error(
                                part.byte_range(),
                                format!("`{raw}` is not an escape sequence agentlint can read"),
                                "unknown escape",
                                None,
                            ))
                        }
                    }
                }
                "template_substitution" => return Err(self.not_literal(part)),
                _ => {}
            }
        }
        Ok(out)
    }

    /// A number literal as JSON (`1_000` -> `1000`, `0x1F` -> `31`).
    fn number<'n>(&self, node: Node<'n>, negative: bool) -> Result<String> {
        let raw = self.node_text(node);
        let digits: String = raw.chars().filter(|c| *c != '_').collect();
        let lower = digits.to_ascii_lowercase();
        let sign = if negative { "-" } else { "" };
        let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
            .iter()
            .find(|(prefix, _)| lower.starts_with(prefix));
        let bad = || {
            self.error(
                node.byte_range(),
                format!("`{raw}` is not a number agentlint can read"),
                "unreadable number",
                Some("write a decimal number, e.g. `1` or `1_000`"),
            )
        };
        if let Some((prefix, radix)) = radix {
            let value = u64::from_str_radix(&lower[prefix.len()..], *radix).map_err(|_| bad())?;
            return Ok(format!("{sign}{value}"));
        }
        let body = lower.strip_suffix('n').unwrap_or(&lower);
        if body.bytes().all(|b| b.is_ascii_digit()) && !body.is_empty() {
            let trimmed = body.trim_start_matches('0');
            return Ok(format!(
                "{sign}{}",
                if trimmed.is_empty() { "0" } else { trimmed }
            ));
        }
        let value: f64 = body.parse().map_err(|_| bad())?;
        if !value.is_finite() {
            return Err(bad());
        }
        let value = if negative { -value } else { value };
        serde_json::to_string(&value).map_err(|_| bad())
    }

    fn not_literal<'n>(&self, node: Node<'n>) -> Error {
        let (what, label) = describe(node, self.node_text(node));
        self.error(
            node.byte_range(),
            format!("`{}`: {what} is not a literal", self.name),
            &label,
            Some(HELP_LITERAL),
        )
    }
}

/// What a non-literal construct is, in words, and a label for it.
fn describe(node: Node<'_>, text: &str) -> (String, String) {
    let short: String = text.chars().take(40).collect();
    let what = match node.kind() {
        "spread_element" => "a spread (`...`)".to_string(),
        "call_expression" | "new_expression" => "a function call".to_string(),
        "computed_property_name" => "a computed key (`[…]`)".to_string(),
        "shorthand_property_identifier" => {
            format!("the shorthand property `{short}`, which refers to a variable,")
        }
        "identifier" => format!("the variable `{short}`"),
        "undefined" => "`undefined`".to_string(),
        "template_substitution" => "a template substitution (`${…}`)".to_string(),
        "method_definition" => "a method".to_string(),
        "arrow_function" | "function_expression" | "function" => "a function".to_string(),
        "member_expression" | "subscript_expression" => format!("the expression `{short}`"),
        "binary_expression" => format!("the computed value `{short}`"),
        "regex" => "a regular expression".to_string(),
        "pair" => "this property".to_string(),
        other => format!("a `{}`", other.replace('_', " ")),
    };
    let label = match node.kind() {
        "undefined" => "write `null` instead".to_string(),
        _ => "not a literal".to_string(),
    };
    (what, label)
}

/// The value under `as const`, `satisfies T`, `<T>x`, `x!` and parentheses.
fn unwrap_types(mut node: Node<'_>) -> Node<'_> {
    loop {
        let inner = match node.kind() {
            "as_expression" | "satisfies_expression" | "non_null_expression" => node.named_child(0),
            "parenthesized_expression" => node.named_child(0),
            "type_assertion" => node.named_child(1),
            _ => None,
        };
        match inner {
            Some(inner) if inner.kind() != "comment" => node = inner,
            _ => return node,
        }
    }
}

/// The byte ranges of a bracketed node's opening and closing characters.
fn brackets(node: Node<'_>) -> (Range<usize>, Range<usize>) {
    let start = node.start_byte();
    let end = node.end_byte();
    (start..start + 1, end.saturating_sub(1)..end)
}

fn first_error(node: Node<'_>) -> Option<Node<'_>> {
    if !node.has_error() {
        return None;
    }
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error).or(Some(node))
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// The text of a JavaScript escape sequence (`\n`, `\x41`, `\u{1F600}`, a
/// line continuation).
fn unescape(raw: &str) -> Option<String> {
    let body = raw.strip_prefix('\\')?;
    let mut chars = body.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    let from_hex = |hex: &str| u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
    let c = match first {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'v' => '\u{b}',
        '0' if rest.is_empty() => '\0',
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => return Some(String::new()),
        'x' => from_hex(rest)?,
        'u' => {
            let hex = rest
                .strip_prefix('{')
                .and_then(|r| r.strip_suffix('}'))
                .unwrap_or(rest);
            from_hex(hex)?
        }
        c if rest.is_empty() => c,
        _ => return None,
    };
    Some(c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::manifest::{Operation, VerificationMethod};

    const DESIGN: &str = r#"// task_manifest.ts
export interface AgentTask {
  id: string;
  priority: number;
  target_module: string;
  operation: 'refactor' | 'fix' | 'add_coverage' | 'update_dependency';
  intent_statement: string; // Operational goal, not just syntax
  verification_method: 'unit_test' | 'style_check' | 'integration_run';
  constraints: string[];
  blocked_on: string | null;
}
export const taskManifest: AgentTask[] = [
  {
    id: "TASK-007",
    priority: 1,
    target_module: "src/rate_limiter.py",
    operation: "fix",
    intent_statement: "Correct backoff timestamp recalculation during batched requests.",
    verification_method: "unit_test",
    constraints: [
      "Preserve existing retry count logic",
      "Add edge-case tests for zero-delay batches",
    ],
    blocked_on: null
  },
  {
    id: 'TASK-012',
    priority: 2,
    target_module: `./src/output/`,
    operation: "refactor",
    intent_statement: "Standardize JSON output structure.",
    verification_method: "style_check",
    constraints: ["Limit changes to <10 lines per file"],
    blocked_on: "TASK-007",
  },
];
"#;

    fn parse_ts(text: &str) -> Result<Manifest> {
        parse(Path::new("task_manifest.ts"), text.to_string())
    }

    /// The message, label and 1-based line of an input error, and the text
    /// its span covers.
    fn error_at(text: &str) -> (String, String, usize, String) {
        match parse_ts(text) {
            Err(Error::Input {
                message,
                span,
                label,
                ..
            }) => {
                let line = text[..span.offset()].matches('\n').count() + 1;
                let covered = text[span.offset()..span.offset() + span.len()].to_string();
                (message, label, line, covered)
            }
            Err(other) => panic!("expected an input error, got {other:?}"),
            Ok(m) => panic!("expected an error, parsed {} tasks", m.tasks.len()),
        }
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text[..text.find(needle).expect("needle in text")]
            .matches('\n')
            .count()
            + 1
    }

    #[test]
    fn reads_the_design_manifest_with_spans_in_the_ts_file() {
        let m = parse_ts(DESIGN).unwrap();
        assert_eq!(m.tasks.len(), 2);
        let t = &m.tasks[0];
        assert_eq!(t.id, "TASK-007");
        assert_eq!(t.operation, Operation::Fix);
        assert_eq!(t.verification_method, VerificationMethod::UnitTest);
        assert_eq!(
            t.line as usize,
            line_of(DESIGN, "  {\n    id: \"TASK-007\"")
        );
        assert_eq!(&DESIGN[t.spans.id.clone()], "\"TASK-007\"");
        assert_eq!(
            &DESIGN[t.spans.target_module.clone()],
            "\"src/rate_limiter.py\""
        );
        let entry = &DESIGN[t.spans.entry.clone()];
        assert!(entry.starts_with('{') && entry.ends_with('}'), "{entry}");
        assert!(entry.contains("TASK-007") && !entry.contains("TASK-012"));
        let u = &m.tasks[1];
        assert_eq!(u.id, "TASK-012");
        assert_eq!(&DESIGN[u.spans.id.clone()], "'TASK-012'");
        assert_eq!(u.target_module, "src/output/");
        assert_eq!(u.blocked_on.as_deref(), Some("TASK-007"));
        assert_eq!(
            &DESIGN[u.spans.constraints[0].clone()],
            "\"Limit changes to <10 lines per file\""
        );
        assert_eq!(u.line_limit().map(|l| l.max), Some(9));
        assert_eq!(&*m.text, DESIGN);
    }

    /// The same tasks written as JSON parse to the same values.
    #[test]
    fn same_tasks_as_the_json_reader() {
        let json = r#"[
  {"id": "TASK-007", "priority": 1, "target_module": "src/rate_limiter.py", "operation": "fix",
   "intent_statement": "Correct backoff timestamp recalculation during batched requests.",
   "verification_method": "unit_test",
   "constraints": ["Preserve existing retry count logic", "Add edge-case tests for zero-delay batches"],
   "blocked_on": null},
  {"id": "TASK-012", "priority": 2, "target_module": "./src/output/", "operation": "refactor",
   "intent_statement": "Standardize JSON output structure.", "verification_method": "style_check",
   "constraints": ["Limit changes to <10 lines per file"], "blocked_on": "TASK-007"}
]"#;
        let from_json = Manifest::parse(Path::new("m.json"), json.to_string()).unwrap();
        let from_ts = parse_ts(DESIGN).unwrap();
        let strip = |m: &Manifest| -> Vec<_> {
            m.tasks
                .iter()
                .map(|t| {
                    (
                        t.id.clone(),
                        t.priority,
                        t.target_module.clone(),
                        t.operation,
                        t.intent_statement.clone(),
                        t.verification_method,
                        t.constraints.clone(),
                        t.blocked_on.clone(),
                    )
                })
                .collect()
        };
        assert_eq!(strip(&from_json), strip(&from_ts));
    }

    #[test]
    fn default_export_as_const_satisfies_and_local_const() {
        let body = r#"[{ id: "A", priority: 1_0, target_module: 'a.py', operation: "fix",
  intent_statement: `multi
line`, verification_method: "unit_test", }]"#;
        for text in [
            format!("export default {body} as const;"),
            format!("export default ({body} satisfies AgentTask[]);"),
            format!("const tasks = {body} as const;\nexport default tasks;"),
            format!("const tasks = <AgentTask[]>{body};\nexport {{ tasks as taskManifest }};"),
            format!("export const other = 1;\nexport const taskManifest = {body};"),
        ] {
            let m = parse_ts(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(m.tasks[0].priority, 10, "{text}");
            assert_eq!(m.tasks[0].intent_statement, "multi\nline");
        }
        // The object form of the JSON reader works too.
        let m = parse_ts(&format!("export default {{ version: 1, tasks: {body} }};")).unwrap();
        assert_eq!(m.tasks.len(), 1);
    }

    #[test]
    fn numbers_and_escapes() {
        let text = r#"export default [{ id: "T\u{41}\x42\'", priority: -0x10, target_module: "a.py",
  operation: "fix", intent_statement: 'say "hi"\n', verification_method: "unit_test" }];"#;
        let t = &parse_ts(text).unwrap().tasks[0];
        assert_eq!(t.id, "TAB'");
        assert_eq!(t.priority, -16);
        assert_eq!(t.intent_statement, "say \"hi\"\n");
    }

    #[test]
    fn non_literals_are_named_and_located() {
        let cases = [
            ("...base,", "a spread", "...base"),
            ("[key]: 1,", "a computed key", "[key]"),
            ("owner: getOwner(),", "a function call", "getOwner()"),
            ("owner: OWNER,", "the variable `OWNER`", "OWNER"),
            ("owner: `x${y}`,", "a template substitution", "${y}"),
            ("owner: undefined,", "`undefined`", "undefined"),
            ("owner,", "shorthand property `owner`", "owner"),
            ("owner: a + b,", "computed value", "a + b"),
        ];
        for (member, what, covered_text) in cases {
            let text = DESIGN.replace(
                "    blocked_on: null\n",
                &format!("    {member}\n    blocked_on: null\n"),
            );
            let (message, _, line, covered) = error_at(&text);
            assert!(message.contains(what), "{member}: {message}");
            assert!(message.contains("not a literal"), "{member}: {message}");
            assert_eq!(line, line_of(&text, member), "{member}");
            assert_eq!(covered, covered_text, "{member}");
        }
    }

    #[test]
    fn validation_errors_point_into_the_ts_file() {
        let bad = DESIGN.replace("priority: 2,", "priority: \"high\",");
        let (message, label, line, covered) = error_at(&bad);
        assert!(
            message.contains("`priority` must be an integer"),
            "{message}"
        );
        assert_eq!(label, "found a string");
        assert_eq!(line, line_of(&bad, "priority: \"high\""));
        assert_eq!(covered, "\"high\"");

        let bad = DESIGN.replace("operation: \"refactor\"", "operation: 'rewrite'");
        let (message, _, line, covered) = error_at(&bad);
        assert!(message.contains("`rewrite`"), "{message}");
        assert_eq!(line, line_of(&bad, "'rewrite'"));
        assert_eq!(covered, "'rewrite'");

        let bad = DESIGN.replace("id: 'TASK-012'", "id: 'TASK-007'");
        let (message, label, line, _) = error_at(&bad);
        assert!(message.contains("duplicate task id"), "{message}");
        assert!(
            label.contains(&format!("line {}", line_of(&bad, "id: \"TASK-007\""))),
            "{label}"
        );
        assert_eq!(line, line_of(&bad, "id: 'TASK-007'"));

        let bad = DESIGN.replace("    target_module: \"src/rate_limiter.py\",\n", "");
        let (message, _, line, covered) = error_at(&bad);
        assert!(message.contains("`target_module`"), "{message}");
        assert_eq!(line, line_of(&bad, "  {\n    id: \"TASK-007\""));
        assert_eq!(covered, "{");

        let bad = DESIGN.replace(
            "export const taskManifest: AgentTask[] = [\n",
            "export const taskManifest: AgentTask[] = [\n  \"loose\",\n",
        );
        let (message, _, line, _) = error_at(&bad);
        assert_eq!(message, "a task must be an object literal");
        assert_eq!(line, line_of(&bad, "\"loose\""));
    }

    #[test]
    fn syntax_errors_and_missing_exports() {
        let bad = DESIGN.replace("priority: 1,", "priority: 1 +,");
        let (message, _, line, _) = error_at(&bad);
        assert!(message.contains("not valid TypeScript"), "{message}");
        assert_eq!(line, line_of(&bad, "priority: 1 +,"));
        let (message, label, _, _) = error_at("export const a = 1;\nexport const b = 2;\n");
        assert!(message.contains("exports no task manifest"), "{message}");
        assert!(label.contains("`a`, `b`"), "{label}");
        let (message, _, _, covered) = error_at("export default tasks;\n");
        assert!(message.contains("not a `const` of this file"), "{message}");
        assert_eq!(covered, "tasks");
        assert!(error_at("").0.contains("exports no task manifest"));
    }

    /// Shapes of real `export const taskManifest` files that are not task
    /// lists (a plugin manifest built from a spread and methods, a list
    /// computed by a call, a capability object).
    #[test]
    fn real_world_shapes_that_are_not_manifests() {
        let spread = "import { base } from './base';\nexport const taskManifest: NodeManifest = {\n  ...base,\n  update(_a) {},\n  panel: Details,\n};\n";
        let (message, _, line, covered) = error_at(spread);
        assert!(message.contains("a spread"), "{message}");
        assert_eq!((line, covered.as_str()), (3, "...base"));
        let call = "export const tasks = freeze(cases);\nexport const taskManifest = freeze(tasks.map((c) => ({ id: c.id })));\n";
        let (message, _, line, _) = error_at(call);
        assert!(message.contains("a function call"), "{message}");
        assert_eq!(line, 2);
        let capability = "// comment\nexport const taskManifest: Capability = {\n  id: \"task\",\n  provides: [\"task.run\", \"task.cancel\",],\n  lifecycle: { resident: false },\n};\n";
        let (message, _, line, covered) = error_at(capability);
        assert!(message.contains("has no `tasks` array"), "{message}");
        assert_eq!((line, covered.as_str()), (2, "{"));
    }

    #[test]
    fn dispatch_on_the_extension() {
        let m = Manifest::parse(Path::new("plan/task_manifest.ts"), DESIGN.to_string()).unwrap();
        assert_eq!(m.tasks.len(), 2);
        assert!(is_typescript(Path::new("x.mts")));
        assert!(!is_typescript(Path::new("x.json")));
    }
}
