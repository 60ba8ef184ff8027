//! File-level policies over the change set, one file each.

pub mod config_outside_config_dir;
pub mod forbidden_pattern;
pub mod line_budget;
pub mod missing_test;
pub mod scope_creep;

use crate::config::manifest::AgentTask;
use crate::settings::{PathGlobs, RuleOptions};

/// The tasks of a manifest with the test globs of each target, compiled
/// once per run.
pub struct TaskScopes<'a> {
    pub tasks: Vec<(&'a AgentTask, PathGlobs)>,
}

impl<'a> TaskScopes<'a> {
    pub fn new(tasks: &'a [AgentTask], options: &RuleOptions) -> Self {
        TaskScopes {
            tasks: tasks
                .iter()
                .map(|t| (t, options.tests.for_target(&t.target_module)))
                .collect(),
        }
    }

    /// Whether `path` is a test of some task's target.
    pub fn is_test(&self, path: &str) -> bool {
        self.tasks.iter().any(|(_, tests)| tests.is_match(path))
    }

    /// Whether `path` is some task's target.
    pub fn is_target(&self, path: &str) -> bool {
        self.tasks.iter().any(|(t, _)| t.targets(path))
    }
}
