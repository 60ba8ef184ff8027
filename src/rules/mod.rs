//! Built-in rules, one file each. See `registry.rs` for the list.

pub mod blocks;
pub mod changeset;
pub mod declarative;
pub mod python;
pub mod telemetry;
pub mod triage;
