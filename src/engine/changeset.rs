//! The change-set stage: after the AST rules, the file-level policies run
//! once over the whole change (with the task manifest), and their findings
//! join the report before the filter stage.

use super::Loader;
use crate::change::{ChangeSet, ChangedFile, Content, Mode, Status};
use crate::finding::{Finding, Position};
use crate::registry::Registered;
use crate::report::Report;
use crate::rule::{Anchor, ChangeContext, ChangeFile, ChangeFinding, ChangeRule};
use crate::settings::Settings;
use crate::source::{looks_binary, Source};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Runs the selected change-set rules and adds their findings (and the
/// texts they point into) to `report`.
pub(super) fn run(
    changes: &ChangeSet,
    settings: &Settings,
    loader: &Loader<'_>,
    report: &mut Report,
) {
    let rules: Vec<&'static dyn ChangeRule> = settings
        .selection
        .rules()
        .filter_map(|r| match r {
            Registered::Change(rule) => Some(*rule),
            _ => None,
        })
        .collect();
    if rules.is_empty() {
        return;
    }
    if changes.mode == Mode::All {
        if settings.manifest.is_some() || !settings.options.forbidden_patterns.is_empty() {
            report.notices.push(
                "change-set rules (scope, budgets, tests, config, forbidden patterns) judge a change; they do not run with `--all`".into(),
            );
        }
        return;
    }
    report.judged_by_change_rules();
    let inputs: Vec<&Path> = settings.input_files.iter().map(|p| p.as_path()).collect();
    let canonical_root = loader.canonical_root;
    // Texts are read only where a rule needs them: every file for the
    // forbidden patterns, untracked files for their line count; the files
    // with findings are read afterwards, to anchor them.
    let scan_all = !settings.options.forbidden_patterns.is_empty()
        && rules.iter().any(|r| r.meta().id == "forbidden-pattern");
    // config-outside-config-dir judges pyproject.toml and the like by the
    // key a change is in.
    let by_content = |path: &str| {
        rules
            .iter()
            .any(|r| r.meta().id == "config-outside-config-dir")
            && settings.options.config_files.mixed(path).is_some()
    };
    let sources: Vec<Option<Source>> = changes
        .files
        .par_iter()
        .map(|file| {
            let uncounted = file.status == Status::Added && file.added == 0 && file.deleted == 0;
            (scan_all || uncounted || by_content(&file.path))
                .then(|| load(file, loader))
                .flatten()
        })
        .collect();
    let files: Vec<ChangeFile<'_>> = changes
        .files
        .iter()
        .zip(&sources)
        .map(|(file, source)| {
            let (mut added, deleted) = (file.added, file.deleted);
            if file.status == Status::Added && added == 0 && deleted == 0 {
                // Untracked files come without counts: every line is added.
                if let Some(source) = source {
                    added = count_lines(&source.text);
                }
            }
            ChangeFile {
                file,
                changed_lines: added + deleted,
                added,
                deleted,
                text: source.as_ref(),
                is_input: inputs.contains(&canonical_root.join(&file.path).as_path()),
            }
        })
        .collect();
    let manifest = settings.manifest.as_deref();
    let mut cx = ChangeContext::new(&files, &settings.options, manifest);
    for rule in &rules {
        rule.check(&mut cx);
    }
    let findings = cx.into_findings();
    if findings.is_empty() {
        return;
    }
    let manifest_path = manifest.map(|m| {
        settings
            .manifest_file
            .as_ref()
            .filter(|abs| abs.starts_with(canonical_root))
            .map(|abs| crate::change::walk::relative_path(canonical_root, abs))
            .unwrap_or_else(|| m.path.display().to_string())
    });
    let mut late: HashMap<String, Source> = HashMap::new();
    for finding in &findings {
        let (Anchor::Line { path, .. } | Anchor::Span { path, .. }) = &finding.anchor else {
            continue;
        };
        let known = files.iter().any(|f| f.path() == path && f.text.is_some());
        if known || late.contains_key(path) {
            continue;
        }
        if let Some(source) = files
            .iter()
            .find(|f| f.path() == path)
            .and_then(|f| load(f.file, loader))
        {
            late.insert(path.clone(), source);
        }
    }
    let source_of = |path: &str| {
        files
            .iter()
            .find(|f| f.path() == path)
            .and_then(|f| f.text)
            .or_else(|| late.get(path))
    };
    for finding in findings {
        let resolved = resolve(
            finding,
            &source_of,
            manifest,
            manifest_path.as_deref(),
            settings,
            report,
        );
        report.findings.push(resolved);
    }
}

fn load(file: &ChangedFile, loader: &Loader<'_>) -> Option<Source> {
    if matches!(
        file.status,
        Status::Deleted | Status::Binary | Status::NotAFile | Status::Submodule
    ) {
        return None;
    }
    let bytes = match &file.content {
        Content::WorkTree => loader.read(&file.path).ok()?,
        Content::Bytes(bytes) => bytes.as_ref().clone(),
        Content::None => return None,
    };
    if looks_binary(&bytes) {
        return None;
    }
    Some(Source::from_bytes(file.path.clone(), bytes))
}

/// Lines as `git diff --numstat` counts them for a new file.
fn count_lines(text: &str) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    let unterminated = !text.is_empty() && !text.ends_with('\n');
    (newlines + usize::from(unterminated)) as u32
}

fn resolve<'s>(
    finding: ChangeFinding,
    source_of: &dyn Fn(&str) -> Option<&'s Source>,
    manifest: Option<&crate::config::manifest::Manifest>,
    manifest_path: Option<&str>,
    settings: &Settings,
    report: &mut Report,
) -> Finding {
    let severity = settings
        .selection
        .severity(finding.rule.id)
        .unwrap_or(finding.rule.default_severity);
    let located =
        |path: &str, span: std::ops::Range<usize>, source: Option<&Source>, report: &mut Report| {
            match source {
                Some(source) => {
                    report
                        .sources
                        .entry(path.to_string())
                        .or_insert_with(|| source.text.clone());
                    (
                        span.clone(),
                        source.position(span.start),
                        source.position(span.end),
                    )
                }
                None => (
                    0..0,
                    Position { line: 1, column: 1 },
                    Position { line: 1, column: 1 },
                ),
            }
        };
    let (path, (span, start, end)) = match finding.anchor {
        Anchor::Line { path, line } => {
            let source = source_of(&path);
            let resolved = match source {
                Some(source) => {
                    let start = source.lines.line_start(line).unwrap_or(source.text.len());
                    let end = source.text[start..]
                        .find('\n')
                        .map_or(source.text.len(), |i| start + i);
                    let end = if source.text[..end].ends_with('\r') {
                        end - 1
                    } else {
                        end
                    };
                    located(&path, start..end.max(start), Some(source), report)
                }
                None => (
                    0..0,
                    Position { line, column: 1 },
                    Position { line, column: 1 },
                ),
            };
            (path, resolved)
        }
        Anchor::Span { path, span } => {
            let source = source_of(&path);
            let resolved = located(&path, span, source, report);
            (path, resolved)
        }
        Anchor::Manifest { span } => {
            let path = manifest_path.unwrap_or("task manifest").to_string();
            let resolved = match manifest {
                Some(m) => {
                    let source = Source::from_bytes(path.clone(), m.text.as_bytes().to_vec());
                    located(&path, span, Some(&source), report)
                }
                None => located(&path, span, None, report),
            };
            (path, resolved)
        }
    };
    Finding {
        rule: finding.rule.id,
        severity,
        path,
        span,
        start,
        end,
        message: finding.message,
        help: finding.help,
        scope_lines: None,
        related: Vec::new(),
        extra: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::count_lines;

    #[test]
    fn counts_lines_like_numstat() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a\n"), 1);
        assert_eq!(count_lines("a\nb"), 2);
        assert_eq!(count_lines("a\n\n"), 2);
    }
}
