use crate::declare_rule;
use crate::rule::blocks::{BlockAnchor, BlockContext, BlockRule, CitedFile};

declare_rule! {
    /// ## What it does
    /// Flags a snippet a block presents as the cited code that is not
    /// there: not within 5 lines of the cited lines. A snippet is a code
    /// span right after a citation (`` `src/a.py:42`: `reset = now` ``,
    /// "… line 42 reads `reset = now`") or right before one ("`reset = now`
    /// at src/a.py:42"), or a fenced code block that follows a line citing
    /// code. Whitespace runs count as one space; a fenced snippet's lines
    /// must appear in order on consecutive lines (a `...` line skips any
    /// number), each within its file line; line numbers copied from a file
    /// viewer (`42→`, `42:`, `42 |`) are ignored. `diff`, `console` and
    /// `output` blocks are not quotes.
    ///
    /// ## Why is this bad?
    /// A misquoted line is the clearest sign of a hallucinated constraint:
    /// the agent "remembers" code that is not in the file it names.
    ///
    /// ## Example
    /// ```markdown
    /// `src/rate_limiter.py:42`: `self._window_start = request.arrival`
    /// ```
    /// (line 42 reads `self._window_start = time.monotonic()`)
    ///
    /// ## Not flagged
    /// A snippet found within 5 lines of the citation, code spans that are
    /// not presented as the cited code ("src/a.py:9 calls `helper()`"), and
    /// snippets of a citation that is itself wrong (that is
    /// block-phantom-file).
    pub BlockMisquoted {
        id: "block-misquoted",
        scope: Blocks,
        severity: Error,
        summary: "a block quotes code that is not at or near the cited line",
    }
}

/// How far from the cited lines a quote may be and still be "near".
pub const NEAR_LINES: u32 = 5;

impl BlockRule for BlockMisquoted {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut BlockContext<'_>) {
        let mut hits = Vec::new();
        for (index, file) in cx.files.iter().enumerate() {
            for block in file.all_claims() {
                for quote in &block.quotes {
                    let Some(citation) = block.citations.get(quote.citation) else {
                        continue;
                    };
                    let Some(resolved) = cx.cited.get(&citation.path) else {
                        continue;
                    };
                    let CitedFile::Text(source) = &resolved.file else {
                        continue;
                    };
                    let lines: Vec<&str> = source.text.lines().collect();
                    let (first, last) = citation.lines;
                    if first == 0 || last as usize > lines.len() {
                        continue;
                    }
                    let wanted: Vec<String> = quote.lines.iter().map(|l| normalize(l)).collect();
                    if wanted.iter().all(|l| l.is_empty() || is_elision(l)) {
                        continue;
                    }
                    let lo = first.saturating_sub(NEAR_LINES).max(1);
                    let hi = (last + NEAR_LINES).min(lines.len() as u32);
                    if find(&lines, &wanted, lo, hi).is_some() {
                        continue;
                    }
                    let path = resolved.path.as_deref().unwrap_or(&citation.path);
                    let elsewhere = find(&lines, &wanted, 1, lines.len() as u32);
                    let shown: String = quote
                        .lines
                        .iter()
                        .find(|l| !l.trim().is_empty())
                        .map(|l| l.trim().chars().take(60).collect())
                        .unwrap_or_default();
                    let help = match elsewhere {
                        Some(line) => format!("it is at line {line} of `{path}`; cite that line"),
                        None => format!(
                            "`{path}` does not contain it anywhere; quote the file as it is"
                        ),
                    };
                    let cited = if first == last {
                        format!("line {first}")
                    } else {
                        format!("lines {first}-{last}")
                    };
                    hits.push((
                        index,
                        quote.span.clone(),
                        format!("the quoted `{shown}` is not at or near `{path}` {cited} (searched lines {lo}-{hi})"),
                        help,
                    ));
                }
            }
        }
        for (file, span, message, help) in hits {
            cx.report(&Self::META, BlockAnchor::Block { file, span }, message)
                .help(help);
        }
    }
}

/// Whitespace runs as one space, trimmed.
pub fn normalize(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_elision(line: &str) -> bool {
    matches!(
        line.trim_start_matches(['#', '/', ' ']).trim(),
        "..." | "…" | "# ..." | "// ..."
    )
}

/// The first 1-based line in `lo..=hi` where the quote starts: its
/// non-blank lines, in order, each inside a line of the file, consecutive
/// except across an elision (`...`). One-line quotes may also span the
/// line break between two lines.
fn find(lines: &[&str], wanted: &[String], lo: u32, hi: u32) -> Option<u32> {
    let parts: Vec<&String> = wanted.iter().filter(|l| !l.is_empty()).collect();
    if parts.is_empty() || lo > hi {
        return None;
    }
    let file: Vec<String> = lines.iter().map(|l| normalize(l)).collect();
    if parts.len() == 1 && !is_elision(parts[0]) {
        let needle = parts[0];
        if let Some(i) = (lo..=hi).find(|&l| file[l as usize - 1].contains(needle.as_str())) {
            return Some(i);
        }
        // Across a line break: "a(\n  b)" quoted as "a( b)".
        return (lo..hi).find(|&l| {
            let i = l as usize - 1;
            format!("{} {}", file[i], file[i + 1]).contains(needle.as_str())
        });
    }
    'start: for start in lo..=hi {
        let mut at = start as usize - 1;
        let mut gap = false;
        let mut first = true;
        for part in &parts {
            if is_elision(part) {
                gap = true;
                continue;
            }
            loop {
                if at >= file.len() || (first && at > start as usize - 1) {
                    continue 'start;
                }
                if file[at].contains(part.as_str()) {
                    break;
                }
                if !gap {
                    continue 'start;
                }
                at += 1;
            }
            first = false;
            gap = false;
            at += 1;
        }
        return Some(start);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(lines: &[&str], quote: &[&str], lo: u32, hi: u32) -> Option<u32> {
        let wanted: Vec<String> = quote.iter().map(|l| normalize(l)).collect();
        find(lines, &wanted, lo, hi)
    }

    #[test]
    fn finds_quotes_in_the_window() {
        let file = [
            "def f():",
            "    x = 1",
            "    if x:",
            "        g(x,",
            "          y)",
            "    return x",
        ];
        assert_eq!(at(&file, &["x = 1"], 1, 6), Some(2));
        assert_eq!(at(&file, &["if x:", "g(x,"], 1, 6), Some(3));
        assert_eq!(at(&file, &["def f():", "...", "return x"], 1, 6), Some(1));
        assert_eq!(
            at(&file, &["g(x, y)"], 1, 6),
            Some(4),
            "across a line break"
        );
        assert_eq!(
            at(&file, &["x = 1", "return x"], 1, 6),
            None,
            "not consecutive"
        );
        assert_eq!(at(&file, &["return x"], 1, 3), None, "outside the window");
        assert_eq!(at(&file, &["x  =  1"], 2, 2), Some(2), "whitespace runs");
    }
}
