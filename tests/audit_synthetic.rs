//! A seeded synthetic 24-hour run, in each telemetry format: the audit
//! must find its planted drift, batching, pacing slump, checkpoint gap and
//! unsafe command, and nothing it did not plant.

use agentlint::audit::policy::AuditPolicy;
use agentlint::audit::read::{Input, TelemetryFormat};
use agentlint::audit::synth::{self, SynthOptions};
use agentlint::audit::{audit, AuditOptions};
use agentlint::finding::Finding;
use std::path::PathBuf;

const START: i64 = 1_772_409_600_000; // 2026-03-02T00:00:00Z

fn generate(format: TelemetryFormat, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    synth::write_session(
        &mut out,
        "synthetic-run-1",
        SynthOptions {
            format,
            seed,
            start_ms: START,
            results: true,
        },
    )
    .unwrap();
    out
}

fn only<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

fn extra<'a>(f: &'a Finding, key: &str) -> &'a serde_json::Value {
    f.extra.get(key).unwrap_or(&serde_json::Value::Null)
}

#[test]
fn generator_is_seeded() {
    for format in [
        TelemetryFormat::Design,
        TelemetryFormat::ClaudeCode,
        TelemetryFormat::Codex,
    ] {
        assert_eq!(generate(format, 7), generate(format, 7));
        assert_ne!(generate(format, 7), generate(format, 8));
    }
}

#[test]
fn twenty_four_hour_run_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for (format, name) in [
        (TelemetryFormat::Design, "design.jsonl"),
        (TelemetryFormat::ClaudeCode, "claude.jsonl"),
        (TelemetryFormat::Codex, "rollout.jsonl"),
    ] {
        let path: PathBuf = dir.path().join(name);
        std::fs::write(&path, generate(format, 42)).unwrap();
        let policy = AuditPolicy {
            workspace: Some(PathBuf::from(synth::WORKSPACE)),
            tasks: synth::tasks(),
            ..AuditPolicy::default()
        };
        let report = audit(&[Input::Path(path)], &policy, &AuditOptions::default());
        let f = &report.findings;
        let ctx = format!("{name}: {:#?}", report.summary);

        assert_eq!(report.summary.malformed_lines, 0, "{ctx}");
        assert_eq!(report.sessions.len(), 1, "{ctx}");
        assert_eq!(report.files[0].format, Some(format.as_str()));

        let drift = only(f, "priority-drift");
        assert_eq!(drift.len(), 1, "{ctx}");
        assert_eq!(
            extra(drift[0], "tasks"),
            &serde_json::json!(["TASK-04", "TASK-03"]),
            "{ctx}"
        );

        let batching = only(f, "file-proximity-batching");
        assert_eq!(batching.len(), 1, "{ctx}");
        assert_eq!(
            extra(batching[0], "tasks"),
            &serde_json::json!(["TASK-04", "TASK-02", "TASK-03"])
        );
        assert_eq!(extra(batching[0], "path"), "src/output/columns.py");

        let pacing = only(f, "pacing-degradation");
        assert_eq!(pacing.len(), 1, "{ctx}: {pacing:#?}");
        assert_eq!(extra(pacing[0], "window_start"), "2026-03-02T08:00:00Z");
        assert_eq!(extra(pacing[0], "window_end"), "2026-03-02T16:00:00Z");
        assert!(extra(pacing[0], "cumulative_tokens").as_u64().unwrap() > 0);

        let gap = only(f, "checkpoint-missed");
        assert_eq!(gap.len(), 1, "{ctx}");
        assert_eq!(extra(gap[0], "window_start"), "2026-03-02T05:30:00Z");
        assert_eq!(extra(gap[0], "window_end"), "2026-03-02T20:00:00Z");

        let shell = only(f, "unsafe-shell");
        assert_eq!(shell.len(), 2, "sudo and apt-get install: {shell:#?}");
        assert!(only(f, "network-egress").is_empty(), "{ctx}");
        assert!(only(f, "write-outside-workspace").is_empty(), "{ctx}");

        let s = &report.summary;
        assert_eq!(s.tasks_started, 6);
        assert_eq!(s.tasks_started_in_order, 5);
        let tau = s.priority_order_tau.unwrap();
        assert!(tau < 1.0 && tau > 0.5, "one swapped pair of six: {tau}");
        assert_eq!(
            s.task_order,
            ["TASK-01", "TASK-02", "TASK-04", "TASK-03", "TASK-05", "TASK-06"]
        );
        let session = &report.sessions[0];
        assert!(session.writes > 0 && session.shell > 0, "{session:#?}");
        assert_eq!(session.activity_per_hour.len(), 24);
    }
}
