//! Where each key of an `agent_config.yaml` is written, so that a finding
//! about a setting (a weakened safeguard) points at its line. The values
//! themselves come from [`super::agent_config::AgentConfig`]; this only
//! locates keys written in block style (`key: value` on its own line,
//! nested by indentation), which is how the design writes the file. A key
//! written inside a flow mapping (`{a: 1}`) is not located; findings about
//! it point at its section, or at the file's first line.

use std::collections::HashMap;
use std::ops::Range;

/// Byte ranges of keys by dotted path (`constraints.anti_batching`).
#[derive(Debug, Clone, Default)]
pub struct KeySpans {
    keys: HashMap<String, Range<usize>>,
}

impl KeySpans {
    pub fn scan(text: &str) -> KeySpans {
        let mut keys = HashMap::new();
        // (indent, key) of the enclosing mappings.
        let mut stack: Vec<(usize, String)> = Vec::new();
        let mut offset = 0;
        let mut block_scalar: Option<usize> = None;
        for raw in text.split_inclusive('\n') {
            let line = raw.trim_end_matches(['\n', '\r']);
            let start = offset;
            offset += raw.len();
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(scalar_indent) = block_scalar {
                if indent > scalar_indent {
                    continue;
                }
                block_scalar = None;
            }
            if trimmed.starts_with("- ") || trimmed == "-" || trimmed.starts_with("---") {
                continue;
            }
            let Some(colon) = key_end(trimmed) else {
                continue;
            };
            let key = trimmed[..colon]
                .trim()
                .trim_matches(['"', '\''])
                .to_string();
            while stack.last().is_some_and(|(i, _)| *i >= indent) {
                stack.pop();
            }
            let mut path: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).collect();
            path.push(&key);
            let key_start = start + indent;
            keys.insert(path.join("."), key_start..key_start + colon);
            let value = trimmed[colon + 1..].trim();
            if value.starts_with('|') || value.starts_with('>') {
                block_scalar = Some(indent);
            }
            stack.push((indent, key));
        }
        KeySpans { keys }
    }

    /// The span of the key at `path`, else of its nearest written parent.
    pub fn nearest(&self, path: &str) -> Option<(Range<usize>, bool)> {
        if let Some(span) = self.keys.get(path) {
            return Some((span.clone(), true));
        }
        let mut parts: Vec<&str> = path.split('.').collect();
        while parts.len() > 1 {
            parts.pop();
            if let Some(span) = self.keys.get(&parts.join(".")) {
                return Some((span.clone(), false));
            }
        }
        None
    }
}

/// The end of a mapping key (`key:` followed by space or the line end).
fn key_end(trimmed: &str) -> Option<usize> {
    let bytes = trimmed.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_alphanumeric() || first == b'_' || first == b'"' || first == b'\'') {
        return None;
    }
    let colon = trimmed.find(':')?;
    let after = &trimmed[colon + 1..];
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(colon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_by_path() {
        let text = "# agent_config.yaml\nsession:\n  name: \"x\"\n  checkpoint_interval_hours: 6\nenvironment:\n  shell_restrictions:\n    - \"no_sudo\"\n  notes: |\n    key: not a key\nconstraints:\n  anti_batching: true\n";
        let keys = KeySpans::scan(text);
        let line = |path: &str| {
            let (span, exact) = keys.nearest(path).unwrap();
            (
                text[..span.start].matches('\n').count() + 1,
                exact,
                &text[span],
            )
        };
        assert_eq!(
            line("session.checkpoint_interval_hours"),
            (4, true, "checkpoint_interval_hours")
        );
        assert_eq!(
            line("environment.shell_restrictions"),
            (6, true, "shell_restrictions")
        );
        assert_eq!(
            line("constraints.anti_batching"),
            (11, true, "anti_batching")
        );
        assert_eq!(
            line("constraints.block_on_ambiguity"),
            (10, false, "constraints")
        );
        assert!(keys
            .nearest("environment.notes.key")
            .is_some_and(|(_, exact)| !exact));
        assert!(keys.nearest("telemetry.log_format").is_none());
    }
}
