//! Claude Code session transcripts: one JSON object per line, `type`
//! `user` / `assistant` / `system` / ... Tool calls are assistant
//! `tool_use` blocks; usage is repeated on every line of one API response
//! and is counted once per `message.id` + `requestId`; `system`
//! `compact_boundary` lines are checkpoints.

use super::fields::{describe_error, parse, Blocks, CommandField};
use super::{classify_tool, Handled, Sink};
use crate::audit::event::{EventKind, SharedStr};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

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
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<Input<'a>>,
}

#[derive(Deserialize, Default)]
struct Input<'a> {
    #[serde(borrow, default)]
    file_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    notebook_path: Option<Cow<'a, str>>,
    #[serde(default)]
    command: Option<CommandField>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
}

#[derive(Default)]
pub struct ClaudeParser {
    /// The byte test (see `read::byte_test`).
    pub(crate) byte_test: super::ByteTest,
    /// Hashes of `message.id` + `requestId` already counted.
    seen: KeySet,
    /// The first model output of this reader (key, session, index), and
    /// the last key, for joining the parts of a split file.
    pub(crate) first_key: Option<(u64, std::sync::Arc<str>, usize)>,
    pub(crate) last_key: Option<u64>,
}

/// A set of `u64` keys in about 8 bytes a key: recent keys in a hash set,
/// older ones in a sorted vector.
#[derive(Default)]
struct KeySet {
    recent: HashSet<u64>,
    old: Vec<u64>,
}

impl KeySet {
    const RECENT: usize = 1 << 14;

    /// Adds `key`; false when it was there already.
    fn insert(&mut self, key: u64) -> bool {
        if self.recent.contains(&key) || self.old.binary_search(&key).is_ok() {
            return false;
        }
        self.recent.insert(key);
        if self.recent.len() >= Self::RECENT {
            self.old.reserve_exact(self.recent.len());
            self.old.extend(self.recent.drain());
            self.old.sort_unstable();
        }
        true
    }
}

impl ClaudeParser {
    pub fn line(&mut self, line: &[u8], sink: &mut Sink<'_>) -> Result<Handled, String> {
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
                    return Ok(Handled::Ignored);
                };
                let ts = sink.timestamp(parsed.timestamp.as_deref())?;
                let mut used = false;
                if let (Some(usage), Some(id)) = (&message.usage, &message.id) {
                    // A fixed hasher: parts of one file must agree on keys.
                    let mut h = std::hash::DefaultHasher::new();
                    id.hash(&mut h);
                    parsed.request_id.hash(&mut h);
                    let key = h.finish();
                    if self.seen.insert(key) {
                        let mut ev = sink.event(ts, EventKind::ModelOutput);
                        ev.output_tokens = usage.output_tokens.unwrap_or(0);
                        ev.context_tokens = usage.input_tokens.unwrap_or(0)
                            + usage.cache_read_input_tokens.unwrap_or(0)
                            + usage.cache_creation_input_tokens.unwrap_or(0);
                        let at = sink.push(&session, ev);
                        if self.first_key.is_none() {
                            self.first_key = Some((key, at.0, at.1));
                        }
                        self.last_key = Some(key);
                        used = true;
                    }
                }
                for block in message.content.map(|b| b.0).unwrap_or_default() {
                    if block.kind.as_deref() != Some("tool_use") {
                        continue;
                    }
                    let name = block.name.as_deref().unwrap_or("");
                    let input = block.input.unwrap_or_default();
                    let mut ev = sink.event(ts, classify_tool(name));
                    sink.set_tool(&mut ev, name);
                    if let Some(path) = input.file_path.or(input.notebook_path) {
                        sink.set_path(&mut ev, &path, cwd);
                    }
                    if let Some(command) = input.command {
                        ev.command = Some(SharedStr::from(command.text));
                    }
                    if let Some(url) = input.url {
                        ev.url = Some(SharedStr::from(url.as_ref()));
                    }
                    sink.push(&session, ev);
                    used = true;
                }
                Ok(if used {
                    Handled::Used
                } else {
                    Handled::Ignored
                })
            }
            "system" if parsed.subtype.as_deref() == Some("compact_boundary") => {
                let ts = sink.timestamp(parsed.timestamp.as_deref())?;
                let mut ev = sink.event(ts, EventKind::Checkpoint);
                ev.context_tokens = parsed.compact.and_then(|c| c.pre_tokens).unwrap_or(0);
                sink.push(&session, ev);
                Ok(Handled::Used)
            }
            // user, summary, system (other subtypes), file-history-snapshot,
            // queue-operation, attachment, progress, and kinds added later.
            _ => Ok(Handled::Ignored),
        }
    }
}
