//! Small inputs whose cost must not explode: endless or over-long lines,
//! sessions spanning millennia, token sums past 2^64, a byte order mark,
//! and lines whose text must not be echoed whole. Each test asserts on
//! counts and exit codes, never on timings.

use agentlint::audit::policy::AuditPolicy;
use agentlint::audit::read::Input;
use agentlint::audit::{audit, AuditOptions};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_agentlint"))
}

fn audit_text(dir: &Path, name: &str, text: &str) -> agentlint::audit::report::AuditReport {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    audit(
        &[Input::Path(path)],
        &AuditPolicy::default(),
        &AuditOptions::default(),
    )
}

fn tool_call(ts: &str, command: &str) -> String {
    serde_json::json!({"type": "tool_call", "tool": "Bash", "payload": {"command": command},
        "timestamp": ts, "session_id": "s"})
    .to_string()
}

#[test]
fn an_endless_line_ends_the_file_not_the_machine() {
    // /dev/zero: one line that never ends. The line is skipped in bounded
    // memory, and past 64 times the line limit without a line break the
    // rest of the file is given up, counted and said.
    if !Path::new("/dev/zero").exists() {
        println!("skipped: no /dev/zero on this system");
        return;
    }
    let out = bin()
        .args([
            "audit",
            "--format",
            "json",
            "--max-line-length",
            "65536",
            "/dev/zero",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unreadable file fails the run"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["malformed_lines"], 1);
    assert_eq!(doc["summary"]["unreadable_files"], 1);
    let error = doc["files"][0]["error"].as_str().unwrap();
    assert!(error.contains("without a line break"), "{error}");
}

#[test]
fn a_line_over_the_limit_is_one_unreadable_line_and_reading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    let long = tool_call(
        "2026-03-02T14:00:00Z",
        &format!("echo {}", "x".repeat(3 << 20)),
    );
    let text = format!(
        "{}\n{long}\n{}\n",
        tool_call("2026-03-02T13:59:00Z", "ls"),
        tool_call("2026-03-02T14:01:00Z", "pwd")
    );
    std::fs::write(&path, text).unwrap();
    let out = bin()
        .args(["audit", "--format", "json", "--max-line-length", "1048576"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["lines"], 3);
    assert_eq!(doc["summary"]["malformed_lines"], 1);
    assert_eq!(doc["summary"]["events"], 2, "the lines around it are read");
    let finding = &doc["findings"][0];
    assert_eq!(finding["line"], 2);
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("longer than the limit"), "{message}");
    assert!(
        message.len() < 300,
        "the line is not echoed: {}",
        message.len()
    );
    // Under the default limit (16 MiB) the same line is read.
    let out = bin()
        .args(["audit", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["malformed_lines"], 0);
    assert_eq!(doc["summary"]["events"], 3);
}

#[test]
fn a_session_spanning_millennia_has_sparse_windows() {
    // Year 0000 and year 9998: 87.6 million hours apart. The summary lists
    // the two active hours, pacing looks at the windows that hold events,
    // and the report stays small.
    let dir = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..8)
        .map(|m| tool_call(&format!("0000-01-01T00:{m:02}:00Z"), "ls"))
        .collect();
    lines.push(tool_call("9998-12-31T23:00:00Z", "ls"));
    let report = audit_text(dir.path(), "span.jsonl", &(lines.join("\n") + "\n"));
    let s = &report.sessions[0];
    assert!(s.activity_per_hour.is_empty());
    let hours = s.active_hours.as_ref().expect("sparse hours");
    assert_eq!(hours.len(), 2);
    assert_eq!(hours[0].1, 8);
    assert_eq!(s.events, 9);
    // The first hours have no events beyond the first: no early peak, or
    // one slump whose windows are counted, not listed.
    for f in report
        .findings
        .iter()
        .filter(|f| f.rule == "pacing-degradation")
    {
        let counts = f.extra.get("counts").and_then(Value::as_array);
        assert!(counts.is_none_or(|c| c.len() <= 744));
    }
    let json = agentlint::audit::print::json(&report);
    assert!(json.len() < 20_000, "report of {} bytes", json.len());
}

#[test]
fn a_busy_start_then_a_millennium_of_silence_is_one_slump() {
    // Early windows busy, then nothing for ages: one pacing finding over
    // a stretch of millions of windows, the windows counted, not listed.
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    for h in 0..4 {
        for m in 0..10 {
            lines.push(tool_call(&format!("2026-03-02T{h:02}:{m:02}:00Z"), "ls"));
        }
    }
    lines.push(tool_call("3026-03-02T00:00:00Z", "ls"));
    let report = audit_text(dir.path(), "slump.jsonl", &(lines.join("\n") + "\n"));
    let pacing: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.rule == "pacing-degradation")
        .collect();
    assert_eq!(pacing.len(), 1);
    assert!(!pacing[0].extra.contains_key("counts"));
    let windows = pacing[0].extra["windows"].as_u64().unwrap();
    assert!(windows > 8_000_000, "{windows}");
}

#[test]
fn token_sums_stop_at_the_top_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = |ts: &str| {
        serde_json::json!({"type": "model_output", "token_count": u64::MAX, "timestamp": ts,
            "session_id": "s"})
        .to_string()
    };
    let text = [
        output("2026-03-02T14:00:00Z"),
        output("2026-03-02T14:01:00Z"),
        output("2026-03-02T14:02:00Z"),
    ]
    .join("\n");
    let report = audit_text(dir.path(), "tokens.jsonl", &text);
    let s = &report.sessions[0];
    assert_eq!(s.output_tokens, u64::MAX);
    assert_eq!(s.tokens_since_checkpoint, u64::MAX);
    assert!(s.token_sums_saturated);
    let json = agentlint::audit::print::json(&report);
    assert!(json.contains("\"token_sums_saturated\": true"));
    // Claude Code: input + cache tokens of one request saturate too.
    let line = format!(
        r#"{{"type":"assistant","sessionId":"c","timestamp":"2026-03-02T14:00:00Z","requestId":"r","message":{{"id":"m","usage":{{"input_tokens":{max},"cache_read_input_tokens":{max},"output_tokens":1}}}}}}"#,
        max = u64::MAX
    );
    let report = audit_text(dir.path(), "claude.jsonl", &line);
    assert_eq!(report.sessions[0].max_context_tokens, u64::MAX);
}

#[test]
fn a_byte_order_mark_starts_a_file_unseen() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "\u{feff}{}\n{}\n",
        tool_call("2026-03-02T14:00:00Z", "ls"),
        tool_call("2026-03-02T14:01:00Z", "pwd")
    );
    let report = audit_text(dir.path(), "bom.jsonl", &text);
    assert_eq!(report.summary.malformed_lines, 0);
    assert_eq!(report.summary.events, 2);
    // Only at the start of a file.
    let text = format!(
        "{}\n\u{feff}{}\n",
        tool_call("2026-03-02T14:00:00Z", "ls"),
        tool_call("2026-03-02T14:01:00Z", "pwd")
    );
    let report = audit_text(dir.path(), "bom2.jsonl", &text);
    assert_eq!(report.summary.malformed_lines, 1);
}

#[test]
fn errors_and_findings_quote_lines_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let big = "9".repeat(400_000);
    let lines = [
        // A timestamp of 400 KB.
        serde_json::json!({"type": "tool_call", "tool": "Bash", "payload": {"command": "ls"},
            "timestamp": big, "session_id": "s"})
        .to_string(),
        // A type of 400 KB.
        serde_json::json!({"type": big, "timestamp": "2026-03-02T14:00:00Z", "session_id": "s"})
            .to_string(),
        // A 400 KB command that breaks a shell restriction.
        tool_call("2026-03-02T14:00:00Z", &format!("sudo echo {big}")),
    ];
    let report = audit_text(dir.path(), "quote.jsonl", &(lines.join("\n") + "\n"));
    assert_eq!(report.summary.malformed_lines, 2);
    assert!(report.findings.len() >= 3);
    for f in &report.findings {
        assert!(
            f.message.len() < 1000,
            "{}: {} bytes",
            f.rule,
            f.message.len()
        );
        if let Some(command) = f.extra.get("command").and_then(Value::as_str) {
            assert!(command.len() < 5000, "{} bytes", command.len());
            assert!(command.ends_with("bytes)"), "says how long it was");
        }
    }
}

#[test]
fn sessions_written_to_the_spill_while_read_report_as_read_whole() {
    // More sessions in one file than a read holds at once (2048): the idle
    // ones go to the spill as the file is read; those that come back later
    // in the file are read again whole. The report is the one of the audit
    // that keeps every event.
    use agentlint::audit::read;
    use agentlint::audit::timeline::Timeline;
    use agentlint::audit::{audit_whole, print};
    let dir = tempfile::tempdir().unwrap();
    let design = |i: usize, minute: usize, tool: &str| {
        serde_json::json!({"type": "tool_call", "tool": tool,
            "payload": {"command": if tool == "Bash" { "sudo ls" } else { "" }, "file_path": "src/a.py"},
            "timestamp": format!("2026-03-02T{:02}:{:02}:00Z", minute / 60, minute % 60),
            "session_id": format!("s{i:05}")})
        .to_string()
    };
    let claude = |i: usize, line: usize, out: u64| {
        format!(
            r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/w","sessionId":"c{i:05}","version":"1.0.98","message":{{"id":"m{i}","type":"message","role":"assistant","content":[{{"type":"tool_use","id":"t{i}-{line}","name":"Edit","input":{{"file_path":"/w/a.py"}}}}],"usage":{{"input_tokens":3,"output_tokens":{out}}}}},"requestId":"r{i}","type":"assistant","uuid":"u{i}-{line}","timestamp":"2026-02-10T09:{:02}:00.000Z"}}"#,
            line % 60
        )
    };
    let mut d = Vec::new();
    let mut c = Vec::new();
    for i in 0..5000 {
        d.push(design(i, i % 600, if i % 7 == 0 { "Bash" } else { "Edit" }));
        c.push(claude(i, 0, 3));
        c.push(claude(i, 1, 40 + i as u64 % 9));
    }
    // Sessions that come back after they went to the spill.
    for i in (0..5000).step_by(500) {
        d.push(design(i, 700, "Read"));
        c.push(claude(i, 2, 100));
    }
    let policy = AuditPolicy::default();
    for (name, lines) in [("design.jsonl", d), ("claude.jsonl", c)] {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let files = read::expand_inputs(&[Input::Path(path.clone())]);
        let timeline = Timeline::build(read::read_all(&files, &policy, None), &policy);
        let expected = print::json(&audit_whole(timeline, &policy, &AuditOptions::default()));
        let report = audit(&[Input::Path(path)], &policy, &AuditOptions::default());
        assert_eq!(report.sessions.len(), 5000);
        assert_eq!(print::json(&report), expected, "{name}");
    }
}
