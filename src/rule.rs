//! What a rule is: its metadata (id, documentation, default severity) and
//! the traits through which the engine runs it. Rules only ever emit
//! findings through the context they are handed.

use crate::change::{ChangedFile, Status};
use crate::config::manifest::Manifest;
use crate::finding::Severity;
use crate::rules::python::helpers::Bindings;
use crate::settings::RuleOptions;
use crate::source::Source;
use std::ops::Range;
use tree_sitter::Node;

pub mod blocks;
pub mod triage;

/// Which stage of the engine runs a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A syntax-tree rule over Python sources.
    Python,
    /// A file-level policy over the change set.
    ChangeSet,
    /// A check over an agent's telemetry.
    Telemetry,
    /// A check of the block files (`BLOCKED.md`) against the repository.
    Blocks,
    /// A check of the task manifest and agent config before a run.
    Triage,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Python => "python",
            Scope::ChangeSet => "change-set",
            Scope::Telemetry => "telemetry",
            Scope::Blocks => "blocks",
            Scope::Triage => "triage",
        }
    }
}

/// Static description of a rule; its documentation is its doc comment.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case id naming the flagged pattern ("allow broad-except").
    pub id: &'static str,
    pub scope: Scope,
    pub default_severity: Severity,
    /// One line for rule tables and SARIF `shortDescription`.
    pub summary: &'static str,
    /// Markdown documentation (What it does / Why / Example / Not flagged).
    pub docs: &'static str,
}

impl RuleMeta {
    /// The documentation with the one leading space of each `/// ` line removed.
    pub fn docs_text(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim_end().to_string()
    }
}

/// Declares a rule's unit struct and its `RuleMeta` from a doc comment, so
/// the documentation cannot drift away from the code.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis $name:ident {
            id: $id:literal,
            scope: $scope:ident,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            pub const META: $crate::rule::RuleMeta = $crate::rule::RuleMeta {
                id: $id,
                scope: $crate::rule::Scope::$scope,
                default_severity: $crate::finding::Severity::$sev,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// A raw finding as a rule emits it: byte span in the source, no position yet.
#[derive(Debug, Clone)]
pub struct RawFinding {
    pub rule: &'static RuleMeta,
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
    /// Byte range whose lines make the finding part of the change when any
    /// of them changed (function-level rules); `None` means the anchor line.
    pub scope: Option<Range<usize>>,
    /// Other byte ranges of the file the reader needs to see, each with
    /// what it shows.
    pub related: Vec<(Range<usize>, String)>,
}

/// What an AST rule sees of the file it runs on, and where it reports.
pub struct AstContext<'a> {
    pub source: &'a [u8],
    pub options: &'a RuleOptions,
    root: Node<'a>,
    bindings: std::cell::OnceCell<Bindings>,
    pub(crate) findings: Vec<RawFinding>,
}

impl<'a> AstContext<'a> {
    pub fn new(source: &'a [u8], root: Node<'a>, options: &'a RuleOptions) -> Self {
        AstContext {
            source,
            options,
            root,
            bindings: std::cell::OnceCell::new(),
            findings: Vec::new(),
        }
    }

    /// What the file's names are bound to (imports, rebound builtins),
    /// collected on first use only.
    pub fn bindings(&self) -> &Bindings {
        self.bindings
            .get_or_init(|| Bindings::collect(self.root, self.source))
    }

    /// The source text of a node ("" if it is not valid UTF-8, which cannot
    /// happen for sources the loader decoded).
    pub fn text(&self, node: Node<'_>) -> &'a str {
        std::str::from_utf8(&self.source[node.byte_range()]).unwrap_or("")
    }

    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        span: Range<usize>,
        message: String,
    ) -> &mut RawFinding {
        self.findings.push(RawFinding {
            rule,
            span,
            message,
            help: None,
            scope: None,
            related: Vec::new(),
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    pub fn into_findings(self) -> Vec<RawFinding> {
        self.findings
    }
}

impl RawFinding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
    pub fn scope(&mut self, scope: Range<usize>) -> &mut Self {
        self.scope = Some(scope);
        self
    }
    pub fn related(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Self {
        self.related.push((span, message.into()));
        self
    }
}

/// A rule that runs on the syntax tree of a Python file, called by the one
/// tree walk for every node whose kind it registered.
pub trait AstRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Node kinds this rule is dispatched on.
    fn kinds(&self) -> &'static [&'static str];
    /// The file must contain at least one of these byte strings for the rule
    /// to possibly fire; lets the engine skip parsing files that cannot
    /// matter. Empty: no such shortcut.
    fn needles(&self, options: &RuleOptions) -> Vec<Vec<u8>>;
    fn check(&self, node: Node<'_>, cx: &mut AstContext<'_>);
    /// A declarative rule (rules/*.toml) runs as a tree-sitter query in
    /// the engine's query pass instead of the walk; it registers no kinds.
    fn as_query(&self) -> Option<&crate::rules::declarative::QueryRule> {
        None
    }
}

/// A changed file as the change-set rules see it.
#[derive(Debug)]
pub struct ChangeFile<'a> {
    pub file: &'a ChangedFile,
    /// Added + deleted lines as `git diff --numstat` counts them; for a
    /// new file whose selection gave no counts (untracked), its line count.
    pub changed_lines: u32,
    pub added: u32,
    pub deleted: u32,
    /// The new side's text, when it could be read (not deleted, binary,
    /// a symlink, or outside the repository).
    pub text: Option<&'a Source>,
    /// One of agentlint's own inputs (config file, manifest, agent config).
    pub is_input: bool,
}

impl ChangeFile<'_> {
    pub fn path(&self) -> &str {
        &self.file.path
    }

    /// The first changed line of the new side (1 for new and deleted files).
    pub fn first_changed_line(&self) -> u32 {
        if self.file.status == Status::Deleted {
            return 1;
        }
        self.file.lines.first_line().unwrap_or(1)
    }
}

/// Where a change-set finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A whole line of a changed file (1-based).
    Line { path: String, line: u32 },
    /// A byte range in a changed file's text.
    Span { path: String, span: Range<usize> },
    /// A byte range in the task manifest.
    Manifest { span: Range<usize> },
}

/// A finding of a change-set rule, before it is positioned.
#[derive(Debug, Clone)]
pub struct ChangeFinding {
    pub rule: &'static RuleMeta,
    pub anchor: Anchor,
    pub message: String,
    pub help: Option<String>,
}

/// What a change-set rule sees: every changed file, the options and the
/// task manifest; findings go through [`ChangeContext::report`].
pub struct ChangeContext<'a> {
    pub files: &'a [ChangeFile<'a>],
    pub options: &'a RuleOptions,
    pub manifest: Option<&'a Manifest>,
    pub(crate) findings: Vec<ChangeFinding>,
}

impl<'a> ChangeContext<'a> {
    pub fn new(
        files: &'a [ChangeFile<'a>],
        options: &'a RuleOptions,
        manifest: Option<&'a Manifest>,
    ) -> Self {
        ChangeContext {
            files,
            options,
            manifest,
            findings: Vec::new(),
        }
    }

    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        anchor: Anchor,
        message: String,
    ) -> &mut ChangeFinding {
        self.findings.push(ChangeFinding {
            rule,
            anchor,
            message,
            help: None,
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    pub fn into_findings(self) -> Vec<ChangeFinding> {
        self.findings
    }
}

impl ChangeFinding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

/// A file-level policy over the change set (config files, line budgets,
/// scope, tests, forbidden patterns), run once per check after the AST
/// rules.
pub trait ChangeRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut ChangeContext<'_>);

    /// Judges the files an agent's telemetry shows it wrote (including files
    /// it later reverted), for the rules where that makes sense.
    fn check_telemetry(&self, _cx: &mut crate::audit::AuditContext<'_>) {}
}

/// A check over an agent's normalized telemetry: it reads the whole
/// timeline (every session, in time order) and the audit policy, and
/// reports through the context (see `crate::audit::AuditContext`).
pub trait TelemetryRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut crate::audit::AuditContext<'_>);

    /// Whether the rule judges each session on its own. The audit then runs
    /// it on one session at a time as the sessions are loaded (a timeline
    /// of one session), so that memory does not follow the number of
    /// sessions; the other rules see every session's writes at once.
    fn per_session(&self) -> bool {
        false
    }

    /// Whether the rule, besides judging each session on its own, judges
    /// each shell, web or model-output event on its own: the audit then
    /// also runs it on chunks of a session's events that a read kept apart
    /// (a session of millions of reported commands is not held at once).
    fn per_event(&self) -> bool {
        false
    }
}
