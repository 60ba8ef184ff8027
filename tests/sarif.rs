//! `--format sarif`: real output from fixture repositories validated
//! against the OASIS SARIF 2.1.0 schema (vendored from serde-sarif as
//! tests/data/sarif-schema-2.1.0.json) and by Microsoft's SARIF Multitool
//! with GitHub's ingestion rules; fingerprints that survive moved lines.

mod support;

use agentlint::finding::{Finding, Position, Severity};
use agentlint::report::sarif::{self, SarifOptions};
use agentlint::report::Report;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{agentlint_in, repo_root, Repo};

fn schema_validator() -> jsonschema::Validator {
    let path = repo_root().join("tests/data/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).expect("vendored SARIF schema");
    // The published schema (OASIS, and serde-sarif's copy of it) has one
    // pattern that is not a valid ECMA-262 regex (twice: `run.language` and
    // `toolComponent.language`), which agentlint never writes; jsonschema
    // rightly refuses to compile it.
    // Replace it with the pattern it means (a language tag like "en-US").
    const BROKEN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(
        text.matches(BROKEN).count(),
        2,
        "the vendored schema changed"
    );
    let text = text.replace(BROKEN, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Schema errors of `doc`, as readable lines.
fn schema_errors(doc: &Value) -> Vec<String> {
    let validator = schema_validator();
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A repository with findings of every Python rule, committed as a base,
/// then changed the way an agent would (a modified file, a new file in a
/// directory whose name needs URI escaping).
fn changed_repo() -> Repo {
    let repo = Repo::new();
    repo.write("src/app.py", "def run():\n    return 1\n");
    repo.commit_all("base");
    repo.write(
        "src/app.py",
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\ndef run():\n    value = 1\n    try:\n        value = compute()\n    except Exception:\n        log.info(\"failed\")\n    return value\n",
    );
    repo.write(
        "new dir/é,x.py",
        "try:\n    import fast\nexcept:\n    fast = None\n",
    );
    repo
}

fn sarif_of(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend(["--format", "sarif"]);
    let (code, stdout, stderr) = agentlint_in(dir, &all);
    assert!(
        code == 0 || code == 1,
        "agentlint failed ({code}): {stderr}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("SARIF is JSON: {e}\n{stdout}"))
}

fn results(doc: &Value) -> &Vec<Value> {
    doc["runs"][0]["results"].as_array().expect("results array")
}

/// A report shaped like the audit's: a telemetry finding anchored at a
/// `.jsonl` line with extra fields, a rule id the registry does not know,
/// a finding with no line, and a path that needs escaping.
fn synthetic_report() -> Report {
    let finding = |rule: &'static str, path: &str, line: u32, message: &str| Finding {
        rule,
        severity: Severity::Warning,
        path: path.to_string(),
        span: 0..0,
        start: Position { line, column: 1 },
        end: Position {
            line,
            column: if line == 0 { 1 } else { 42 },
        },
        message: message.to_string(),
        help: None,
        scope_lines: None,
        related: Vec::new(),
        extra: BTreeMap::new(),
    };
    let mut telemetry = finding(
        "unscoped-shell",
        "runs/agent_telemetry.jsonl",
        17,
        "shell command `curl https://example.invalid` reached the network",
    );
    telemetry.severity = Severity::Error;
    telemetry
        .extra
        .insert("session".into(), json!("agent-run-01"));
    telemetry
        .extra
        .insert("tasks".into(), json!(["TASK-007", "TASK-012"]));
    telemetry.extra.insert(
        "window".into(),
        json!({"from": "2026-11-01T08:00:00Z", "hours": 8}),
    );
    let mut note = finding(
        "bare-except",
        "src/100% sure [draft].py",
        3,
        "do not use bare `except:`",
    );
    note.severity = Severity::Note;
    note.help = Some("catch the specific exceptions".into());
    let mut report = Report {
        findings: vec![
            telemetry,
            note,
            finding(
                "task-manifest",
                "task_manifest.json",
                0,
                "TASK-012 was never started",
            ),
            // A manifest given from outside the repository.
            finding(
                "missing-test",
                "/srv/tasks/task_manifest.json",
                9,
                "TASK-007 changed its target but no test",
            ),
        ],
        ..Report::default()
    };
    report.finish();
    report
}

/// The rules the demo snapshots are pinned to, so new rules do not churn
/// them.
const DEMO_RULES: &str = "bare-except,broad-except,log-not-at-entry";

fn all_rules() -> Vec<&'static agentlint::rule::RuleMeta> {
    agentlint::registry::all()
        .iter()
        .map(|r| r.meta())
        .collect()
}

#[test]
fn fixture_output_is_schema_valid_and_complete() {
    let root = repo_root();
    let doc = sarif_of(&root, &["--all", "fixtures"]);
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));

    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["$schema"], sarif::SCHEMA_URI);
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "agentlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));

    // Every rule of the run (built-in and shipped declarative) is
    // described, with its documentation as help.
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    let catalog = agentlint::rules::declarative::catalog(None).expect("catalog");
    let known: Vec<&str> = catalog.iter().map(|r| r.meta().id).collect();
    assert_eq!(ids, known);
    for (rule, reg) in rules.iter().zip(&catalog) {
        let meta = reg.meta();
        assert!(rule["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty() && n != meta.id));
        assert!(rule["shortDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with(meta.summary)));
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .is_some_and(|t| t.len() > meta.summary.len()));
        let help_md = rule["help"]["markdown"].as_str().expect("help markdown");
        assert!(help_md.contains("## What it does"), "{help_md}");
        assert!(help_md.contains(&meta.docs_text()));
        assert!(rule["help"]["text"].is_string());
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            meta.default_severity.as_str()
        );
        assert!(rule["properties"]["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&json!(meta.scope.as_str()))));
    }

    // The same findings as the JSON format, located the same way.
    let (_, json_out, _) = agentlint_in(&root, &["check", "--all", "fixtures", "--format", "json"]);
    let json_doc: Value = serde_json::from_str(&json_out).expect("json");
    let expected: Vec<(String, u64, u64, u64, u64, String, String)> = json_doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["end_line"].as_u64().unwrap_or(0),
                f["end_column"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert!(expected.len() > 10, "the fixtures produce findings");
    let actual: Vec<(String, u64, u64, u64, u64, String, String)> = results(&doc)
        .iter()
        .map(|r| {
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(
                rules[index]["id"], r["ruleId"],
                "ruleIndex points at ruleId"
            );
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            let region = &loc["region"];
            assert!(r["partialFingerprints"][sarif::FINGERPRINT_KEY].is_string());
            assert!(r["message"]["text"].is_string());
            (
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                region["startLine"].as_u64().unwrap_or(0),
                region["startColumn"].as_u64().unwrap_or(0),
                region["endLine"].as_u64().unwrap_or(0),
                region["endColumn"].as_u64().unwrap_or(0),
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                r["level"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(actual, expected);
}

/// `agentlint audit` of the demo's telemetry as SARIF: findings anchored at
/// lines of a `.jsonl` file, with extra fields, through the same printer.
fn audit_sarif() -> Value {
    let (code, stdout, stderr) = agentlint_in(
        &repo_root(),
        &[
            "audit",
            "fixtures/demo/agent_telemetry.jsonl",
            "--format",
            "sarif",
        ],
    );
    assert!(code == 0 || code == 1, "audit failed ({code}): {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("SARIF is JSON: {e}\n{stdout}"))
}

#[test]
fn audit_output_is_schema_valid() {
    let doc = audit_sarif();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let res = results(&doc);
    assert!(!res.is_empty(), "the demo telemetry has findings");
    for r in res {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(
            loc["artifactLocation"]["uri"],
            "fixtures/demo/agent_telemetry.jsonl"
        );
        assert!(loc["region"]["startLine"].as_u64().is_some_and(|l| l > 0));
    }
}

#[test]
fn demo_results_snapshot() {
    // The results only: the rules' descriptors change with their docs.
    let doc = sarif_of(
        &repo_root(),
        &["--all", "tests/data/formats/src", "--select", DEMO_RULES],
    );
    let pretty = serde_json::to_string_pretty(results(&doc)).expect("json");
    insta::assert_snapshot!("demo_sarif_results", pretty);
}

#[test]
fn the_schema_rejects_what_code_scanning_rejects() {
    // The validator must be able to fail: a wrong version, a missing
    // message and a non-integer line are each reported.
    let doc = json!({
        "version": "2.0.0",
        "runs": [{
            "tool": {"driver": {"name": "agentlint"}},
            "results": [{
                "ruleId": "bare-except",
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "a.py"},
                    "region": {"startLine": "four"}
                }}]
            }]
        }]
    });
    let errors = schema_errors(&doc);
    assert!(errors.len() >= 3, "{errors:#?}");
}

#[test]
fn changed_repo_output_is_schema_valid_with_relative_escaped_uris() {
    let repo = changed_repo();
    let doc = sarif_of(
        repo.path(),
        &["--since", "main", "--sarif-category", "agentlint/python"],
    );
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    assert_eq!(
        doc["runs"][0]["automationDetails"]["id"],
        "agentlint/python/"
    );
    let found: BTreeSet<(String, String, u64)> = results(&doc)
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                loc["region"]["startLine"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, u64)> = [
        ("new%20dir/%C3%A9,x.py", "bare-except", 3),
        ("src/app.py", "broad-except", 10),
        ("src/app.py", "log-not-at-entry", 6),
    ]
    .into_iter()
    .map(|(u, r, l)| (u.to_string(), r.to_string(), l))
    .collect();
    assert_eq!(found, expected);
}

#[test]
fn telemetry_shaped_findings_are_schema_valid() {
    let report = synthetic_report();
    let text = sarif::render(
        &report,
        &SarifOptions {
            rules: all_rules(),
            category: None,
        },
    );
    let doc: Value = serde_json::from_str(&text).expect("json");
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    assert!(doc["runs"][0].get("automationDetails").is_none());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let res = results(&doc);
    // Sorted by path: /srv/..., runs/..., src/..., task_manifest.json.
    // Outside the repository: an absolute file URI, no base.
    let outside = &res[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(outside["uri"], "file:///srv/tasks/task_manifest.json");
    assert!(outside.get("uriBaseId").is_none());
    let res = &res[1..];
    let telemetry = &res[0];
    assert_eq!(telemetry["ruleId"], "unscoped-shell");
    let index = telemetry["ruleIndex"].as_u64().expect("index") as usize;
    assert_eq!(
        rules[index]["id"], "unscoped-shell",
        "unknown rules get a descriptor"
    );
    let loc = &telemetry["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "runs/agent_telemetry.jsonl");
    assert_eq!(loc["region"]["startLine"], 17);
    assert_eq!(telemetry["properties"]["session"], "agent-run-01");
    assert_eq!(
        telemetry["properties"]["tasks"],
        json!(["TASK-007", "TASK-012"])
    );
    assert_eq!(telemetry["level"], "error");
    let escaped = &res[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(escaped, "src/100%25%20sure%20%5Bdraft%5D.py");
    assert_eq!(res[1]["level"], "note");
    assert_eq!(
        res[1]["properties"]["help"],
        "catch the specific exceptions"
    );
    // A finding with no line: located at its file, no region.
    let whole_file = &res[2]["locations"][0]["physicalLocation"];
    assert_eq!(whole_file["artifactLocation"]["uri"], "task_manifest.json");
    assert!(whole_file.get("region").is_none());
}

/// Fingerprints by (rule, start line) from a SARIF document.
fn fingerprints(doc: &Value) -> Vec<(String, u64, String)> {
    results(doc)
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or(0),
                r["partialFingerprints"][sarif::FINGERPRINT_KEY]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = "def load(path):\n    try:\n        return read(path)\n    except:\n        return None\n\n\ndef save(path):\n    try:\n        write(path)\n    except:\n        return None\n";
    std::fs::write(dir.path().join("m.py"), body).expect("write");
    let before = fingerprints(&sarif_of(dir.path(), &["--all"]));
    assert_eq!(before.len(), 2, "{before:?}");
    // Two identical `except:` lines: same hash, told apart by occurrence.
    let (hash0, occ0) = before[0].2.split_once(':').expect("hash:occurrence");
    let (hash1, occ1) = before[1].2.split_once(':').expect("hash:occurrence");
    assert_eq!((hash0, occ0, occ1), (hash1, "1", "2"));

    // Unrelated code inserted above moves both findings down by 6 lines.
    let moved = format!("\"\"\"Storage helpers.\"\"\"\nimport os\n\nCACHE = {{}}\n\n\n{body}");
    std::fs::write(dir.path().join("m.py"), moved).expect("write");
    let after = fingerprints(&sarif_of(dir.path(), &["--all"]));
    assert_eq!(after.len(), 2);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.1, b.1 + 6, "the finding moved");
        assert_eq!(a.2, b.2, "but kept its fingerprint");
    }

    // Editing the flagged line itself makes a new fingerprint; the other,
    // now the only `except:` line, becomes occurrence 1.
    let edited = body.replacen("    except:\n", "    except:  # noqa-free\n", 1);
    std::fs::write(dir.path().join("m.py"), edited).expect("write");
    let edited = fingerprints(&sarif_of(dir.path(), &["--all"]));
    assert_ne!(
        edited[0].2, before[0].2,
        "an edited anchor line is a new alert"
    );
    assert_eq!(edited[1].2.split_once(':').map(|p| p.1), Some("1"));

    // Same file content under another path: another fingerprint.
    std::fs::rename(dir.path().join("m.py"), dir.path().join("n.py")).expect("rename");
    std::fs::write(dir.path().join("n.py"), body).expect("write");
    let renamed = fingerprints(&sarif_of(dir.path(), &["--all"]));
    assert_ne!(renamed[0].2, before[0].2);
}

#[test]
fn fingerprints_do_not_depend_on_line_numbers_for_telemetry() {
    // Without the file's text (telemetry), the message stands in for the
    // anchor line: moving the event to another line keeps the fingerprint.
    let mut report = synthetic_report();
    let first = sarif::fingerprints(&report);
    report.findings[0].start.line += 40;
    report.findings[0].end.line += 40;
    assert_eq!(sarif::fingerprints(&report), first);
    report.findings[0].message.push_str(" again");
    assert_ne!(sarif::fingerprints(&report)[0], first[0]);
}

// ---- Microsoft SARIF Multitool ---------------------------------------

const MULTITOOL_VERSION: &str = "5.7.0";
const REQUIRE_MULTITOOL: &str = "AGENTLINT_REQUIRE_SARIF_MULTITOOL";

/// Where the test (and .ci/run) install the Multitool with npm.
fn multitool_dir() -> PathBuf {
    std::env::var_os("AGENTLINT_SARIF_MULTITOOL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-multitool"))
}

/// The Multitool's native executable: the npm package's `bin.js` runs it
/// through a shell, which would split `--rule-kind "Gh;Sarif"` at the `;`,
/// so it is resolved with node and run directly.
fn resolve_multitool(dir: &Path) -> Option<PathBuf> {
    let out = Command::new("node")
        .current_dir(dir)
        .args(["-p", "require('@microsoft/sarif-multitool')"])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && path.is_file()).then_some(path)
}

fn find_or_install_multitool() -> Result<PathBuf, String> {
    let dir = multitool_dir();
    if let Some(path) = resolve_multitool(&dir) {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let spec = format!("@microsoft/sarif-multitool@{MULTITOOL_VERSION}");
    let out = Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(&dir)
        .arg(&spec)
        .output()
        .map_err(|e| format!("npm is not available ({e}); cannot install {spec}"))?;
    if !out.status.success() {
        return Err(format!(
            "`npm install {spec}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    resolve_multitool(&dir)
        .ok_or_else(|| format!("{spec} installed but its executable was not found"))
}

/// Runs `validate --rule-kind "Gh;Sarif"` and returns (error results,
/// other results) as `RULE: message-id arguments` lines.
fn multitool_validate(tool: &Path, sarif_file: &Path) -> (Vec<String>, Vec<String>) {
    let out_file = sarif_file.with_extension("validation.sarif");
    let _ = std::fs::remove_file(&out_file);
    let out = Command::new(tool)
        .args(["validate", "--rule-kind", "Gh;Sarif", "--output"])
        .arg(&out_file)
        .arg(sarif_file)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("the Multitool runs");
    let console = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = std::fs::read_to_string(&out_file)
        .unwrap_or_else(|e| panic!("no validation log ({e}); Multitool said:\n{console}"));
    let log: Value = serde_json::from_str(&text).expect("validation log is JSON");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut errors = Vec::new();
    let mut others = Vec::new();
    for r in run["results"].as_array().cloned().unwrap_or_default() {
        let default_level = r["ruleIndex"]
            .as_u64()
            .and_then(|i| rules.get(i as usize))
            .and_then(|d| d["defaultConfiguration"]["level"].as_str())
            .unwrap_or("warning")
            .to_string();
        let level = r["level"]
            .as_str()
            .map(str::to_string)
            .unwrap_or(default_level);
        let line = format!(
            "{level} {}: {} {}",
            r["ruleId"].as_str().unwrap_or("?"),
            r["message"]["id"].as_str().unwrap_or(""),
            r["message"]["arguments"]
        );
        if level == "error" {
            errors.push(line);
        } else {
            others.push(line);
        }
    }
    // The console repeats the results in readable form.
    if !errors.is_empty() {
        eprintln!("{console}");
    }
    (errors, others)
}

#[test]
fn multitool_reports_no_github_or_sarif_errors() {
    let tool = match find_or_install_multitool() {
        Ok(tool) => tool,
        Err(why) => {
            support::skip(
                REQUIRE_MULTITOOL,
                &format!("SARIF Multitool validation not run: {why}"),
            );
            return;
        }
    };
    let work = tempfile::tempdir().expect("tempdir");
    let repo = changed_repo();
    let suppressed = suppressed_dir();
    let documents = [
        ("fixtures", sarif_of(&repo_root(), &["--all", "fixtures"])),
        (
            "suppressed",
            sarif_of(suppressed.path(), &["--all", "--show-suppressed"]),
        ),
        (
            "changed-repo",
            sarif_of(
                repo.path(),
                &["--since", "main", "--sarif-category", "agentlint"],
            ),
        ),
        (
            "telemetry",
            serde_json::from_str(&sarif::render(
                &synthetic_report(),
                &SarifOptions {
                    rules: all_rules(),
                    category: Some("audit".into()),
                },
            ))
            .expect("json"),
        ),
        ("empty", sarif_of(&repo_root(), &["--all", "Cargo.toml"])),
        ("audit", audit_sarif()),
    ];
    // The check can fail: a result with an absolute path and a rule without
    // descriptions or help breaks GitHub's ingestion rules.
    let bad = json!({
        "$schema": sarif::SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "agentlint", "rules": [{"id": "bare-except"}]}},
            "results": [{
                "ruleId": "bare-except",
                "message": {"text": "do not use bare `except:`."},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "/home/runner/work/a.py", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 4}
                }}]
            }]
        }]
    });
    let bad_file = work.path().join("bad.sarif");
    std::fs::write(&bad_file, bad.to_string()).expect("write");
    let (bad_errors, _) = multitool_validate(&tool, &bad_file);
    assert!(
        bad_errors.len() >= 3,
        "the Multitool flags a bad log: {bad_errors:#?}"
    );

    let mut failures = Vec::new();
    for (name, doc) in &documents {
        let file = work.path().join(format!("{name}.sarif"));
        std::fs::write(&file, serde_json::to_string_pretty(doc).expect("json")).expect("write");
        let (errors, others) = multitool_validate(&tool, &file);
        for line in &others {
            println!("{name}: {line}");
        }
        failures.extend(errors.into_iter().map(|e| format!("{name}: {e}")));
    }
    assert!(
        failures.is_empty(),
        "Multitool error-level results:\n{}",
        failures.join("\n")
    );
}

/// A folder with one suppressed and one reported `bare-except`.
fn suppressed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.py"),
        "try:\n    import fast\nexcept:  # agentlint: ignore[bare-except]\n    fast = None\ntry:\n    import slow\nexcept:\n    slow = None\n",
    )
    .expect("write");
    dir
}

#[test]
fn suppressed_findings_are_marked_suppressed_when_shown() {
    let dir = suppressed_dir();
    let select = ["--select", "bare-except"];
    let hidden = sarif_of(dir.path(), &["--all", select[0], select[1]]);
    assert_eq!(
        results(&hidden).len(),
        1,
        "suppressed findings are left out by default"
    );
    assert!(results(&hidden)[0].get("suppressions").is_none());

    let shown = sarif_of(
        dir.path(),
        &["--all", select[0], select[1], "--show-suppressed"],
    );
    let errors = schema_errors(&shown);
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
    let res = results(&shown);
    assert_eq!(res.len(), 2);
    let lines_and_suppressed: Vec<(u64, bool)> = res
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap_or(0),
                r["suppressions"][0]["kind"] == "inSource",
            )
        })
        .collect();
    assert_eq!(lines_and_suppressed, [(7, false), (3, true)]);
}
