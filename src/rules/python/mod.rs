//! Python syntax-tree rules and the grammar helpers they share.

pub mod bare_except;
pub mod broad_except;
pub mod helpers;
pub mod log_not_at_entry;
