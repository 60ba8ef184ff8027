//! bare-except: `except:` with no exception type (ruff E722).

use crate::declare_rule;
use crate::rule::{AstContext, AstRule, RuleMeta};
use crate::rules::python::helpers::{handler_parts, is_bare_raise};
use crate::settings::RuleOptions;
use tree_sitter::Node;

declare_rule! {
    /// ## What it does
    /// Checks for `except:` clauses that name no exception type.
    ///
    /// ## Why is this bad?
    /// A bare `except:` catches everything, including `KeyboardInterrupt`,
    /// `SystemExit` and `GeneratorExit`. An agent working unsupervised reaches
    /// for it to make an error path "work": the failure disappears, the run
    /// looks green, and the bug surfaces in production with no trace. The
    /// design's output standards say: use specific exception types, never a
    /// bare `except:`.
    ///
    /// ## Example
    /// ```python
    /// try:
    ///     config = load(path)
    /// except:
    ///     config = {}
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// try:
    ///     config = load(path)
    /// except FileNotFoundError:
    ///     config = {}
    /// ```
    ///
    /// ## Not flagged
    /// A bare `except:` whose body re-raises with a plain `raise` statement at
    /// its top level (cleanup-then-propagate), exactly as ruff's E722.
    ///
    /// ## References
    /// - ruff E722 (`bare-except`), PEP 8 "Programming Recommendations"
    pub BareExcept {
        id: "bare-except",
        scope: Python,
        severity: Error,
        summary: "`except:` with no exception type",
    }
}

impl AstRule for BareExcept {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn kinds(&self) -> &'static [&'static str] {
        &["except_clause"]
    }

    fn needles(&self, _: &RuleOptions) -> Vec<Vec<u8>> {
        vec![b"except".to_vec()]
    }

    /// bare-except
    fn check(&self, clause: Node<'_>, cx: &mut AstContext<'_>) {
        let handler = handler_parts(clause);
        if !handler.types.is_empty() {
            return;
        }
        // A clause without a body is an error-recovery artefact, not code.
        let Some(body) = handler.body else {
            return;
        };
        let mut cursor = body.walk();
        let reraises = body
            .named_children(&mut cursor)
            .any(|stmt| stmt.kind() == "raise_statement" && is_bare_raise(stmt));
        if reraises {
            return;
        }
        let Some(keyword) = clause.child(0) else {
            return;
        };
        cx.report(
            &Self::META,
            keyword.byte_range(),
            "do not use bare `except:`".to_string(),
        )
        .help("catch the specific exceptions the `try` body raises");
    }
}
