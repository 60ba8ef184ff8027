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
pub mod store;
pub mod synth;
pub mod tasks;
pub mod time;
pub mod timeline;

use crate::registry::Registered;
use crate::rule::RuleMeta;
use crate::settings::Selection;
use event::Event;
use policy::AuditPolicy;
use rayon::prelude::*;
use read::{Input, TelemetryFormat};
use report::{AuditReport, AuditRun};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Mutex;
use store::FindingStore;
use timeline::{Session, Timeline};

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
/// [`FindingStore`] and session summaries are made as they are printed
/// (what the CLI prints from, so that memory does not follow the number of
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
    let folded = if once {
        None
    } else {
        // Files where folding cannot stay exact are read again keeping
        // every event; the others keep their folded reads.
        Timeline::build_folded_or_reread(
            read::read_all_folded(&files, policy, options.format),
            policy,
            |again| {
                let some: Vec<(String, Input)> = again
                    .iter()
                    .filter_map(|&i| files.get(i).cloned())
                    .collect();
                let mut reads = read::read_all(&some, policy, options.format);
                for (read, &i) in reads.iter_mut().zip(again) {
                    read.renumber(i as u32);
                }
                reads
            },
        )
    };
    let timeline = folded
        .unwrap_or_else(|| Timeline::build(read::read_all(&files, policy, options.format), policy));
    run_timeline(timeline, policy, options)
}

/// Runs the selected telemetry rules over a built timeline.
pub fn audit_timeline(
    timeline: Timeline,
    policy: &AuditPolicy,
    options: &AuditOptions,
) -> AuditReport {
    run_timeline(timeline, policy, options).into_report()
}

/// What the rules report into while they run: the store and the counts
/// the session summaries need.
pub struct Collector {
    store: FindingStore,
    /// The rank of each file (the first file of the same name).
    file_rank: Vec<u32>,
    /// (findings, constraint violations) per session index.
    per_session: Vec<(usize, usize)>,
}

impl Collector {
    fn add(&mut self, timeline: &Timeline, f: &AuditFinding, order: u64) {
        if let Some(id) = f.extra.get("session_id").and_then(Value::as_str) {
            if let Ok(i) = timeline
                .sessions
                .binary_search_by(|s| s.id.as_ref().cmp(id))
            {
                if let Some(entry) = self.per_session.get_mut(i) {
                    entry.0 += 1;
                    if report::VIOLATION_RULES.contains(&f.rule.id) {
                        entry.1 += 1;
                    }
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

/// Runs the selected telemetry rules over a built timeline, keeping the
/// findings in a store.
pub fn run_timeline(
    mut timeline: Timeline,
    policy: &AuditPolicy,
    options: &AuditOptions,
) -> AuditRun {
    let rules: Vec<_> = options
        .selection
        .rules()
        .filter_map(|r| match r {
            Registered::Telemetry(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    let mut first_of_name: std::collections::HashMap<&str, u32> = Default::default();
    let file_rank = timeline
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| *first_of_name.entry(f.name.as_str()).or_insert(i as u32))
        .collect();
    let collector = Mutex::new(Collector {
        store: FindingStore::new(),
        file_rank,
        per_session: vec![(0, 0); timeline.sessions.len()],
    });
    rules.par_iter().enumerate().for_each(|(pos, rule)| {
        let mut cx = AuditContext::new(&timeline, policy);
        cx.sink = Some(Sink {
            collector: &collector,
            rule: pos as u64,
            seq: 0,
        });
        rule.check(&mut cx);
        cx.flush();
    });
    if let Some(policies) = &options.change_policies {
        let change_rules = options.selection.rules().filter_map(|r| match r {
            Registered::Change(rule) => Some(rule),
            _ => None,
        });
        for (i, rule) in change_rules.enumerate() {
            let mut cx = AuditContext::new(&timeline, policy);
            cx.change_policies = Some(policies);
            cx.sink = Some(Sink {
                collector: &collector,
                rule: (rules.len() + i) as u64,
                seq: 0,
            });
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
    let tasks_started: Vec<Vec<String>> = timeline
        .sessions
        .iter()
        .map(report::tasks_started)
        .collect();
    // The rules are done with the events one by one; only the aggregates
    // are printed.
    for session in &mut timeline.sessions {
        session.events = Vec::new();
    }
    AuditRun::new(
        timeline,
        store,
        per_session,
        tasks_started,
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
            collector.add(self.timeline, &f, (sink.rule << 32) | sink.seq);
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
