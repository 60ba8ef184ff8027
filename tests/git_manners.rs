//! What a user is told when the change cannot be selected as asked: every
//! staged path linted, bounded `--diff` input, PATHs that name nothing,
//! git refusing the repository, a default branch that is HEAD itself, and
//! fetch hints git accepts.

mod support;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use support::{git as git_in, Repo};

fn agentlint(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, Value, String) {
    let mut cmd = Command::new(support::agentlint_bin());
    cmd.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .args(args)
        .args(["--format", "json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("agentlint runs");
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        flat(&String::from_utf8_lossy(&out.stderr)),
    )
}

/// Standard error as one line: miette wraps long messages at the
/// terminal's width, with `│` gutters.
fn flat(stderr: &str) -> String {
    stderr
        .replace(['│', '×'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn findings(report: &Value) -> Vec<(String, u64, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                        f["rule"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn f(path: &str, line: u64, rule: &str) -> (String, u64, String) {
    (path.to_string(), line, rule.to_string())
}

const BAD: &str = "try:\n    x()\nexcept:\n    pass\n";

#[test]
fn staged_lints_every_path_even_when_contents_are_shared() {
    let repo = Repo::new();
    repo.write("base.py", "x = 1\n");
    repo.commit_all("base");
    // The same bad content under two new paths and one modified path.
    repo.write("one.py", BAD);
    repo.write("two.py", BAD);
    repo.write("base.py", format!("x = 1\n{BAD}"));
    repo.git(&["add", "one.py", "two.py", "base.py"]);
    let (code, report, stderr) = agentlint(repo.path(), &["check", "--staged"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        findings(&report),
        vec![
            f("base.py", 4, "bare-except"),
            f("one.py", 3, "bare-except"),
            f("two.py", 3, "bare-except"),
        ]
    );
    assert_eq!(report["summary"]["files_checked"], 3, "{report}");
}

#[test]
fn staged_in_a_repository_without_commits_lints_the_index() {
    let repo = Repo::new();
    repo.write("one.py", BAD);
    repo.write("two.py", BAD);
    repo.git(&["add", "one.py", "two.py"]);
    let (code, report, stderr) = agentlint(repo.path(), &["check", "--staged"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        findings(&report),
        vec![f("one.py", 3, "bare-except"), f("two.py", 3, "bare-except")]
    );
}

#[test]
fn a_diff_larger_than_the_limit_is_an_error_not_a_partial_change() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("base");
    let mut patch = String::from("--- a/a.py\n+++ b/a.py\n@@ -1 +1,2 @@\n x = 1\n");
    while patch.len() < 4096 {
        patch.push_str("+y = 2\n");
    }
    repo.write("big.diff", &patch);
    let (code, _, stderr) = agentlint(
        repo.path(),
        &["check", "--diff", "big.diff", "--max-diff-size", "1K"],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("larger than 1K"), "{stderr}");
    assert!(stderr.contains("--max-diff-size"), "{stderr}");
    // Within the limit it is read.
    let (code, _, stderr) = agentlint(
        repo.path(),
        &["check", "--diff", "big.diff", "--max-diff-size", "1M"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    // A file far beyond the default limit (sparse: it takes no disk) is
    // refused without being read.
    let sparse = std::fs::File::create(repo.path().join("sparse.diff")).expect("create");
    sparse.set_len(1 << 40).expect("a sparse terabyte");
    let (code, _, stderr) = agentlint(repo.path(), &["check", "--diff", "sparse.diff"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("larger than 64M"), "{stderr}");
    let (code, _, stderr) = agentlint(
        repo.path(),
        &["check", "--diff", "big.diff", "--max-diff-size", "lots"],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a size"), "{stderr}");
}

#[test]
fn an_endless_diff_on_standard_input_stops_at_the_limit() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("base");
    let mut child = Command::new(support::agentlint_bin())
        .current_dir(repo.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(["check", "--diff", "-", "--max-diff-size", "64K"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("agentlint runs");
    let mut stdin = child.stdin.take().expect("stdin");
    // Writes until agentlint stops reading (a broken pipe), as `yes` would.
    let writer = std::thread::spawn(move || {
        let chunk = "+y = 2\n".repeat(1024);
        let _ = stdin.write_all(b"--- a/a.py\n+++ b/a.py\n@@ -1 +1,1000000000 @@\n");
        let mut written = 0usize;
        while stdin.write_all(chunk.as_bytes()).is_ok() {
            written += chunk.len();
            assert!(written < 1 << 30, "agentlint kept reading past its limit");
        }
        written
    });
    let out = child.wait_with_output().expect("agentlint ends");
    let written = writer.join().expect("writer");
    let stderr = flat(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin>") && stderr.contains("64K"),
        "{stderr}"
    );
    assert!(written < 16 << 20, "{written} bytes were read");
}

#[test]
fn a_path_that_names_nothing_is_an_error_in_every_mode() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.write("gone.py", BAD);
    repo.write("same.py", "z = 1\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "agent"]);
    repo.write("a.py", format!("x = 1\n{BAD}"));
    repo.git(&["rm", "-q", "gone.py"]);
    repo.git(&["add", "a.py"]);
    repo.git(&["diff", "--cached", "--output=change.diff"]);
    for mode in [
        &["check", "--since", "main"][..],
        &["check"][..],
        &["check", "--staged"][..],
        &["check", "--diff", "change.diff"][..],
        &["check", "--all"][..],
    ] {
        let mut args = mode.to_vec();
        args.push("nope.py");
        let (code, _, stderr) = agentlint(repo.path(), &args, &[]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("no such file or directory: `nope.py`"),
            "{args:?}: {stderr}"
        );
    }
    // A file that exists but did not change: nothing of it to check.
    let (code, report, stderr) =
        agentlint(repo.path(), &["check", "--since", "main", "same.py"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(findings(&report), vec![]);
    // A deleted file is in the change, not on disk.
    let (code, _, stderr) = agentlint(repo.path(), &["check", "--since", "main", "gone.py"], &[]);
    assert_eq!(code, 0, "{stderr}");
    // A real path still narrows the change.
    let (code, report, stderr) = agentlint(
        repo.path(),
        &["check", "--since", "main", "a.py", "same.py"],
        &[],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("a.py", 4, "bare-except")]);
}

#[test]
fn dubious_ownership_is_reported_as_git_says_with_the_safe_directory_hint() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("base");
    repo.write("a.py", format!("x = 1\n{BAD}"));
    repo.git(&["add", "a.py"]);
    // Git's own switch for "this repository belongs to someone else".
    let env = [("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")];
    let dir = repo.path().display().to_string();
    for mode in [
        &["check", "--since", "main"][..],
        &["check", "--staged"][..],
        &["check"][..],
    ] {
        let (code, _, stderr) = agentlint(repo.path(), mode, &env);
        assert_eq!(code, 2, "{mode:?}: {stderr}");
        assert!(
            stderr.contains("owned by another user"),
            "{mode:?}: {stderr}"
        );
        assert!(stderr.contains("safe.directory"), "{mode:?}: {stderr}");
        let hint = format!("git config --global --add safe.directory {dir}");
        assert!(stderr.contains(&hint), "{mode:?}: {stderr}");
        assert!(!stderr.contains("unknown revision"), "{mode:?}: {stderr}");
        assert!(!stderr.contains("usage:"), "{mode:?}: {stderr}");
    }
}

#[test]
fn a_clone_of_the_agents_branch_does_not_compare_head_with_itself() {
    // The agent worked in a repository whose checked-out branch is
    // `agent`; a clone's origin/HEAD then names origin/agent.
    let upstream = Repo::new();
    upstream.write("a.py", "x = 1\n");
    upstream.commit_all("base");
    upstream.git(&["checkout", "-q", "-b", "agent"]);
    upstream.write("a.py", format!("x = 1\n{BAD}"));
    upstream.commit_all("agent work");
    let holder = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", upstream.path().display());
    git_in(
        holder.path(),
        &["clone", "-q", "--branch", "agent", &url, "c"],
    );
    let clone = holder.path().join("c");
    let (code, _, stderr) = agentlint(&clone, &["check"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("origin/agent"), "{stderr}");
    assert!(stderr.contains("is HEAD itself"), "{stderr}");
    assert!(stderr.contains("--since origin/main"), "{stderr}");
    // The suggestion works.
    let (code, report, stderr) = agentlint(&clone, &["check", "--since", "origin/main"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("a.py", 4, "bare-except")]);
    // On the default branch with uncommitted work, that work is checked.
    std::fs::write(clone.join("b.py"), BAD).expect("write");
    let (code, report, stderr) = agentlint(&clone, &["check"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("b.py", 3, "bare-except")]);
    // Naming HEAD on purpose is not an error.
    std::fs::remove_file(clone.join("b.py")).expect("remove");
    let (code, _, stderr) = agentlint(&clone, &["check", "--since", "HEAD"], &[]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn fetch_hints_name_the_remote_and_the_branch_apart() {
    let upstream = Repo::new();
    upstream.write("a.py", "x = 1\n");
    upstream.commit_all("one");
    upstream.git(&["checkout", "-q", "-b", "feature"]);
    for i in 0..3 {
        upstream.write("a.py", format!("x = {i}\n"));
        upstream.commit_all("feature");
    }
    upstream.git(&["checkout", "-q", "main"]);
    upstream.write("b.py", "y = 1\n");
    upstream.commit_all("main moves");
    let holder = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", upstream.path().display());
    git_in(
        holder.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            &url,
            "c",
        ],
    );
    let clone = holder.path().join("c");
    git_in(&clone, &["checkout", "-q", "feature"]);
    // Shallow: the histories do not meet.
    let (code, _, stderr) = agentlint(&clone, &["check", "--since", "origin/main"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("shallow"), "{stderr}");
    assert!(stderr.contains("git fetch --unshallow origin"), "{stderr}");
    assert!(
        stderr.contains("git fetch --deepen=100 origin main"),
        "{stderr}"
    );
    assert!(!stderr.contains("origin origin/main"), "{stderr}");
    // The hint works: after it, the check runs.
    git_in(&clone, &["fetch", "-q", "--unshallow", "origin"]);
    let (code, _, stderr) = agentlint(&clone, &["check", "--since", "origin/main"], &[]);
    assert_eq!(code, 0, "{stderr}");
    // An unknown remote-tracking branch: fetch the branch from the remote.
    let (code, _, stderr) = agentlint(&clone, &["check", "--since", "origin/nope"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown revision `origin/nope`"),
        "{stderr}"
    );
    assert!(stderr.contains("git fetch origin nope"), "{stderr}");
    // A local name that only exists on the remote: say which.
    git_in(&clone, &["branch", "-q", "-D", "main"]);
    let (code, _, stderr) = agentlint(&clone, &["check", "--since", "main"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("did you mean `--since origin/main`?"),
        "{stderr}"
    );
}

#[test]
fn no_common_ancestor_and_a_corrupt_repository_are_told_apart() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("one");
    repo.git(&["checkout", "-q", "--orphan", "other"]);
    repo.commit_all("unrelated");
    let (code, _, stderr) = agentlint(repo.path(), &["check", "--since", "main"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no common ancestor"), "{stderr}");

    // The object HEAD's tree needs is damaged: git's reason, not a
    // revision problem.
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("one");
    let tree = String::from_utf8(repo.git(&["rev-parse", "HEAD^{tree}"]).stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&tree[..2])
        .join(&tree[2..]);
    let mut perms = std::fs::metadata(&object).expect("object").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).expect("chmod");
    std::fs::write(&object, b"not zlib at all").expect("damage");
    repo.write("a.py", "x = 2\n");
    let (code, _, stderr) = agentlint(repo.path(), &["check", "--since", "HEAD"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!stderr.contains("unknown revision"), "{stderr}");
    assert!(stderr.contains("git fsck"), "{stderr}");
}
