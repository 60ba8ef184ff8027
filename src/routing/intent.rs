//! The word lists task routing and the triage rules read intent
//! statements with. Each entry is matched case-insensitively on word
//! boundaries; an entry may be several words ("clean up").

use regex::Regex;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A task that asks for a decision only a person can make.
pub const PRODUCT: &[&str] = &[
    "decide",
    "decision",
    "choose",
    "which approach",
    "product",
    "pricing",
    "ux",
    "user experience",
    "trade-off",
    "tradeoff",
    "whether to",
    "should we",
    "prioritize features",
    "roadmap",
    "business rule",
];

/// Logging and observability work.
pub const LOGGING: &[&str] = &[
    "log",
    "logs",
    "logging",
    "logger",
    "tracing",
    "trace",
    "traceability",
    "metric",
    "metrics",
    "telemetry",
    "observability",
    "monitoring",
    "instrument",
    "instrumentation",
];

/// Style and formatting work.
pub const STYLE: &[&str] = &[
    "format",
    "formatting",
    "style",
    "lint",
    "linting",
    "pep 8",
    "pep-8",
    "pep8",
    "whitespace",
    "indentation",
    "naming convention",
    "import order",
    "sort imports",
    "black",
    "ruff",
];

/// Verbs of an open-ended improvement.
pub const VAGUE: &[&str] = &[
    "clean up",
    "cleanup",
    "improve",
    "refactor",
    "tidy",
    "polish",
    "enhance",
    "optimize",
    "optimise",
    "rework",
    "streamline",
    "modernize",
    "simplify",
    "make better",
    "revamp",
];

/// Words that state a success condition.
pub const SUCCESS: &[&str] = &[
    "ensure",
    "ensures",
    "so that",
    "must",
    "guarantee",
    "guarantees",
    "such that",
    "until",
    "verify",
    "verified",
    "without changing",
    "without breaking",
    "preserve",
    "preserving",
    "keep",
    "keeps",
    "return",
    "returns",
    "raise",
    "raises",
    "reset",
    "resets",
    "pass",
    "passes",
    "match",
    "matches",
    "equal",
    "equals",
    "consistent",
    "no longer",
    "instead of",
    "only",
    "at least",
    "at most",
    "within",
    "every",
    "each",
    "all",
    "never",
    "always",
];

/// Words that name a target structure for a refactor.
pub const TARGET: &[&str] = &[
    "into",
    "to use",
    "extract",
    "move",
    "split",
    "merge",
    "rename",
    "replace",
    "convert",
    "standardize",
    "pattern",
    "interface",
    "class",
    "module",
    "function",
    "from",
    "per",
];

/// Where a log statement goes.
pub const PLACEMENT: &[&str] = &[
    "entry",
    "function entry",
    "entry point",
    "exit",
    "every branch",
    "all branches",
    "each branch",
    "branch coverage",
    "before",
    "after",
    "on error",
    "on failure",
    "at the start",
    "at the end",
    "in the handler",
    "per request",
    "each request",
    "every request",
];

/// Why a log exists: traceability, level rationale.
pub const TRACEABILITY: &[&str] = &[
    "traceability",
    "trace",
    "traceable",
    "correlate",
    "correlation",
    "request id",
    "debug",
    "info",
    "warning",
    "error level",
    "level",
    "so that",
    "to diagnose",
    "audit",
    "guarantee",
];

fn pattern(words: &'static [&'static str]) -> Regex {
    static CACHE: OnceLock<Mutex<HashMap<usize, Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let key = words.as_ptr() as usize;
    let mut guard = match cache.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard
        .entry(key)
        .or_insert_with(|| {
            let alternatives: Vec<String> = words
                .iter()
                .map(|w| {
                    regex::escape(w)
                        .replace(r"\ ", r"[\s_-]+")
                        .replace(' ', r"[\s_-]+")
                })
                .collect();
            Regex::new(&format!(r"(?i)\b(?:{})\b", alternatives.join("|")))
                .expect("the word lists make a valid regex")
        })
        .clone()
}

/// The first entry of `words` found in `text`, as written there.
pub fn first_word(text: &str, words: &'static [&'static str]) -> Option<String> {
    pattern(words).find(text).map(|m| m.as_str().to_string())
}

pub fn has_any(text: &str, words: &'static [&'static str]) -> bool {
    pattern(words).is_match(text)
}

/// Whether the text names code (`reset_window()`, `RateLimiter`, a path):
/// a refactor that names what to reach has a target.
pub fn names_code(text: &str) -> bool {
    static CODE: OnceLock<Regex> = OnceLock::new();
    CODE.get_or_init(|| {
        Regex::new(r"`[^`]+`|\b\w+\(\)|\b[a-z]+_[a-z_]+\b|\b[A-Z][a-z]+[A-Z]\w*\b|\b[\w/]+\.py\b")
            .expect("valid regex")
    })
    .is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_on_boundaries() {
        assert_eq!(
            first_word("Please clean  up config loading", VAGUE).as_deref(),
            Some("clean  up")
        );
        assert!(has_any("Add a DEBUG log at function entry", LOGGING));
        assert!(
            !has_any("Catalog the parsers", LOGGING),
            "not inside a word"
        );
        assert!(has_any("apply PEP-8", STYLE) && has_any("apply PEP 8", STYLE));
        assert!(names_code("move parsing into `ConfigLoader`") && names_code("use load_config()"));
        assert!(!names_code("improve error handling"));
    }
}
