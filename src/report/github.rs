//! `--format github`: GitHub Actions workflow commands, one per finding,
//! so findings show as annotations on the pull request without code
//! scanning:
//!
//! `::error file=P,line=L,col=C,endLine=L2,endColumn=C2,title=T::MESSAGE`
//!
//! Escaped as GitHub's toolkit does (`@actions/core`, `command.ts`): in the
//! message `%`, `\r`, `\n`; in property values also `:` and `,`; other
//! control characters are shown escaped (`\x1b`), since the log viewer
//! would interpret them. Columns count characters from 1 and `endColumn` is
//! exclusive, as in every other format. Notices become `::notice::`
//! commands; suppressed findings (`--show-suppressed`) and the summary are
//! plain log lines, escaped so that none can start a command.

use super::escape;
use super::human::{summary_line, suppressed_line};
use super::Report;
use crate::finding::{Finding, Severity};
use std::fmt::Write as _;

/// Escapes a workflow command's message (`escapeData`).
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => push_visible(&mut out, c),
        }
    }
    out
}

/// Escapes a workflow command's property value (`escapeProperty`).
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => push_visible(&mut out, c),
        }
    }
    out
}

/// `c`, or its escape when it is a control character.
fn push_visible(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&escape::one_line(c.encode_utf8(&mut buf)));
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One workflow command for one finding (without the trailing newline).
pub fn annotation(f: &Finding) -> String {
    let mut props = vec![format!("file={}", escape_property(&f.path))];
    if f.start.line > 0 {
        let col = f.start.column.max(1);
        props.push(format!("line={}", f.start.line));
        props.push(format!("col={col}"));
        if (f.end.line, f.end.column) >= (f.start.line, col) {
            props.push(format!("endLine={}", f.end.line));
            props.push(format!("endColumn={}", f.end.column.max(1)));
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("agentlint ({})", f.rule))
    ));
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&annotation(f));
        out.push('\n');
    }
    for f in &report.suppressed {
        let _ = writeln!(out, "{}", suppressed_line(f));
    }
    for notice in &report.notices {
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            escape_property("agentlint"),
            escape_data(notice)
        );
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}
