//! The audit report: findings, one summary per session and the run's
//! totals. Built once; printers only format it.

use crate::audit::event::EventKind;
use crate::audit::policy::AuditPolicy;
use crate::audit::spill::RecordLog;
use crate::audit::store::FindingStore;
use crate::audit::tasks;
use crate::audit::time::format_ms;
use crate::audit::timeline::{Session, TelemetryFile};
use crate::finding::{Finding, Position, Severity};
use crate::settings::Selection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Rules whose findings count as constraint violations in summaries.
pub const VIOLATION_RULES: [&str; 3] =
    ["unsafe-shell", "network-egress", "write-outside-workspace"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: String,
    pub files: Vec<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_secs: f64,
    pub events: usize,
    #[serde(deserialize_with = "by_kind_from_names")]
    pub by_kind: BTreeMap<&'static str, usize>,
    pub reads: usize,
    pub writes: usize,
    pub shell: usize,
    /// Tool calls per clock hour (UTC), from the hour the session started;
    /// empty when the session spans more than `MAX_DENSE_HOURS` hours (then
    /// `active_hours` lists the hours that have some).
    pub activity_per_hour: Vec<u32>,
    /// For a session spanning more than `MAX_DENSE_HOURS` hours: each hour
    /// with tool calls, `[start of the hour, tool calls]`.
    pub active_hours: Option<Vec<(String, u32)>>,
    pub output_tokens: u64,
    /// Output tokens generated since the last checkpoint (or the start).
    pub tokens_since_checkpoint: u64,
    /// The largest context size (input + cached) of one request.
    pub max_context_tokens: u64,
    pub checkpoints: usize,
    /// A token sum reached 2^64 - 1 and stopped there (the figures are a
    /// floor).
    pub token_sums_saturated: bool,
    /// The folder writes were judged against, and where it came from
    /// (`configuration`: `--workspace` or `environment.workspace`; `first
    /// cwd`, `project folder`: a Claude Code session's first working
    /// directory, or the folder of it its project folder's name encodes;
    /// `session_meta cwd`: a Codex rollout's).
    pub workspace: Option<String>,
    pub workspace_from: Option<String>,
    /// Manifest tasks in the order of their first writes in this session.
    pub tasks_started: Vec<String>,
    pub constraint_violations: usize,
    pub findings: usize,
}

// No `skip_serializing_if` above: summaries wait in a postcard log, which
// reads fields by position.

/// `by_kind` read back (summaries wait in a spill): its keys are the
/// event kinds' names.
fn by_kind_from_names<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<&'static str, usize>, D::Error> {
    let named = BTreeMap::<String, usize>::deserialize(deserializer)?;
    named
        .into_iter()
        .map(|(name, n)| {
            EventKind::ALL
                .iter()
                .find(|k| k.as_str() == name)
                .map(|k| (k.as_str(), n))
                .ok_or_else(|| serde::de::Error::custom(format!("unknown event kind `{name}`")))
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub format: Option<&'static str>,
    pub lines: u64,
    pub ignored_lines: u64,
    pub malformed_lines: usize,
    /// `ignored_lines` by line type (`user`, `progress`,
    /// `response_item/reasoning`, ...).
    pub ignored_by_type: BTreeMap<String, u64>,
    /// What reading noticed besides unreadable lines: calls whose
    /// arguments it could not read, repeated history, ...
    pub notes: Vec<crate::audit::read::Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditSummary {
    pub files: usize,
    pub lines: u64,
    pub events: usize,
    /// Lines that are not JSON or not in a known shape (each is a
    /// `telemetry-parse-error` finding when that rule is selected).
    pub malformed_lines: usize,
    /// Lines of a known shape that carry nothing the audit uses.
    pub ignored_lines: u64,
    pub unreadable_files: usize,
    pub findings: usize,
    pub by_rule: BTreeMap<String, usize>,
    pub tasks_in_manifest: usize,
    pub tasks_started: usize,
    /// Started tasks that no higher-priority pending task preceded.
    pub tasks_started_in_order: usize,
    /// `tasks_started / tasks_in_manifest`.
    pub task_start_rate: Option<f64>,
    /// Kendall tau-b between manifest priority and observed start order
    /// (1: manifest order, -1: reversed).
    pub priority_order_tau: Option<f64>,
    /// Started tasks in observed order.
    pub task_order: Vec<String>,
}

#[derive(Debug, Default)]
pub struct AuditReport {
    pub findings: Vec<Finding>,
    pub sessions: Vec<SessionSummary>,
    pub files: Vec<FileSummary>,
    pub summary: AuditSummary,
}

impl AuditReport {
    /// Exit code 1 when a finding is at or above `threshold`, or a file
    /// could not be read; else 0.
    pub fn exit_code(&self, threshold: Severity) -> i32 {
        let found = self.findings.iter().any(|f| f.severity >= threshold);
        i32::from(found || self.summary.unreadable_files > 0)
    }
}

/// An audit that ran, before its report is built: the findings wait in a
/// store (sorted), the session summaries in a log, in session order.
/// Printers read it through [`AuditOutput`] as they read an
/// [`AuditReport`].
///
/// [`AuditOutput`]: crate::audit::print::AuditOutput
#[derive(Debug)]
pub struct AuditRun {
    telemetry_files: Vec<TelemetryFile>,
    summaries: RecordLog,
    session_count: usize,
    /// Findings the run-wide rules reported, (findings, constraint
    /// violations) by session index: added to the summaries as they are
    /// read.
    later_counts: BTreeMap<u32, (usize, usize)>,
    /// A session that could not be loaded from the spill or its summary
    /// not written (the temporary file failed): reported by the printers.
    problem: Option<String>,
    findings: FindingStore,
    /// The severity each rule reports at.
    severities: BTreeMap<&'static str, Severity>,
    /// The distinct rules of the findings, in the order they first appear.
    finding_rules: Vec<&'static str>,
    pub files: Vec<FileSummary>,
    pub summary: AuditSummary,
}

/// What running the rules gave besides the findings.
pub struct RunParts {
    pub files: Vec<TelemetryFile>,
    pub summaries: RecordLog,
    pub session_count: usize,
    pub later_counts: BTreeMap<u32, (usize, usize)>,
    /// Events of every session.
    pub events: usize,
    pub problem: Option<std::io::Error>,
}

impl AuditRun {
    pub fn new(
        parts: RunParts,
        findings: FindingStore,
        starts: &[tasks::TaskStart],
        policy: &AuditPolicy,
        selection: &Selection,
    ) -> AuditRun {
        let RunParts {
            files: telemetry_files,
            summaries,
            session_count,
            later_counts,
            events,
            problem,
        } = parts;
        let files: Vec<FileSummary> = telemetry_files
            .iter()
            .map(|f| FileSummary {
                file: f.name.clone(),
                format: f.format.map(|f| f.as_str()),
                lines: f.lines,
                ignored_lines: f.ignored,
                malformed_lines: f.malformed as usize,
                ignored_by_type: f.ignored_by_type.clone(),
                notes: f.notes.clone(),
                error: f.io_error.clone(),
            })
            .collect();
        let mut in_order = 0;
        for (i, start) in starts.iter().enumerate() {
            let me = &policy.tasks[start.task];
            let started: BTreeSet<usize> = starts[..i].iter().map(|s| s.task).collect();
            let jumped = policy.tasks.iter().enumerate().any(|(ti, t)| {
                t.priority < me.priority && tasks::can_be_pending(t) && !started.contains(&ti)
            });
            if !jumped {
                in_order += 1;
            }
        }
        let pairs: Vec<(f64, f64)> = starts
            .iter()
            .map(|s| (policy.tasks[s.task].priority as f64, s.ts as f64))
            .collect();
        let mut by_rule = BTreeMap::new();
        let mut severities = BTreeMap::new();
        let mut finding_rules = Vec::new();
        for (id, found) in findings.rules() {
            by_rule.insert(id.to_string(), found.count);
            severities.insert(
                id,
                selection
                    .severity(id)
                    .unwrap_or(found.rule.default_severity),
            );
            finding_rules.push(id);
        }
        let summary = AuditSummary {
            files: telemetry_files.len(),
            lines: telemetry_files.iter().map(|f| f.lines).sum(),
            events,
            malformed_lines: telemetry_files.iter().map(|f| f.malformed as usize).sum(),
            ignored_lines: telemetry_files.iter().map(|f| f.ignored).sum(),
            unreadable_files: telemetry_files
                .iter()
                .filter(|f| f.io_error.is_some())
                .count(),
            findings: findings.len(),
            by_rule,
            tasks_in_manifest: policy.tasks.len(),
            tasks_started: starts.len(),
            tasks_started_in_order: in_order,
            task_start_rate: (!policy.tasks.is_empty())
                .then(|| starts.len() as f64 / policy.tasks.len() as f64),
            priority_order_tau: tasks::kendall_tau(&pairs),
            task_order: starts
                .iter()
                .map(|s| policy.tasks[s.task].id.clone())
                .collect(),
        };
        AuditRun {
            telemetry_files,
            summaries,
            session_count,
            later_counts,
            problem: problem.map(|e| format!("spilling audit sessions to a temporary file: {e}")),
            findings,
            severities,
            finding_rules,
            files,
            summary,
        }
    }

    /// Exit code 1 when a finding is at or above `threshold` (`None`: never),
    /// or a file could not be read; else 0.
    pub fn exit_code(&self, threshold: Option<Severity>) -> i32 {
        let found = threshold.is_some_and(|t| self.severities.values().any(|&s| s >= t));
        i32::from(found || self.summary.unreadable_files > 0)
    }

    /// The name of file `index` as given (empty when there is none).
    pub fn file_name(&self, index: u32) -> &str {
        self.telemetry_files
            .get(index as usize)
            .map_or("", |f| f.name.as_str())
    }

    /// The files read, in report order.
    pub fn telemetry_files(&self) -> &[TelemetryFile] {
        &self.telemetry_files
    }

    /// Every session's summary, in session order.
    pub fn for_each_session(
        &self,
        mut f: impl FnMut(SessionSummary) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if let Some(problem) = &self.problem {
            return Err(std::io::Error::other(problem.clone()));
        }
        let mut index = 0u32;
        self.summaries.for_each(|mut s: SessionSummary| {
            if let Some((findings, violations)) = self.later_counts.get(&index) {
                s.findings += findings;
                s.constraint_violations += violations;
            }
            index += 1;
            f(s)
        })
    }

    pub fn session_count(&self) -> usize {
        self.session_count
    }

    /// Why some session could not be audited (the temporary file of
    /// spilled sessions failed), if one could not.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    pub fn finding_count(&self) -> usize {
        self.findings.len()
    }

    /// The distinct rules of the findings, in the order they first appear.
    pub fn finding_rules(&self) -> Vec<&'static str> {
        self.finding_rules.clone()
    }

    /// Every finding in report order, with its file's rank.
    pub fn for_each_finding(
        &self,
        mut f: impl FnMut(u32, Finding) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.findings.for_each(|key, r| {
            let path = self.file_name(r.file).to_string();
            f(key.file, self.finding(r, path))
        })
    }

    /// Every finding in the order of a check report (`Report::finish`): by
    /// `paths[file]` (the path shown for each file), line and rule, else
    /// in report order; with that path.
    pub fn for_each_finding_by_path(
        &self,
        paths: &[String],
        mut f: impl FnMut(Finding) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let path = |file: u32| paths.get(file as usize).map_or("", String::as_str);
        // Files are few: each file's path as its rank among the distinct
        // paths, so that the store sorts numbers.
        let mut distinct: Vec<&str> = paths.iter().map(String::as_str).chain([""]).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let rank = |p: &str| distinct.binary_search(&p).unwrap_or_else(|i| i) as u32;
        let ranks: Vec<u32> = paths.iter().map(|p| rank(p)).collect();
        let no_path = rank("");
        self.findings.for_each_ranked(
            |file| ranks.get(file as usize).copied().unwrap_or(no_path),
            |key, r| f(self.finding(r, path(key.file).to_string())),
        )
    }

    fn finding(&self, r: crate::audit::store::Record, path: String) -> Finding {
        let severity = self
            .severities
            .get(r.rule.id)
            .copied()
            .unwrap_or(r.rule.default_severity);
        Finding {
            rule: r.rule.id,
            severity,
            path,
            span: r.offset as usize..(r.offset as usize + r.line_chars as usize),
            start: Position {
                line: r.line,
                column: 1,
            },
            end: Position {
                line: r.line,
                column: r.line_chars + 1,
            },
            message: r.message,
            help: r.help,
            scope_lines: None,
            related: Vec::new(),
            extra: r.extra,
        }
    }

    /// The whole report in memory.
    pub fn into_report(self) -> AuditReport {
        let mut sessions = Vec::with_capacity(self.session_count);
        // As for the findings below: what could be read.
        let _ = self.for_each_session(|s| {
            sessions.push(s);
            Ok(())
        });
        let mut findings = Vec::with_capacity(self.finding_count());
        // Read errors of the temporary file (the disk filled up): the
        // report lists the findings that could be read.
        let _ = self.for_each_finding(|_, f| {
            findings.push(f);
            Ok(())
        });
        AuditReport {
            findings,
            sessions,
            files: self.files,
            summary: self.summary,
        }
    }
}

/// Manifest tasks in the order of their first writes in `session`.
pub fn tasks_started(session: &Session) -> Vec<String> {
    let mut tasks_started: Vec<String> = Vec::new();
    for ev in &session.events {
        if ev.kind == EventKind::Write {
            if let Some(task) = &ev.task {
                if !tasks_started.iter().any(|t| t.as_str() == task.as_ref()) {
                    tasks_started.push(task.to_string());
                }
            }
        }
    }
    tasks_started
}

/// The longest span (in hours) whose activity a session summary lists hour
/// by hour (about 14 months); longer sessions list only their active hours.
pub const MAX_DENSE_HOURS: i64 = 10_000;

pub fn session_summary(
    session: &Session,
    files: &[TelemetryFile],
    (findings, violations): (usize, usize),
    tasks_started: Vec<String>,
) -> SessionSummary {
    let agg = &session.agg;
    let mut by_kind: BTreeMap<&'static str, usize> = BTreeMap::new();
    for kind in EventKind::ALL {
        let n = agg.kind_count(kind);
        if n > 0 {
            by_kind.insert(kind.as_str(), n);
        }
    }
    let file_set = &agg.files;
    let first = session.start().unwrap_or(0);
    let end = session.end().unwrap_or(first);
    // Hours aligned to the clock, as pacing-degradation's windows.
    let start = first - first.rem_euclid(3_600_000);
    let hours = (end.saturating_sub(start) / 3_600_000)
        .saturating_add(1)
        .max(1);
    let start_hour = start.div_euclid(3_600_000);
    let (activity, active_hours) = if hours <= MAX_DENSE_HOURS {
        let dense: Vec<u32> = (0..hours)
            .map(|h| agg.tool_calls_in_hour(start_hour + h))
            .collect();
        (dense, None)
    } else {
        let sparse = agg
            .active_hours()
            .into_iter()
            .map(|(h, n)| (format_ms(h.saturating_mul(3_600_000)), n))
            .collect();
        (Vec::new(), Some(sparse))
    };
    let (workspace, workspace_from) = match &agg.workspace {
        Some(ws) => (Some(ws.path.clone()), Some(ws.from.as_str().to_string())),
        None => (None, None),
    };
    let count = |k: EventKind| by_kind.get(k.as_str()).copied().unwrap_or(0);
    SessionSummary {
        id: session.id.to_string(),
        files: file_set
            .iter()
            .filter_map(|&i| files.get(i as usize).map(|f| f.name.clone()))
            .collect(),
        start: session.start().map(format_ms),
        end: session.end().map(format_ms),
        duration_secs: end.saturating_sub(first) as f64 / 1000.0,
        events: agg.count,
        reads: count(EventKind::Read),
        writes: count(EventKind::Write),
        shell: count(EventKind::Shell),
        by_kind,
        activity_per_hour: activity,
        active_hours,
        output_tokens: agg.output_tokens,
        tokens_since_checkpoint: agg.since_checkpoint,
        max_context_tokens: agg.max_context,
        checkpoints: agg.checkpoints,
        token_sums_saturated: agg.saturated,
        workspace,
        workspace_from,
        tasks_started,
        constraint_violations: violations,
        findings,
    }
}
