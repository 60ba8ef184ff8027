//! agentlint: a policy linter and post-run auditor for the output of
//! unsupervised coding agents.
//!
//! The flow reads in one direction:
//! `change` (select the change) -> `source` (load) -> `engine` (parse, run
//! rules, filter to the change) -> `report` (print). Rules never print and
//! printers never decide.

pub mod app;
pub mod audit;
pub mod block_file;
pub mod blocks;
pub mod change;
pub mod cli;
pub mod config;
pub mod deps;
pub mod engine;
pub mod error;
pub mod finding;
pub mod hook;
pub mod registry;
pub mod report;
pub mod routing;
pub mod rule;
pub mod rules;
pub mod settings;
pub mod source;
pub mod triage;

pub use error::Error;
pub use finding::{Finding, Severity};
