//! `--format json`: one stable, versioned JSON document (see README).

use super::Report;
use serde_json::{json, Value};

pub fn render(report: &Report) -> String {
    let findings: Vec<Value> = report.findings.iter().map(finding).collect();
    let suppressed: Vec<Value> = report.suppressed.iter().map(finding).collect();
    let doc = json!({
        "version": 1,
        "findings": findings,
        "suppressed": suppressed,
        "summary": report.summary,
        "notices": report.notices,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

fn finding(f: &crate::finding::Finding) -> Value {
    let mut obj = json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "path": f.path,
        "line": f.start.line,
        "column": f.start.column,
        "end_line": f.end.line,
        "end_column": f.end.column,
        "message": f.message,
        "help": f.help,
    });
    if let Some(map) = obj.as_object_mut() {
        if !f.related.is_empty() {
            let related: Vec<Value> = f
                .related
                .iter()
                .map(|r| {
                    json!({
                        "path": f.path,
                        "line": r.start.line,
                        "column": r.start.column,
                        "end_line": r.end.line,
                        "end_column": r.end.column,
                        "message": r.message,
                    })
                })
                .collect();
            map.insert("related".into(), Value::from(related));
        }
        for (k, v) in &f.extra {
            map.insert(k.clone(), v.clone());
        }
    }
    obj
}
