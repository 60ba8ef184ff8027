//! The one finding type every stage passes along, from rules to printers.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "note" | "info" => Some(Severity::Note),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A finding with its position resolved, ready for filtering and printing.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Relative to the repository root, `/`-separated.
    pub path: String,
    /// Byte range of the anchor in the file as it was linted.
    #[serde(skip)]
    pub span: Range<usize>,
    pub start: Position,
    pub end: Position,
    pub message: String,
    pub help: Option<String>,
    /// Lines (inclusive) that make the finding part of the change when any
    /// of them changed; `None` means the anchor line alone.
    #[serde(skip)]
    pub scope_lines: Option<(u32, u32)>,
    /// Other places in the same file the reader needs to see (the first
    /// misplaced logging call of a function flagged at its `def`).
    pub related: Vec<Related>,
    /// Extra, rule-specific fields (audit findings: session, tasks, window).
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// A second location of a finding, in the finding's file, with what it shows.
#[derive(Debug, Clone, Serialize)]
pub struct Related {
    /// Byte range in the file as it was linted.
    #[serde(skip)]
    pub span: Range<usize>,
    pub start: Position,
    pub end: Position,
    pub message: String,
}

impl Finding {
    /// Deterministic output order: path, position, rule.
    pub fn sort_key(&self) -> (&str, Position, &str) {
        (&self.path, self.start, self.rule)
    }
}
