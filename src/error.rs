//! User-facing errors: each is a miette diagnostic and ends the run with
//! exit code 2. Per-file problems are not errors; they are counted in the
//! report instead.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error, Diagnostic)]
pub enum Error {
    #[error("{message}")]
    #[diagnostic(code(agentlint::usage))]
    Usage {
        message: String,
        #[help]
        help: Option<String>,
    },

    #[error("cannot {action} `{}`", path.display())]
    #[diagnostic(code(agentlint::io))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("git {what} failed: {stderr}")]
    #[diagnostic(code(agentlint::git))]
    Git {
        what: String,
        stderr: String,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(agentlint::input))]
    Input {
        message: String,
        /// Shared, so that `Error` stays small (clippy `result_large_err`).
        #[source_code]
        src: std::sync::Arc<NamedSource<String>>,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },
}

impl Error {
    pub fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        Error::Usage {
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// An error located in an input file, pointing at `span` (a byte range).
    pub fn input(
        name: impl AsRef<str>,
        text: String,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Self {
        let start = span.start.min(text.len());
        let len = span.end.min(text.len()).saturating_sub(start);
        Error::Input {
            message: message.into(),
            src: std::sync::Arc::new(NamedSource::new(name, text)),
            span: SourceSpan::new(start.into(), len),
            label: label.into(),
            help,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
