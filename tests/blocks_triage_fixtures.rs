//! Runs the block-file and triage rules over their fixtures.
//!
//! `fixtures/<rule-id>/<case>/` holds a small repository (block rules: its
//! files, block files and dependency files) or a manifest and an agent
//! config (triage rules: `task_manifest.json` or `task_manifest.ts`,
//! `agent_config.yaml`), and `expected.txt`: the rule's findings written by
//! hand, one `path:line` a line (`#` starts a comment). Everything else in
//! the case is what the rule must not flag. Triage rules on tasks have the
//! same case in both manifest formats (`json/` and `ts/`), line for line.

use agentlint::blocks;
use agentlint::config::agent_config::AgentConfig;
use agentlint::config::resolve::{self, Overrides};
use agentlint::registry::Registered;
use agentlint::triage;
use std::path::{Path, PathBuf};

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else if entry.file_name() != "expected.txt" {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn expected(case: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
        .unwrap_or_else(|_| panic!("{}/expected.txt", case.display()))
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    out.sort();
    out
}

fn cases(rule: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rule);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("rule `{rule}` has no fixtures/{rule}/"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.txt").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "fixtures/{rule}/ has no case");
    cases
}

fn manifest_in(dir: &Path) -> Option<PathBuf> {
    ["task_manifest.json", "task_manifest.ts"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

fn run_blocks(rule: &str, case: &Path) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    copy_tree(case, &root);
    let overrides = Overrides {
        select: vec![rule.to_string()],
        manifest: manifest_in(&root),
        ..Overrides::default()
    };
    let settings = resolve::settings(&root, &overrides).unwrap();
    let manifest_path = settings.manifest.as_ref().map(|_| {
        manifest_in(&root)
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default()
    });
    let report = blocks::run(&blocks::Inputs {
        root: &root,
        block_files: None,
        settings: &settings,
        manifest_path,
    })
    .unwrap();
    let mut actual: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| format!("{}:{}", f.path, f.start.line))
        .collect();
    actual.sort();
    actual
}

fn run_triage(rule: &str, case: &Path) -> Vec<String> {
    let overrides = Overrides {
        select: vec![rule.to_string()],
        manifest: manifest_in(case),
        ..Overrides::default()
    };
    let settings = resolve::settings(case, &overrides).unwrap();
    let manifest = settings
        .manifest
        .clone()
        .expect("a triage case has a manifest");
    let agent_file = case.join("agent_config.yaml");
    let agent = agent_file.is_file().then(|| {
        AgentConfig::parse(
            Path::new("agent_config.yaml"),
            std::fs::read_to_string(&agent_file).unwrap(),
        )
        .unwrap()
    });
    let name = manifest
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let result = triage::run(&triage::Inputs {
        manifest: &manifest,
        manifest_path: name,
        agent: agent.as_ref().map(|a| (a, "agent_config.yaml".to_string())),
        settings: &settings,
    });
    let mut actual: Vec<String> = result
        .report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| format!("{}:{}", f.path, f.start.line))
        .collect();
    actual.sort();
    actual
}

#[test]
fn block_and_triage_rule_fixtures() {
    let mut ran = 0;
    let mut failures = Vec::new();
    for rule in agentlint::registry::all() {
        let id = rule.meta().id;
        let run: fn(&str, &Path) -> Vec<String> = match rule {
            Registered::Blocks(_) => run_blocks,
            Registered::Triage(_) => run_triage,
            _ => continue,
        };
        for case in cases(id) {
            let want = expected(&case);
            let got = run(id, &case);
            if got != want {
                failures.push(format!(
                    "{}: expected {want:?}, got {got:?}",
                    case.display()
                ));
            }
            ran += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
    assert!(ran >= 30, "ran {ran} cases");
}

/// Every case of a task rule exists in both manifest formats and expects
/// the same lines.
#[test]
fn task_rule_cases_match_across_formats() {
    for rule in agentlint::registry::all() {
        let id = rule.meta().id;
        if !id.starts_with("task-") {
            continue;
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(id);
        let json: Vec<String> = expected(&dir.join("json"))
            .iter()
            .map(|l| l.replace("task_manifest.json", "M"))
            .collect();
        let ts: Vec<String> = expected(&dir.join("ts"))
            .iter()
            .map(|l| l.replace("task_manifest.ts", "M"))
            .collect();
        assert_eq!(json, ts, "{id}");
        assert!(!json.is_empty(), "{id}: a case must flag something");
    }
}
