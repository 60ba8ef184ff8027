//! The normalized event every telemetry format is read into.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// An immutable string behind one thin pointer (8 bytes, 8 as an
/// `Option`), shared when cloned: the text fields of [`Event`], which
/// the audit keeps by the hundred thousand.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedStr(Arc<Box<str>>);

impl std::ops::Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self.0, f)
    }
}

impl std::fmt::Display for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr(Arc::new(Box::from(s)))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(Arc::new(s.into_boxed_str()))
    }
}

// Spilled sessions (see `audit::spill`) carry their strings as text.
impl Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SharedStr::from)
    }
}

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Read,
    Write,
    Shell,
    Search,
    ModelOutput,
    Checkpoint,
    TaskList,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::Read,
        EventKind::Write,
        EventKind::Shell,
        EventKind::Search,
        EventKind::ModelOutput,
        EventKind::Checkpoint,
        EventKind::TaskList,
        EventKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Read => "read",
            EventKind::Write => "write",
            EventKind::Shell => "shell",
            EventKind::Search => "search",
            EventKind::ModelOutput => "model_output",
            EventKind::Checkpoint => "checkpoint",
            EventKind::TaskList => "task_list",
            EventKind::Other => "other",
        }
    }

    /// A tool call the agent made (counts as activity for pacing).
    pub fn is_tool_call(self) -> bool {
        !matches!(self, EventKind::ModelOutput | EventKind::Checkpoint)
    }
}

/// One thing the agent did, from one telemetry line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the Unix epoch, UTC.
    pub ts: i64,
    /// Position in its session after sorting by time (0-based).
    pub seq: u32,
    /// Index of the telemetry file in `Timeline::files`.
    pub file: u32,
    /// 1-based line in that file.
    pub line: u32,
    /// Length of that line in characters (the finding's end column).
    pub line_chars: u32,
    /// Byte offset of the line in the file.
    pub offset: u64,
    pub kind: EventKind,
    /// The tool name as written (`Bash`, `apply_patch`, `write_file`).
    pub tool: Option<SharedStr>,
    /// The file the event read or wrote: relative to the workspace when
    /// inside it, else absolute; `..`, `.` and `~` resolved.
    pub path: Option<SharedStr>,
    /// Whether `path` lies outside the workspace (`None`: no workspace known).
    pub outside: Option<bool>,
    pub command: Option<SharedStr>,
    /// A URL or host a web tool reached (WebFetch, web_search_call).
    pub url: Option<SharedStr>,
    /// Output tokens of a model generation.
    pub output_tokens: u64,
    /// Context size (input + cached input) of a model request, or the
    /// tokens before a compaction on checkpoints.
    pub context_tokens: u64,
    /// The manifest task the event belongs to.
    pub task: Option<SharedStr>,
    /// What makes the event the same as another of its session (a hash of
    /// the tool call's id, or of the model output's message id and request
    /// id); 0: none. A whole session read again keeps one event per key
    /// (see `timeline`); a folding read drops repeats as it reads.
    pub key: u64,
}

impl Event {
    pub fn new(ts: i64, kind: EventKind) -> Self {
        Event {
            ts,
            seq: 0,
            file: 0,
            line: 0,
            line_chars: 0,
            offset: 0,
            kind,
            tool: None,
            path: None,
            outside: None,
            command: None,
            url: None,
            output_tokens: 0,
            context_tokens: 0,
            task: None,
            key: 0,
        }
    }
}
