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
    let call = "import subprocess\n\n\ndef h(cmd):\n    return subprocess.run(\n        cmd,\n        shell=False,\n    )\n";
    std::fs::write(p.join("call.py"), call).expect("write");
    // Over 8 KiB (11 KB): diff mode parses only the changed top-level
    // statements (and imports), not the `__main__` guard.
    let padding: String = (0..700).map(|i| format!("VALUE_{i} = {i}\n")).collect();
    let script = format!("import sys\n{padding}\n\ndef main():\n    return 0\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n");
    std::fs::write(p.join("script.py"), &script).expect("write");
    let big = format!("{padding}\n\ndef work(x):\n    return x\n");
    std::fs::write(p.join("big.py"), &big).expect("write");
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "base"]);
    git(p, &["checkout", "-q", "-b", "agent"]);
    // The agent adds a TODO, a print and a shell call, far below the old ones.
    let mut changed = base.to_string();
    changed.push_str(&"\n".repeat(40));
    changed.push_str("def g(cmd):\n    # TODO: new marker\n    print(cmd)\n    return subprocess.run(\n        cmd,\n        shell=True,\n    )\n");
    std::fs::write(p.join("lib.py"), changed).expect("write");
    // Only line 7 of a call that starts on line 5 changes: still reported.
    std::fs::write(p.join("call.py"), call.replace("shell=False", "shell=True")).expect("write");
    // A print added to a script (a module with a __main__ guard): exempt,
    // though the guard is outside the statements diff mode parses.
    std::fs::write(
        p.join("script.py"),
        script.replace("    return 0\n", "    print(\"hello\")\n    return 0\n"),
    )
    .expect("write");
    // A print added at the end of a large library file: reported.
    std::fs::write(
        p.join("big.py"),
        big.replace("    return x\n", "    print(x)\n    return x\n"),
    )
    .expect("write");
    git(p, &["commit", "-qam", "agent"]);

    let out = agentlint(p, &["check", "--since", "main", "--format", "json"]);
    let got: BTreeSet<(String, String, u64)> = findings(&out).into_iter().collect();
    let want: BTreeSet<(String, String, u64)> = [
        ("todo-comment", "lib.py", 49),
        ("print-in-library", "lib.py", 50),
        ("subprocess-shell-true", "lib.py", 53),
        ("subprocess-shell-true", "call.py", 7),
        ("print-in-library", "big.py", 704),
    ]
    .into_iter()
    .map(|(r, f, l)| (r.to_string(), f.to_string(), l))
    .collect();
    assert_eq!(
        got,
        want,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_config_rules_dir_feeds_check_rules_and_explain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir_all(p.join("lint/rules")).expect("mkdir");
    std::fs::write(p.join("lint/rules/no-eval.toml"), USER_RULE).expect("write");
    // Relative to the config file's folder, not the working directory.
    std::fs::write(p.join("agentlint.toml"), "rules-dir = \"lint/rules\"\n").expect("write");
    std::fs::create_dir(p.join("src")).expect("mkdir");
    std::fs::write(p.join("src/app.py"), "value = eval(text)\n").expect("write");

    let out = agentlint(&p.join("src"), &["check", "--all", "--format", "json"]);
    assert_eq!(
        findings(&out),
        // No repository: `--all` paths are relative to the working directory.
        vec![("no-eval".to_string(), "app.py".to_string(), 1)],
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = agentlint(&p.join("src"), &["rules"]);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.starts_with("no-eval ")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = agentlint(&p.join("src"), &["explain", "no-eval"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_config_file_selects_and_rates_declarative_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::create_dir(p.join("my-rules")).expect("mkdir");
    std::fs::write(p.join("my-rules/no-eval.toml"), USER_RULE).expect("write");
    std::fs::write(
        p.join("agentlint.toml"),
        "rules-dir = \"my-rules\"\nignore = [\"todo-comment\"]\n\n[severity]\nno-eval = \"note\"\n",
    )
    .expect("write");
    std::fs::write(p.join("app.py"), "# TODO: later\nvalue = eval(text)\n").expect("write");
    let out = agentlint(p, &["check", "--all", "--format", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!("stderr: {}", String::from_utf8_lossy(&out.stderr));
    });
    let found = json["findings"].as_array().expect("findings");
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["rule"], "no-eval");
    assert_eq!(found[0]["severity"], "note");
    // A note does not fail the run.
    assert_eq!(out.status.code(), Some(0));
}
