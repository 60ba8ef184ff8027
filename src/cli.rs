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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint the changed lines of a change set.
    Check(CheckArgs),
    /// Audit an agent's telemetry after a run (design JSONL, Claude Code
    /// transcripts, Codex rollouts).
    Audit(AuditArgs),
    /// List every rule.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. `broad-except`.
        rule: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
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
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Colour in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
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
