//! Runs every Python rule (built-in or declarative) over its fixture folder, `fixtures/<rule-id>/`,
//! with only that rule selected, and compares the findings with the
//! hand-written `# expect: <rule-id>` markers on the flagged lines.
//! Failures are collected and named like ast-grep's test cases: *missing*
//! (expected, not reported) and *noisy* (reported, not expected).

use agentlint::change::walk;
use agentlint::engine;
use agentlint::registry::Registered;
use agentlint::rule::Scope;
use agentlint::rules::declarative;
use agentlint::settings::{Selection, Settings};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `(file, line)` of every `# expect: <id>` marker in the `.py` files under
/// `dir` (subfolders too: path-dependent rules keep cases in `tests/`...),
/// with root-relative, `/`-separated paths as findings have them.
fn expectations(dir: &Path, id: &str) -> BTreeSet<(String, u32)> {
    let marker = format!("# expect: {id}");
    let mut out = BTreeSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("fixture dir is readable") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("py") {
                continue;
            }
            let name = walk::relative_path(dir, &path);
            let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
            for (i, line) in text.lines().enumerate() {
                if line.contains(&marker) {
                    out.insert((name.clone(), i as u32 + 1));
                }
            }
        }
    }
    out
}

/// Built-in rules plus the declarative rules shipped in rules/.
fn all_rules() -> Vec<&'static Registered> {
    declarative::catalog(None).expect("the shipped rule files compile")
}

#[test]
fn every_python_rule_matches_its_fixtures() {
    let mut failures = Vec::new();
    for rule in all_rules() {
        let meta = rule.meta();
        if meta.scope != Scope::Python {
            continue;
        }
        let dir = fixtures_dir().join(meta.id);
        let expected = expectations(&dir, meta.id);
        let changes = walk::all(&dir, &[]).expect("walk fixtures");
        let settings = Settings {
            selection: Selection::from_rules(all_rules(), &[meta.id.to_string()], &[])
                .expect("rule exists"),
            ..Settings::default()
        };
        let report = engine::check(&changes, &settings);
        let actual: BTreeSet<(String, u32)> = report
            .findings
            .iter()
            .map(|f| (f.path.clone(), f.start.line))
            .collect();
        for missing in expected.difference(&actual) {
            failures.push(format!("{}: missing {}:{}", meta.id, missing.0, missing.1));
        }
        for noisy in actual.difference(&expected) {
            failures.push(format!("{}: noisy {}:{}", meta.id, noisy.0, noisy.1));
        }
        if !expected.iter().any(|(f, _)| f.starts_with("flagged")) {
            failures.push(format!("{}: no flagged case in flagged*.py", meta.id));
        }
        let allowed = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().starts_with("allowed"));
        if !allowed {
            failures.push(format!(
                "{}: no allowed*.py (what it must not flag)",
                meta.id
            ));
        }
        if expected.iter().any(|(f, _)| f.starts_with("allowed")) {
            failures.push(format!(
                "{}: allowed*.py must carry no expectation",
                meta.id
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_fixture_folder_and_documentation() {
    for rule in all_rules() {
        let meta = rule.meta();
        let dir = fixtures_dir().join(meta.id);
        assert!(
            dir.is_dir(),
            "rule {} has no fixtures/{}/",
            meta.id,
            meta.id
        );
        let docs = meta.docs_text();
        for heading in ["## What it does", "## Example", "## Not flagged"] {
            assert!(
                docs.contains(heading),
                "rule {} docs lack `{heading}`",
                meta.id
            );
        }
        assert!(
            docs.contains("## Why is this bad?") || docs.contains("## Why restrict this?"),
            "rule {} docs lack a Why section",
            meta.id
        );
        assert!(
            meta.id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "rule id {} is not kebab-case",
            meta.id
        );
    }
}
