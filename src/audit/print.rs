//! Printers for the audit report: human (per-session summary, activity
//! sparkline, findings) and the versioned JSON document (see README).

use crate::audit::report::{AuditReport, AuditRun, AuditSummary, FileSummary, SessionSummary};
use crate::finding::Finding;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::io::{self, Write};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per hour, scaled to the busiest hour (space: no activity).
pub fn sparkline(values: &[u32]) -> String {
    let max = values.iter().copied().max().unwrap_or(0);
    values
        .iter()
        .map(|&v| {
            if v == 0 || max == 0 {
                ' '
            } else {
                let i = ((v as u64 * 8).div_ceil(max as u64)).clamp(1, 8) - 1;
                BARS[i as usize]
            }
        })
        .collect()
}

fn duration(secs: f64) -> String {
    let total = secs.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}h {m:02}m")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// What the printers read: an [`AuditReport`] in memory, or an
/// [`AuditRun`] whose findings and session summaries come one at a time.
pub trait AuditOutput {
    fn session_count(&self) -> usize;
    fn for_each_session(
        &self,
        f: &mut dyn FnMut(&SessionSummary) -> io::Result<()>,
    ) -> io::Result<()>;
    fn files(&self) -> &[FileSummary];
    fn summary(&self) -> &AuditSummary;
    /// Every finding, in report order.
    fn for_each_finding(&self, f: &mut dyn FnMut(&Finding) -> io::Result<()>) -> io::Result<()>;
}

impl AuditOutput for AuditReport {
    fn session_count(&self) -> usize {
        self.sessions.len()
    }
    fn for_each_session(
        &self,
        f: &mut dyn FnMut(&SessionSummary) -> io::Result<()>,
    ) -> io::Result<()> {
        self.sessions.iter().try_for_each(f)
    }
    fn files(&self) -> &[FileSummary] {
        &self.files
    }
    fn summary(&self) -> &AuditSummary {
        &self.summary
    }
    fn for_each_finding(&self, f: &mut dyn FnMut(&Finding) -> io::Result<()>) -> io::Result<()> {
        self.findings.iter().try_for_each(f)
    }
}

impl AuditOutput for AuditRun {
    fn session_count(&self) -> usize {
        AuditRun::session_count(self)
    }
    fn for_each_session(
        &self,
        f: &mut dyn FnMut(&SessionSummary) -> io::Result<()>,
    ) -> io::Result<()> {
        AuditRun::for_each_session(self, |s| f(&s))
    }
    fn files(&self) -> &[FileSummary] {
        &self.files
    }
    fn summary(&self) -> &AuditSummary {
        &self.summary
    }
    fn for_each_finding(&self, f: &mut dyn FnMut(&Finding) -> io::Result<()>) -> io::Result<()> {
        AuditRun::for_each_finding(self, |_, finding| f(&finding))
    }
}

fn session_block(out: &mut dyn Write, s: &SessionSummary) -> io::Result<()> {
    // Ids, names and messages come from the telemetry: shown escaped.
    use crate::report::escape::one_line;
    writeln!(
        out,
        "session {}  ({})",
        one_line(&s.id),
        one_line(&s.files.join(", "))
    )?;
    if let (Some(start), Some(end)) = (&s.start, &s.end) {
        writeln!(out, "  {start} → {end}  ({})", duration(s.duration_secs))?;
    }
    if let (Some(ws), Some(from)) = (&s.workspace, &s.workspace_from) {
        writeln!(out, "  workspace: {} ({from})", one_line(ws))?;
    }
    writeln!(
        out,
        "  {} reads, {} writes, {} shell executions",
        s.reads, s.writes, s.shell
    )?;
    let others: Vec<String> = s
        .by_kind
        .iter()
        .filter(|(k, _)| !matches!(**k, "read" | "write" | "shell"))
        .map(|(k, n)| {
            let label = match (*k, *n == 1) {
                ("search", true) => "search",
                ("search", false) => "searches",
                ("model_output", true) => "model output",
                ("model_output", false) => "model outputs",
                ("checkpoint", true) => "checkpoint",
                ("checkpoint", false) => "checkpoints",
                ("task_list", true) => "task-list update",
                ("task_list", false) => "task-list updates",
                _ => "other",
            };
            format!("{n} {label}")
        })
        .collect();
    if !others.is_empty() {
        writeln!(out, "  also: {}", others.join(", "))?;
    }
    writeln!(
        out,
        "  tokens: {} output, {} since the last checkpoint, largest context {}; {}",
        s.output_tokens,
        s.tokens_since_checkpoint,
        s.max_context_tokens,
        plural(s.checkpoints, "checkpoint")
    )?;
    if !s.tasks_started.is_empty() {
        writeln!(
            out,
            "  tasks started (first write): {}",
            one_line(&s.tasks_started.join(", "))
        )?;
    }
    writeln!(
        out,
        "  constraint violations: {}; findings: {}",
        s.constraint_violations, s.findings
    )?;
    if s.token_sums_saturated {
        writeln!(
            out,
            "  note: a token sum reached 2^64 - 1 and stopped there (the figures are a floor)"
        )?;
    }
    match &s.active_hours {
        Some(hours) => {
            let peak = hours.iter().map(|(_, n)| *n).max().unwrap_or(0);
            writeln!(
                out,
                "  activity/hour: {} active hours over {} (too long to draw), peak {peak}/h",
                hours.len(),
                duration(s.duration_secs)
            )?;
        }
        None => {
            let peak = s.activity_per_hour.iter().copied().max().unwrap_or(0);
            writeln!(
                out,
                "  activity/hour |{}| peak {peak}/h",
                sparkline(&s.activity_per_hour)
            )?;
        }
    }
    writeln!(out)
}

pub fn human(report: &AuditReport) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_human(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The human report, written as it goes.
pub fn write_human(report: &dyn AuditOutput, out: &mut dyn Write) -> io::Result<()> {
    use crate::report::escape::one_line;
    report.for_each_session(&mut |s| session_block(out, s))?;
    let sum = report.summary();
    if sum.tasks_in_manifest > 0 {
        writeln!(
            out,
            "tasks: {} of {} started ({} in priority order); observed order: {}",
            sum.tasks_started,
            sum.tasks_in_manifest,
            sum.tasks_started_in_order,
            if sum.task_order.is_empty() {
                "-".to_string()
            } else {
                sum.task_order.join(" → ")
            }
        )?;
        if let Some(tau) = sum.priority_order_tau {
            writeln!(
                out,
                "priority order vs observed order: Kendall tau {tau:.2}"
            )?;
        }
        writeln!(out)?;
    }
    report.for_each_finding(&mut |f| {
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            one_line(&f.path),
            f.start.line,
            f.start.column,
            f.severity.as_str(),
            f.rule,
            one_line(&f.message)
        )?;
        let at: Vec<&str> = ["session_id", "timestamp"]
            .iter()
            .filter_map(|k| f.extra.get(*k).and_then(Value::as_str))
            .collect();
        if !at.is_empty() {
            writeln!(out, "    at {}", one_line(&at.join(" ")))?;
        }
        if let Some(help) = &f.help {
            writeln!(out, "    help: {}", one_line(help))?;
        }
        Ok(())
    })?;
    for file in report.files() {
        if let Some(err) = &file.error {
            writeln!(out, "error: {}: {}", one_line(&file.file), one_line(err))?;
        }
        for note in &file.notes {
            writeln!(
                out,
                "note: {}: {} ({}, the first at line {})",
                one_line(&file.file),
                one_line(&note.message),
                plural(note.count as usize, "line"),
                note.first_line
            )?;
        }
    }
    writeln!(
        out,
        "{} in {} ({} from {} lines in {}; {} malformed, {} ignored)",
        plural(sum.findings, "finding"),
        plural(report.session_count(), "session"),
        plural(sum.events, "event"),
        sum.lines,
        plural(sum.files, "file"),
        sum.malformed_lines,
        sum.ignored_lines,
    )
}

/// A finding as an entry of the JSON document's `findings`.
fn finding_json(f: &Finding) -> Value {
    let mut obj = Map::new();
    obj.insert("rule".into(), json!(f.rule));
    obj.insert("severity".into(), json!(f.severity.as_str()));
    obj.insert("message".into(), json!(f.message));
    obj.insert(
        "session_id".into(),
        f.extra.get("session_id").cloned().unwrap_or(Value::Null),
    );
    obj.insert(
        "timestamp".into(),
        f.extra.get("timestamp").cloned().unwrap_or(Value::Null),
    );
    obj.insert("file".into(), json!(f.path));
    obj.insert("line".into(), json!(f.start.line));
    if let Some(help) = &f.help {
        obj.insert("help".into(), json!(help));
    }
    for (k, v) in &f.extra {
        if k != "session_id" && k != "timestamp" {
            obj.insert(k.clone(), v.clone());
        }
    }
    Value::Object(obj)
}

pub fn json(report: &AuditReport) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_json(report, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `value` pretty-printed as `serde_json::to_string_pretty` would print it
/// `indent` spaces deep in a document (its first line is not indented).
/// JSON text has line breaks only between tokens, so indenting each line
/// is exact.
pub fn write_pretty_at(
    out: &mut dyn Write,
    value: &impl Serialize,
    indent: usize,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
            for _ in 0..indent {
                out.write_all(b" ")?;
            }
        }
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// Writes one item (of a streamed array).
pub type WriteItem<'a, T> = dyn FnMut(&T) -> io::Result<()> + 'a;

/// Calls the function it is given once per item, in order.
pub type EachItem<'a, T> = dyn FnMut(&mut WriteItem<'_, T>) -> io::Result<()> + 'a;

/// One array of the document (two spaces deep), its items written by
/// `items` through the function it is given.
fn write_array(out: &mut dyn Write, items: &mut EachItem<'_, Value>) -> io::Result<()> {
    let mut first = true;
    items(&mut |item| {
        out.write_all(if first { b"[\n    " } else { b",\n    " })?;
        first = false;
        write_pretty_at(out, item, 4)
    })?;
    out.write_all(if first { b"[]" } else { b"\n  ]" })
}

/// The versioned JSON document (see README), written as it goes: the same
/// bytes as pretty-printing it whole.
pub fn write_json(report: &dyn AuditOutput, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"{\n  \"version\": 1,\n  \"sessions\": ")?;
    write_array(out, &mut |item| {
        report.for_each_session(&mut |s| item(&serde_json::to_value(s).map_err(io::Error::other)?))
    })?;
    out.write_all(b",\n  \"files\": ")?;
    write_array(out, &mut |item| {
        report
            .files()
            .iter()
            .try_for_each(|f| item(&serde_json::to_value(f).map_err(io::Error::other)?))
    })?;
    out.write_all(b",\n  \"findings\": ")?;
    write_array(out, &mut |item| {
        report.for_each_finding(&mut |f| item(&finding_json(f)))
    })?;
    out.write_all(b",\n  \"summary\": ")?;
    write_pretty_at(out, report.summary(), 2)?;
    out.write_all(b"\n}\n")
}
