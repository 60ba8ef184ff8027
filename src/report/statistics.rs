//! `--statistics`: how many findings each rule produced, most first, with
//! the severity the findings were reported at. Printed instead of the
//! report (as ruff's `--statistics`), as text or, for `--format json`, as
//! a JSON document.

use super::Report;
use crate::finding::Severity;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `(rule, count, highest severity)`, most findings first.
fn rows(report: &Report) -> Vec<(&str, usize, Severity)> {
    // rule -> (count, highest severity reported)
    let mut rows: BTreeMap<&str, (usize, Severity)> = BTreeMap::new();
    for f in &report.findings {
        let row = rows.entry(f.rule).or_insert((0, f.severity));
        row.0 += 1;
        row.1 = row.1.max(f.severity);
    }
    let mut rows: Vec<(&str, usize, Severity)> =
        rows.into_iter().map(|(r, (n, s))| (r, n, s)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows
}

/// `{"version": 1, "statistics": [{"rule", "count", "severity"}], "summary"}`.
pub fn render_json(report: &Report) -> String {
    let rows: Vec<serde_json::Value> = rows(report)
        .into_iter()
        .map(|(rule, count, severity)| {
            serde_json::json!({"rule": rule, "count": count, "severity": severity.as_str()})
        })
        .collect();
    let doc = serde_json::json!({
        "version": 1,
        "statistics": rows,
        "summary": report.summary,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

pub fn render(report: &Report) -> String {
    let rows = rows(report);
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let count_width = rows
        .iter()
        .map(|r| r.1.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for (rule, count, severity) in &rows {
        let _ = writeln!(
            out,
            "{count:>count_width$}  {rule:<width$}  {}",
            severity.as_str()
        );
    }
    let total: usize = rows.iter().map(|r| r.1).sum();
    let _ = writeln!(
        out,
        "{total} finding{} from {} rule{}",
        if total == 1 { "" } else { "s" },
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    out
}
