//! The shapes real Claude Code transcripts and Codex rollouts have (see
//! `fixtures/audit-real-shapes/`, written to reproduce what public
//! projects ship as test data: snapshots first, streamed usage, sidechains,
//! sub-agent files, compactions, a resumed history, every Codex item type,
//! redacted arguments). Every figure the audit reports is checked against
//! one this test computes itself from the fixture JSON (serde_json), not
//! against the audit's own output.

use agentlint::audit::policy::AuditPolicy;
use agentlint::audit::read::{self, Input};
use agentlint::audit::report::AuditReport;
use agentlint::audit::timeline::Timeline;
use agentlint::audit::{audit, audit_whole, print, AuditOptions};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shapes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/audit-real-shapes")
}

fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    read::expand_inputs(&[Input::Path(dir.to_path_buf())])
        .into_iter()
        .filter_map(|(_, i)| match i {
            Input::Path(p) => Some(p),
            Input::Stdin => None,
        })
        .collect()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What a session should show, computed from the JSON.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    /// Tool-call events (one per `tool_use` id; per file of a patch).
    tool_events: usize,
    output_tokens: u64,
    checkpoints: usize,
}

/// A policy without a configured workspace (each session's project root)
/// and network restricted to localhost.
fn policy() -> AuditPolicy {
    AuditPolicy {
        home: Some(PathBuf::from("/home/dev")),
        ..AuditPolicy::default()
    }
}

/// Claude Code: distinct `tool_use` ids per session (`sessionId`, plus
/// `/agent-<agentId>` for sidechains), output tokens as the largest
/// `usage.output_tokens` per `message.id` + `requestId`, summed; one
/// checkpoint per `compact_boundary`.
fn claude_expected(files: &[PathBuf]) -> BTreeMap<String, Expected> {
    let mut tools: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut usage: HashMap<String, HashMap<(String, String), u64>> = HashMap::new();
    let mut compactions: HashMap<String, usize> = HashMap::new();
    for path in files {
        for line in lines(path) {
            let Some(sid) = line["sessionId"].as_str() else {
                continue;
            };
            let session = match (line["isSidechain"].as_bool(), line["agentId"].as_str()) {
                (Some(true), Some(agent)) => format!("{sid}/agent-{agent}"),
                _ => sid.to_string(),
            };
            match line["type"].as_str() {
                Some("assistant") => {
                    let message = &line["message"];
                    for block in message["content"].as_array().into_iter().flatten() {
                        if block["type"] == "tool_use" {
                            let id = block["id"].as_str().unwrap().to_string();
                            tools.entry(session.clone()).or_default().insert(id);
                        }
                    }
                    if let (Some(id), Some(out)) = (
                        message["id"].as_str(),
                        message["usage"]["output_tokens"].as_u64(),
                    ) {
                        let key = (
                            id.to_string(),
                            line["requestId"].as_str().unwrap_or("").to_string(),
                        );
                        let max = usage
                            .entry(session.clone())
                            .or_default()
                            .entry(key)
                            .or_default();
                        *max = (*max).max(out);
                    }
                }
                Some("system") if line["subtype"] == "compact_boundary" => {
                    *compactions.entry(session).or_default() += 1;
                }
                _ => {}
            }
        }
    }
    let sessions: BTreeSet<&String> = tools.keys().chain(usage.keys()).collect();
    sessions
        .into_iter()
        .map(|s| {
            (
                s.clone(),
                Expected {
                    tool_events: tools.get(s).map_or(0, BTreeSet::len),
                    output_tokens: usage.get(s).map_or(0, |m| m.values().sum()),
                    checkpoints: compactions.get(s).copied().unwrap_or(0),
                },
            )
        })
        .collect()
}

/// The files an `apply_patch` patch names.
fn patch_files(patch: &str) -> usize {
    let headers = ["*** Add File: ", "*** Update File: ", "*** Delete File: "];
    let files: BTreeSet<&str> = patch
        .lines()
        .filter_map(|l| headers.iter().find_map(|h| l.strip_prefix(h)))
        .collect();
    files.len().max(1)
}

/// Codex: one event per distinct `call_id` (one per file of a patch, one
/// per command of a code-mode program), output tokens as the rollout's last
/// running total (`total_token_usage.output_tokens`), one checkpoint per
/// `compacted` line (its `context_compacted` event is the same compaction).
fn codex_expected(path: &Path) -> (String, Expected) {
    let mut session = String::new();
    let mut calls: BTreeSet<String> = BTreeSet::new();
    let mut expected = Expected::default();
    for line in lines(path) {
        let payload = &line["payload"];
        match (line["type"].as_str(), payload["type"].as_str()) {
            (Some("session_meta"), _) => session = payload["id"].as_str().unwrap().to_string(),
            (Some("compacted"), _) => expected.checkpoints += 1,
            (Some("event_msg"), Some("token_count")) => {
                if let Some(total) = payload["info"]["total_token_usage"]["output_tokens"].as_u64()
                {
                    expected.output_tokens = expected.output_tokens.max(total);
                }
            }
            (
                Some("response_item"),
                Some(kind @ ("function_call" | "custom_tool_call" | "local_shell_call")),
            ) => {
                let id = payload["call_id"].as_str().unwrap().to_string();
                if !calls.insert(id) {
                    continue;
                }
                let name = payload["name"].as_str().unwrap_or("");
                let text = match kind {
                    "custom_tool_call" => payload["input"].as_str().unwrap_or("").to_string(),
                    "function_call" => {
                        serde_json::from_str::<Value>(payload["arguments"].as_str().unwrap_or(""))
                            .ok()
                            .and_then(|a| a["input"].as_str().map(str::to_string))
                            .unwrap_or_default()
                    }
                    _ => String::new(),
                };
                expected.tool_events += match name {
                    "apply_patch" => patch_files(&text),
                    "exec" => text.matches("cmd: \"").count().max(1),
                    _ => 1,
                };
            }
            (Some("response_item"), Some("web_search_call")) => expected.tool_events += 1,
            _ => {}
        }
    }
    (session, expected)
}

fn tool_events(by_kind: &BTreeMap<&'static str, usize>) -> usize {
    by_kind
        .iter()
        .filter(|(k, _)| !matches!(**k, "model_output" | "checkpoint"))
        .map(|(_, n)| n)
        .sum()
}

fn seen(report: &AuditReport) -> BTreeMap<String, Expected> {
    report
        .sessions
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                Expected {
                    tool_events: tool_events(&s.by_kind),
                    output_tokens: s.output_tokens,
                    checkpoints: s.checkpoints,
                },
            )
        })
        .collect()
}

#[test]
fn every_count_matches_the_transcripts() {
    let policy = policy();
    let claude_dir = shapes().join("claude");
    let claude_files = jsonl_files(&claude_dir);
    assert_eq!(claude_files.len(), 2, "a session and its sub-agent's file");
    let expected = claude_expected(&claude_files);
    assert_eq!(expected.len(), 3, "main, inline sidechain, sub-agent file");
    let report = audit(
        &[Input::Path(claude_dir.clone())],
        &policy,
        &AuditOptions::default(),
    );
    assert_eq!(seen(&report), expected);
    // The resumed history repeats messages and tool calls: a sum over
    // lines would count them again.
    let main = expected.values().next().unwrap();
    assert!(
        main.tool_events >= 8 && main.output_tokens > 1000,
        "{main:?}"
    );

    let codex_dir = shapes().join("codex");
    let codex_files = jsonl_files(&codex_dir);
    let (session, codex) = codex_expected(&codex_files[0]);
    let report = audit(&[Input::Path(codex_dir)], &policy, &AuditOptions::default());
    assert_eq!(seen(&report), BTreeMap::from([(session, codex)]));
}

#[test]
fn every_line_is_read_counted_or_ignored_by_type() {
    let policy = policy();
    for path in jsonl_files(&shapes()) {
        let report = audit(
            &[Input::Path(path.clone())],
            &policy,
            &AuditOptions::default(),
        );
        let file = &report.files[0];
        let what = path.display();
        assert_eq!(file.malformed_lines, 0, "{what}");
        assert_eq!(file.lines as usize, lines(&path).len(), "{what}");
        assert_eq!(
            file.ignored_by_type.values().sum::<u64>(),
            file.ignored_lines,
            "{what}: {:?}",
            file.ignored_by_type
        );
        // The types the file holds that carry no event, computed here.
        let mut types: BTreeSet<String> = BTreeSet::new();
        for line in lines(&path) {
            let kind = line["type"].as_str().unwrap_or("").to_string();
            let sub = line["payload"]["type"].as_str();
            match (kind.as_str(), sub) {
                ("assistant", _) => {}
                ("system", Some(_)) | ("system", None) if line["subtype"] == "compact_boundary" => {
                }
                ("system", _) => {
                    types.insert(format!("system/{}", line["subtype"].as_str().unwrap()));
                }
                ("session_meta" | "turn_context" | "compacted", _) => {}
                (
                    "response_item",
                    Some(
                        "function_call" | "custom_tool_call" | "local_shell_call"
                        | "web_search_call",
                    ),
                ) => {}
                ("event_msg", Some("context_compacted")) => {}
                ("response_item" | "event_msg", Some(sub)) => {
                    types.insert(format!("{kind}/{sub}"));
                }
                _ => {
                    types.insert(kind);
                }
            }
        }
        let reported: BTreeSet<String> = file.ignored_by_type.keys().cloned().collect();
        assert_eq!(reported, types, "{what}");
    }
}

#[test]
fn clean_real_shaped_sessions_exit_zero_with_no_finding() {
    // As a user runs it: no workspace configured (each session's project
    // root), the design template's restrictions (localhost only, no sudo).
    let out = Command::new(env!("CARGO_BIN_EXE_agentlint"))
        .args(["audit", "--format", "json"])
        .arg(shapes())
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"], Value::Array(Vec::new()), "{doc:#}");
    assert_eq!(out.status.code(), Some(0));
    let sessions = doc["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 4);
    for s in sessions {
        // After `cd todo-app` the writes to the project root stay inside;
        // the sub-agent file's first cwd is a subfolder of the root its
        // project folder's name encodes.
        assert_eq!(s["workspace"], "/opt/agent-workspace", "{s:#}");
    }
    let from: BTreeSet<&str> = sessions
        .iter()
        .map(|s| s["workspace_from"].as_str().unwrap())
        .collect();
    assert_eq!(
        from,
        BTreeSet::from(["first cwd", "project folder", "session_meta cwd"])
    );
    // Each note names what it did with the lines it could not take as
    // they are.
    let notes: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["notes"].as_array().unwrap())
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    for said in ["resumed or replayed history", "redacted?", "one compaction"] {
        assert!(notes.iter().any(|n| n.contains(said)), "{said}: {notes:?}");
    }
}

#[test]
fn the_real_shapes_fold_as_they_read_whole() {
    // The reference: every event kept, every rule once over the whole
    // timeline (with a manifest-free policy and a configured workspace, so
    // that every rule can speak), against what `audit` does.
    let mut policy = policy();
    policy.workspace = Some(PathBuf::from("/opt/agent-workspace/todo-app"));
    policy.context_window_limit = Some(300);
    for path in jsonl_files(&shapes()).into_iter().chain([shapes()]) {
        let files = read::expand_inputs(&[Input::Path(path.clone())]);
        let timeline = Timeline::build(read::read_all(&files, &policy, None), &policy);
        let expected = print::json(&audit_whole(timeline, &policy, &AuditOptions::default()));
        let report = audit(
            &[Input::Path(path.clone())],
            &policy,
            &AuditOptions::default(),
        );
        assert_eq!(print::json(&report), expected, "{}", path.display());
        for (split, parts) in [(512, 8), (4096, 3)] {
            let reads = read::read_all_split(&files, &policy, None, split, parts);
            let t = Timeline::build(reads, &policy);
            let cut = print::json(&audit_whole(t, &policy, &AuditOptions::default()));
            // Cut anywhere, a message or a tool call repeated across the
            // cut is still one event: the same report but for the notes.
            let strip = |s: &str| -> Value {
                let mut v: Value = serde_json::from_str(s).unwrap();
                for f in v["files"].as_array_mut().unwrap() {
                    f["notes"] = Value::Null;
                }
                v
            };
            assert_eq!(strip(&cut), strip(&expected), "{} cut", path.display());
        }
    }
}

/// A session whose message comes back, after another, with a larger usage
/// (a history replayed from a later copy): folding cannot take it back, so
/// the session is read again whole and the largest usage counts.
#[test]
fn a_message_that_grows_after_it_closed_is_read_again_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let line = |uuid: &str, ts: &str, id: &str, tool: &str, out: u64| {
        format!(
            r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/w","sessionId":"s","version":"1.0.98","message":{{"id":"{id}","type":"message","role":"assistant","content":[{{"type":"tool_use","id":"{tool}","name":"Read","input":{{"file_path":"/w/a.py"}}}}],"usage":{{"input_tokens":3,"output_tokens":{out}}}}},"requestId":"r-{id}","type":"assistant","uuid":"{uuid}","timestamp":"2026-02-10T09:00:{ts}.000Z"}}"#
        )
    };
    let text = [
        line("a1", "01", "m1", "t1", 3),
        line("a2", "02", "m2", "t2", 50),
        line("a3", "03", "m1", "t1", 700),
        line("a4", "04", "m3", "t3", 9),
    ]
    .join("\n")
        + "\n";
    std::fs::write(&path, text).unwrap();
    let policy = policy();
    let report = audit(
        &[Input::Path(path.clone())],
        &policy,
        &AuditOptions::default(),
    );
    assert_eq!(report.sessions.len(), 1);
    assert_eq!(report.sessions[0].output_tokens, 700 + 50 + 9);
    assert_eq!(report.sessions[0].reads, 3, "t1 once");
    let files = read::expand_inputs(&[Input::Path(path)]);
    let folded = read::read_all_folded(&files, &policy, None);
    assert!(
        Timeline::build_folded(folded).is_none(),
        "folding cannot take the larger figure"
    );
}
