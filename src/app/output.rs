//! Printing a report for `blocks` and `triage`, through the printers
//! `check` uses.

use crate::cli::{ColorChoice, Format, ReportArgs};
use crate::error::{Error, Result};
use crate::report::{compact, github, human, json, sarif, Report};
use crate::rule::RuleMeta;
use std::io::IsTerminal;

/// Whether human output is coloured.
pub fn color(args: &ReportArgs) -> bool {
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// `--sarif-category` needs `--format sarif`.
pub fn check_flags(args: &ReportArgs) -> Result<()> {
    if args.sarif_category.is_some() && args.format != Format::Sarif {
        return Err(Error::usage(
            "`--sarif-category` only applies to `--format sarif`",
            Some("add `--format sarif`, or drop `--sarif-category`".to_string()),
        ));
    }
    Ok(())
}

/// The report in the chosen format; `rules` are the SARIF run's rules.
pub fn render(report: &Report, args: &ReportArgs, rules: Vec<&RuleMeta>) -> String {
    match args.format {
        Format::Human => human::render(
            report,
            color(args),
            super::output_width(args.output.is_none() && std::io::stdout().is_terminal()),
        ),
        Format::Json => json::render(report),
        Format::Compact => compact::render(report),
        Format::Github => github::render(report),
        Format::Sarif => sarif::render(
            report,
            &sarif::SarifOptions {
                rules,
                category: args.sarif_category.clone(),
            },
        ),
    }
}
