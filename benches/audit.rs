//! Audit benchmark: generates a large synthetic run (seeded, compact JSON
//! as the agents write it) and times `agentlint audit` on it next to the
//! peers measured in the same run: `jq -c .` and, for Claude Code
//! folders, `ccusage claude daily --json --offline` (npm ccusage 20.0.24).
//! Prints ratios, not just absolute times; against ccusage also the median
//! ratio of seven alternating runs (the load of a shared machine drifts
//! between two best-of-3 blocks).
//!
//! Claude Code folders come in three shapes (`AUDIT_BENCH_SHAPES`, all by
//! default): `standard` (the 24-hour run of `synth::write_session`),
//! `short` (about 1,000 lines a session, median about 550 bytes:
//! `tool_use` / `tool_result` pairs) and `real` (messages over several
//! lines with a growing usage, hook progress lines, snapshots, long tool
//! results, a compaction, sub-agent files); see `synth::ClaudeShape`.
//!
//! ```text
//! cargo bench --bench audit                      # 200 MB Claude Code folder of each shape
//! AUDIT_BENCH_SHAPES=short cargo bench --bench audit
//! AUDIT_BENCH_MB=400 AUDIT_BENCH_FORMAT=codex cargo bench --bench audit
//! AUDIT_BENCH_SINGLE=1 AUDIT_BENCH_MB=1024 cargo bench --bench audit   # one big file
//! CCUSAGE=/path/to/node_modules/.bin/ccusage cargo bench --bench audit
//! AUDIT_BENCH_PEERS=0 AUDIT_BENCH_RUNS=1 cargo bench --bench audit  # ours only, once
//! ```
//! Generated data is kept in `target/audit-bench/` and reused.

use agentlint::audit::policy::AuditPolicy;
use agentlint::audit::read::{Input, TelemetryFormat};
use agentlint::audit::synth::{self, ClaudeShape, SynthOptions};
use agentlint::audit::{audit, AuditOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const START: i64 = 1_772_409_600_000;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn dir_size(dir: &Path) -> u64 {
    jsonl_files(dir)
        .iter()
        .filter_map(|p| p.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Generates sessions until `target` bytes; one file per session, or one
/// file for everything.
fn generate(
    root: &Path,
    format: TelemetryFormat,
    shape: Option<ClaudeShape>,
    target: u64,
    single: bool,
) -> PathBuf {
    let data = match format {
        TelemetryFormat::ClaudeCode => root.join("projects").join("-opt-agent-workspace"),
        _ => root.to_path_buf(),
    };
    let marker = root.join(".complete");
    if marker.exists() {
        return data;
    }
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(&data).expect("create bench dir");
    let mut total = 0u64;
    let mut single_out = single.then(|| {
        BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(data.join("run.jsonl")).expect("create"),
        )
    });
    let mut i = 0u64;
    while total < target {
        let id = format!("5e55{i:04x}-0000-4000-8000-{i:012x}");
        if let Some(shape) = shape {
            let start = START + (i as i64 % 30) * 86_400_000;
            total += synth::write_claude_shape(&data, &id, shape, i, start).expect("write");
            i += 1;
            continue;
        }
        let opts = SynthOptions {
            format,
            seed: i,
            start_ms: START + (i as i64 % 30) * 86_400_000,
            results: true,
        };
        total += match single_out.as_mut() {
            Some(w) => synth::write_session(w, &id, opts).expect("write"),
            None => {
                let mut w = BufWriter::new(
                    std::fs::File::create(data.join(format!("{id}.jsonl"))).expect("create"),
                );
                let n = synth::write_session(&mut w, &id, opts).expect("write");
                w.flush().expect("flush");
                n
            }
        };
        i += 1;
    }
    if let Some(mut w) = single_out {
        w.flush().expect("flush");
    }
    std::fs::write(&marker, total.to_string()).expect("marker");
    data
}

fn best_of(runs: usize, mut f: impl FnMut() -> bool) -> Option<Duration> {
    let mut best: Option<Duration> = None;
    for _ in 0..runs {
        let t = Instant::now();
        if !f() {
            return None;
        }
        let d = t.elapsed();
        best = Some(best.map_or(d, |b| b.min(d)));
    }
    best
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only check that the bench runs on a tiny input.
    let benching = std::env::args().any(|a| a == "--bench");
    let mb = if benching {
        env_u64("AUDIT_BENCH_MB", 200)
    } else {
        1
    };
    let format = match std::env::var("AUDIT_BENCH_FORMAT").as_deref() {
        Ok("design") => TelemetryFormat::Design,
        Ok("codex") => TelemetryFormat::Codex,
        _ => TelemetryFormat::ClaudeCode,
    };
    let single = env_u64("AUDIT_BENCH_SINGLE", 0) == 1;
    let shapes: Vec<String> = if format == TelemetryFormat::ClaudeCode && !single {
        std::env::var("AUDIT_BENCH_SHAPES")
            .unwrap_or_else(|_| "standard,short,real".to_string())
            .split(',')
            .map(str::to_string)
            .collect()
    } else {
        vec!["standard".to_string()]
    };
    for shape in shapes {
        let claude_shape = match shape.as_str() {
            "short" => Some(ClaudeShape::ShortLines),
            "real" => Some(ClaudeShape::RealShaped),
            _ => None,
        };
        bench_one(format, claude_shape, &shape, mb, single, benching);
    }
}

fn bench_one(
    format: TelemetryFormat,
    claude_shape: Option<ClaudeShape>,
    shape: &str,
    mb: u64,
    single: bool,
    benching: bool,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("audit-bench")
        .join(format!(
            "{}-{}{mb}mb{}",
            format.as_str(),
            match claude_shape {
                Some(_) => format!("{shape}-"),
                None => String::new(),
            },
            if single { "-single" } else { "" }
        ));
    let data = generate(&root, format, claude_shape, mb << 20, single);
    let bytes = dir_size(&data);
    let files = jsonl_files(&data);
    let mb_f = bytes as f64 / (1 << 20) as f64;
    println!(
        "input ({shape}): {} {} file(s), {mb_f:.0} MiB in {}",
        files.len(),
        format.as_str(),
        data.display()
    );

    let policy = AuditPolicy {
        workspace: Some(PathBuf::from(synth::WORKSPACE)),
        tasks: synth::tasks(),
        ..AuditPolicy::default()
    };
    // Each shape's own peak: reset the high-water mark (Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = peak_rss_kib();
    let events = std::cell::Cell::new(0);
    let mut run_ours = || {
        let report = audit(
            &[Input::Path(data.clone())],
            &policy,
            &AuditOptions::default(),
        );
        events.set(report.summary.events);
        assert_eq!(report.summary.malformed_lines, 0);
        true
    };
    let runs = if benching {
        env_u64("AUDIT_BENCH_RUNS", 3).max(1) as usize
    } else {
        1
    };
    let ours = best_of(runs, &mut run_ours).expect("audit ran");
    let rss_after = peak_rss_kib();
    println!(
        "agentlint audit: {:.2} s ({:.0} MB/s), {} events, peak RSS {} MiB (before the audit: {} MiB)",
        ours.as_secs_f64(),
        mb_f / ours.as_secs_f64(),
        events.get(),
        rss_after.unwrap_or(0) / 1024,
        rss_before.unwrap_or(0) / 1024,
    );
    // AUDIT_BENCH_PEERS=0: only our own time and memory (jq alone takes
    // minutes on several GB).
    if !benching || env_u64("AUDIT_BENCH_PEERS", 1) == 0 {
        return;
    }

    let jq = best_of(1, || {
        files.iter().all(|f| {
            Command::new("jq")
                .args(["-c", "."])
                .arg(f)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    });
    match jq {
        Some(t) => println!(
            "jq -c . > /dev/null: {:.2} s ({:.0} MB/s); agentlint throughput = {:.1}x jq",
            t.as_secs_f64(),
            mb_f / t.as_secs_f64(),
            t.as_secs_f64() / ours.as_secs_f64()
        ),
        None => println!("jq: not installed, skipped"),
    }

    if format == TelemetryFormat::ClaudeCode {
        let ccusage = std::env::var("CCUSAGE").unwrap_or_else(|_| "ccusage".to_string());
        let run_ccusage = || {
            Command::new(&ccusage)
                .args(["claude", "daily", "--json", "--offline"])
                .env("CLAUDE_CONFIG_DIR", &root)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let t = best_of(3, run_ccusage);
        match t {
            Some(t) => {
                println!(
                    "ccusage claude daily --json --offline: {:.2} s; agentlint time = {:.2}x ccusage's",
                    t.as_secs_f64(),
                    ours.as_secs_f64() / t.as_secs_f64()
                );
                // On a shared machine the load drifts between the two
                // best-of-3 blocks: also time them in alternation, pair by
                // pair, and give the median ratio.
                let mut ratios = Vec::new();
                for _ in 0..7 {
                    let (Some(a), Some(b)) = (best_of(1, &mut run_ours), best_of(1, run_ccusage))
                    else {
                        break;
                    };
                    ratios.push(a.as_secs_f64() / b.as_secs_f64());
                }
                ratios.sort_by(f64::total_cmp);
                if let (Some(lo), Some(hi)) = (ratios.first(), ratios.last()) {
                    println!(
                        "alternating pairs: agentlint time = {:.2}x ccusage's (median of {}, range {lo:.2}-{hi:.2})",
                        ratios[ratios.len() / 2],
                        ratios.len()
                    );
                }
            }
            None => println!(
                "ccusage: not found (npm install ccusage@20.0.24; set CCUSAGE=path), skipped"
            ),
        }
    }
}
