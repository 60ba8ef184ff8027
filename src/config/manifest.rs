//! The task manifest (`--manifest FILE`, or `manifest = "…"` in
//! `agentlint.toml`): the design document's `AgentTask` list, as JSON.
//!
//! # Format
//! Either a JSON array of tasks, or an object whose `tasks` key holds that
//! array (other keys of the object are ignored), so both
//! `[{"id": "TASK-007", …}]` and `{"tasks": [{"id": "TASK-007", …}]}` work.
//! Each task is an object with the fields of `AgentTask`:
//!
//! | field | JSON type | required |
//! |---|---|---|
//! | `id` | non-empty string, unique in the manifest | yes |
//! | `priority` | integer | yes |
//! | `target_module` | non-empty string: a file, or a folder prefix (`src/pkg/`) | yes |
//! | `operation` | `"refactor"`, `"fix"`, `"add_coverage"` or `"update_dependency"` | yes |
//! | `intent_statement` | string | yes |
//! | `verification_method` | `"unit_test"`, `"style_check"` or `"integration_run"` | yes |
//! | `constraints` | array of strings | no (default `[]`) |
//! | `blocked_on` | string or `null` | no (default `null`) |
//!
//! Unknown fields are ignored. A syntax error, a task that is not an
//! object, a missing required field, a value of the wrong type, an
//! unknown enum value or a duplicate id is an error pointing at the bytes
//! in the file. Every task keeps the byte range of its entry, so findings
//! about a task (missing-test) can be anchored there.

use super::{offset_of, read_text};
use crate::error::{Error, Result};
use crate::source::LineIndex;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a task asks the agent to do (`AgentTask.operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Refactor,
    Fix,
    AddCoverage,
    UpdateDependency,
}

impl Operation {
    pub const ALL: [(&'static str, Operation); 4] = [
        ("refactor", Operation::Refactor),
        ("fix", Operation::Fix),
        ("add_coverage", Operation::AddCoverage),
        ("update_dependency", Operation::UpdateDependency),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(name, _)| *name)
            .unwrap_or("fix")
    }
}

/// How success of a task is measured (`AgentTask.verification_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    UnitTest,
    StyleCheck,
    IntegrationRun,
}

impl VerificationMethod {
    pub const ALL: [(&'static str, VerificationMethod); 3] = [
        ("unit_test", VerificationMethod::UnitTest),
        ("style_check", VerificationMethod::StyleCheck),
        ("integration_run", VerificationMethod::IntegrationRun),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(name, _)| *name)
            .unwrap_or("unit_test")
    }
}

/// Where a task's parts are in the manifest file (byte ranges).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskSpans {
    /// The whole task object, `{` to `}`.
    pub entry: Range<usize>,
    /// The `id` value.
    pub id: Range<usize>,
    /// The `target_module` value.
    pub target_module: Range<usize>,
    /// Each constraint string, in order.
    pub constraints: Vec<Range<usize>>,
}

/// One task of the manifest: the design document's `AgentTask`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTask {
    pub id: String,
    pub priority: i64,
    /// A repository-relative file (`src/rate_limiter.py`) or folder prefix
    /// (`src/pkg/`), `/`-separated, without a leading `./`.
    pub target_module: String,
    pub operation: Operation,
    pub intent_statement: String,
    pub verification_method: VerificationMethod,
    pub constraints: Vec<String>,
    pub blocked_on: Option<String>,
    pub spans: TaskSpans,
    /// 1-based line of the task's opening `{`.
    pub line: u32,
}

/// A limit on changed lines per file stated in a task constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineLimit {
    /// The largest allowed number of changed lines (`<10` gives 9).
    pub max: u32,
    /// Index of the constraint in `AgentTask::constraints`.
    pub constraint: usize,
}

impl AgentTask {
    /// Whether `path` (repository-relative, `/`-separated) is this task's
    /// target: the file itself, or a file under the target folder.
    pub fn targets(&self, path: &str) -> bool {
        let target = self.target_module.trim_end_matches('/');
        path == target
            || (path.len() > target.len()
                && path.starts_with(target)
                && path.as_bytes()[target.len()] == b'/')
    }

    /// The per-file line limit from a constraint such as "Limit changes to
    /// <10 lines per file" (also "at most 10 lines", "<= 10 lines", "under
    /// 10 lines", "fewer than 10 lines", "max 10 lines"); the smallest when
    /// several constraints state one.
    pub fn line_limit(&self) -> Option<LineLimit> {
        self.constraints
            .iter()
            .enumerate()
            .filter_map(|(i, c)| parse_line_limit(c).map(|max| LineLimit { max, constraint: i }))
            .min_by_key(|l| l.max)
    }
}

fn line_limit_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\blimit\s+(?:changes|edits|diffs?)\s+to\s+(<=|≤|<|under|fewer\s+than|less\s+than|at\s+most|max(?:imum)?|no\s+more\s+than)?\s*(\d{1,9})\s*(?:changed\s+)?lines?\b",
        )
        .expect("the line-limit pattern is a valid regex")
    })
}

/// "Limit changes to <10 lines per file" -> 9; "… to 10 lines" -> 10.
pub fn parse_line_limit(constraint: &str) -> Option<u32> {
    let caps = line_limit_regex().captures(constraint)?;
    let n: u32 = caps.get(2)?.as_str().parse().ok()?;
    let strict = caps.get(1).is_some_and(|m| {
        let op = m.as_str().to_ascii_lowercase();
        op == "<" || op == "under" || op.starts_with("fewer") || op.starts_with("less")
    });
    Some(if strict { n.saturating_sub(1) } else { n })
}

/// A validated task manifest with its text, for anchoring findings.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The path as it was given (for messages).
    pub path: PathBuf,
    pub text: Arc<str>,
    pub tasks: Vec<AgentTask>,
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    pub fn load(path: &Path) -> Result<Manifest> {
        let text = read_text(path)?;
        Manifest::parse(path, text)
    }

    /// Validates manifest text; `path` names the file, and a `.ts` path is
    /// read as TypeScript (see [`super::manifest_ts`]).
    pub fn parse(path: &Path, text: String) -> Result<Manifest> {
        if super::manifest_ts::is_typescript(path) {
            return super::manifest_ts::parse(path, text);
        }
        Manifest::parse_json(path, text)
    }

    /// Validates manifest text as JSON; `path` is only used to name the file.
    pub fn parse_json(path: &Path, text: String) -> Result<Manifest> {
        let tasks = Parser {
            name: path.display().to_string(),
            text: &text,
        }
        .tasks()?;
        Ok(Manifest {
            path: path.to_path_buf(),
            text: Arc::from(text),
            tasks,
        })
    }

    /// The tasks whose target is `path`.
    pub fn tasks_for<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a AgentTask> + 'a {
        self.tasks.iter().filter(move |t| t.targets(path))
    }
}

struct Parser<'t> {
    name: String,
    text: &'t str,
}

/// What a JSON value is, by its first character, for messages.
fn json_kind(raw: &str) -> &'static str {
    match raw.trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't') | Some(b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

impl<'t> Parser<'t> {
    fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Error {
        Error::input(
            &self.name,
            self.text.to_string(),
            span,
            message,
            label,
            help,
        )
    }

    /// Byte range of a raw value borrowed from the manifest text.
    fn span_of(&self, raw: &RawValue) -> Range<usize> {
        let start = (raw.get().as_ptr() as usize)
            .checked_sub(self.text.as_ptr() as usize)
            .filter(|s| *s <= self.text.len())
            .unwrap_or(0);
        start..(start + raw.get().len()).min(self.text.len())
    }

    fn syntax_error(&self, err: serde_json::Error, base: usize) -> Error {
        let sub = &self.text[base..];
        let at = base
            + offset_of(sub, err.line(), err.column())
                .saturating_sub(1)
                .min(sub.len());
        let message = err.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        self.error(
            at..(at + 1).min(self.text.len()).max(at),
            format!("`{}` is not valid JSON: {message}", self.name),
            message,
            None,
        )
    }

    fn tasks(&self) -> Result<Vec<AgentTask>> {
        let top: &RawValue =
            serde_json::from_str(self.text).map_err(|e| self.syntax_error(e, 0))?;
        let top_span = self.span_of(top);
        let list_raw: &RawValue = match top.get().as_bytes().first() {
            Some(b'[') => top,
            Some(b'{') => {
                let map: HashMap<String, &RawValue> = serde_json::from_str(top.get())
                    .map_err(|e| self.syntax_error(e, top_span.start))?;
                map.get("tasks").copied().ok_or_else(|| {
                    self.error(
                        top_span.start..top_span.start + 1,
                        format!("`{}` has no `tasks` array", self.name),
                        "expected a `tasks` key in this object",
                        Some(
                            "a manifest is an array of tasks, or an object with a `tasks` array"
                                .into(),
                        ),
                    )
                })?
            }
            _ => {
                return Err(self.error(
                    top_span,
                    format!("`{}` is not a task manifest", self.name),
                    format!("expected an array of tasks, found {}", json_kind(top.get())),
                    Some(
                        "a manifest is an array of tasks, or an object with a `tasks` array".into(),
                    ),
                ))
            }
        };
        let list_span = self.span_of(list_raw);
        if !list_raw.get().starts_with('[') {
            return Err(self.error(
                list_span,
                "`tasks` must be an array of tasks",
                format!("found {}", json_kind(list_raw.get())),
                None,
            ));
        }
        let entries: Vec<&RawValue> = serde_json::from_str(list_raw.get())
            .map_err(|e| self.syntax_error(e, list_span.start))?;
        let lines = LineIndex::new(self.text);
        let mut tasks: Vec<AgentTask> = Vec::with_capacity(entries.len());
        let mut seen: HashMap<String, Range<usize>> = HashMap::new();
        for raw in entries {
            let task = self.task(raw, &lines)?;
            if let Some(first) = seen.get(&task.id) {
                let first_line = lines.line_of(first.start);
                return Err(self.error(
                    task.spans.id.clone(),
                    format!("duplicate task id `{}`", task.id),
                    format!(
                        "`{}` is already the id of the task on line {first_line}",
                        task.id
                    ),
                    Some("task ids must be unique within a manifest".into()),
                ));
            }
            seen.insert(task.id.clone(), task.spans.id.clone());
            tasks.push(task);
        }
        Ok(tasks)
    }

    fn task(&self, raw: &RawValue, lines: &LineIndex) -> Result<AgentTask> {
        let entry = self.span_of(raw);
        if !raw.get().starts_with('{') {
            return Err(self.error(
                entry,
                "a task must be a JSON object",
                format!("found {}", json_kind(raw.get())),
                None,
            ));
        }
        let fields: BTreeMap<String, &RawValue> =
            serde_json::from_str(raw.get()).map_err(|e| self.syntax_error(e, entry.start))?;
        let opening = entry.start..entry.start + 1;
        let required = |name: &str| -> Result<&RawValue> {
            fields.get(name).copied().ok_or_else(|| {
                let which = fields
                    .get("id")
                    .and_then(|id| serde_json::from_str::<String>(id.get()).ok())
                    .map(|id| format!("task `{id}`"))
                    .unwrap_or_else(|| "this task".into());
                self.error(
                    opening.clone(),
                    format!("task is missing the required field `{name}`"),
                    format!("{which} has no `{name}`"),
                    Some(REQUIRED_HELP.into()),
                )
            })
        };
        let (id, id_span) = self.string(required("id")?, "id", true)?;
        let priority_raw = required("priority")?;
        let priority: i64 = serde_json::from_str(priority_raw.get()).map_err(|_| {
            self.error(
                self.span_of(priority_raw),
                "`priority` must be an integer",
                format!("found {}", json_kind(priority_raw.get())),
                None,
            )
        })?;
        let (target, target_span) =
            self.string(required("target_module")?, "target_module", true)?;
        let operation = self.choice(required("operation")?, "operation", &Operation::ALL)?;
        let (intent_statement, _) =
            self.string(required("intent_statement")?, "intent_statement", false)?;
        let verification_method = self.choice(
            required("verification_method")?,
            "verification_method",
            &VerificationMethod::ALL,
        )?;
        let mut constraints = Vec::new();
        let mut constraint_spans = Vec::new();
        if let Some(list) = fields.get("constraints") {
            let span = self.span_of(list);
            let items: Vec<&RawValue> = serde_json::from_str(list.get()).map_err(|_| {
                self.error(
                    span.clone(),
                    "`constraints` must be an array of strings",
                    format!("found {}", json_kind(list.get())),
                    None,
                )
            })?;
            for item in items {
                let (text, span) = self.string(item, "each constraint", false)?;
                constraints.push(text);
                constraint_spans.push(span);
            }
        }
        let blocked_on = match fields.get("blocked_on") {
            None => None,
            Some(raw) => serde_json::from_str::<Option<String>>(raw.get()).map_err(|_| {
                self.error(
                    self.span_of(raw),
                    "`blocked_on` must be a string or null",
                    format!("found {}", json_kind(raw.get())),
                    None,
                )
            })?,
        };
        if target.starts_with('/') || target.contains('\\') || target.split('/').any(|p| p == "..")
        {
            return Err(self.error(
                target_span,
                "`target_module` must be a path relative to the repository root",
                "absolute, `..` or `\\` path",
                Some(
                    "write it as the repository shows it, e.g. `src/rate_limiter.py` or `src/pkg/`"
                        .into(),
                ),
            ));
        }
        let target_module = normalize_target(&target);
        Ok(AgentTask {
            id,
            priority,
            target_module,
            operation,
            intent_statement,
            verification_method,
            constraints,
            blocked_on,
            line: lines.line_of(entry.start),
            spans: TaskSpans {
                entry,
                id: id_span,
                target_module: target_span,
                constraints: constraint_spans,
            },
        })
    }

    fn string(
        &self,
        raw: &RawValue,
        name: &str,
        non_empty: bool,
    ) -> Result<(String, Range<usize>)> {
        let span = self.span_of(raw);
        let value: String = serde_json::from_str(raw.get()).map_err(|_| {
            self.error(
                span.clone(),
                format!("`{name}` must be a string"),
                format!("found {}", json_kind(raw.get())),
                None,
            )
        })?;
        if non_empty && value.trim().is_empty() {
            return Err(self.error(span, format!("`{name}` must not be empty"), "empty", None));
        }
        Ok((value, span))
    }

    fn choice<T: Copy>(&self, raw: &RawValue, name: &str, allowed: &[(&str, T)]) -> Result<T> {
        let (value, span) = self.string(raw, name, false)?;
        let names: Vec<String> = allowed.iter().map(|(n, _)| format!("`{n}`")).collect();
        allowed
            .iter()
            .find(|(n, _)| *n == value)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                self.error(
                    span,
                    format!("`{value}` is not a valid `{name}`"),
                    format!("expected one of {}", names.join(", ")),
                    None,
                )
            })
    }
}

const REQUIRED_HELP: &str = "each task needs `id`, `priority`, `target_module`, `operation`, `intent_statement` and `verification_method`";

/// `./src//a.py` -> `src/a.py`; a trailing `/` is kept to mark a folder.
fn normalize_target(target: &str) -> String {
    let folder = target.ends_with('/');
    let parts: Vec<&str> = target
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut out = parts.join("/");
    if folder && !out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"[
  {
    "id": "TASK-007",
    "priority": 1,
    "target_module": "src/rate_limiter.py",
    "operation": "fix",
    "intent_statement": "Correct backoff timestamp recalculation.",
    "verification_method": "unit_test",
    "constraints": ["Preserve existing retry count logic"],
    "blocked_on": null
  },
  {
    "id": "TASK-012",
    "priority": 2,
    "target_module": "./src/output/",
    "operation": "refactor",
    "intent_statement": "Standardize JSON output structure.",
    "verification_method": "style_check",
    "constraints": ["Match PEP-8", "Limit changes to <10 lines per file"],
    "blocked_on": "TASK-007",
    "owner": "unknown fields are ignored"
  }
]
"#;

    fn parse(text: &str) -> Result<Manifest> {
        Manifest::parse(Path::new("task_manifest.json"), text.to_string())
    }

    /// The span and message of an input error, for assertions.
    fn error_at(text: &str) -> (String, String, usize) {
        match parse(text) {
            Err(Error::Input {
                message,
                span,
                label,
                ..
            }) => {
                let line = text[..span.offset()].matches('\n').count() + 1;
                (message, label, line)
            }
            Err(other) => panic!("expected an input error, got {other:?}"),
            Ok(m) => panic!("expected an error, parsed {} tasks", m.tasks.len()),
        }
    }

    #[test]
    fn parses_the_design_manifest() {
        let m = parse(GOOD).unwrap();
        assert_eq!(m.tasks.len(), 2);
        let t = &m.tasks[0];
        assert_eq!(t.id, "TASK-007");
        assert_eq!(t.priority, 1);
        assert_eq!(t.operation, Operation::Fix);
        assert_eq!(t.verification_method, VerificationMethod::UnitTest);
        assert_eq!(t.blocked_on, None);
        assert_eq!(t.line, 2);
        assert_eq!(&GOOD[t.spans.id.clone()], "\"TASK-007\"");
        assert!(
            GOOD[t.spans.entry.clone()].starts_with('{')
                && GOOD[t.spans.entry.clone()].ends_with('}')
        );
        let u = &m.tasks[1];
        assert_eq!(u.target_module, "src/output/");
        assert_eq!(u.blocked_on.as_deref(), Some("TASK-007"));
        assert_eq!(u.line, 12);
        assert_eq!(
            &GOOD[u.spans.constraints[1].clone()],
            "\"Limit changes to <10 lines per file\""
        );
        assert!(u.targets("src/output/json.py"));
        assert!(!u.targets("src/output_formatter.py"));
        assert!(t.targets("src/rate_limiter.py"));
        assert_eq!(
            u.line_limit(),
            Some(LineLimit {
                max: 9,
                constraint: 1
            })
        );
        assert_eq!(t.line_limit(), None);
    }

    #[test]
    fn accepts_an_object_with_tasks() {
        let text = format!("{{\"version\": 1, \"tasks\": {GOOD}}}");
        let m = parse(&text).unwrap();
        assert_eq!(m.tasks.len(), 2);
        assert_eq!(m.tasks[1].line, 12);
    }

    #[test]
    fn optional_fields_default() {
        let m = parse(r#"[{"id":"A","priority":1,"target_module":"a.py","operation":"fix","intent_statement":"x","verification_method":"unit_test"}]"#).unwrap();
        assert!(m.tasks[0].constraints.is_empty());
        assert_eq!(m.tasks[0].blocked_on, None);
    }

    #[test]
    fn line_limits_from_constraints() {
        assert_eq!(
            parse_line_limit("Limit changes to <10 lines per file"),
            Some(9)
        );
        assert_eq!(
            parse_line_limit("limit changes to 10 lines per file"),
            Some(10)
        );
        assert_eq!(
            parse_line_limit("Limit changes to at most 25 lines"),
            Some(25)
        );
        assert_eq!(
            parse_line_limit("Limit changes to under 5 lines per file"),
            Some(4)
        );
        assert_eq!(parse_line_limit("Limit changes to <= 7 lines"), Some(7));
        assert_eq!(
            parse_line_limit("Preserve existing retry count logic"),
            None
        );
        assert_eq!(parse_line_limit("Limit changes to the parser"), None);
    }

    #[test]
    fn missing_field_points_at_the_task() {
        let bad = GOOD.replace("    \"target_module\": \"src/rate_limiter.py\",\n", "");
        let (message, label, line) = error_at(&bad);
        assert!(message.contains("`target_module`"), "{message}");
        assert!(label.contains("TASK-007"), "{label}");
        assert_eq!(line, 2);
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let bad = GOOD.replace("\"priority\": 2", "\"priority\": \"high\"");
        let (message, label, line) = error_at(&bad);
        assert!(
            message.contains("`priority` must be an integer"),
            "{message}"
        );
        assert_eq!(label, "found a string");
        assert_eq!(line, 14);
        let bad = GOOD.replace("\"constraints\": [\"Match PEP-8\"", "\"constraints\": [3");
        let (message, _, line) = error_at(&bad);
        assert!(message.contains("constraint"), "{message}");
        assert_eq!(line, 19);
        let bad = GOOD.replace("\"blocked_on\": null", "\"blocked_on\": 7");
        assert_eq!(error_at(&bad).2, 10);
    }

    #[test]
    fn bad_enum_value_lists_the_choices() {
        let bad = GOOD.replace("\"operation\": \"refactor\"", "\"operation\": \"rewrite\"");
        let (message, label, line) = error_at(&bad);
        assert!(message.contains("`rewrite`"), "{message}");
        assert!(label.contains("`update_dependency`"), "{label}");
        assert_eq!(line, 16);
        let bad = GOOD.replace("\"unit_test\"", "\"pytest\"");
        assert_eq!(error_at(&bad).2, 8);
    }

    #[test]
    fn duplicate_id_points_at_the_second() {
        let bad = GOOD.replace("TASK-012", "TASK-007");
        let (message, label, line) = error_at(&bad);
        assert!(
            message.contains("duplicate task id `TASK-007`"),
            "{message}"
        );
        assert!(label.contains("line 3"), "{label}");
        assert_eq!(line, 13);
    }

    #[test]
    fn syntax_errors_and_wrong_shapes() {
        let bad = GOOD.replace("\"priority\": 1,", "\"priority\": 1");
        let (message, _, line) = error_at(&bad);
        assert!(message.contains("not valid JSON"), "{message}");
        assert_eq!(line, 5);
        assert!(error_at("{\"jobs\": []}").0.contains("no `tasks`"));
        assert!(error_at("{\"tasks\": 3}").0.contains("must be an array"));
        assert!(error_at("[1]").0.contains("must be a JSON object"));
        assert!(error_at("\"x\"").0.contains("not a task manifest"));
        assert!(error_at("").0.contains("not valid JSON"));
        let (message, _, line) =
            error_at(&GOOD.replace("src/rate_limiter.py", "/opt/src/rate_limiter.py"));
        assert!(
            message.contains("relative to the repository root"),
            "{message}"
        );
        assert_eq!(line, 5);
        assert!(
            error_at(&GOOD.replace("src/rate_limiter.py", "src/../../etc"))
                .0
                .contains("relative")
        );
        let (message, _, _) = error_at(&GOOD.replace("\"id\": \"TASK-007\"", "\"id\": \"  \""));
        assert!(message.contains("must not be empty"), "{message}");
    }
}
