//! What a block-file rule sees: every block file read, the files they cite
//! as the driver found them, the repository's declared dependencies and
//! the task manifest. Findings point into a block file or the manifest.

use crate::block_file::BlockFile;
use crate::config::manifest::Manifest;
use crate::deps::DependencyIndex;
use crate::rule::RuleMeta;
use crate::source::Source;
use std::collections::HashMap;
use std::ops::Range;

/// What became of a path a block cites.
#[derive(Debug, Clone)]
pub enum CitedFile {
    /// A text file of the repository.
    Text(Source),
    /// No such file in the repository.
    Missing,
    /// A folder, not a file.
    Directory,
    /// The path leads outside the repository; never read.
    Outside,
    /// A bare file name that several files of the repository have.
    Ambiguous(Vec<String>),
    /// Not read (too large, binary, a symbolic link, unreadable): why.
    NotRead(String),
}

/// A cited path, resolved against the repository.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The root-relative path it was found as (`/opt/ws/src/a.py` and
    /// `a.py` can both be `src/a.py`).
    pub path: Option<String>,
    pub file: CitedFile,
}

/// Where a block-file finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockAnchor {
    /// A byte range of `BlockContext::files[file]`.
    Block { file: usize, span: Range<usize> },
    /// A byte range of the task manifest.
    Manifest { span: Range<usize> },
}

#[derive(Debug, Clone)]
pub struct BlockFinding {
    pub rule: &'static RuleMeta,
    pub anchor: BlockAnchor,
    pub message: String,
    pub help: Option<String>,
}

impl BlockFinding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

pub struct BlockContext<'a> {
    pub files: &'a [BlockFile],
    /// Every path cited with a line, as written, resolved.
    pub cited: &'a HashMap<String, Resolved>,
    /// Every path a block says does not exist, as written: whether it
    /// exists (a root-relative file or folder).
    pub exists: &'a HashMap<String, bool>,
    pub deps: &'a DependencyIndex,
    pub manifest: Option<&'a Manifest>,
    pub(crate) findings: Vec<BlockFinding>,
    /// Claims that could not be checked, said so in the report.
    pub(crate) notices: Vec<String>,
}

impl<'a> BlockContext<'a> {
    pub fn new(
        files: &'a [BlockFile],
        cited: &'a HashMap<String, Resolved>,
        exists: &'a HashMap<String, bool>,
        deps: &'a DependencyIndex,
        manifest: Option<&'a Manifest>,
    ) -> Self {
        BlockContext {
            files,
            cited,
            exists,
            deps,
            manifest,
            findings: Vec::new(),
            notices: Vec::new(),
        }
    }

    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        anchor: BlockAnchor,
        message: String,
    ) -> &mut BlockFinding {
        self.findings.push(BlockFinding {
            rule,
            anchor,
            message,
            help: None,
        });
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// Something that could not be verified, for the report's notices.
    pub fn notice(&mut self, text: String) {
        self.notices.push(text);
    }

    /// `BLOCKED.md:12`: where a byte offset of a block file is, for messages.
    pub fn location(&self, file: usize, offset: usize) -> String {
        let f = &self.files[file];
        let line = f.text[..offset.min(f.text.len())].matches('\n').count() + 1;
        format!("{}:{line}", f.path)
    }

    pub fn into_parts(self) -> (Vec<BlockFinding>, Vec<String>) {
        (self.findings, self.notices)
    }
}

/// A check of the block files an agent wrote against the repository.
pub trait BlockRule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &mut BlockContext<'_>);
}
