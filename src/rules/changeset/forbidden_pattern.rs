//! forbidden-pattern: an added line matches a forbidden regex.

use crate::change::ChangedLines;
use crate::declare_rule;
use crate::rule::{Anchor, ChangeContext, ChangeRule, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Matches every added or modified line of the change against the
    /// forbidden patterns: the regexes of `[rules.forbidden-pattern]` in
    /// `agentlint.toml` and of `constraints.forbidden_patterns` in the
    /// agent's `agent_config.yaml`. One finding per line and pattern, at
    /// the first match.
    ///
    /// Symbolic names in those lists (a snake_case word such as
    /// `bare_except` or `bare_except:`) are not regexes: `bare_except`,
    /// `broad_except` (also `blind_except`, `generic_except`) and
    /// `log_not_at_entry` turn on the matching built-in rule; other names
    /// (`global_network_access`) are reported as not enforced by `check`.
    /// A pattern that is not a valid regex is a configuration error
    /// pointing at it.
    ///
    /// ## Why restrict this?
    /// Teams already write down what an agent must never produce; this rule
    /// makes that list executable on exactly the lines the agent wrote.
    ///
    /// ## Example
    /// With `forbidden_patterns: ["except Exception:"]`, an added line
    /// `    except Exception:` is flagged.
    ///
    /// Use instead: whatever the team's rule asks for (here, a specific
    /// exception type).
    ///
    /// ## Not flagged
    /// - Lines the change did not add or modify.
    /// - agentlint's own inputs (the config file, the manifest, the agent
    ///   config), which spell the patterns out.
    /// - Binary and unreadable files (counted as skipped by the check).
    ///
    /// ## Configuration
    /// ```toml
    /// [rules.forbidden-pattern]
    /// patterns = ['print\(', "bare_except"]
    /// ```
    pub ForbiddenPattern {
        id: "forbidden-pattern",
        scope: ChangeSet,
        severity: Error,
        summary: "added line matches a forbidden pattern",
    }
}

impl ChangeRule for ForbiddenPattern {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut ChangeContext<'_>) {
        let patterns = &cx.options.forbidden_patterns;
        if patterns.is_empty() {
            return;
        }
        let mut hits = Vec::new();
        for file in cx.files {
            let Some(source) = file.text else { continue };
            if file.is_input {
                continue;
            }
            let text: &str = &source.text;
            let line_count = source.lines.line_count();
            let ranges: Vec<(u32, u32)> = match &file.file.lines {
                ChangedLines::All => vec![(1, line_count)],
                ChangedLines::Lines { ranges, .. } => ranges.clone(),
            };
            for (first, last) in ranges {
                for line in first..=last.min(line_count) {
                    let Some(start) = source.lines.line_start(line) else {
                        break;
                    };
                    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
                    let content = &text[start..end];
                    for pattern in patterns {
                        if let Some(m) = pattern.regex.find(content) {
                            hits.push((
                                file.path().to_string(),
                                start + m.start()..start + m.end(),
                                pattern.regex.as_str().to_string(),
                                pattern.origin.clone(),
                            ));
                        }
                    }
                }
            }
        }
        for (path, span, pattern, origin) in hits {
            let from = if origin.is_empty() {
                String::new()
            } else {
                format!(" (from `{origin}`)")
            };
            cx.report(
                &Self::META,
                Anchor::Span { path, span },
                format!("added line matches the forbidden pattern `{pattern}`{from}"),
            )
            .help("the team's constraints forbid this; rewrite the line");
        }
    }
}
