//! The post-run audit: read telemetry (any of three formats) into one
//! normalized event stream per session, run the telemetry rules over the
//! timeline, and build the audit report.
//!
//! `read` (per format) --Events--> `timeline` --Timeline--> rules
//! (`crate::rules::telemetry`) --Findings--> `report` --> printers.

pub mod event;
pub mod paths;
pub mod policy;
pub mod print;
pub mod read;
pub mod report;
pub mod shell;
pub mod synth;
pub mod tasks;
pub mod time;
pub mod timeline;

use crate::finding::{Finding, Position};
use crate::registry::Registered;
use crate::rule::RuleMeta;
use crate::settings::Selection;
use event::Event;
use policy::AuditPolicy;
use rayon::prelude::*;
use read::{Input, TelemetryFormat};
use report::AuditReport;
use serde_json::Value;
use std::collections::BTreeMap;
use timeline::{Session, Timeline};

/// How one audit runs, besides the policy.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<TelemetryFormat>,
    pub selection: Selection,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            format: None,
            selection: Selection::all(),
        }
    }
}

/// Reads the inputs and runs every selected telemetry rule.
pub fn audit(inputs: &[Input], policy: &AuditPolicy, options: &AuditOptions) -> AuditReport {
    let files = read::expand_inputs(inputs);
    let reads = read::read_all(&files, policy, options.format);
    let timeline = Timeline::build(reads);
    audit_timeline(timeline, policy, options)
}

/// Runs the selected telemetry rules over a built timeline.
pub fn audit_timeline(
    timeline: Timeline,
    policy: &AuditPolicy,
    options: &AuditOptions,
) -> AuditReport {
    let rules: Vec<_> = options
        .selection
        .rules()
        .filter_map(|r| match r {
            Registered::Telemetry(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    let raw: Vec<AuditFinding> = rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut cx = AuditContext::new(&timeline, policy);
            rule.check(&mut cx);
            cx.findings
        })
        .collect();
    let findings = raw
        .into_iter()
        .map(|f| {
            let severity = options
                .selection
                .severity(f.rule.id)
                .unwrap_or(f.rule.default_severity);
            let path = timeline
                .files
                .get(f.file as usize)
                .map(|t| t.name.clone())
                .unwrap_or_default();
            Finding {
                rule: f.rule.id,
                severity,
                path,
                span: f.offset as usize..(f.offset as usize + f.line_chars as usize),
                start: Position {
                    line: f.line,
                    column: 1,
                },
                end: Position {
                    line: f.line,
                    column: f.line_chars + 1,
                },
                message: f.message,
                help: f.help,
                scope_lines: None,
                extra: f.extra,
            }
        })
        .collect();
    AuditReport::build(timeline, findings, policy)
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
    findings: Vec<AuditFinding>,
}

impl<'a> AuditContext<'a> {
    pub fn new(timeline: &'a Timeline, policy: &'a AuditPolicy) -> Self {
        AuditContext {
            timeline,
            policy,
            findings: Vec::new(),
        }
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

    pub fn into_findings(self) -> Vec<AuditFinding> {
        self.findings
    }
}
