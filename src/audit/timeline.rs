//! The timeline: every session's events in time order, built from what the
//! readers gave, with the files and the unreadable lines kept alongside.

use crate::audit::event::Event;
use crate::audit::fold::{Anchor, FoldConfig, SessionAgg, Workspace};
use crate::audit::policy::AuditPolicy;
use crate::audit::read::{FileRead, ParseErrors, SpilledSession, TelemetryFormat};
use crate::audit::spill::Spill;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// One telemetry file as read.
#[derive(Debug, Clone)]
pub struct TelemetryFile {
    pub name: String,
    pub format: Option<TelemetryFormat>,
    pub lines: u64,
    pub ignored: u64,
    /// Lines that are not JSON or in no known shape.
    pub malformed: u64,
    pub io_error: Option<String>,
    /// Ignored lines by type (see `FileRead::ignored_by_type`).
    pub ignored_by_type: BTreeMap<String, u64>,
    pub notes: Vec<crate::audit::read::Note>,
}

pub use crate::audit::fold::OutOfOrder;

#[derive(Debug)]
pub struct Session {
    pub id: Arc<str>,
    /// Sorted by time (then file, then line); `seq` is the position. When
    /// the timeline was built from folded reads, only the events a rule
    /// looks at one by one (see [`crate::audit::fold::keep`]); the rest
    /// are in `agg`.
    pub events: Vec<Event>,
    /// Counts, token sums, time windows and anchors over every event.
    /// Shared: the run-wide rules' sessions carry one empty aggregate.
    pub agg: Arc<SessionAgg>,
    pub out_of_order: Option<OutOfOrder>,
}

impl Session {
    pub fn start(&self) -> Option<i64> {
        self.agg.start()
    }
    pub fn end(&self) -> Option<i64> {
        self.agg.end()
    }
}

#[derive(Debug, Default)]
pub struct Timeline {
    pub files: Vec<TelemetryFile>,
    pub sessions: Vec<Session>,
    pub parse_errors: ParseErrors,
}

impl Timeline {
    /// Builds the timeline from reads that kept every event.
    pub fn build(reads: Vec<FileRead>, policy: &AuditPolicy) -> Timeline {
        let mut files = Vec::with_capacity(reads.len());
        let mut merged: BTreeMap<Arc<str>, Vec<Event>> = BTreeMap::new();
        let mut workspaces: BTreeMap<Arc<str>, Workspace> = BTreeMap::new();
        let mut parse_errors = Vec::new();
        for mut read in reads {
            files.push(read.take_file());
            parse_errors.extend(read.errors);
            for (id, ws) in std::mem::take(&mut read.workspaces) {
                workspaces.entry(id).or_insert(ws);
            }
            for (id, mut events) in read.sessions {
                match merged.get_mut(&id) {
                    Some(existing) => {
                        existing.reserve_exact(events.len());
                        existing.append(&mut events);
                    }
                    None => {
                        merged.insert(id, events);
                    }
                }
            }
        }
        let cfg = FoldConfig::new(policy);
        let sessions = merged
            .into_iter()
            .map(|(id, events)| {
                let ws = workspaces.remove(&id);
                session_from_events(id, events, cfg, ws)
            })
            .collect();
        Timeline {
            files,
            sessions,
            parse_errors: parse_errors.into(),
        }
    }

    /// Builds the timeline from folded reads (see `read::read_all_folded`):
    /// `None` when some session cannot be told exactly from them (a
    /// session in several files or parts, an uncertain aggregate), and the
    /// input must be read again keeping every event.
    pub fn build_folded(reads: Vec<FileRead>) -> Option<Timeline> {
        let mut files = Vec::with_capacity(reads.len());
        let mut merged: BTreeMap<Arc<str>, (Vec<Event>, Box<SessionAgg>)> = BTreeMap::new();
        let mut parse_errors = Vec::new();
        for mut read in reads {
            if read.uncertain {
                return None;
            }
            files.push(read.take_file());
            parse_errors.extend(read.errors);
            let mut folded = read.folded?;
            for (id, events) in read.sessions {
                let agg = folded.remove(&id)?;
                if agg.uncertain || merged.contains_key(&id) {
                    return None;
                }
                merged.insert(id, (events, agg));
            }
            if !folded.is_empty() {
                return None;
            }
        }
        let sessions = merged
            .into_iter()
            .map(|(id, (events, agg))| session_from_folded(id, events, agg))
            .collect();
        Some(Timeline {
            files,
            sessions,
            parse_errors: parse_errors.into(),
        })
    }

    /// Every event of every session in time order, with its session index.
    pub fn all_events(&self) -> Vec<(usize, &Event)> {
        let mut all: Vec<(usize, &Event)> = self
            .sessions
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.events.iter().map(move |e| (i, e)))
            .collect();
        all.sort_by_key(|(_, e)| (e.ts, e.file, e.line, e.seq));
        all
    }
}

/// A session as the audit holds it until the rules load it.
#[derive(Debug)]
pub enum SessionSource {
    /// Written to the spill by the folding read.
    Spilled(SpilledSession),
    /// In memory: read again keeping every event, or from a built timeline.
    Whole(Box<Session>),
}

impl SessionSource {
    pub fn id(&self) -> &Arc<str> {
        match self {
            SessionSource::Spilled(s) => &s.id,
            SessionSource::Whole(s) => &s.id,
        }
    }
}

/// What the rules audit, one session at a time: the files, the unreadable
/// lines, and every session by id.
#[derive(Debug, Default)]
pub struct SessionList {
    pub files: Vec<TelemetryFile>,
    pub parse_errors: ParseErrors,
    /// Sorted by id. What stays in memory per session until the rules
    /// load it: about a hundred bytes (its id and where it is spilled).
    pub sessions: Vec<SessionSource>,
    pub spill: Spill,
}

impl SessionList {
    /// Loads a session (a spilled one from `spill`).
    pub fn load_from(spill: &Spill, source: SessionSource) -> std::io::Result<Session> {
        match source {
            SessionSource::Whole(session) => Ok(*session),
            SessionSource::Spilled(spilled) => {
                let (events, agg) = spilled.load(spill)?;
                Ok(session_from_folded(spilled.id, events, agg))
            }
        }
    }

    /// Builds the list from reads that spilled their sessions (see
    /// `read::read_all_spilled`). The sessions folding cannot tell
    /// exactly (an uncertain aggregate, or a session in several files or
    /// parts) are read again keeping every event: `reread` gets the
    /// indices of the files that hold them, in order, and those sessions'
    /// ids, and gives one read of each file keeping those sessions'
    /// events alone. `None` when it did not.
    pub fn build_spilled(
        reads: Vec<FileRead>,
        policy: &AuditPolicy,
        spill: Spill,
        reread: impl FnOnce(&[usize], &HashSet<Arc<str>>) -> Vec<FileRead>,
    ) -> Option<SessionList> {
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let mut again: HashSet<Arc<str>> = HashSet::new();
        for read in &reads {
            for s in &read.spilled {
                *seen.entry(s.id.as_ref()).or_default() += 1;
                if s.uncertain || read.uncertain {
                    again.insert(s.id.clone());
                }
            }
            // Sessions that stayed in memory (not spilled) are read again.
            for id in read.sessions.keys() {
                *seen.entry(id.as_ref()).or_default() += 1;
                again.insert(id.clone());
            }
        }
        for read in &reads {
            for s in &read.spilled {
                if seen.get(s.id.as_ref()).is_some_and(|&n| n > 1) {
                    again.insert(s.id.clone());
                }
            }
        }
        drop(seen);
        let files_again: Vec<usize> = reads
            .iter()
            .enumerate()
            .filter(|(_, read)| {
                read.spilled.iter().any(|s| again.contains(&s.id))
                    || read.sessions.keys().any(|id| again.contains(id))
            })
            .map(|(i, _)| i)
            .collect();
        // The sessions each file read again holds.
        let again_ids: Vec<Vec<Arc<str>>> = files_again
            .iter()
            .map(|&i| {
                let read = &reads[i];
                read.spilled
                    .iter()
                    .map(|s| &s.id)
                    .chain(read.sessions.keys())
                    .filter(|id| again.contains(*id))
                    .cloned()
                    .collect()
            })
            .collect();
        let full = if files_again.is_empty() {
            Vec::new()
        } else {
            reread(&files_again, &again)
        };
        if full.len() != files_again.len() {
            return None;
        }
        let mut files = Vec::with_capacity(reads.len());
        let mut error_chunks = Vec::new();
        let mut leftover_errors = Vec::new();
        let spilled_count = reads.iter().map(|r| r.spilled.len()).sum::<usize>();
        let mut sessions: Vec<SessionSource> = Vec::with_capacity(spilled_count);
        for mut read in reads {
            files.push(read.take_file());
            // Lines the spill could not take stay in memory.
            leftover_errors.append(&mut read.errors);
            error_chunks.append(&mut read.spilled_errors);
            for s in read.spilled {
                if !again.contains(&s.id) {
                    sessions.push(SessionSource::Spilled(s));
                }
            }
        }
        let mut whole: BTreeMap<Arc<str>, Vec<Event>> = BTreeMap::new();
        let mut workspaces: BTreeMap<Arc<str>, Workspace> = BTreeMap::new();
        for (mut read, &i) in full.into_iter().zip(&files_again) {
            for (id, ws) in std::mem::take(&mut read.workspaces) {
                workspaces.entry(id).or_insert(ws);
            }
            // A file that changed or went away between the two reads: its
            // sessions may be short or missing, and the report says so.
            if let (Some(e), Some(file)) = (read.io_error, files.get_mut(i)) {
                file.io_error
                    .get_or_insert(format!("when read a second time: {e}"));
            }
            for (id, mut events) in read.sessions {
                if again.contains(&id) {
                    whole.entry(id).or_default().append(&mut events);
                }
            }
        }
        for (&i, ids) in files_again.iter().zip(&again_ids) {
            let gone: Vec<&str> = ids
                .iter()
                .filter(|id| !whole.contains_key(id.as_ref()))
                .map(|id| id.as_ref())
                .collect();
            if let (false, Some(file)) = (gone.is_empty(), files.get_mut(i)) {
                file.io_error.get_or_insert(format!(
                    "session(s) {} no longer there when the file was read a second time",
                    gone.join(", ")
                ));
            }
        }
        let cfg = FoldConfig::new(policy);
        for (id, events) in whole {
            let ws = workspaces.remove(&id);
            let session = session_from_events(id, events, cfg, ws);
            sessions.push(SessionSource::Whole(Box::new(session)));
        }
        sessions.sort_by(|a, b| a.id().cmp(b.id()));
        Some(SessionList {
            files,
            parse_errors: ParseErrors::spilled(leftover_errors, error_chunks, spill.clone()),
            sessions,
            spill,
        })
    }
}

impl From<Timeline> for SessionList {
    fn from(timeline: Timeline) -> SessionList {
        SessionList {
            files: timeline.files,
            parse_errors: timeline.parse_errors,
            sessions: timeline
                .sessions
                .into_iter()
                .map(|s| SessionSource::Whole(Box::new(s)))
                .collect(),
            spill: Spill::in_memory(),
        }
    }
}

/// A session from all its events (in file order, but for model outputs
/// pushed when their message closed: see `read::claude`). Events with the
/// same key are one: the first kept, a model output with the largest
/// usage of them.
fn session_from_events(
    id: Arc<str>,
    mut events: Vec<Event>,
    cfg: FoldConfig,
    workspace: Option<Workspace>,
) -> Session {
    // File order: by file, line and place on the line.
    events.sort_by_key(|e| (e.file, e.line, e.seq));
    dedupe(&mut events);
    // File order first, to see what was written out of order.
    let mut count = 0;
    let mut first: Option<(u32, u32, i64)> = None;
    for pair in events.windows(2) {
        if pair[0].file == pair[1].file && pair[1].ts < pair[0].ts {
            count += 1;
            if first.is_none() {
                first = Some((pair[1].file, pair[1].line, pair[0].ts));
            }
        }
    }
    events.sort_by_key(|e| (e.ts, e.file, e.line, e.seq));
    let mut agg = Box::new(SessionAgg::new(cfg));
    agg.workspace = workspace;
    for (i, e) in events.iter_mut().enumerate() {
        e.seq = i as u32;
        agg.add(e, i as u32);
    }
    let out_of_order = first.and_then(|(file, line, previous_ts)| {
        events
            .iter()
            .find(|e| e.file == file && e.line == line)
            .map(|e| OutOfOrder {
                anchor: Anchor::of(e),
                previous_ts,
                count,
            })
    });
    Session {
        id,
        events,
        agg: Arc::from(agg),
        out_of_order,
    }
}

/// Keeps the first event of each key (in file order); a model output
/// takes the largest usage of its repeats.
fn dedupe(events: &mut Vec<Event>) {
    if events.iter().all(|e| e.key == 0) {
        return;
    }
    let mut first: HashMap<u64, usize> = HashMap::new();
    let mut drop = vec![false; events.len()];
    for i in 0..events.len() {
        let key = events[i].key;
        if key == 0 {
            continue;
        }
        match first.get(&key) {
            Some(&at) => {
                let (tokens, context) = (events[i].output_tokens, events[i].context_tokens);
                let kept = &mut events[at];
                kept.output_tokens = kept.output_tokens.max(tokens);
                kept.context_tokens = kept.context_tokens.max(context);
                drop[i] = true;
            }
            None => {
                first.insert(key, i);
            }
        }
    }
    let mut at = 0;
    events.retain(|_| {
        at += 1;
        !drop[at - 1]
    });
}

/// A session from a folded read: its kept events and aggregates.
fn session_from_folded(id: Arc<str>, mut events: Vec<Event>, mut agg: Box<SessionAgg>) -> Session {
    events.sort_by_key(|e| (e.ts, e.file, e.line, e.seq));
    for (i, e) in events.iter_mut().enumerate() {
        e.seq = i as u32;
    }
    let out_of_order = agg.out_of_order.take();
    Session {
        id,
        events,
        agg: Arc::from(agg),
        out_of_order,
    }
}
