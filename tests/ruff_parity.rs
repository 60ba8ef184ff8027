//! `--all` over a large real code base agrees with ruff's E722 / BLE001,
//! the reference semantics of bare-except / broad-except. The corpus is
//! this machine's CPython standard library (without site-packages); the
//! test is skipped, saying why, when ruff or the stdlib is not available
//! (`.ci/run` installs ruff==0.17.6).

mod support;

use agentlint::change::walk;
use agentlint::engine;
use agentlint::settings::{Selection, Settings};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::stdlib;

#[test]
fn all_mode_agrees_with_ruff_on_the_stdlib() {
    let Some(root) = stdlib() else {
        eprintln!("SKIPPED: no CPython stdlib found through python3");
        return;
    };
    let ruff_ok = Command::new("ruff")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ruff_ok {
        eprintln!("SKIPPED: ruff is not installed (pip install ruff==0.17.6)");
        return;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("stdlib readable")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name != "site-packages" && name != "__pycache__"
        })
        .collect();
    entries.sort();

    // ruff, on the same explicit paths (so its default excludes such as
    // `venv/` do not apply to top-level entries).
    let rel: Vec<String> = entries
        .iter()
        .map(|p| {
            p.strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let out = Command::new("ruff")
        .current_dir(&root)
        .args([
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            "E722,BLE001",
            "--output-format",
            "json",
            "--exit-zero",
        ])
        .args(&rel)
        .output()
        .expect("ruff runs");
    let ruff: Value = serde_json::from_slice(&out.stdout).expect("ruff json");
    let mut ruff_findings = BTreeSet::new();
    let mut ruff_syntax_errors = BTreeSet::new();
    for d in ruff.as_array().expect("array") {
        let file = Path::new(d["filename"].as_str().unwrap_or(""))
            .strip_prefix(&root)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let code = d["code"].as_str().unwrap_or("invalid-syntax");
        if code == "E722" || code == "BLE001" {
            let rule = if code == "E722" {
                "bare-except"
            } else {
                "broad-except"
            };
            ruff_findings.insert((
                file,
                d["location"]["row"].as_u64().unwrap_or(0),
                d["location"]["column"].as_u64().unwrap_or(0),
                rule.to_string(),
            ));
        } else {
            ruff_syntax_errors.insert(file);
        }
    }
    // ruff cannot read files that are not UTF-8 (it warns and skips them).
    let ruff_unreadable: BTreeSet<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("warning: Failed to lint "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect();

    let changes = walk::all(&root, &entries).expect("walk");
    let settings = Settings {
        selection: Selection::new(&["bare-except".into(), "broad-except".into()], &[]).unwrap(),
        ..Settings::default()
    };
    let report = engine::check(&changes, &settings);
    let ours_syntax: BTreeSet<String> = report
        .summary
        .files_with_syntax_errors
        .iter()
        .cloned()
        .collect();
    let comparable = |file: &String| {
        !ruff_syntax_errors.contains(file)
            && !ours_syntax.contains(file)
            && !ruff_unreadable.contains(file)
    };
    let ours: BTreeSet<(String, u64, u64, String)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                u64::from(f.start.line),
                u64::from(f.start.column),
                f.rule.to_string(),
            )
        })
        .filter(|f| comparable(&f.0))
        .collect();
    let theirs: BTreeSet<_> = ruff_findings
        .into_iter()
        .filter(|f| comparable(&f.0))
        .collect();
    let only_ours: Vec<_> = ours.difference(&theirs).collect();
    let only_ruff: Vec<_> = theirs.difference(&ours).collect();
    eprintln!(
        "stdlib: {} files checked, {} agreed findings, {} files with syntax errors left out",
        report.summary.files_checked,
        ours.intersection(&theirs).count(),
        ruff_syntax_errors.union(&ours_syntax).count()
    );
    assert!(
        theirs.len() > 500,
        "ruff found too little to compare: {}",
        theirs.len()
    );
    assert!(
        only_ours.is_empty() && only_ruff.is_empty(),
        "only agentlint: {only_ours:#?}\nonly ruff: {only_ruff:#?}"
    );
}
