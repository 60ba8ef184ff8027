//! Codex CLI rollout files: `{"timestamp", "type", "payload"}` lines, one
//! per `RolloutItem` of codex-rs (see `docs/telemetry-formats.md`).
//!
//! - Shell calls come in four shapes (`shell`, `shell_command`,
//!   `exec_command`, `local_shell_call`); edits are `apply_patch` patches;
//!   each call is counted once per rollout by its `call_id`.
//! - A call whose `arguments` cannot be read (redacted, not JSON) is still
//!   a call of its kind, its command unknown, with a note.
//! - Tokens are `event_msg` `token_count` (a re-emitted running total is
//!   not counted twice).
//! - One compaction is one checkpoint: a `compacted` line and the
//!   `context_compacted` event written with it count once.
//! - The workspace is the `session_meta` `cwd`; `turn_context` moves the
//!   `cwd` relative paths resolve against.
//! - Item and payload types this reader does not use (`reasoning`,
//!   `world_state`, ... and those added later) are ignored lines.

use super::fields::{describe_error, parse, Arguments, CommandField, Lenient};
use super::{classify_tool, Handled, Sink};
use crate::audit::event::{EventKind, SharedStr};
use crate::audit::fold::{Workspace, WorkspaceFrom};
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

/// The `type` of a payload (the other fields skipped).
#[derive(Deserialize)]
struct Tagged<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Lenient<'a>>,
}

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(borrow, default)]
    id: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    cwd: Option<Lenient<'a>>,
}

#[derive(Deserialize)]
struct Call<'a> {
    #[serde(borrow, default)]
    name: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    arguments: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    input: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    call_id: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    id: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    action: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct TokenCount<'a> {
    #[serde(borrow, default)]
    info: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Action<'a> {
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    url: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    query: Option<Lenient<'a>>,
}

#[derive(Deserialize, Default)]
struct Args<'a> {
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    cmd: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    input: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    workdir: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    path: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    file_path: Option<Lenient<'a>>,
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

/// The two records of one compaction: a `compacted` line and an
/// `event_msg` `context_compacted`, written milliseconds apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compaction {
    Line,
    Event,
}

/// How far apart the two records of one compaction may be.
const COMPACTION_PAIR_MS: i64 = 60_000;

pub struct CodexParser {
    /// The byte test (see `read::byte_test`).
    pub(crate) byte_test: super::ByteTest,
    session: String,
    /// What relative paths resolve against: the latest `turn_context`
    /// `cwd` (or the `session_meta` one).
    cwd: Option<String>,
    /// The workspace: the `session_meta` `cwd`.
    root: Option<String>,
    last_total: Option<u64>,
    /// Call ids (hashed) seen.
    calls: super::claude::KeyMap<()>,
    /// The last compaction record that its pair may still follow.
    unpaired: Option<(Compaction, i64)>,
    /// The key of the call the current line records (0: none), and how
    /// many events it gave so far: each event's key (see `Event::key`).
    call: u64,
    call_events: u64,
}

const REPEATED_CALL: &str = "calls whose `call_id` an earlier line of the rollout already \
                             recorded (a replayed history): counted once";
const PAIRED_COMPACTION: &str =
    "`compacted` lines and `context_compacted` events written together \
                                 for one compaction: one checkpoint";

const UNREADABLE_ARGUMENTS: &str = "`function_call` lines whose `arguments` are not a JSON \
                                   object (redacted?): each counted as a call of its kind (by \
                                   its name), its command or path unknown";

fn call_key(id: &str) -> u64 {
    super::claude::key_of(&[Some("call"), Some(id)])
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
            root: None,
            last_total: None,
            calls: Default::default(),
            unpaired: None,
            call: 0,
            call_events: 0,
        }
    }

    /// Sets the workspace once (the configured one wins).
    fn set_root(&mut self, cwd: &str, from: WorkspaceFrom, sink: &mut Sink<'_>) {
        if self.root.is_some() {
            return;
        }
        let (path, from) = match sink.configured_workspace() {
            Some(ws) => (ws.to_string(), WorkspaceFrom::Configuration),
            None => (cwd.to_string(), from),
        };
        self.root = Some(path.clone());
        sink.set_workspace(&self.session, Workspace { path, from });
    }

    /// Whether a call id was seen before (and remembers it).
    fn repeated(&mut self, id: Option<&str>, sink: &mut Sink<'_>) -> bool {
        let Some(id) = id else {
            return false;
        };
        let key = call_key(id);
        if self.calls.get(key).is_some() {
            sink.note(REPEATED_CALL);
            return true;
        }
        self.calls.insert(key, ());
        self.call = key;
        false
    }

    /// Adds an event, keyed by its call and its place among the call's
    /// events (a patch writes several files).
    fn push(&mut self, sink: &mut Sink<'_>, mut ev: crate::audit::event::Event) {
        if self.call != 0 {
            ev.key =
                self.call.rotate_left(17) ^ self.call_events.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            ev.key = ev.key.max(1);
            self.call_events += 1;
        }
        sink.push(&self.session, ev);
    }

    pub fn line(&mut self, line: &[u8], sink: &mut Sink<'_>) -> Result<Handled, String> {
        self.call = 0;
        self.call_events = 0;
        let parsed: Line<'_> =
            parse(line).map_err(|e| describe_error(line, &e, "Codex rollout"))?;
        let raw = parsed.payload.get();
        let shape = |e: serde_json::Error| {
            format!(
                "Codex `{}` payload of an unknown shape: {e}",
                super::cut(&parsed.kind, 40)
            )
        };
        let ts = || super::parse_timestamp(parsed.timestamp.as_deref());
        let kind = parsed.kind.as_ref();
        match kind {
            "session_meta" => {
                let meta: Meta<'_> = serde_json::from_str(raw).map_err(shape)?;
                if let Some(id) = meta.id.as_ref().and_then(Lenient::text) {
                    self.session = id.to_string();
                }
                if let Some(cwd) = meta.cwd.as_ref().and_then(Lenient::text) {
                    self.cwd = Some(cwd.to_string());
                    self.set_root(cwd, WorkspaceFrom::SessionMeta, sink);
                }
                Ok(Handled::Used)
            }
            "turn_context" => {
                let meta: Meta<'_> = serde_json::from_str(raw).map_err(shape)?;
                if let Some(cwd) = meta.cwd.as_ref().and_then(Lenient::text) {
                    self.cwd = Some(cwd.to_string());
                    self.set_root(cwd, WorkspaceFrom::FirstTurnContext, sink);
                }
                Ok(Handled::Used)
            }
            "compacted" => self.compaction(Compaction::Line, ts()?, sink),
            "response_item" | "event_msg" => {
                let tagged: Tagged<'_> = serde_json::from_str(raw).map_err(shape)?;
                let sub = tagged.kind.as_ref().and_then(Lenient::text).unwrap_or("");
                match (kind, sub) {
                    ("event_msg", "context_compacted") => {
                        self.compaction(Compaction::Event, ts()?, sink)
                    }
                    ("event_msg", "token_count") => {
                        let count: TokenCount<'_> = serde_json::from_str(raw).map_err(shape)?;
                        self.token_count(count, ts, sink)
                    }
                    ("response_item", "function_call") => {
                        let call: Call<'_> = serde_json::from_str(raw).map_err(shape)?;
                        self.function_call(call, ts()?, sink)
                    }
                    ("response_item", "custom_tool_call") => {
                        let call: Call<'_> = serde_json::from_str(raw).map_err(shape)?;
                        let ts = ts()?;
                        if self.repeated(call.call_id.as_ref().and_then(Lenient::text), sink) {
                            return Ok(Handled::Used);
                        }
                        let name = call.name.as_ref().and_then(Lenient::text).unwrap_or("");
                        let input = call.input.as_ref().and_then(Lenient::text).unwrap_or("");
                        if name == "apply_patch" {
                            self.patch(sink, ts, name, input);
                        } else if name == "exec" {
                            self.code_mode(sink, ts, input);
                        } else {
                            let mut ev = sink.event(ts, classify_tool(name));
                            sink.set_tool(&mut ev, name);
                            self.push(sink, ev);
                        }
                        Ok(Handled::Used)
                    }
                    ("response_item", "local_shell_call" | "web_search_call") => {
                        let call: Call<'_> = serde_json::from_str(raw).map_err(shape)?;
                        let ts = ts()?;
                        let id = call.call_id.as_ref().or(call.id.as_ref());
                        if self.repeated(id.and_then(Lenient::text), sink) {
                            return Ok(Handled::Used);
                        }
                        let action: Action<'_> = match call.action {
                            Some(raw) => serde_json::from_str(raw.get()).unwrap_or_default(),
                            None => Action::default(),
                        };
                        if sub == "local_shell_call" {
                            let mut ev = sink.event(ts, EventKind::Shell);
                            sink.set_tool(&mut ev, "local_shell_call");
                            ev.command = action
                                .command
                                .filter(|c| !c.unreadable)
                                .map(|c| SharedStr::from(c.text));
                            self.push(sink, ev);
                        } else {
                            let mut ev = sink.event(ts, EventKind::Other);
                            sink.set_tool(&mut ev, "web_search_call");
                            ev.url = action
                                .url
                                .as_ref()
                                .and_then(Lenient::text)
                                .map(SharedStr::from);
                            if ev.url.is_none() {
                                ev.command = action
                                    .query
                                    .as_ref()
                                    .and_then(Lenient::text)
                                    .map(SharedStr::from);
                            }
                            self.push(sink, ev);
                        }
                        Ok(Handled::Used)
                    }
                    _ => {
                        sink.ignore(&format!("{kind}/{}", super::cut(sub, 60)));
                        Ok(Handled::Ignored)
                    }
                }
            }
            // inter_agent_communication, world_state, token_usage_record
            // (token_count events carry the same usage), ... and types
            // added later.
            other => {
                sink.ignore(other);
                Ok(Handled::Ignored)
            }
        }
    }

    /// A compaction record: a checkpoint, unless it is the second record
    /// of the compaction before.
    fn compaction(
        &mut self,
        record: Compaction,
        ts: i64,
        sink: &mut Sink<'_>,
    ) -> Result<Handled, String> {
        if let Some((first, at)) = self.unpaired {
            if first != record && ts.abs_diff(at) <= COMPACTION_PAIR_MS as u64 {
                self.unpaired = None;
                sink.note(PAIRED_COMPACTION);
                return Ok(Handled::Used);
            }
        }
        self.unpaired = Some((record, ts));
        let ev = sink.event(ts, EventKind::Checkpoint);
        self.push(sink, ev);
        Ok(Handled::Used)
    }

    fn token_count(
        &mut self,
        count: TokenCount<'_>,
        ts: impl FnOnce() -> Result<i64, String>,
        sink: &mut Sink<'_>,
    ) -> Result<Handled, String> {
        let Some(info) = count.info else {
            sink.ignore("event_msg/token_count");
            return Ok(Handled::Ignored);
        };
        let Ok(info) = serde_json::from_str::<Option<TokenInfo>>(info.get()) else {
            return Err("Codex `token_count` with an unknown `info` shape".into());
        };
        let Some(info) = info else {
            sink.ignore("event_msg/token_count");
            return Ok(Handled::Ignored);
        };
        let total = info.total_token_usage.map(|t| t.total_tokens);
        // Re-emitted counts (UI refreshes) repeat the running total.
        if total.is_some() && total == self.last_total {
            sink.ignore("event_msg/token_count");
            return Ok(Handled::Ignored);
        }
        self.last_total = total;
        let last = info.last_token_usage.unwrap_or_default();
        let mut ev = sink.event(ts()?, EventKind::ModelOutput);
        ev.output_tokens = last.output_tokens;
        ev.context_tokens = last.input_tokens;
        self.push(sink, ev);
        Ok(Handled::Used)
    }

    fn function_call(
        &mut self,
        call: Call<'_>,
        ts: i64,
        sink: &mut Sink<'_>,
    ) -> Result<Handled, String> {
        if self.repeated(call.call_id.as_ref().and_then(Lenient::text), sink) {
            return Ok(Handled::Used);
        }
        let name = call.name.as_ref().and_then(Lenient::text).unwrap_or("");
        let args_text = match &call.arguments {
            Some(Lenient::Text(t)) => Some(t.as_ref()),
            Some(Lenient::Other) => None,
            None => Some("{}"),
        };
        let args = match args_text.map(serde_json::from_str::<Arguments<Args<'_>>>) {
            Some(Ok(Arguments::Object(args))) => Some(args),
            _ => None,
        };
        let Some(args) = args else {
            // The call happened; what it ran is unknown.
            sink.note(UNREADABLE_ARGUMENTS);
            let mut ev = sink.event(ts, classify_tool(name));
            sink.set_tool(&mut ev, name);
            self.push(sink, ev);
            return Ok(Handled::Used);
        };
        let command = match (&args.command, &args.cmd) {
            (Some(c), _) if !c.unreadable => Some(c.text.clone()),
            (_, Some(Lenient::Text(c))) => Some(c.to_string()),
            _ => None,
        };
        // An `apply_patch` run through the shell tool.
        let argv_patch = args
            .command
            .as_ref()
            .and_then(|c| c.argv.as_ref())
            .filter(|argv| argv.len() >= 2 && argv[0] == "apply_patch")
            .map(|argv| argv[1].clone());
        let input = args.input.as_ref().and_then(Lenient::text);
        if let Some(patch) =
            argv_patch
                .as_deref()
                .or(if name == "apply_patch" { input } else { None })
        {
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
        let path = args.file_path.as_ref().or(args.path.as_ref());
        if let Some(path) = path.and_then(Lenient::text) {
            let workdir = args.workdir.as_ref().and_then(Lenient::text);
            let cwd = workdir.or(self.cwd.as_deref());
            sink.set_path(&mut ev, path, cwd, self.root.as_deref());
        }
        self.push(sink, ev);
        Ok(Handled::Used)
    }

    /// One write event per file of an `apply_patch` patch.
    fn patch(&mut self, sink: &mut Sink<'_>, ts: i64, tool: &str, patch: &str) {
        let files = paths::patch_files(patch);
        if files.is_empty() {
            let mut ev = sink.event(ts, EventKind::Write);
            sink.set_tool(&mut ev, tool);
            self.push(sink, ev);
        }
        for file in files {
            let mut ev = sink.event(ts, EventKind::Write);
            sink.set_tool(&mut ev, tool);
            sink.set_path(&mut ev, file, self.cwd.as_deref(), self.root.as_deref());
            self.push(sink, ev);
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
                self.push(sink, ev);
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
            self.push(sink, ev);
        }
    }
}
