//! Task order as the telemetry shows it: a task starts at the first write
//! attributed to it (by `task_id` or by its `target_module`).

use crate::audit::event::EventKind;
use crate::audit::policy::AuditTask;
use crate::audit::timeline::Timeline;

/// The first write of a manifest task.
#[derive(Debug, Clone, Copy)]
pub struct TaskStart {
    /// Index in `AuditPolicy::tasks`.
    pub task: usize,
    pub session: usize,
    /// Index in the session's events.
    pub event: usize,
    pub ts: i64,
}

/// Every started task, in the order of their first writes.
pub fn starts(timeline: &Timeline, tasks: &[AuditTask]) -> Vec<TaskStart> {
    let mut first: Vec<Option<TaskStart>> = vec![None; tasks.len()];
    for (si, session) in timeline.sessions.iter().enumerate() {
        for (ei, ev) in session.events.iter().enumerate() {
            if ev.kind != EventKind::Write {
                continue;
            }
            let Some(id) = &ev.task else { continue };
            let Some(ti) = tasks.iter().position(|t| t.id.as_str() == id.as_ref()) else {
                continue;
            };
            let earlier = first[ti].is_some_and(|f| {
                (f.ts, timeline.sessions[f.session].events[f.event].line) <= (ev.ts, ev.line)
            });
            if !earlier {
                first[ti] = Some(TaskStart {
                    task: ti,
                    session: si,
                    event: ei,
                    ts: ev.ts,
                });
            }
        }
    }
    let mut out: Vec<TaskStart> = first.into_iter().flatten().collect();
    out.sort_by_key(|s| (s.ts, s.session, s.event));
    out
}

/// Whether `task` counts as pending for ordering checks (not blocked).
pub fn can_be_pending(task: &AuditTask) -> bool {
    task.blocked_on
        .as_deref()
        .is_none_or(|b| b.trim().is_empty())
}

/// Kendall's tau-b between two rankings given as pairs; `None` with fewer
/// than two pairs or when one ranking is all ties.
pub fn kendall_tau(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len();
    if n < 2 {
        return None;
    }
    let (mut concordant, mut discordant, mut ties_x, mut ties_y) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..n {
        for j in i + 1..n {
            let dx = pairs[i].0 - pairs[j].0;
            let dy = pairs[i].1 - pairs[j].1;
            if dx == 0.0 && dy == 0.0 {
                ties_x += 1;
                ties_y += 1;
            } else if dx == 0.0 {
                ties_x += 1;
            } else if dy == 0.0 {
                ties_y += 1;
            } else if (dx > 0.0) == (dy > 0.0) {
                concordant += 1;
            } else {
                discordant += 1;
            }
        }
    }
    let n0 = (n * (n - 1) / 2) as f64;
    let denom = ((n0 - ties_x as f64) * (n0 - ties_y as f64)).sqrt();
    if denom == 0.0 {
        return None;
    }
    Some((concordant - discordant) as f64 / denom)
}

#[cfg(test)]
mod tests {
    use super::kendall_tau;

    #[test]
    fn tau_values() {
        assert_eq!(
            kendall_tau(&[(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]),
            Some(1.0)
        );
        assert_eq!(
            kendall_tau(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]),
            Some(-1.0)
        );
        // One swapped pair of three: (2 - 1) / 3.
        let tau = kendall_tau(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0)]).unwrap();
        assert!((tau - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(kendall_tau(&[(1.0, 1.0)]), None);
    }
}
