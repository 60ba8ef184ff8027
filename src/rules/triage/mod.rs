//! Checks of the task manifest and the agent config before a run
//! (`agentlint triage`).

pub mod safeguard_anti_batching;
pub mod safeguard_block_on_ambiguity;
pub mod safeguard_checkpoint_interval;
pub mod safeguard_network_scope;
pub mod safeguard_priority_order;
pub mod safeguard_shell_restrictions;
pub mod task_human_owned;
pub mod task_no_verification;
pub mod task_priority_collision;
pub mod task_same_target;
pub mod task_unscoped_logging;
pub mod task_vague_intent;
