//! In diff mode the engine parses only the top-level statements that hold a
//! change (plus imports). This checks that doing so never changes what is
//! reported: on every file of this machine's CPython stdlib, for a few
//! pseudo-random change sets each (one starting each change on a blank line), the findings of the partial parse equal
//! the whole-file findings filtered to the same changed lines.

mod support;

use agentlint::change::{ChangeSet, ChangedFile, ChangedLines, Mode, Status};
use agentlint::engine::{self, filter};
use agentlint::settings::{Selection, Settings};
use support::stdlib;

/// A small deterministic generator (no dependency needed for this).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, bound: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % u64::from(bound.max(1))) as u32
    }
}

fn change_set(root: &std::path::Path, files: Vec<ChangedFile>) -> ChangeSet {
    ChangeSet {
        root: root.to_path_buf(),
        mode: Mode::Diff,
        files,
        notices: Vec::new(),
    }
}

#[test]
fn partial_parsing_reports_exactly_what_a_full_parse_reports() {
    let Some(root) = stdlib() else {
        eprintln!("SKIPPED: no CPython stdlib found through python3");
        return;
    };
    let mut paths = Vec::new();
    for entry in ignore::WalkBuilder::new(&root)
        .standard_filters(false)
        .filter_entry(|e| e.file_name() != "site-packages")
        .build()
        .flatten()
    {
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "py") {
            if let Ok(text) = std::fs::read(p) {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                paths.push((rel, text.iter().filter(|&&b| b == b'\n').count() as u32 + 1));
            }
        }
    }
    assert!(paths.len() > 1000, "stdlib too small: {}", paths.len());
    // The built-in rules and the shipped declarative ones (whose queries
    // see only the parsed parts, and compile only when their needles occur
    // there).
    let known = agentlint::rules::declarative::catalog(None).expect("shipped rules load");
    let settings = Settings {
        selection: Selection::from_rules(known, &[] as &[String], &[] as &[String])
            .expect("every rule"),
        ..Settings::default()
    };
    let mut rng = Lcg(42);

    // The whole-file findings, once.
    let whole: Vec<ChangedFile> = paths
        .iter()
        .map(|(p, _)| {
            let mut f = ChangedFile::new(p.clone(), Status::Modified);
            f.lines = ChangedLines::All;
            f
        })
        .collect();
    let full = engine::check(&change_set(&root, whole), &settings);

    // Change sets aimed at the findings (their anchor lines, a line or a
    // deletion inside their function), plus random ranges elsewhere.
    let mut by_file: std::collections::BTreeMap<&str, Vec<&agentlint::Finding>> =
        Default::default();
    for f in &full.findings {
        by_file.entry(f.path.as_str()).or_default().push(f);
    }
    let line_counts: std::collections::HashMap<&str, u32> =
        paths.iter().map(|(p, n)| (p.as_str(), *n)).collect();
    let mut compared = 0;
    for round in 0..4 {
        let mut files = Vec::new();
        for (path, findings) in &by_file {
            let count = line_counts.get(path).copied().unwrap_or(1);
            let mut ranges = Vec::new();
            let mut deletions = Vec::new();
            // Round 3: each change starts on the nearest blank line above
            // the finding, as when a function is added after blank lines
            // (the blank tail of the statement above is not parsed).
            let text = if round == 3 {
                std::fs::read(root.join(path)).unwrap_or_default()
            } else {
                Vec::new()
            };
            let blank_rows: Vec<u32> = text
                .split(|&b| b == b'\n')
                .enumerate()
                .filter(|(_, l)| l.iter().all(|b| b.is_ascii_whitespace()))
                .map(|(i, _)| i as u32 + 1)
                .collect();
            for f in findings {
                match (round, f.scope_lines) {
                    (3, _) => {
                        let above = blank_rows.partition_point(|&b| b < f.start.line);
                        let from = above.checked_sub(1).map_or(f.start.line, |i| blank_rows[i]);
                        ranges.push((from, f.start.line));
                    }
                    (0, _) | (_, None) => ranges.push((f.start.line, f.start.line)),
                    (1, Some((first, last))) => {
                        let l = first + rng.next(last - first + 1);
                        ranges.push((l, l));
                    }
                    (_, Some((first, last))) => {
                        deletions.push(first + rng.next((last - first).max(1)))
                    }
                }
            }
            let start = 1 + rng.next(count);
            ranges.push((start, (start + rng.next(8)).min(count)));
            let mut lines = ChangedLines::Lines {
                ranges: Vec::new(),
                deletions: Vec::new(),
            };
            if let ChangedLines::Lines {
                ranges: r,
                deletions: d,
            } = &mut lines
            {
                ranges.sort_unstable();
                for (s, e) in ranges {
                    match r.last_mut() {
                        Some(last) if s <= last.1 + 1 => last.1 = last.1.max(e),
                        _ => r.push((s, e)),
                    }
                }
                deletions.sort_unstable();
                deletions.dedup();
                *d = deletions;
            }
            let mut file = ChangedFile::new((*path).to_string(), Status::Modified);
            file.lines = lines;
            files.push(file);
        }
        // Some files without findings, with random changes: nothing to find.
        for (p, count) in paths.iter().step_by(7) {
            if by_file.contains_key(p.as_str()) {
                continue;
            }
            let start = 1 + rng.next(*count);
            let mut file = ChangedFile::new(p.clone(), Status::Modified);
            file.lines = ChangedLines::Lines {
                ranges: vec![(start, (start + 20).min(*count))],
                deletions: vec![],
            };
            files.push(file);
        }
        let partial = engine::check(&change_set(&root, files.clone()), &settings);
        let mut mismatches = Vec::new();
        for file in &files {
            let expected: Vec<_> = full
                .findings
                .iter()
                .filter(|f| f.path == file.path && filter::in_change(f, &file.lines))
                .map(|f| (f.path.clone(), f.start, f.rule))
                .collect();
            let actual: Vec<_> = partial
                .findings
                .iter()
                .filter(|f| f.path == file.path)
                .map(|f| (f.path.clone(), f.start, f.rule))
                .collect();
            compared += expected.len();
            if expected != actual {
                mismatches.push(format!(
                    "{}: expected {expected:?}, got {actual:?} for {:?}",
                    file.path, file.lines
                ));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches[..mismatches.len().min(10)].join("\n")
        );
    }
    eprintln!(
        "partial parsing: {} files x 4 change sets, {compared} findings compared",
        paths.len()
    );
}
