//! Checks of the block files an agent wrote (`agentlint blocks`, and
//! `agentlint check` when a block file is in the change).

pub mod block_misquoted;
pub mod block_phantom_dependency;
pub mod block_phantom_file;
pub mod block_report_missing;
pub mod block_uncited;
pub mod block_unknown_task;
