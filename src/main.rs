//! The agentlint binary: parse arguments, run, map errors to exit codes
//! (0 clean, 1 findings, 2 usage or runtime error).

use agentlint::app;
use agentlint::cli::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => app::check(args),
        Command::Audit(args) => app::audit(args),
        Command::Rules { rules_dir } => app::rules(rules_dir.as_deref()),
        Command::Explain { rule, rules_dir } => app::explain(rule, rules_dir.as_deref()),
        Command::Init { path } => app::init(path),
        Command::InstallHook(args) => app::install_hook(args),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            eprintln!("{:?}", miette::Report::new(err));
            ExitCode::from(2)
        }
    }
}
