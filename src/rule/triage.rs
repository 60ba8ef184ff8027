//! What a triage rule sees before a run: the task manifest, each task's
//! route by the decision matrix, and the agent config with where its keys
//! are written. Findings point into the manifest or the agent config.

use crate::config::agent_config::AgentConfig;
use crate::config::agent_config_keys::KeySpans;
use crate::config::manifest::{AgentTask, Manifest};
use crate::routing::Route;
use crate::rule::RuleMeta;
use std::ops::Range;

/// Where a triage finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageAnchor {
    /// A byte range of the manifest; `task` is the index of the task it is
    /// about.
    Task { task: usize, span: Range<usize> },
    /// A byte range of the agent config.
    AgentConfig { span: Range<usize> },
}

#[derive(Debug, Clone)]
pub struct TriageFinding {
    pub rule: &'static RuleMeta,
    pub anchor: TriageAnchor,
    pub message: String,
    pub help: Option<String>,
}

impl TriageFinding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

pub struct TriageContext<'a> {
    pub manifest: &'a Manifest,
    /// One per task of the manifest, in order.
    pub routes: &'a [Route],
    pub agent: Option<&'a AgentConfig>,
    pub keys: Option<&'a KeySpans>,
    pub(crate) findings: Vec<TriageFinding>,
}

impl<'a> TriageContext<'a> {
    pub fn new(
        manifest: &'a Manifest,
        routes: &'a [Route],
        agent: Option<&'a AgentConfig>,
        keys: Option<&'a KeySpans>,
    ) -> Self {
        TriageContext {
            manifest,
            routes,
            agent,
            keys,
            findings: Vec::new(),
        }
    }

    pub fn tasks(&self) -> impl Iterator<Item = (usize, &'a AgentTask, &'a Route)> + 'a {
        self.manifest
            .tasks
            .iter()
            .zip(self.routes)
            .enumerate()
            .map(|(i, (t, r))| (i, t, r))
    }

    /// A finding about task `index`, at its id.
    pub fn report_task(
        &mut self,
        rule: &'static RuleMeta,
        index: usize,
        message: String,
    ) -> &mut TriageFinding {
        let span = self
            .manifest
            .tasks
            .get(index)
            .map_or(0..0, |t| t.spans.id.clone());
        self.push(rule, TriageAnchor::Task { task: index, span }, message)
    }

    /// A finding about the agent config key at `path`
    /// (`constraints.anti_batching`): at the key, else at its section, else
    /// at the file's start. Returns `None` without an agent config.
    pub fn report_key(
        &mut self,
        rule: &'static RuleMeta,
        path: &str,
        message: String,
    ) -> Option<&mut TriageFinding> {
        self.agent?;
        let span = self
            .keys
            .and_then(|k| k.nearest(path))
            .map_or(0..0, |(span, _)| span);
        Some(self.push(rule, TriageAnchor::AgentConfig { span }, message))
    }

    fn push(
        &mut self,
        rule: &'static RuleMeta,
        anchor: TriageAnchor,
        message: String,
    ) -> &mut TriageFinding {
        self.findings.push(TriageFinding {
            rule,
            anchor,
            message,
            help: None,
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    pub fn into_findings(self) -> Vec<TriageFinding> {
        self.findings
    }
}

/// A check of the manifest and the agent config before a run.
pub trait TriageRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut TriageContext<'_>);
}
