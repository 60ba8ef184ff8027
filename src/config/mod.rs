//! Inputs that describe what the agent was asked to do and how agentlint
//! should judge it, each typed and validated with spans for errors:
//!
//! - [`manifest`]: the task manifest (`--manifest`, JSON), the design's
//!   `AgentTask` list, and [`manifest_ts`] for the design's `task_manifest.ts`;
//! - [`agent_config`]: the agent's `agent_config.yaml` (`--agent-config`);
//! - [`file`]: agentlint's own `agentlint.toml` / `[tool.agentlint]`.
//!
//! Every problem in these files is an [`Error::Input`](crate::error::Error)
//! diagnostic pointing at the offending bytes, and ends the run with exit
//! code 2.

pub mod agent_config;
pub mod agent_config_keys;
pub mod errors;
pub mod file;
pub mod layout;
pub mod manifest;
pub mod manifest_ts;
pub mod resolve;

use crate::error::{Error, Result};
use std::ops::Range;
use std::path::Path;

/// A value with the byte range it was read from in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Range<usize>,
}

/// Reads a configuration input as UTF-8 text, with the file named in errors.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Error::input(
            path.display().to_string(),
            text,
            at..at + 1,
            format!("`{}` is not valid UTF-8", path.display()),
            "invalid byte here",
            None,
        )
    })
}

/// Byte offset of a 1-based line and 1-based character column in `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col = column.saturating_sub(1);
            return offset + l.char_indices().nth(col).map(|(b, _)| b).unwrap_or(l.len());
        }
        offset += l.len();
    }
    text.len()
}
