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
    /// Read this configuration file (`agentlint.toml`, or a
    /// `pyproject.toml` with `[tool.agentlint]`) instead of searching for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The task manifest (JSON) for the change-set rules.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// The agent's `agent_config.yaml`.
    #[arg(long, value_name = "FILE")]
    pub agent_config: Option<PathBuf>,
    /// Also list the findings that suppression comments silenced.
    #[arg(long)]
    pub show_suppressed: bool,
}
