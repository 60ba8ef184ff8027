//! Codex CLI rollout files: `{"timestamp", "type", "payload"}` lines with
//! `session_meta`, `turn_context`, `response_item`, `event_msg` and
//! `compacted` items. Shell calls come in four shapes (`shell`,
//! `shell_command`, `exec_command`, `local_shell_call`); edits are
//! `apply_patch` patches; tokens are `event_msg` `token_count`.

use super::fields::{describe_error, parse, CommandField};
use super::{classify_tool, Handled, Sink};
use crate::audit::event::{EventKind, SharedStr};
use crate::audit::paths;
use regex::Regex;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::sync::OnceLock;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
}

#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arguments: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    action: Option<&'a RawValue>,
    #[serde(borrow, default)]
    info: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Action<'a> {
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    query: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Args<'a> {
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    cmd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    workdir: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    file_path: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TokenInfo {
    #[serde(default)]
    total_token_usage: Option<TokenUsage>,
    #[serde(default)]
    last_token_usage: Option<TokenUsage>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct TokenUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    total_tokens: u64,
}

pub struct CodexParser {
    /// The byte test (see `read::byte_test`).
    pub(crate) byte_test: super::ByteTest,
    session: String,
    cwd: Option<String>,
    last_total: Option<u64>,
}

impl CodexParser {
    pub fn new(name: &str) -> Self {
        // rollout-2026-04-10T09-00-00-<uuid>.jsonl: the uuid is the fallback id.
        let stem = std::path::Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string());
        let session = if stem.len() > 36 && stem.is_char_boundary(stem.len() - 36) {
            stem[stem.len() - 36..].to_string()
        } else {
            stem
        };
        CodexParser {
            byte_test: super::ByteTest::default(),
            session,
            cwd: None,
            last_total: None,
        }
    }

    pub fn line(&mut self, line: &[u8], sink: &mut Sink<'_>) -> Result<Handled, String> {
        let parsed: Line<'_> =
            parse(line).map_err(|e| describe_error(line, &e, "Codex rollout"))?;
        let payload: Payload<'_> = serde_json::from_str(parsed.payload.get())
            .map_err(|e| format!("Codex `{}` payload of an unknown shape: {e}", parsed.kind))?;
        let ts = || sink_ts(parsed.timestamp.as_deref());
        match (parsed.kind.as_ref(), payload.kind.as_deref()) {
            ("session_meta", _) => {
                if let Some(id) = payload.id {
                    self.session = id.into_owned();
                }
                if let Some(cwd) = payload.cwd {
                    self.cwd = Some(cwd.into_owned());
                }
                Ok(Handled::Used)
            }
            ("turn_context", _) => {
                if let Some(cwd) = payload.cwd {
                    self.cwd = Some(cwd.into_owned());
                }
                Ok(Handled::Used)
            }
            ("compacted", _) | ("event_msg", Some("context_compacted")) => {
                let ev = sink.event(ts()?, EventKind::Checkpoint);
                sink.push(&self.session, ev);
                Ok(Handled::Used)
            }
            ("event_msg", Some("token_count")) => {
                let Some(info) = payload.info else {
                    return Ok(Handled::Ignored);
                };
                let Ok(info) = serde_json::from_str::<Option<TokenInfo>>(info.get()) else {
                    return Err("Codex `token_count` with an unknown `info` shape".into());
                };
                let Some(info) = info else {
                    return Ok(Handled::Ignored);
                };
                let total = info.total_token_usage.map(|t| t.total_tokens);
                // Re-emitted counts (UI refreshes) repeat the running total.
                if total.is_some() && total == self.last_total {
                    return Ok(Handled::Ignored);
                }
                self.last_total = total;
                let last = info.last_token_usage.unwrap_or_default();
                let mut ev = sink.event(ts()?, EventKind::ModelOutput);
                ev.output_tokens = last.output_tokens;
                ev.context_tokens = last.input_tokens;
                sink.push(&self.session, ev);
                Ok(Handled::Used)
            }
            ("response_item", Some("function_call")) => {
                let name = payload.name.as_deref().unwrap_or("");
                let args_text = payload.arguments.as_deref().unwrap_or("{}");
                let args: Args<'_> = serde_json::from_str(args_text).map_err(|e| {
                    format!("Codex `{name}` call whose `arguments` are not a JSON object: {e}")
                })?;
                let ts = ts()?;
                let command = args
                    .command
                    .as_ref()
                    .map(|c| c.text.clone())
                    .or_else(|| args.cmd.as_deref().map(str::to_string));
                // An `apply_patch` run through the shell tool.
                let argv_patch = args
                    .command
                    .as_ref()
                    .and_then(|c| c.argv.as_ref())
                    .filter(|argv| argv.len() >= 2 && argv[0] == "apply_patch")
                    .map(|argv| argv[1].clone());
                if let Some(patch) = argv_patch.as_deref().or(if name == "apply_patch" {
                    args.input.as_deref()
                } else {
                    None
                }) {
                    self.patch(sink, ts, name, patch);
                    return Ok(Handled::Used);
                }
                let mut kind = classify_tool(name);
                if kind == EventKind::Other && command.is_some() {
                    kind = EventKind::Shell;
                }
                let mut ev = sink.event(ts, kind);
                sink.set_tool(&mut ev, name);
                ev.command = command.map(SharedStr::from);
                if let Some(path) = args.file_path.or(args.path) {
                    let cwd = args.workdir.as_deref().or(self.cwd.as_deref());
                    sink.set_path(&mut ev, &path, cwd);
                }
                sink.push(&self.session, ev);
                Ok(Handled::Used)
            }
            ("response_item", Some("custom_tool_call")) => {
                let name = payload.name.as_deref().unwrap_or("");
                let input = payload.input.as_deref().unwrap_or("");
                let ts = ts()?;
                if name == "apply_patch" {
                    self.patch(sink, ts, name, input);
                } else if name == "exec" {
                    self.code_mode(sink, ts, input);
                } else {
                    let mut ev = sink.event(ts, classify_tool(name));
                    sink.set_tool(&mut ev, name);
                    sink.push(&self.session, ev);
                }
                Ok(Handled::Used)
            }
            ("response_item", Some("local_shell_call")) => {
                let action: Action<'_> = match payload.action {
                    Some(raw) => serde_json::from_str(raw.get()).unwrap_or_default(),
                    None => Action::default(),
                };
                let mut ev = sink.event(ts()?, EventKind::Shell);
                sink.set_tool(&mut ev, "local_shell_call");
                ev.command = action.command.map(|c| SharedStr::from(c.text));
                sink.push(&self.session, ev);
                Ok(Handled::Used)
            }
            ("response_item", Some("web_search_call")) => {
                let action: Action<'_> = match payload.action {
                    Some(raw) => serde_json::from_str(raw.get()).unwrap_or_default(),
                    None => Action::default(),
                };
                let mut ev = sink.event(ts()?, EventKind::Other);
                sink.set_tool(&mut ev, "web_search_call");
                ev.url = action.url.map(|u| SharedStr::from(u.as_ref()));
                if ev.url.is_none() {
                    ev.command = action.query.map(|q| SharedStr::from(q.as_ref()));
                }
                sink.push(&self.session, ev);
                Ok(Handled::Used)
            }
            ("response_item" | "event_msg", _) => Ok(Handled::Ignored),
            (other, _) => Err(format!(
                "`{other}` is not a Codex rollout item type (session_meta, turn_context, response_item, event_msg, compacted)"
            )),
        }
    }

    /// One write event per file of an `apply_patch` patch.
    fn patch(&mut self, sink: &mut Sink<'_>, ts: i64, tool: &str, patch: &str) {
        let files = paths::patch_files(patch);
        if files.is_empty() {
            let mut ev = sink.event(ts, EventKind::Write);
            sink.set_tool(&mut ev, tool);
            sink.push(&self.session, ev);
        }
        for file in files {
            let mut ev = sink.event(ts, EventKind::Write);
            sink.set_tool(&mut ev, tool);
            sink.set_path(&mut ev, file, self.cwd.as_deref());
            sink.push(&self.session, ev);
        }
    }

    /// "Code mode": a JavaScript program calling tools; the commands and
    /// patch headers are recovered from its string literals.
    fn code_mode(&mut self, sink: &mut Sink<'_>, ts: i64, program: &str) {
        static CMD: OnceLock<Option<Regex>> = OnceLock::new();
        let re =
            CMD.get_or_init(|| Regex::new(r#"\b(?:cmd|command)\s*:\s*"((?:[^"\\]|\\.)*)""#).ok());
        let mut found = false;
        if let Some(re) = re {
            for cap in re.captures_iter(program) {
                let literal = &cap[1];
                let command = serde_json::from_str::<String>(&format!("\"{literal}\""))
                    .unwrap_or_else(|_| literal.to_string());
                let mut ev = sink.event(ts, EventKind::Shell);
                sink.set_tool(&mut ev, "exec");
                ev.command = Some(SharedStr::from(command));
                sink.push(&self.session, ev);
                found = true;
            }
        }
        let unescaped = program.replace("\\n", "\n");
        if !paths::patch_files(&unescaped).is_empty() {
            self.patch(sink, ts, "apply_patch", &unescaped);
            found = true;
        }
        if !found {
            let mut ev = sink.event(ts, EventKind::Other);
            sink.set_tool(&mut ev, "exec");
            sink.push(&self.session, ev);
        }
    }
}

fn sink_ts(text: Option<&str>) -> Result<i64, String> {
    match text {
        Some(t) => crate::audit::time::parse_ms(t)
            .ok_or_else(|| format!("`timestamp` is not an RFC 3339 time: `{t}`")),
        None => Err("no `timestamp` on a line that records an action".to_string()),
    }
}
