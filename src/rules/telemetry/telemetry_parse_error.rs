//! telemetry-parse-error: a telemetry line the audit could not read.

use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// Reports every telemetry line that is not valid JSON, or is valid
    /// JSON in no shape of the file's format (design JSONL, Claude Code
    /// transcript, Codex rollout), with its file and line number. Reading
    /// goes on after it.
    ///
    /// ## Why is this bad?
    /// An audit that skips what it cannot read silently reports a cleaner
    /// run than the one that happened: a truncated line may be the `sudo`
    /// call or the write outside the workspace. Every unreadable line is
    /// therefore a finding and is counted in the summary
    /// (`malformed_lines`).
    ///
    /// ## Example
    /// ```jsonl
    /// {"type": "tool_call", "tool": "Bash", "payload": {"command": "ls"
    /// {"type": "tool_call", "payload": {}, "timestamp": "2026-03-02T14:00:00Z"}
    /// ```
    /// The first line is cut off; the second is a `tool_call` without `tool`.
    ///
    /// Use instead: complete lines in one of the supported formats.
    ///
    /// ## Not flagged
    /// Blank lines; lines of a known format whose `type` the audit does not
    /// use (Claude Code `summary`, `file-history-snapshot`, Codex
    /// `reasoning`, new kinds added by later versions): they are counted as
    /// `ignored_lines`. A line that names such a kind (`"type":"user"`,
    /// `"type":"response_item"`, ...) and none of the markers of the kinds
    /// that produce events is only checked to be one `{…}` object, not
    /// parsed in full (the reader's byte test): damage inside such a line
    /// goes unreported.
    pub TelemetryParseError {
        id: "telemetry-parse-error",
        scope: Telemetry,
        severity: Warning,
        summary: "telemetry line that is not valid JSON or in no known shape",
    }
}

impl TelemetryRule for TelemetryParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let timeline = cx.timeline;
        let mut reported = 0;
        let read_back = timeline.parse_errors.for_each(|e| {
            reported += 1;
            cx.report_line(
                &Self::META,
                e.file,
                e.line,
                e.line_chars,
                e.offset,
                format!("unreadable telemetry line: {}", e.message),
            );
        });
        // The spilled lines could not be read back (the temporary file
        // failed): say so rather than drop them.
        if let Err(e) = read_back {
            cx.report_line(
                &Self::META,
                0,
                0,
                0,
                0,
                format!(
                    "{} unreadable telemetry lines could not be read back from a temporary file: {e}",
                    timeline.parse_errors.len().saturating_sub(reported)
                ),
            );
        }
    }
}
