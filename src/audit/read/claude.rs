//! Claude Code session transcripts: one JSON object per line, `type`
//! `user` / `assistant` / `system` / ... (see `docs/telemetry-formats.md`).
//!
//! - Tool calls are assistant `tool_use` blocks, each counted once per
//!   session by its `id` (a resumed or replayed history repeats them).
//! - One API response is written as several assistant lines (thinking,
//!   text, each `tool_use`) sharing `message.id` + `requestId`; older
//!   versions write a partial, growing `usage.output_tokens` on each. The
//!   model output is one event, at the message's first line, with the
//!   largest usage among its lines: the reader holds the session's current
//!   message until a line of another message (or the end) closes it.
//! - `system` `compact_boundary` lines are checkpoints.
//! - The session's workspace is its project root: its first `cwd`, or the
//!   folder of it that the project folder's name encodes; a later `cd`
//!   moves `cwd` (what relative paths resolve against), not the root.

use super::fields::{describe_error, parse, Arguments, Blocks, CommandField, Lenient};
use super::{classify_tool, Handled, Sink};
use crate::audit::event::{Event, EventKind, SharedStr};
use crate::audit::fold::{Workspace, WorkspaceFrom};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::Arc;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(rename = "sessionId", borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(rename = "isSidechain", default)]
    is_sidechain: Option<bool>,
    #[serde(rename = "agentId", borrow, default)]
    agent_id: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subtype: Option<Cow<'a, str>>,
    #[serde(rename = "compactMetadata", default)]
    compact: Option<CompactMeta>,
    #[serde(borrow, default)]
    message: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct CompactMeta {
    #[serde(rename = "preTokens", default)]
    pre_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<Blocks<Block<'a>>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize, Default)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    id: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    name: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    input: Option<Arguments<Input<'a>>>,
}

#[derive(Deserialize, Default)]
struct Input<'a> {
    #[serde(borrow, default)]
    file_path: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    notebook_path: Option<Lenient<'a>>,
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    url: Option<Lenient<'a>>,
    #[serde(borrow, default)]
    uri: Option<Lenient<'a>>,
}

/// A set of keys in about 8 bytes a key (each value besides): recent keys
/// in a hash map, older ones in a sorted vector. The keys are hashes with
/// a per-run random key (see `key_of`): the map uses them as they are.
#[derive(Default)]
pub(crate) struct KeyMap<V: Copy> {
    recent: HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>,
    old: Vec<(u64, V)>,
}

/// The hasher of keys that are hashes already.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl<V: Copy> KeyMap<V> {
    const RECENT: usize = 1 << 12;

    pub(crate) fn get(&self, key: u64) -> Option<V> {
        if let Some(v) = self.recent.get(&key) {
            return Some(*v);
        }
        self.old
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()
            .map(|at| self.old[at].1)
    }

    /// Sets `key` (a key of `old` is updated in place).
    pub(crate) fn insert(&mut self, key: u64, value: V) {
        if let Ok(at) = self.old.binary_search_by_key(&key, |(k, _)| *k) {
            self.old[at].1 = value;
            return;
        }
        self.recent.insert(key, value);
        if self.recent.len() >= Self::RECENT {
            self.old.reserve_exact(self.recent.len());
            self.old.extend(self.recent.drain());
            self.old.sort_unstable_by_key(|(k, _)| *k);
        }
    }
}

/// A model output held until its message's last line (see the module).
struct Pending {
    key: u64,
    ev: Event,
}

/// What the reader holds per session.
#[derive(Default)]
struct SessionState {
    /// The project root, once a line told a `cwd` (or the configured
    /// workspace).
    root: Option<Arc<str>>,
    pending: Option<Pending>,
    /// Tool-call ids (hashed) seen.
    tools: KeyMap<()>,
    /// Messages closed, by key: the output tokens counted for them.
    messages: KeyMap<u64>,
    /// The last line that reached it.
    touched: u64,
}

#[derive(Default)]
pub struct ClaudeParser {
    /// The byte test (see `read::byte_test`).
    pub(crate) byte_test: super::ByteTest,
    /// The names the project folder may have (`~/.claude/projects/<name>/`),
    /// from the file's place: `<name>/<session>.jsonl`,
    /// `<name>/<session>/subagents/agent-<id>.jsonl`.
    project_folders: Vec<String>,
    /// By session (a file holds one, or a few with inline sub-agents),
    /// with an index by id.
    sessions: Vec<(Box<str>, SessionState)>,
    index: HashMap<Box<str>, usize>,
    /// The slot of the last session looked up.
    last: usize,
    /// Lines read, to tell the idle sessions (see `close_idle`).
    touch: u64,
}

const REPEATED_TOOL: &str = "tool calls whose `tool_use.id` an earlier line of the same session \
                             already recorded (a resumed or replayed history): counted once";
const REPEATED_MESSAGE: &str = "assistant lines of a message (`message.id` + `requestId`) that an \
                                earlier message of the same session closed (a resumed or \
                                replayed history): counted once";

const UNREADABLE_INPUT: &str = "`tool_use` blocks whose `input` is not a JSON object (redacted?): \
                                each counted as a call of its kind (by its name), its command or \
                                path unknown";
const UNREADABLE_FIELD: &str = "`tool_use` blocks whose path, command or URL is not a string: \
                                counted without it";

/// The key of a message or tool call: a hash the parts of one file and a
/// second read agree on, with a random key per run (an agent cannot craft
/// two ids that collide, and hide a call behind another).
pub(crate) fn key_of(parts: &[Option<&str>]) -> u64 {
    use std::hash::BuildHasher;
    static KEYS: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    let hash = KEYS
        .get_or_init(std::hash::RandomState::new)
        .hash_one(parts);
    // 0 is "no key".
    hash.max(1)
}

/// `name` spelled as Claude Code names project folders: every character
/// but ASCII letters and digits becomes `-`.
fn encode_folder(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

impl ClaudeParser {
    /// The slot of `session`, if it has one.
    fn find(&mut self, session: &str) -> Option<usize> {
        if self
            .sessions
            .get(self.last)
            .is_some_and(|(id, _)| id.as_ref() == session)
        {
            return Some(self.last);
        }
        let at = *self.index.get(session)?;
        self.last = at;
        Some(at)
    }

    /// Drops the state of the sessions the sink no longer holds (it wrote
    /// them to the spill: one that comes back is read again whole), their
    /// held message counted first.
    pub(crate) fn prune(&mut self, sink: &mut Sink<'_>) {
        let mut kept = Vec::with_capacity(self.sessions.len());
        for (id, mut state) in std::mem::take(&mut self.sessions) {
            if sink.holds(&id) {
                kept.push((id, state));
            } else if let Some(p) = state.pending.take() {
                sink.push_held(&id, p.ev);
            }
        }
        self.sessions = kept;
        self.index = self
            .sessions
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (id.clone(), i))
            .collect();
        self.last = 0;
    }

    /// Counts the held messages of the idle half of the sessions, so that
    /// the sink may write those sessions to the spill. A message whose
    /// lines go on after that is counted again only if it grew (then the
    /// session is read again whole).
    pub(crate) fn close_idle(&mut self, sink: &mut Sink<'_>) {
        let mut idle: Vec<(u64, usize)> = self
            .sessions
            .iter()
            .enumerate()
            .filter(|(_, (_, s))| s.pending.is_some())
            .map(|(i, (_, s))| (s.touched, i))
            .collect();
        idle.sort_unstable();
        idle.truncate(idle.len().div_ceil(2));
        for (_, at) in idle {
            let (id, state) = &mut self.sessions[at];
            if let Some(p) = state.pending.take() {
                state.messages.insert(p.key, p.ev.output_tokens);
                sink.pin(id, false);
                sink.push_held(id, p.ev);
            }
        }
    }

    /// The state of `session`, created when new.
    fn state(&mut self, session: &str) -> &mut SessionState {
        let touch = self.touch;
        let at = match self.find(session) {
            Some(at) => at,
            None => {
                self.sessions
                    .push((Box::from(session), SessionState::default()));
                self.last = self.sessions.len() - 1;
                self.index.insert(Box::from(session), self.last);
                self.last
            }
        };
        let state = &mut self.sessions[at].1;
        state.touched = touch;
        state
    }

    pub fn new(name: &str) -> Self {
        let path = std::path::Path::new(name);
        let dir_name = |p: Option<&std::path::Path>| {
            p.and_then(|p| p.file_name())
                .map(|n| encode_folder(&n.to_string_lossy()))
        };
        let parent = path.parent();
        let mut project_folders: Vec<String> = Vec::new();
        if parent
            .and_then(|p| p.file_name())
            .is_some_and(|n| n == "subagents")
        {
            let up3 = parent.and_then(|p| p.parent()).and_then(|p| p.parent());
            project_folders.extend(dir_name(up3));
        }
        project_folders.extend(dir_name(parent));
        ClaudeParser {
            project_folders,
            ..ClaudeParser::default()
        }
    }

    /// The project root of a session whose first `cwd` is `cwd`: the
    /// folder of it (itself or a parent) that the project folder's name
    /// encodes, else `cwd`.
    fn root_of(&self, cwd: &str) -> (String, WorkspaceFrom) {
        let mut at: &str = cwd.trim_end_matches('/');
        while !at.is_empty() {
            let encoded = encode_folder(at);
            if self.project_folders.contains(&encoded) {
                let from = if at.len() == cwd.trim_end_matches('/').len() {
                    WorkspaceFrom::FirstCwd
                } else {
                    WorkspaceFrom::ProjectFolder
                };
                return (at.to_string(), from);
            }
            match at.rfind('/') {
                Some(i) => at = &at[..i],
                None => break,
            }
        }
        (cwd.to_string(), WorkspaceFrom::FirstCwd)
    }

    /// Makes sure `session` has its state and, when `cwd` tells it, its
    /// root; returns the root.
    fn session_root(&mut self, session: &str, cwd: Option<&str>, sink: &mut Sink<'_>) {
        if self.state(session).root.is_some() {
            return;
        }
        if let Some(ws) = sink.configured_workspace() {
            // Said once: the configured workspace is the session's.
            let ws = ws.to_string();
            self.state(session).root = Some(Arc::from(ws.as_str()));
            sink.set_workspace(
                session,
                Workspace {
                    path: ws,
                    from: WorkspaceFrom::Configuration,
                },
            );
            return;
        }
        // A sub-agent read in its parent's file works in the parent's
        // project.
        let parent_root = session
            .split_once("/agent-")
            .and_then(|(parent, _)| self.find(parent))
            .and_then(|at| self.sessions[at].1.root.clone());
        let found = match (parent_root, cwd) {
            (Some(root), _) => Some((root.to_string(), WorkspaceFrom::FirstCwd)),
            (None, Some(cwd)) if cwd.starts_with('/') => Some(self.root_of(cwd)),
            _ => None,
        };
        let Some((root, from)) = found else {
            return;
        };
        self.state(session).root = Some(Arc::from(root.as_str()));
        sink.set_workspace(session, Workspace { path: root, from });
    }

    /// The project root of `session`, once known.
    fn root(&mut self, session: &str) -> Option<Arc<str>> {
        self.find(session)
            .and_then(|at| self.sessions[at].1.root.clone())
    }

    /// Counts the message a session holds, if any.
    fn close(&mut self, session: &str, sink: &mut Sink<'_>) {
        let Some(at) = self.find(session) else {
            return;
        };
        let state = &mut self.sessions[at].1;
        if let Some(p) = state.pending.take() {
            state.messages.insert(p.key, p.ev.output_tokens);
            sink.pin(session, false);
            sink.push_held(session, p.ev);
        }
    }

    /// After the last line: the messages still held.
    pub fn finish(&mut self, sink: &mut Sink<'_>) {
        let mut held: Vec<(Box<str>, Pending)> = self
            .sessions
            .iter_mut()
            .filter_map(|(id, s)| s.pending.take().map(|p| (id.clone(), p)))
            .collect();
        // In file order, as they would have closed.
        held.sort_by_key(|(_, p)| (p.ev.line, p.ev.seq));
        for (id, p) in held {
            sink.push_held(&id, p.ev);
        }
    }

    pub fn line(&mut self, line: &[u8], sink: &mut Sink<'_>) -> Result<Handled, String> {
        self.touch += 1;
        let parsed: Line<'_> = parse(line).map_err(|e| describe_error(line, &e, "Claude Code"))?;
        let session: Cow<'_, str> =
            match (&parsed.session_id, parsed.is_sidechain, &parsed.agent_id) {
                (Some(s), Some(true), Some(agent)) => Cow::Owned(format!("{s}/agent-{agent}")),
                (Some(s), _, _) => Cow::Borrowed(s.as_ref()),
                (None, _, _) => Cow::Owned(sink.default_session.clone()),
            };
        let cwd = parsed.cwd.as_deref();
        match parsed.kind.as_ref() {
            "assistant" => {
                let Some(message) = parsed.message else {
                    sink.ignore("assistant");
                    return Ok(Handled::Ignored);
                };
                self.session_root(&session, cwd, sink);
                let ts = sink.timestamp(parsed.timestamp.as_deref())?;
                let mut used = false;
                if let Some(usage) = &message.usage {
                    used = true;
                    self.usage(
                        &session,
                        usage,
                        &message,
                        parsed.request_id.as_deref(),
                        ts,
                        sink,
                    );
                }
                for block in message.content.map(|b| b.0).unwrap_or_default() {
                    if block.kind.as_ref().and_then(Lenient::text) != Some("tool_use") {
                        continue;
                    }
                    used = true;
                    let name = block.name.as_ref().and_then(Lenient::text).unwrap_or("");
                    let mut key = 0;
                    if let Some(id) = block.id.as_ref().and_then(Lenient::text) {
                        key = key_of(&[Some("tool_use"), Some(id)]);
                        let state = self.state(&session);
                        if state.tools.get(key).is_some() {
                            sink.note(REPEATED_TOOL);
                            continue;
                        }
                        state.tools.insert(key, ());
                    }
                    let mut ev = sink.event(ts, classify_tool(name));
                    ev.key = key;
                    sink.set_tool(&mut ev, name);
                    let input = match block.input {
                        Some(Arguments::Object(input)) => input,
                        Some(Arguments::Other) => {
                            sink.note(UNREADABLE_INPUT);
                            Input::default()
                        }
                        None => Input::default(),
                    };
                    let mut unreadable = false;
                    let path = match input.file_path.or(input.notebook_path) {
                        Some(Lenient::Text(p)) => Some(p),
                        Some(Lenient::Other) => {
                            unreadable = true;
                            None
                        }
                        None => None,
                    };
                    if let Some(path) = path {
                        let root = self.root(&session);
                        sink.set_path(&mut ev, &path, cwd, root.as_deref());
                    }
                    if let Some(command) = input.command {
                        if command.unreadable {
                            unreadable = true;
                        } else {
                            ev.command = Some(SharedStr::from(command.text));
                        }
                    }
                    match input.url.or(input.uri) {
                        Some(Lenient::Text(url)) => ev.url = Some(SharedStr::from(url.as_ref())),
                        Some(Lenient::Other) => unreadable = true,
                        None => {}
                    }
                    if unreadable {
                        sink.note(UNREADABLE_FIELD);
                    }
                    sink.push(&session, ev);
                }
                if used {
                    Ok(Handled::Used)
                } else {
                    sink.ignore("assistant");
                    Ok(Handled::Ignored)
                }
            }
            "system" if parsed.subtype.as_deref() == Some("compact_boundary") => {
                self.session_root(&session, cwd, sink);
                let ts = sink.timestamp(parsed.timestamp.as_deref())?;
                let mut ev = sink.event(ts, EventKind::Checkpoint);
                ev.context_tokens = parsed.compact.and_then(|c| c.pre_tokens).unwrap_or(0);
                sink.push(&session, ev);
                Ok(Handled::Used)
            }
            kind => {
                // user, summary, system (other subtypes), file-history-
                // snapshot, queue-operation, attachment, progress, and the
                // kinds added later.
                if parsed.session_id.is_some() {
                    self.session_root(&session, cwd, sink);
                }
                match (kind, parsed.subtype.as_deref()) {
                    ("system", Some(sub)) => {
                        sink.ignore(&format!("system/{}", super::cut(sub, 40)))
                    }
                    _ => sink.ignore(kind),
                }
                Ok(Handled::Ignored)
            }
        }
    }

    /// The usage of an assistant line: the session's current message grows
    /// to its largest usage; a line of another message closes it.
    fn usage(
        &mut self,
        session: &str,
        usage: &Usage,
        message: &Message<'_>,
        request: Option<&str>,
        ts: i64,
        sink: &mut Sink<'_>,
    ) {
        let output = usage.output_tokens.unwrap_or(0);
        let context = usage
            .input_tokens
            .unwrap_or(0)
            .saturating_add(usage.cache_read_input_tokens.unwrap_or(0))
            .saturating_add(usage.cache_creation_input_tokens.unwrap_or(0));
        let Some(id) = message.id.as_deref() else {
            // Nothing to join it with: an output of its own.
            let mut ev = sink.event(ts, EventKind::ModelOutput);
            ev.output_tokens = output;
            ev.context_tokens = context;
            sink.push(session, ev);
            return;
        };
        let key = key_of(&[Some(id), request]);
        if let Some(p) = self.state(session).pending.as_mut() {
            if p.key == key {
                p.ev.output_tokens = p.ev.output_tokens.max(output);
                p.ev.context_tokens = p.ev.context_tokens.max(context);
                return;
            }
        }
        self.close(session, sink);
        if let Some(counted) = self.state(session).messages.get(key) {
            sink.note(REPEATED_MESSAGE);
            if output <= counted {
                return;
            }
            if sink.folding() {
                // Counted already with less: only a whole read can take
                // the larger figure.
                sink.mark_uncertain(session);
                return;
            }
            // A whole read keeps one event per key, with the largest
            // usage (see `timeline`).
        }
        let mut ev = sink.event(ts, EventKind::ModelOutput);
        ev.output_tokens = output;
        ev.context_tokens = context;
        ev.key = key;
        ev.seq = sink.reserve_place();
        sink.check_order(session, &ev);
        sink.pin(session, true);
        self.state(session).pending = Some(Pending { key, ev });
    }
}
