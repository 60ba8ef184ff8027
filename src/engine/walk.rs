//! The one tree walk per file: a `TreeCursor` visits the statement-level
//! nodes once and hands each to the rules registered for its kind.

use crate::rule::{AstContext, AstRule};
use crate::rules::python::helpers::can_hold_statements;
use tree_sitter::{Language, Node};

/// Rules indexed by node kind id, built once per run.
pub struct Dispatcher {
    by_kind: Vec<Vec<&'static dyn AstRule>>,
    descend: Vec<bool>,
    rules: Vec<&'static dyn AstRule>,
}

impl Dispatcher {
    pub fn new(language: &Language, rules: Vec<&'static dyn AstRule>) -> Self {
        let count = language.node_kind_count();
        let mut by_kind: Vec<Vec<&'static dyn AstRule>> = vec![Vec::new(); count];
        for rule in &rules {
            for kind in rule.kinds() {
                let id = language.id_for_node_kind(kind, true) as usize;
                if id < count && id != 0 {
                    by_kind[id].push(*rule);
                }
            }
        }
        let descend = (0..count)
            .map(|id| {
                language
                    .node_kind_for_id(id as u16)
                    .is_some_and(can_hold_statements)
            })
            .collect();
        Dispatcher {
            by_kind,
            descend,
            rules,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rules(&self) -> &[&'static dyn AstRule] {
        &self.rules
    }

    /// Visits every node that can hold statements, and their direct
    /// children, dispatching each to its rules. Expressions are not entered:
    /// no rule looks for a statement inside one.
    pub fn walk(&self, root: Node<'_>, cx: &mut AstContext<'_>) {
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            let id = node.kind_id() as usize;
            if let Some(rules) = self.by_kind.get(id) {
                for rule in rules {
                    rule.check(node, cx);
                }
            }
            // ERROR nodes (id 65535) may hold statements after recovery.
            let descend = self.descend.get(id).copied().unwrap_or(node.is_error());
            if descend && cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }
}
