//! The triage driver (`agentlint triage`): routes each task of the
//! manifest by the decision matrix, runs the selected triage rules over the
//! manifest and the agent config, and says which tasks may run
//! unsupervised.
//!
//! A task may run unsupervised when its category's approach is neither
//! human-in-the-loop nor human-owned, no error-severity finding is about
//! it, and no error-severity finding is about the agent config (a missing
//! safeguard holds for every task).

use crate::config::agent_config::AgentConfig;
use crate::config::agent_config_keys::KeySpans;
use crate::config::manifest::Manifest;
use crate::finding::{Finding, Severity};
use crate::registry::Registered;
use crate::report::Report;
use crate::routing::{self, Route};
use crate::rule::triage::{TriageAnchor, TriageContext, TriageRule};
use crate::settings::Settings;
use crate::source::LineIndex;
use serde::Serialize;
use std::collections::BTreeMap;

/// One task's routing and whether it may run alone.
#[derive(Debug, Clone, Serialize)]
pub struct TaskVerdict {
    pub id: String,
    pub priority: i64,
    /// 1-based line of the task in the manifest.
    pub line: u32,
    pub category: routing::Category,
    /// The design's name of the category.
    pub category_name: &'static str,
    pub basis: String,
    pub approach: &'static str,
    /// The design's clean completion rate for the category, percent.
    pub clean_completion: u8,
    pub unsupervised: bool,
    /// Why not, when not: the approach, and the error findings about it.
    pub reasons: Vec<String>,
}

pub struct Triage {
    pub report: Report,
    pub tasks: Vec<TaskVerdict>,
}

impl Triage {
    /// 1 when a task should not run unsupervised, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.tasks.iter().any(|t| !t.unsupervised))
    }
}

/// The inputs, with the paths findings show for them.
pub struct Inputs<'a> {
    pub manifest: &'a Manifest,
    pub manifest_path: String,
    pub agent: Option<(&'a AgentConfig, String)>,
    pub settings: &'a Settings,
}

pub fn run(inputs: &Inputs<'_>) -> Triage {
    let manifest = inputs.manifest;
    let routes: Vec<Route> = manifest.tasks.iter().map(routing::classify).collect();
    let keys = inputs.agent.as_ref().map(|(a, _)| KeySpans::scan(&a.text));
    let rules: Vec<&'static dyn TriageRule> = inputs
        .settings
        .selection
        .rules()
        .filter_map(|r| match r {
            Registered::Triage(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    let mut cx = TriageContext::new(
        manifest,
        &routes,
        inputs.agent.as_ref().map(|(a, _)| *a),
        keys.as_ref(),
    );
    for rule in rules {
        rule.check(&mut cx);
    }
    let raw = cx.into_findings();

    let mut report = Report::default();
    report
        .notices
        .extend(inputs.settings.notices.iter().cloned());
    report.summary.files_checked = 1 + usize::from(inputs.agent.is_some());
    if inputs.agent.is_none() {
        report.notices.push(
            "no agent config given (`--agent-config`): the safeguards were not checked".into(),
        );
    }
    let manifest_lines = LineIndex::new(&manifest.text);
    let agent_lines = inputs.agent.as_ref().map(|(a, _)| LineIndex::new(&a.text));
    let mut about_task: Vec<Vec<String>> = vec![Vec::new(); manifest.tasks.len()];
    let mut config_errors = Vec::new();
    for f in raw {
        let severity = inputs
            .settings
            .selection
            .severity(f.rule.id)
            .unwrap_or(f.rule.default_severity);
        let (path, text, lines, span) = match &f.anchor {
            TriageAnchor::Task { task, span } => {
                if severity == Severity::Error {
                    if let Some(list) = about_task.get_mut(*task) {
                        list.push(format!("{}: {}", f.rule.id, f.message));
                    }
                }
                (
                    inputs.manifest_path.clone(),
                    manifest.text.clone(),
                    &manifest_lines,
                    span.clone(),
                )
            }
            TriageAnchor::AgentConfig { span } => {
                let (Some((agent, path)), Some(lines)) = (&inputs.agent, &agent_lines) else {
                    continue;
                };
                if severity == Severity::Error {
                    config_errors.push(format!("{}: {}", f.rule.id, f.message));
                }
                (path.clone(), agent.text.clone(), lines, span.clone())
            }
        };
        report
            .sources
            .entry(path.clone())
            .or_insert_with(|| text.clone());
        report.findings.push(Finding {
            rule: f.rule.id,
            severity,
            path,
            start: lines.position(&text, span.start),
            end: lines.position(&text, span.end),
            span,
            message: f.message,
            help: f.help,
            scope_lines: None,
            related: Vec::new(),
            extra: BTreeMap::new(),
        });
    }
    report.finish();
    let tasks = manifest
        .tasks
        .iter()
        .zip(&routes)
        .zip(about_task)
        .map(|((task, route), errors)| {
            let row = route.category.row();
            let mut reasons = Vec::new();
            if !row.approach.unsupervised() {
                reasons.push(format!(
                    "{}: {}",
                    row.approach.as_str(),
                    row.why.to_lowercase()
                ));
            }
            reasons.extend(errors);
            reasons.extend(config_errors.iter().map(|e| format!("agent config: {e}")));
            TaskVerdict {
                id: task.id.clone(),
                priority: task.priority,
                line: task.line,
                category: route.category,
                category_name: row.name,
                basis: route.basis.clone(),
                approach: row.approach.as_str(),
                clean_completion: row.clean_completion,
                unsupervised: reasons.is_empty(),
                reasons,
            }
        })
        .collect();
    Triage { report, tasks }
}
