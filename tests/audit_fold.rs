//! Folding: the audit that keeps only the events rules look at one by one
//! (and aggregates the rest as it reads) must report exactly what the audit
//! that keeps every event reports, and must actually fold the runs it can.

use agentlint::audit::policy::{AuditPolicy, AuditTask};
use agentlint::audit::read::{self, Input, TelemetryFormat};
use agentlint::audit::spill::Spill;
use agentlint::audit::synth::{self, SynthOptions};
use agentlint::audit::timeline::{SessionList, SessionSource, Timeline};
use agentlint::audit::{audit_timeline, audit_whole, print, AuditOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn task(id: &str, priority: i64, module: &str) -> AuditTask {
    AuditTask {
        id: id.into(),
        priority,
        target_module: module.into(),
        blocked_on: None,
        manifest_line: None,
    }
}

/// A policy that gives every telemetry rule something to say.
fn policy() -> AuditPolicy {
    let mut p = AuditPolicy {
        workspace: Some(PathBuf::from("/opt/agent-workspace")),
        home: Some(PathBuf::from("/home/agent")),
        context_window_limit: Some(1500),
        ..AuditPolicy::default()
    };
    p.tasks = synth::tasks();
    p.tasks.extend([
        task("TASK-007", 7, "src/rate_limiter.py"),
        task("TASK-012", 8, "src/output_formatter.py"),
        task("T3", 9, "src/output/columns.py"),
    ]);
    p
}

/// The reference: every event kept, every rule once over the whole
/// timeline.
fn full(files: &[(String, Input)], policy: &AuditPolicy) -> String {
    full_with(files, policy, &AuditOptions::default())
}

fn full_with(files: &[(String, Input)], policy: &AuditPolicy, options: &AuditOptions) -> String {
    let timeline = Timeline::build(read::read_all(files, policy, None), policy);
    print::json(&audit_whole(timeline, policy, options))
}

fn folded(timeline: Timeline, policy: &AuditPolicy) -> String {
    print::json(&audit_timeline(timeline, policy, &AuditOptions::default()))
}

fn inputs(paths: &[PathBuf]) -> Vec<(String, Input)> {
    read::expand_inputs(&paths.iter().cloned().map(Input::Path).collect::<Vec<_>>())
}

fn synthetic(dir: &Path, format: TelemetryFormat, sessions: u64) -> PathBuf {
    let path = dir.join(format!("{}.jsonl", format.as_str()));
    let mut bytes = Vec::new();
    for i in 0..sessions {
        let opts = SynthOptions {
            format,
            seed: i,
            start_ms: 1_772_409_600_000 + i as i64 * 3_600_000,
            results: i % 2 == 0,
        };
        synth::write_session(&mut bytes, &format!("s{i}"), opts).unwrap();
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn every_fixture_reports_the_same_folded_or_not() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let policy = policy();
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let mut files: Vec<PathBuf> = read::expand_inputs(&[Input::Path(dir.clone())])
            .into_iter()
            .filter_map(|(_, i)| match i {
                Input::Path(p) => Some(p),
                Input::Stdin => None,
            })
            .collect();
        if files.is_empty() {
            continue;
        }
        files.push(dir.clone());
        for path in files {
            let files = inputs(std::slice::from_ref(&path));
            let expected = full(&files, &policy);
            if let Some(t) = Timeline::build_folded(read::read_all_folded(&files, &policy, None)) {
                assert_eq!(folded(t, &policy), expected, "{}", path.display());
                checked += 1;
            }
            // What `audit` does (folded, or read again in full).
            let report = agentlint::audit::audit(
                &[Input::Path(path.clone())],
                &policy,
                &AuditOptions::default(),
            );
            assert_eq!(print::json(&report), expected, "{}", path.display());
        }
    }
    assert!(checked > 20, "most fixtures fold: {checked}");
}

#[test]
fn synthetic_runs_fold_and_report_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    for format in [
        TelemetryFormat::ClaudeCode,
        TelemetryFormat::Design,
        TelemetryFormat::Codex,
    ] {
        let path = synthetic(dir.path(), format, 6);
        let files = inputs(std::slice::from_ref(&path));
        let expected = full(&files, &policy);
        assert!(expected.contains("checkpoint-missed"), "{expected}");
        assert!(expected.contains("pacing-degradation"));
        // Whole, and cut into parts between sessions.
        for (split_min, parts) in [(1 << 40, 1), (64 << 10, 16)] {
            let reads = read::read_all_split_folded(&files, &policy, None, split_min, parts);
            let t = Timeline::build_folded(reads)
                .unwrap_or_else(|| panic!("{format:?} / {parts} parts should fold"));
            assert!(
                t.sessions.iter().all(|s| s.events.len() < s.agg.count),
                "reads and model outputs are folded"
            );
            assert_eq!(folded(t, &policy), expected, "{format:?} / {parts} parts");
        }
    }
}

#[test]
fn out_of_order_lines_fold_exactly() {
    // Swap neighbouring lines here and there: the session is still read
    // in one pass, and sorted the same.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    for format in [TelemetryFormat::ClaudeCode, TelemetryFormat::Design] {
        let path = synthetic(dir.path(), format, 2);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        let mut i = 3;
        while i + 1 < lines.len() {
            lines.swap(i, i + 1);
            i += 37;
        }
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let files = inputs(&[path]);
        let expected = full(&files, &policy);
        assert!(expected.contains("telemetry-out-of-order"));
        let t = Timeline::build_folded(read::read_all_folded(&files, &policy, None))
            .expect("neighbours swapped: folds");
        assert_eq!(folded(t, &policy), expected, "{format:?}");
    }
}

#[test]
fn a_session_cut_in_two_is_read_again_in_full() {
    // One session over two files: folding cannot join its order-dependent
    // parts, so the audit reads everything again.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let path = synthetic(dir.path(), TelemetryFormat::Design, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    std::fs::write(dir.path().join("a.jsonl"), a.join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("b.jsonl"), b.join("\n") + "\n").unwrap();
    std::fs::remove_file(&path).unwrap();
    let files = inputs(&[dir.path().to_path_buf()]);
    assert_eq!(files.len(), 2);
    assert!(Timeline::build_folded(read::read_all_folded(&files, &policy, None)).is_none());
    let report = agentlint::audit::audit(
        &[Input::Path(dir.path().to_path_buf())],
        &policy,
        &AuditOptions::default(),
    );
    assert_eq!(print::json(&report), full(&files, &policy));
}

#[test]
fn a_checkpoint_written_hours_late_is_read_again_in_full() {
    // Folding answers "the first event after a checkpoint's due time" and
    // "the output tokens after the last checkpoint" as events come. A
    // checkpoint written after events already past its due time, or after
    // more later model outputs than folding keeps at hand, cannot be
    // folded exactly: the audit must notice and read everything again. A
    // checkpoint written after a few later outputs folds exactly.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let line = |kind: &str, at: &str, extra: &str| {
        format!(r#"{{"type":"{kind}",{extra}"timestamp":"2026-03-02T{at}:00Z","session_id":"s1"}}"#)
    };
    let read = |at: &str| line("tool_call", at, r#""tool":"Read","payload":{},"#);
    let output = |at: &str| line("model_output", at, r#""token_count":500,"#);
    let many_outputs: Vec<String> = (0..40).map(|m| output(&format!("02:{m:02}"))).collect();
    let cases = [
        // Due at 07:00, written after the 10:00 event that answers it.
        (
            vec![
                read("00:00"),
                read("10:00"),
                line("checkpoint", "01:00", ""),
                read("11:00"),
            ],
            false,
            "\"line\": 2",
        ),
        // The 02:00 model output counts after the 01:00 checkpoint, and it
        // is among the latest outputs: folds.
        (
            vec![
                read("00:00"),
                output("02:00"),
                line("checkpoint", "01:00", ""),
                read("03:00"),
            ],
            true,
            "\"tokens_since_checkpoint\": 500",
        ),
        // Forty outputs after the checkpoint written before it: too many
        // to keep at hand.
        (
            [
                vec![read("00:00")],
                many_outputs,
                vec![line("checkpoint", "01:00", ""), read("03:00")],
            ]
            .concat(),
            false,
            "\"tokens_since_checkpoint\": 20000",
        ),
    ];
    for (i, (lines, folds, says)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("late{i}.jsonl"));
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let files = inputs(std::slice::from_ref(&path));
        let expected = full(&files, &policy);
        let folded_timeline = Timeline::build_folded(read::read_all_folded(&files, &policy, None));
        assert_eq!(folded_timeline.is_some(), *folds, "case {i} folds: {folds}");
        if let Some(t) = folded_timeline {
            assert_eq!(folded(t, &policy), expected, "case {i}");
        }
        let report =
            agentlint::audit::audit(&[Input::Path(path)], &policy, &AuditOptions::default());
        assert_eq!(print::json(&report), expected, "case {i}");
        assert!(expected.contains(says), "case {i}: {expected}");
    }
}

#[test]
fn repeated_writes_are_dropped_unless_a_late_line_lands_among_them() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let write = |at: &str, file: &str| {
        format!(
            r#"{{"type":"tool_call","tool":"Edit","payload":{{"file_path":"{file}"}},"timestamp":"2026-03-02T{at}:00Z","session_id":"s1"}}"#
        )
    };
    let fold = |name: &str, lines: &[String]| {
        let path = dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let files = inputs(std::slice::from_ref(&path));
        (
            Timeline::build_folded(read::read_all_folded(&files, &policy, None)),
            full(&files, &policy),
        )
    };
    let (a, b) = ("src/output/formatter.py", "src/output/columns.py");
    // Three writes to one file in a row keep one; a late line before the
    // run (01:00) changes nothing.
    let (t, expected) = fold(
        "run.jsonl",
        &[
            write("02:00", a),
            write("02:10", a),
            write("02:20", a),
            write("03:00", b),
            write("01:00", b),
        ],
    );
    let t = t.expect("folds");
    let writes = t.sessions[0].events.len();
    assert_eq!(writes, 3, "02:00 {a}, 03:00 {b} and the late 01:00 {b}");
    assert_eq!(folded(t, &policy), expected);
    // A late write inside the run (02:05, another file) splits it: the
    // repeats dropped around it may not repeat their predecessor in time.
    let (t, expected) = fold(
        "split.jsonl",
        &[
            write("02:00", a),
            write("02:10", a),
            write("03:00", b),
            write("02:05", b),
        ],
    );
    assert!(t.is_none(), "must be read again in full");
    let path = dir.path().join("split.jsonl");
    let report = agentlint::audit::audit(&[Input::Path(path)], &policy, &AuditOptions::default());
    assert_eq!(print::json(&report), expected);
    // A late write of the run's own file lands among its repeats: harmless.
    let (t, expected) = fold(
        "jitter.jsonl",
        &[
            write("02:00", a),
            write("02:10", a),
            write("02:20", a),
            write("02:15", a),
            write("03:00", b),
        ],
    );
    let t = t.expect("folds");
    assert_eq!(
        t.sessions[0].events.len(),
        3,
        "02:00, the late 02:15, 03:00"
    );
    assert_eq!(folded(t, &policy), expected);
}

#[test]
fn synthetic_runs_keep_far_fewer_writes_than_they_hold() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let path = synthetic(dir.path(), TelemetryFormat::ClaudeCode, 2);
    let files = inputs(std::slice::from_ref(&path));
    let all = Timeline::build(read::read_all(&files, &policy, None), &policy);
    let count_writes = |t: &Timeline| {
        t.sessions
            .iter()
            .flat_map(|s| &s.events)
            .filter(|e| e.kind == agentlint::audit::event::EventKind::Write)
            .count()
    };
    let kept = Timeline::build_folded(read::read_all_folded(&files, &policy, None)).expect("folds");
    let (held, left) = (count_writes(&all), count_writes(&kept));
    assert!(held > 20 && left * 4 < held, "{left} of {held} writes kept");
}

/// Reads with a spill the way `audit::run` does, recording what is read
/// again: (file names, session ids).
fn spilled(
    files: &[(String, Input)],
    policy: &AuditPolicy,
    split_min: u64,
    parts: usize,
) -> (SessionList, Vec<String>, Vec<String>) {
    let names: Vec<String> = files
        .iter()
        .map(|(n, _)| {
            Path::new(n)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let spill = Spill::new();
    let reads = read::read_all_split_spilled(files, policy, None, &spill, split_min, parts);
    let mut asked_files = Vec::new();
    let mut asked_ids = Vec::new();
    let list = SessionList::build_spilled(reads, policy, spill, |again, only| {
        asked_files = again.iter().map(|&i| names[i].clone()).collect();
        asked_ids = only.iter().map(|id| id.to_string()).collect();
        asked_ids.sort();
        let some: Vec<(String, Input)> = again.iter().map(|&i| files[i].clone()).collect();
        let mut reads = read::read_sessions(&some, policy, None, only);
        for (r, &i) in reads.iter_mut().zip(again) {
            r.renumber(i as u32);
        }
        reads
    })
    .expect("read again");
    (list, asked_files, asked_ids)
}

fn report_of(list: SessionList, policy: &AuditPolicy, options: &AuditOptions) -> String {
    print::json(&agentlint::audit::run_sessions(list, policy, options).into_report())
}

#[test]
fn only_the_sessions_folding_cannot_tell_are_read_again() {
    // Clean sessions fold; a session over two files and a checkpoint
    // written hours late do not: the files that hold them are read again,
    // keeping the events of those sessions alone, and the report is the
    // one of reading everything in full.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    for i in 0..3u64 {
        let mut bytes = Vec::new();
        let opts = SynthOptions {
            format: TelemetryFormat::Design,
            seed: i,
            start_ms: 1_772_409_600_000 + i as i64 * 3_600_000,
            results: true,
        };
        synth::write_session(&mut bytes, &format!("clean{i}"), opts).unwrap();
        std::fs::write(dir.path().join(format!("c{i}.jsonl")), bytes).unwrap();
    }
    let mut bytes = Vec::new();
    let opts = SynthOptions {
        format: TelemetryFormat::Design,
        seed: 9,
        start_ms: 1_772_409_600_000,
        results: true,
    };
    synth::write_session(&mut bytes, "split", opts).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = lines.split_at(lines.len() / 2);
    std::fs::write(dir.path().join("a.jsonl"), a.join("\n") + "\n").unwrap();
    std::fs::write(dir.path().join("b.jsonl"), b.join("\n") + "\n").unwrap();
    // The late session shares its file with a clean one.
    let mut clean = Vec::new();
    let opts = SynthOptions {
        format: TelemetryFormat::Design,
        seed: 5,
        start_ms: 1_772_409_600_000,
        results: false,
    };
    synth::write_session(&mut clean, "clean-beside-late", opts).unwrap();
    let late = [
        r#"{"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T00:00:00Z","session_id":"late"}"#,
        r#"{"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T10:00:00Z","session_id":"late"}"#,
        r#"{"type":"checkpoint","timestamp":"2026-03-02T01:00:00Z","session_id":"late"}"#,
        r#"{"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T11:00:00Z","session_id":"late"}"#,
    ];
    let mut late_file = String::from_utf8(clean).unwrap();
    late_file.push_str(&(late.join("\n") + "\n"));
    std::fs::write(dir.path().join("late.jsonl"), late_file).unwrap();

    let files = inputs(&[dir.path().to_path_buf()]);
    let (list, asked_files, asked_ids) = spilled(&files, &policy, 1 << 40, 1);
    assert_eq!(asked_files, ["a.jsonl", "b.jsonl", "late.jsonl"]);
    assert_eq!(asked_ids, ["late", "split"]);
    let whole: Vec<&str> = list
        .sessions
        .iter()
        .filter(|s| matches!(s, SessionSource::Whole(_)))
        .map(|s| s.id().as_ref())
        .collect();
    assert_eq!(whole, ["late", "split"], "the others stay spilled");
    let expected = full(&files, &policy);
    assert_eq!(report_of(list, &policy, &AuditOptions::default()), expected);
    let report = agentlint::audit::audit(
        &[Input::Path(dir.path().to_path_buf())],
        &policy,
        &AuditOptions::default(),
    );
    assert_eq!(print::json(&report), expected);
    assert!(expected.contains("checkpoint-missed"));
}

/// The synthetic tasks as a manifest file, for the change-set rules.
fn change_policies(dir: &Path) -> agentlint::audit::ChangePolicies {
    let tasks: Vec<serde_json::Value> = synth::tasks()
        .iter()
        .map(|t| {
            serde_json::json!({"id": t.id, "priority": t.priority, "target_module": t.target_module,
                "operation": "fix", "intent_statement": "x", "verification_method": "unit_test",
                "constraints": [], "blocked_on": null})
        })
        .collect();
    let path = dir.join("task_manifest.json");
    let text = serde_json::to_string_pretty(&tasks).unwrap();
    std::fs::write(&path, &text).unwrap();
    let manifest = agentlint::config::manifest::Manifest::parse(&path, text).unwrap();
    agentlint::audit::ChangePolicies {
        options: agentlint::settings::RuleOptions::default(),
        manifest: Some(Arc::new(manifest)),
    }
}

#[test]
fn sessions_one_at_a_time_report_what_the_whole_timeline_reports() {
    // Many sessions whose id order is not their time order, in one file
    // cut into parts and as one file per session, in every format: the
    // per-session rules on each session as it is loaded and the run-wide
    // rules on the digest of every session must report what every rule
    // over the whole timeline reports, change-set rules included.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let options = AuditOptions {
        change_policies: Some(change_policies(dir.path())),
        ..AuditOptions::default()
    };
    for format in [
        TelemetryFormat::Design,
        TelemetryFormat::ClaudeCode,
        TelemetryFormat::Codex,
    ] {
        let one = dir.path().join(format!("one-{}.jsonl", format.as_str()));
        let each = dir.path().join(format!("each-{}", format.as_str()));
        std::fs::create_dir_all(&each).unwrap();
        let mut all = Vec::new();
        for i in 0..9u64 {
            let opts = SynthOptions {
                format,
                seed: i,
                // Id order s0..s8, time order shuffled.
                start_ms: 1_772_409_600_000 + ((i * 5) % 9) as i64 * 1_800_000,
                results: i % 3 == 0,
            };
            let mut bytes = Vec::new();
            synth::write_session(&mut bytes, &format!("s{i}"), opts).unwrap();
            if format == TelemetryFormat::Design && i % 4 == 1 {
                // Writes outside every task's scope, the same paths in
                // several sessions: the change-set rules report the first.
                // After the session's last line, in time order.
                for (at, path) in [("05:00", "setup.cfg"), ("06:00", "src/extra.py")] {
                    let line = format!(
                        r#"{{"type":"tool_call","tool":"Write","payload":{{"file_path":"{path}"}},"timestamp":"2026-03-04T{at}:0{i}Z","session_id":"s{i}"}}"#
                    );
                    bytes.extend_from_slice(line.as_bytes());
                    bytes.push(b'\n');
                }
            }
            std::fs::write(each.join(format!("s{i}.jsonl")), &bytes).unwrap();
            all.extend(bytes);
        }
        std::fs::write(&one, all).unwrap();
        let mut cases = vec![(each.clone(), 1 << 40, 1)];
        if format != TelemetryFormat::Codex {
            // Codex names its session once per file: one file, one session.
            cases.push((one.clone(), 64 << 10, 16));
        }
        for (path, split_min, parts) in cases {
            let files = inputs(std::slice::from_ref(&path));
            let expected = full_with(&files, &policy, &options);
            let mut rules = vec![
                "priority-drift",
                "file-proximity-batching",
                "pacing-degradation",
                "unsafe-shell",
            ];
            if format == TelemetryFormat::Design {
                rules.extend(["scope-creep", "config-outside-config-dir"]);
            }
            for rule in rules {
                assert!(
                    expected.contains(&format!("\"rule\": \"{rule}\"")),
                    "{format:?}: {rule}"
                );
            }
            let (list, asked, _) = spilled(&files, &policy, split_min, parts);
            assert!(asked.is_empty(), "{format:?}: folds whole: {asked:?}");
            assert_eq!(
                report_of(list, &policy, &options),
                expected,
                "{format:?} {}",
                path.display()
            );
            let report = agentlint::audit::run(&[Input::Path(path.clone())], &policy, &options);
            assert_eq!(print::json(&report.into_report()), expected);
        }
    }
}

#[test]
fn interleaved_sessions_cut_across_parts_are_read_again_alone() {
    // Two sessions whose lines alternate in blocks, in one file cut into
    // parts: each is in several parts, so both are read again in full; a
    // third session, whole in its part, stays spilled.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let session = |id: &str, seed: u64| {
        let mut bytes = Vec::new();
        let opts = SynthOptions {
            format: TelemetryFormat::Design,
            seed,
            start_ms: 1_772_409_600_000,
            results: false,
        };
        synth::write_session(&mut bytes, id, opts).unwrap();
        String::from_utf8(bytes).unwrap()
    };
    let (x, y, z) = (session("x", 1), session("y", 2), session("z", 3));
    let (x, y): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
    let mut text = String::new();
    for (a, b) in x.chunks(400).zip(y.chunks(400)) {
        text.push_str(&(a.join("\n") + "\n"));
        text.push_str(&(b.join("\n") + "\n"));
    }
    text.push_str(&z);
    let path = dir.path().join("mixed.jsonl");
    std::fs::write(&path, text).unwrap();
    let files = inputs(std::slice::from_ref(&path));
    let (list, asked, ids) = spilled(&files, &policy, 64 << 10, 16);
    assert_eq!(asked, ["mixed.jsonl"]);
    assert_eq!(ids, ["x", "y"]);
    assert_eq!(
        report_of(list, &policy, &AuditOptions::default()),
        full(&files, &policy)
    );
}

#[test]
fn the_digest_keeps_every_write_batching_and_drift_can_report() {
    // Hand-made sessions where dropping the wrong write changes what
    // file-proximity-batching says: the last write of a run gives the path
    // the next task is compared with, and a batched write shortly before
    // every task has started must stay. s0 (read first) writes late, s1
    // early; s2 writes after every task started.
    let dir = tempfile::tempdir().unwrap();
    let mut policy = AuditPolicy {
        workspace: Some(PathBuf::from("/ws")),
        ..AuditPolicy::default()
    };
    policy.tasks = vec![
        task("A", 1, "lib/a.py"),
        task("B", 2, "lib/b.py"),
        task("C", 3, "lib/c.py"),
        task("D", 4, "lib/d.py"),
        task("E", 5, "lib/e.py"),
    ];
    let write = |session: &str, at: &str, task: &str, path: &str| {
        format!(
            r#"{{"type":"tool_call","tool":"Write","payload":{{"file_path":"{path}","task_id":"{task}"}},"timestamp":"2026-03-02T{at}:00Z","session_id":"{session}"}}"#
        )
    };
    let lines = [
        write("s0", "05:00", "A", "src/x/a.py"),
        write("s0", "05:10", "B", "src/x/b.py"),
        write("s0", "05:20", "C", "src/x/c.py"),
        write("s0", "05:30", "D", "src/x/d.py"),
        write("s0", "05:40", "E", "src/x/e.py"),
        // A's run ends in src/m/: C follows it there while B is pending,
        // minutes before every task has started.
        write("s1", "00:00", "A", "src/k/a.py"),
        write("s1", "00:05", "A", "src/k/a2.py"),
        write("s1", "00:40", "A", "src/m/a.py"),
        write("s1", "00:45", "C", "src/m/c.py"),
        write("s1", "00:47", "B", "src/n/b.py"),
        // E right after D, next to it, with nothing pending in between.
        write("s1", "00:48", "D", "src/p/d.py"),
        write("s1", "00:50", "E", "src/p/e.py"),
        // After every task started: nothing left to jump.
        write("s2", "02:00", "A", "src/q/a.py"),
        write("s2", "02:10", "E", "src/q/e.py"),
    ];
    let path = dir.path().join("digest.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let files = inputs(std::slice::from_ref(&path));
    let expected = full(&files, &policy);
    assert!(
        expected.contains("C (priority 3) edited `src/m/c.py` in the same folder as `src/m/a.py`"),
        "{expected}"
    );
    assert_eq!(
        expected
            .matches("\"rule\": \"file-proximity-batching\"")
            .count(),
        1
    );
    let (list, asked, _) = spilled(&files, &policy, 1 << 40, 1);
    assert!(asked.is_empty());
    assert_eq!(report_of(list, &policy, &AuditOptions::default()), expected);
}

#[test]
fn unreadable_lines_are_spilled_in_chunks_and_all_reported_in_order() {
    // More unreadable lines than a read holds in memory, in a file cut
    // into parts, between the lines of a session: every one is reported
    // where it is, as the read that keeps everything in memory reports it.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let mut bytes = Vec::new();
    let opts = SynthOptions {
        format: TelemetryFormat::Design,
        seed: 4,
        start_ms: 1_772_409_600_000,
        results: false,
    };
    synth::write_session(&mut bytes, "s", opts).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = Vec::new();
    let mut garbage = 0;
    for (i, line) in text.lines().enumerate() {
        lines.push(line.to_string());
        for k in 0..2 {
            lines.push(format!("not json {i}.{k}"));
            lines.push(format!(
                r#"{{"valid": "json", "but": "no shape", "n": {i}}}"#
            ));
            garbage += 2;
        }
    }
    assert!(garbage > 4096 + 100, "{garbage} lines: more than one chunk");
    let path = dir.path().join("garbage.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let files = inputs(std::slice::from_ref(&path));
    let expected = full(&files, &policy);
    assert_eq!(
        expected
            .matches("\"rule\": \"telemetry-parse-error\"")
            .count(),
        garbage
    );
    assert!(expected.contains(&format!("\"malformed_lines\": {garbage}")));
    for (split_min, parts) in [(1 << 40, 1), (64 << 10, 16)] {
        let spill = Spill::new();
        let reads = read::read_all_split_spilled(&files, &policy, None, &spill, split_min, parts);
        assert!(
            reads.iter().all(|r| r.errors.is_empty()),
            "none held in memory"
        );
        let (list, _, _) = spilled(&files, &policy, split_min, parts);
        assert_eq!(list.parse_errors.len(), garbage);
        assert_eq!(
            report_of(list, &policy, &AuditOptions::default()),
            expected,
            "{parts} parts"
        );
    }
}

#[test]
fn a_session_of_reported_commands_is_judged_a_chunk_at_a_time() {
    // Ten thousand reported commands (sudo, a remote fetch, outputs above
    // the token limit) in one session, among writes and a checkpoint: the
    // read writes them to the spill in chunks instead of holding them, and
    // the report is the one of every rule over the whole timeline.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let mut lines = Vec::new();
    for i in 0..10_000u32 {
        let at = format!(
            "2026-03-02T{:02}:{:02}:{:02}Z",
            i / 3600,
            (i / 60) % 60,
            i % 60
        );
        let line = match i % 5 {
            0 => format!(
                r#"{{"type":"tool_call","tool":"Bash","payload":{{"command":"sudo ls /root/{i}"}},"timestamp":"{at}","session_id":"s"}}"#
            ),
            1 => format!(
                r#"{{"type":"tool_call","tool":"Bash","payload":{{"command":"curl https://example.com/{i}"}},"timestamp":"{at}","session_id":"s"}}"#
            ),
            2 => format!(
                r#"{{"type":"model_output","token_count":{},"timestamp":"{at}","session_id":"s"}}"#,
                1000 + i
            ),
            3 if i % 1000 == 3 => {
                format!(r#"{{"type":"checkpoint","timestamp":"{at}","session_id":"s"}}"#)
            }
            _ => format!(
                r#"{{"type":"tool_call","tool":"Edit","payload":{{"file_path":"src/net/rate_limiter.py"}},"timestamp":"{at}","session_id":"s"}}"#
            ),
        };
        lines.push(line);
    }
    let path = dir.path().join("commands.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let files = inputs(std::slice::from_ref(&path));
    let expected = full(&files, &policy);
    for rule in ["unsafe-shell", "network-egress", "token-limit"] {
        assert!(
            expected.matches(&format!("\"rule\": \"{rule}\"")).count() >= 1000,
            "{rule}"
        );
    }
    for (split_min, parts) in [(1 << 40, 1), (64 << 10, 16)] {
        let spill = Spill::new();
        let reads = read::read_all_split_spilled(&files, &policy, None, &spill, split_min, parts);
        let chunks: usize = reads
            .iter()
            .flat_map(|r| &r.spilled)
            .map(|s| s.event_chunks.len())
            .sum();
        assert!(
            chunks >= 1,
            "{parts} parts: reported events spilled in chunks"
        );
        let (list, _, _) = spilled(&files, &policy, split_min, parts);
        assert_eq!(
            report_of(list, &policy, &AuditOptions::default()),
            expected,
            "{parts} parts"
        );
    }
}

#[test]
fn sessions_gone_when_read_again_are_reported_not_dropped() {
    // One session over two files must be read again; the files are gone
    // by then (rotated by a live agent): both files are reported
    // unreadable, and the exit code says so.
    let dir = tempfile::tempdir().unwrap();
    let policy = policy();
    let line = |path: &str, at: &str| {
        format!(
            r#"{{"type":"tool_call","tool":"Write","payload":{{"file_path":"{path}"}},"timestamp":"2026-03-02T{at}:00Z","session_id":"s"}}"#
        )
    };
    std::fs::write(
        dir.path().join("a.jsonl"),
        line("/etc/passwd", "00:00") + "\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.jsonl"),
        line("/etc/shadow", "01:00") + "\n",
    )
    .unwrap();
    let files = inputs(&[dir.path().to_path_buf()]);
    let spill = Spill::new();
    let reads = read::read_all_spilled(&files, &policy, None, &spill);
    let list = SessionList::build_spilled(reads, &policy, spill, |again, only| {
        for (_, input) in &files {
            if let Input::Path(p) = input {
                std::fs::remove_file(p).unwrap();
            }
        }
        let some: Vec<(String, Input)> = again.iter().map(|&i| files[i].clone()).collect();
        read::read_sessions(&some, &policy, None, only)
    })
    .expect("built");
    let run = agentlint::audit::run_sessions(list, &policy, &AuditOptions::default());
    assert_eq!(run.summary.unreadable_files, 2);
    assert_eq!(run.exit_code(None), 1);
    let report = run.into_report();
    assert!(report.files.iter().all(|f| f
        .error
        .as_deref()
        .is_some_and(|e| e.contains("read a second time"))));
}

#[test]
fn a_session_the_spill_cannot_give_back_is_a_problem_not_a_gap() {
    let policy = policy();
    let spill = Spill::in_memory();
    let list = SessionList {
        sessions: vec![SessionSource::Spilled(read::SpilledSession {
            id: Arc::from("s"),
            at: agentlint::audit::spill::SpillRef::Memory { index: 7 },
            line_base: 0,
            uncertain: false,
            event_chunks: Vec::new(),
        })],
        spill,
        ..SessionList::default()
    };
    let run = agentlint::audit::run_sessions(list, &policy, &AuditOptions::default());
    assert!(run.problem().is_some_and(|p| p.contains("temporary file")));
}
