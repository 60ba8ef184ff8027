//! The repository's `.pre-commit-hooks.yaml`, run by the real `pre-commit`
//! tool (PyPI) on a real temporary repository.
//!
//! The manifest is used verbatim, from a temporary hook repository that a
//! consumer's `.pre-commit-config.yaml` points at by `repo:` and `rev:`.
//! The consumer overrides `language: rust` with `language: system`, which
//! pre-commit allows for any hook: `rust` would make pre-commit build
//! agentlint with `cargo install` from the hook repository (minutes on a
//! two-core machine, and a build of the committed tree rather than of the
//! binary under test). With `system`, pre-commit runs the manifest's
//! `entry` (`agentlint check --staged`) with the binary under test first on
//! PATH; ids, entry, arguments and `pass_filenames` all come from the
//! manifest. Skipped, saying so, when pre-commit is not installed (`.ci/run`
//! installs it with pip and then requires this test to run).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{agentlint_bin, git, git_command, repo_root, Repo};

const REQUIRE_PRE_COMMIT: &str = "AGENTLINT_REQUIRE_PRE_COMMIT";

/// How to run pre-commit here: `pre-commit` on PATH, or the Python module.
fn pre_commit_command() -> Option<Vec<String>> {
    let candidates: [&[&str]; 2] = [&["pre-commit"], &["python3", "-m", "pre_commit"]];
    candidates.iter().find_map(|argv| {
        let ok = Command::new(argv[0])
            .args(&argv[1..])
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| argv.iter().map(|s| s.to_string()).collect())
    })
}

struct PreCommit {
    argv: Vec<String>,
    home: tempfile::TempDir,
    path: String,
}

impl PreCommit {
    fn run(&self, repo: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.argv[0]);
        cmd.current_dir(repo)
            .args(&self.argv[1..])
            .args(args)
            .env("PRE_COMMIT_HOME", self.home.path())
            .env("PRE_COMMIT_COLOR", "never")
            .env("PATH", &self.path)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        cmd.output().expect("pre-commit runs")
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A git repository holding only this repository's `.pre-commit-hooks.yaml`.
fn hook_repo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::copy(
        repo_root().join(".pre-commit-hooks.yaml"),
        dir.path().join(".pre-commit-hooks.yaml"),
    )
    .expect("copy the manifest");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "hooks"]);
    let rev = git(dir.path(), &["rev-parse", "HEAD"]);
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_string();
    (dir, rev)
}

const BAD: &str = "try:\n    import fast\nexcept:\n    fast = None\n";
const GOOD: &str = "try:\n    import fast\nexcept ImportError:\n    fast = None\n";

#[test]
fn pre_commit_runs_agentlint_through_the_manifest() {
    let Some(argv) = pre_commit_command() else {
        support::skip(
            REQUIRE_PRE_COMMIT,
            "pre-commit test not run: `pre-commit` is not installed (pip install pre-commit)",
        );
        return;
    };
    let bin_dir: PathBuf = agentlint_bin().parent().expect("bin dir").to_path_buf();
    let pc = PreCommit {
        argv,
        home: tempfile::tempdir().expect("tempdir"),
        path: format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
    };
    let (hooks, rev) = hook_repo();

    let repo = Repo::new();
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: agentlint\n        language: system\n      - id: agentlint-all\n        language: system\n        stages: [manual]\n",
            hooks.path().display()
        ),
    );
    // An old bare `except:` that the staged-change hook must not report.
    repo.write("legacy.py", BAD);
    repo.commit_all("base");

    // A bad staged change: the hook fails and names the finding.
    repo.write("app.py", BAD);
    repo.git(&["add", "app.py"]);
    let out = pc.run(repo.path(), &["run", "agentlint"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("app.py") && said.contains("bare-except"),
        "{said}"
    );
    assert!(
        !said.contains("legacy.py"),
        "only the change is linted: {said}"
    );

    // A good change staged over bad unstaged edits: pre-commit stashes the
    // unstaged part and the hook sees only what is committed.
    repo.write("app.py", GOOD);
    repo.git(&["add", "app.py"]);
    repo.write("app.py", BAD);
    let out = pc.run(repo.path(), &["run", "agentlint"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("app.py")).expect("read"),
        BAD
    );

    // The second hook lints whole files that pre-commit passes.
    let out = pc.run(
        repo.path(),
        &[
            "run",
            "agentlint-all",
            "--hook-stage",
            "manual",
            "--files",
            "legacy.py",
        ],
    );
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("legacy.py") && said.contains("bare-except"),
        "{said}"
    );

    // Installed as the git hook, it stops the commit.
    let out = pc.run(repo.path(), &["install"]);
    assert!(out.status.success(), "{}", text(&out));
    repo.write("app.py", BAD);
    repo.git(&["add", "app.py"]);
    let out = git_command(repo.path())
        .env("PATH", &pc.path)
        .env("PRE_COMMIT_HOME", pc.home.path())
        .args(["commit", "-q", "-m", "bad"])
        .output()
        .expect("git runs");
    let said = text(&out);
    assert!(!out.status.success(), "the commit was stopped: {said}");
    assert!(said.contains("bare-except"), "{said}");
}

/// The manifest exactly as users get it, `language: rust` included:
/// pre-commit clones this repository at HEAD and builds agentlint with
/// `cargo install` (about ten minutes on two shared cores), so this runs
/// only when asked: `AGENTLINT_PRE_COMMIT_RUST=1 cargo test --test pre_commit`.
#[test]
fn pre_commit_builds_agentlint_with_language_rust() {
    if !support::required("AGENTLINT_PRE_COMMIT_RUST") {
        println!("SKIPPED: set AGENTLINT_PRE_COMMIT_RUST=1 to build agentlint through pre-commit's `language: rust`");
        return;
    }
    let Some(argv) = pre_commit_command() else {
        panic!("AGENTLINT_PRE_COMMIT_RUST=1 but pre-commit is not installed");
    };
    let pc = PreCommit {
        argv,
        home: tempfile::tempdir().expect("tempdir"),
        path: std::env::var("PATH").unwrap_or_default(),
    };
    let head = git(&repo_root(), &["rev-parse", "HEAD"]);
    let rev = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let repo = Repo::new();
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: agentlint\n",
            repo_root().display()
        ),
    );
    repo.commit_all("base");
    repo.write("app.py", BAD);
    repo.git(&["add", "app.py"]);
    let out = pc.run(repo.path(), &["run", "agentlint"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("bare-except"), "{said}");
}
