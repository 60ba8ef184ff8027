//! The post-run audit: read telemetry (any of three formats) into one
//! normalized event stream per session, run the telemetry rules over the
//! timeline, and build the audit report.
//!
//! `read` (per format) --Events--> `timeline` --Timeline--> rules
//! (`crate::rules::telemetry`) --Findings--> `report` --> printers.

pub mod event;
pub mod fold;
pub mod paths;
pub mod policy;
pub mod print;
pub mod read;
pub mod report;
pub mod shell;
pub mod spill;
pub mod store;
pub mod synth;
pub mod tasks;
pub mod time;
pub mod timeline;

use crate::registry::Registered;
use crate::rule::RuleMeta;
use crate::settings::Selection;
use event::Event;
use event::SharedStr;
use policy::AuditPolicy;
use rayon::prelude::*;
use read::{Input, TelemetryFormat};
use report::{AuditReport, AuditRun};
use serde_json::Value;
use spill::{RecordLog, Spill};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use store::FindingStore;
use timeline::{Session, SessionList, SessionSource, Timeline};

/// How one audit runs, besides the policy.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<TelemetryFormat>,
    pub selection: Selection,
    /// The check rules' options and the manifest, for the change-set rules
    /// that also judge the files the telemetry shows written
    /// (config-outside-config-dir, scope-creep). `None`: they do not run.
    pub change_policies: Option<ChangePolicies>,
}

/// What the change-set rules need to judge telemetry writes.
#[derive(Debug, Clone)]
pub struct ChangePolicies {
    pub options: crate::settings::RuleOptions,
    pub manifest: Option<std::sync::Arc<crate::config::manifest::Manifest>>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            format: None,
            selection: Selection::all(),
            change_policies: None,
        }
    }
}

/// Reads the inputs and runs every selected telemetry rule.
pub fn audit(inputs: &[Input], policy: &AuditPolicy, options: &AuditOptions) -> AuditReport {
    run(inputs, policy, options).into_report()
}

/// `audit` without building the report: the findings wait in a
/// [`FindingStore`], the sessions in a spill until the rules load them one
/// at a time, and their summaries in a log until they are printed (what
/// the CLI prints from, so that memory does not follow the number of
/// findings or sessions).
pub fn run(inputs: &[Input], policy: &AuditPolicy, options: &AuditOptions) -> AuditRun {
    let files = read::expand_inputs(inputs);
    // Folding keeps memory flat; standard input, pipes and other streams
    // cannot be read a second time when folding cannot stay exact, so they
    // keep every event.
    let once = files.iter().any(|(_, input)| match input {
        Input::Stdin => true,
        Input::Path(path) => !std::fs::metadata(path).is_ok_and(|m| m.is_file()),
    });
    let spilled = if once {
        None
    } else {
        // Sessions folding cannot tell exactly are read again keeping
        // every event; the others wait in the spill.
        let spill = Spill::new();
        let reads = read::read_all_spilled(&files, policy, options.format, &spill);
        SessionList::build_spilled(reads, policy, spill, |again, only| {
            let some: Vec<(String, Input)> = again
                .iter()
                .filter_map(|&i| files.get(i).cloned())
                .collect();
            let mut reads = read::read_sessions(&some, policy, options.format, only);
            for (read, &i) in reads.iter_mut().zip(again) {
                read.renumber(i as u32);
            }
            reads
        })
    };
    let sessions = spilled.unwrap_or_else(|| {
        Timeline::build(read::read_all(&files, policy, options.format), policy).into()
    });
    run_sessions(sessions, policy, options)
}

/// Runs the selected telemetry rules over a built timeline.
pub fn audit_timeline(
    timeline: Timeline,
    policy: &AuditPolicy,
    options: &AuditOptions,
) -> AuditReport {
    run_timeline(timeline, policy, options).into_report()
}

/// Runs the selected telemetry rules over a built timeline, keeping the
/// findings in a store.
pub fn run_timeline(timeline: Timeline, policy: &AuditPolicy, options: &AuditOptions) -> AuditRun {
    run_sessions(timeline.into(), policy, options)
}

/// The audit the straightforward way: every rule once over the whole
/// timeline, every session in memory. What `run` does one session at a
/// time must report the same; the tests hold it to this.
pub fn audit_whole(
    timeline: Timeline,
    policy: &AuditPolicy,
    options: &AuditOptions,
) -> AuditReport {
    let all: Vec<u32> = (0..timeline.sessions.len() as u32).collect();
    let collector = Mutex::new(Collector::new(&timeline.files));
    let mut position = 0u64;
    for registered in options.selection.rules() {
        if let Registered::Telemetry(rule) = registered {
            let mut cx =
                AuditContext::reporting_to(&timeline, policy, &collector, &all, position, 0);
            rule.check(&mut cx);
            cx.flush();
            position += 1;
        }
    }
    if let Some(policies) = &options.change_policies {
        for registered in options.selection.rules() {
            if let Registered::Change(rule) = registered {
                let mut cx =
                    AuditContext::reporting_to(&timeline, policy, &collector, &all, position, 0);
                cx.change_policies = Some(policies);
                rule.check_telemetry(&mut cx);
                cx.flush();
                position += 1;
            }
        }
    }
    let Collector {
        mut store,
        mut per_session,
        ..
    } = collector
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    store.finish();
    let mut summaries = RecordLog::new();
    let mut problem = None;
    for (i, session) in timeline.sessions.iter().enumerate() {
        let counts = per_session.remove(&(i as u32)).unwrap_or_default();
        let summary = report::session_summary(
            session,
            &timeline.files,
            counts,
            report::tasks_started(session),
        );
        if let Err(e) = summaries.push(&summary) {
            problem.get_or_insert(e);
        }
    }
    if let Err(e) = summaries.finish() {
        problem.get_or_insert(e);
    }
    let starts = tasks::starts(&timeline, &policy.tasks);
    let Timeline {
        files, sessions, ..
    } = timeline;
    AuditRun::new(
        report::RunParts {
            files,
            summaries,
            session_count: sessions.len(),
            later_counts: BTreeMap::new(),
            events: sessions.iter().map(|s| s.agg.count).sum(),
            problem,
        },
        store,
        &starts,
        policy,
        &options.selection,
    )
    .into_report()
}

/// What the rules report into while they run: the store and the counts
/// the session summaries need.
pub struct Collector {
    store: FindingStore,
    /// The rank of each file (the first file of the same name).
    file_rank: Vec<u32>,
    /// (findings, constraint violations) by session index.
    per_session: BTreeMap<u32, (usize, usize)>,
}

impl Collector {
    fn new(files: &[timeline::TelemetryFile]) -> Collector {
        let mut first_of_name: std::collections::HashMap<&str, u32> = Default::default();
        let file_rank = files
            .iter()
            .enumerate()
            .map(|(i, f)| *first_of_name.entry(f.name.as_str()).or_insert(i as u32))
            .collect();
        Collector {
            store: FindingStore::new(),
            file_rank,
            per_session: BTreeMap::new(),
        }
    }

    /// `sessions`: the index of each of `timeline`'s sessions among all.
    fn add(&mut self, timeline: &Timeline, sessions: &[u32], f: &AuditFinding, order: u64) {
        if let Some(id) = f.extra.get("session_id").and_then(Value::as_str) {
            let at = timeline
                .sessions
                .binary_search_by(|s| s.id.as_ref().cmp(id))
                .ok()
                .and_then(|at| sessions.get(at));
            if let Some(&index) = at {
                let entry = self.per_session.entry(index).or_default();
                entry.0 += 1;
                if report::VIOLATION_RULES.contains(&f.rule.id) {
                    entry.1 += 1;
                }
            }
        }
        let file = self
            .file_rank
            .get(f.file as usize)
            .copied()
            .unwrap_or(u32::MAX);
        self.store.push(f, file, order);
    }
}

/// What the run-wide rules need of a session's events, kept from every
/// session while the rest of it is dropped once its rules ran:
/// - the first write to each path (the change-set rules);
/// - priority-drift and file-proximity-batching: the writes that name a
///   manifest task, and of those only the first and the last of each run of
///   one task in a session (the writes between change nothing: same task
///   as the write before, and the next one replaces the previous path),
///   and none after the horizon (below) unless it is its task's first.
///
/// The horizon: once every task that can be pending has been written (with
/// a path: what starts a task for batching), no task can be jumped over any
/// more; so a write later than the latest of those tasks' first writes
/// (known so far: it only moves earlier) tells nothing but, at most, its
/// task's start.
struct Digest<'p> {
    tasks: &'p [policy::AuditTask],
    first_writes: bool,
    seen_paths: HashSet<SharedStr>,
    /// Shares the text of the kept events' strings across sessions.
    interned: HashSet<SharedStr>,
    /// The earliest write of each manifest task so far, (time, line) as
    /// `tasks::starts` tells the earliest...
    task_first: Vec<Option<(i64, u32)>>,
    /// ... and the earliest that file-proximity-batching looks at (with a
    /// path): what starts a task for it.
    task_first_looked: Vec<Option<i64>>,
    horizon: Option<i64>,
    sessions: Vec<Session>,
    /// The index of each of `sessions` among all sessions.
    index: Vec<u32>,
    /// Writes kept, and as many as were kept after the last pruning.
    kept: usize,
    pruned_at: usize,
    /// The aggregate every digest session carries (the run-wide rules
    /// read none).
    empty: std::sync::Arc<fold::SessionAgg>,
}

impl<'p> Digest<'p> {
    fn new(policy: &'p AuditPolicy, first_writes: bool) -> Digest<'p> {
        Digest {
            tasks: &policy.tasks,
            first_writes,
            seen_paths: HashSet::new(),
            interned: HashSet::new(),
            task_first: vec![None; policy.tasks.len()],
            task_first_looked: vec![None; policy.tasks.len()],
            horizon: None,
            sessions: Vec::new(),
            index: Vec::new(),
            kept: 0,
            pruned_at: 0,
            empty: std::sync::Arc::new(fold::SessionAgg::new(fold::FoldConfig::new(policy))),
        }
    }

    fn intern(&mut self, text: &mut Option<SharedStr>) {
        if let Some(t) = text {
            match self.interned.get(t.as_ref()) {
                Some(found) => *t = found.clone(),
                None => {
                    self.interned.insert(t.clone());
                }
            }
        }
    }

    fn keep(&mut self, index: u32, session: Session) {
        let events = session.events;
        let tasks = self.tasks;
        // The manifest task of each write, and whether file-proximity-
        // batching looks at it (a task and a path).
        let task_of: Vec<Option<usize>> = events
            .iter()
            .map(|ev| match (&ev.kind, ev.task.as_deref()) {
                (event::EventKind::Write, Some(id)) => tasks.iter().position(|t| t.id == id),
                _ => None,
            })
            .collect();
        let looked_at = |i: usize| task_of[i].is_some() && events[i].path.is_some();
        // The task of the next write batching looks at, for each event.
        let mut next_task = vec![None; events.len()];
        let mut next = None;
        for i in (0..events.len()).rev() {
            next_task[i] = next;
            if looked_at(i) {
                next = task_of[i];
            }
        }
        let mut kept: Vec<Event> = Vec::new();
        let mut previous_task: Option<usize> = None;
        for (i, mut ev) in events.iter().cloned().enumerate() {
            if ev.kind != event::EventKind::Write {
                continue;
            }
            let mut keep = false;
            if self.first_writes && ev.outside != Some(true) {
                if let Some(path) = &ev.path {
                    if !path.starts_with('/')
                        && !path.starts_with("..")
                        && !self.seen_paths.contains(path.as_ref())
                    {
                        self.seen_paths.insert(path.clone());
                        keep = true;
                    }
                }
            }
            if let Some(ti) = task_of[i] {
                if self.task_first[ti].is_none_or(|t| (ev.ts, ev.line) < t) {
                    self.task_first[ti] = Some((ev.ts, ev.line));
                    keep = true;
                }
                if looked_at(i) {
                    let first = &mut self.task_first_looked[ti];
                    if first.is_none_or(|t| ev.ts < t) {
                        *first = Some(ev.ts);
                    }
                    // The first and the last write of a run of one task.
                    let starts_run = previous_task != Some(ti);
                    let ends_run = next_task[i] != Some(ti);
                    let before_horizon = self.horizon.is_none_or(|h| ev.ts <= h);
                    if before_horizon && (starts_run || ends_run) {
                        keep = true;
                    }
                    previous_task = Some(ti);
                }
            }
            if keep {
                self.intern(&mut ev.path);
                self.intern(&mut ev.task);
                self.intern(&mut ev.tool);
                ev.command = None;
                ev.url = None;
                kept.push(ev);
            }
        }
        self.update_horizon();
        if kept.is_empty() {
            return;
        }
        self.kept += kept.len();
        kept.shrink_to_fit();
        self.sessions.push(Session {
            id: session.id,
            events: kept,
            agg: self.empty.clone(),
            out_of_order: None,
        });
        self.index.push(index);
        if self.kept > 2 * self.pruned_at.max(4096) {
            self.prune();
        }
    }

    fn update_horizon(&mut self) {
        let mut latest = None;
        for (t, first) in self.tasks.iter().zip(&self.task_first_looked) {
            if !tasks::can_be_pending(t) {
                continue;
            }
            match first {
                Some(ts) => latest = latest.max(Some(*ts)),
                None => return,
            }
        }
        self.horizon = latest;
    }

    /// Drops the writes past the horizon that were kept before it moved
    /// earlier (but each task's first write and the first writes of paths).
    fn prune(&mut self) {
        let Some(horizon) = self.horizon else {
            self.pruned_at = self.kept;
            return;
        };
        let firsts: HashSet<(i64, u32, usize)> = self
            .task_first
            .iter()
            .enumerate()
            .filter_map(|(ti, first)| first.map(|(ts, line)| (ts, line, ti)))
            .collect();
        let tasks = self.tasks;
        let seen_first_writes = self.first_writes;
        let mut paths_seen: HashSet<SharedStr> = HashSet::new();
        self.kept = 0;
        for session in &mut self.sessions {
            session.events.retain(|ev| {
                // The first write of a path stays (in session order, the
                // first kept write of it is that write).
                let first_of_path = seen_first_writes
                    && ev.outside != Some(true)
                    && ev.path.as_ref().is_some_and(|p| {
                        !p.starts_with('/') && !p.starts_with("..") && paths_seen.insert(p.clone())
                    });
                let first_of_task = ev
                    .task
                    .as_deref()
                    .and_then(|id| tasks.iter().position(|t| t.id == id))
                    .is_some_and(|ti| firsts.contains(&(ev.ts, ev.line, ti)));
                ev.ts <= horizon || first_of_path || first_of_task
            });
            self.kept += session.events.len();
        }
        let mut at = 0;
        let index = &self.index;
        let mut keep_index = Vec::with_capacity(index.len());
        self.sessions.retain(|s| {
            let keep = !s.events.is_empty();
            if keep {
                keep_index.push(index[at]);
            }
            at += 1;
            keep
        });
        self.index = keep_index;
        self.pruned_at = self.kept;
    }
}

/// Runs the selected telemetry rules: the per-session rules on each
/// session as it is loaded (in id order), then the run-wide rules on what
/// they need of every session (see [`Digest`]).
pub fn run_sessions(list: SessionList, policy: &AuditPolicy, options: &AuditOptions) -> AuditRun {
    let rules: Vec<_> = options
        .selection
        .rules()
        .filter_map(|r| match r {
            Registered::Telemetry(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    let SessionList {
        files,
        parse_errors,
        sessions,
        spill,
    } = list;
    let collector = Mutex::new(Collector::new(&files));
    let mut digest = Digest::new(policy, options.change_policies.is_some());
    let mut summaries = RecordLog::new();
    let mut problem: Option<std::io::Error> = None;
    let mut seqs = vec![0u64; rules.len()];
    let mut events = 0usize;
    let session_count = sessions.len();
    for (i, source) in sessions.into_iter().enumerate() {
        // Events kept only to be reported one by one that the read wrote
        // to the spill apart: judged a chunk at a time below.
        let offloaded = match &source {
            SessionSource::Spilled(s) if !s.event_chunks.is_empty() => Some(s.clone()),
            _ => None,
        };
        let session = match SessionList::load_from(&spill, source) {
            Ok(session) => session,
            Err(e) => {
                problem.get_or_insert(e);
                continue;
            }
        };
        let index = i as u32;
        let mut one = Timeline {
            files: Vec::new(),
            sessions: vec![session],
            parse_errors: read::ParseErrors::default(),
        };
        let mut run_rules = |one: &Timeline, per_event_only: bool| {
            for (pos, rule) in rules.iter().enumerate() {
                if !rule.per_session() || (per_event_only && !rule.per_event()) {
                    continue;
                }
                let mut cx = AuditContext::reporting_to(
                    one,
                    policy,
                    &collector,
                    std::slice::from_ref(&index),
                    pos as u64,
                    seqs[pos],
                );
                rule.check(&mut cx);
                cx.flush();
                if let Some(sink) = &cx.sink {
                    seqs[pos] = sink.seq;
                }
            }
        };
        run_rules(&one, false);
        let Some(session) = one.sessions.pop() else {
            continue;
        };
        if let Some(spilled) = &offloaded {
            for &chunk in &spilled.event_chunks {
                let events = spilled.load_chunk(&spill, chunk).unwrap_or_else(|e| {
                    problem.get_or_insert(e);
                    Vec::new()
                });
                one.sessions = vec![Session {
                    id: session.id.clone(),
                    events,
                    agg: session.agg.clone(),
                    out_of_order: None,
                }];
                run_rules(&one, true);
            }
        }
        let counts = collector
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .per_session
            .remove(&index)
            .unwrap_or_default();
        let tasks_started = report::tasks_started(&session);
        let summary = report::session_summary(&session, &files, counts, tasks_started);
        if let Err(e) = summaries.push(&summary) {
            problem.get_or_insert(e);
        }
        events += session.agg.count;
        digest.keep(index, session);
    }
    drop(spill);
    digest.prune();
    if let Err(e) = summaries.finish() {
        problem.get_or_insert(e);
    }
    // The run-wide rules, on every session's digest.
    let Digest {
        sessions: digest_sessions,
        index: digest_index,
        ..
    } = digest;
    let timeline = Timeline {
        files: Vec::new(),
        sessions: digest_sessions,
        parse_errors,
    };
    rules
        .par_iter()
        .enumerate()
        .filter(|(_, r)| !r.per_session())
        .for_each(|(pos, rule)| {
            let mut cx = AuditContext::reporting_to(
                &timeline,
                policy,
                &collector,
                &digest_index,
                pos as u64,
                0,
            );
            rule.check(&mut cx);
            cx.flush();
        });
    if let Some(policies) = &options.change_policies {
        let change_rules = options.selection.rules().filter_map(|r| match r {
            Registered::Change(rule) => Some(rule),
            _ => None,
        });
        for (i, rule) in change_rules.enumerate() {
            let mut cx = AuditContext::reporting_to(
                &timeline,
                policy,
                &collector,
                &digest_index,
                (rules.len() + i) as u64,
                0,
            );
            cx.change_policies = Some(policies);
            rule.check_telemetry(&mut cx);
            cx.flush();
        }
    }
    let Collector {
        mut store,
        per_session,
        ..
    } = collector
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    store.finish();
    let starts = tasks::starts(&timeline, &policy.tasks);
    AuditRun::new(
        report::RunParts {
            files,
            summaries,
            session_count,
            later_counts: per_session,
            events,
            problem,
        },
        store,
        &starts,
        policy,
        &options.selection,
    )
}

/// A finding as a telemetry rule emits it: anchored at a telemetry line.
#[derive(Debug, Clone)]
pub struct AuditFinding {
    pub rule: &'static RuleMeta,
    pub file: u32,
    pub line: u32,
    pub line_chars: u32,
    pub offset: u64,
    pub message: String,
    pub help: Option<String>,
    pub extra: BTreeMap<String, Value>,
}

impl AuditFinding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn extra(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.extra.insert(key.to_string(), value.into());
        self
    }
}

/// What a telemetry rule sees, and where it reports.
pub struct AuditContext<'a> {
    pub timeline: &'a Timeline,
    pub policy: &'a AuditPolicy,
    /// Set only for change-set rules judging telemetry writes.
    pub change_policies: Option<&'a ChangePolicies>,
    findings: Vec<AuditFinding>,
    /// Where finished findings go as the rule runs (`None`: they stay in
    /// `findings` for `into_findings`).
    sink: Option<Sink<'a>>,
}

struct Sink<'a> {
    collector: &'a Mutex<Collector>,
    /// The index of each of the context's sessions among all sessions.
    sessions: &'a [u32],
    /// The rule's position among the rules run.
    rule: u64,
    /// Findings passed on so far.
    seq: u64,
}

/// Findings a context holds before passing them to its sink.
const SINK_BATCH: usize = 64;

impl<'a> AuditContext<'a> {
    pub fn new(timeline: &'a Timeline, policy: &'a AuditPolicy) -> Self {
        AuditContext {
            timeline,
            policy,
            change_policies: None,
            findings: Vec::new(),
            sink: None,
        }
    }

    /// A context whose findings go to `collector` as the rule reports them;
    /// `sessions`: the index of each of the timeline's sessions among all,
    /// `rule`: the rule's position, `seq`: its findings so far.
    fn reporting_to(
        timeline: &'a Timeline,
        policy: &'a AuditPolicy,
        collector: &'a Mutex<Collector>,
        sessions: &'a [u32],
        rule: u64,
        seq: u64,
    ) -> Self {
        let mut cx = AuditContext::new(timeline, policy);
        cx.sink = Some(Sink {
            collector,
            sessions,
            rule,
            seq,
        });
        cx
    }

    /// Passes the findings reported so far to the sink, if any.
    fn flush(&mut self) {
        let Some(sink) = &mut self.sink else {
            return;
        };
        if self.findings.is_empty() {
            return;
        }
        let mut collector = sink
            .collector
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for f in self.findings.drain(..) {
            collector.add(
                self.timeline,
                sink.sessions,
                &f,
                (sink.rule << 32) | sink.seq,
            );
            sink.seq += 1;
        }
    }

    /// The first write to each workspace-relative path, in time order per
    /// session: what the change-set rules judge in telemetry. Writes outside
    /// the workspace are write-outside-workspace's business.
    pub fn first_writes(&self) -> Vec<(&'a Session, &'a Event, &'a str)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for session in &self.timeline.sessions {
            for event in &session.events {
                if event.kind != event::EventKind::Write || event.outside == Some(true) {
                    continue;
                }
                let Some(path) = event.path.as_deref() else {
                    continue;
                };
                if path.starts_with('/') || path.starts_with("..") {
                    continue;
                }
                if seen.insert(path) {
                    out.push((session, event, path));
                }
            }
        }
        out
    }

    /// A finding anchored at `event`'s line, with `session_id` and
    /// `timestamp` set (and `path` when the event has one).
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        session: &Session,
        event: &Event,
        message: String,
    ) -> &mut AuditFinding {
        self.report_at(rule, session, &fold::Anchor::of(event), message)
    }

    /// `report` at an anchor (an event the timeline may have folded).
    pub fn report_at(
        &mut self,
        rule: &'static RuleMeta,
        session: &Session,
        event: &fold::Anchor,
        message: String,
    ) -> &mut AuditFinding {
        let mut extra = BTreeMap::new();
        extra.insert("session_id".into(), Value::from(session.id.as_ref()));
        extra.insert("timestamp".into(), Value::from(time::format_ms(event.ts)));
        if let Some(path) = &event.path {
            extra.insert("path".into(), Value::from(path.as_ref()));
        }
        self.report_line(
            rule,
            event.file,
            event.line,
            event.line_chars,
            event.offset,
            message,
        )
        .extra
        .append(&mut extra);
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// A finding anchored at a telemetry line.
    pub fn report_line(
        &mut self,
        rule: &'static RuleMeta,
        file: u32,
        line: u32,
        line_chars: u32,
        offset: u64,
        message: String,
    ) -> &mut AuditFinding {
        // The findings before this one are finished (their builder calls
        // are done).
        if self.findings.len() >= SINK_BATCH {
            self.flush();
        }
        self.findings.push(AuditFinding {
            rule,
            file,
            line,
            line_chars,
            offset,
            message,
            help: None,
            extra: BTreeMap::new(),
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    pub fn into_findings(mut self) -> Vec<AuditFinding> {
        std::mem::take(&mut self.findings)
    }
}
