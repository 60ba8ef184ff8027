//! `--format compact`: one line per finding, `path:line:col: rule message`,
//! for editors (`%f:%l:%c: %m`) and grep. Suppressed findings
//! (`--show-suppressed`), notices and the summary follow as lines that do
//! not have that shape. Control characters in paths and messages are shown
//! escaped (`\n`, `\x1b`), so a file name cannot start a line of its own.

use super::escape;
use super::human::{summary_line, suppressed_line};
use super::Report;
use std::fmt::Write as _;

/// One finding's line (without its line break).
pub fn finding_line(f: &crate::finding::Finding) -> String {
    format!(
        "{}:{}:{}: {} {}",
        escape::one_line(&f.path),
        f.start.line,
        f.start.column,
        escape::one_line(f.rule),
        escape::one_line(&f.message)
    )
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&finding_line(f));
        out.push('\n');
    }
    for f in &report.suppressed {
        let _ = writeln!(out, "{}", suppressed_line(f));
    }
    for notice in &report.notices {
        let _ = writeln!(out, "note: {}", escape::one_line(notice));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}
