//! Printers for the audit report: human (per-session summary, activity
//! sparkline, findings) and the versioned JSON document (see README).

use crate::audit::report::{AuditReport, SessionSummary};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per hour, scaled to the busiest hour (space: no activity).
pub fn sparkline(values: &[u32]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                ' '
            } else {
                let i = ((v as u64 * 8).div_ceil(max as u64)).clamp(1, 8) - 1;
                BARS[i as usize]
            }
        })
        .collect()
}

fn duration(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn session_block(out: &mut String, s: &SessionSummary) {
    let _ = writeln!(out, "session {}  ({})", s.id, s.files.join(", "));
    if let (Some(start), Some(end)) = (&s.start, &s.end) {
        let _ = writeln!(out, "  {start} → {end}  ({})", duration(s.duration_secs));
    }
    let _ = writeln!(
        out,
        "  {} reads, {} writes, {} shell executions",
        s.reads, s.writes, s.shell
    );
    let others: Vec<String> = s
        .by_kind
        .iter()
        .filter(|(k, _)| !matches!(**k, "read" | "write" | "shell"))
        .map(|(k, n)| {
            let label = match (*k, *n == 1) {
                ("search", true) => "search",
                ("search", false) => "searches",
                ("model_output", true) => "model output",
                ("model_output", false) => "model outputs",
                ("checkpoint", true) => "checkpoint",
                ("checkpoint", false) => "checkpoints",
                ("task_list", true) => "task-list update",
                ("task_list", false) => "task-list updates",
                _ => "other",
            };
            format!("{n} {label}")
        })
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "  also: {}", others.join(", "));
    }
    let _ = writeln!(
        out,
        "  tokens: {} output, {} since the last checkpoint, largest context {}; {}",
        s.output_tokens,
        s.tokens_since_checkpoint,
        s.max_context_tokens,
        plural(s.checkpoints, "checkpoint")
    );
    if !s.tasks_started.is_empty() {
        let _ = writeln!(
            out,
            "  tasks started (first write): {}",
            s.tasks_started.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  constraint violations: {}; findings: {}",
        s.constraint_violations, s.findings
    );
    let peak = s.activity_per_hour.iter().copied().max().unwrap_or(0);
    let _ = writeln!(
        out,
        "  activity/hour |{}| peak {peak}/h",
        sparkline(&s.activity_per_hour)
    );
    out.push('\n');
}

pub fn human(report: &AuditReport) -> String {
    let mut out = String::new();
    for s in &report.sessions {
        session_block(&mut out, s);
    }
    let sum = &report.summary;
    if sum.tasks_in_manifest > 0 {
        let _ = writeln!(
            out,
            "tasks: {} of {} started ({} in priority order); observed order: {}",
            sum.tasks_started,
            sum.tasks_in_manifest,
            sum.tasks_started_in_order,
            if sum.task_order.is_empty() {
                "-".to_string()
            } else {
                sum.task_order.join(" → ")
            }
        );
        if let Some(tau) = sum.priority_order_tau {
            let _ = writeln!(
                out,
                "priority order vs observed order: Kendall tau {tau:.2}"
            );
        }
        out.push('\n');
    }
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            f.path,
            f.start.line,
            f.start.column,
            f.severity.as_str(),
            f.rule,
            f.message
        );
        let at: Vec<String> = ["session_id", "timestamp"]
            .iter()
            .filter_map(|k| f.extra.get(*k).and_then(Value::as_str).map(str::to_string))
            .collect();
        if !at.is_empty() {
            let _ = writeln!(out, "    at {}", at.join(" "));
        }
        if let Some(help) = &f.help {
            let _ = writeln!(out, "    help: {help}");
        }
    }
    for file in &report.files {
        if let Some(err) = &file.error {
            let _ = writeln!(out, "error: {}: {err}", file.file);
        }
    }
    let _ = writeln!(
        out,
        "{} in {} ({} from {} lines in {}; {} malformed, {} ignored)",
        plural(sum.findings, "finding"),
        plural(report.sessions.len(), "session"),
        plural(sum.events, "event"),
        sum.lines,
        plural(sum.files, "file"),
        sum.malformed_lines,
        sum.ignored_lines,
    );
    out
}

pub fn json(report: &AuditReport) -> String {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut obj = Map::new();
            obj.insert("rule".into(), json!(f.rule));
            obj.insert("severity".into(), json!(f.severity.as_str()));
            obj.insert("message".into(), json!(f.message));
            obj.insert(
                "session_id".into(),
                f.extra.get("session_id").cloned().unwrap_or(Value::Null),
            );
            obj.insert(
                "timestamp".into(),
                f.extra.get("timestamp").cloned().unwrap_or(Value::Null),
            );
            obj.insert("file".into(), json!(f.path));
            obj.insert("line".into(), json!(f.start.line));
            if let Some(help) = &f.help {
                obj.insert("help".into(), json!(help));
            }
            for (k, v) in &f.extra {
                if k != "session_id" && k != "timestamp" {
                    obj.insert(k.clone(), v.clone());
                }
            }
            Value::Object(obj)
        })
        .collect();
    let doc = json!({
        "version": 1,
        "sessions": report.sessions,
        "files": report.files,
        "findings": findings,
        "summary": report.summary,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
