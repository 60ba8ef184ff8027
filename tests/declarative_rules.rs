//! Declarative rules (rules/*.toml): the shipped files parse and their
//! `valid` / `invalid` examples hold, the binary loads a user's rules
//! folder, and declarative findings follow the change like built-in ones.
//! (Per-rule fixtures run in tests/fixtures.rs; malformed rule files in the
//! unit tests of `rules::declarative`.)

use agentlint::engine::query::check_snippet;
use agentlint::registry::Registered;
use agentlint::rules::declarative::{self, QueryRule, SHIPPED_FILES};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn shipped_rules() -> Vec<&'static QueryRule> {
    declarative::shipped()
        .expect("every shipped rule file compiles")
        .iter()
        .filter_map(|r| match r {
            Registered::Ast(ast) => ast.as_query(),
            _ => None,
        })
        .collect()
}

#[test]
fn the_shipped_list_is_the_rules_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .map(|name| format!("rules/{name}"))
        .collect();
    let listed: BTreeSet<String> = SHIPPED_FILES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        on_disk, listed,
        "add each rules/*.toml to src/rules/declarative/shipped.rs"
    );
    assert!(listed.len() >= 3, "ship at least three declarative rules");
    // Each file is named after its rule.
    for rule in shipped_rules() {
        assert_eq!(
            rule.origin().to_string(),
            format!("rules/{}.toml", rule.meta_static().id)
        );
    }
}

#[test]
fn every_shipped_rule_passes_its_examples() {
    let mut failures = Vec::new();
    for rule in shipped_rules() {
        let id = rule.meta_static().id;
        if rule.valid().is_empty() || rule.invalid().is_empty() {
            failures.push(format!("{id}: needs both `valid` and `invalid` examples"));
        }
        for code in rule.invalid() {
            if check_snippet(rule, code).is_empty() {
                failures.push(format!(
                    "{id}: missing (invalid example not flagged): {code:?}"
                ));
            }
        }
        for code in rule.valid() {
            let found = check_snippet(rule, code);
            if !found.is_empty() {
                failures.push(format!(
                    "{id}: noisy (valid example flagged {}x): {code:?}",
                    found.len()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "example failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn shipped_rules_have_documentation_with_the_built_in_headings() {
    for rule in shipped_rules() {
        let meta = rule.meta_static();
        let docs = meta.docs_text();
        for heading in ["## What it does", "## Example", "## Not flagged"] {
            assert!(docs.contains(heading), "{} docs lack `{heading}`", meta.id);
        }
        assert!(
            docs.contains("## Why is this bad?") || docs.contains("## Why restrict this?"),
            "{} docs lack a Why section",
            meta.id
        );
        assert!(!rule.needle_list().is_empty(), "{}: give needles", meta.id);
    }
}

fn agentlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("agentlint runs")
}

fn findings(out: &Output) -> Vec<(String, String, u64)> {
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    json["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

const USER_RULE: &str = r###"
id = "no-eval"
language = "python"
severity = "error"
summary = "`eval()` of a value"
message = "`eval()` of `{arg}`"
help = "parse the value (json.loads, ast.literal_eval)"
documentation = """
## What it does
Flags `eval(...)`.

## Why is this bad?
It runs arbitrary code.

## Example
```python
eval(data)
```

## Not flagged
Methods named eval.
"""
needles = ["eval"]
anchor = "call"
query = '''
(call
  function: (identifier) @f
  arguments: (argument_list . (_) @arg)
  (#eq? @f "eval")) @call
'''
valid = ["model.eval()"]
invalid = ["eval(data)"]
"###;

#[test]
fn a_user_rules_folder_is_loaded_and_its_rule_fires_in_check_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("my-rules")).expect("mkdir");
    std::fs::write(dir.path().join("my-rules/no-eval.toml"), USER_RULE).expect("write");
    std::fs::write(dir.path().join("my-rules/README.md"), "not a rule").expect("write");
    std::fs::write(
        dir.path().join("app.py"),
        "import subprocess\n\ndef run(data, model):\n    model.eval()\n    return eval(data)\n",
    )
    .expect("write");

    let out = agentlint(
        dir.path(),
        &[
            "check",
            "--all",
            "--rules-dir",
            "my-rules",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        findings(&out),
        vec![("no-eval".to_string(), "app.py".to_string(), 5)]
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["findings"][0]["message"], "`eval()` of `data`");

    // --ignore and --select know the user's rule.
    let out = agentlint(
        dir.path(),
        &[
            "check",
            "--all",
            "--rules-dir",
            "my-rules",
            "--ignore",
            "no-eval",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(findings(&out).is_empty());
    // Without the folder the id is unknown: a usage error.
    let out = agentlint(dir.path(), &["check", "--all", "--select", "no-eval"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown rule `no-eval`"));

    // `rules` lists it with its source; `explain` prints its documentation.
    let out = agentlint(dir.path(), &["rules", "--rules-dir", "my-rules"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    let line = listing
        .lines()
        .find(|l| l.starts_with("no-eval "))
        .unwrap_or_else(|| panic!("no-eval not listed:\n{listing}"));
    assert!(
        line.contains("no-eval.toml") && line.contains("error"),
        "{line}"
    );
    assert!(listing
        .lines()
        .any(|l| l.starts_with("bare-except ") && l.contains("built-in")));
    assert!(listing
        .lines()
        .any(|l| l.starts_with("todo-comment ") && l.contains("rules/todo-comment.toml")));
    let out = agentlint(
        dir.path(),
        &["explain", "no-eval", "--rules-dir", "my-rules"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("## Why is this bad?\nIt runs arbitrary code."),
        "{text}"
    );
    assert!(text.contains("(#eq? @f \"eval\")"), "{text}");
}

#[test]
fn a_malformed_user_rule_is_a_pointed_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("rules")).expect("mkdir");
    std::fs::write(
        dir.path().join("rules/bad.toml"),
        USER_RULE.replace("(call\n  function:", "(cal\n  function:"),
    )
    .expect("write");
    std::fs::write(dir.path().join("a.py"), "x = 1\n").expect("write");
    let out = agentlint(dir.path(), &["check", "--all", "--rules-dir", "rules"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`cal` is not a node type"), "{stderr}");
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn shipped_rules_explain_and_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = agentlint(dir.path(), &["explain", "print-in-library"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("# print-in-library (python, default severity: warning)"),
        "{text}"
    );
    // Indented code in the documentation survives (docs_text strips one space).
    assert!(
        text.contains("\n    logger.debug(\"loading %s\", path)\n"),
        "{text}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn declarative_findings_follow_the_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    git(p, &["init", "-q", "-b", "main"]);
    let base = "import subprocess\n\n\n# TODO: old marker\ndef f(x):\n    print(x)\n    return x\n";
    std::fs::write(p.join("lib.py"), base).expect("write");
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "base"]);
    git(p, &["checkout", "-q", "-b", "agent"]);
    // The agent adds a TODO, a print and a shell call, far below the old ones.
    let mut changed = base.to_string();
    changed.push_str(&"\n".repeat(40));
    changed.push_str("def g(cmd):\n    # TODO: new marker\n    print(cmd)\n    return subprocess.run(\n        cmd,\n        shell=True,\n    )\n");
    std::fs::write(p.join("lib.py"), changed).expect("write");
    git(p, &["commit", "-qam", "agent"]);

    let out = agentlint(p, &["check", "--since", "main", "--format", "json"]);
    let got: BTreeSet<(String, u64)> = findings(&out)
        .into_iter()
        .map(|(rule, _, line)| (rule, line))
        .collect();
    let want: BTreeSet<(String, u64)> = [
        ("todo-comment", 49),
        ("print-in-library", 50),
        ("subprocess-shell-true", 53),
    ]
    .into_iter()
    .map(|(r, l)| (r.to_string(), l))
    .collect();
    assert_eq!(
        got,
        want,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
