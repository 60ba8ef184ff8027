//! What a new user meets on the first day, through the binary: output that
//! a file name cannot forge, errors in plain words on whole lines, rule
//! names as ruff users write them, a summary that counts what it says,
//! `--show-suppressed` in every format, telemetry findings shown with
//! their line, and no clean exit when there is nothing to audit.

mod support;

use std::path::Path;
use std::process::Command;
use support::{agentlint_bin, agentlint_in};

/// Runs agentlint in `dir` with no `COLUMNS` in the environment.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(agentlint_bin())
        .current_dir(dir)
        .env_remove("COLUMNS")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(args)
        .output()
        .expect("agentlint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BARE: &str = "try:\n    connect()\nexcept:\n    pass\n";

#[test]
fn a_file_name_cannot_forge_an_annotation_or_a_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "x\n::error file=forged.py,line=1::all clear\u{1b}[2K.py";
    std::fs::write(dir.path().join(name), BARE).expect("write");
    for format in ["github", "compact", "human"] {
        let (code, stdout, stderr) = run(dir.path(), &["check", "--all", "--format", format]);
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(
            !stdout.contains('\u{1b}'),
            "{format}: raw escape in {stdout:?}"
        );
        let forged: Vec<&str> = stdout
            .lines()
            .filter(|l| {
                l.starts_with("::error file=forged.py") || l.starts_with("::") && format != "github"
            })
            .collect();
        assert!(
            forged.is_empty(),
            "{format}: forged lines {forged:?} in\n{stdout}"
        );
    }
    let (_, stdout, _) = run(dir.path(), &["check", "--all", "--format", "github"]);
    let first = stdout.lines().next().unwrap_or("");
    // By hand: GitHub's escapeProperty of the name (`%0A`, `%3A`, `%2C`),
    // the ESC shown as `\x1b`.
    assert!(
        first.starts_with(
            "::error file=x%0A%3A%3Aerror file=forged.py%2Cline=1%3A%3Aall clear\\x1b[2K.py,line=3,"
        ),
        "{first}"
    );
    let (_, stdout, _) = run(dir.path(), &["check", "--all", "--format", "compact"]);
    assert!(
        stdout.starts_with(
            "x\\n::error file=forged.py,line=1::all clear\\x1b[2K.py:3:1: bare-except "
        ),
        "{stdout}"
    );
}

#[test]
fn control_characters_in_source_lines_are_shown_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.py"),
        "try:\n    connect()  # \u{1b}]0;pwned\u{7}\nexcept:\n    pass\n",
    )
    .expect("write");
    let (code, stdout, _) = run(dir.path(), &["check", "--all"]);
    assert_eq!(code, 1);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(stdout.contains("# \\x1b]0;pwned\\x07"), "{stdout}");
}

#[test]
fn errors_read_as_plain_words_on_whole_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.py"), "x = 1\n").expect("write");
    std::fs::write(
        dir.path().join("agentlint.toml"),
        "[rules.config-outside-config-dir]\nconfig-dirs = [\"config\"]\n\n[rules.line-budget]\ndefault = \"400\"\n",
    )
    .expect("write");
    let (code, _, stderr) = run(dir.path(), &["check", "--all"]);
    assert_eq!(code, 2, "{stderr}");
    // Not wrapped in a pipe: the whole sentence is on one line.
    assert!(
        stderr.lines().any(|l| l.contains(
            "`rules.line-budget.default` must be a whole number (0 or more), found the string \"400\""
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("u32") && !stderr.contains("invalid type"),
        "{stderr}"
    );
    std::fs::remove_file(dir.path().join("agentlint.toml")).expect("rm");

    std::fs::write(
        dir.path().join("agent_config.yaml"),
        "session:\n  checkpoint_interval_hours: six\n",
    )
    .expect("write");
    let (code, _, stderr) = run(
        dir.path(),
        &["check", "--all", "--agent-config", "agent_config.yaml"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`session.checkpoint_interval_hours` must be a number, found `six`"),
        "{stderr}"
    );
    assert!(stderr.contains("agent_config.yaml:2:30"), "{stderr}");
    std::fs::write(
        dir.path().join("agent_config.yaml"),
        "constraints:\n  forbidden_patterns:\n    - \"except Exception:\"\n    -\n",
    )
    .expect("write");
    let (code, _, stderr) = run(
        dir.path(),
        &["check", "--all", "--agent-config", "agent_config.yaml"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr
            .contains("`constraints.forbidden_patterns[1]` must be a string, found nothing (null)"),
        "{stderr}"
    );
    assert!(!stderr.contains("Option<"), "{stderr}");
}

#[test]
fn rules_are_named_as_ruff_users_write_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, id) in [
        ("E722", "bare-except"),
        ("BLE001", "broad-except"),
        ("broad_except", "broad-except"),
        ("todo_comment", "todo-comment"),
    ] {
        let (code, stdout, stderr) = run(dir.path(), &["explain", name]);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert!(stdout.starts_with(&format!("# {id} ")), "{name}: {stdout}");
    }
    let (code, _, stderr) = run(dir.path(), &["explain", "brod-except"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown rule `brod-except`; did you mean `broad-except`?"),
        "{stderr}"
    );
    std::fs::write(
        dir.path().join("a.py"),
        "try:\n    a()\nexcept Exception:\n    pass\ntry:\n    b()\nexcept:\n    pass\n",
    )
    .expect("write");
    let (code, stdout, _) = run(
        dir.path(),
        &[
            "check", "--all", "--select", "BLE001", "--format", "compact",
        ],
    );
    assert_eq!(code, 1);
    assert!(stdout.starts_with("a.py:3:8: broad-except "), "{stdout}");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    let (_, stdout, _) = run(
        dir.path(),
        &[
            "check",
            "--all",
            "--ignore",
            "E722,blind_except",
            "--format",
            "compact",
        ],
    );
    assert!(!stdout.contains("bare-except"), "{stdout}");
    let (code, _, stderr) = run(dir.path(), &["check", "--all", "--select", "E772"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `bare-except`?"), "{stderr}");
}

#[test]
fn show_suppressed_lists_them_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.py"),
        "try:\n    a()\nexcept:  # noqa: E722\n    pass\n",
    )
    .expect("write");
    let suppressed = "suppressed: a.py:3:1: bare-except do not use bare `except:`";
    for format in ["human", "compact", "github"] {
        let (code, stdout, _) = run(
            dir.path(),
            &["check", "--all", "--format", format, "--show-suppressed"],
        );
        assert_eq!(code, 0, "{format}");
        assert!(
            stdout.lines().any(|l| l == suppressed),
            "{format}: {stdout}"
        );
        assert!(
            stdout.trim_end().ends_with("; 1 suppressed"),
            "{format}: {stdout}"
        );
        let (_, stdout, _) = run(dir.path(), &["check", "--all", "--format", format]);
        assert!(
            !stdout.contains("suppressed:"),
            "{format}: listed only on request"
        );
    }
    let (_, stdout, _) = run(
        dir.path(),
        &["check", "--all", "--format", "json", "--show-suppressed"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["suppressed"][0]["line"], 3);
    let (_, stdout, _) = run(
        dir.path(),
        &["check", "--all", "--format", "sarif", "--show-suppressed"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("sarif");
    assert_eq!(
        doc["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "inSource"
    );
}

#[test]
fn nothing_to_audit_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sessions")).expect("mkdir");
    std::fs::write(dir.path().join("sessions/notes.txt"), "not telemetry\n").expect("write");
    let (code, stdout, stderr) = run(dir.path(), &["audit", "sessions"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains("no telemetry found in `sessions`"),
        "{stderr}"
    );
    std::fs::write(dir.path().join("a.py"), "x = 1\n").expect("write");
    let (code, _, stderr) = run(dir.path(), &["check", "--all", "--telemetry", "sessions"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn check_with_telemetry_shows_every_finding_in_one_style() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.py"), BARE).expect("write");
    let mut jsonl = String::new();
    for i in 0..3 {
        jsonl.push_str(&format!(
            "{{\"type\":\"tool_call\",\"tool\":\"Read\",\"payload\":{{\"path\":\"a.py\"}},\"timestamp\":\"2026-03-02T14:0{i}:00Z\",\"session_id\":\"run-1\"}}\n"
        ));
    }
    jsonl.push_str("{\"type\":\"tool_call\",\"tool\":\"Bash\",\"payload\":{\"command\":\"sudo apt-get install -y jq\"},\"timestamp\":\"2026-03-02T14:05:00Z\",\"session_id\":\"run-1\"}\n");
    std::fs::write(dir.path().join("run.jsonl"), jsonl).expect("write");
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "check",
            "--all",
            "--telemetry",
            "run.jsonl",
            "--select",
            "bare-except,unsafe-shell",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    // Both as miette blocks: a header with the location, the line shown.
    assert!(stdout.contains("╭─[a.py:3:1]"), "{stdout}");
    assert!(stdout.contains("╭─[run.jsonl:4:1]"), "{stdout}");
    assert!(
        stdout.contains(" 4 │ {\"type\":\"tool_call\",\"tool\":\"Bash\""),
        "{stdout}"
    );
    assert!(
        !stdout.contains("run.jsonl:4:1: "),
        "no one-liner: {stdout}"
    );
}

#[test]
fn the_summary_counts_each_file_once() {
    let repo = support::Repo::new();
    repo.write("app.py", "x = 1\n");
    repo.write("setup.cfg", "[flake8]\nmax-line-length = 100\n");
    repo.write("README.md", "# app\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "base"]);
    repo.git(&["checkout", "-q", "-b", "agent"]);
    repo.write("app.py", BARE);
    repo.write(
        "setup.cfg",
        "[flake8]\nmax-line-length = 200\nextend-ignore = E722\n",
    );
    repo.write("README.md", "# app\n\nUsage.\n");
    repo.git(&["commit", "-q", "-am", "agent"]);
    let (code, stdout, _) = agentlint_in(
        repo.path(),
        &["check", "--since", "main", "--format", "json"],
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let summary = &doc["summary"];
    // By hand: three changed files, each judged by a rule (the Python
    // rules read app.py; the change-set rules judge all three); two have
    // findings (bare-except; config-outside-config-dir), both errors.
    assert_eq!(summary["files_checked"], 3, "{summary}");
    assert_eq!(summary["files_skipped"], 0, "{summary}");
    assert_eq!(summary["errors"], 2, "{summary}");
    assert_eq!(summary["files_with_findings"], 2, "{summary}");
    let (_, stdout, _) = agentlint_in(
        repo.path(),
        &["check", "--since", "main", "--format", "compact"],
    );
    assert_eq!(
        stdout.lines().last(),
        Some("2 errors, 0 warnings in 2 files; 3 files checked")
    );
}

#[test]
fn skipped_files_carry_the_documented_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("blob.py"), b"\x00\x01binary\x00".as_slice()).expect("write");
    std::fs::write(dir.path().join("notes.md"), "# notes\n").expect("write");
    let (_, stdout, _) = run(dir.path(), &["check", "--all", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let mut skipped: Vec<(String, String)> = doc["summary"]["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap_or("").to_string(),
                s["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            ("blob.py".to_string(), "binary".to_string()),
            ("notes.md".to_string(), "no-rules".to_string())
        ]
    );
    assert_eq!(doc["summary"]["skipped"][0]["detail"], "binary file");
}

#[test]
fn init_writes_no_placeholder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = run(dir.path(), &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(dir.path().join("agentlint.toml")).expect("written");
    assert!(!text.contains("\"...\""), "{text}");
    assert!(!text.contains("..."), "{text}");
}

#[test]
fn telemetry_cannot_forge_audit_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A shell command holding an escape sequence and a line break that would
    // start a workflow command, as JSON escapes carry them.
    let line = "{\"type\":\"tool_call\",\"tool\":\"Bash\",\"payload\":{\"command\":\"sudo true \\u001b[2J\\n::error file=ok.py::all clear\"},\"timestamp\":\"2026-03-02T14:05:00Z\",\"session_id\":\"run\\u001b]0;x\\u0007\"}\n";
    std::fs::write(dir.path().join("run.jsonl"), line).expect("write");
    for format in ["human", "compact", "github"] {
        let (code, stdout, stderr) = run(dir.path(), &["audit", "run.jsonl", "--format", format]);
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(
            !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
            "{format}: {stdout:?}"
        );
        assert!(
            !stdout.lines().any(|l| l.starts_with("::error file=ok.py")),
            "{format}: {stdout}"
        );
    }
}
