//! Runs the change-set rules' fixtures.
//!
//! `fixtures/<rule-id>/<case>/` describes an agent's branch:
//! - `before/`: the tree committed on `main` (with its `agentlint.toml`,
//!   manifest and agent config, found by discovery);
//! - `after/`: files written over it on the branch and committed;
//! - `deleted.txt` (optional): paths removed on the branch, one a line;
//! - `untracked/` (optional): files written after that commit, untracked;
//! - `expected.txt`: the findings of `<rule-id>` written by hand, one
//!   `path:line` a line (`#` starts a comment). The case's other files are
//!   the ones the rule must not flag.

use agentlint::change::git::Repo;
use agentlint::config::resolve::{self, Overrides};
use agentlint::engine;
mod support;

use std::path::Path;
use support::git;

fn copy_tree(from: &Path, to: &Path) {
    if !from.is_dir() {
        return;
    }
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn run_case(rule: &str, case: &Path) -> (Vec<String>, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    copy_tree(&case.join("before"), repo);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "--allow-empty", "-m", "base"]);
    git(repo, &["checkout", "-q", "-b", "agent"]);
    copy_tree(&case.join("after"), repo);
    if let Ok(deleted) = std::fs::read_to_string(case.join("deleted.txt")) {
        for path in deleted.lines().map(str::trim).filter(|l| !l.is_empty()) {
            std::fs::remove_file(repo.join(path)).unwrap();
        }
    }
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "--allow-empty", "-m", "agent"]);
    copy_tree(&case.join("untracked"), repo);

    let settings = resolve::settings(repo, &Overrides::default()).unwrap();
    let changes = Repo::discover(repo).unwrap().since("main").unwrap();
    let report = engine::check(&changes, &settings);
    let mut actual: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| format!("{}:{}", f.path, f.start.line))
        .collect();
    actual.sort();
    let mut expected: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
        .unwrap_or_else(|_| panic!("{}/expected.txt", case.display()))
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    expected.sort();
    (actual, expected)
}

#[test]
fn change_set_rule_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut ran = 0;
    for rule in agentlint::registry::all() {
        let meta = rule.meta();
        if !matches!(meta.scope, agentlint::rule::Scope::ChangeSet) {
            continue;
        }
        let dir = root.join(meta.id);
        let cases: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| {
                panic!("change-set rule `{}` has no fixtures/{}/", meta.id, meta.id)
            })
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("expected.txt").is_file())
            .collect();
        assert!(!cases.is_empty(), "fixtures/{}/ has no case", meta.id);
        for case in cases {
            let (actual, expected) = run_case(meta.id, &case);
            assert!(
                !expected.is_empty(),
                "{}: a fixture must flag something",
                case.display()
            );
            assert_eq!(actual, expected, "{}", case.display());
            ran += 1;
        }
    }
    assert!(ran >= 5, "ran {ran} cases");
}
