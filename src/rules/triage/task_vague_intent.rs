use crate::declare_rule;
use crate::routing::intent;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags a task whose intent states no success condition (none of
    /// "ensure", "so that", "must", "preserve", "returns", "each", … in
    /// `routing::intent::SUCCESS`), or that asks to "clean up", "improve",
    /// "refactor", "simplify" (… `VAGUE`) without naming the structure to
    /// reach: no target word ("into", "extract", "split", "replace",
    /// "standardize", "pattern", … `TARGET`) and no code named (an
    /// identifier, `code`, a path).
    ///
    /// ## Why is this bad?
    /// "Clean up config loading" leaves the agent to guess between several
    /// valid approaches: blocks and rework follow (pitfall 6, ambiguous
    /// refactor directives). An intent that says what done looks like is
    /// one the agent can reach and a reviewer can check.
    ///
    /// ## Example
    /// ```json
    /// {"id": "TASK-015", "operation": "refactor", "intent_statement": "Clean up config loading", ...}
    /// ```
    ///
    /// Use instead: "Move config loading into `ConfigLoader.load()`, one
    /// method per source; ensure every caller gets the same dict as before."
    ///
    /// ## Not flagged
    /// An intent with a success condition, and improvement verbs with a
    /// named target.
    pub TaskVagueIntent {
        id: "task-vague-intent",
        scope: Triage,
        severity: Warning,
        summary: "a task with no success condition, or an open-ended refactor with no target",
    }
}

impl TriageRule for TaskVagueIntent {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let mut hits = Vec::new();
        for (index, task) in cx.manifest.tasks.iter().enumerate() {
            let text = &task.intent_statement;
            let vague = intent::first_word(text, intent::VAGUE)
                .filter(|_| !intent::has_any(text, intent::TARGET) && !intent::names_code(text));
            if let Some(word) = vague {
                hits.push((
                    index,
                    format!(
                        "task {} asks to \"{word}\" without naming the structure to reach",
                        task.id
                    ),
                ));
            } else if !intent::has_any(text, intent::SUCCESS) {
                hits.push((
                    index,
                    format!("task {}'s intent states no success condition", task.id),
                ));
            }
        }
        for (index, message) in hits {
            cx.report_task(&Self::META, index, message)
                .help("say what done looks like (\"ensure …\", \"so that …\") and, for a refactor, the target pattern and file boundaries");
        }
    }
}
