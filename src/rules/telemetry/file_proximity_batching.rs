//! file-proximity-batching: a lower-priority task done next to a
//! higher-priority one while a task in between was pending.

use crate::audit::event::EventKind;
use crate::audit::paths::folder;
use crate::audit::policy::AuditTask;
use crate::audit::tasks;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};
use std::collections::{BTreeSet, HashMap};

declare_rule! {
    /// ## What it does
    /// Walks every write attributed to a manifest task, in time order. When a
    /// write of a lower-priority task directly follows the same session's
    /// previous write, of a higher-priority task, to the same file or the
    /// same folder, while some task of a priority in between had not been
    /// started (in any session), the agent batched by proximity: reported
    /// once per task, naming the task, the file and the pending task it
    /// jumped over. Writes of two sessions (two agents, or a run and its
    /// resumption) are not compared with each other: batching is one
    /// agent's choice of what to do next.
    ///
    /// ## Why is this bad?
    /// "Agents naturally optimize for efficiency by grouping changes in the
    /// same file. Over long runs, this overrides explicit priority ordering"
    /// (the design's first pitfall). The manifest's order was chosen for a
    /// reason; proximity is not one.
    ///
    /// ## Example
    /// TASK-1 (priority 1) and TASK-3 (priority 3) target
    /// `src/output_formatter.py`, TASK-2 (priority 2) targets
    /// `src/rate_limiter.py`: writes for TASK-1, then TASK-3 on the same
    /// file, before any write for TASK-2.
    ///
    /// Use instead: TASK-1, TASK-2, then TASK-3, even if that reopens a file.
    ///
    /// ## Not flagged
    /// A lower-priority task following in a different folder (that is
    /// `priority-drift` at most); no task in between pending or all of them
    /// `blocked_on`; writes not attributed to any task.
    ///
    /// ## Configuration
    /// The task manifest (`--manifest`).
    pub FileProximityBatching {
        id: "file-proximity-batching",
        scope: Telemetry,
        severity: Warning,
        summary: "lower-priority task batched next to a higher one over a pending task",
    }
}

impl TelemetryRule for FileProximityBatching {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let all: &[AuditTask] = &cx.policy.tasks;
        if all.len() < 3 {
            return;
        }
        let index = |id: &str| all.iter().position(|t| t.id == id);
        let mut started: BTreeSet<usize> = BTreeSet::new();
        let mut reported: BTreeSet<usize> = BTreeSet::new();
        // The previous write of each session.
        let mut previous: HashMap<usize, (usize, String)> = HashMap::new();
        let timeline = cx.timeline;
        for (si, ev) in timeline.all_events() {
            if ev.kind != EventKind::Write {
                continue;
            }
            let (Some(task), Some(path)) = (ev.task.as_deref(), ev.path.as_deref()) else {
                continue;
            };
            let Some(li) = index(task) else { continue };
            if let Some((hi, prev_path)) = previous.get(&si) {
                let (low, high) = (&all[li], &all[*hi]);
                let near = prev_path == path || folder(prev_path) == folder(path);
                if *hi != li && high.priority < low.priority && near && !reported.contains(&li) {
                    let mut jumped: Vec<&AuditTask> = all
                        .iter()
                        .enumerate()
                        .filter(|(mi, m)| {
                            m.priority > high.priority
                                && m.priority < low.priority
                                && tasks::can_be_pending(m)
                                && !started.contains(mi)
                        })
                        .map(|(_, m)| m)
                        .collect();
                    if !jumped.is_empty() {
                        jumped.sort_by_key(|t| (t.priority, t.id.clone()));
                        reported.insert(li);
                        let place = if prev_path == path {
                            format!("the same file `{path}`")
                        } else {
                            format!("`{path}` in the same folder as `{prev_path}`")
                        };
                        let mut names = vec![low.id.clone(), high.id.clone()];
                        names.extend(jumped.iter().map(|t| t.id.clone()));
                        let jumped_text = jumped
                            .iter()
                            .map(|t| format!("{} (priority {})", t.id, t.priority))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let session = &timeline.sessions[si];
                        cx.report(
                            &Self::META,
                            session,
                            ev,
                            format!(
                                "{} (priority {}) edited {place} right after {} (priority {}), jumping over pending {jumped_text}: batched by file proximity",
                                low.id, low.priority, high.id, high.priority
                            ),
                        )
                        .extra("tasks", names)
                        .help("finish tasks in manifest order even when a later task touches the same file");
                    }
                }
            }
            started.insert(li);
            previous.insert(si, (li, path.to_string()));
        }
    }
}
