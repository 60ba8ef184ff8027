//! A block file (`BLOCKED.md`) as an agent writes it when it halts, read
//! into blocks and the claims each makes about the repository.
//!
//! # Which files
//! A file named `BLOCKED.md` (any letter case) or `<name>.blocked.md`
//! ([`is_block_file`]).
//!
//! # Blocks
//! - Each heading (outside code blocks) that names a task starts a block,
//!   which runs to the next heading of the same or a higher level, or to the
//!   next task heading. Lines before the first one belong to no block (their
//!   citations and claims are still checked).
//! - A file with no such heading is one block, unless it says it holds none
//!   (`No blocked tasks`, `No blockers`, `None`): a queue file kept empty.
//! - A task is named by an id of the manifest when one is given, else by the
//!   `TASK-007` form (an uppercase prefix, a dash and digits; `PEP-8`,
//!   `UTF-8`, `SHA-256` and similar standard names are not tasks). A block's
//!   task is the one its heading names, else the first named on a
//!   `Task: …` line, else the first named in its text.
//!
//! # Claims
//! See [`claims`]: citations of code with a line, snippets that quote the
//! cited code (a code span presented by the citation, or a fenced block
//! introduced by a line that cites), dependency claims, and files said not
//! to exist. Fenced blocks are never read for citations or claims: they hold
//! code and command output.

pub mod claims;
pub mod markdown;

pub use claims::{AbsenceClaim, Citation, DependencyClaim, Quote, VersionClaim};
use markdown::{LineKind, Scan};
use std::ops::Range;
use std::sync::Arc;

/// Whether a file name is a block file's.
pub fn is_block_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    name == "blocked.md" || (name.ends_with(".blocked.md") && name.len() > ".blocked.md".len())
}

/// Fenced blocks with these info strings are output or patches, never a
/// quote of a file as it is.
const NOT_QUOTES: &[&str] = &[
    "diff",
    "patch",
    "console",
    "output",
    "log",
    "terminal",
    "shell-session",
];

/// One block: what the agent says stopped one task.
#[derive(Debug, Clone)]
pub struct Block {
    /// Byte range of the block in the file.
    pub span: Range<usize>,
    /// Where findings about the whole block point (its heading, or the
    /// file's first line of text).
    pub anchor: Range<usize>,
    /// The task it is about, with where that id is written.
    pub task: Option<(String, Range<usize>)>,
    pub citations: Vec<Citation>,
    pub quotes: Vec<Quote>,
    pub dependencies: Vec<DependencyClaim>,
    pub absences: Vec<AbsenceClaim>,
}

/// A parsed block file.
#[derive(Debug, Clone)]
pub struct BlockFile {
    /// Root-relative, `/`-separated.
    pub path: String,
    pub text: Arc<str>,
    pub blocks: Vec<Block>,
    /// Claims made outside every block (before the first task heading).
    pub loose: Block,
}

impl BlockFile {
    /// Reads `text`; `task_ids` are the manifest's (empty without one).
    pub fn parse(path: &str, text: Arc<str>, task_ids: &[String]) -> BlockFile {
        let scan = markdown::scan(&text);
        let is_task = |id: &str| task_ids.iter().any(|t| t == id) || claims::is_task_like(id);
        let sections = sections(&text, &scan, &is_task, task_ids);
        let mut blocks = Vec::new();
        let mut loose = empty_block(0..0, 0..0);
        match sections {
            Sections::None => {}
            Sections::Whole => {
                let anchor = first_text_line(&scan).unwrap_or(0..0);
                let mut block = empty_block(0..text.len(), anchor);
                fill(
                    &mut block,
                    &text,
                    &scan,
                    0..scan.lines.len(),
                    &is_task,
                    task_ids,
                );
                blocks.push(block);
            }
            Sections::Headed(ranges) => {
                if let Some(first) = ranges.first() {
                    fill(&mut loose, &text, &scan, 0..first.start, &is_task, task_ids);
                }
                for lines in ranges {
                    let span = scan.lines[lines.start].span.start
                        ..scan
                            .lines
                            .get(lines.end.saturating_sub(1))
                            .map_or(text.len(), |l| l.span.end);
                    let anchor = scan.lines[lines.start].span.clone();
                    let mut block = empty_block(span, anchor);
                    fill(&mut block, &text, &scan, lines, &is_task, task_ids);
                    blocks.push(block);
                }
            }
        }
        BlockFile {
            path: path.to_string(),
            text,
            blocks,
            loose,
        }
    }

    /// Every block, and the claims outside them, for checks that look at all
    /// claims alike.
    pub fn all_claims(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().chain(std::iter::once(&self.loose))
    }
}

fn empty_block(span: Range<usize>, anchor: Range<usize>) -> Block {
    Block {
        span,
        anchor,
        task: None,
        citations: Vec::new(),
        quotes: Vec::new(),
        dependencies: Vec::new(),
        absences: Vec::new(),
    }
}

enum Sections {
    /// The file says it holds no block.
    None,
    /// One block: the whole file.
    Whole,
    /// Line-index ranges of the blocks started by task headings.
    Headed(Vec<Range<usize>>),
}

fn sections(
    text: &str,
    scan: &Scan,
    is_task: &dyn Fn(&str) -> bool,
    manifest_ids: &[String],
) -> Sections {
    let task_headings: Vec<(usize, u8)> = scan
        .lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| match &line.kind {
            LineKind::Heading { level, text: range } => {
                (!task_mentions(&text[range.clone()], 0, is_task, &[]).is_empty()
                    || !task_mentions(&text[range.clone()], 0, is_task, manifest_ids).is_empty())
                .then_some((i, *level))
            }
            _ => None,
        })
        .collect();
    if task_headings.is_empty() {
        return if says_empty(text, scan) {
            Sections::None
        } else {
            Sections::Whole
        };
    }
    let mut ranges = Vec::new();
    for (n, (start, level)) in task_headings.iter().enumerate() {
        let next_task = task_headings
            .get(n + 1)
            .map_or(scan.lines.len(), |(i, _)| *i);
        let end = scan.lines[start + 1..next_task]
            .iter()
            .position(
                |l| matches!(l.kind, LineKind::Heading { level: other, .. } if other <= *level),
            )
            .map_or(next_task, |offset| start + 1 + offset);
        ranges.push(*start..end);
    }
    Sections::Headed(ranges)
}

/// "No blocked tasks at this time", "No blockers", or only `None` as text.
fn says_empty(text: &str, scan: &Scan) -> bool {
    static EMPTY: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let empty = EMPTY.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\bno\s+(?:(?:currently\s+)?blocked\s+tasks?|blocks|blockers|blocking\s+issues)\b",
        )
        .expect("a valid regex")
    });
    let prose: Vec<&str> = scan
        .lines
        .iter()
        .filter(|l| matches!(l.kind, LineKind::Text | LineKind::Heading { .. }))
        .map(|l| &text[l.span.clone()])
        .collect();
    prose.iter().any(|l| empty.is_match(l))
        || prose
            .iter()
            .filter(|l| !l.trim_start().starts_with('#'))
            .all(|l| {
                matches!(
                    l.trim()
                        .trim_matches(['*', '_', '.'])
                        .to_ascii_lowercase()
                        .as_str(),
                    "none" | "n/a" | ""
                )
            })
}

fn first_text_line(scan: &Scan) -> Option<Range<usize>> {
    scan.lines
        .iter()
        .find(|l| matches!(l.kind, LineKind::Text | LineKind::Heading { .. }))
        .map(|l| l.span.clone())
}

/// Reads the claims of the lines `lines` into `block`.
fn fill(
    block: &mut Block,
    text: &str,
    scan: &Scan,
    lines: Range<usize>,
    is_task: &dyn Fn(&str) -> bool,
    task_ids: &[String],
) {
    let mut task_line: Option<(String, Range<usize>)> = None;
    let mut first_mention: Option<(String, Range<usize>)> = None;
    let mut heading_task: Option<(String, Range<usize>)> = None;
    // The citations of each prose line, for the fenced blocks that follow.
    let mut line_citations: Vec<(usize, Vec<usize>)> = Vec::new();
    for index in lines.clone() {
        let line = &scan.lines[index];
        let content = &text[line.span.clone()];
        let base = line.span.start;
        match &line.kind {
            LineKind::Text | LineKind::Heading { .. } => {}
            LineKind::FenceOpen(fence) => {
                quote_fence(block, text, scan, *fence, &line_citations);
                continue;
            }
            _ => continue,
        }
        // Task ids.
        for found in task_mentions(content, base, is_task, task_ids) {
            if matches!(line.kind, LineKind::Heading { .. })
                && heading_task.is_none()
                && index == lines.start
            {
                heading_task = Some(found.clone());
            }
            let lower = content.to_ascii_lowercase();
            let labelled = lower
                .trim_start_matches(['-', '*', ' ', '#'])
                .starts_with("task");
            if labelled && task_line.is_none() {
                task_line = Some(found.clone());
            }
            if first_mention.is_none() {
                first_mention = Some(found);
            }
        }
        // Citations and the snippets that present them.
        let found = claims::citations(content, base);
        let first = block.citations.len();
        block.citations.extend(found);
        let indices: Vec<usize> = (first..block.citations.len()).collect();
        let cited: Vec<(usize, Range<usize>)> = indices
            .iter()
            .map(|&i| (i, block.citations[i].span.clone()))
            .collect();
        for (span, quote, citation) in claims::inline_quotes(content, base, &cited) {
            block.quotes.push(Quote {
                span,
                lines: vec![quote],
                citation,
            });
        }
        if !indices.is_empty() {
            line_citations.push((index, indices));
        }
        // Dependency and absence claims.
        let manifest_task = |id: &str| task_ids.iter().any(|t| t == id) || claims::is_task_like(id);
        block
            .dependencies
            .extend(claims::dependency_claims(content, base, &manifest_task));
        block.absences.extend(claims::absence_claims(content, base));
    }
    block.task = heading_task.or(task_line).or(first_mention);
}

/// Task ids in `line`: the `TASK-007` form, and the manifest's ids
/// written as words; in order, each once.
fn task_mentions(
    line: &str,
    base: usize,
    is_task: &dyn Fn(&str) -> bool,
    manifest_ids: &[String],
) -> Vec<(String, Range<usize>)> {
    let mut out: Vec<(String, Range<usize>)> = claims::task_id_pattern()
        .find_iter(line)
        .filter(|m| is_task(m.as_str()))
        .map(|m| (m.as_str().to_string(), base + m.start()..base + m.end()))
        .collect();
    for id in manifest_ids {
        let bytes = line.as_bytes();
        for (at, _) in line.match_indices(id.as_str()) {
            let end = at + id.len();
            let word = |i: usize| {
                bytes
                    .get(i)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            };
            if (at > 0 && word(at - 1)) || word(end) {
                continue;
            }
            if !out.iter().any(|(_, r)| r.start == base + at) {
                out.push((id.clone(), base + at..base + end));
            }
        }
    }
    out.sort_by_key(|(_, r)| r.start);
    out
}

/// A fenced block introduced by a line that cites (the last non-blank line
/// before it, or its info string) quotes that line's last citation.
fn quote_fence(
    block: &mut Block,
    text: &str,
    scan: &Scan,
    fence: usize,
    line_citations: &[(usize, Vec<usize>)],
) {
    let fence = &scan.fences[fence];
    let info = fence
        .info
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if NOT_QUOTES.contains(&info.as_str()) {
        return;
    }
    let body: Vec<String> = scan.lines
        [fence.body.start.min(scan.lines.len())..fence.body.end.min(scan.lines.len())]
        .iter()
        .filter(|l| !is_closing_fence(&text[l.span.clone()]))
        .map(|l| text[l.span.clone()].to_string())
        .collect();
    let body_span = scan.lines.get(fence.body.start).map_or(0..0, |first| {
        let last = scan
            .lines
            .get(fence.body.end.saturating_sub(1))
            .unwrap_or(first);
        first.span.start..last.span.end.max(first.span.start)
    });
    let open = &scan.lines[fence.open_line];
    let from_info = claims::citations(
        &fence.info,
        open.span.start + (text[open.span.clone()].len() - fence.info.len()),
    );
    // `# src/a.py:40` as the block's first line names what it quotes.
    let mut body = body;
    let mut body_span = body_span;
    let first_comment = scan
        .lines
        .get(fence.body.start)
        .filter(|_| fence.body.start < fence.body.end)
        .and_then(|line| {
            let content = &text[line.span.clone()];
            let trimmed = content.trim_start();
            let comment = ["#", "//", "--", "<!--", "/*"]
                .iter()
                .any(|c| trimmed.starts_with(c));
            comment
                .then(|| {
                    claims::citations(content, line.span.start)
                        .into_iter()
                        .next()
                })
                .flatten()
                .map(|c| (c, line.span.end))
        });
    let citation = if let Some(citation) = from_info.into_iter().next() {
        block.citations.push(citation);
        Some(block.citations.len() - 1)
    } else if let Some((citation, comment_end)) = first_comment {
        block.citations.push(citation);
        body.remove(0);
        body_span.start = (comment_end + 1).min(body_span.end);
        Some(block.citations.len() - 1)
    } else {
        // The nearest non-blank line before the fence.
        let before = (0..fence.open_line)
            .rev()
            .find(|&i| scan.lines[i].kind != LineKind::Blank);
        before.and_then(|i| {
            line_citations
                .iter()
                .find(|(line, _)| *line == i)
                .and_then(|(_, cited)| cited.last().copied())
        })
    };
    if let Some(citation) = citation {
        block.quotes.push(Quote {
            span: body_span,
            lines: claims::strip_line_numbers(body),
            citation,
        });
    }
}

fn is_closing_fence(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 3 && (t.chars().all(|c| c == '`') || t.chars().all(|c| c == '~'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, ids: &[&str]) -> BlockFile {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        BlockFile::parse("BLOCKED.md", Arc::from(text), &ids)
    }

    #[test]
    fn block_file_names() {
        assert!(
            is_block_file("BLOCKED.md")
                && is_block_file("docs/blocked.md")
                && is_block_file("run/TASK-7.blocked.md")
        );
        assert!(
            !is_block_file("fix_mysql_blocked.md")
                && !is_block_file(".blocked.md")
                && !is_block_file("BLOCKED.txt")
        );
    }

    #[test]
    fn one_block_per_task_heading() {
        let text = "# Blocked tasks\nintro cites src/a.py:1\n\n## TASK-007: timestamps\nsrc/rate.py:3 reads `x = 1`\n### details\nmore\n## Notes\nnot part of a block\n## TASK-012\nnothing cited\n";
        let f = parse(text, &[]);
        assert_eq!(f.blocks.len(), 2);
        assert_eq!(
            f.blocks[0].task.as_ref().map(|t| t.0.as_str()),
            Some("TASK-007")
        );
        assert_eq!(f.blocks[0].citations.len(), 1);
        assert_eq!(f.blocks[0].quotes[0].lines, vec!["x = 1"]);
        assert!(
            text[f.blocks[0].span.clone()].contains("more")
                && !text[f.blocks[0].span.clone()].contains("not part")
        );
        assert_eq!(
            f.blocks[1].task.as_ref().map(|t| t.0.as_str()),
            Some("TASK-012")
        );
        assert!(f.blocks[1].citations.is_empty());
        assert_eq!(
            f.loose.citations.len(),
            1,
            "the intro's citation is still read"
        );
    }

    #[test]
    fn whole_file_and_empty_queue() {
        let f = parse(
            "# BLOCKED\n\n**Task**: TASK-3\nNeeds a decision on the API.\n",
            &[],
        );
        assert_eq!(f.blocks.len(), 1);
        assert_eq!(
            f.blocks[0].task.as_ref().map(|t| t.0.as_str()),
            Some("TASK-3")
        );
        assert_eq!(&f.text[f.blocks[0].anchor.clone()], "# BLOCKED");
        let empty = "# BLOCKED TASKS\n\n## Currently blocked\n\n### No blocked tasks at this time\n\n```markdown\n### Task Name\n- **Blocker**: …\n```\n";
        assert!(parse(empty, &[]).blocks.is_empty());
        assert!(parse("# Blocked\n\nNone.\n", &[]).blocks.is_empty());
    }

    #[test]
    fn fenced_quotes_follow_a_citing_line() {
        let text = "# TASK-1\nThe reset happens at `src/rate.py:41-42`:\n\n```python\n    41→    if window:\n    42→        reset()\n```\nState of the tree:\n```\n M src/rate.py\n```\n";
        let f = parse(text, &[]);
        let b = &f.blocks[0];
        assert_eq!(b.quotes.len(), 1);
        assert_eq!(b.quotes[0].lines, vec!["    if window:", "        reset()"]);
        assert_eq!(b.citations[b.quotes[0].citation].lines, (41, 42));
    }

    #[test]
    fn manifest_ids_decide_the_tasks() {
        let text = "## Step-1 blocked on PEP-8\nsee FIX-2\n";
        assert!(parse(text, &["FIX-2"]).blocks.len() == 1);
        let f = parse(
            "## FIX-2\ntext\n## OTHER-9\nmore\n## fix-rate-limiter\n",
            &["FIX-2", "fix-rate-limiter"],
        );
        let tasks: Vec<&str> = f
            .blocks
            .iter()
            .filter_map(|b| b.task.as_ref().map(|t| t.0.as_str()))
            .collect();
        assert_eq!(
            tasks,
            ["FIX-2", "OTHER-9", "fix-rate-limiter"],
            "task-like ids and the manifest's own"
        );
    }
}
