//! Telemetry rules, run by the audit over the normalized timeline.

pub mod checkpoint_missed;
pub mod file_proximity_batching;
pub mod network_egress;
pub mod pacing_degradation;
pub mod priority_drift;
pub mod telemetry_out_of_order;
pub mod telemetry_parse_error;
pub mod token_limit;
pub mod unsafe_shell;
pub mod write_outside_workspace;
