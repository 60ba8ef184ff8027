//! Task routing by the design's decision matrix: which category a manifest
//! task falls in, the approach the design recommends for it, and the clean
//! completion rate the design measured for that category.
//!
//! # Classification (first rule that applies)
//! 1. **Product/design decision** when the intent (or a constraint) asks
//!    for a decision: words such as "decide", "choose", "which approach",
//!    "product", "pricing", "UX", "user experience", "trade-off", "whether
//!    to", "should we" ([`intent::PRODUCT`]).
//! 2. **Dependency update** when `operation` is `update_dependency`.
//! 3. **Observability/logging** when the intent mentions logging, tracing,
//!    metrics or telemetry ([`intent::LOGGING`]).
//! 4. **Style/formatting** when the intent is about formatting, style,
//!    lint or naming ([`intent::STYLE`]), or when `verification_method` is
//!    `style_check` and `operation` is not `refactor`/`fix`.
//! 5. **Bug fix (test-backed)** when `operation` is `fix` or
//!    `add_coverage` (tests are the deliverable).
//! 6. **Structural refactor** when `operation` is `refactor`.
//!
//! Words are matched case-insensitively on word boundaries. The same task
//! always gets the same category.

pub mod intent;

use crate::config::manifest::{AgentTask, Operation, VerificationMethod};
use serde::Serialize;

/// The design's task categories (its findings table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    StyleFormatting,
    TestBackedBugFix,
    DependencyUpdate,
    StructuralRefactor,
    ObservabilityLogging,
    ProductDesignDecision,
}

/// One row of the design's tables: the category, its measured outcome and
/// the recommended approach.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MatrixRow {
    pub category: Category,
    /// As the design names it.
    pub name: &'static str,
    /// Clean completion rate, percent.
    pub clean_completion: u8,
    pub rework: &'static str,
    pub drift_risk: &'static str,
    pub hallucination: &'static str,
    pub approach: Approach,
    pub why: &'static str,
}

/// The design's recommended approaches (its decision matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Approach {
    FullyAutonomous,
    AutonomousWithVerification,
    AutonomousWithConstraintValidation,
    HumanInTheLoop,
    IntentMappedAutonomous,
    HumanOwned,
}

impl Approach {
    pub fn as_str(self) -> &'static str {
        match self {
            Approach::FullyAutonomous => "fully autonomous",
            Approach::AutonomousWithVerification => "autonomous with verification",
            Approach::AutonomousWithConstraintValidation => "autonomous with constraint validation",
            Approach::HumanInTheLoop => "human-in-the-loop",
            Approach::IntentMappedAutonomous => "intent-mapped autonomous",
            Approach::HumanOwned => "human-owned",
        }
    }

    /// Whether the design lets a task of this approach run unsupervised.
    pub fn unsupervised(self) -> bool {
        !matches!(self, Approach::HumanInTheLoop | Approach::HumanOwned)
    }
}

/// The design's two tables, one row per category.
pub const MATRIX: [MatrixRow; 6] = [
    MatrixRow {
        category: Category::StyleFormatting,
        name: "Style/Formatting Fixes",
        clean_completion: 92,
        rework: "Low",
        drift_risk: "Low",
        hallucination: "<5%",
        approach: Approach::FullyAutonomous,
        why: "High predictability, low rework risk",
    },
    MatrixRow {
        category: Category::TestBackedBugFix,
        name: "Bug Fixes (Test-Backed)",
        clean_completion: 85,
        rework: "Low-Medium",
        drift_risk: "Medium",
        hallucination: "8%",
        approach: Approach::AutonomousWithVerification,
        why: "Success measurable via existing tests",
    },
    MatrixRow {
        category: Category::DependencyUpdate,
        name: "Dependency Updates",
        clean_completion: 70,
        rework: "Medium",
        drift_risk: "Medium",
        hallucination: "15%",
        approach: Approach::AutonomousWithConstraintValidation,
        why: "Version conflicts often hallucinated",
    },
    MatrixRow {
        category: Category::StructuralRefactor,
        name: "Structural Refactors",
        clean_completion: 55,
        rework: "High",
        drift_risk: "High",
        hallucination: "22%",
        approach: Approach::HumanInTheLoop,
        why: "High ambiguity, architectural risk",
    },
    MatrixRow {
        category: Category::ObservabilityLogging,
        name: "Observability/Logging",
        clean_completion: 40,
        rework: "High",
        drift_risk: "High",
        hallucination: "18%",
        approach: Approach::IntentMappedAutonomous,
        why: "Requires operational clarity",
    },
    MatrixRow {
        category: Category::ProductDesignDecision,
        name: "Product/Design Decisions",
        clean_completion: 15,
        rework: "Critical",
        drift_risk: "Critical",
        hallucination: "35%",
        approach: Approach::HumanOwned,
        why: "Cannot be encoded syntactically",
    },
];

impl Category {
    pub fn row(self) -> &'static MatrixRow {
        MATRIX
            .iter()
            .find(|r| r.category == self)
            .unwrap_or(&MATRIX[0])
    }
}

/// A task's category and what decided it.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub category: Category,
    /// Why, in words: the field or the intent words that decided it.
    pub basis: String,
}

/// Classifies one task (see the module docs).
pub fn classify(task: &AgentTask) -> Route {
    let text = task_text(task);
    let route = |category, basis: String| Route { category, basis };
    if let Some(word) = intent::first_word(&text, intent::PRODUCT) {
        return route(
            Category::ProductDesignDecision,
            format!("the intent asks for a decision (\"{word}\")"),
        );
    }
    if task.operation == Operation::UpdateDependency {
        return route(
            Category::DependencyUpdate,
            "operation `update_dependency`".into(),
        );
    }
    if let Some(word) = intent::first_word(&task.intent_statement, intent::LOGGING) {
        return route(
            Category::ObservabilityLogging,
            format!("the intent is about logging (\"{word}\")"),
        );
    }
    if let Some(word) = intent::first_word(&task.intent_statement, intent::STYLE) {
        return route(
            Category::StyleFormatting,
            format!("the intent is about style (\"{word}\")"),
        );
    }
    if task.verification_method == VerificationMethod::StyleCheck
        && !matches!(task.operation, Operation::Refactor | Operation::Fix)
    {
        return route(
            Category::StyleFormatting,
            "verified by `style_check`".into(),
        );
    }
    match task.operation {
        Operation::Fix => route(Category::TestBackedBugFix, "operation `fix`".into()),
        Operation::AddCoverage => route(
            Category::TestBackedBugFix,
            "operation `add_coverage`".into(),
        ),
        Operation::Refactor => route(Category::StructuralRefactor, "operation `refactor`".into()),
        Operation::UpdateDependency => route(
            Category::DependencyUpdate,
            "operation `update_dependency`".into(),
        ),
    }
}

/// The intent and the constraints, as one text for word matching.
pub fn task_text(task: &AgentTask) -> String {
    let mut text = task.intent_statement.clone();
    for c in &task.constraints {
        text.push('\n');
        text.push_str(c);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::manifest::TaskSpans;

    fn task(operation: Operation, verification: VerificationMethod, intent: &str) -> AgentTask {
        AgentTask {
            id: "T-1".into(),
            priority: 1,
            target_module: "src/a.py".into(),
            operation,
            intent_statement: intent.into(),
            verification_method: verification,
            constraints: Vec::new(),
            blocked_on: None,
            spans: TaskSpans::default(),
            line: 1,
        }
    }

    #[test]
    fn the_designs_tasks_and_each_category() {
        use Operation::*;
        use VerificationMethod::*;
        let c = |t: AgentTask| classify(&t).category;
        assert_eq!(c(task(Fix, UnitTest, "Correct backoff timestamp recalculation during batched requests. Ensure timestamp resets on each new batch window.")), Category::TestBackedBugFix);
        assert_eq!(
            c(task(
                Refactor,
                StyleCheck,
                "Standardize JSON output structure across all report generators."
            )),
            Category::StructuralRefactor
        );
        assert_eq!(
            c(task(
                Fix,
                StyleCheck,
                "Apply PEP-8 formatting to the parser module"
            )),
            Category::StyleFormatting
        );
        assert_eq!(
            c(task(
                UpdateDependency,
                IntegrationRun,
                "Bump requests to 2.32"
            )),
            Category::DependencyUpdate
        );
        assert_eq!(
            c(task(Fix, UnitTest, "Add a DEBUG log at function entry")),
            Category::ObservabilityLogging
        );
        assert_eq!(
            c(task(
                Refactor,
                UnitTest,
                "Decide which caching approach the product should use"
            )),
            Category::ProductDesignDecision
        );
        assert_eq!(
            c(task(
                AddCoverage,
                UnitTest,
                "Add edge-case tests for zero-delay batches"
            )),
            Category::TestBackedBugFix
        );
        let rates: Vec<u8> = MATRIX.iter().map(|r| r.clean_completion).collect();
        assert_eq!(rates, [92, 85, 70, 55, 40, 15], "the design's table");
        assert!(!Category::StructuralRefactor.row().approach.unsupervised());
        assert!(Category::ObservabilityLogging.row().approach.unsupervised());
    }
}
