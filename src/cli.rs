//! Command-line definitions (clap derive). Only this module and `app.rs`
//! know about flags.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "agentlint",
    version,
    about = "Lint what an unsupervised coding agent changed, and audit how it ran",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the changed lines of a change set.
    Check(CheckArgs),
    /// Audit an agent's telemetry after a run (design JSONL, Claude Code
    /// transcripts, Codex rollouts).
    Audit(AuditArgs),
    /// List every rule (built-in and declarative).
    Rules {
        /// Also list the declarative rules (*.toml) in DIR.
        #[arg(long, value_name = "DIR")]
        rules_dir: Option<PathBuf>,
    },
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. `broad-except`.
        rule: String,
        /// Also look in the declarative rules (*.toml) in DIR.
        #[arg(long, value_name = "DIR")]
        rules_dir: Option<PathBuf>,
    },
    /// Write a commented starter `agentlint.toml` (never overwrites).
    Init {
        /// Where to write it.
        #[arg(default_value = "agentlint.toml")]
        path: PathBuf,
    },
    /// Write a git pre-commit hook that runs `agentlint check --staged`.
    InstallHook(InstallHookArgs),
    /// Check the block files an agent wrote (BLOCKED.md) against the repository.
    Blocks(BlocksArgs),
    /// Route each task of a manifest by the design's decision matrix and
    /// check the agent config's safeguards, before a run.
    Triage(TriageArgs),
}

/// Output flags `blocks` and `triage` share with `check`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// `automationDetails.id` of the SARIF run (GitHub's analysis category).
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
    /// Only run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Read this configuration file (`agentlint.toml`, or a
    /// `pyproject.toml` with `[tool.agentlint]`) instead of searching for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BlocksArgs {
    /// Block files to check (default: every BLOCKED.md and *.blocked.md of
    /// the repository, tracked or not).
    #[arg(value_name = "BLOCKED.md")]
    pub paths: Vec<PathBuf>,
    /// The task manifest (JSON or TypeScript): block tasks are matched to it.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Exit with 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value = "warning", value_name = "SEVERITY")]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct TriageArgs {
    /// The task manifest (`task_manifest.json` or `task_manifest.ts`;
    /// default: `manifest` of agentlint.toml).
    #[arg(value_name = "MANIFEST")]
    pub manifest: Option<PathBuf>,
    /// The agent's `agent_config.yaml` (default: `agent-config` of
    /// agentlint.toml, else `agent_config.yaml` beside the manifest).
    #[arg(long, value_name = "FILE")]
    pub agent_config: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct InstallHookArgs {
    /// Replace an existing pre-commit hook.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, IDE viewers).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// One line per finding: `path:line:col: rule message`.
    Compact,
}

/// The lowest severity that makes `check` exit with 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    /// Always exit 0 when the check ran (advisory mode).
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<crate::finding::Severity> {
        use crate::finding::Severity;
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
#[group(id = "selection", multiple = false)]
pub struct SelectionArgs {
    /// Lint what changed since the merge-base of REF and HEAD: committed,
    /// staged and unstaged edits, and untracked files that are not ignored.
    #[arg(long, value_name = "REF", group = "selection")]
    pub since: Option<String>,
    /// Lint the staged contents (index against HEAD), for pre-commit.
    #[arg(long, group = "selection")]
    pub staged: bool,
    /// Lint the new side of a unified diff (`-` reads standard input).
    #[arg(long, value_name = "FILE", group = "selection")]
    pub diff: Option<PathBuf>,
    /// Lint every file under the paths; every line counts as changed.
    #[arg(long, group = "selection")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Restrict the change set to these files or directories.
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Only run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Load declarative rules (*.toml) from DIR next to the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    #[command(flatten)]
    pub inputs: PolicyInputs,
    /// Also list the findings that suppression comments silenced.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Also audit this telemetry (file, folder of *.jsonl, or `-`) and
    /// report its findings with the change's, in one report.
    #[arg(long, value_name = "TELEMETRY")]
    pub telemetry: Vec<PathBuf>,
    /// Read `--telemetry` as this format instead of detecting it.
    #[arg(long, value_enum, default_value = "auto")]
    pub telemetry_format: TelemetryFormatArg,
    /// Exit with 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value = "warning", value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// Also print how many findings each rule produced.
    #[arg(long)]
    pub statistics: bool,
    /// `automationDetails.id` of the SARIF run (GitHub's analysis category).
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
    /// The largest diff `--diff` reads (bytes, or with K, M or G); a larger
    /// one is an error.
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub max_diff_size: u64,
}

/// A size in bytes: digits with an optional K, M or G (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 10),
        Some((i, 'm' | 'M')) => (&text[..i], 20),
        Some((i, 'g' | 'G')) => (&text[..i], 30),
        _ => (text, 0),
    };
    let value: u64 = digits.trim().parse().map_err(|_| {
        format!("`{text}` is not a size: write bytes, or a number with K, M or G (e.g. 64M)")
    })?;
    value
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A size as `parse_size` reads it, in its largest exact unit.
pub fn format_size(bytes: u64) -> String {
    for (shift, unit) in [(30, "G"), (20, "M"), (10, "K")] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes} bytes")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TelemetryFormatArg {
    /// Detect each file's format from its first readable line.
    Auto,
    /// The design document's JSONL (`tool_call`, `model_output`, `checkpoint`).
    Design,
    /// Claude Code session transcripts.
    ClaudeCode,
    /// Codex CLI rollout files.
    Codex,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Telemetry files, or folders (every `*.jsonl` below), or `-` for
    /// standard input.
    #[arg(required = true, value_name = "TELEMETRY")]
    pub telemetry: Vec<PathBuf>,
    /// The agent's workspace; writes outside it are flagged. Default: each
    /// session's working directory where the telemetry records one.
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Read every input as this format instead of detecting it.
    #[arg(long, value_enum, default_value = "auto")]
    pub telemetry_format: TelemetryFormatArg,
    /// The longest telemetry line read, in bytes (default 16 MiB); a longer
    /// line is reported unreadable and skipped without being held.
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_line_length: Option<u64>,
    #[command(flatten)]
    pub inputs: PolicyInputs,
    /// Exit with 1 when a finding is at least this severe.
    #[arg(long, value_enum, default_value = "warning", value_name = "SEVERITY")]
    pub fail_on: FailOn,
    /// `automationDetails.id` of the SARIF run (GitHub's analysis category).
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
    /// Only run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The files that describe the team's policy, shared by `check` and `audit`.
#[derive(Debug, Args)]
pub struct PolicyInputs {
    /// Read this configuration file (`agentlint.toml`, or a
    /// `pyproject.toml` with `[tool.agentlint]`) instead of searching for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The task manifest (JSON, or the design's TypeScript `task_manifest.ts`):
    /// task targets, budgets and order.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// The agent's `agent_config.yaml`: forbidden patterns, workspace, shell
    /// and network rules, checkpoints.
    #[arg(long, value_name = "FILE")]
    pub agent_config: Option<PathBuf>,
}
