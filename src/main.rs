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
        Command::Blocks(args) => app::blocks::run(args),
        Command::Triage(args) => app::triage::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(err) => {
            // Wrapped to the terminal's width on a terminal, not at all in a
            // file or a CI log (see `human::wrap_width`).
            use std::io::IsTerminal;
            let width = agentlint::report::human::wrap_width(
                std::env::var("COLUMNS").ok().as_deref(),
                std::io::stderr().is_terminal(),
                || terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| w.0 as usize),
            );
            let _ = miette::set_hook(Box::new(move |_| {
                let opts = miette::MietteHandlerOpts::new();
                let opts = match width {
                    Some(width) => opts.width(width),
                    None => opts.wrap_lines(false),
                };
                Box::new(opts.build())
            }));
            eprintln!("{:?}", miette::Report::new(err));
            ExitCode::from(2)
        }
    }
}
