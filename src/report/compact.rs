//! `--format compact`: one line per finding, `path:line:col: rule message`,
//! for editors (`%f:%l:%c: %m`) and grep. Notices and the summary follow as
//! lines that do not have that shape.

use super::human::summary_line;
use super::Report;
use std::fmt::Write as _;

/// A message on one line: line breaks become spaces.
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// One finding's line (without its line break).
pub fn finding_line(f: &crate::finding::Finding) -> String {
    format!(
        "{}:{}:{}: {} {}",
        one_line(&f.path),
        f.start.line,
        f.start.column,
        f.rule,
        one_line(&f.message)
    )
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&finding_line(f));
        out.push('\n');
    }
    for notice in &report.notices {
        let _ = writeln!(out, "note: {}", one_line(notice));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}
