//! The timeline: every session's events in time order, built from what the
//! readers gave, with the files and the unreadable lines kept alongside.

use crate::audit::event::Event;
use crate::audit::fold::{Anchor, FoldConfig, SessionAgg};
use crate::audit::policy::AuditPolicy;
use crate::audit::read::{FileRead, ParseError, TelemetryFormat};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One telemetry file as read.
#[derive(Debug, Clone)]
pub struct TelemetryFile {
    pub name: String,
    pub format: Option<TelemetryFormat>,
    pub lines: u64,
    pub ignored: u64,
    pub io_error: Option<String>,
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
    pub agg: Box<SessionAgg>,
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
    pub parse_errors: Vec<ParseError>,
}

impl Timeline {
    /// Builds the timeline from reads that kept every event.
    pub fn build(reads: Vec<FileRead>, policy: &AuditPolicy) -> Timeline {
        let mut files = Vec::with_capacity(reads.len());
        let mut merged: BTreeMap<Arc<str>, Vec<Event>> = BTreeMap::new();
        let mut parse_errors = Vec::new();
        for mut read in reads {
            files.push(read.take_file());
            parse_errors.extend(read.errors);
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
            .map(|(id, events)| session_from_events(id, events, cfg))
            .collect();
        parse_errors.sort_by_key(|e: &ParseError| (e.file, e.line));
        Timeline {
            files,
            sessions,
            parse_errors,
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
        parse_errors.sort_by_key(|e: &ParseError| (e.file, e.line));
        Some(Timeline {
            files,
            sessions,
            parse_errors,
        })
    }

    /// Builds the timeline from folded reads, one per file (see
    /// `read::read_all_folded`). The files whose sessions cannot be told
    /// exactly from them (see `build_folded`), and the other files of
    /// those sessions, are read again keeping every event: `reread` gets
    /// their indices, in order, and gives one read of each. `None` when it
    /// did not.
    pub fn build_folded_or_reread(
        reads: Vec<FileRead>,
        policy: &AuditPolicy,
        reread: impl FnOnce(&[usize]) -> Vec<FileRead>,
    ) -> Option<Timeline> {
        let mut bad = vec![false; reads.len()];
        let mut files_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, read) in reads.iter().enumerate() {
            let folded = read.folded.as_ref();
            if read.uncertain || folded.is_none_or(|f| f.len() != read.sessions.len()) {
                bad[i] = true;
            }
            for id in read.sessions.keys() {
                files_of.entry(id.as_ref()).or_default().push(i);
                if folded
                    .and_then(|f| f.get(id))
                    .is_none_or(|agg| agg.uncertain)
                {
                    bad[i] = true;
                }
            }
        }
        // A session in several files is read again from all of them; so
        // every session of a file read again is whole in the new reads.
        for files in files_of.values().filter(|f| f.len() > 1) {
            for &i in files {
                bad[i] = true;
            }
        }
        drop(files_of);
        let again: Vec<usize> = (0..reads.len()).filter(|&i| bad[i]).collect();
        let full = if again.is_empty() {
            Vec::new()
        } else {
            reread(&again)
        };
        if full.len() != again.len() {
            return None;
        }
        let mut full = full.into_iter();
        let mut files = Vec::with_capacity(reads.len());
        let mut parse_errors = Vec::new();
        let mut whole: BTreeMap<Arc<str>, Vec<Event>> = BTreeMap::new();
        let mut sessions = Vec::new();
        for (i, folded_read) in reads.into_iter().enumerate() {
            let mut read = if bad[i] { full.next()? } else { folded_read };
            files.push(read.take_file());
            parse_errors.extend(read.errors);
            if bad[i] {
                for (id, mut events) in read.sessions {
                    whole.entry(id).or_default().append(&mut events);
                }
            } else {
                let mut folded = read.folded?;
                for (id, events) in read.sessions {
                    let agg = folded.remove(&id)?;
                    sessions.push(session_from_folded(id, events, agg));
                }
            }
        }
        let cfg = FoldConfig::new(policy);
        sessions.extend(
            whole
                .into_iter()
                .map(|(id, events)| session_from_events(id, events, cfg)),
        );
        sessions.sort_by(|a, b| a.id.cmp(&b.id));
        parse_errors.sort_by_key(|e: &ParseError| (e.file, e.line));
        Some(Timeline {
            files,
            sessions,
            parse_errors,
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

/// A session from all its events (in file order).
fn session_from_events(id: Arc<str>, mut events: Vec<Event>, cfg: FoldConfig) -> Session {
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
    events.sort_by_key(|e| (e.ts, e.file, e.line));
    let mut agg = Box::new(SessionAgg::new(cfg));
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
        agg,
        out_of_order,
    }
}

/// A session from a folded read: its kept events and aggregates.
fn session_from_folded(id: Arc<str>, mut events: Vec<Event>, mut agg: Box<SessionAgg>) -> Session {
    events.sort_by_key(|e| (e.ts, e.file, e.line));
    for (i, e) in events.iter_mut().enumerate() {
        e.seq = i as u32;
    }
    let out_of_order = agg.out_of_order.take();
    Session {
        id,
        events,
        agg,
        out_of_order,
    }
}
