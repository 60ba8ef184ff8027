//! The report: findings plus everything that was skipped or degraded, so
//! nothing is silently dropped. Printers turn it into bytes; they never
//! decide what is in it.

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod statistics;
pub mod suppression;

use crate::engine::{FileResult, Outcome};
use crate::finding::{Finding, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Why a file was not linted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Binary,
    Deleted,
    Symlink,
    NotAFile,
    /// A submodule: another repository, never looked into.
    Submodule,
    OutsideRoot,
    /// No selected rule applies to this kind of file.
    NoRules,
    Unreadable(String),
}

impl SkipReason {
    /// A short, stable key for counts.
    pub fn key(&self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::Deleted => "deleted",
            SkipReason::Symlink => "symlink",
            SkipReason::NotAFile => "not-a-file",
            SkipReason::Submodule => "submodule",
            SkipReason::OutsideRoot => "outside-root",
            SkipReason::NoRules => "no-rules",
            SkipReason::Unreadable(_) => "unreadable",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            SkipReason::Binary => "binary file".into(),
            SkipReason::Deleted => "deleted".into(),
            SkipReason::Symlink => "symbolic link (not followed)".into(),
            SkipReason::NotAFile => "not a regular file".into(),
            SkipReason::Submodule => "a submodule (another repository; not looked into)".into(),
            SkipReason::OutsideRoot => "path leads outside the repository".into(),
            SkipReason::NoRules => "no selected rule applies to this file type".into(),
            SkipReason::Unreadable(why) => format!("unreadable: {why}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub findings: usize,
    pub by_rule: BTreeMap<String, usize>,
    /// Skipped files counted by reason key.
    pub skipped_by_reason: BTreeMap<String, usize>,
    /// Files linted where tree-sitter recovered from syntax errors.
    pub files_with_syntax_errors: Vec<String>,
    /// Files that were not valid UTF-8 and were decoded lossily.
    pub files_decoded_lossily: Vec<String>,
    pub skipped: Vec<SkippedFile>,
    /// Findings silenced by suppression comments (not in `findings`).
    pub suppressed: usize,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Texts of files with findings, for printers that show code.
    pub sources: HashMap<String, Arc<str>>,
    pub notices: Vec<String>,
    /// Findings silenced by suppression comments; listed by printers
    /// (`--show-suppressed`), counted in the summary either way.
    pub suppressed: Vec<Finding>,
}

impl Report {
    pub fn add_file(&mut self, result: FileResult) {
        match result.outcome {
            Outcome::Checked {
                syntax_error,
                lossy,
            } => {
                self.summary.files_checked += 1;
                if syntax_error {
                    self.summary
                        .files_with_syntax_errors
                        .push(result.path.clone());
                }
                if lossy {
                    self.summary.files_decoded_lossily.push(result.path.clone());
                }
            }
            Outcome::Skipped(reason) => {
                self.summary.files_skipped += 1;
                *self
                    .summary
                    .skipped_by_reason
                    .entry(reason.key().to_string())
                    .or_default() += 1;
                self.summary.skipped.push(SkippedFile {
                    path: result.path.clone(),
                    reason: reason.describe(),
                });
            }
        }
        if let Some(source) = result.source {
            self.sources.insert(result.path, source);
        }
        self.findings.extend(result.findings);
    }

    /// The filter stage's suppression step: moves findings silenced by a
    /// comment in their file to `suppressed`.
    pub fn apply_suppressions(&mut self) {
        let findings = std::mem::take(&mut self.findings);
        let (kept, suppressed, notices) = suppression::apply(findings, &self.sources);
        self.findings = kept;
        self.suppressed.extend(suppressed);
        self.notices.extend(notices);
    }

    /// Sorts everything deterministically and computes the counts.
    pub fn finish(&mut self) {
        self.suppressed
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.summary.suppressed = self.suppressed.len();
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.summary.findings = self.findings.len();
        self.summary.by_rule.clear();
        for f in &self.findings {
            *self.summary.by_rule.entry(f.rule.to_string()).or_default() += 1;
        }
        self.summary.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.summary.files_with_syntax_errors.sort();
        self.summary.files_decoded_lossily.sort();
    }

    /// Exit code 1 when a finding is at or above `threshold`, else 0.
    pub fn exit_code(&self, threshold: Option<Severity>) -> i32 {
        match threshold {
            Some(t) if self.findings.iter().any(|f| f.severity >= t) => 1,
            _ => 0,
        }
    }
}
