//! Every telemetry rule against its fixture folder: the findings of the
//! rule on each telemetry file must be exactly the `file:line` list that
//! `fixtures/<rule-id>/expected.txt` gives (written by hand).

use agentlint::audit::policy::{AuditPolicy, AuditTask};
use agentlint::audit::read::Input;
use agentlint::audit::{audit, AuditOptions};
use agentlint::registry::{self, Registered};
use agentlint::settings::Selection;
use std::path::{Path, PathBuf};

fn task(id: &str, priority: i64, module: &str, blocked: Option<&str>) -> AuditTask {
    AuditTask {
        id: id.into(),
        priority,
        target_module: module.into(),
        blocked_on: blocked.map(str::to_string),
        manifest_line: None,
    }
}

/// The policy each fixture folder is audited with.
fn policy_for(rule: &str) -> AuditPolicy {
    let mut p = AuditPolicy {
        workspace: Some(PathBuf::from("/opt/agent-workspace")),
        home: Some(PathBuf::from("/home/agent")),
        ..AuditPolicy::default()
    };
    match rule {
        "token-limit" => p.context_window_limit = Some(8192),
        "priority-drift" => {
            p.tasks = vec![
                task("TASK-007", 1, "src/rate_limiter.py", None),
                task("TASK-012", 2, "src/output_formatter.py", None),
                task("TASK-015", 3, "src/report", None),
                task("TASK-020", 4, "src/legacy.py", Some("TASK-999")),
            ]
        }
        "file-proximity-batching" => {
            p.tasks = vec![
                task("T1", 1, "src/output/formatter.py", None),
                task("T2", 2, "src/net/limiter.py", None),
                task("T3", 3, "src/output/columns.py", None),
                task("T4", 4, "docs/guide.md", None),
            ]
        }
        _ => {}
    }
    p
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn telemetry_rules() -> Vec<&'static str> {
    registry::all()
        .iter()
        .filter_map(|r| match r {
            Registered::Telemetry(t) => Some(t.meta().id),
            _ => None,
        })
        .collect()
}

fn run_folder(rule: &str) -> (Vec<String>, Vec<String>) {
    let dir = fixtures().join(rule);
    let expected_text = std::fs::read_to_string(dir.join("expected.txt"))
        .unwrap_or_else(|e| panic!("{rule}: no expected.txt: {e}"));
    let mut expected: Vec<String> = expected_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    expected.sort();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{rule}: no telemetry fixtures");
    let options = AuditOptions {
        format: None,
        selection: Selection::new(&[rule.to_string()], &[]).unwrap(),
    };
    let policy = policy_for(rule);
    let mut actual = Vec::new();
    let mut clean_files = 0;
    for file in &files {
        let report = audit(&[Input::Path(file.clone())], &policy, &options);
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let mut clean_lines = report.summary.lines as usize;
        for f in &report.findings {
            assert_eq!(f.rule, rule);
            assert_eq!(
                f.path,
                file.display().to_string(),
                "findings anchor at the telemetry file"
            );
            assert_eq!(f.start.column, 1);
            assert!(f.end.column > 1, "the anchor spans the line");
            actual.push(format!("{name}:{}", f.start.line));
            clean_lines = clean_lines.saturating_sub(1);
        }
        if clean_lines > 0 {
            clean_files += 1;
        }
    }
    assert!(
        clean_files > 0,
        "{rule}: fixtures must also show what is not flagged"
    );
    actual.sort();
    (expected, actual)
}

#[test]
fn every_telemetry_rule_has_fixtures_that_match() {
    let mut failures = Vec::new();
    for rule in telemetry_rules() {
        let (expected, actual) = run_folder(rule);
        assert!(
            !expected.is_empty(),
            "{rule}: fixtures must show what is flagged"
        );
        if expected != actual {
            failures.push(format!(
                "{rule}:\n  expected {expected:?}\n  actual   {actual:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn telemetry_rule_docs_have_the_sections() {
    for r in registry::all() {
        let Registered::Telemetry(rule) = r else {
            continue;
        };
        let docs = rule.meta().docs_text();
        for section in [
            "## What it does",
            "## Example",
            "Use instead",
            "## Not flagged",
        ] {
            assert!(
                docs.contains(section),
                "{}: missing {section}",
                rule.meta().id
            );
        }
        assert!(
            docs.contains("## Why is this bad?") || docs.contains("## Why restrict this?"),
            "{}: missing the why section",
            rule.meta().id
        );
    }
}
