//! `--format human`: every finding as a miette diagnostic (rule, message,
//! the code with the anchor and any related location labelled, help), then
//! the suppressed findings on request, the notices and a summary line.
//!
//! - Findings in a file the report holds show that file's lines; findings
//!   in telemetry show their telemetry line (`Report::lines`); a finding
//!   with neither (a deleted file, standard input) shows its location.
//! - Spans are read through a line index, so a snippet costs its own lines,
//!   not the file up to it.
//! - Control characters in paths, messages and code are shown escaped
//!   (`\x1b`, `\u202e`, see `report::escape`).
//! - Text is wrapped to the terminal's width when the output is one
//!   (`COLUMNS` wins when set), and not wrapped at all in a file, a pipe or
//!   a CI log, so rule ids and paths stay whole.

use super::escape;
use super::Report;
use crate::finding::{Finding, Severity};
use crate::source::LineIndex;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::collections::HashMap;
use std::fmt::{self, Display, Write as _};
use std::sync::Arc;

/// At most this many characters of a telemetry line are shown.
const MAX_LINE_CHARS: usize = 200;

/// The width to wrap text to: `columns` (the `COLUMNS` variable) when it
/// is a number, else the terminal's width when `to_terminal`, else none (no
/// wrapping).
pub fn wrap_width(
    columns: Option<&str>,
    to_terminal: bool,
    terminal: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    if let Some(columns) = columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
    {
        return Some(columns);
    }
    if to_terminal {
        terminal().or(Some(80))
    } else {
        None
    }
}

/// A miette handler that wraps to `width`, or not at all.
pub fn handler(theme: GraphicalTheme, width: Option<usize>) -> GraphicalReportHandler {
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false);
    match width {
        Some(width) => handler.with_width(width),
        None => handler.with_wrap_lines(false),
    }
}

/// A file's text as a snippet source: read through a line index, with its
/// control characters escaped (offsets mapped by `escaped`).
struct FileCode {
    name: String,
    text: Arc<str>,
    lines: LineIndex,
    escaped: Option<escape::OffsetMap>,
}

impl FileCode {
    fn new(path: &str, text: &Arc<str>) -> FileCode {
        let (text, escaped) = match escape::source(text) {
            Some((escaped_text, map)) => (Arc::from(escaped_text), Some(map)),
            None => (text.clone(), None),
        };
        FileCode {
            name: escape::one_line(path).into_owned(),
            lines: LineIndex::new(&text),
            text,
            escaped,
        }
    }

    /// A byte range of the original text, in the shown text.
    fn span(&self, range: &std::ops::Range<usize>) -> SourceSpan {
        let (start, end) = match &self.escaped {
            Some(map) => (map.map(range.start), map.map(range.end)),
            None => (range.start, range.end),
        };
        let start = start.min(self.text.len());
        let end = end.clamp(start, self.text.len());
        (start, end - start).into()
    }
}

impl SourceCode for FileCode {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let len = self.text.len();
        let start = span.offset();
        if start > len {
            return Err(MietteError::OutOfBounds);
        }
        let end = (start + span.len()).min(len);
        // 0-based lines.
        let first = self.lines.line_of(start) as usize - 1;
        let last = self.lines.line_of(end.saturating_sub(1).max(start)) as usize - 1;
        let count = self.lines.line_count() as usize;
        let from = first.saturating_sub(before);
        let to = (last + after).min(count.saturating_sub(1));
        let line_start = |line: usize| {
            self.lines
                .line_start(line as u32 + 1)
                .unwrap_or(len)
                .min(len)
        };
        let (data_start, column) = if before == 0 {
            let in_line = &self.text[line_start(first)..start];
            (start, in_line.chars().count())
        } else {
            (line_start(from), 0)
        };
        let data_end = line_start(to + 1).max(data_start);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            if before == 0 { first } else { from },
            column,
            to + 1 - if before == 0 { first } else { from },
        )))
    }
}

/// One line of a file the report does not hold (telemetry), shown with
/// its line number.
struct LineCode {
    name: String,
    /// 0-based.
    line: usize,
    text: String,
}

impl SourceCode for LineCode {
    fn read_span<'a>(
        &'a self,
        _span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            (0, self.text.len()).into(),
            self.line,
            0,
            1,
        )))
    }
}

/// Only a location: no code to show.
struct LocationCode {
    name: String,
    line: usize,
    column: usize,
}

impl SourceCode for LocationCode {
    fn read_span<'a>(
        &'a self,
        _span: &SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            b"",
            (0, 0).into(),
            self.line,
            self.column,
            0,
        )))
    }
}

enum Code<'a> {
    File(&'a FileCode),
    Line(LineCode),
    Location(LocationCode),
}

/// A finding as a miette diagnostic (severity comes from config, so the
/// trait is implemented by hand rather than derived).
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    message: String,
    help: Option<String>,
    code: Code<'a>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        Some(Box::new(escape::one_line(self.finding.rule)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn Display + 'b>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(match &self.code {
            Code::File(code) => *code as &dyn SourceCode,
            Code::Line(code) => code,
            Code::Location(code) => code,
        })
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let rule = Some(escape::one_line(self.finding.rule).into_owned());
        let labels: Vec<LabeledSpan> = match &self.code {
            Code::File(code) => {
                let mut labels = vec![LabeledSpan::new_primary_with_span(
                    rule,
                    code.span(&self.finding.span),
                )];
                labels.extend(self.finding.related.iter().map(|r| {
                    LabeledSpan::new_with_span(
                        Some(escape::one_line(&r.message).into_owned()),
                        code.span(&r.span),
                    )
                }));
                labels
            }
            Code::Line(code) => vec![LabeledSpan::new_primary_with_span(
                rule,
                SourceSpan::from((0, code.text.len())),
            )],
            Code::Location(_) => {
                vec![LabeledSpan::new_primary_with_span(
                    rule,
                    SourceSpan::from((0, 0)),
                )]
            }
        };
        Some(Box::new(labels.into_iter()))
    }
}

/// The report as text; `width`: see [`wrap_width`].
pub fn render(report: &Report, color: bool, width: Option<usize>) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = handler(theme, width);
    let mut files: HashMap<&str, FileCode> = HashMap::new();
    let mut out = String::new();
    for finding in &report.findings {
        let code = if let Some(text) = report.sources.get(&finding.path) {
            let file = files
                .entry(finding.path.as_str())
                .or_insert_with(|| FileCode::new(&finding.path, text));
            Code::File(file)
        } else if let Some(line) = report
            .lines
            .get(&(finding.path.clone(), finding.start.line))
        {
            Code::Line(LineCode {
                name: escape::one_line(&finding.path).into_owned(),
                line: finding.start.line.saturating_sub(1) as usize,
                text: escape::one_line(&shorten(line)).into_owned(),
            })
        } else {
            Code::Location(LocationCode {
                name: escape::one_line(&finding.path).into_owned(),
                line: finding.start.line.saturating_sub(1) as usize,
                column: finding.start.column.saturating_sub(1) as usize,
            })
        };
        let diagnostic = FindingDiagnostic {
            finding,
            message: escape::message(&finding.message).into_owned(),
            help: finding
                .help
                .as_deref()
                .map(|h| escape::message(h).into_owned()),
            code,
        };
        if handler.render_report(&mut out, &diagnostic).is_err() {
            let _ = writeln!(
                out,
                "{}: {}",
                escape::one_line(finding.rule),
                escape::one_line(&finding.message)
            );
        }
    }
    for finding in &report.suppressed {
        let _ = writeln!(out, "{}", suppressed_line(finding));
    }
    for notice in &report.notices {
        let _ = writeln!(out, "note: {}", escape::one_line(notice));
    }
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

/// A suppressed finding on one line (`--show-suppressed`), in the text
/// formats: `suppressed: path:line:col: rule message`.
pub fn suppressed_line(f: &Finding) -> String {
    format!(
        "suppressed: {}:{}:{}: {} {}",
        escape::one_line(&f.path),
        f.start.line,
        f.start.column,
        escape::one_line(f.rule),
        escape::one_line(&f.message)
    )
}

/// At most [`MAX_LINE_CHARS`] characters of a line.
fn shorten(line: &str) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "2 errors, 1 warning in 2 files; 14 files checked, 1 skipped (1
/// binary); 3 suppressed": the findings by severity and the files they
/// are in, then what was checked (each file once) and skipped.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut line = if s.findings == 0 {
        "no findings".to_string()
    } else {
        let mut counts = vec![plural(s.errors, "error"), plural(s.warnings, "warning")];
        if s.notes > 0 {
            counts.push(plural(s.notes, "note"));
        }
        format!(
            "{} in {}",
            counts.join(", "),
            plural(s.files_with_findings, "file")
        )
    };
    let _ = write!(line, "; {} checked", plural(s.files_checked, "file"));
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
    if s.suppressed > 0 {
        let _ = write!(line, "; {} suppressed", s.suppressed);
    }
    if !s.files_with_syntax_errors.is_empty() {
        let _ = write!(
            line,
            "; {} with syntax errors (linted where the parser recovered)",
            s.files_with_syntax_errors.len()
        );
    }
    if !s.files_decoded_lossily.is_empty() {
        let _ = write!(
            line,
            "; {} not valid UTF-8 (decoded lossily)",
            s.files_decoded_lossily.len()
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Position, Related};
    use std::collections::BTreeMap;

    fn finding(path: &str, span: std::ops::Range<usize>, line: u32) -> Finding {
        Finding {
            rule: "log-not-at-entry",
            severity: Severity::Warning,
            path: path.into(),
            span,
            start: Position { line, column: 5 },
            end: Position { line, column: 9 },
            message: "`f` logs, but not at its entry".into(),
            help: None,
            scope_lines: None,
            related: Vec::new(),
            extra: BTreeMap::new(),
        }
    }

    fn plain(report: &Report) -> String {
        render(report, false, None)
    }

    #[test]
    fn related_locations_are_second_labels_in_their_own_snippet() {
        let mut text = String::from("def f(x):\n");
        for i in 0..30 {
            text.push_str(&format!("    y{i} = x\n"));
        }
        text.push_str("    if x:\n        log.debug('late')\n");
        let call = text.find("log.debug").unwrap();
        let mut f = finding("a.py", 4..5, 1);
        f.related.push(Related {
            span: call..call + 9,
            start: Position {
                line: 33,
                column: 9,
            },
            end: Position {
                line: 33,
                column: 18,
            },
            message: "the first logging call, inside an `if`".into(),
        });
        let mut report = Report::default();
        report
            .sources
            .insert("a.py".into(), Arc::from(text.as_str()));
        report.findings.push(f);
        report.finish();
        let out = plain(&report);
        assert!(out.contains("[a.py:1:5]"), "{out}");
        assert!(out.contains(" 1 │ def f(x):"), "{out}");
        assert!(out.contains("33 │         log.debug('late')"), "{out}");
        assert!(
            out.contains("the first logging call, inside an `if`"),
            "{out}"
        );
        // Two snippets, not the thirty lines between them.
        assert!(!out.contains("y15 = x"), "{out}");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let text = "x = 1  # \u{1b}[2J\u{202e}\n";
        let mut f = finding("evil\n::error file=x.py::forged.py", 0..1, 1);
        f.message = "bad \u{1b}[31m".into();
        let mut report = Report::default();
        report.sources.insert(f.path.clone(), Arc::from(text));
        report.findings.push(f.clone());
        f.path = "gone\r.py".into();
        report.findings.push(f);
        report.finish();
        let out = plain(&report);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{202e}'),
            "{out:?}"
        );
        assert!(!out.lines().any(|l| l.starts_with("::")), "{out}");
        assert!(out.contains("evil\\n::error file=x.py::forged.py"), "{out}");
        assert!(out.contains("# \\x1b[2J\\u202e"), "{out}");
        assert!(out.contains("[gone\\r.py:1:5]"), "{out}");
    }

    #[test]
    fn telemetry_findings_show_their_line() {
        let mut f = finding("run.jsonl", 0..0, 1834);
        f.rule = "unsafe-shell";
        f.start.column = 1;
        let mut report = Report::default();
        report.lines.insert(
            ("run.jsonl".into(), 1834),
            "{\"type\":\"tool_call\",\"tool\":\"bash\",\"command\":\"sudo rm -rf /\"}".into(),
        );
        report.findings.push(f);
        report.finish();
        let out = plain(&report);
        assert!(out.contains("[run.jsonl:1834:1]"), "{out}");
        assert!(out.contains("1834 │ {\"type\":\"tool_call\""), "{out}");
    }

    #[test]
    fn the_summary_counts_severities_and_files_once() {
        let mut report = Report::default();
        report.summary.files_checked = 3;
        let mut a = finding("a.py", 0..1, 1);
        a.severity = Severity::Error;
        let b = finding("a.py", 0..1, 2);
        let c = finding("b.py", 0..1, 1);
        report.findings = vec![c, a, b];
        report.finish();
        assert_eq!(
            summary_line(&report),
            "1 error, 2 warnings in 2 files; 3 files checked"
        );
        let mut empty = Report::default();
        empty.summary.files_checked = 1;
        empty.finish();
        assert_eq!(summary_line(&empty), "no findings; 1 file checked");
    }

    #[test]
    fn no_wrapping_off_a_terminal() {
        assert_eq!(wrap_width(None, false, || Some(120)), None);
        assert_eq!(wrap_width(None, true, || Some(120)), Some(120));
        assert_eq!(wrap_width(Some("132"), false, || None), Some(132));
        assert_eq!(wrap_width(Some("wide"), false, || None), None);
        let mut f = finding(
            "deploy/a-very-long-path/that-goes-on/config-outside-config-dir.yaml",
            0..0,
            1,
        );
        f.message = "configuration file `deploy/a-very-long-path/that-goes-on/config-outside-config-dir.yaml` changed outside the config folders (`config/`)".into();
        let mut report = Report::default();
        report.findings.push(f.clone());
        report.finish();
        let out = plain(&report);
        assert!(out.contains(&f.message), "{out}");
    }
}
