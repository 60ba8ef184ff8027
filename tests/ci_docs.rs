//! docs/ci.md and .pre-commit-hooks.yaml name agentlint command lines that
//! users copy; every one of them must parse with the real command line, so
//! the recipes cannot drift from the flags.

use agentlint::cli::Cli;
use clap::Parser;
use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

/// Every `agentlint <subcommand> ...` command line in `text` (up to the end
/// of the line or a trailing `# comment`).
fn command_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        for sub in ["agentlint check", "agentlint install-hook"] {
            if let Some(at) = line.find(sub) {
                let rest = &line[at..];
                let rest = rest.split(" #").next().unwrap_or(rest);
                // Inline code in prose ends at the backtick.
                let rest = rest.split('`').next().unwrap_or(rest);
                out.push(rest.trim().to_string());
            }
        }
    }
    out
}

fn parses(command: &str) -> Result<(), String> {
    let argv = shell_words::split(command).map_err(|e| format!("{command}: {e}"))?;
    Cli::try_parse_from(&argv)
        .map(|_| ())
        .map_err(|e| format!("{command}: {e}"))
}

#[test]
fn every_command_in_docs_ci_parses() {
    let doc = read("docs/ci.md");
    let commands = command_lines(&doc);
    assert!(commands.len() >= 6, "{commands:#?}");
    assert!(
        commands
            .iter()
            .any(|c| c.contains("--format sarif") && c.contains("--output agentlint.sarif")),
        "the code scanning recipe is there: {commands:#?}"
    );
    let failures: Vec<String> = commands.iter().filter_map(|c| parses(c).err()).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_recipes_keep_what_code_scanning_needs() {
    let doc = read("docs/ci.md");
    for needle in [
        "fetch-depth: 0",
        "github/codeql-action/upload-sarif",
        "if: always()",
        "security-events: write",
        "GIT_DEPTH: 0",
        "--fail-on never",
        "continue-on-error",
    ] {
        assert!(doc.contains(needle), "docs/ci.md lost `{needle}`");
    }
}

#[test]
fn pre_commit_manifest_entries_parse() {
    let manifest = read(".pre-commit-hooks.yaml");
    let entries: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.trim().strip_prefix("entry: "))
        .collect();
    assert_eq!(
        entries,
        ["agentlint check --staged", "agentlint check --all"]
    );
    assert!(manifest.contains("- id: agentlint\n"));
    assert!(manifest.contains("- id: agentlint-all\n"));
    assert!(manifest.contains("pass_filenames: false"));
    // pre-commit appends `args:` and, for the second hook, file names.
    parses(entries[0]).expect("staged hook");
    parses(&format!("{} --fail-on error a.py b/c.py", entries[1])).expect("files hook");
}
