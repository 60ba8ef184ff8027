//! The design document's JSONL: `{"type": "tool_call", "tool", "payload",
//! "timestamp", "session_id"}`, `{"type": "model_output", "token_count",
//! "output_length", ...}`, and our `{"type": "checkpoint", ...}`.

use super::fields::{describe_error, parse, CommandField, Text};
use super::{classify_tool, Handled, Sink};
use crate::audit::event::{EventKind, SharedStr};
use crate::audit::paths;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    tool: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<Payload<'a>>,
    #[serde(default)]
    token_count: Option<u64>,
    #[serde(default)]
    context_tokens: Option<u64>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(default)]
    task_id: Option<Text>,
}

#[derive(Deserialize, Default)]
struct Payload<'a> {
    #[serde(borrow, default)]
    file_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    path: Option<Cow<'a, str>>,
    #[serde(rename = "filePath", borrow, default)]
    file_path_camel: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    notebook_path: Option<Cow<'a, str>>,
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    cmd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    patch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<Cow<'a, str>>,
    #[serde(default)]
    task_id: Option<Text>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
}

pub struct DesignParser;

impl DesignParser {
    pub fn line(&mut self, line: &[u8], sink: &mut Sink<'_>) -> Result<Handled, String> {
        let parsed: Line<'_> = parse(line).map_err(|e| describe_error(line, &e, "design JSONL"))?;
        let ts = sink.timestamp(parsed.timestamp.as_deref())?;
        let session = parsed
            .session_id
            .as_deref()
            .map(str::to_string)
            .unwrap_or_else(|| sink.default_session.clone());
        let payload = parsed.payload.unwrap_or_default();
        let task = payload.task_id.or(parsed.task_id);
        match parsed.kind.as_ref() {
            "tool_call" => {
                let tool = parsed
                    .tool
                    .ok_or_else(|| "`tool_call` without a `tool` name".to_string())?;
                let mut kind = classify_tool(&tool);
                let command = payload
                    .command
                    .map(|c| c.text)
                    .or_else(|| payload.cmd.map(Cow::into_owned));
                if kind == EventKind::Other && command.is_some() {
                    kind = EventKind::Shell;
                }
                let cwd = payload.cwd.as_deref();
                let patch = payload.patch.as_deref().or(payload.input.as_deref());
                let patched = match patch {
                    Some(p) if kind == EventKind::Write => paths::patch_files(p),
                    _ => Vec::new(),
                };
                let direct = payload
                    .file_path
                    .or(payload.path)
                    .or(payload.file_path_camel)
                    .or(payload.notebook_path);
                let mut targets: Vec<&str> = direct.as_deref().into_iter().collect();
                targets.extend(patched);
                if targets.is_empty() {
                    targets.push("");
                }
                // One text shared by every event of the call.
                let command = command.map(SharedStr::from);
                for target in targets {
                    let mut ev = sink.event(ts, kind);
                    sink.set_tool(&mut ev, &tool);
                    if let Some(t) = &task {
                        sink.set_task(&mut ev, &t.0);
                    }
                    if !target.is_empty() {
                        sink.set_path(&mut ev, target, cwd, None);
                    }
                    ev.command = command.clone();
                    ev.url = payload.url.as_deref().map(SharedStr::from);
                    sink.push(&session, ev);
                }
            }
            "model_output" => {
                let tokens = parsed
                    .token_count
                    .ok_or_else(|| "`model_output` without a `token_count`".to_string())?;
                let mut ev = sink.event(ts, EventKind::ModelOutput);
                ev.output_tokens = tokens;
                ev.context_tokens = parsed.context_tokens.unwrap_or(0);
                if let Some(t) = &task {
                    sink.set_task(&mut ev, &t.0);
                }
                sink.push(&session, ev);
            }
            "checkpoint" => {
                let ev = sink.event(ts, EventKind::Checkpoint);
                sink.push(&session, ev);
            }
            other => {
                return Err(format!(
                    "unknown design event type `{}` (expected `tool_call`, `model_output` or `checkpoint`)",
                    super::cut(other, 80)
                ))
            }
        }
        Ok(Handled::Used)
    }
}
