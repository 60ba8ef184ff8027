//! No program a repository configures ever runs, whatever the route: one
//! test per route found by a hostile-input exploration (each first shows
//! that plain git does run the planted program, so the test can fail),
//! and one that plants a marker program behind every configuration key
//! git documents as running a command and runs every check mode.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{git as git_in, git_command, Repo};

/// An executable script that creates `marker` when run. A filter-shaped
/// one passes its input through; a transport-shaped one fails at once.
fn marker_script(dir: &Path, name: &str, marker: &Path, passes_through: bool) -> PathBuf {
    let script = dir.join(name);
    let tail = if passes_through { "cat" } else { "exit 1" };
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\n{tail}\n", marker.display()),
    )
    .expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    script
}

/// A place for markers and scripts outside every repository.
struct Trap {
    dir: tempfile::TempDir,
}

impl Trap {
    fn new() -> Trap {
        Trap {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    fn marker(&self) -> PathBuf {
        self.dir.path().join("RAN")
    }
    fn filter(&self) -> String {
        marker_script(self.dir.path(), "filter.sh", &self.marker(), true)
            .display()
            .to_string()
    }
    fn transport(&self) -> String {
        marker_script(self.dir.path(), "transport.sh", &self.marker(), false)
            .display()
            .to_string()
    }
    fn ran(&self) -> bool {
        self.marker().exists()
    }
    fn reset(&self) {
        let _ = std::fs::remove_file(self.marker());
    }
}

/// Runs agentlint in `dir` with `--format json` and extra environment.
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
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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

/// `(path, line, rule)`.
type Found = (String, u64, String);

fn f(path: &str, line: u64, rule: &str) -> Found {
    (path.to_string(), line, rule.to_string())
}

/// A bare except at line 4 of the new side.
const EDITED: &str = "x = 2\ntry:\n    y()\nexcept:\n    pass\n";

/// Plain git, as a user would run it, with `env`: shows the route is armed.
fn plain_git(dir: &Path, args: &[&str], env: &[(&str, &str)]) {
    let mut cmd = git_command(dir);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let _ = cmd.output().expect("git runs");
}

/// The agent's edit: `a.py` moved to `b.py` (staged) and rewritten with a
/// bare except at line 4. Rename detection makes git read `b.py` from the
/// working tree, through its clean filter.
fn move_and_edit(dir: &Path) {
    git_in(dir, &["mv", "a.py", "b.py"]);
    std::fs::write(dir.join("b.py"), EDITED).expect("write");
}

/// Plain `git diff-index`, as agentlint runs it but without the
/// hardening: the planted program runs.
fn plain_diff_index(dir: &Path, reference: &str) {
    plain_git(
        dir,
        &["diff-index", "--raw", "--find-renames", reference, "--"],
        &[],
    );
}

#[test]
fn a_filter_driver_whose_name_holds_an_equals_sign_never_runs() {
    let trap = Trap::new();
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.write(".gitattributes", "*.py filter=a=b\n");
    repo.commit_all("base");
    let filter = trap.filter();
    for part in ["clean", "smudge"] {
        repo.git(&["config", &format!("filter.a=b.{part}"), &filter]);
    }
    repo.git(&["config", "filter.a=b.required", "true"]);
    move_and_edit(repo.path());
    trap.reset();
    plain_diff_index(repo.path(), "main");
    assert!(trap.ran(), "plain git runs the `a=b` filter");
    trap.reset();

    let (code, report, stderr) = agentlint(repo.path(), &["check", "--since", "main"], &[]);
    assert!(!trap.ran(), "the `a=b` filter ran: {stderr}");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("b.py", 4, "bare-except")]);
}

#[test]
fn a_filter_in_the_config_commondir_points_to_never_runs() {
    let trap = Trap::new();
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.write(".gitattributes", "*.py filter=evil\n");
    repo.commit_all("base");
    // The shared part of the repository moves elsewhere, which
    // `.git/commondir` names; `.git/config` is gone.
    let git_dir = repo.path().join(".git");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let shared = elsewhere.path().join("shared");
    std::fs::create_dir_all(&shared).expect("mkdir");
    for part in ["objects", "refs", "config"] {
        std::fs::rename(git_dir.join(part), shared.join(part)).expect("move");
    }
    std::fs::write(git_dir.join("commondir"), format!("{}\n", shared.display())).expect("write");
    let filter = trap.filter();
    let mut config = std::fs::read_to_string(shared.join("config")).expect("read");
    config.push_str(&format!(
        "[filter \"evil\"]\n\tclean = {filter}\n\tsmudge = {filter}\n\tprocess = {filter}\n"
    ));
    std::fs::write(shared.join("config"), config).expect("write");
    assert!(!git_dir.join("config").exists());
    move_and_edit(repo.path());
    trap.reset();
    plain_diff_index(repo.path(), "main");
    assert!(
        trap.ran(),
        "plain git runs the filter from the common config"
    );
    trap.reset();

    let (code, report, stderr) = agentlint(repo.path(), &["check", "--since", "main"], &[]);
    assert!(!trap.ran(), "the common config's filter ran: {stderr}");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("b.py", 4, "bare-except")]);
}

#[test]
fn a_submodule_is_never_looked_into_and_is_reported_as_skipped() {
    let trap = Trap::new();
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    // A repository inside, committed as a submodule (a gitlink).
    let sub = repo.path().join("sub");
    std::fs::create_dir_all(&sub).expect("mkdir");
    git_in(&sub, &["init", "-q", "-b", "main"]);
    std::fs::write(sub.join("x.py"), "y = 1\n").expect("write");
    std::fs::write(sub.join(".gitattributes"), "*.py filter=subfilter\n").expect("write");
    git_in(&sub, &["add", "-A"]);
    git_in(&sub, &["commit", "-q", "-m", "sub base"]);
    repo.commit_all("base with a submodule");
    // The submodule has its own filter and a dirty working file: a diff
    // that looks inside runs `git status` there, which runs the filter.
    let filter = trap.filter();
    git_in(&sub, &["config", "filter.subfilter.clean", &filter]);
    // A later second and other content, so the submodule's index must
    // compare the file's content again (that status refreshes it).
    let dirty = |content: &str| {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        std::fs::write(sub.join("x.py"), content).expect("write");
    };
    dirty("y = 2\n");
    repo.write("a.py", EDITED);
    trap.reset();
    plain_git(repo.path(), &["diff-index", "--raw", "main", "--"], &[]);
    assert!(
        trap.ran(),
        "plain git's diff runs status inside the submodule"
    );
    trap.reset();
    dirty("y = 3\n");
    let (code, report, stderr) = agentlint(repo.path(), &["check", "--since", "main"], &[]);
    assert!(!trap.ran(), "the submodule's filter ran: {stderr}");
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![f("a.py", 4, "bare-except")]);

    // The submodule moves to a new commit: it is in the change, reported
    // as skipped, and still never looked into.
    git_in(&sub, &["commit", "-q", "-am", "sub moves"]);
    dirty("y = 4\n");
    for mode in [
        &["check", "--since", "main"][..],
        &["check", "--staged"][..],
    ] {
        if mode.contains(&"--staged") {
            repo.git(&["add", "a.py", "sub"]);
        }
        trap.reset();
        let (code, report, stderr) = agentlint(repo.path(), mode, &[]);
        assert!(
            !trap.ran(),
            "{mode:?}: the submodule's filter ran: {stderr}"
        );
        assert_eq!(code, 1, "{mode:?}: {stderr}");
        assert_eq!(
            findings(&report),
            vec![f("a.py", 4, "bare-except")],
            "{mode:?}"
        );
        assert_eq!(
            report["summary"]["skipped_by_reason"]["submodule"], 1,
            "{mode:?}: {report}"
        );
        let skipped = report["summary"]["skipped"].as_array().expect("a list");
        assert!(
            skipped.iter().any(|s| s["path"] == "sub"),
            "{mode:?}: {skipped:?}"
        );
    }
}

/// A server repository allowing partial clones, with `a.py` changed in its
/// second commit; a `blob:none` clone of it lacks the first commit's blob.
fn partial_clone() -> (tempfile::TempDir, PathBuf, String) {
    let server = Repo::new();
    server.write("a.py", "x = 1\n");
    server.commit_all("base");
    server.git(&["tag", "base"]);
    server.write("a.py", "x = 1\nz = 3\n");
    server.commit_all("second");
    server.git(&["config", "uploadpack.allowFilter", "true"]);
    let base_blob = String::from_utf8(server.git(&["rev-parse", "base:a.py"]).stdout)
        .expect("utf-8")
        .trim()
        .to_string();
    let holder = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", server.path().display());
    git_in(
        holder.path(),
        &["clone", "-q", "--filter=blob:none", &url, "clone"],
    );
    let clone = holder.path().join("clone");
    (holder, clone, base_blob)
}

#[test]
fn a_partial_clone_never_fetches_what_it_lacks() {
    let trap = Trap::new();
    let transport = trap.transport();
    let cases: [(&str, Vec<(String, String)>); 2] = [
        (
            "remote.origin.uploadpack",
            vec![("remote.origin.uploadpack".into(), transport.clone())],
        ),
        (
            "core.sshCommand",
            vec![
                ("core.sshCommand".into(), transport.clone()),
                (
                    "remote.origin.url".into(),
                    "ssh://git@example.invalid/repo.git".into(),
                ),
            ],
        ),
    ];
    for (how, config) in cases {
        let (_holder, clone, base_blob) = partial_clone();
        for (key, value) in &config {
            git_in(&clone, &["config", key, value]);
        }
        std::fs::write(
            clone.join("a.py"),
            "x = 1\nz = 3\ntry:\n    y()\nexcept:\n    pass\n",
        )
        .expect("write");
        // Plain git fetches the missing blob through the planted program.
        trap.reset();
        plain_git(&clone, &["cat-file", "-p", &base_blob], &[]);
        assert!(trap.ran(), "{how}: plain git runs the transport program");
        trap.reset();

        let (code, report, stderr) = agentlint(&clone, &["check", "--since", "base"], &[]);
        assert!(!trap.ran(), "{how}: the transport program ran: {stderr}");
        // The base version is missing: every line counts as changed, and
        // the report says so.
        assert_eq!(code, 1, "{how}: {stderr}");
        assert_eq!(
            findings(&report),
            vec![f("a.py", 5, "bare-except")],
            "{how}"
        );
        let notices = report["notices"].to_string();
        assert!(notices.contains("partial clone"), "{how}: {notices}");

        // A move: rename detection would read the missing blob. The diff
        // runs again without it; the moved file counts as added.
        git_in(&clone, &["mv", "a.py", "moved.py"]);
        let (code, report, stderr) = agentlint(&clone, &["check", "--since", "base"], &[]);
        assert!(!trap.ran(), "{how}: the transport program ran: {stderr}");
        assert_eq!(code, 1, "{how}: {stderr}");
        assert_eq!(
            findings(&report),
            vec![f("moved.py", 5, "bare-except")],
            "{how}"
        );
        let notices = report["notices"].to_string();
        assert!(
            notices.contains("moved files are not followed"),
            "{how}: {notices}"
        );
        assert_eq!(
            report["summary"]["skipped_by_reason"]["deleted"], 1,
            "{how}"
        );
    }
}

/// Every configuration key git documents (`git help config`) as naming a
/// program, each set to the marker script (see docs/git-hardening.md).
fn every_program_key(script: &str) -> Vec<(String, String)> {
    let keys = [
        "core.fsmonitor",
        "core.pager",
        "core.editor",
        "core.askPass",
        "core.sshCommand",
        "core.gitProxy",
        "core.alternateRefsCommand",
        "sequence.editor",
        "credential.helper",
        "credential.https://example.invalid.helper",
        "diff.external",
        "diff.evil.command",
        "diff.evil.textconv",
        "difftool.evil.cmd",
        "mergetool.evil.cmd",
        "merge.evil.driver",
        "filter.evil.clean",
        "filter.evil.smudge",
        "filter.evil.process",
        "filter.a=b.clean",
        "filter.a=b.process",
        "filter.x.y.clean",
        "gpg.program",
        "gpg.openpgp.program",
        "gpg.x509.program",
        "gpg.ssh.program",
        "gpg.ssh.defaultKeyCommand",
        "pager.diff",
        "pager.diff-index",
        "pager.ls-files",
        "pager.cat-file",
        "pager.config",
        "pager.rev-parse",
        "pager.for-each-ref",
        "pager.merge-base",
        "interactive.diffFilter",
        "remote.origin.uploadpack",
        "remote.origin.receivepack",
        "remote.origin.vcs",
        "uploadpack.packObjectsHook",
        "sendemail.sendmailCmd",
        "sendemail.toCmd",
        "sendemail.ccCmd",
        "imap.tunnel",
        "instaweb.httpd",
        "browser.evil.cmd",
        "man.evil.cmd",
        "guitool.evil.cmd",
        "submodule.sub.update",
        "alias.diff-index",
        "alias.ls-files",
        "alias.cat-file",
        "alias.config",
        // Configuration-based hooks (git 2.54 and later).
        "hook.evil.command",
    ];
    let mut pairs: Vec<(String, String)> = keys
        .iter()
        .map(|k| {
            let value = match *k {
                "submodule.sub.update"
                | "alias.diff-index"
                | "alias.ls-files"
                | "alias.cat-file"
                | "alias.config" => format!("!{script}"),
                _ => script.to_string(),
            };
            (k.to_string(), value)
        })
        .collect();
    // Keys that switch a program on, or point one at this repository.
    for (k, v) in [
        ("log.showSignature", "true"),
        ("diff.tool", "evil"),
        ("merge.tool", "evil"),
        ("web.browser", "evil"),
        ("man.viewer", "evil"),
        ("core.hooksPath", ".githooks"),
        ("protocol.allow", "always"),
        ("protocol.ext.allow", "always"),
        ("protocol.file.allow", "always"),
        ("gc.auto", "1"),
        ("maintenance.auto", "true"),
        ("submodule.recurse", "true"),
        ("diff.ignoreSubmodules", "none"),
        ("status.submoduleSummary", "true"),
        ("core.useReplaceRefs", "true"),
        ("remote.origin.promisor", "true"),
        ("url.ext::.insteadOf", "https://"),
    ] {
        pairs.push((k.to_string(), v.to_string()));
    }
    pairs.push(("remote.origin.url".into(), format!("ext::{script}")));
    for event in [
        "pre-commit",
        "post-index-change",
        "reference-transaction",
        "pre-auto-gc",
        "post-checkout",
    ] {
        pairs.push(("hook.evil.event".into(), event.into()));
    }
    pairs
}

fn config_text(pairs: &[(String, String)]) -> String {
    // Written through git itself so each key lands where git reads it.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("config");
    for (k, v) in pairs {
        let out = git_command(dir.path())
            .args(["config", "--file"])
            .arg(&file)
            .args(["--add", k, v])
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git config {k}: {out:?}");
    }
    std::fs::read_to_string(&file).expect("read")
}

#[test]
fn a_marker_behind_every_program_key_never_runs_in_any_mode() {
    let trap = Trap::new();
    let script = trap.filter();
    let main = Repo::new();
    main.write("a.py", "x = 1\n");
    main.write(
        ".gitattributes",
        "* diff=evil merge=evil filter=evil\n*.py filter=a=b\n*.txt filter=x.y\n",
    );
    main.write("notes.txt", "a note\n");
    main.commit_all("base");
    main.git(&["branch", "agent"]);
    // A linked worktree: its `.git` is a file, its configuration reaches
    // the common one through `commondir`, and it has its own too.
    let holder = tempfile::tempdir().expect("tempdir");
    let wt = holder.path().join("wt");
    main.git(&["worktree", "add", "-q", &wt.display().to_string(), "agent"]);
    // Hooks everywhere git could look for them.
    let hooks = [
        "pre-commit",
        "post-checkout",
        "post-index-change",
        "pre-auto-gc",
        "reference-transaction",
        "fsmonitor-watchman",
        "post-rewrite",
    ];
    for dir in [main.path().join(".git/hooks"), wt.join(".githooks")] {
        std::fs::create_dir_all(&dir).expect("mkdir");
        for hook in hooks {
            marker_script(&dir, hook, &trap.marker(), true);
        }
    }
    let pairs = every_program_key(&script);
    let half = pairs.len() / 2;
    // Half in the common config, half in an included file; an included
    // file under a condition names them all again; the worktree's own
    // config too.
    let included = holder.path().join("included.cfg");
    std::fs::write(&included, config_text(&pairs[half..])).expect("write");
    let conditional = holder.path().join("conditional.cfg");
    std::fs::write(&conditional, config_text(&pairs)).expect("write");
    let mut common = std::fs::read_to_string(main.path().join(".git/config")).expect("read");
    common.push_str(&config_text(&pairs[..half]));
    common.push_str(&format!(
        "[include]\n\tpath = {}\n[includeIf \"onbranch:agent\"]\n\tpath = {}\n[extensions]\n\tworktreeConfig = true\n",
        included.display(),
        conditional.display()
    ));
    std::fs::write(main.path().join(".git/config"), common).expect("write");
    let worktree_config = main.path().join(".git/worktrees/wt/config.worktree");
    std::fs::write(&worktree_config, config_text(&pairs)).expect("write");
    // The agent's work: staged, unstaged and untracked, all with a bare
    // except at line 4.
    std::fs::write(wt.join("a.py"), EDITED).expect("write");
    std::fs::write(wt.join("notes.txt"), "a note\nanother\n").expect("write");
    // A move makes git read the moved file for rename detection.
    git_in(&wt, &["mv", "notes.txt", "moved.txt"]);
    std::fs::write(wt.join("staged.py"), EDITED).expect("write");
    git_in(&wt, &["add", "staged.py"]);
    std::fs::write(wt.join("new.py"), EDITED).expect("write");
    let change = wt.join("change.diff");
    let diff = git_command(&wt)
        .args([
            "-c",
            "diff.external=",
            "diff",
            "--no-ext-diff",
            "--no-textconv",
            "HEAD",
            "--",
            "a.py",
        ])
        .output()
        .expect("git runs");
    std::fs::write(&change, &diff.stdout).expect("write");
    trap.reset();

    // Plain git in the worktree does reach the planted programs.
    plain_git(
        &wt,
        &["diff-index", "--raw", "--find-renames", "HEAD", "--"],
        &[],
    );
    assert!(trap.ran(), "plain git runs a planted program");
    trap.reset();

    // The user's environment names programs too; none may run either.
    let env = [
        ("GIT_EXTERNAL_DIFF", script.as_str()),
        ("GIT_PAGER", script.as_str()),
        ("PAGER", script.as_str()),
        ("GIT_EDITOR", script.as_str()),
        ("GIT_SEQUENCE_EDITOR", script.as_str()),
        ("GIT_ASKPASS", script.as_str()),
        ("SSH_ASKPASS", script.as_str()),
        ("GIT_SSH", script.as_str()),
        ("GIT_SSH_COMMAND", script.as_str()),
        ("GIT_PROXY_COMMAND", script.as_str()),
        ("GIT_CONFIG_COUNT", "2"),
        ("GIT_CONFIG_KEY_0", "filter.env=x.clean"),
        ("GIT_CONFIG_VALUE_0", script.as_str()),
        ("GIT_CONFIG_KEY_1", "core.fsmonitor"),
        ("GIT_CONFIG_VALUE_1", script.as_str()),
    ];
    let bare = f("a.py", 4, "bare-except");
    let modes: Vec<(&[&str], Vec<Found>)> = vec![
        (
            &["check", "--since", "main"],
            vec![
                bare.clone(),
                f("new.py", 4, "bare-except"),
                f("staged.py", 4, "bare-except"),
            ],
        ),
        (
            &["check"],
            vec![
                bare.clone(),
                f("new.py", 4, "bare-except"),
                f("staged.py", 4, "bare-except"),
            ],
        ),
        (
            &["check", "--staged"],
            vec![f("staged.py", 4, "bare-except")],
        ),
        (&["check", "--diff", "change.diff"], vec![bare.clone()]),
        (
            &["check", "--all", "a.py", "new.py"],
            vec![bare.clone(), f("new.py", 4, "bare-except")],
        ),
    ];
    for (args, expected) in modes {
        for env in [&[][..], &env[..]] {
            let (code, report, stderr) = agentlint(&wt, args, env);
            assert!(
                !trap.ran(),
                "{args:?} (environment: {}): a planted program ran: {stderr}",
                !env.is_empty()
            );
            assert_eq!(code, 1, "{args:?}: {stderr}");
            assert_eq!(findings(&report), expected, "{args:?}: {stderr}");
        }
    }
    // And in the main repository, which reads the same configuration.
    std::fs::write(main.path().join("a.py"), EDITED).expect("write");
    let (code, report, stderr) = agentlint(main.path(), &["check", "--since", "HEAD"], &env);
    assert!(
        !trap.ran(),
        "main worktree: a planted program ran: {stderr}"
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(findings(&report), vec![bare]);
}

#[cfg(unix)]
#[test]
fn a_fifo_as_gits_configuration_is_refused_at_once() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("base");
    let config = repo.path().join(".git/config");
    std::fs::remove_file(&config).expect("remove");
    let made = Command::new("mkfifo").arg(&config).status();
    if !made.is_ok_and(|s| s.success()) {
        support::skip("AGENTLINT_NEEDS_MKFIFO", "mkfifo is not available");
        return;
    }
    for mode in [
        &["check", "--since", "main"][..],
        &["check", "--staged"][..],
    ] {
        let (code, _, stderr) = agentlint(repo.path(), mode, &[]);
        assert_eq!(code, 2, "{mode:?}: {stderr}");
        assert!(stderr.contains("FIFO"), "{mode:?}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn a_config_symlinked_to_a_device_is_never_read_whole() {
    let repo = Repo::new();
    repo.write("a.py", "x = 1\n");
    repo.commit_all("base");
    let config = repo.path().join(".git/config");
    std::fs::remove_file(&config).expect("remove");
    std::os::unix::fs::symlink("/dev/zero", &config).expect("symlink");
    // Git refuses it at once ("bad config line 1"); agentlint says so and
    // never reads the device itself.
    let (code, _, stderr) = agentlint(repo.path(), &["check", "--since", "main"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bad config"), "{stderr}");
}

/// Every process agentlint starts is git through `change::gitcmd`, which
/// applies the hardening: no other file of the crate builds a Command.
#[test]
fn only_the_hardened_constructor_builds_a_process() {
    let src = support::repo_root().join("src");
    let mut offenders = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("change/gitcmd.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for needle in ["Command::new", "process::Command", "Command::from"] {
                // `GitCommand::new` is the hardened constructor itself.
                let bare = text.match_indices(needle).any(|(at, _)| {
                    !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if bare {
                    offenders.push(format!("{}: {needle}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
    let gitcmd = std::fs::read_to_string(src.join("change/gitcmd.rs")).expect("read");
    let bare = gitcmd
        .match_indices("Command::new(")
        .filter(|(at, _)| !gitcmd[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .count();
    assert_eq!(bare, 1, "one constructor");
}
