//! Per-session aggregates: what the rules and the report need of the
//! events they do not look at one by one (model outputs, reads, searches,
//! task-list updates, ...), so that the reader can drop those events as it
//! reads them and memory does not follow the number of events.
//!
//! A [`SessionAgg`] is fed every event of a session. Fed in sorted order
//! (`(ts, file, line, position on the line)`) it is exact. Fed in file order
//! (the folding reader) it stays exact under out-of-order lines, except in
//! cases it detects and flags as `uncertain` (a checkpoint or a new session
//! start more than the checkpoint interval before an event already seen, a
//! checkpoint after a model output already seen): then the audit reads the
//! input again keeping every event.

use crate::audit::event::{Event, EventKind, SharedStr};
use crate::audit::policy::AuditPolicy;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};

/// Sort key of an event: time, file, line, position among the line's
/// events.
pub type Key = (i64, u32, u32, u32);

/// Where a finding about an event points, and what it says of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Anchor {
    pub ts: i64,
    pub file: u32,
    pub line: u32,
    pub line_chars: u32,
    pub offset: u64,
    pub path: Option<SharedStr>,
}

impl Anchor {
    pub fn of(ev: &Event) -> Anchor {
        Anchor {
            ts: ev.ts,
            file: ev.file,
            line: ev.line,
            line_chars: ev.line_chars,
            offset: ev.offset,
            path: ev.path.clone(),
        }
    }
}

/// Consecutive writes of one task to one path: the first and last time.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Run {
    first: i64,
    last: i64,
    task: Option<SharedStr>,
    path: Option<SharedStr>,
}

impl Run {
    /// Whether `ev` has the run's task and path.
    fn is_of(&self, ev: &Event) -> bool {
        self.task.as_deref() == ev.task.as_deref() && self.path.as_deref() == ev.path.as_deref()
    }
}

/// What folding needs of the policy.
#[derive(Debug, Clone, Serialize, Deserialize, Copy)]
pub struct FoldConfig {
    /// Pacing window in milliseconds.
    pub window: i64,
    /// Checkpoint interval in milliseconds (`None`: checkpoint-missed off).
    pub interval: Option<i64>,
    /// Pacing: the early peak is the median of this many first windows.
    pub baseline: usize,
    /// Pacing: a window below this fraction of the early peak is a slump.
    pub fraction: f64,
}

impl FoldConfig {
    pub fn new(policy: &AuditPolicy) -> FoldConfig {
        let hours = policy.checkpoint_interval_hours;
        FoldConfig {
            window: (policy.pacing_window_secs.max(1) * 1000) as i64,
            interval: (hours > 0.0 && hours.is_finite()).then_some((hours * 3_600_000.0) as i64),
            baseline: policy.pacing_baseline_windows.max(1),
            fraction: policy.pacing_fraction,
        }
    }
}

/// What pacing-degradation judges of a session (see
/// [`SessionAgg::pacing`]). Sparse: its size follows the session's events,
/// not its span (a session with events in year 0 and in year 9998 has two
/// windows to look at, not 87 million).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pacing {
    /// Start of the first window (aligned to the window length).
    pub start: i64,
    /// Index of the first window (windows since the epoch).
    pub start_index: i64,
    /// The early peak: median tool calls of the first windows.
    pub median: f64,
    /// Windows from the first to the end of the session.
    pub windows: usize,
    /// Runs of slow windows, in order.
    pub slumps: Vec<Slump>,
}

/// A run of windows below the threshold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slump {
    /// First and last position among the session's windows.
    pub first: usize,
    pub last: usize,
    /// Tool calls in the run.
    pub tool_calls: u64,
    /// Output tokens of the model outputs before the run.
    pub tokens_before: u64,
}

/// One pacing window of a session.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Window {
    pub tool_calls: u32,
    /// The position among its line's events of the window's first event
    /// (the rest of its key is in the anchor).
    first_sub: u32,
    /// Output tokens of the model outputs in the window.
    pub tokens: u64,
    /// The window's first event.
    pub first: Option<Anchor>,
}

impl Window {
    fn first_key(&self) -> Option<Key> {
        self.first
            .as_ref()
            .map(|a| (a.ts, a.file, a.line, self.first_sub))
    }
}

/// "The first event later than `d`", tracked as events come.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Query {
    d: i64,
    best: Option<(Key, Anchor)>,
}

/// The first event written before an earlier one, in file order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutOfOrder {
    pub anchor: Anchor,
    pub previous_ts: i64,
    /// How many events were out of order in this session.
    pub count: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAgg {
    cfg: FoldConfig,
    pub count: usize,
    pub by_kind: [usize; 8],
    pub files: BTreeSet<u32>,
    pub first: Option<(Key, Anchor)>,
    pub last: Option<(Key, Anchor)>,
    /// Tool calls per clock hour (index: hours since the epoch); empty
    /// when the pacing windows are the clock hours (the default), which
    /// count the same.
    pub hours: Vec<(i64, u32)>,
    /// Pacing windows (index: windows since the epoch), sorted by index:
    /// a few dozen a session, held by the thousand, so a vector rather
    /// than a tree. Emptied by `done_reading` into `counts`.
    windows: Vec<(i64, Window)>,
    /// After `done_reading`: each window's (index, tool calls, tokens)...
    counts: Vec<(i64, u32, u64)>,
    /// ... and, for the first window of each slump (see `pacing`), the
    /// first event at or after it: all pacing-degradation asks of a
    /// session's anchors.
    slump_anchors: Vec<(i64, Option<Anchor>)>,
    /// Whether `done_reading` ran.
    done: bool,
    pub output_tokens: u64,
    pub max_context: u64,
    pub checkpoints: usize,
    /// Output tokens of the model outputs after the last checkpoint.
    pub since_checkpoint: u64,
    last_checkpoint: Option<Key>,
    last_output: Option<Key>,
    /// The latest model outputs as they came, (key, output tokens): a
    /// checkpoint that arrives after some later outputs (lines a few
    /// milliseconds out of order) still tells the tokens after it.
    recent_outputs: VecDeque<(Key, u64)>,
    /// The latest key among the outputs dropped from `recent_outputs`.
    dropped_output: Option<Key>,
    max_ts: i64,
    start_query: Option<Query>,
    /// Sorted by `d`.
    checkpoint_queries: Vec<Query>,
    previous: Option<(u32, i64)>,
    pub out_of_order: Option<OutOfOrder>,
    /// Something order-dependent could not be told exactly (see the module).
    pub uncertain: bool,
    max_write_ts: i64,
    /// The run the session's latest write belongs to (see
    /// `repeats_last_write`), and whether it dropped repeats.
    run: Option<(Run, bool)>,
    /// Earlier runs that dropped repeats, in time order.
    runs: Vec<Run>,
    /// Writes not kept because they repeat the write before them.
    pub collapsed_writes: u64,
    /// A token sum reached `u64::MAX` and stopped there.
    pub saturated: bool,
    /// The workspace its paths were judged against, and where it came
    /// from (set by the reader).
    pub workspace: Option<Workspace>,
}

/// The workspace of a session: the folder writes must stay in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub path: String,
    pub from: WorkspaceFrom,
}

/// Where a session's workspace came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WorkspaceFrom {
    /// `--workspace` or `environment.workspace`.
    Configuration,
    /// Claude Code: the session's first `cwd`.
    FirstCwd,
    /// Claude Code: the folder of the session's first `cwd` that its
    /// project folder's name (`~/.claude/projects/<encoded>/`) encodes.
    ProjectFolder,
    /// Codex: the `cwd` of the rollout's `session_meta`.
    SessionMeta,
    /// Codex without a `session_meta`: the first `turn_context`'s `cwd`.
    FirstTurnContext,
}

impl WorkspaceFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkspaceFrom::Configuration => "configuration",
            WorkspaceFrom::FirstCwd => "first cwd",
            WorkspaceFrom::ProjectFolder => "project folder",
            WorkspaceFrom::SessionMeta => "session_meta cwd",
            WorkspaceFrom::FirstTurnContext => "first turn_context cwd",
        }
    }
}

/// `*sum += add`, stopping at `u64::MAX` (and saying so in `saturated`).
fn add_saturating(sum: &mut u64, add: u64, saturated: &mut bool) {
    match sum.checked_add(add) {
        Some(v) => *sum = v,
        None => {
            *sum = u64::MAX;
            *saturated = true;
        }
    }
}

const HOUR_MS: i64 = 3_600_000;

/// How many of the latest model outputs a session keeps (see
/// `SessionAgg::recent_outputs`).
const RECENT_OUTPUTS: usize = 16;

/// The value at `index` of a vector sorted by index, inserted (default)
/// when missing. Events come mostly in time order: the last slot first.
fn slot<T: Default>(v: &mut Vec<(i64, T)>, index: i64) -> &mut T {
    let at = match v.last() {
        Some((last, _)) if *last == index => v.len() - 1,
        Some((last, _)) if *last < index => {
            v.push((index, T::default()));
            v.len() - 1
        }
        None => {
            v.push((index, T::default()));
            0
        }
        _ => match v.binary_search_by_key(&index, |(i, _)| *i) {
            Ok(at) => at,
            Err(at) => {
                v.insert(at, (index, T::default()));
                at
            }
        },
    };
    &mut v[at].1
}

fn kind_index(kind: EventKind) -> usize {
    EventKind::ALL.iter().position(|&k| k == kind).unwrap_or(7)
}

impl SessionAgg {
    pub fn new(cfg: FoldConfig) -> SessionAgg {
        SessionAgg {
            cfg,
            count: 0,
            by_kind: [0; 8],
            files: BTreeSet::new(),
            first: None,
            last: None,
            hours: Vec::new(),
            windows: Vec::new(),
            counts: Vec::new(),
            slump_anchors: Vec::new(),
            done: false,
            output_tokens: 0,
            max_context: 0,
            checkpoints: 0,
            since_checkpoint: 0,
            last_checkpoint: None,
            last_output: None,
            recent_outputs: VecDeque::new(),
            dropped_output: None,
            max_ts: i64::MIN,
            start_query: None,
            checkpoint_queries: Vec::new(),
            previous: None,
            out_of_order: None,
            uncertain: false,
            max_write_ts: i64::MIN,
            run: None,
            runs: Vec::new(),
            collapsed_writes: 0,
            saturated: false,
            workspace: None,
        }
    }

    /// Whether a write repeats the session's previous write in time (same
    /// task, same path, inside the workspace), so that dropping it changes
    /// nothing a rule reports: task starts and the first write to each path
    /// are the first of the run, file-proximity-batching compares a write
    /// with its session's previous one (which has the same task and path),
    /// and write-outside-workspace's writes are all kept. A write that
    /// arrives out of time order is kept; if it falls inside a run whose
    /// repeats were dropped, the order there is unknown and the aggregate
    /// turns uncertain.
    pub fn repeats_last_write(&mut self, ev: &Event) -> bool {
        if ev.ts < self.max_write_ts {
            // Landing inside a run of its own task and path changes nothing.
            let breaks = |r: &Run| r.first <= ev.ts && ev.ts <= r.last && !r.is_of(ev);
            let at = self.runs.partition_point(|r| r.first <= ev.ts);
            let in_old_run = at > 0 && breaks(&self.runs[at - 1]);
            let in_current = matches!(&self.run, Some((r, true)) if breaks(r));
            if in_old_run || in_current {
                self.uncertain = true;
            }
            return false;
        }
        self.max_write_ts = ev.ts;
        let repeat =
            ev.outside != Some(true) && self.run.as_ref().is_some_and(|(r, _)| r.is_of(ev));
        match &mut self.run {
            Some((run, dropped)) if repeat => {
                run.last = ev.ts;
                *dropped = true;
                self.collapsed_writes += 1;
            }
            _ => {
                if let Some((run, true)) = self.run.take() {
                    self.runs.push(run);
                }
                let run = Run {
                    first: ev.ts,
                    last: ev.ts,
                    task: ev.task.clone(),
                    path: ev.path.clone(),
                };
                self.run = Some((run, false));
            }
        }
        repeat
    }

    /// Adds one event; `sub` is its position among its line's events.
    pub fn add(&mut self, ev: &Event, sub: u32) {
        self.check_order(ev);
        self.add_in_order(ev, sub);
    }

    /// The out-of-order check of `add` alone: for an event whose line was
    /// read before the event could be added (a model output whose later
    /// lines may still raise its usage), run when its line is read.
    pub fn check_order(&mut self, ev: &Event) {
        // Written out of order (file order, within one file).
        if let Some((file, ts)) = self.previous {
            if file == ev.file && ev.ts < ts {
                match &mut self.out_of_order {
                    Some(o) => o.count += 1,
                    None => {
                        self.out_of_order = Some(OutOfOrder {
                            anchor: Anchor::of(ev),
                            previous_ts: ts,
                            count: 1,
                        })
                    }
                }
            }
        }
        self.previous = Some((ev.file, ev.ts));
    }

    /// `add` without the out-of-order check (see `check_order`).
    pub fn add_in_order(&mut self, ev: &Event, sub: u32) {
        let key: Key = (ev.ts, ev.file, ev.line, sub);
        self.count += 1;
        self.by_kind[kind_index(ev.kind)] += 1;
        self.files.insert(ev.file);
        // Queries first: an event never answers the one it opens.
        if let Some(q) = &mut self.start_query {
            if ev.ts > q.d && q.best.as_ref().is_none_or(|(b, _)| key < *b) {
                q.best = Some((key, Anchor::of(ev)));
            }
        }
        let n = self.checkpoint_queries.partition_point(|q| q.d < ev.ts);
        for q in self.checkpoint_queries[..n].iter_mut().rev() {
            if q.best.as_ref().is_none_or(|(b, _)| key < *b) {
                q.best = Some((key, Anchor::of(ev)));
            } else {
                // Earlier queries have an answer at least as early.
                break;
            }
        }
        let new_first = self.first.as_ref().is_none_or(|(f, _)| key < *f);
        if new_first {
            if let Some(interval) = self.cfg.interval {
                let starts_earlier = self.first.as_ref().is_none_or(|(f, _)| ev.ts < f.0);
                if starts_earlier {
                    let d = ev.ts.saturating_add(interval);
                    if self.max_ts > d {
                        self.uncertain = true;
                    }
                    self.start_query = Some(Query { d, best: None });
                }
            }
            self.first = Some((key, Anchor::of(ev)));
        }
        if self.last.as_ref().is_none_or(|(l, _)| key > *l) {
            self.last = Some((key, Anchor::of(ev)));
        }
        let tool_call = ev.kind.is_tool_call();
        if tool_call && self.cfg.window != HOUR_MS {
            *slot(&mut self.hours, ev.ts.div_euclid(HOUR_MS)) += 1;
        }
        let w = slot(&mut self.windows, ev.ts.div_euclid(self.cfg.window));
        if tool_call {
            w.tool_calls += 1;
        }
        if w.first_key().is_none_or(|f| key < f) {
            w.first = Some(Anchor::of(ev));
            w.first_sub = sub;
        }
        match ev.kind {
            EventKind::ModelOutput => {
                add_saturating(&mut w.tokens, ev.output_tokens, &mut self.saturated);
                add_saturating(
                    &mut self.output_tokens,
                    ev.output_tokens,
                    &mut self.saturated,
                );
                self.max_context = self.max_context.max(ev.context_tokens);
                if self.last_checkpoint.is_none_or(|c| key > c) {
                    add_saturating(
                        &mut self.since_checkpoint,
                        ev.output_tokens,
                        &mut self.saturated,
                    );
                }
                if self.last_output.is_none_or(|o| key > o) {
                    self.last_output = Some(key);
                }
                if self.recent_outputs.len() == RECENT_OUTPUTS {
                    if let Some((old, _)) = self.recent_outputs.pop_front() {
                        self.dropped_output = self.dropped_output.max(Some(old));
                    }
                }
                self.recent_outputs.push_back((key, ev.output_tokens));
            }
            EventKind::Checkpoint => {
                self.checkpoints += 1;
                if self.last_checkpoint.is_none_or(|c| key > c) {
                    self.since_checkpoint = 0;
                    if self.last_output.is_some_and(|o| o > key) {
                        // Outputs later than the checkpoint came first: they
                        // count after it, exactly when all are still recent.
                        if self.dropped_output.is_some_and(|d| d > key) {
                            self.uncertain = true;
                        }
                        let mut since = 0;
                        for (_, tokens) in self.recent_outputs.iter().filter(|(k, _)| *k > key) {
                            add_saturating(&mut since, *tokens, &mut self.saturated);
                        }
                        self.since_checkpoint = since;
                    }
                    self.last_checkpoint = Some(key);
                }
                if let Some(interval) = self.cfg.interval {
                    let d = ev.ts.saturating_add(interval);
                    if self.max_ts > d {
                        self.uncertain = true;
                    }
                    let at = self.checkpoint_queries.partition_point(|q| q.d <= d);
                    self.checkpoint_queries.insert(at, Query { d, best: None });
                }
            }
            _ => {}
        }
        self.max_ts = self.max_ts.max(ev.ts);
    }

    /// Frees what only reading needs (the write runs) and growth slack:
    /// the aggregate is kept, by the thousand, until the report is
    /// printed.
    ///
    /// The session must be whole (a folded read checks that it is, else
    /// reads again in full): the windows' anchors are dropped but for the
    /// first windows of the slumps, which only a whole session tells.
    pub fn done_reading(&mut self) {
        if self.done {
            return;
        }
        self.run = None;
        self.runs = Vec::new();
        self.recent_outputs = VecDeque::new();
        self.hours.shrink_to_fit();
        self.checkpoint_queries.shrink_to_fit();
        let mut slump_anchors = Vec::new();
        if let Some(p) = self.pacing(self.cfg.baseline, self.cfg.fraction) {
            slump_anchors.reserve_exact(p.slumps.len());
            for slump in &p.slumps {
                let index = p.start_index + slump.first as i64;
                slump_anchors.push((index, self.first_from_window(index).cloned()));
            }
        }
        self.counts = self
            .windows
            .iter()
            .map(|(i, w)| (*i, w.tool_calls, w.tokens))
            .collect();
        self.windows = Vec::new();
        self.slump_anchors = slump_anchors;
        self.done = true;
    }

    /// Every window with an event, in order: (index, tool calls, tokens).
    fn window_counts(&self) -> Box<dyn Iterator<Item = (i64, u32, u64)> + '_> {
        if self.done {
            Box::new(self.counts.iter().copied())
        } else {
            Box::new(
                self.windows
                    .iter()
                    .map(|(i, w)| (*i, w.tool_calls, w.tokens)),
            )
        }
    }

    /// Tool calls per pacing window from the session's start to its end,
    /// the early peak (median of the first `baseline` windows) and the
    /// slumps: runs of windows below `fraction` of it after the first
    /// `baseline` windows. `None` when the session has no more than
    /// `baseline` windows or no early activity. Linear in the windows that
    /// hold an event, whatever the span.
    pub fn pacing(&self, baseline: usize, fraction: f64) -> Option<Pacing> {
        let window = self.cfg.window;
        let baseline = baseline.max(1);
        let (first, end) = (self.start()?, self.end()?);
        // Windows aligned to the clock (whole hours for the default).
        let start = first - first.rem_euclid(window);
        let span = end.saturating_sub(start);
        let full = span / window;
        let tail = span % window;
        let n = usize::try_from(full)
            .unwrap_or(usize::MAX)
            .saturating_add(usize::from(tail.saturating_mul(2) >= window));
        if n <= baseline {
            return None;
        }
        let start_index = start.div_euclid(window);
        // Position of window `index` among the session's windows.
        let position = |index: i64| usize::try_from(index - start_index).unwrap_or(usize::MAX);
        // The early windows: those with events, the others count zero.
        let mut early: Vec<u32> = self
            .window_counts()
            .take_while(|(i, _, _)| position(*i) < baseline)
            .map(|(_, calls, _)| calls)
            .collect();
        early.sort_unstable();
        // The early windows in order: the empty ones (zero) first.
        let zeros = baseline - early.len();
        let rank = |r: usize| -> f64 {
            if r < zeros {
                0.0
            } else {
                early.get(r - zeros).copied().unwrap_or(0) as f64
            }
        };
        let median = if baseline % 2 == 1 {
            rank(baseline / 2)
        } else {
            (rank(baseline / 2 - 1) + rank(baseline / 2)) / 2.0
        };
        if median <= 0.0 {
            return None;
        }
        let threshold = median * fraction;
        let mut slumps = Vec::new();
        if threshold > 0.0 {
            // Slumps are the runs between windows at or above the
            // threshold (an empty window is below it).
            let mut run_start = baseline;
            let mut run_calls = 0u64;
            let mut tokens = 0u64;
            let mut tokens_at_run = 0u64;
            let mut saturated = false;
            for (index, calls, window_tokens) in self.window_counts() {
                let at = position(index);
                if at >= n {
                    break;
                }
                if at >= baseline {
                    if (calls as f64) >= threshold {
                        if at > run_start {
                            slumps.push(Slump {
                                first: run_start,
                                last: at - 1,
                                tool_calls: run_calls,
                                tokens_before: tokens_at_run,
                            });
                        }
                        run_start = at + 1;
                        run_calls = 0;
                    } else {
                        run_calls += calls as u64;
                    }
                }
                add_saturating(&mut tokens, window_tokens, &mut saturated);
                if at < run_start {
                    tokens_at_run = tokens;
                }
            }
            if run_start < n {
                slumps.push(Slump {
                    first: run_start,
                    last: n - 1,
                    tool_calls: run_calls,
                    tokens_before: tokens_at_run,
                });
            }
        }
        Some(Pacing {
            start,
            start_index,
            median,
            windows: n,
            slumps,
        })
    }

    /// Tool calls of each of `len` windows from window `index` (dense: for
    /// short stretches).
    pub fn window_tool_calls(&self, index: i64, len: usize) -> Vec<u32> {
        let mut out = vec![0; len];
        for (i, calls, _) in self.window_counts() {
            if i < index {
                continue;
            }
            match usize::try_from(i - index).ok().filter(|&at| at < len) {
                Some(at) => out[at] = calls,
                None => break,
            }
        }
        out
    }

    /// Tool calls per clock hour, for the hours that have some: (hours
    /// since the epoch, tool calls).
    pub fn active_hours(&self) -> Vec<(i64, u32)> {
        if self.cfg.window == HOUR_MS {
            return self
                .window_counts()
                .filter(|(_, calls, _)| *calls > 0)
                .map(|(i, calls, _)| (i, calls))
                .collect();
        }
        self.hours.iter().copied().filter(|(_, n)| *n > 0).collect()
    }

    /// Moves every line number by `base` (parts of a split file).
    pub fn shift_lines(&mut self, base: u32) {
        let shift = |slot: &mut Option<(Key, Anchor)>| {
            if let Some((k, a)) = slot {
                k.2 += base;
                a.line += base;
            }
        };
        shift(&mut self.first);
        shift(&mut self.last);
        for (_, w) in &mut self.windows {
            if let Some(a) = &mut w.first {
                a.line += base;
            }
        }
        for (_, a) in &mut self.slump_anchors {
            if let Some(a) = a {
                a.line += base;
            }
        }
        if let Some(q) = &mut self.start_query {
            shift(&mut q.best);
        }
        for q in &mut self.checkpoint_queries {
            shift(&mut q.best);
        }
        for k in [
            &mut self.last_checkpoint,
            &mut self.last_output,
            &mut self.dropped_output,
        ]
        .into_iter()
        .flatten()
        {
            k.2 += base;
        }
        for (k, _) in &mut self.recent_outputs {
            k.2 += base;
        }
        if let Some(o) = &mut self.out_of_order {
            o.anchor.line += base;
        }
    }

    pub fn start(&self) -> Option<i64> {
        self.first.as_ref().map(|(k, _)| k.0)
    }

    pub fn end(&self) -> Option<i64> {
        self.last.as_ref().map(|(k, _)| k.0)
    }

    pub fn first_anchor(&self) -> Option<&Anchor> {
        self.first.as_ref().map(|(_, a)| a)
    }

    pub fn last_anchor(&self) -> Option<&Anchor> {
        self.last.as_ref().map(|(_, a)| a)
    }

    pub fn kind_count(&self, kind: EventKind) -> usize {
        self.by_kind[kind_index(kind)]
    }

    /// The first event later than `from + interval`, where `from` is the
    /// session's start or one of its checkpoints (what checkpoint-missed
    /// asks); `None` when there is none or `from` is neither.
    pub fn first_after_due(&self, from: i64) -> Option<&Anchor> {
        let interval = self.cfg.interval?;
        let d = from.saturating_add(interval);
        if let Some(q) = &self.start_query {
            if q.d == d {
                return q.best.as_ref().map(|(_, a)| a);
            }
        }
        let at = self.checkpoint_queries.partition_point(|q| q.d < d);
        match self.checkpoint_queries.get(at) {
            Some(q) if q.d == d => q.best.as_ref().map(|(_, a)| a),
            _ => None,
        }
    }

    /// The first event at or after the start of window `index` (after
    /// `done_reading`: only for the first window of a slump).
    pub fn first_from_window(&self, index: i64) -> Option<&Anchor> {
        if self.done {
            return self
                .slump_anchors
                .binary_search_by_key(&index, |(i, _)| *i)
                .ok()
                .and_then(|at| self.slump_anchors[at].1.as_ref());
        }
        let at = self.windows.partition_point(|(i, _)| *i < index);
        self.windows[at..]
            .iter()
            .find_map(|(_, w)| w.first.as_ref())
    }

    /// Tool calls of window `index`.
    pub fn tool_calls_in_window(&self, index: i64) -> u32 {
        if self.done {
            return self
                .counts
                .binary_search_by_key(&index, |(i, _, _)| *i)
                .map_or(0, |at| self.counts[at].1);
        }
        self.windows
            .binary_search_by_key(&index, |(i, _)| *i)
            .map_or(0, |at| self.windows[at].1.tool_calls)
    }

    /// Tool calls of clock hour `index` (hours since the epoch).
    pub fn tool_calls_in_hour(&self, index: i64) -> u32 {
        if self.cfg.window == HOUR_MS {
            return self.tool_calls_in_window(index);
        }
        self.hours
            .binary_search_by_key(&index, |(i, _)| *i)
            .map_or(0, |at| self.hours[at].1)
    }

    pub fn window_ms(&self) -> i64 {
        self.cfg.window
    }
}

/// Whether a rule may look at this event on its own (else only the
/// aggregates of its session are kept): writes, checkpoints, model outputs
/// above the token limit, and the events unsafe-shell or network-egress
/// report.
/// Tool names network-egress takes as a web search (reaching a search
/// engine whatever their arguments).
pub fn is_web_search_tool(tool: &str) -> bool {
    [
        "websearch",
        "web_search",
        "web_search_call",
        "google_web_search",
    ]
    .iter()
    .any(|t| tool.eq_ignore_ascii_case(t))
}

pub fn keep(ev: &Event, policy: &AuditPolicy) -> bool {
    use crate::rules::telemetry::{network_egress, unsafe_shell};
    match ev.kind {
        EventKind::Write | EventKind::Checkpoint => true,
        EventKind::ModelOutput => policy
            .context_window_limit
            .is_some_and(|limit| ev.output_tokens > limit),
        _ => unsafe_shell::reports(ev, policy) || network_egress::reports(ev, policy),
    }
}
