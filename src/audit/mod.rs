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
        Timeline::build_folded(read::read_all_folded(&files, policy, options.format))
    };
    let timeline = folded
        .unwrap_or_else(|| Timeline::build(read::read_all(&files, policy, options.format), policy));
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
    let mut raw: Vec<AuditFinding> = rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut cx = AuditContext::new(&timeline, policy);
            rule.check(&mut cx);
            cx.findings
        })
        .collect();
    if let Some(policies) = &options.change_policies {
        for rule in options.selection.rules() {
            if let Registered::Change(rule) = rule {
                let mut cx = AuditContext::new(&timeline, policy);
                cx.change_policies = Some(policies);
                rule.check_telemetry(&mut cx);
                raw.extend(cx.findings);
            }
        }
    }
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
    /// Set only for change-set rules judging telemetry writes.
    pub change_policies: Option<&'a ChangePolicies>,
    findings: Vec<AuditFinding>,
}

impl<'a> AuditContext<'a> {
    pub fn new(timeline: &'a Timeline, policy: &'a AuditPolicy) -> Self {
        AuditContext {
            timeline,
            policy,
            change_policies: None,
            findings: Vec::new(),
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
