use crate::declare_rule;
use crate::rule::blocks::{BlockAnchor, BlockContext, BlockRule, CitedFile};

declare_rule! {
    /// ## What it does
    /// Flags a citation in a block file whose file does not exist in the
    /// repository, is a folder, leads outside the repository, or has fewer
    /// lines than the line cited; and a file the block says does not exist
    /// ("`config/limits.yaml` is missing") that does.
    ///
    /// Paths are root-relative (`./` allowed); an absolute path counts when
    /// it or its tail names a file of the repository (the agent's workspace
    /// path is not the reviewer's); a bare file name counts when exactly one
    /// file of the repository has it. A path several files share, or a file
    /// that was not read (too large, binary, a symbolic link), is reported as
    /// not verified.
    ///
    /// ## Why is this bad?
    /// A block that rests on a missing file, or on line 240 of a 90-line
    /// file, is a hallucinated constraint: the agent stopped for a reason
    /// that is not in the code.
    ///
    /// ## Example
    /// ```markdown
    /// `src/rate_limiter_v2.py:14` defines the batch window, which TASK-007 contradicts.
    /// ```
    /// (the repository has `src/rate_limiter.py` only)
    ///
    /// ## Not flagged
    /// A citation of an existing file within its length, and a path named
    /// without a line (a file to create, or one said to be absent, is not a
    /// claim about existing code unless the block says it does not exist).
    pub BlockPhantomFile {
        id: "block-phantom-file",
        scope: Blocks,
        severity: Error,
        summary: "a block cites a file that does not exist, or a line beyond its end",
    }
}

impl BlockRule for BlockPhantomFile {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut BlockContext<'_>) {
        let mut hits: Vec<(usize, std::ops::Range<usize>, String, Option<String>)> = Vec::new();
        let mut notices = Vec::new();
        for (index, file) in cx.files.iter().enumerate() {
            for block in file.all_claims() {
                for citation in &block.citations {
                    let Some(resolved) = cx.cited.get(&citation.path) else {
                        continue;
                    };
                    let (first, last) = citation.lines;
                    let cited = if first == last {
                        format!("line {first}")
                    } else {
                        format!("lines {first}-{last}")
                    };
                    let at = cx.location(index, citation.span.start);
                    match &resolved.file {
                        CitedFile::Missing => hits.push((
                            index,
                            citation.span.clone(),
                            format!("`{}` does not exist in the repository", citation.path),
                            Some("check the path against the tree; a block must cite code that is there".into()),
                        )),
                        CitedFile::Directory => hits.push((
                            index,
                            citation.span.clone(),
                            format!("`{}` is a folder, not a file with lines", citation.path),
                            None,
                        )),
                        CitedFile::Outside => hits.push((
                            index,
                            citation.span.clone(),
                            format!("`{}` leads outside the repository, so it cannot be checked", citation.path),
                            Some("cite files of the repository, relative to its root".into()),
                        )),
                        CitedFile::Text(source) => {
                            let count = line_count(&source.text);
                            if last > count || first == 0 {
                                let path = resolved.path.as_deref().unwrap_or(&citation.path);
                                hits.push((
                                    index,
                                    citation.span.clone(),
                                    format!("`{path}` has {count} line{}, but the block cites {cited}", if count == 1 { "" } else { "s" }),
                                    Some("cite the line as the file is now".into()),
                                ));
                            }
                        }
                        CitedFile::Ambiguous(paths) => notices.push(format!(
                            "{at}: `{}` names {} files ({}); the citation was not verified",
                            citation.path,
                            paths.len(),
                            paths.iter().take(3).map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")
                        )),
                        CitedFile::NotRead(why) => notices.push(format!("{at}: `{}` was not read ({why}); the citation was not verified", citation.path)),
                    }
                }
                for absence in &block.absences {
                    if cx.exists.get(&absence.path).copied().unwrap_or(false) {
                        hits.push((
                            index,
                            absence.span.clone(),
                            format!(
                                "the block says `{}` does not exist, but it does",
                                absence.path
                            ),
                            Some("a block must not rest on a missing file that is there".into()),
                        ));
                    }
                }
            }
        }
        for notice in notices {
            cx.notice(notice);
        }
        for (file, span, message, help) in hits {
            let finding = cx.report(&Self::META, BlockAnchor::Block { file, span }, message);
            if let Some(help) = help {
                finding.help(help);
            }
        }
    }
}

/// Lines as an editor numbers them (a final line without `\n` counts).
pub fn line_count(text: &str) -> u32 {
    let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    (newlines + usize::from(!text.is_empty() && !text.ends_with('\n'))) as u32
}
