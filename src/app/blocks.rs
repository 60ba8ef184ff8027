//! `agentlint blocks`: check the block files against the repository; and
//! the block files of a change, for `agentlint check`.

use crate::blocks::{self, Inputs};
use crate::cli::BlocksArgs;
use crate::config::resolve::{self, Overrides};
use crate::error::{Error, Result};
use crate::registry::Registered;
use crate::report::Report;
use crate::settings::Settings;

pub fn run(args: &BlocksArgs) -> Result<i32> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    super::output::check_flags(&args.report)?;
    let root = crate::change::walk::find_repo_root(&cwd).unwrap_or_else(|| cwd.clone());
    let overrides = Overrides {
        config: args.report.config.clone(),
        select: args.report.select.clone(),
        ignore: args.report.ignore.clone(),
        manifest: args.manifest.clone(),
        ..Overrides::default()
    };
    let settings = resolve::settings(&cwd, &overrides)?;
    let named = if args.paths.is_empty() {
        None
    } else {
        Some(blocks::named_block_files(&root, &cwd, &args.paths)?)
    };
    let manifest_path = settings
        .manifest
        .as_deref()
        .map(|m| blocks::manifest_display_path(&root, &settings, m));
    let report = blocks::run(&Inputs {
        root: &root,
        block_files: named,
        settings: &settings,
        manifest_path,
    })?;
    let rendered = super::output::render(&report, &args.report, block_rules(&settings));
    super::write_output(args.report.output.as_deref(), &rendered)?;
    Ok(report.exit_code(args.fail_on.threshold()))
}

fn block_rules(settings: &Settings) -> Vec<&'static crate::rule::RuleMeta> {
    settings
        .selection
        .rules()
        .filter(|r| matches!(r, Registered::Blocks(_)))
        .map(|r| r.meta())
        .collect()
}

/// `agentlint check`'s hook: when block files are in the change, their
/// findings on changed lines join the check's report (block files only
/// change by whole sections, so a finding on an unchanged line was there
/// before the change).
pub fn add_to_check(
    changes: &crate::change::ChangeSet,
    settings: &Settings,
    report: &mut Report,
) -> Result<()> {
    let changed = blocks::changed_block_files(changes);
    if changed.is_empty()
        || !settings
            .selection
            .rules()
            .any(|r| matches!(r, Registered::Blocks(_)))
    {
        return Ok(());
    }
    let manifest_path = settings
        .manifest
        .as_deref()
        .map(|m| blocks::manifest_display_path(&changes.root, settings, m));
    let blocks_report = blocks::run(&Inputs {
        root: &changes.root,
        block_files: Some(changed),
        settings,
        manifest_path,
    })?;
    for finding in blocks_report.findings {
        let in_change = changes
            .files
            .iter()
            .find(|f| f.path == finding.path)
            .is_none_or(|f| crate::engine::filter::in_change(&finding, &f.lines));
        if in_change {
            if let Some(text) = blocks_report.sources.get(&finding.path) {
                report
                    .sources
                    .entry(finding.path.clone())
                    .or_insert_with(|| text.clone());
            }
            report.findings.push(finding);
        }
    }
    let own_notices = settings.notices.len();
    report
        .notices
        .extend(blocks_report.notices.into_iter().skip(own_notices));
    report.summary.skipped.extend(blocks_report.summary.skipped);
    report.summary.files_skipped += blocks_report.summary.files_skipped;
    for (reason, count) in blocks_report.summary.skipped_by_reason {
        *report.summary.skipped_by_reason.entry(reason).or_default() += count;
    }
    report.finish();
    Ok(())
}
