//! The CLI prints audits as it goes (`audit::run`, findings from a
//! temporary file, session summaries one at a time): its JSON, human and
//! SARIF output must be the bytes the whole-report printers gave, which
//! this file keeps as references (the printers as they were before
//! streaming).

use agentlint::audit::policy::{AuditPolicy, AuditTask};
use agentlint::audit::print::{self, sparkline};
use agentlint::audit::read::Input;
use agentlint::audit::report::AuditReport;
use agentlint::audit::{audit, run, AuditOptions};
use agentlint::registry::{self, Registered};
use agentlint::report::{sarif, Report};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn task(id: &str, priority: i64, module: &str) -> AuditTask {
    AuditTask {
        id: id.into(),
        priority,
        target_module: module.into(),
        blocked_on: None,
        manifest_line: None,
    }
}

fn policy() -> AuditPolicy {
    AuditPolicy {
        workspace: Some(PathBuf::from("/opt/agent-workspace")),
        home: Some(PathBuf::from("/home/agent")),
        context_window_limit: Some(8192),
        tasks: vec![
            task("TASK-007", 1, "src/rate_limiter.py"),
            task("TASK-012", 2, "src/output_formatter.py"),
            task("T1", 3, "src/output/formatter.py"),
            task("T2", 4, "src/net/limiter.py"),
        ],
        ..AuditPolicy::default()
    }
}

/// Every telemetry fixture folder, each of its files, and all of them.
fn inputs() -> Vec<Vec<Input>> {
    let mut out = Vec::new();
    let mut all = Vec::new();
    for rule in registry::all().iter().filter_map(|r| match r {
        Registered::Telemetry(t) => Some(t.meta().id),
        _ => None,
    }) {
        let dir = fixtures().join(rule);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        for f in files {
            out.push(vec![Input::Path(f)]);
        }
        out.push(vec![Input::Path(dir.clone())]);
        all.push(Input::Path(dir));
    }
    all.push(Input::Path(fixtures().join("demo/agent_telemetry.jsonl")));
    out.push(all);
    out
}

/// The JSON printer before streaming.
fn reference_json(report: &AuditReport) -> String {
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
    let mut out = serde_json::to_string_pretty(&doc).unwrap();
    out.push('\n');
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
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

/// The human printer before streaming.
fn reference_human(report: &AuditReport) -> String {
    let mut out = String::new();
    for s in &report.sessions {
        let _ = writeln!(out, "session {}  ({})", s.id, s.files.join(", "));
        if let (Some(start), Some(end)) = (&s.start, &s.end) {
            let _ = writeln!(out, "  {start} → {end}  ({})", duration(s.duration_secs));
        }
        if let (Some(ws), Some(from)) = (&s.workspace, &s.workspace_from) {
            let _ = writeln!(out, "  workspace: {ws} ({from})");
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
        if s.token_sums_saturated {
            let _ = writeln!(
                out,
                "  note: a token sum reached 2^64 - 1 and stopped there (the figures are a floor)"
            );
        }
        match &s.active_hours {
            Some(hours) => {
                let peak = hours.iter().map(|(_, n)| *n).max().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "  activity/hour: {} active hours over {} (too long to draw), peak {peak}/h",
                    hours.len(),
                    duration(s.duration_secs)
                );
            }
            None => {
                let peak = s.activity_per_hour.iter().copied().max().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "  activity/hour |{}| peak {peak}/h",
                    sparkline(&s.activity_per_hour)
                );
            }
        }
        out.push('\n');
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
        for note in &file.notes {
            let _ = writeln!(
                out,
                "note: {}: {} ({}, the first at line {})",
                file.file,
                note.message,
                plural(note.count as usize, "line"),
                note.first_line
            );
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

fn sarif_options() -> sarif::SarifOptions<'static> {
    sarif::SarifOptions {
        // Not every rule that fires: the others get descriptors of their own.
        rules: registry::all()
            .iter()
            .filter(|r| matches!(r, Registered::Telemetry(_)))
            .map(|r| r.meta())
            .filter(|m| m.id != "unsafe-shell")
            .collect(),
        category: Some("audit".into()),
    }
}

#[test]
fn streamed_output_is_the_whole_report_printed() {
    let policy = policy();
    let options = AuditOptions::default();
    let mut findings = 0;
    for input in inputs() {
        let what = format!("{input:?}");
        let report = audit(&input, &policy, &options);
        let streamed = run(&input, &policy, &options);
        findings += report.findings.len();

        let mut out = Vec::new();
        print::write_json(&streamed, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            reference_json(&report),
            "json: {what}"
        );
        assert_eq!(print::json(&report), reference_json(&report), "{what}");

        let mut out = Vec::new();
        print::write_human(&streamed, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            reference_human(&report),
            "human: {what}"
        );
        assert_eq!(print::human(&report), reference_human(&report), "{what}");

        // SARIF: the check report's order (by path) and printer.
        let mut check = Report {
            findings: report.findings.clone(),
            ..Report::default()
        };
        check.finish();
        let expected = sarif::render(&check, &sarif_options());
        let paths: Vec<String> = streamed
            .telemetry_files()
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let mut out = Vec::new();
        sarif::write_findings(
            &mut out,
            &sarif_options(),
            &streamed.finding_rules(),
            &mut |each| streamed.for_each_finding_by_path(&paths, |f| each(&f)),
        )
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected, "sarif: {what}");
    }
    assert!(findings > 50, "the fixtures have findings to compare");
}
