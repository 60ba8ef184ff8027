//! Folding: the audit that keeps only the events rules look at one by one
//! (and aggregates the rest as it reads) must report exactly what the audit
//! that keeps every event reports, and must actually fold the runs it can.

use agentlint::audit::policy::{AuditPolicy, AuditTask};
use agentlint::audit::read::{self, Input, TelemetryFormat};
use agentlint::audit::synth::{self, SynthOptions};
use agentlint::audit::timeline::Timeline;
use agentlint::audit::{audit_timeline, print, AuditOptions};
use std::path::{Path, PathBuf};

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

fn full(files: &[(String, Input)], policy: &AuditPolicy) -> String {
    let timeline = Timeline::build(read::read_all(files, policy, None), policy);
    print::json(&audit_timeline(timeline, policy, &AuditOptions::default()))
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

#[test]
fn only_the_files_folding_cannot_tell_are_read_again() {
    // Clean sessions fold; a session over two files and a checkpoint
    // written hours late do not: those three files alone are read again in
    // full, and the report is the one of reading everything in full.
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
    let late = [
        r#"{"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T00:00:00Z","session_id":"late"}"#,
        r#"{"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T10:00:00Z","session_id":"late"}"#,
        r#"{"type":"checkpoint","timestamp":"2026-03-02T01:00:00Z","session_id":"late"}"#,
        r#"{"type":"tool_call","tool":"Read","payload":{},"timestamp":"2026-03-02T11:00:00Z","session_id":"late"}"#,
    ];
    std::fs::write(dir.path().join("late.jsonl"), late.join("\n") + "\n").unwrap();

    let files = inputs(&[dir.path().to_path_buf()]);
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
    let mut asked = Vec::new();
    let t = Timeline::build_folded_or_reread(
        read::read_all_folded(&files, &policy, None),
        &policy,
        |again| {
            asked = again.iter().map(|&i| names[i].clone()).collect();
            let some: Vec<(String, Input)> = again.iter().map(|&i| files[i].clone()).collect();
            let mut reads = read::read_all(&some, &policy, None);
            for (r, &i) in reads.iter_mut().zip(again) {
                r.renumber(i as u32);
            }
            reads
        },
    )
    .expect("read again");
    assert_eq!(asked, ["a.jsonl", "b.jsonl", "late.jsonl"]);
    assert!(
        t.sessions
            .iter()
            .filter(|s| s.id.starts_with("clean"))
            .all(|s| s.events.len() < s.agg.count),
        "the clean sessions stay folded"
    );
    let expected = full(&files, &policy);
    assert_eq!(folded(t, &policy), expected);
    let report = agentlint::audit::audit(
        &[Input::Path(dir.path().to_path_buf())],
        &policy,
        &AuditOptions::default(),
    );
    assert_eq!(print::json(&report), expected);
    assert!(expected.contains("checkpoint-missed"));
}
