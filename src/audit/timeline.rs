//! The timeline: every session's events in time order, built from what the
//! readers gave, with the files and the unreadable lines kept alongside.

use crate::audit::event::Event;
use crate::audit::read::{FileRead, ParseError, TelemetryFormat};
use std::collections::BTreeMap;
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

/// The first event written before an earlier one, in file order.
#[derive(Debug, Clone, Copy)]
pub struct OutOfOrder {
    /// Index of the event (in `Session::events`, after sorting).
    pub event: usize,
    pub previous_ts: i64,
    /// How many events were out of order in this session.
    pub count: usize,
}

#[derive(Debug)]
pub struct Session {
    pub id: Arc<str>,
    /// Sorted by time (then file, then line); `seq` is the position.
    pub events: Vec<Event>,
    pub out_of_order: Option<OutOfOrder>,
}

impl Session {
    pub fn start(&self) -> Option<i64> {
        self.events.first().map(|e| e.ts)
    }
    pub fn end(&self) -> Option<i64> {
        self.events.last().map(|e| e.ts)
    }
}

#[derive(Debug, Default)]
pub struct Timeline {
    pub files: Vec<TelemetryFile>,
    pub sessions: Vec<Session>,
    pub parse_errors: Vec<ParseError>,
}

impl Timeline {
    pub fn build(reads: Vec<FileRead>) -> Timeline {
        let mut files = Vec::with_capacity(reads.len());
        let mut merged: BTreeMap<Arc<str>, Vec<Event>> = BTreeMap::new();
        let mut parse_errors = Vec::new();
        for read in reads {
            files.push(TelemetryFile {
                name: read.name,
                format: read.format,
                lines: read.lines,
                ignored: read.ignored,
                io_error: read.io_error,
            });
            parse_errors.extend(read.errors);
            for (id, mut events) in read.sessions {
                match merged.get_mut(&id) {
                    Some(existing) => existing.append(&mut events),
                    None => {
                        merged.insert(id, events);
                    }
                }
            }
        }
        let sessions = merged
            .into_iter()
            .map(|(id, mut events)| {
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
                for (i, e) in events.iter_mut().enumerate() {
                    e.seq = i as u32;
                }
                let out_of_order = first.and_then(|(file, line, previous_ts)| {
                    events
                        .iter()
                        .position(|e| e.file == file && e.line == line)
                        .map(|event| OutOfOrder {
                            event,
                            previous_ts,
                            count,
                        })
                });
                Session {
                    id,
                    events,
                    out_of_order,
                }
            })
            .collect();
        parse_errors.sort_by_key(|e: &ParseError| (e.file, e.line));
        Timeline {
            files,
            sessions,
            parse_errors,
        }
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
