//! `agentlint audit --format compact|github`: written one finding at a
//! time, they must list what the JSON report lists, in the order of a
//! check report (path, line, rule; ties in report order), then the notices
//! and the summary line.

use std::path::Path;
use std::process::Command;

fn audit(format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(root)
        .args(["audit", "fixtures", "--format", format])
        .output()
        .expect("agentlint runs");
    assert_eq!(out.status.code(), Some(1), "{format}: findings");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The summary line of the JSON findings: counts by severity and the
/// distinct files, computed from the JSON document.
fn expected_summary_line(doc: &serde_json::Value) -> String {
    let findings = doc["findings"].as_array().expect("findings");
    let count = |severity: &str| {
        findings
            .iter()
            .filter(|f| f["severity"] == severity)
            .count()
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let files: std::collections::BTreeSet<&str> =
        findings.iter().filter_map(|f| f["file"].as_str()).collect();
    let mut counts = vec![
        plural(count("error"), "error"),
        plural(count("warning"), "warning"),
    ];
    if count("note") > 0 {
        counts.push(plural(count("note"), "note"));
    }
    format!(
        "{} in {}; {} checked",
        counts.join(", "),
        plural(files.len(), "file"),
        plural(
            doc["summary"]["files"].as_u64().unwrap_or(0) as usize,
            "file"
        )
    )
}

/// The JSON findings as (file, line, rule, message), stably sorted by
/// (file, line, rule), and the summary.
fn expected() -> (Vec<(String, u64, String, String)>, serde_json::Value) {
    let doc: serde_json::Value = serde_json::from_str(&audit("json")).expect("json");
    let mut summary = doc["summary"].clone();
    summary["line"] = serde_json::Value::from(expected_summary_line(&doc));
    let mut found: Vec<(String, u64, String, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").replace('\n', " "),
            )
        })
        .collect();
    found.sort_by(|a, b| (&a.0, a.1, &a.2).cmp(&(&b.0, b.1, &b.2)));
    (found, summary)
}

#[test]
fn compact_lists_the_json_findings_then_notices_and_summary() {
    let (found, summary) = expected();
    assert!(found.len() > 40, "the fixtures give many findings");
    let text = audit("compact");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), found.len() + 2, "{text}");
    for (line, (file, at, rule, message)) in lines.iter().zip(&found) {
        assert_eq!(*line, format!("{file}:{at}:1: {rule} {message}"));
    }
    let malformed = summary["malformed_lines"].as_u64().unwrap_or(0);
    assert!(malformed > 0);
    assert_eq!(
        lines[found.len()],
        format!("note: {malformed} telemetry line(s) could not be read (see the telemetry-parse-error findings)")
    );
    assert_eq!(
        lines[found.len() + 1],
        summary["line"].as_str().unwrap_or("")
    );
}

#[test]
fn github_annotates_the_json_findings_in_the_same_order() {
    let (found, _) = expected();
    let text = audit("github");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), found.len() + 2, "{text}");
    for (line, (file, at, rule, _)) in lines.iter().zip(&found) {
        assert!(
            ["notice", "warning", "error"]
                .iter()
                .any(|level| line.starts_with(&format!("::{level} file={file},line={at},col=1,"))),
            "{line}"
        );
        assert!(
            line.contains(&format!("title=agentlint ({rule})::")),
            "{line}"
        );
    }
    assert!(lines[found.len()].starts_with("::notice title=agentlint::"));
}
