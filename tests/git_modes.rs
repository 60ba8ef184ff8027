//! End-to-end tests of change selection on temporary git repositories:
//! the agentlint binary is run the way CI and pre-commit run it.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{git as git_in, Repo};

/// Runs agentlint with `--format json`: (exit code, report, stderr).
fn agentlint_in(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let (code, stdout, stderr) = support::agentlint_in(dir, &all);
    (
        code,
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

trait JsonRun {
    fn agentlint_json(&self, args: &[&str]) -> (i32, Value, String);
}

impl JsonRun for Repo {
    fn agentlint_json(&self, args: &[&str]) -> (i32, Value, String) {
        agentlint_in(self.path(), args)
    }
}

/// `(path, line, rule)` of each finding.
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

const BASE: &str = "\
def old():
    try:
        pass
    except:
        pass
";

#[test]
fn since_reports_only_changed_lines_after_the_merge_base() {
    let repo = Repo::new();
    repo.write("app.py", BASE);
    repo.write(".gitignore", "ignored.py\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // Committed on the branch: new lines at the end of app.py.
    repo.write(
        "app.py",
        format!(
            "{BASE}\ndef new():\n    try:\n        pass\n    except Exception:\n        pass\n"
        ),
    );
    repo.commit_all("feature work");
    // Work on main after the branch point is not part of the change.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("later.py", "try:\n    x()\nexcept:\n    pass\n");
    repo.commit_all("later main work");
    repo.git(&["checkout", "-q", "feature"]);
    // Staged, unstaged, untracked and ignored files.
    repo.write("staged.py", "try:\n    x()\nexcept:\n    pass\n");
    repo.git(&["add", "staged.py"]);
    repo.write(
        "untracked.py",
        "try:\n    x()\nexcept BaseException:\n    pass\n",
    );
    repo.write("ignored.py", "try:\n    x()\nexcept:\n    pass\n");

    let (code, report, stderr) = repo.agentlint_json(&["check", "--since", "main"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        findings(&report),
        vec![
            f("app.py", 10, "broad-except"),
            f("staged.py", 3, "bare-except"),
            f("untracked.py", 3, "broad-except"),
        ]
    );
    // Without a flag, the default branch (main) is used.
    let (code, default_report, _) = repo.agentlint_json(&["check"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&default_report), findings(&report));
    // PATH arguments restrict the change set.
    let (_, restricted, _) = repo.agentlint_json(&["check", "--since", "main", "app.py"]);
    assert_eq!(findings(&restricted), vec![f("app.py", 10, "broad-except")]);
}

#[test]
fn staged_lints_the_index_not_the_working_file() {
    let repo = Repo::new();
    repo.write("app.py", "x = 1\n");
    repo.commit_all("base");
    repo.write("app.py", "x = 1\ntry:\n    y()\nexcept:\n    pass\n");
    repo.git(&["add", "app.py"]);
    // The working file drops the problem, and adds another one unstaged.
    repo.write("app.py", "x = 1\ntry:\n    y()\nexcept ValueError:\n    pass\ntry:\n    z()\nexcept Exception:\n    pass\n");
    repo.write("untracked.py", "try:\n    x()\nexcept:\n    pass\n");
    let (code, report, stderr) = repo.agentlint_json(&["check", "--staged"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("app.py", 4, "bare-except")]);
}

#[test]
fn rename_with_edit_deletion_binary_non_utf8_and_syntax_errors() {
    let repo = Repo::new();
    // Long enough that the edit keeps it above git's 50% rename similarity.
    let padded: String =
        BASE.to_string() + &(0..20).map(|i| format!("v{i} = {i}\n")).collect::<String>();
    repo.write("old_name.py", &padded);
    repo.write("gone.py", BASE);
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.git(&["mv", "old_name.py", "new_name.py"]);
    repo.write(
        "new_name.py",
        format!(
            "{padded}\ndef added():\n    try:\n        pass\n    except Exception:\n        pass\n"
        ),
    );
    repo.git(&["rm", "-q", "gone.py"]);
    repo.write("blob.py", b"\x00\x01binary\x00 except:\n".as_slice());
    repo.write(
        "latin1.py",
        b"s = '\xe9'\ntry:\n    x()\nexcept:\n    pass\n".as_slice(),
    );
    repo.write(
        "broken.py",
        "def broken(:\n    pass\n\ntry:\n    x()\nexcept:\n    pass\n",
    );
    repo.commit_all("feature");

    let (code, report, stderr) = repo.agentlint_json(&["check", "--since", "main"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        findings(&report),
        vec![
            f("broken.py", 6, "bare-except"),
            f("latin1.py", 4, "bare-except"),
            f("new_name.py", 30, "broad-except"),
        ]
    );
    let summary = &report["summary"];
    assert_eq!(summary["skipped_by_reason"]["binary"], 1, "{summary}");
    assert_eq!(summary["skipped_by_reason"]["deleted"], 1, "{summary}");
    assert_eq!(
        summary["files_decoded_lossily"],
        serde_json::json!(["latin1.py"])
    );
    assert_eq!(
        summary["files_with_syntax_errors"],
        serde_json::json!(["broken.py"])
    );
}

#[test]
fn function_level_findings_follow_the_change() {
    let repo = Repo::new();
    let base = "import logging\nlog = logging.getLogger()\n\n\
def untouched(x):\n    if x:\n        log.info('x')\n\n\
def touched(x):\n    y = x\n    if y:\n        log.info('y')\n    return y\n\n\
def entry_removed(x):\n    log.debug('entry')\n    if x:\n        log.info('x')\n";
    repo.write("svc.py", base);
    repo.commit_all("base");
    let changed = base
        .replace("    return y\n", "    return y + 1\n")
        .replace("    log.debug('entry')\n", "");
    repo.write("svc.py", changed);
    let (code, report, stderr) = repo.agentlint_json(&["check", "--since", "main"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        findings(&report),
        vec![
            f("svc.py", 8, "log-not-at-entry"),
            f("svc.py", 14, "log-not-at-entry"),
        ]
    );
}

/// `(rule, path, line, message)` of each finding: the messages of
/// line-budget carry the added and deleted counts.
fn detailed(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["path"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                        f["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `--since` computes changed lines itself from git's raw diff and the
/// merge-base blobs: its findings and per-file counts are those of git's
/// own patch of the same change read through `--diff`.
#[test]
fn since_agrees_with_gits_own_patch() {
    let repo = Repo::new();
    // A budget of one line puts every changed file's counts in a message.
    repo.write("agentlint.toml", "[rules.line-budget]\ndefault = 1\n");
    let block = "def handler(x):\n    try:\n        x()\n    except Exception:\n        pass\n\n";
    let long: String = (0..30).map(|i| format!("v{i} = {i}\n")).collect();
    repo.write("slide.py", format!("{block}{block}{long}"));
    repo.write("edit.py", format!("{long}{block}"));
    repo.write("renamed.py", format!("{block}{long}"));
    repo.write("gone.py", block);
    repo.write("no_newline.py", "x = 1\ny = 2");
    repo.write("mode.py", "x = 1\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    // A block repeated next to itself (where a hunk's place is ambiguous),
    // committed.
    repo.write("slide.py", format!("{block}{block}{block}{long}"));
    repo.git(&["mv", "renamed.py", "moved.py"]);
    repo.write("moved.py", format!("{block}{long}{block}"));
    repo.git(&["rm", "-q", "gone.py"]);
    repo.write("added.py", block);
    repo.commit_all("feature");
    // Unstaged: a rewrite in the middle, deletions, a lost final newline,
    // a mode change alone.
    repo.write(
        "edit.py",
        format!(
            "{}{block}",
            long.replace("v7 = 7\n", "v7 = 70\ntry:\n    w()\nexcept:\n    pass\n")
                .replace("v20 = 20\nv21 = 21\n", "")
        ),
    );
    repo.write("no_newline.py", "x = 1\ny = 3");
    {
        use std::os::unix::fs::PermissionsExt;
        let path = repo.path().join("mode.py");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    let (_, since, stderr) = repo.agentlint_json(&["check", "--since", "main"]);
    let patch = repo
        .git(&["diff", "--find-renames", "--merge-base", "main"])
        .stdout;
    std::fs::write(repo.path().join("change.diff"), &patch).unwrap();
    let (_, via_patch, _) = repo.agentlint_json(&["check", "--diff", "change.diff"]);
    let since = detailed(&since);
    assert!(
        since
            .iter()
            .any(|f| f.1 == "edit.py" && f.0 == "bare-except"),
        "{since:?} {stderr}"
    );
    assert!(
        since
            .iter()
            .any(|f| f.1 == "moved.py" && f.0 == "line-budget"),
        "{since:?}"
    );
    assert_eq!(since, detailed(&via_patch));
}

/// A file whose line endings changed (a `core.autocrlf` checkout, or an
/// editor) has changed only where its code did.
#[test]
fn line_ending_only_changes_are_not_changed_lines() {
    let repo = Repo::new();
    repo.write("app.py", BASE);
    repo.commit_all("base");
    let crlf = format!("{BASE}try:\n    y()\nexcept Exception:\n    pass\n").replace('\n', "\r\n");
    repo.write("app.py", crlf);
    let (code, report, stderr) = repo.agentlint_json(&["check", "--since", "main"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("app.py", 8, "broad-except")]);
}

#[test]
fn bad_references_and_shallow_clones_are_clear_errors() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("one");
    let (code, _, stderr) = repo.agentlint_json(&["check", "--since", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown revision `no-such-branch`"),
        "{stderr}"
    );
    let (code, _, stderr) = repo.agentlint_json(&["check", "--since", "--output=/tmp/x"]);
    assert_eq!(code, 2, "{stderr}");

    // A shallow clone of a branch that diverged from main.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    for i in 0..3 {
        repo.write("a.py", format!("x = {i}\n"));
        repo.commit_all("feature");
    }
    repo.git(&["checkout", "-q", "main"]);
    repo.write("b.py", "y = 1\n");
    repo.commit_all("main moves");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    git_in(
        clone.path(),
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
    let cloned = clone.path().join("c");
    git_in(&cloned, &["checkout", "-q", "feature"]);
    let (code, _, stderr) = agentlint_in(&cloned, &["check", "--since", "origin/main"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("shallow"), "{stderr}");
    assert!(stderr.contains("fetch --unshallow"), "{stderr}");
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");
}

#[test]
fn outside_git_needs_all_and_all_works_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.py"),
        "try:\n    x()\nexcept:\n    pass\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".ignore"), "skip.py\n").unwrap();
    std::fs::write(
        dir.path().join("skip.py"),
        "try:\n    x()\nexcept:\n    pass\n",
    )
    .unwrap();
    let (code, _, stderr) = agentlint_in(dir.path(), &["check", "--since", "main"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--all"), "{stderr}");
    let (code, report, stderr) = agentlint_in(dir.path(), &["check", "--all"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("a.py", 3, "bare-except")]);
}

#[test]
fn diff_mode_reads_git_and_plain_diffs() {
    let repo = Repo::new();
    repo.write("src/a.py", "x = 1\n");
    repo.commit_all("base");
    repo.write("src/a.py", "x = 1\ntry:\n    y()\nexcept:\n    pass\n");
    let diff = repo.git(&["diff"]).stdout;
    let patch: PathBuf = repo.path().join("change.diff");
    std::fs::write(&patch, &diff).unwrap();
    let (code, report, stderr) = repo.agentlint_json(&["check", "--diff", "change.diff"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("src/a.py", 4, "bare-except")]);

    let plain = "--- orig/src/a.py\t2024-01-01\n+++ new/src/a.py\t2024-01-02\n@@ -1 +1,5 @@\n x = 1\n+try:\n+    y()\n+except:\n+    pass\n";
    std::fs::write(repo.path().join("plain.diff"), plain).unwrap();
    let (code, report, stderr) = repo.agentlint_json(&["check", "--diff", "plain.diff"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("src/a.py", 4, "bare-except")]);

    std::fs::write(repo.path().join("junk.diff"), "this is not a diff\n").unwrap();
    let (code, _, stderr) = repo.agentlint_json(&["check", "--diff", "junk.diff"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a unified diff"), "{stderr}");
}

/// A committed repository and an executable script that leaves `PWNED`
/// in it when run (a filter, diff driver, fsmonitor or pager that must not).
fn repo_with_trap() -> (Repo, PathBuf, PathBuf) {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("base");
    let marker = repo.path().join("PWNED");
    let script = repo.path().join("evil.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch {}\ncat\n", marker.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (repo, script, marker)
}

#[test]
fn repository_configured_programs_never_run_and_symlinks_are_not_followed() {
    let (repo, script, marker) = repo_with_trap();
    let s = script.display().to_string();
    for (key, value) in [
        ("core.fsmonitor", s.as_str()),
        ("diff.external", s.as_str()),
        ("diff.evil.textconv", s.as_str()),
        ("diff.evil.command", s.as_str()),
        ("filter.evil.clean", s.as_str()),
        ("filter.evil.smudge", s.as_str()),
        ("filter.evil.process", s.as_str()),
        ("core.pager", s.as_str()),
        ("pager.diff", s.as_str()),
    ] {
        repo.git(&["config", key, value]);
    }
    repo.write(".gitattributes", "*.py diff=evil filter=evil\n");
    repo.write("a.py", "x = 2\ntry:\n    y()\nexcept:\n    pass\n");
    // A symlink to a file outside the repository is never read.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("secret.py");
    std::fs::write(&target, "try:\n    x()\nexcept:\n    pass\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, repo.path().join("link.py")).unwrap();

    let (code, report, stderr) = repo.agentlint_json(&["check", "--since", "main"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("a.py", 4, "bare-except")]);
    let (_, staged, _) = repo.agentlint_json(&["check", "--staged"]);
    assert!(staged["summary"].is_object());
    assert!(!marker.exists(), "a repository-configured program ran");
    #[cfg(unix)]
    assert_eq!(report["summary"]["skipped_by_reason"]["symlink"], 1);
}

/// Filter drivers that git finds through an include, the global file or
/// the environment: agentlint's shortcut (no `git config` process when no
/// configuration file mentions a filter) must still see and empty them.
#[test]
fn filters_reached_through_includes_or_the_environment_never_run() {
    let (repo, script, marker) = repo_with_trap();
    let driver = format!(
        "[filter \"evil\"]\n\tclean = {0}\n\tsmudge = {0}\n\tprocess = {0}\n",
        script.display()
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let included = elsewhere.path().join("included.cfg");
    std::fs::write(&included, &driver).unwrap();
    let global = elsewhere.path().join("global.cfg");
    std::fs::write(&global, &driver).unwrap();
    repo.write(".gitattributes", "*.py filter=evil\n");
    repo.write("a.py", "x = 2\ntry:\n    y()\nexcept:\n    pass\n");

    let included_path = included.display().to_string();
    let global_path = global.display().to_string();
    let script_path = script.display().to_string();
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("an include in the repository's config", vec![]),
        (
            "the global configuration file",
            vec![("GIT_CONFIG_GLOBAL", global_path.as_str())],
        ),
        (
            "GIT_CONFIG_COUNT in the environment",
            vec![
                ("GIT_CONFIG_COUNT", "1"),
                ("GIT_CONFIG_KEY_0", "filter.evil.clean"),
                ("GIT_CONFIG_VALUE_0", script_path.as_str()),
            ],
        ),
    ];
    for (how, env) in cases {
        if how.starts_with("an include") {
            repo.git(&["config", "include.path", &included_path]);
        } else {
            // Exits 5 once there is nothing left to unset.
            let _ = support::git_command(repo.path())
                .args(["config", "--unset-all", "include.path"])
                .output()
                .expect("git runs");
        }
        // The check really reaches the filter: plain git runs it.
        let mut plain = support::git_command(repo.path());
        plain.args(["diff", "--quiet", "main"]);
        for (k, v) in &env {
            plain.env(k, v);
        }
        let _ = plain.output().expect("git runs");
        assert!(marker.exists(), "{how}: plain git diff runs the filter");
        std::fs::remove_file(&marker).unwrap();
        // Refresh the index's view so the next diff compares content again.
        std::fs::write(
            repo.path().join("a.py"),
            "x = 2\ntry:\n    y()\nexcept:\n    pass\n",
        )
        .unwrap();

        let mut cmd = std::process::Command::new(support::agentlint_bin());
        cmd.current_dir(repo.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["check", "--since", "main", "--format", "json"]);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("agentlint runs");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        assert_eq!(
            findings(&report),
            vec![f("a.py", 4, "bare-except")],
            "{how}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!marker.exists(), "{how}: a configured filter ran");
    }
}
