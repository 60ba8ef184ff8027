//! config-outside-config-dir and scope-creep applied to the writes an
//! agent's telemetry shows (issue: "which also catches files the agent
//! changed and later reverted"). Fixture: fixtures/audit-change-policies/,
//! expectations written by hand below.

use std::path::Path;
use std::process::Command;

fn audit(extra: &[&str]) -> Vec<(u64, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit-change-policies");
    let out = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(&dir)
        .args([
            "audit",
            "telemetry.jsonl",
            "--workspace",
            "/ws",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .expect("agentlint runs");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut found: Vec<(u64, String)> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn f(line: u64, rule: &str) -> (u64, String) {
    (line, rule.to_string())
}

#[test]
fn telemetry_writes_are_judged_like_changed_files() {
    // Line 1 writes the task's target and line 2 its test: in scope.
    // Line 3 edits setup.cfg (config outside config/, and outside scope);
    // line 6 edits it again (reported once, at the first write).
    // Line 4 writes config/app.yaml (allowed folder, but outside every task).
    // Line 5 writes src/utils/helpers.py (outside every task).
    // Line 7 only reads a config file.
    assert_eq!(
        audit(&["--manifest", "task_manifest.json"]),
        vec![
            f(3, "config-outside-config-dir"),
            f(3, "scope-creep"),
            f(4, "scope-creep"),
            f(5, "scope-creep"),
        ]
    );
    // Without a manifest there is no scope to creep out of.
    assert_eq!(audit(&[]), vec![f(3, "config-outside-config-dir")]);
    // And the rules can be turned off like any other.
    assert_eq!(
        audit(&[
            "--manifest",
            "task_manifest.json",
            "--ignore",
            "scope-creep,config-outside-config-dir"
        ]),
        vec![]
    );
}
