//! Keeps the findings that belong to the change.

use crate::change::ChangedLines;
use crate::finding::Finding;

/// Whether a finding is part of the change: its anchor line changed, or,
/// for function-level findings, any line of its scope did.
pub fn in_change(finding: &Finding, lines: &ChangedLines) -> bool {
    match finding.scope_lines {
        Some((first, last)) => lines.touches(first, last),
        None => lines.contains(finding.start.line),
    }
}
