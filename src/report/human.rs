//! `--format human`: miette-rendered diagnostics with the source snippet,
//! then a one-line summary.

use super::Report;
use crate::finding::{Finding, Severity};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::fmt::{self, Display, Write as _};
use std::sync::Arc;

/// A finding as a miette diagnostic (severity comes from config, so the
/// trait is implemented by hand rather than derived).
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: Option<NamedSource<Arc<str>>>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.finding.message)
    }
}

impl Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        Some(Box::new(self.finding.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'b>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let span = &self.finding.span;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.finding.rule.to_string()),
                (span.start, span.end.saturating_sub(span.start)),
            ),
        )))
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for finding in &report.findings {
        let source = report
            .sources
            .get(&finding.path)
            .map(|text| NamedSource::new(&finding.path, text.clone()));
        if source.is_none() {
            // No code to show (telemetry, a deleted file): one line and the help.
            let _ = writeln!(
                out,
                "{}:{}:{}: {}[{}] {}",
                finding.path,
                finding.start.line,
                finding.start.column,
                finding.severity.as_str(),
                finding.rule,
                finding.message
            );
            if let Some(help) = &finding.help {
                let _ = writeln!(out, "  help: {help}");
            }
            continue;
        }
        let diagnostic = FindingDiagnostic { finding, source };
        if handler.render_report(&mut out, &diagnostic).is_err() {
            let _ = writeln!(out, "{}: {}", finding.rule, finding.message);
        }
    }
    for finding in &report.suppressed {
        let _ = writeln!(
            out,
            "suppressed: {}:{}:{}: {} [{}]",
            finding.path, finding.start.line, finding.start.column, finding.message, finding.rule
        );
    }
    for notice in &report.notices {
        let _ = writeln!(out, "note: {notice}");
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{} in {} checked",
        plural(s.findings, "finding"),
        plural(s.files_checked, "file"),
    );
    if s.suppressed > 0 {
        let _ = write!(line, ", {} suppressed", s.suppressed);
    }
    if s.files_skipped > 0 {
        let reasons: Vec<String> = s
            .skipped_by_reason
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let _ = write!(
            line,
            ", {} skipped ({})",
            s.files_skipped,
            reasons.join(", ")
        );
    }
    if !s.files_with_syntax_errors.is_empty() {
        let _ = write!(
            line,
            ", {} with syntax errors (linted where the parser recovered)",
            s.files_with_syntax_errors.len()
        );
    }
    if !s.files_decoded_lossily.is_empty() {
        let _ = write!(
            line,
            ", {} not valid UTF-8 (decoded lossily)",
            s.files_decoded_lossily.len()
        );
    }
    line
}
