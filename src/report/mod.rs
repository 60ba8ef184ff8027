//! The report: findings plus everything that was skipped or degraded, so
//! nothing is silently dropped. Printers turn it into bytes; they never
//! decide what is in it.

pub mod compact;
pub mod escape;
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
    /// The documented code (`binary`, `deleted`, `unreadable`, ...).
    pub reason: &'static str,
    /// The same in words, with the cause where there is one.
    pub detail: String,
}

/// What a report covered. A file counts once: *checked* when a selected
/// rule judged it (a Python rule read it, or, in diff modes, the change-set
/// rules judged its path and changed lines; a telemetry file the audit
/// read), *skipped* otherwise, with its reason.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files_checked: usize,
    pub files_skipped: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Distinct files the findings are in.
    pub files_with_findings: usize,
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
    /// Single lines of files whose text is not kept (telemetry), by path
    /// and 1-based line, for printers that show code.
    pub lines: HashMap<(String, u32), String>,
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
                    reason: reason.key(),
                    detail: reason.describe(),
                });
            }
        }
        if let Some(source) = result.source {
            self.sources.insert(result.path, source);
        }
        self.findings.extend(result.findings);
    }

    /// In diff modes the change-set rules judge every changed file by its
    /// path and changed lines: a file no Python rule applies to
    /// (configuration, documentation) was still checked, not skipped. Files
    /// whose content could not be linted (binary, deleted, unreadable) stay
    /// skipped unless a finding points into them.
    pub fn judged_by_change_rules(&mut self) {
        self.move_to_checked(|s| s.reason == "no-rules");
    }

    /// Counts as checked the skipped files that `judged` says a rule judged.
    fn move_to_checked(&mut self, judged: impl Fn(&SkippedFile) -> bool) {
        let moved = self.summary.skipped.iter().filter(|s| judged(s)).count();
        if moved == 0 {
            return;
        }
        for skipped in self.summary.skipped.iter().filter(|s| judged(s)) {
            if let Some(n) = self.summary.skipped_by_reason.get_mut(skipped.reason) {
                *n -= 1;
            }
        }
        self.summary.skipped_by_reason.retain(|_, n| *n > 0);
        self.summary.skipped.retain(|s| !judged(s));
        self.summary.files_skipped -= moved;
        self.summary.files_checked += moved;
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
        // A file a finding points into was checked, whatever else said.
        if !self.summary.skipped.is_empty() {
            let flagged: std::collections::HashSet<&str> =
                self.findings.iter().map(|f| f.path.as_str()).collect();
            let flagged: std::collections::HashSet<String> =
                flagged.into_iter().map(str::to_string).collect();
            self.move_to_checked(|s| flagged.contains(&s.path));
        }
        self.suppressed
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.summary.suppressed = self.suppressed.len();
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.summary.findings = self.findings.len();
        self.summary.by_rule.clear();
        let (mut errors, mut warnings, mut notes) = (0, 0, 0);
        for f in &self.findings {
            *self.summary.by_rule.entry(f.rule.to_string()).or_default() += 1;
            match f.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Note => notes += 1,
            }
        }
        (
            self.summary.errors,
            self.summary.warnings,
            self.summary.notes,
        ) = (errors, warnings, notes);
        // Sorted by path: files are runs.
        self.summary.files_with_findings = self
            .findings
            .iter()
            .enumerate()
            .filter(|(i, f)| *i == 0 || self.findings[i - 1].path != f.path)
            .count();
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
