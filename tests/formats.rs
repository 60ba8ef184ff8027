//! `--format github` and `--format compact`, `--statistics` and `--fail-on`,
//! run through the binary the way CI runs it.

mod support;

use agentlint::finding::{Finding, Position, Severity};
use agentlint::report::github::{annotation, escape_data, escape_property};
use agentlint::report::Report;
use std::collections::BTreeMap;
use support::{agentlint_in, repo_root};

fn finding(path: &str, message: &str) -> Finding {
    Finding {
        rule: "bare-except",
        severity: Severity::Error,
        path: path.to_string(),
        span: 0..6,
        start: Position { line: 4, column: 5 },
        end: Position {
            line: 4,
            column: 11,
        },
        message: message.to_string(),
        help: None,
        scope_lines: None,
        related: Vec::new(),
        extra: BTreeMap::new(),
    }
}

#[test]
fn github_escaping_follows_the_actions_toolkit() {
    assert_eq!(escape_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
    assert_eq!(
        escape_data("a: b, c"),
        "a: b, c",
        "message keeps `:` and `,`"
    );
    assert_eq!(escape_property("a: b, c"), "a%3A b%2C c");
    assert_eq!(escape_property("50%\n"), "50%25%0A");
    // `%` first: an already-escaped sequence is escaped again, not decoded.
    assert_eq!(escape_data("%0A"), "%250A");
    assert_eq!(escape_property("%2C"), "%252C");
}

#[test]
fn github_annotation_escapes_properties_and_message() {
    let mut f = finding("dir:x/a,b.py", "100% sure: line one\nline two\r");
    f.help = Some("fix, then retry".into());
    assert_eq!(
        annotation(&f),
        "::error file=dir%3Ax/a%2Cb.py,line=4,col=5,endLine=4,endColumn=11,\
         title=agentlint (bare-except)::100%25 sure: line one%0Aline two%0D%0Ahelp: fix, then retry"
    );
    f.severity = Severity::Note;
    f.help = None;
    f.message = "plain".into();
    f.path = "a.py".into();
    assert_eq!(
        annotation(&f),
        "::notice file=a.py,line=4,col=5,endLine=4,endColumn=11,title=agentlint (bare-except)::plain"
    );
}

#[test]
fn github_annotations_point_at_the_flagged_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "import os\n\ntry:\n    os.remove('x')\nexcept:\n    pass\n";
    std::fs::write(dir.path().join("odd, name:1.py"), text).expect("write");
    let (code, stdout, stderr) =
        agentlint_in(dir.path(), &["check", "--all", "--format", "github"]);
    assert_eq!(code, 1, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "::error file=odd%2C name%3A1.py,line=5,col=1,endLine=5,endColumn=7,\
         title=agentlint (bare-except)::do not use bare `except:`%0A\
         help: catch the specific exceptions the `try` body raises"
    );
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[1], "1 error, 0 warnings in 1 file; 1 file checked");
}

#[test]
fn demo_in_every_line_format() {
    let root = repo_root();
    let run = |format: &str| {
        let (code, stdout, stderr) = agentlint_in(
            &root,
            &[
                "check",
                "--all",
                "tests/data/formats/src",
                "--select",
                "bare-except,broad-except,log-not-at-entry",
                "--format",
                format,
            ],
        );
        assert_eq!(code, 1, "{stderr}");
        stdout
    };
    insta::assert_snapshot!("demo_compact", run("compact"));
    insta::assert_snapshot!("demo_github", run("github"));
}

#[test]
fn statistics_print_only_the_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.py"),
        "import logging\nlog = logging.getLogger()\n\n\ndef f():\n    x = 1\n    try:\n        x = g()\n    except:\n        pass\n    try:\n        x = h()\n    except Exception:\n        log.info('x')\n    return x\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("b.py"),
        "try:\n    pass\nexcept:\n    pass\n",
    )
    .expect("write");
    let select = "bare-except,broad-except,log-not-at-entry";
    for format in ["human", "compact", "github", "sarif"] {
        let (code, stdout, _) = agentlint_in(
            dir.path(),
            &[
                "check",
                "--all",
                "--select",
                select,
                "--format",
                format,
                "--statistics",
            ],
        );
        assert_eq!(
            code, 1,
            "{format}: the exit code still follows the findings"
        );
        // As ruff: the table (and the summary line), no finding listed.
        insta::assert_snapshot!("statistics_table", stdout);
    }
    let (_, stdout, _) = agentlint_in(
        dir.path(),
        &[
            "check",
            "--all",
            "--select",
            select,
            "--format",
            "json",
            "--statistics",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON document");
    let rows = doc["statistics"].as_array().expect("statistics");
    let counts: Vec<(String, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap_or("").to_string(),
                r["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    // By hand: two bare `except:` (a.py, b.py), one `except Exception`, one
    // function logging only inside an `except`.
    assert_eq!(
        counts,
        [
            ("bare-except".to_string(), 2),
            ("broad-except".to_string(), 1),
            ("log-not-at-entry".to_string(), 1)
        ]
    );
    assert!(doc.get("findings").is_none(), "{doc}");
    // With `--output`, the report still goes to the file.
    let (code, stdout, _) = agentlint_in(
        dir.path(),
        &[
            "check",
            "--all",
            "--select",
            select,
            "--format",
            "sarif",
            "--output",
            "out.sarif",
            "--statistics",
        ],
    );
    assert_eq!(code, 1);
    assert!(stdout.starts_with("2  bare-except"), "{stdout}");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out.sarif")).expect("written"),
    )
    .expect("a SARIF document");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(4)
    );
}

#[test]
fn fail_on_chooses_the_failing_severity() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Only a warning: log-not-at-entry.
    std::fs::write(
        dir.path().join("warn.py"),
        "import logging\nlog = logging.getLogger()\n\ndef f(x):\n    if x:\n        log.info('x=%s', x)\n    return x\n",
    )
    .expect("write");
    // An error: bare-except.
    std::fs::write(
        dir.path().join("error.py"),
        "try:\n    import fast\nexcept:\n    fast = None\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("clean.py"), "x = 1\n").expect("write");
    let exit = |file: &str, extra: &[&str]| {
        let mut args = vec!["check", "--all", file, "--format", "compact"];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = agentlint_in(dir.path(), &args);
        assert!(code == 0 || code == 1, "{stdout}{stderr}");
        code
    };
    assert_eq!(exit("warn.py", &[]), 1, "default: warnings fail");
    assert_eq!(exit("warn.py", &["--fail-on", "warning"]), 1);
    assert_eq!(exit("warn.py", &["--fail-on", "note"]), 1);
    assert_eq!(exit("warn.py", &["--fail-on", "error"]), 0);
    assert_eq!(exit("warn.py", &["--fail-on", "never"]), 0);
    assert_eq!(exit("error.py", &["--fail-on", "error"]), 1);
    assert_eq!(exit("error.py", &["--fail-on", "never"]), 0);
    assert_eq!(exit("clean.py", &["--fail-on", "note"]), 0);

    let (code, _, stderr) = agentlint_in(dir.path(), &["check", "--all", "--fail-on", "sometimes"]);
    assert_eq!(code, 2, "a bad value is a usage error: {stderr}");
}

#[test]
fn note_threshold_counts_notes() {
    let mut f = finding("a.py", "m");
    f.severity = Severity::Note;
    let report = Report {
        findings: vec![f],
        ..Report::default()
    };
    assert_eq!(report.exit_code(Some(Severity::Note)), 1);
    assert_eq!(report.exit_code(Some(Severity::Warning)), 0);
    assert_eq!(report.exit_code(None), 0);
}

#[test]
fn sarif_category_needs_the_sarif_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.py"), "x = 1\n").expect("write");
    let (code, _, stderr) = agentlint_in(
        dir.path(),
        &[
            "check",
            "--all",
            "--format",
            "json",
            "--sarif-category",
            "x",
        ],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("--sarif-category"), "{stderr}");
    let (code, _, stderr) = agentlint_in(
        dir.path(),
        &[
            "check",
            "--all",
            "--format",
            "sarif",
            "--sarif-category",
            "x",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn json_reports_follow_their_schema() {
    let root = repo_root();
    let text = std::fs::read_to_string(root.join("tests/data/formats/check-report.schema.json"))
        .expect("schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let dir = tempfile::tempdir().expect("tempdir");
    // A finding with related locations, a suppressed one, skipped files.
    std::fs::write(
        dir.path().join("a.py"),
        "import logging\nlog = logging.getLogger()\n\ndef f(x):\n    if x:\n        log.info('x')\n    try:\n        g()\n    except:  # noqa: E722\n        pass\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("blob.py"), b"\x00binary".as_slice()).expect("write");
    std::fs::write(dir.path().join("notes.md"), "# notes\n").expect("write");
    let runs = [
        agentlint_in(
            dir.path(),
            &["check", "--all", "--format", "json", "--show-suppressed"],
        ),
        agentlint_in(
            &root,
            &[
                "check",
                "--all",
                "tests/data/formats/src",
                "--format",
                "json",
            ],
        ),
    ];
    for (code, stdout, stderr) in runs {
        assert_eq!(code, 1, "{stderr}");
        let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    }
    let (_, stdout, _) = agentlint_in(dir.path(), &["check", "--all", "--format", "json"]);
    let mut doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    // The schema holds the codes: a sentence as a reason is rejected.
    let mut old_style = doc.clone();
    old_style["summary"]["skipped"][0]["reason"] = "binary file".into();
    assert!(!validator.is_valid(&old_style));
    let related = doc["findings"][0]["related"][0].take();
    assert_eq!(related["line"], 6, "{doc:#}");
    assert_eq!(related["column"], 9, "{doc:#}");
}
