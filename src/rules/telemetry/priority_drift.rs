//! priority-drift: a task started while a higher-priority task had not been.

use crate::audit::tasks;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Takes each manifest task's start as its first write (attributed by a
    /// `task_id` in the payload, or else by the task's `target_module`), and
    /// reports each task started while a task of higher priority (lower
    /// number) had not been started yet, naming both. The Kendall tau between
    /// the manifest order and the observed start order is in the summary
    /// (`priority_order_tau`: 1 = manifest order, -1 = reversed).
    ///
    /// ## Why is this bad?
    /// The manifest says "process tasks strictly in numerical order". The
    /// design's run drifted at hour 18: critical tasks were delayed while the
    /// agent did convenient ones. Drift is invisible in the final diff.
    ///
    /// ## Example
    /// Manifest: TASK-007 (priority 1) on `src/rate_limiter.py`, TASK-012
    /// (priority 2) on `src/output_formatter.py`; the first write of the run
    /// goes to `src/output_formatter.py`.
    ///
    /// Use instead: finish (or block, with `BLOCKED.md`) TASK-007 first.
    ///
    /// ## Not flagged
    /// Tasks the manifest marks `blocked_on`; tasks of equal priority in any
    /// order; a task that starts after every higher-priority task started,
    /// even if they are not finished (finishing is not visible in every
    /// format). No manifest: the rule does nothing.
    ///
    /// ## Configuration
    /// The task manifest (`--manifest`).
    pub PriorityDrift {
        id: "priority-drift",
        scope: Telemetry,
        severity: Warning,
        summary: "task started before a higher-priority task",
    }
}

impl TelemetryRule for PriorityDrift {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let all = &cx.policy.tasks;
        if all.is_empty() {
            return;
        }
        let starts = tasks::starts(cx.timeline, all);
        let mut started = BTreeSet::new();
        for start in &starts {
            let me = &all[start.task];
            let mut pending: Vec<&crate::audit::policy::AuditTask> = all
                .iter()
                .enumerate()
                .filter(|(ti, t)| {
                    t.priority < me.priority && tasks::can_be_pending(t) && !started.contains(ti)
                })
                .map(|(_, t)| t)
                .collect();
            started.insert(start.task);
            if pending.is_empty() {
                continue;
            }
            pending.sort_by_key(|t| (t.priority, t.id.clone()));
            let session = &cx.timeline.sessions[start.session];
            let ev = &session.events[start.event];
            let top = pending[0];
            let more = if pending.len() > 1 {
                format!(" (and {} more)", pending.len() - 1)
            } else {
                String::new()
            };
            let mut names = vec![me.id.clone()];
            names.extend(pending.iter().map(|t| t.id.clone()));
            cx.report(
                &Self::META,
                session,
                ev,
                format!(
                    "{} (priority {}) started while {} (priority {}){more} had not been started",
                    me.id, me.priority, top.id, top.priority
                ),
            )
            .extra("tasks", names)
            .help("process tasks strictly in priority order; write BLOCKED.md for a task that cannot proceed");
        }
    }
}
