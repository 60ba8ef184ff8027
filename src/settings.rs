//! Resolved settings: which rules run, at which severity, with which
//! options. Built once from the command line (and, later, config files)
//! before any file is read.

use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::registry::{self, Registered};
use regex::Regex;
use std::collections::HashMap;

/// Options that rules read; every field has a documented default.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    /// `NAME` in `NAME.X(...)` / `self.NAME.X(...)` logging calls.
    pub logger_name_pattern: Regex,
}

pub const DEFAULT_LOGGER_NAME_PATTERN: &str = r"^(?:_{0,2}(?:log|logger)|LOG|LOGGER)$";

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions {
            logger_name_pattern: Regex::new(DEFAULT_LOGGER_NAME_PATTERN)
                .expect("the default logger pattern is a valid regex"),
        }
    }
}

/// The rules selected for a run and their effective severities.
#[derive(Debug, Clone)]
pub struct Selection {
    enabled: Vec<&'static Registered>,
    severities: HashMap<&'static str, Severity>,
}

impl Selection {
    /// `select` (empty: all rules) minus `ignore`; unknown ids are an error.
    pub fn new(select: &[String], ignore: &[String]) -> Result<Self> {
        Self::from_rules(registry::all().iter().collect(), select, ignore)
    }

    /// Like `new`, over a given set of known rules (built-in plus the
    /// declarative rules loaded for this run, `declarative::catalog`).
    pub fn from_rules(
        known: Vec<&'static Registered>,
        select: &[String],
        ignore: &[String],
    ) -> Result<Self> {
        for id in select.iter().chain(ignore) {
            if !known.iter().any(|r| r.meta().id == id) {
                return Err(Error::usage(
                    format!("unknown rule `{id}`"),
                    Some(format!(
                        "known rules: {}",
                        known
                            .iter()
                            .map(|r| r.meta().id)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ));
            }
        }
        let enabled = known
            .into_iter()
            .filter(|r| select.is_empty() || select.iter().any(|s| s == r.meta().id))
            .filter(|r| !ignore.iter().any(|s| s == r.meta().id))
            .collect();
        Ok(Selection {
            enabled,
            severities: HashMap::new(),
        })
    }

    pub fn all() -> Self {
        Selection {
            enabled: registry::all().iter().collect(),
            severities: HashMap::new(),
        }
    }

    pub fn set_severity(&mut self, id: &'static str, severity: Severity) {
        self.severities.insert(id, severity);
    }

    pub fn severity(&self, id: &str) -> Option<Severity> {
        self.severities.get(id).copied().or_else(|| {
            self.enabled
                .iter()
                .find(|r| r.meta().id == id)
                .map(|r| r.meta().default_severity)
        })
    }

    pub fn rules(&self) -> impl Iterator<Item = &'static Registered> + '_ {
        self.enabled.iter().copied()
    }

    pub fn is_enabled(&self, id: &str) -> bool {
        self.enabled.iter().any(|r| r.meta().id == id)
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub selection: Selection,
    pub options: RuleOptions,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            selection: Selection::all(),
            options: RuleOptions::default(),
        }
    }
}
