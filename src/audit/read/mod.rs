//! Telemetry readers: one per format, each turning lines into normalized
//! [`Event`]s. Files are streamed line by line with one reused buffer, so
//! memory follows the number of events, not the size of the file; files
//! are read in parallel.

pub mod claude;
pub mod codex;
pub mod design;
mod fields;

use crate::audit::event::{Event, EventKind, SharedStr};
use crate::audit::fold::{self, FoldConfig, SessionAgg, Workspace};
use crate::audit::paths;
use crate::audit::policy::AuditPolicy;
use crate::audit::spill::{SessionRecord, Spill, SpillRef};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The telemetry formats agentlint reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TelemetryFormat {
    /// The design document's JSONL (`tool_call`, `model_output`, plus our
    /// `checkpoint`).
    Design,
    /// Claude Code session transcripts (`~/.claude/projects/*/*.jsonl`).
    ClaudeCode,
    /// Codex CLI rollout files (`~/.codex/sessions/**/rollout-*.jsonl`).
    Codex,
}

impl TelemetryFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            TelemetryFormat::Design => "design",
            TelemetryFormat::ClaudeCode => "claude-code",
            TelemetryFormat::Codex => "codex",
        }
    }
}

/// One telemetry input as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    Stdin,
}

/// A line that could not be read, kept with its location.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParseError {
    pub file: u32,
    pub line: u32,
    pub line_chars: u32,
    pub offset: u64,
    pub message: String,
}

/// Unreadable lines a spilling read wrote to the spill, in line order.
#[derive(Debug, Clone, Copy)]
pub struct ErrorChunk {
    pub at: SpillRef,
    /// Added to their line numbers when they are loaded (see
    /// [`SpilledSession::line_base`]).
    pub line_base: u32,
    pub count: u32,
}

/// How many unreadable lines a spilling read holds in memory before it
/// writes them to the spill.
const ERROR_CHUNK: usize = 4096;

/// How many events kept only to be reported one by one a session holds in
/// memory while it is read with a spill (see `Sink::offloaded`).
const EVENT_CHUNK: usize = 4096;

/// Every unreadable line of an audit, in (file, line) order: in memory,
/// or spilled in chunks as they were read (a file of nothing but
/// unreadable lines must not cost memory per line).
#[derive(Debug, Default)]
pub struct ParseErrors {
    /// Sorted by (file, line).
    pub memory: Vec<ParseError>,
    /// After `memory` (a timeline holds one or the other).
    chunks: Vec<ErrorChunk>,
    spill: Option<Spill>,
    count: usize,
}

impl From<Vec<ParseError>> for ParseErrors {
    fn from(mut memory: Vec<ParseError>) -> ParseErrors {
        memory.sort_by_key(|e| (e.file, e.line));
        ParseErrors {
            count: memory.len(),
            memory,
            ..ParseErrors::default()
        }
    }
}

impl ParseErrors {
    /// The spilled unreadable lines of reads, in the reads' order, and
    /// those the spill could not take (listed first).
    pub fn spilled(
        mut memory: Vec<ParseError>,
        chunks: Vec<ErrorChunk>,
        spill: Spill,
    ) -> ParseErrors {
        memory.sort_by_key(|e| (e.file, e.line));
        ParseErrors {
            count: memory.len() + chunks.iter().map(|c| c.count as usize).sum::<usize>(),
            chunks,
            spill: Some(spill),
            memory,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every unreadable line in order; an error when the spill cannot be
    /// read back.
    pub fn for_each(&self, mut f: impl FnMut(&ParseError)) -> std::io::Result<()> {
        self.memory.iter().for_each(&mut f);
        if let Some(spill) = &self.spill {
            for chunk in &self.chunks {
                let errors: Vec<ParseError> = spill.get(chunk.at)?;
                for mut e in errors {
                    e.line += chunk.line_base;
                    f(&e);
                }
            }
        }
        Ok(())
    }
}

/// What reading one file gave.
#[derive(Debug, Default)]
pub struct FileRead {
    /// The file as given (`<stdin>` for standard input).
    pub name: String,
    pub format: Option<TelemetryFormat>,
    pub lines: u64,
    /// Lines of a known shape that carry nothing the audit uses.
    pub ignored: u64,
    pub sessions: BTreeMap<Arc<str>, Vec<Event>>,
    pub errors: Vec<ParseError>,
    /// The file could not be opened or read to the end.
    pub io_error: Option<String>,
    /// Read folding (`read_all_folded`): each session's aggregates, while
    /// `sessions` holds only the events rules look at one by one.
    /// Boxed: the aggregates are moved from map to map, by the thousand.
    pub folded: Option<BTreeMap<Arc<str>, Box<SessionAgg>>>,
    /// Folding could not stay exact (see `fold`): read again in full.
    pub uncertain: bool,
    /// Read with a spill (`read_all_spilled`): the sessions written to it,
    /// in place of `sessions` and `folded`...
    pub spilled: Vec<SpilledSession>,
    /// ... and the unreadable lines, in place of `errors`...
    pub spilled_errors: Vec<ErrorChunk>,
    /// ... and, by session, the chunks of events kept only to be reported
    /// one by one (see `Sink::offloaded`).
    pub event_chunks: BTreeMap<Arc<str>, Vec<SpillRef>>,
    /// The ignored lines by their type (`user`, `response_item/reasoning`,
    /// ...): at most `MAX_IGNORED_TYPES` types, the rest under `<other>`.
    pub ignored_by_type: BTreeMap<String, u64>,
    /// What reading had to say about lines it read (arguments it could not
    /// read, repeated history), by message.
    pub notes: Vec<Note>,
    /// Each session's workspace, where the telemetry tells one.
    pub workspaces: BTreeMap<Arc<str>, Workspace>,
}

/// Something reading noticed on some lines of a file, that is not an
/// unreadable line: the same message once, with how many lines and the
/// first of them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Note {
    pub message: String,
    pub count: u64,
    pub first_line: u32,
}

/// How many distinct ignored line types and notes a file summary lists.
pub const MAX_IGNORED_TYPES: usize = 64;
const MAX_NOTES: usize = 32;
/// What an ignored type or a note is cut to (they come from the input).
const MAX_LABEL: usize = 80;

/// Adds `count` lines of `kind` to an `ignored_by_type` map (bounded).
fn add_ignored(map: &mut BTreeMap<String, u64>, kind: &str, count: u64) {
    if let Some(n) = map.get_mut(kind) {
        *n += count;
        return;
    }
    let key = if map.len() >= MAX_IGNORED_TYPES {
        "<other>".to_string()
    } else {
        cut(kind, MAX_LABEL)
    };
    *map.entry(key).or_default() += count;
}

/// Adds a note (bounded: past `MAX_NOTES` messages, the last one counts
/// the rest).
fn add_note(notes: &mut Vec<Note>, message: &str, count: u64, line: u32) {
    if let Some(n) = notes.iter_mut().find(|n| n.message == message) {
        n.count += count;
        n.first_line = n.first_line.min(line);
        return;
    }
    if notes.len() >= MAX_NOTES {
        const OTHER: &str = "more notes of other kinds";
        match notes.iter_mut().find(|n| n.message == OTHER) {
            Some(n) => {
                n.count += count;
                n.first_line = n.first_line.min(line);
            }
            None => notes.push(Note {
                message: OTHER.into(),
                count,
                first_line: line,
            }),
        }
        return;
    }
    notes.push(Note {
        message: message.to_string(),
        count,
        first_line: line,
    });
}

/// `text` cut to at most `max` bytes (on a character boundary), saying how
/// long it was: telemetry values go into messages, and a line can be
/// megabytes long.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// A session a folded read wrote to the spill (see `audit::spill`).
#[derive(Debug, Clone)]
pub struct SpilledSession {
    pub id: Arc<str>,
    pub at: SpillRef,
    /// Added to its line numbers when it is loaded (the parts of a split
    /// file count their lines from their own start).
    pub line_base: u32,
    /// Its aggregates could not stay exact: read it again in full.
    pub uncertain: bool,
    /// Its events kept only to be reported one by one, beyond those in
    /// the record (see `Sink::offloaded`).
    pub event_chunks: Vec<SpillRef>,
}

impl SpilledSession {
    /// Loads the session's kept events and aggregates, lines numbered in
    /// the whole file.
    pub fn load(&self, spill: &Spill) -> std::io::Result<SessionRecord> {
        let (mut events, mut agg): SessionRecord = spill.get(self.at)?;
        if self.line_base > 0 {
            for e in &mut events {
                e.line += self.line_base;
            }
            agg.shift_lines(self.line_base);
        }
        Ok((events, agg))
    }

    /// Loads one of its chunks of events kept only to be reported (see
    /// `event_chunks`), lines numbered in the whole file.
    pub fn load_chunk(&self, spill: &Spill, chunk: SpillRef) -> std::io::Result<Vec<Event>> {
        let mut events: Vec<Event> = spill.get(chunk)?;
        for e in &mut events {
            e.line += self.line_base;
        }
        Ok(events)
    }
}

impl FileRead {
    /// What the timeline keeps of the file itself: its name, format, counts
    /// and read error (moved out; the events and errors stay).
    pub fn take_file(&mut self) -> crate::audit::timeline::TelemetryFile {
        crate::audit::timeline::TelemetryFile {
            name: std::mem::take(&mut self.name),
            format: self.format,
            lines: self.lines,
            ignored: self.ignored,
            malformed: self.errors.len() as u64
                + self
                    .spilled_errors
                    .iter()
                    .map(|c| c.count as u64)
                    .sum::<u64>(),
            io_error: self.io_error.take(),
            ignored_by_type: std::mem::take(&mut self.ignored_by_type),
            notes: std::mem::take(&mut self.notes),
        }
    }
}

/// A session as a sink collects it.
struct Slot {
    id: Arc<str>,
    /// Kept events.
    events: Vec<Event>,
    /// Aggregates (when folding).
    agg: Option<Box<SessionAgg>>,
    /// Whether it is read at all (see `ReadMode::only`).
    read: bool,
    /// With a spill: the events kept only because a rule reports them one
    /// by one (shell, web, large model outputs), and the chunks of them
    /// already written to the spill, so that a session of nothing but
    /// reported commands does not hold them all.
    offloaded: Vec<Event>,
    chunks: Vec<SpillRef>,
    /// When a line last reached it (for evicting the idle ones).
    touched: u64,
    /// The parser holds an event of it still to come (see `Sink::pin`):
    /// not evicted.
    pinned: bool,
}

/// How many sessions a folding read with a spill holds at once: past
/// twice this, the idle half goes to the spill (a file of a million
/// one-line sessions must not hold a million aggregates). A session that
/// comes back after that is a session in two records: read again whole.
pub(crate) const LIVE_SESSIONS: usize = 1024;

impl FileRead {
    /// Writes the folded sessions to `spill`, keeping a reference to each
    /// (a session whose aggregates are missing stays in memory).
    fn spill_sessions(&mut self, spill: &Spill) {
        let Some(mut folded) = self.folded.take() else {
            return;
        };
        let mut kept_folded = BTreeMap::new();
        for (id, events) in std::mem::take(&mut self.sessions) {
            let Some(agg) = folded.remove(&id) else {
                self.sessions.insert(id, events);
                continue;
            };
            match spill.put(&(&events, &agg)) {
                Ok(at) => self.spilled.push(SpilledSession {
                    event_chunks: self.event_chunks.remove(&id).unwrap_or_default(),
                    id,
                    at,
                    line_base: 0,
                    uncertain: agg.uncertain,
                }),
                Err(_) => {
                    kept_folded.insert(id.clone(), agg);
                    self.sessions.insert(id, events);
                }
            }
        }
        kept_folded.append(&mut folded);
        self.folded = Some(kept_folded);
    }

    /// Makes this the read of file `file` (a read of some files only,
    /// joined to a read of all).
    pub fn renumber(&mut self, file: u32) {
        for events in self.sessions.values_mut() {
            for e in events {
                e.file = file;
            }
        }
        for e in &mut self.errors {
            e.file = file;
        }
    }
}

/// Lists the telemetry files of the inputs: files as given, every
/// `*.jsonl` below a folder (sorted), `-` for standard input.
pub fn expand_inputs(inputs: &[Input]) -> Vec<(String, Input)> {
    let mut out = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => out.push(("<stdin>".to_string(), Input::Stdin)),
            Input::Path(path) if path.is_dir() => {
                let mut found: Vec<PathBuf> = ignore::WalkBuilder::new(path)
                    .standard_filters(false)
                    .follow_links(false)
                    .build()
                    .filter_map(|entry| entry.ok())
                    .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
                    .map(|e| e.into_path())
                    .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
                    .collect();
                found.sort();
                out.extend(
                    found
                        .into_iter()
                        .map(|p| (p.display().to_string(), Input::Path(p))),
                );
            }
            Input::Path(path) => out.push((path.display().to_string(), input.clone())),
        }
    }
    out
}

/// Files at least this large are split at line boundaries and their parts
/// read in parallel (design JSONL and Claude Code: their lines stand alone).
pub const SPLIT_MIN: u64 = 32 << 20;

/// How the parts of the inputs are read.
#[derive(Clone, Copy, Default)]
pub struct ReadMode<'a> {
    /// Fold the events rules do not look at one by one into aggregates.
    pub fold: Option<FoldConfig>,
    /// Write each part's folded sessions here as soon as it is read.
    pub spill: Option<&'a Spill>,
    /// Keep the events of these sessions only (reading some sessions again).
    pub only: Option<&'a HashSet<Arc<str>>>,
}

/// One unit of reading work: a whole input, or a part of a large file.
struct Work {
    file: usize,
    start: u64,
    /// `None`: to the end (and the whole input when `start` is 0).
    len: Option<u64>,
    format: Option<TelemetryFormat>,
}

/// Reads every input in parallel: one task per file, and several per
/// large file.
pub fn read_all(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
) -> Vec<FileRead> {
    let threads = rayon::current_num_threads();
    read_all_split(files, policy, format, SPLIT_MIN, threads * 2)
}

/// Reads every input in parallel, keeping only the events rules look at
/// one by one and folding the others into per-session aggregates as they
/// are read (memory that does not follow the number of events). Large
/// files are cut only where the session changes. Build with
/// `Timeline::build_folded`.
pub fn read_all_folded(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
) -> Vec<FileRead> {
    let threads = rayon::current_num_threads();
    read_all_split_folded(files, policy, format, SPLIT_MIN, threads * 2)
}

/// `read_all_folded` with the splitting spelled out (see `read_all_split`).
pub fn read_all_split_folded(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    split_min: u64,
    max_parts: usize,
) -> Vec<FileRead> {
    let mode = ReadMode {
        fold: Some(FoldConfig::new(policy)),
        ..ReadMode::default()
    };
    read_all_inner(files, policy, format, split_min, max_parts, mode)
}

/// `read_all_folded`, each part's sessions written to `spill` as soon as
/// it is read (see [`FileRead::spilled`]), so that what reading holds does
/// not follow the number of sessions.
pub fn read_all_spilled(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    spill: &Spill,
) -> Vec<FileRead> {
    let threads = rayon::current_num_threads();
    read_all_split_spilled(files, policy, format, spill, SPLIT_MIN, threads * 2)
}

/// `read_all_spilled` with the splitting spelled out (see `read_all_split`).
pub fn read_all_split_spilled(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    spill: &Spill,
    split_min: u64,
    max_parts: usize,
) -> Vec<FileRead> {
    let mode = ReadMode {
        fold: Some(FoldConfig::new(policy)),
        spill: Some(spill),
        only: None,
    };
    read_all_inner(files, policy, format, split_min, max_parts, mode)
}

/// `read_all` keeping the events of the sessions in `only` alone (reading
/// again the sessions folding could not tell).
pub fn read_sessions(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    only: &HashSet<Arc<str>>,
) -> Vec<FileRead> {
    let mode = ReadMode {
        only: Some(only),
        ..ReadMode::default()
    };
    let threads = rayon::current_num_threads();
    read_all_inner(files, policy, format, SPLIT_MIN, threads * 2, mode)
}

/// `read_all` with the splitting of large files spelled out: files of at
/// least `2 * split_min` bytes are read in up to `max_parts` parts (1: never
/// split).
pub fn read_all_split(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    split_min: u64,
    max_parts: usize,
) -> Vec<FileRead> {
    read_all_inner(
        files,
        policy,
        format,
        split_min,
        max_parts,
        ReadMode::default(),
    )
}

fn read_all_inner(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    split_min: u64,
    max_parts: usize,
    mode: ReadMode<'_>,
) -> Vec<FileRead> {
    let fold = mode.fold;
    let mut work = Vec::new();
    for (file, (_, input)) in files.iter().enumerate() {
        let parts = match input {
            Input::Path(path) if max_parts > 1 => plan_parts(
                path,
                format,
                split_min,
                max_parts,
                fold.is_some(),
                policy.max_line_bytes.max(1),
            ),
            _ => None,
        };
        match parts {
            Some(parts) => work.extend(parts.into_iter().map(|(start, len, f)| Work {
                file,
                start,
                len: Some(len),
                format: Some(f),
            })),
            None => work.push(Work {
                file,
                start: 0,
                len: None,
                format,
            }),
        }
    }
    let parts: Vec<(usize, Part)> = work
        .par_iter()
        .map(|w| {
            let (name, input) = &files[w.file];
            let opened: std::io::Result<Box<dyn Read + Send>> = match input {
                Input::Stdin => Ok(Box::new(std::io::stdin())),
                Input::Path(path) => open_part(path, w.start, w.len),
            };
            let mut part = match opened {
                Ok(reader) => {
                    read_part(reader, name, w.file as u32, policy, w.format, w.start, mode)
                }
                Err(e) => Part {
                    read: FileRead {
                        name: name.clone(),
                        io_error: Some(format!("cannot open: {e}")),
                        ..FileRead::default()
                    },
                },
            };
            if let Some(spill) = mode.spill {
                part.read.spill_sessions(spill);
            }
            (w.file, part)
        })
        .collect();
    let mut out: Vec<FileRead> = Vec::with_capacity(files.len());
    let mut current: Option<(usize, FileRead)> = None;
    for (file, part) in parts {
        match current.as_mut() {
            Some((f, merged)) if *f == file => merge_part(merged, part),
            _ => {
                if let Some((_, done)) = current.take() {
                    out.push(done);
                }
                current = Some((file, part.read));
            }
        }
    }
    if let Some((_, done)) = current {
        out.push(done);
    }
    out
}

fn open_part(path: &Path, start: u64, len: Option<u64>) -> std::io::Result<Box<dyn Read + Send>> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    if start > 0 {
        file.seek(SeekFrom::Start(start))?;
    }
    Ok(match len {
        Some(len) => Box::new(file.take(len)),
        None => Box::new(file),
    })
}

/// Part boundaries (start, length, format) of a large file, cut after a
/// newline; `None` to read it whole.
fn plan_parts(
    path: &Path,
    format: Option<TelemetryFormat>,
    split_min: u64,
    max_parts: usize,
    at_sessions: bool,
    max_line: usize,
) -> Option<Vec<(u64, u64, TelemetryFormat)>> {
    use std::io::{Seek, SeekFrom};
    let split_min = split_min.max(1);
    let size = std::fs::metadata(path).ok()?.len();
    if size < 2 * split_min {
        return None;
    }
    let mut reader = BufReader::new(std::fs::File::open(path).ok()?);
    let format = match format {
        Some(f) => f,
        None => {
            let mut line = Vec::new();
            let mut found = None;
            for _ in 0..UNDECIDED_MAX {
                line.clear();
                if (&mut reader)
                    .take(max_line as u64 + 1)
                    .read_until(b'\n', &mut line)
                    .ok()?
                    == 0
                {
                    break;
                }
                let text = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
                if let Detected::Format(f) = detect(text.trim_ascii()) {
                    found = Some(f);
                    break;
                }
            }
            found?
        }
    };
    if format == TelemetryFormat::Codex {
        // The session id and cwd come from the first lines.
        return None;
    }
    // Folding: parts of at most PART_MAX, whatever the number of threads,
    // so that what a part holds while it is read (Claude Code's dedupe
    // keys) does not follow the size of the file.
    let parts = if at_sessions {
        (max_parts as u64).max(size.div_ceil(PART_MAX))
    } else {
        max_parts as u64
    };
    let k = parts.min(size / split_min).max(2);
    let mut cuts = vec![0u64];
    let mut skip = Vec::new();
    for j in 1..k {
        let target = size * j / k;
        if target <= *cuts.last().unwrap_or(&0) {
            continue;
        }
        reader.seek(SeekFrom::Start(target)).ok()?;
        // To the end of the line `target` falls in, without holding it.
        let n = reader.skip_until(b'\n').ok()? as u64;
        if target + n >= size {
            break;
        }
        if !at_sessions {
            cuts.push(target + n);
            continue;
        }
        // Folding needs each session whole in one part: cut before the
        // first line whose session differs from the line before it.
        let mut at = target + n;
        let mut previous: Option<Vec<u8>> = None;
        let mut found = None;
        while at - target < SESSION_CUT_SCAN {
            skip.clear();
            let n = (&mut reader)
                .take(max_line as u64 + 1)
                .read_until(b'\n', &mut skip)
                .ok()? as u64;
            if n == 0 || skip.last() != Some(&b'\n') {
                break;
            }
            let id = session_bytes(&skip, format);
            if previous.as_ref().is_some_and(|p| *p != id) {
                found = Some(at);
                break;
            }
            previous = Some(id);
            at += n;
        }
        if let Some(cut) = found {
            cuts.push(cut);
        }
    }
    cuts.push(size);
    cuts.dedup();
    Some(
        cuts.windows(2)
            .map(|w| (w[0], w[1] - w[0], format))
            .collect(),
    )
}

/// The largest part a folding read cuts a file into (when it can cut
/// between sessions).
const PART_MAX: u64 = 256 << 20;

/// How far past a planned cut a folding read looks for a session change.
const SESSION_CUT_SCAN: u64 = 8 << 20;

/// The raw bytes that tell a line's session (its session id and, for
/// Claude Code, its subagent), for cutting files between sessions.
fn session_bytes(line: &[u8], format: TelemetryFormat) -> Vec<u8> {
    let value = |key: &[u8]| -> &[u8] {
        match memchr::memmem::find(line, key) {
            Some(i) => {
                let rest = &line[i + key.len()..];
                let end = memchr::memchr(b'"', rest).unwrap_or(rest.len());
                &rest[..end]
            }
            None => b"",
        }
    };
    match format {
        TelemetryFormat::ClaudeCode => {
            let mut id = value(b"\"sessionId\":\"").to_vec();
            id.push(b'/');
            id.extend_from_slice(value(b"\"agentId\":\""));
            id
        }
        _ => value(b"\"session_id\":\"").to_vec(),
    }
}

/// What reading one part gave.
struct Part {
    read: FileRead,
}

/// Appends the next part of the same file: renumbers its lines. (A model
/// output or tool call a part repeats from the one before is one event
/// again when the session is built whole: see `timeline`; folding, a
/// session in two parts is read again whole.)
fn merge_part(merged: &mut FileRead, part: Part) {
    let mut read = part.read;
    let base = merged.lines as u32;
    for mut spilled in read.spilled.drain(..) {
        spilled.line_base += base;
        merged.spilled.push(spilled);
    }
    for mut chunk in read.spilled_errors.drain(..) {
        chunk.line_base += base;
        merged.spilled_errors.push(chunk);
    }
    for events in read.sessions.values_mut() {
        for e in events.iter_mut() {
            e.line += base;
        }
    }
    for e in read.errors.iter_mut() {
        e.line += base;
    }
    merged.uncertain |= read.uncertain;
    if let (Some(into), Some(from)) = (merged.folded.as_mut(), read.folded.take()) {
        for (session, mut agg) in from {
            agg.shift_lines(base);
            if into.contains_key(&session) {
                // A session cut in two: its order-dependent aggregates
                // cannot be joined exactly.
                merged.uncertain = true;
            }
            into.insert(session, agg);
        }
    }
    merged.lines += read.lines;
    merged.ignored += read.ignored;
    merged.errors.append(&mut read.errors);
    if merged.io_error.is_none() {
        merged.io_error = read.io_error;
    }
    for (kind, n) in std::mem::take(&mut read.ignored_by_type) {
        add_ignored(&mut merged.ignored_by_type, &kind, n);
    }
    for note in std::mem::take(&mut read.notes) {
        add_note(
            &mut merged.notes,
            &note.message,
            note.count,
            note.first_line + base,
        );
    }
    for (session, ws) in std::mem::take(&mut read.workspaces) {
        merged.workspaces.entry(session).or_insert(ws);
    }
    for (session, mut events) in read.sessions {
        match merged.sessions.get_mut(&session) {
            Some(existing) => {
                existing.reserve_exact(events.len());
                existing.append(&mut events);
            }
            None => {
                merged.sessions.insert(session, events);
            }
        }
    }
}

/// `events` with the offloaded events not yet in a chunk appended.
fn events_with(events: &mut Vec<Event>, mut rest: Vec<Event>) -> Vec<Event> {
    let mut all = std::mem::take(events);
    all.append(&mut rest);
    all
}

/// Moves `errors` to the spill as one chunk (they stay when it fails).
fn spill_errors(errors: &mut Vec<ParseError>, chunks: &mut Vec<ErrorChunk>, spill: &Spill) {
    if errors.is_empty() {
        return;
    }
    if let Ok(at) = spill.put(errors.as_slice()) {
        chunks.push(ErrorChunk {
            at,
            line_base: 0,
            count: errors.len() as u32,
        });
        errors.clear();
    }
}

/// Reads one stream line by line.
pub fn read_stream(
    reader: impl Read,
    name: &str,
    index: u32,
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
) -> FileRead {
    read_part(reader, name, index, policy, format, 0, ReadMode::default()).read
}

fn read_part(
    reader: impl Read,
    name: &str,
    index: u32,
    policy: &AuditPolicy,
    format: Option<TelemetryFormat>,
    start: u64,
    mode: ReadMode<'_>,
) -> Part {
    let fold = mode.fold;
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut sink = Sink::new(policy, index, name);
    sink.fold = fold;
    sink.only = mode.only;
    sink.spill = mode.spill;
    let mut state = LineState {
        sink,
        parser: format.map(|f| Parser::new(f, name)),
        read: FileRead {
            name: name.to_string(),
            format,
            ..FileRead::default()
        },
        name,
        offset: start,
        line_no: 0,
        undecided: Vec::new(),
        at_file_start: start == 0,
        kind_buf: String::new(),
    };
    let max_line = policy.max_line_bytes.max(1);
    // A line this much longer than the limit, with no line break in sight
    // (`/dev/zero`), ends the reading of the file.
    let max_skip = (max_line as u64).saturating_mul(64);
    // Lines are handled in place in the reader's buffer; only a line that
    // straddles two fills is copied (into `spill`, never past `max_line`).
    let mut spill: Vec<u8> = Vec::new();
    // Bytes of a line over the limit seen so far, while it is skipped.
    let mut skipping: Option<u64> = None;
    loop {
        let available = match reader.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                state.read.io_error =
                    Some(format!("read failed after line {}: {e}", state.line_no));
                break;
            }
        };
        if available.is_empty() {
            if let Some(len) = skipping.take() {
                state.long_line(len, max_line, true);
            } else if !spill.is_empty() {
                state.line(&spill);
                spill.clear();
            }
            break;
        }
        if let Some(len) = skipping.as_mut() {
            match memchr::memchr(b'\n', available) {
                Some(pos) => {
                    let total = *len + pos as u64 + 1;
                    skipping = None;
                    state.long_line(total, max_line, true);
                    reader.consume(pos + 1);
                }
                None => {
                    *len += available.len() as u64;
                    let n = available.len();
                    let over = *len > max_skip;
                    let total = *len;
                    reader.consume(n);
                    if over {
                        state.long_line(total, max_line, false);
                        state.read.io_error = Some(format!(
                            "line {} goes on for more than {} bytes without a line break: \
                             the rest of the file was not read",
                            state.line_no, max_skip
                        ));
                        break;
                    }
                }
            }
            continue;
        }
        let used = match memchr::memchr(b'\n', available) {
            Some(pos) if spill.is_empty() => {
                if pos + 1 > max_line {
                    state.long_line(pos as u64 + 1, max_line, true);
                } else {
                    state.line(&available[..=pos]);
                }
                pos + 1
            }
            Some(pos) => {
                if spill.len() + pos + 1 > max_line {
                    state.long_line((spill.len() + pos + 1) as u64, max_line, true);
                } else {
                    spill.extend_from_slice(&available[..=pos]);
                    state.line(&spill);
                }
                spill.clear();
                if spill.capacity() > (16 << 20) {
                    spill = Vec::new();
                }
                pos + 1
            }
            None => {
                if spill.len() + available.len() > max_line {
                    skipping = Some((spill.len() + available.len()) as u64);
                    spill = Vec::new();
                } else {
                    spill.extend_from_slice(available);
                }
                available.len()
            }
        };
        reader.consume(used);
    }
    state.finish();
    let LineState {
        mut sink,
        mut read,
        parser,
        ..
    } = state;
    drop(parser);
    let mut folded = fold.map(|_| BTreeMap::new());
    let mut event_chunks = BTreeMap::new();
    let mut workspaces = std::mem::take(&mut sink.workspaces);
    read.spilled = std::mem::take(&mut sink.evicted);
    read.sessions = std::mem::take(&mut sink.sessions)
        .into_iter()
        .flatten()
        .filter(|slot| slot.read)
        .map(|mut slot| {
            let events = events_with(&mut slot.events, slot.offloaded);
            (slot.id, events, slot.agg, slot.chunks)
        })
        .map(|(id, mut events, agg, chunks)| {
            if !chunks.is_empty() {
                event_chunks.insert(id.clone(), chunks);
            }
            // Growth slack is memory for nothing from here on.
            events.shrink_to_fit();
            if let (Some(map), Some(mut agg)) = (folded.as_mut(), agg) {
                agg.workspace = workspaces.get(&id).cloned();
                agg.done_reading();
                map.insert(id.clone(), agg);
            }
            (id, events)
        })
        .collect();
    // Only the sessions this read kept.
    workspaces.retain(|id, _| read.sessions.contains_key(id));
    read.workspaces = workspaces;
    read.folded = folded;
    read.event_chunks = event_chunks;
    read.errors = std::mem::take(&mut sink.errors);
    read.spilled_errors = std::mem::take(&mut sink.error_chunks);
    read.ignored_by_type = std::mem::take(&mut sink.ignored_by_type);
    read.notes = std::mem::take(&mut sink.notes);
    if let Some(spill) = mode.spill {
        spill_errors(&mut read.errors, &mut read.spilled_errors, spill);
    }
    Part { read }
}

/// How many valid JSON lines of no known shape reading holds (their
/// place only) while the format is still unknown: lines that come before
/// the first line that tells the format (Claude Code's `file-history-
/// snapshot` has no session id) are ignored lines of that format.
const UNDECIDED_MAX: usize = 64;

/// A line read before the format was known: where it is and its type.
struct Undecided {
    line: u32,
    offset: u64,
    line_chars: u32,
    kind: String,
}

/// What `read_stream` carries from one line to the next.
struct LineState<'p, 'n> {
    sink: Sink<'p>,
    parser: Option<Parser>,
    read: FileRead,
    name: &'n str,
    offset: u64,
    line_no: u32,
    undecided: Vec<Undecided>,
    /// The next line is the file's first (a UTF-8 byte order mark there
    /// is not part of it).
    at_file_start: bool,
    /// Where an ignored line's type is spelled out.
    kind_buf: String,
}

impl LineState<'_, '_> {
    /// A line longer than the limit: unreadable, and not held in memory.
    fn long_line(&mut self, len: u64, max_line: usize, ended: bool) {
        self.line_no = self.line_no.saturating_add(1);
        self.read.lines += 1;
        self.at_file_start = false;
        let start = self.offset;
        self.offset += len;
        self.sink.begin_line(self.line_no, start, b"");
        let size = if ended {
            format!("a line of {len} bytes")
        } else {
            format!("a line of more than {len} bytes")
        };
        self.sink.error(format!(
            "{size}, longer than the limit of {max_line} bytes \
             (`agentlint audit --max-line-length`): not read"
        ));
    }

    /// One raw line, with its line terminator.
    fn line(&mut self, raw: &[u8]) {
        let n = raw.len() as u64;
        self.line_no = self.line_no.saturating_add(1);
        self.read.lines += 1;
        let mut start = self.offset;
        self.offset += n;
        let mut line = raw;
        if std::mem::take(&mut self.at_file_start) {
            if let Some(rest) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = rest;
                start += 3;
            }
        }
        while let Some((&last, rest)) = line.split_last() {
            if last == b'\n' || last == b'\r' {
                line = rest;
            } else {
                break;
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        // The cheap byte test: a line that names a known, unused kind
        // (`"type":"user"`, `"type":"response_item"`...: quotes inside JSON
        // strings are escaped, so these bytes are structure), contains none
        // of the needles of the kinds that produce events, and is a whole
        // object on the outside is counted as ignored without a full parse.
        if let Some(p) = self.parser.as_ref() {
            if p.may_skip(line) {
                self.read.ignored += 1;
                p.skipped_kind(line, &mut self.kind_buf);
                add_ignored(&mut self.sink.ignored_by_type, &self.kind_buf, 1);
                return;
            }
        }
        self.sink.begin_line(self.line_no, start, line);
        if self.parser.is_none() {
            match detect(line) {
                Detected::Format(f) => {
                    self.parser = Some(Parser::new(f, self.name));
                    self.read.format = Some(f);
                    // The lines before it were of this format, of kinds
                    // that carry nothing.
                    for u in std::mem::take(&mut self.undecided) {
                        self.read.ignored += 1;
                        add_ignored(&mut self.sink.ignored_by_type, &u.kind, 1);
                    }
                }
                Detected::Json(kind) if self.undecided.len() < UNDECIDED_MAX => {
                    self.undecided.push(Undecided {
                        line: self.line_no,
                        offset: start,
                        line_chars: self.sink.line_chars,
                        kind: cut(&kind, MAX_LABEL),
                    });
                    return;
                }
                detected => {
                    self.undecided_are_errors();
                    let message = match detected {
                        Detected::NotJson(e) => format!("not valid JSON: {e}"),
                        _ => NO_FORMAT.to_string(),
                    };
                    self.sink.error(message);
                    return;
                }
            }
        }
        if let Some(p) = self.parser.as_mut() {
            let outcome = match p {
                Parser::Design(p) => p.line(line, &mut self.sink),
                Parser::Claude(p) => p.line(line, &mut self.sink),
                Parser::Codex(p) => p.line(line, &mut self.sink),
            };
            match outcome {
                Ok(Handled::Used) => {}
                Ok(Handled::Ignored) => self.read.ignored += 1,
                Err(message) => self.sink.error(message),
            }
        }
        if self.sink.wants_eviction() {
            // The parser counts the messages of its idle sessions first,
            // and forgets what the sink let go.
            if let Some(Parser::Claude(p)) = self.parser.as_mut() {
                p.close_idle(&mut self.sink);
            }
            self.sink.evict_idle();
            if let Some(Parser::Claude(p)) = self.parser.as_mut() {
                p.prune(&mut self.sink);
            }
        }
    }

    /// The lines held while the format was unknown, when none tells it:
    /// unreadable.
    fn undecided_are_errors(&mut self) {
        for u in std::mem::take(&mut self.undecided) {
            self.sink
                .error_at(u.line, u.offset, u.line_chars, NO_FORMAT.to_string());
        }
    }

    /// After the last line: what the parser still holds, and lines of an
    /// unknown format.
    fn finish(&mut self) {
        self.undecided_are_errors();
        if let Some(Parser::Claude(p)) = self.parser.as_mut() {
            p.finish(&mut self.sink);
        }
    }
}

const NO_FORMAT: &str = "valid JSON, but not a line of any known telemetry format \
                         (design JSONL, Claude Code, Codex)";

/// Whether a line that parsed was used.
pub enum Handled {
    Used,
    Ignored,
}

enum Parser {
    Design(design::DesignParser),
    Claude(claude::ClaudeParser),
    Codex(codex::CodexParser),
}

/// `{` first and `}` last (ASCII whitespace aside): what the byte test
/// checks of a line it does not parse.
fn looks_like_object(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii();
    trimmed.first() == Some(&b'{') && trimmed.last() == Some(&b'}')
}

/// The byte test of a format: the quoted strings of the kinds that
/// produce events (needles: `"usage"`, `"tool_use"`...) and the
/// `"type":"…"` markers of known kinds that never do. The line is scanned
/// quote to quote (long string values are crossed in one `memchr` step):
/// the bytes between two consecutive quotes are compared whole, which finds
/// exactly the quoted needles and markers a substring search would. The
/// default never skips.
#[derive(Default)]
pub(crate) struct ByteTest {
    needles: &'static [&'static str],
    /// Values of `"type"` of known kinds that produce no event.
    known: &'static [&'static str],
    /// With few needles (Claude Code): one SIMD substring search per
    /// quoted needle and marker instead of the quote-to-quote scan.
    finders: Option<(
        Vec<memchr::memmem::Finder<'static>>,
        Vec<memchr::memmem::Finder<'static>>,
    )>,
}

impl ByteTest {
    pub(crate) fn new(format: TelemetryFormat) -> ByteTest {
        let (needles, known): (&'static [&'static str], &'static [&'static str]) = match format {
            TelemetryFormat::Design => (&[], &[]),
            TelemetryFormat::ClaudeCode => (
                &["usage", "tool_use", "compact_boundary"],
                &[
                    "user",
                    "summary",
                    "file-history-snapshot",
                    "queue-operation",
                    "attachment",
                    "progress",
                ],
            ),
            TelemetryFormat::Codex => (
                &[
                    "function_call",
                    "custom_tool_call",
                    "local_shell_call",
                    "web_search_call",
                    "token_count",
                    "compacted",
                    "context_compacted",
                    "session_meta",
                    "turn_context",
                ],
                &["response_item", "event_msg"],
            ),
        };
        let finders = (format == TelemetryFormat::ClaudeCode).then(|| {
            let build = |tokens: &[&str], marker: bool| {
                tokens
                    .iter()
                    .map(|t| {
                        let quoted = if marker {
                            format!("\"type\":\"{t}\"")
                        } else {
                            format!("\"{t}\"")
                        };
                        memchr::memmem::Finder::new(quoted.as_bytes()).into_owned()
                    })
                    .collect::<Vec<_>>()
            };
            (build(needles, false), build(known, true))
        });
        ByteTest {
            needles,
            known,
            finders,
        }
    }

    /// True when `line` surely is a known kind that produces no event: a
    /// marker and no needle, and `{`…`}` on the outside.
    fn skips(&self, line: &[u8]) -> bool {
        if self.known.is_empty() {
            return false;
        }
        if let Some((needles, markers)) = &self.finders {
            // Needles first: the lines that have one stop early.
            return !needles.iter().any(|f| f.find(line).is_some())
                && markers.iter().any(|f| f.find(line).is_some())
                && looks_like_object(line);
        }
        let is = |set: &[&str], token: &[u8]| {
            set.iter()
                .any(|s| s.len() == token.len() && s.as_bytes() == token)
        };
        let mut known = false;
        // The two strings between quotes before the current one.
        let (mut before, mut last): (&[u8], &[u8]) = (b"", b"");
        let mut open: Option<usize> = None;
        for at in memchr::memchr_iter(b'"', line) {
            if let Some(start) = open {
                let token = &line[start + 1..at];
                if is(self.needles, token) {
                    return false;
                }
                if !known && last == b":" && before == b"type" && is(self.known, token) {
                    known = true;
                }
                before = last;
                last = token;
            }
            open = Some(at);
        }
        known && looks_like_object(line)
    }
}

impl Parser {
    /// Whether `line` surely is a known kind that produces no event.
    fn may_skip(&self, line: &[u8]) -> bool {
        match self {
            Parser::Design(_) => false,
            Parser::Claude(p) => p.byte_test.skips(line),
            Parser::Codex(p) => p.byte_test.skips(line),
        }
    }

    /// The type of a line `may_skip` let through, into `out`: the first
    /// `"type"` value (Claude Code writes it before any nested object but
    /// in assistant lines, which are never skipped), and for Codex the
    /// payload's after a slash.
    fn skipped_kind(&self, line: &[u8], out: &mut String) {
        static TYPE: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
            std::sync::OnceLock::new();
        static PAYLOAD_TYPE: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
            std::sync::OnceLock::new();
        fn value_after<'a>(line: &'a [u8], key: &memchr::memmem::Finder<'_>) -> Option<&'a [u8]> {
            let at = key.find(line)? + key.needle().len();
            let rest = &line[at..];
            let end = memchr::memchr(b'"', rest)?;
            Some(&rest[..end])
        }
        let type_key = TYPE.get_or_init(|| memchr::memmem::Finder::new(b"\"type\":\""));
        out.clear();
        fn text(b: &[u8]) -> std::borrow::Cow<'_, str> {
            String::from_utf8_lossy(b)
        }
        match self {
            Parser::Codex(_) => {
                if let Some(kind) = value_after(line, type_key) {
                    out.push_str(&text(kind));
                }
                let payload_key = PAYLOAD_TYPE
                    .get_or_init(|| memchr::memmem::Finder::new(b"\"payload\":{\"type\":\""));
                if let Some(kind) = value_after(line, payload_key) {
                    out.push('/');
                    out.push_str(&text(kind));
                }
            }
            _ => {
                if let Some(kind) = value_after(line, type_key) {
                    out.push_str(&text(kind));
                }
            }
        }
        if out.is_empty() {
            out.push_str("<unknown>");
        }
    }

    fn new(format: TelemetryFormat, name: &str) -> Self {
        match format {
            TelemetryFormat::Design => Parser::Design(design::DesignParser),
            TelemetryFormat::ClaudeCode => {
                let mut p = claude::ClaudeParser::new(name);
                p.byte_test = ByteTest::new(format);
                Parser::Claude(p)
            }
            TelemetryFormat::Codex => {
                let mut p = codex::CodexParser::new(name);
                p.byte_test = ByteTest::new(format);
                Parser::Codex(p)
            }
        }
    }
}

/// What one line says of its file's format.
pub enum Detected {
    /// A line only this format writes.
    Format(TelemetryFormat),
    /// Valid JSON that does not tell (its `type`, or `<none>`).
    Json(String),
    /// Not JSON at all.
    NotJson(serde_json::Error),
}

/// Claude Code line types, besides what any line with a `sessionId` or a
/// `leafUuid` tells: what a transcript starts with (a `file-history-
/// snapshot` or a `summary` has no session id) and its message kinds.
const CLAUDE_KINDS: [&str; 8] = [
    "user",
    "assistant",
    "system",
    "summary",
    "file-history-snapshot",
    "queue-operation",
    "attachment",
    "progress",
];

/// Codex rollout item types (`RolloutItem` in codex-rs: each line is
/// `{"timestamp", "type", "payload"}`).
pub const CODEX_KINDS: [&str; 12] = [
    "session_meta",
    "response_item",
    "event_msg",
    "turn_context",
    "compacted",
    "inter_agent_communication",
    "inter_agent_communication_metadata",
    "token_usage_record",
    "world_state",
    "retained_context",
    "security_risk_score",
    "realtime_item",
];

/// What one line says of the format.
pub fn detect(line: &[u8]) -> Detected {
    #[derive(serde::Deserialize)]
    struct Probe<'a> {
        #[serde(rename = "type", borrow, default)]
        kind: Option<std::borrow::Cow<'a, str>>,
        #[serde(default)]
        payload: Option<serde::de::IgnoredAny>,
        #[serde(rename = "sessionId", default)]
        claude_session: Option<serde::de::IgnoredAny>,
        #[serde(rename = "leafUuid", default)]
        leaf: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe<'_> = match serde_json::from_slice(line) {
        Ok(p) => p,
        Err(e) => {
            return match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
                // JSON, but not an object of this shape (an array, a
                // number, a `type` that is not a string).
                Ok(_) => Detected::Json("<not an object with a string type>".into()),
                Err(_) => Detected::NotJson(e),
            };
        }
    };
    let Some(kind) = probe.kind else {
        return Detected::Json("<none>".into());
    };
    let kind = kind.as_ref();
    if matches!(kind, "tool_call" | "model_output" | "checkpoint") {
        return Detected::Format(TelemetryFormat::Design);
    }
    if probe.payload.is_some() && CODEX_KINDS.contains(&kind) {
        return Detected::Format(TelemetryFormat::Codex);
    }
    if probe.claude_session.is_some() || probe.leaf.is_some() || CLAUDE_KINDS.contains(&kind) {
        return Detected::Format(TelemetryFormat::ClaudeCode);
    }
    Detected::Json(kind.to_string())
}

/// Where the parsers put events and errors, with the current line's
/// location and the policy for normalizing paths and attributing tasks.
pub struct Sink<'p> {
    policy: &'p AuditPolicy,
    workspace: Option<String>,
    home: Option<String>,
    file: u32,
    line: u32,
    offset: u64,
    line_chars: u32,
    interned: HashMap<Box<str>, SharedStr>,
    /// Normalized paths by workspace NUL `cwd` NUL raw path: (shown,
    /// outside, task).
    paths: HashMap<Box<str>, NormalEntry>,
    path_key: String,
    /// `fold::keep` of shell events by command text (short ones).
    shell_keep: HashMap<Box<str>, bool>,
    /// By slot (a slot freed by eviction is reused).
    sessions: Vec<Option<Slot>>,
    free: Vec<usize>,
    /// Slots in use, and a counter of lines that reached a session.
    live: usize,
    touch: u64,
    /// Sessions evicted to the spill while reading (see `LIVE_SESSIONS`).
    evicted: Vec<SpilledSession>,
    /// Folding: aggregates for every event, events kept only when a rule
    /// looks at them one by one.
    fold: Option<FoldConfig>,
    /// Events pushed (or places reserved) for the current line so far.
    line_events: u32,
    session_index: HashMap<Arc<str>, usize>,
    last_session: usize,
    errors: Vec<ParseError>,
    /// Fallback session id for lines that carry none.
    pub default_session: String,
    /// Keep the events of these sessions only.
    only: Option<&'p HashSet<Arc<str>>>,
    /// Where unreadable lines go by the chunk (`errors` holds the rest).
    spill: Option<&'p Spill>,
    error_chunks: Vec<ErrorChunk>,
    /// Ignored lines by type (see `FileRead::ignored_by_type`).
    pub(crate) ignored_by_type: BTreeMap<String, u64>,
    notes: Vec<Note>,
    workspaces: BTreeMap<Arc<str>, Workspace>,
}

/// Unreadable-line messages are cut to this (they may quote the input).
const MAX_MESSAGE: usize = 400;

/// Shell commands at most this long have their `fold::keep` cached.
const SHELL_KEEP_KEY_MAX: usize = 4096;

impl<'p> Sink<'p> {
    fn new(policy: &'p AuditPolicy, file: u32, name: &str) -> Self {
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string());
        Sink {
            policy,
            workspace: policy
                .workspace
                .as_ref()
                .map(|w| w.to_string_lossy().into_owned()),
            home: policy
                .home
                .as_ref()
                .map(|h| h.to_string_lossy().into_owned()),
            file,
            line: 0,
            offset: 0,
            line_chars: 0,
            interned: HashMap::new(),
            paths: HashMap::new(),
            path_key: String::new(),
            shell_keep: HashMap::new(),
            sessions: Vec::new(),
            free: Vec::new(),
            live: 0,
            touch: 0,
            evicted: Vec::new(),
            fold: None,
            line_events: 0,
            session_index: HashMap::new(),
            last_session: 0,
            errors: Vec::new(),
            default_session: stem,
            only: None,
            spill: None,
            error_chunks: Vec::new(),
            ignored_by_type: BTreeMap::new(),
            notes: Vec::new(),
            workspaces: BTreeMap::new(),
        }
    }

    fn begin_line(&mut self, line: u32, offset: u64, text: &[u8]) {
        self.line = line;
        self.offset = offset;
        self.line_events = 0;
        // Characters = bytes that are not UTF-8 continuation bytes.
        self.line_chars = if text.is_ascii() {
            text.len() as u32
        } else {
            text.iter().filter(|&&b| (b as i8) >= -0x40).count() as u32
        };
    }

    pub fn policy(&self) -> &AuditPolicy {
        self.policy
    }

    /// The current line's number.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Whether events are folded as they are read (else every event is
    /// kept, and a session is built whole).
    pub fn folding(&self) -> bool {
        self.fold.is_some()
    }

    fn error(&mut self, message: String) {
        self.error_at(self.line, self.offset, self.line_chars, message);
    }

    fn error_at(&mut self, line: u32, offset: u64, line_chars: u32, message: String) {
        let message = if message.len() > MAX_MESSAGE {
            cut(&message, MAX_MESSAGE)
        } else {
            message
        };
        self.errors.push(ParseError {
            file: self.file,
            line,
            line_chars,
            offset,
            message,
        });
        if self.errors.len() >= ERROR_CHUNK {
            if let Some(spill) = self.spill {
                spill_errors(&mut self.errors, &mut self.error_chunks, spill);
            }
        }
    }

    /// The current line is an ignored line of type `kind`.
    pub fn ignore(&mut self, kind: &str) {
        add_ignored(&mut self.ignored_by_type, kind, 1);
    }

    /// A note about the current line (see [`Note`]).
    pub fn note(&mut self, message: &str) {
        add_note(&mut self.notes, message, 1, self.line);
    }

    /// The workspace of `session`, unless one is set already.
    pub fn set_workspace(&mut self, session: &str, workspace: Workspace) {
        if !self.workspaces.contains_key(session) {
            self.workspaces.insert(Arc::from(session), workspace);
        }
    }

    pub fn intern(&mut self, text: &str) -> SharedStr {
        if let Some(found) = self.interned.get(text) {
            return found.clone();
        }
        let shared = SharedStr::from(text);
        self.interned.insert(Box::from(text), shared.clone());
        shared
    }

    /// A new event at the current line.
    pub fn event(&self, ts: i64, kind: EventKind) -> Event {
        let mut ev = Event::new(ts, kind);
        ev.file = self.file;
        ev.line = self.line;
        ev.line_chars = self.line_chars;
        ev.offset = self.offset;
        ev
    }

    /// Reserves the next place among the current line's events for an
    /// event pushed later with [`Sink::push_held`].
    pub fn reserve_place(&mut self) -> u32 {
        let at = self.line_events;
        self.line_events += 1;
        at
    }

    /// The configured workspace, if any.
    pub fn configured_workspace(&self) -> Option<&str> {
        self.workspace.as_deref()
    }

    /// Sets the event's tool name and, for tools configured as
    /// checkpoints, its kind.
    pub fn set_tool(&mut self, ev: &mut Event, name: &str) {
        if self
            .policy
            .checkpoint_tools
            .iter()
            .any(|t| t.eq_ignore_ascii_case(name))
        {
            ev.kind = EventKind::Checkpoint;
        }
        ev.tool = Some(self.intern(name));
    }

    /// Normalizes `raw` (relative to `cwd` when given) into the event's
    /// path and attributes the event to the manifest task of that path
    /// unless it already names one. The workspace is the configured one,
    /// else `root` (the session's project root), else `cwd`.
    pub fn set_path(&mut self, ev: &mut Event, raw: &str, cwd: Option<&str>, root: Option<&str>) {
        // Agents touch the same files over and over: normalize each
        // (workspace, cwd, path) once.
        let workspace = self.workspace.as_deref().or(root).or(cwd);
        self.path_key.clear();
        if let Some(ws) = workspace {
            self.path_key.push_str(ws);
        }
        self.path_key.push('\0');
        if let Some(cwd) = cwd {
            self.path_key.push_str(cwd);
        }
        self.path_key.push('\0');
        self.path_key.push_str(raw);
        let entry = match self.paths.get(self.path_key.as_str()) {
            Some(found) => found.clone(),
            None => {
                let normal = paths::normalize(raw, cwd, workspace, self.home.as_deref());
                let task = paths::attribute(&normal.shown, &self.policy.tasks)
                    .map(|t| t.id.clone())
                    .map(|id| self.intern(&id));
                let entry = NormalEntry {
                    shown: self.intern(&normal.shown),
                    outside: normal.outside,
                    task,
                };
                if self.paths.len() >= PATH_CACHE {
                    self.paths.clear();
                    // The interned texts go with it (a run of distinct
                    // paths must not hold them all).
                    self.interned.clear();
                }
                self.paths
                    .insert(Box::from(self.path_key.as_str()), entry.clone());
                entry
            }
        };
        if ev.task.is_none() {
            ev.task = entry.task;
        }
        ev.outside = entry.outside;
        ev.path = Some(entry.shown);
    }

    pub fn set_task(&mut self, ev: &mut Event, task: &str) {
        ev.task = Some(self.intern(task));
    }

    /// The slot of `session`, created when new.
    fn slot(&mut self, session: &str) -> usize {
        self.touch += 1;
        let found = match self.sessions.get(self.last_session) {
            Some(Some(slot)) if slot.id.as_ref() == session => Some(self.last_session),
            _ => self.session_index.get(session).copied(),
        };
        let at = match found {
            Some(at) => at,
            None => {
                let id: Arc<str> = Arc::from(session);
                let slot = Slot {
                    id: id.clone(),
                    events: Vec::new(),
                    agg: self.fold.map(|cfg| Box::new(SessionAgg::new(cfg))),
                    read: self.only.is_none_or(|only| only.contains(session)),
                    offloaded: Vec::new(),
                    chunks: Vec::new(),
                    touched: 0,
                    pinned: false,
                };
                let at = match self.free.pop() {
                    Some(at) => {
                        self.sessions[at] = Some(slot);
                        at
                    }
                    None => {
                        self.sessions.push(Some(slot));
                        self.sessions.len() - 1
                    }
                };
                self.live += 1;
                self.session_index.insert(id, at);
                at
            }
        };
        if let Some(Some(slot)) = self.sessions.get_mut(at) {
            slot.touched = self.touch;
        }
        self.last_session = at;
        at
    }

    /// Whether `session` is held (not evicted) by this read.
    pub fn holds(&self, session: &str) -> bool {
        self.session_index.contains_key(session)
    }

    /// Whether the parser holds back an event of `session` (it is not
    /// evicted meanwhile).
    pub fn pin(&mut self, session: &str, pinned: bool) {
        if let Some(&at) = self.session_index.get(session) {
            if let Some(Some(slot)) = self.sessions.get_mut(at) {
                slot.pinned = pinned;
            }
        }
    }

    /// Whether it holds so many sessions that the idle ones should go.
    fn wants_eviction(&self) -> bool {
        self.live >= 2 * LIVE_SESSIONS && self.spill.is_some() && self.fold.is_some()
    }

    /// Writes the idle half of the sessions to the spill (folding with a
    /// spill only: else every session stays), but the pinned ones.
    fn evict_idle(&mut self) {
        let (Some(spill), Some(_)) = (self.spill, self.fold) else {
            return;
        };
        let mut idle: Vec<(u64, usize)> = self
            .sessions
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.as_ref()
                    .filter(|s| s.read && !s.pinned)
                    .map(|s| (s.touched, i))
            })
            .collect();
        idle.sort_unstable();
        idle.truncate(self.live / 2);
        for (_, at) in idle {
            let Some(mut slot) = self.sessions[at].take() else {
                continue;
            };
            let Some(mut agg) = slot.agg.take() else {
                self.sessions[at] = Some(slot);
                continue;
            };
            agg.workspace = self.workspaces.remove(&slot.id);
            agg.done_reading();
            let mut events = std::mem::take(&mut slot.events);
            events.append(&mut slot.offloaded);
            match spill.put(&(&events, &agg)) {
                Ok(record) => {
                    self.evicted.push(SpilledSession {
                        id: slot.id.clone(),
                        at: record,
                        line_base: 0,
                        uncertain: agg.uncertain,
                        event_chunks: std::mem::take(&mut slot.chunks),
                    });
                    self.session_index.remove(&slot.id);
                    self.free.push(at);
                    self.live -= 1;
                }
                Err(_) => {
                    // Stays held.
                    if let Some(ws) = agg.workspace.take() {
                        self.workspaces.insert(slot.id.clone(), ws);
                    }
                    slot.events = events;
                    slot.agg = Some(agg);
                    self.sessions[at] = Some(slot);
                }
            }
        }
    }

    /// Adds an event of the current line.
    pub fn push(&mut self, session: &str, mut ev: Event) {
        ev.seq = self.reserve_place();
        self.add(session, ev, true);
    }

    /// Adds an event of an earlier line (its place among that line's
    /// events reserved then, in `ev.seq`), whose order was checked with
    /// [`Sink::check_order`] when its line was read.
    pub fn push_held(&mut self, session: &str, ev: Event) {
        self.add(session, ev, false);
    }

    /// Folding cannot tell `session` exactly (a model output's usage grew
    /// after its event was counted): it is read again whole.
    pub fn mark_uncertain(&mut self, session: &str) {
        let at = self.slot(session);
        if let Some(Some(Slot { agg: Some(agg), .. })) = self.sessions.get_mut(at) {
            agg.uncertain = true;
        }
    }

    /// The out-of-order check of an event held back (see `push_held`), at
    /// its line.
    pub fn check_order(&mut self, session: &str, ev: &Event) {
        let at = self.slot(session);
        if let Some(Some(Slot {
            agg: Some(agg),
            read: true,
            ..
        })) = self.sessions.get_mut(at)
        {
            agg.check_order(ev);
        }
    }

    fn add(&mut self, session: &str, mut ev: Event, check_order: bool) {
        let at = self.slot(session);
        let Some(Some(slot)) = self.sessions.get_mut(at) else {
            return;
        };
        if !slot.read {
            return;
        }
        let Some(agg) = slot.agg.as_mut() else {
            slot.events.push(ev);
            return;
        };
        // Folding drops repeats as it reads: the key is not needed past
        // here.
        ev.key = 0;
        let sub = ev.seq;
        if check_order {
            agg.add(&ev, sub);
        } else {
            agg.add_in_order(&ev, sub);
        }
        if ev.kind == EventKind::Write && agg.repeats_last_write(&ev) {
            return;
        }
        // Whether a rule reports a shell command depends on its text
        // alone: decide each text once.
        let keep = match (ev.kind, ev.command.as_deref(), &ev.url, &ev.tool) {
            (EventKind::Shell, Some(command), None, tool)
                if command.len() <= SHELL_KEEP_KEY_MAX
                    && !tool.as_deref().is_some_and(fold::is_web_search_tool) =>
            {
                match self.shell_keep.get(command) {
                    Some(&keep) => keep,
                    None => {
                        let keep = fold::keep(&ev, self.policy);
                        if self.shell_keep.len() >= PATH_CACHE {
                            self.shell_keep.clear();
                        }
                        self.shell_keep.insert(Box::from(command), keep);
                        keep
                    }
                }
            }
            _ => fold::keep(&ev, self.policy),
        };
        if !keep {
            return;
        }
        let Some(Some(slot)) = self.sessions.get_mut(at) else {
            return;
        };
        if let (Some(spill), false) = (
            self.spill,
            matches!(ev.kind, EventKind::Write | EventKind::Checkpoint),
        ) {
            slot.offloaded.push(ev);
            if slot.offloaded.len() >= EVENT_CHUNK {
                if let Ok(chunk) = spill.put(slot.offloaded.as_slice()) {
                    slot.chunks.push(chunk);
                    slot.offloaded.clear();
                }
            }
            return;
        }
        slot.events.push(ev);
    }

    /// Parses `ts` or records an error for the current line.
    pub fn timestamp(&self, ts: Option<&str>) -> Result<i64, String> {
        parse_timestamp(ts)
    }
}

/// A line's `timestamp` in milliseconds, or why not (the text cut short).
pub fn parse_timestamp(ts: Option<&str>) -> Result<i64, String> {
    match ts {
        Some(text) => crate::audit::time::parse_ms(text).ok_or_else(|| {
            format!(
                "`timestamp` is not an RFC 3339 time: `{}`",
                cut(text, MAX_LABEL)
            )
        }),
        None => Err("no `timestamp` on a line that records an action".to_string()),
    }
}

/// A normalized path as `Sink::set_path` caches it.
#[derive(Clone)]
struct NormalEntry {
    shown: SharedStr,
    outside: Option<bool>,
    task: Option<SharedStr>,
}

/// Paths normalized per reader before the cache starts over.
const PATH_CACHE: usize = 1 << 14;

/// The kind of a tool by its name (case-insensitive).
pub fn classify_tool(name: &str) -> EventKind {
    // After the last `__` (MCP prefixes), lowercased on the stack.
    let bytes = name.as_bytes();
    let from = bytes
        .windows(2)
        .rposition(|w| w == b"__")
        .map_or(0, |i| i + 2);
    let base = &bytes[from..];
    let mut buf = [0u8; 32];
    let Some(slot) = buf.get_mut(..base.len()) else {
        return EventKind::Other;
    };
    slot.copy_from_slice(base);
    slot.make_ascii_lowercase();
    let base = std::str::from_utf8(slot).unwrap_or("");
    match base {
        "write"
        | "edit"
        | "multiedit"
        | "notebookedit"
        | "apply_patch"
        | "str_replace"
        | "str_replace_editor"
        | "str_replace_based_edit_tool"
        | "write_file"
        | "replace"
        | "edit_file"
        | "create_file"
        | "insert"
        | "create"
        | "patch"
        | "write_to_file" => EventKind::Write,
        "read" | "read_file" | "read_many_files" | "view" | "open_file" | "notebookread"
        | "cat" => EventKind::Read,
        "bash" | "shell" | "shell_command" | "exec_command" | "exec" | "local_shell_call"
        | "run_shell_command" | "run" | "execute_bash" | "execute_command" | "terminal"
        | "container.exec" | "run_command" | "sh" => EventKind::Shell,
        "glob"
        | "grep"
        | "grep_search"
        | "search_file_content"
        | "list_directory"
        | "ls"
        | "find"
        | "search"
        | "codebase_search"
        | "file_search"
        | "list_files" => EventKind::Search,
        "todowrite" | "taskcreate" | "taskupdate" | "update_plan" | "write_todos"
        | "task_tracker" => EventKind::TaskList,
        "checkpoint" => EventKind::Checkpoint,
        _ => EventKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_test_skips_only_known_kinds_without_needles() {
        let t = ByteTest::new(TelemetryFormat::ClaudeCode);
        let user = br#"{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"say \"usage\" and \"tool_use\""}]}}"#;
        assert!(
            t.skips(user),
            "escaped quotes inside a string are no needle"
        );
        assert!(!t.skips(br#"{"type":"user","usage":{}}"#));
        assert!(!t.skips(br#"{"type":"user","c":[{"type":"tool_use"}]}"#));
        assert!(
            !t.skips(br#"{"type":"assistant","message":{}}"#),
            "not a known kind"
        );
        assert!(!t.skips(br#"{"type": "user"}"#), "markers are compact JSON");
        assert!(!t.skips(br#"{"type":"user""#), "not a whole object");
        assert!(t.skips(br#"{"a":"x","type":"summary"}"#));
        assert!(!t.skips(br#"{"subtype":"compact_boundary","type":"progress"}"#));
        let c = ByteTest::new(TelemetryFormat::Codex);
        assert!(c.skips(br#"{"type":"response_item","payload":{"type":"function_call_output"}}"#));
        assert!(!c.skips(br#"{"type":"response_item","payload":{"type":"function_call"}}"#));
        assert!(!c.skips(br#"{"type":"event_msg","payload":{"type":"context_compacted"}}"#));
        assert!(!ByteTest::new(TelemetryFormat::Design).skips(br#"{"type":"user"}"#));
    }
}
