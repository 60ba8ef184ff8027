//! Built-in rules, one file each. See `registry.rs` for the list.

pub mod python;
pub mod telemetry;
