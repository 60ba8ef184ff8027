//! End to end: an agent's branch in a temporary git repository, with a
//! task manifest and an agent_config.yaml, checked by the binary.

use serde_json::Value;
mod support;

use std::path::Path;
use std::process::Command;
use support::git;

fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

const MANIFEST: &str = r#"{
  "tasks": [
    {
      "id": "TASK-007",
      "priority": 1,
      "target_module": "src/rate_limiter.py",
      "operation": "fix",
      "intent_statement": "Correct backoff timestamp recalculation during batched requests.",
      "verification_method": "unit_test",
      "constraints": ["Preserve existing retry count logic"],
      "blocked_on": null
    },
    {
      "id": "TASK-012",
      "priority": 2,
      "target_module": "src/output_formatter.py",
      "operation": "refactor",
      "intent_statement": "Standardize JSON output structure across all report generators.",
      "verification_method": "style_check",
      "constraints": ["Match existing PEP-8 formatting rules", "Limit changes to <10 lines per file"],
      "blocked_on": null
    },
    {
      "id": "TASK-015",
      "priority": 3,
      "target_module": "src/parser.py",
      "operation": "fix",
      "intent_statement": "Reject empty headers.",
      "verification_method": "unit_test",
      "constraints": [],
      "blocked_on": null
    }
  ]
}
"#;

const AGENT_CONFIG: &str = "session:\n  name: \"production-maintenance-run\"\n  max_duration_hours: 24\nconstraints:\n  anti_batching: true\n  forbidden_patterns:\n    - \"except Exception:\"\n    - \"bare_except:\"\n    - \"global_network_access\"\n";

/// Findings of the JSON report as sorted `rule path:line` strings.
fn findings(doc: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = doc[key]
        .as_array()
        .unwrap_or_else(|| panic!("`{key}` in {doc}"))
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    out.sort();
    out
}

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        repo,
        "src/rate_limiter.py",
        "def backoff(batch):\n    return batch.start\n",
    );
    write(
        repo,
        "src/output_formatter.py",
        "def render(report):\n    return str(report)\n",
    );
    write(
        repo,
        "src/parser.py",
        "def parse(header):\n    return header.split(':')\n",
    );
    write(
        repo,
        "src/http_client.py",
        "def get(url):\n    return url\n",
    );
    write(repo, "config/app.yaml", "retries: 3\n");
    write(repo, "setup.cfg", "[flake8]\nmax-line-length = 100\n");
    write(
        repo,
        "tests/test_parser.py",
        "def test_parse():\n    assert True\n",
    );
    write(repo, "task_manifest.json", MANIFEST);
    write(repo, "agent_config.yaml", AGENT_CONFIG);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "base"]);
    git(repo, &["checkout", "-q", "-b", "agent"]);

    // TASK-007: the fix, with a broad catch and no test.
    write(
        repo,
        "src/rate_limiter.py",
        "def backoff(batch):\n    try:\n        return batch.window_start\n    except Exception:\n        return 0\n",
    );
    // TASK-012: 12 added + 1 deleted lines, over "<10 lines per file".
    let mut formatter = String::from("def render(report):\n");
    for i in 0..12 {
        formatter.push_str(&format!("    field_{i} = report.get({i})\n"));
    }
    write(repo, "src/output_formatter.py", &formatter);
    // TASK-015: fixed with its test.
    write(repo, "src/parser.py", "def parse(header):\n    if not header:\n        raise ValueError(header)\n    return header.split(':')\n");
    write(
        repo,
        "tests/test_parser.py",
        "def test_parse():\n    assert True\n\ndef test_empty():\n    pass\n",
    );
    // Configuration outside config/ (committed), and inside (fine).
    write(repo, "setup.cfg", "[flake8]\nmax-line-length = 200\n");
    write(repo, "config/app.yaml", "retries: 5\n");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "agent work"]);
    // Out of scope: a committed edit, an untracked file, and one the agent
    // marked (a reviewer accepted it with a suppression).
    write(
        repo,
        "src/http_client.py",
        "def get(url):\n    return url.strip()\n",
    );
    write(repo, "src/cache.py", "CACHE = {}\n");
    write(
        repo,
        "src/notes.py",
        "# agentlint: ignore-file[scope-creep]\nNOTE = 1\n",
    );
    // An untracked new file over a per-glob budget of 3 lines.
    write(
        repo,
        "scripts/gen.py",
        "# agentlint: ignore[scope-creep]\na = 1\nb = 2\nc = 3\n",
    );
    write(
        repo,
        "agentlint.toml",
        "[rules.line-budget]\noverrides = [{ glob = \"scripts/**\", budget = 3 }]\n[rules.scope-creep]\nallow = [\"BLOCKED.md\", \"agentlint.toml\"]\n[rules.config-outside-config-dir]\nconfig-globs = [\"*.yaml\", \"*.cfg\"]\n",
    );
    tmp
}

#[test]
fn reports_the_agent_branch_and_honours_suppressions() {
    let tmp = setup();
    let repo = tmp.path();
    let output = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(repo)
        .args([
            "check",
            "--since",
            "main",
            "--manifest",
            "task_manifest.json",
            "--agent-config",
            "agent_config.yaml",
            "--format",
            "json",
            "--show-suppressed",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        findings(&doc, "findings"),
        [
            "broad-except src/rate_limiter.py:4",
            "config-outside-config-dir setup.cfg:2",
            "forbidden-pattern src/rate_limiter.py:4",
            "line-budget scripts/gen.py:1",
            "line-budget src/output_formatter.py:2",
            "missing-test task_manifest.json:4",
            // Inside config/, but no task asked for it.
            "scope-creep config/app.yaml:1",
            "scope-creep setup.cfg:2",
            "scope-creep src/cache.py:1",
            "scope-creep src/http_client.py:2",
        ]
    );
    assert_eq!(
        findings(&doc, "suppressed"),
        ["scope-creep scripts/gen.py:1", "scope-creep src/notes.py:1"]
    );
    assert_eq!(doc["summary"]["suppressed"], 2);
    let budget = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "line-budget" && f["path"] == "src/output_formatter.py")
        .unwrap();
    let message = budget["message"].as_str().unwrap();
    assert!(
        message.contains("13 lines (12 added, 1 deleted)"),
        "{message}"
    );
    assert!(message.contains("budget of 9 (task TASK-012"), "{message}");
    let generated = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "scripts/gen.py")
        .unwrap();
    assert!(generated["message"]
        .as_str()
        .unwrap()
        .contains("4 lines (4 added, 0 deleted), over its budget of 3"));
    let notices: Vec<&str> = doc["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // `global_network_access` names network-egress, a telemetry rule: it is
    // enforced when telemetry is audited, so no "unknown name" notice.
    assert!(
        !notices.iter().any(|n| n.contains("global_network_access")),
        "{notices:?}"
    );
}

#[test]
fn without_show_suppressed_only_the_count_remains() {
    let tmp = setup();
    let output = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(tmp.path())
        .args([
            "check",
            "--since",
            "main",
            "--manifest",
            "task_manifest.json",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&String::from_utf8_lossy(&output.stdout)).unwrap();
    assert_eq!(doc["summary"]["suppressed"], 2);
    assert_eq!(doc["suppressed"].as_array().map(Vec::len), Some(0));
    // Without the agent config there is no forbidden pattern.
    assert!(!findings(&doc, "findings")
        .iter()
        .any(|f| f.starts_with("forbidden-pattern")));
}

#[test]
fn inputs_named_in_the_config_file_need_no_flags() {
    let tmp = setup();
    write(
        tmp.path(),
        "agentlint.toml",
        "manifest = \"task_manifest.json\"\nagent-config = \"agent_config.yaml\"\nselect = [\"missing-test\", \"forbidden-pattern\"]\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(tmp.path().join("src"))
        .args(["check", "--since", "main", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&String::from_utf8_lossy(&output.stdout)).unwrap();
    assert_eq!(
        findings(&doc, "findings"),
        [
            // bare_except in the agent config turns bare-except on; there is none.
            "forbidden-pattern src/rate_limiter.py:4",
            "missing-test task_manifest.json:4",
        ]
    );
}

#[test]
fn bad_inputs_are_pointed_errors_with_exit_code_2() {
    let tmp = setup();
    let repo = tmp.path();
    write(
        repo,
        "bad_manifest.json",
        &MANIFEST.replace("\"TASK-012\"", "\"TASK-007\""),
    );
    write(
        repo,
        "bad_agent.yaml",
        "constraints:\n  forbidden_patterns:\n    - \"except (\"\n",
    );
    write(repo, "bad.toml", "[rules.line-budget]\ndefualt = 3\n");
    let cases: [(&[&str], &str); 3] = [
        (
            &["--manifest", "bad_manifest.json"],
            "duplicate task id `TASK-007`",
        ),
        (&["--agent-config", "bad_agent.yaml"], "not a valid regex"),
        (&["--config", "bad.toml"], "defualt"),
    ];
    for (flags, expected) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_agentlint"))
            .current_dir(repo)
            .args(["check", "--since", "main", "--color", "never"])
            .args(flags)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn init_writes_a_starter_that_check_accepts() {
    let tmp = setup();
    std::fs::remove_file(tmp.path().join("agentlint.toml")).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_agentlint"))
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["init"]).status.code(), Some(0));
    assert_eq!(
        run(&["init"]).status.code(),
        Some(2),
        "refuses to overwrite"
    );
    let output = run(&["check", "--since", "main", "--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn include_and_exclude_globs_narrow_the_change() {
    let tmp = setup();
    write(
        tmp.path(),
        "agentlint.toml",
        "include = [\"src/**\"]\nexclude = [\"src/cache.py\", \"*_client.py\"]\nselect = [\"scope-creep\"]\nmanifest = \"task_manifest.json\"\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(tmp.path())
        .args(["check", "--since", "main", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_str(&String::from_utf8_lossy(&output.stdout)).unwrap();
    // setup.cfg, config/, scripts/ are not included; the two excluded files
    // are left out; src/notes.py is suppressed.
    assert_eq!(findings(&doc, "findings"), Vec::<String>::new());
    assert_eq!(doc["summary"]["suppressed"], 1);
    let notices: Vec<&str> = doc["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notices
            .iter()
            .any(|n| n.contains("left out by `include`/`exclude`")),
        "{notices:?}"
    );
}
