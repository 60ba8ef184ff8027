//! A seeded generator of synthetic 24-hour agent runs in each telemetry
//! format, for tests and benchmarks. The run has known defects: a task
//! batched by file proximity (so also started out of priority order), a
//! pacing slump from hour 8 to hour 16, a checkpoint gap from 05:30 to
//! 20:00, and one `sudo apt-get install`. Lines are compact JSON, as the
//! agents write them.

use crate::audit::policy::AuditTask;
use crate::audit::read::TelemetryFormat;
use serde_json::json;
use std::io::{self, Write};

/// The manifest of the synthetic run.
pub fn tasks() -> Vec<AuditTask> {
    let t = |id: &str, priority: i64, module: &str| AuditTask {
        id: id.into(),
        priority,
        target_module: module.into(),
        blocked_on: None,
        manifest_line: None,
    };
    vec![
        t("TASK-01", 1, "src/net/rate_limiter.py"),
        t("TASK-02", 2, "src/output/formatter.py"),
        t("TASK-03", 3, "src/db/pool.py"),
        t("TASK-04", 4, "src/output/columns.py"),
        t("TASK-05", 5, "src/cli/main.py"),
        t("TASK-06", 6, "src/report/html.py"),
    ]
}

/// The workspace the synthetic agent works in.
pub const WORKSPACE: &str = "/opt/agent-workspace";

/// Tool calls per hour: a busy start, a slump from hour 8 to 16, recovery.
fn rate(hour: u32) -> u32 {
    match hour {
        0..=7 => 40,
        8..=15 => 8,
        _ => 36,
    }
}

/// Which task the agent works on in a given hour (index into `tasks()`).
fn task_at(hour: u32) -> usize {
    match hour {
        0..=2 => 0,
        3..=5 => 1,
        6..=7 => 3, // TASK-04 batched next to TASK-02, jumping TASK-03
        8..=15 => 2,
        16..=19 => 4,
        _ => 5,
    }
}

const CHECKPOINTS_MIN: [u32; 2] = [5 * 60 + 30, 20 * 60];

#[derive(Clone, Copy, PartialEq)]
enum Act {
    Read,
    Write,
    Shell,
    Search,
    Todo,
}

struct Step {
    ms: i64,
    act: Act,
    path: String,
    command: &'static str,
    tokens: u64,
}

/// Generation parameters.
#[derive(Debug, Clone, Copy)]
pub struct SynthOptions {
    pub format: TelemetryFormat,
    pub seed: u64,
    /// Start of the run, milliseconds since the epoch.
    pub start_ms: i64,
    /// Add tool-result lines with file contents of realistic size.
    pub results: bool,
}

const READ_FILES: [&str; 8] = [
    "src/net/rate_limiter.py",
    "src/output/formatter.py",
    "src/db/pool.py",
    "src/output/columns.py",
    "src/cli/main.py",
    "src/report/html.py",
    "tests/test_rate_limiter.py",
    "README.md",
];
const COMMANDS: [&str; 4] = [
    "pytest -q",
    "ruff check .",
    "git status --short",
    "python -m mypy src",
];

fn steps(seed: u64, start_ms: i64) -> Vec<Step> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let tasks = tasks();
    let mut out = Vec::new();
    for hour in 0..24u32 {
        let n = rate(hour) + rng.u32(0..3);
        let mut minutes: Vec<u32> = (0..n).map(|_| rng.u32(0..3600)).collect();
        minutes.sort_unstable();
        let task = &tasks[task_at(hour)];
        for (i, sec) in minutes.into_iter().enumerate() {
            let ms = start_ms + (hour as i64 * 3600 + sec as i64) * 1000 + rng.i64(0..1000);
            let roll = rng.u32(0..100);
            let (act, path, command) = if hour == 2 && i == 0 {
                (Act::Shell, String::new(), "sudo apt-get install -y jq")
            } else if roll < 20 {
                (Act::Write, task.target_module.clone(), "")
            } else if roll < 70 {
                (
                    Act::Read,
                    READ_FILES[rng.usize(0..READ_FILES.len())].to_string(),
                    "",
                )
            } else if roll < 85 {
                (
                    Act::Shell,
                    String::new(),
                    COMMANDS[rng.usize(0..COMMANDS.len())],
                )
            } else if roll < 97 {
                (Act::Search, "src".to_string(), "")
            } else {
                (Act::Todo, String::new(), "")
            };
            out.push(Step {
                ms,
                act,
                path,
                command,
                tokens: 200 + rng.u64(0..1800),
            });
        }
    }
    out
}

fn ts(ms: i64) -> String {
    crate::audit::time::format_ms(ms)
}

fn filler(rng: &mut fastrand::Rng, len: usize) -> String {
    const WORDS: [&str; 8] = [
        "def ", "return ", "self.", "value", " = ", "(x)", "\n    ", "# note ",
    ];
    let mut s = String::with_capacity(len + 16);
    while s.len() < len {
        s.push_str(WORDS[rng.usize(0..WORDS.len())]);
    }
    s
}

/// Writes one synthetic 24-hour session; returns the bytes written.
pub fn write_session(w: &mut impl Write, session_id: &str, opts: SynthOptions) -> io::Result<u64> {
    let mut rng = fastrand::Rng::with_seed(opts.seed ^ 0x9e37_79b9_7f4a_7c15);
    let mut bytes = 0u64;
    let mut line = |w: &mut dyn Write, v: serde_json::Value| -> io::Result<()> {
        let mut text = serde_json::to_vec(&v).map_err(io::Error::other)?;
        text.push(b'\n');
        bytes += text.len() as u64;
        w.write_all(&text)
    };
    let all = steps(opts.seed, opts.start_ms);
    let mut cps = CHECKPOINTS_MIN
        .iter()
        .map(|m| opts.start_ms + *m as i64 * 60_000)
        .peekable();
    if opts.format == TelemetryFormat::Codex {
        line(
            w,
            json!({"timestamp": ts(opts.start_ms), "type": "session_meta", "payload": {
                "id": session_id, "timestamp": ts(opts.start_ms), "cwd": WORKSPACE,
                "originator": "codex_cli_rs", "cli_version": "0.128.0", "source": "cli",
                "model_provider": "openai"}}),
        )?;
    }
    let mut total_tokens = 0u64;
    for (i, s) in all.iter().enumerate() {
        while let Some(&cp) = cps.peek() {
            if cp > s.ms {
                break;
            }
            cps.next();
            let v = match opts.format {
                TelemetryFormat::Design => {
                    json!({"type": "checkpoint", "timestamp": ts(cp), "session_id": session_id})
                }
                TelemetryFormat::ClaudeCode => {
                    json!({"type": "system", "subtype": "compact_boundary",
                    "content": "Conversation compacted", "uuid": format!("c-{i}"), "parentUuid": null,
                    "sessionId": session_id, "timestamp": ts(cp), "cwd": WORKSPACE, "version": "2.0.49",
                    "userType": "external", "isSidechain": false, "level": "info",
                    "compactMetadata": {"trigger": "auto", "preTokens": 160_000}})
                }
                TelemetryFormat::Codex => {
                    json!({"timestamp": ts(cp), "type": "compacted", "payload": {"message": "summary"}})
                }
            };
            line(w, v)?;
        }
        let abs = format!("{WORKSPACE}/{}", s.path);
        total_tokens += s.tokens;
        let result_len = if opts.results {
            200 + rng.usize(0..2400)
        } else {
            0
        };
        match opts.format {
            TelemetryFormat::Design => {
                let (tool, payload) = match s.act {
                    Act::Read => ("Read", json!({"file_path": s.path})),
                    Act::Write => (
                        "Edit",
                        json!({"file_path": s.path, "old_string": "a", "new_string": "b"}),
                    ),
                    Act::Shell => ("Bash", json!({"command": s.command})),
                    Act::Search => ("Grep", json!({"pattern": "def ", "path": s.path})),
                    Act::Todo => ("TodoWrite", json!({"todos": []})),
                };
                line(
                    w,
                    json!({"type": "tool_call", "tool": tool, "payload": payload,
                    "timestamp": ts(s.ms), "session_id": session_id}),
                )?;
                line(
                    w,
                    json!({"type": "model_output", "token_count": s.tokens,
                    "output_length": s.tokens * 4, "timestamp": ts(s.ms + 5), "session_id": session_id}),
                )?;
            }
            TelemetryFormat::ClaudeCode => {
                let (name, input) = match s.act {
                    Act::Read => ("Read", json!({"file_path": abs})),
                    Act::Write => (
                        "Edit",
                        json!({"file_path": abs, "old_string": "a", "new_string": "b"}),
                    ),
                    Act::Shell => ("Bash", json!({"command": s.command, "description": "run"})),
                    Act::Search => ("Grep", json!({"pattern": "def ", "path": abs})),
                    Act::Todo => (
                        "TodoWrite",
                        json!({"todos": [{"content": "x", "status": "in_progress", "activeForm": "x-ing"}]}),
                    ),
                };
                line(
                    w,
                    json!({"parentUuid": format!("u-{i}-0"), "isSidechain": false, "userType": "external",
                    "cwd": WORKSPACE, "sessionId": session_id, "version": "2.0.49", "gitBranch": "main",
                    "message": {"id": format!("msg_{session_id}_{i}"), "type": "message", "role": "assistant",
                        "model": "claude-sonnet-4-5", "content": [{"type": "tool_use", "id": format!("toolu_{i}"),
                        "name": name, "input": input}], "stop_reason": "tool_use", "stop_sequence": null,
                        "usage": {"input_tokens": 4, "cache_creation_input_tokens": 300,
                            "cache_read_input_tokens": 20_000 + total_tokens / 4, "output_tokens": s.tokens,
                            "service_tier": "standard"}},
                    "requestId": format!("req_{i}"), "type": "assistant", "uuid": format!("u-{i}-1"),
                    "timestamp": ts(s.ms)}),
                )?;
                if opts.results {
                    line(
                        w,
                        json!({"parentUuid": format!("u-{i}-1"), "isSidechain": false, "userType": "external",
                        "cwd": WORKSPACE, "sessionId": session_id, "version": "2.0.49", "gitBranch": "main",
                        "type": "user", "message": {"role": "user", "content": [{"tool_use_id": format!("toolu_{i}"),
                            "type": "tool_result", "content": filler(&mut rng, result_len)}]},
                        "uuid": format!("u-{i}-2"), "timestamp": ts(s.ms + 800),
                        "toolUseResult": {"stdout": "", "stderr": "", "interrupted": false, "isImage": false}}),
                    )?;
                }
            }
            TelemetryFormat::Codex => {
                let item = match s.act {
                    Act::Write => {
                        json!({"type": "custom_tool_call", "status": "completed", "call_id": format!("call_{i}"),
                        "name": "apply_patch", "input": format!("*** Begin Patch\n*** Update File: {}\n@@\n-a\n+b\n*** End Patch\n", s.path)})
                    }
                    Act::Read => {
                        json!({"type": "function_call", "name": "shell", "call_id": format!("call_{i}"),
                        "arguments": json!({"command": ["bash", "-lc", format!("sed -n 1,200p {}", s.path)], "workdir": WORKSPACE}).to_string()})
                    }
                    Act::Shell => {
                        json!({"type": "function_call", "name": "shell_command", "call_id": format!("call_{i}"),
                        "arguments": json!({"command": s.command, "workdir": WORKSPACE}).to_string()})
                    }
                    Act::Search => {
                        json!({"type": "function_call", "name": "exec_command", "call_id": format!("call_{i}"),
                        "arguments": json!({"cmd": "rg -n 'def ' src"}).to_string()})
                    }
                    Act::Todo => {
                        json!({"type": "function_call", "name": "update_plan", "call_id": format!("call_{i}"),
                        "arguments": json!({"plan": [{"step": "x", "status": "in_progress"}]}).to_string()})
                    }
                };
                line(
                    w,
                    json!({"timestamp": ts(s.ms), "type": "response_item", "payload": item}),
                )?;
                if opts.results {
                    line(
                        w,
                        json!({"timestamp": ts(s.ms + 700), "type": "response_item", "payload": {
                        "type": "function_call_output", "call_id": format!("call_{i}"),
                        "output": filler(&mut rng, result_len)}}),
                    )?;
                }
                line(
                    w,
                    json!({"timestamp": ts(s.ms + 900), "type": "event_msg", "payload": {"type": "token_count",
                    "info": {"total_token_usage": {"input_tokens": total_tokens * 10, "cached_input_tokens": 0,
                        "output_tokens": total_tokens, "reasoning_output_tokens": 0, "total_tokens": total_tokens * 11},
                    "last_token_usage": {"input_tokens": 15_000, "cached_input_tokens": 14_000,
                        "output_tokens": s.tokens, "reasoning_output_tokens": 0, "total_tokens": 15_000 + s.tokens},
                    "model_context_window": 272_000}, "rate_limits": null}}),
                )?;
            }
        }
    }
    Ok(bytes)
}

/// The shapes of Claude Code folders the benchmark reads besides the
/// 24-hour run of [`write_session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaudeShape {
    /// About 1,000 short lines a session (median about 530 bytes):
    /// `tool_use` / `tool_result` pairs, as quick sessions write them.
    ShortLines,
    /// What long real sessions hold: messages written as several lines
    /// (thinking, text, each `tool_use`) with a growing usage, hook
    /// progress lines, file-history snapshots, long tool results, a
    /// compaction, and a sub-agent file beside some sessions.
    RealShaped,
}

/// Writes one session of `shape` into the project folder `project`
/// (`<session>.jsonl`, and for some real-shaped sessions
/// `<session>/subagents/agent-<id>.jsonl`); returns the bytes written.
pub fn write_claude_shape(
    project: &std::path::Path,
    session_id: &str,
    shape: ClaudeShape,
    seed: u64,
    start_ms: i64,
) -> io::Result<u64> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x005e_ed0f_5a9e);
    let file = std::fs::File::create(project.join(format!("{session_id}.jsonl")))?;
    let mut w = io::BufWriter::new(file);
    let mut bytes = match shape {
        ClaudeShape::ShortLines => short_session(&mut w, session_id, &mut rng, start_ms)?,
        ClaudeShape::RealShaped => real_session(&mut w, session_id, &mut rng, start_ms, None)?,
    };
    w.flush()?;
    if shape == ClaudeShape::RealShaped && seed % 3 == 0 {
        let dir = project.join(session_id).join("subagents");
        std::fs::create_dir_all(&dir)?;
        let agent = format!("a{:07x}", seed & 0xfff_ffff);
        let file = std::fs::File::create(dir.join(format!("agent-{agent}.jsonl")))?;
        let mut w = io::BufWriter::new(file);
        bytes += real_session(
            &mut w,
            session_id,
            &mut rng,
            start_ms + 600_000,
            Some(&agent),
        )?;
        w.flush()?;
    }
    Ok(bytes)
}

struct Lines<'w, W: Write> {
    w: &'w mut W,
    bytes: u64,
}

impl<W: Write> Lines<'_, W> {
    fn put(&mut self, v: &serde_json::Value) -> io::Result<()> {
        let mut text = serde_json::to_vec(v).map_err(io::Error::other)?;
        text.push(b'\n');
        self.bytes += text.len() as u64;
        self.w.write_all(&text)
    }
}

fn tool_input(rng: &mut fastrand::Rng, i: usize) -> (&'static str, serde_json::Value) {
    let path = format!("{WORKSPACE}/{}", READ_FILES[rng.usize(0..READ_FILES.len())]);
    match i % 5 {
        0 | 1 => ("Read", json!({"file_path": path})),
        2 => (
            "Bash",
            json!({"command": COMMANDS[rng.usize(0..COMMANDS.len())], "description": "Run the checks"}),
        ),
        3 => (
            "Edit",
            json!({"file_path": path, "old_string": "return None", "new_string": "return {}"}),
        ),
        _ => (
            "Grep",
            json!({"pattern": "def ", "path": WORKSPACE, "output_mode": "files_with_matches"}),
        ),
    }
}

fn short_session(
    w: &mut impl Write,
    sid: &str,
    rng: &mut fastrand::Rng,
    start_ms: i64,
) -> io::Result<u64> {
    let mut out = Lines { w, bytes: 0 };
    let mut t = start_ms;
    for i in 0..500 {
        t += 2_000 + rng.i64(0..8_000);
        let (name, mut input) = tool_input(rng, i);
        if let Some(o) = input.as_object_mut() {
            o.remove("description");
            o.remove("output_mode");
        }
        let tid = format!("toolu_{i:05}");
        out.put(
            &json!({"parentUuid": format!("{i}-r"), "isSidechain": false, "userType": "external",
            "cwd": WORKSPACE, "sessionId": sid, "version": "2.1.27",
            "message": {"model": "claude-sonnet-4-5", "id": format!("msg_{i:05}"),
                "type": "message", "role": "assistant",
                "content": [{"type": "tool_use", "id": tid, "name": name, "input": input}],
                "stop_reason": "tool_use",
                "usage": {"input_tokens": 6, "cache_read_input_tokens": 30_000 + i * 40,
                    "output_tokens": 60 + rng.u64(0..200)}},
            "requestId": format!("req_{i:05}"), "type": "assistant", "uuid": format!("{i}-a"),
            "timestamp": ts(t)}),
        )?;
        let result_len = 20 + rng.usize(0..120);
        out.put(
            &json!({"parentUuid": format!("{i}-a"), "isSidechain": false, "userType": "external",
            "cwd": WORKSPACE, "sessionId": sid, "version": "2.1.27", "type": "user",
            "message": {"role": "user", "content": [{"tool_use_id": tid, "type": "tool_result",
                "content": filler(rng, result_len)}]},
            "uuid": format!("{i}-r"), "timestamp": ts(t + 400),
            "toolUseResult": {"stdout": "", "stderr": "", "interrupted": false}}),
        )?;
    }
    Ok(out.bytes)
}

fn real_session(
    w: &mut impl Write,
    sid: &str,
    rng: &mut fastrand::Rng,
    start_ms: i64,
    agent: Option<&str>,
) -> io::Result<u64> {
    let mut out = Lines { w, bytes: 0 };
    let sidechain = agent.is_some();
    let envelope = |kind: &str, uuid: String, t: i64| {
        let mut v = json!({"parentUuid": null, "isSidechain": sidechain, "userType": "external",
            "cwd": WORKSPACE, "sessionId": sid, "version": "2.1.7", "gitBranch": "main",
            "type": kind, "uuid": uuid, "timestamp": ts(t)});
        if let Some(a) = agent {
            v["agentId"] = json!(a);
        }
        v
    };
    let mut t = start_ms;
    if !sidechain {
        out.put(&json!({"type": "file-history-snapshot", "messageId": format!("{sid}-s0"),
            "snapshot": {"messageId": format!("{sid}-s0"), "trackedFileBackups": {}, "timestamp": ts(t)},
            "isSnapshotUpdate": false}))?;
    }
    let mut prompt = envelope("user", format!("{sid}-p"), t);
    prompt["message"] =
        json!({"role": "user", "content": "Refactor the rate limiter and keep the tests green"});
    out.put(&prompt)?;
    let messages = if sidechain {
        20
    } else {
        220 + rng.usize(0..80)
    };
    let mut context = 20_000u64;
    for m in 0..messages {
        t += 3_000 + rng.i64(0..30_000);
        let mid = format!("msg_{sid:.8}{m:04}");
        let req = format!("req_{sid:.8}{m:04}");
        let mut blocks: Vec<serde_json::Value> = Vec::new();
        if rng.u32(0..3) == 0 {
            let len = 300 + rng.usize(0..1700);
            blocks.push(json!({"type": "thinking", "thinking": filler(rng, len),
                "signature": "[sig]"}));
        }
        if rng.u32(0..2) == 0 {
            let len = 80 + rng.usize(0..700);
            blocks.push(json!({"type": "text", "text": filler(rng, len)}));
        }
        let tools = 1 + rng.usize(0..3);
        let mut calls = Vec::new();
        for k in 0..tools {
            let (name, input) = tool_input(rng, m * 3 + k);
            let tid = format!("toolu_{sid:.8}{m:04}{k}");
            calls.push((tid.clone(), name));
            blocks.push(json!({"type": "tool_use", "id": tid, "name": name, "input": input}));
        }
        let total_out = 50 + rng.u64(0..1500);
        context += rng.u64(0..3000);
        let n = blocks.len();
        for (b, block) in blocks.into_iter().enumerate() {
            // Older versions: a partial, growing output_tokens per line.
            let out_tokens = if b + 1 == n { total_out } else { 3 + b as u64 };
            let mut line = envelope("assistant", format!("{mid}-{b}"), t + b as i64 * 300);
            line["message"] = json!({"model": "claude-opus-4-5-20251101", "id": mid, "type": "message",
                "role": "assistant", "content": [block], "stop_reason": null, "stop_sequence": null,
                "usage": {"input_tokens": 9, "cache_creation_input_tokens": 1200,
                    "cache_read_input_tokens": context, "output_tokens": out_tokens,
                    "cache_creation": {"ephemeral_5m_input_tokens": 1200, "ephemeral_1h_input_tokens": 0},
                    "service_tier": "standard"}});
            line["requestId"] = json!(req);
            out.put(&line)?;
        }
        for (k, (tid, name)) in calls.into_iter().enumerate() {
            for h in 0..2 {
                let mut p = envelope("progress", format!("{mid}-h{k}{h}"), t + 1_000);
                p["data"] = json!({"type": "hook_progress", "hookEvent": "PostToolUse",
                    "hookName": format!("PostToolUse:{name}"), "command": "~/.claude/hooks/log.sh"});
                p["parentToolUseID"] = json!(tid);
                p["toolUseID"] = json!(tid);
                out.put(&p)?;
            }
            // Long results: most a few KB, some tens, a few hundreds.
            let len = match rng.u32(0..100) {
                0..=2 => 100_000 + rng.usize(0..150_000),
                3..=19 => 10_000 + rng.usize(0..30_000),
                _ => 300 + rng.usize(0..4_000),
            };
            let mut r = envelope("user", format!("{mid}-r{k}"), t + 1_500);
            r["message"] = json!({"role": "user", "content": [{"tool_use_id": tid, "type": "tool_result",
                "content": filler(rng, len)}]});
            r["toolUseResult"] = json!({"type": "text", "file": {"filePath": format!("{WORKSPACE}/src/x.py"),
                "numLines": len / 40, "startLine": 1, "totalLines": len / 40}});
            out.put(&r)?;
        }
        if !sidechain && m % 25 == 24 {
            out.put(&json!({"type": "file-history-snapshot", "messageId": format!("{mid}-s"),
                "snapshot": {"messageId": format!("{mid}-s"), "trackedFileBackups": {
                    "src/net/rate_limiter.py": {"backupFileName": "abc@v2", "version": 2, "backupTime": ts(t)}},
                    "timestamp": ts(t)}, "isSnapshotUpdate": true}))?;
        }
        if !sidechain && m == messages / 2 {
            let mut cb = envelope("system", format!("{mid}-cb"), t + 2_000);
            cb["subtype"] = json!("compact_boundary");
            cb["content"] = json!("Conversation compacted");
            cb["compactMetadata"] = json!({"trigger": "auto", "preTokens": context});
            out.put(&cb)?;
            context = 20_000;
        }
    }
    Ok(out.bytes)
}
