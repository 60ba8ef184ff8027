//! `--format sarif`: one SARIF 2.1.0 log with one run, shaped for GitHub
//! code scanning (see docs/ci.md). Built from serde-sarif's types so the
//! field names and nesting come from the schema, not from us.
//!
//! - `tool.driver.rules[]` describes every rule of the run (and any rule a
//!   finding names that the caller did not list), with the rule's
//!   documentation as `help`.
//! - Locations are relative to the repository root (`uriBaseId:
//!   "%SRCROOT%"`), columns count Unicode code points, end columns are
//!   exclusive, exactly as `Finding` holds them.
//! - `partialFingerprints["agentlint/v1"]` hashes the rule, the path, the
//!   whitespace-normalized text of the anchor line and the occurrence among
//!   identical anchors, never the line number: moving code above a finding
//!   keeps its fingerprint, so code scanning does not reopen the alert.

use super::Report;
use crate::finding::{Finding, Severity};
use crate::rule::RuleMeta;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag,
    Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Suppression, Tool, ToolComponent,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// The final OASIS schema as published on SchemaStore (Multitool SARIF1011
/// accepts this one).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base every result's `artifactLocation.uri` is relative to.
pub const SRCROOT: &str = "%SRCROOT%";
/// The key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "agentlint/v1";

/// What the SARIF printer needs beyond the report.
#[derive(Debug, Clone, Default)]
pub struct SarifOptions<'a> {
    /// Rules the run could report, in the order they are listed.
    pub rules: Vec<&'a RuleMeta>,
    /// `runs[0].automationDetails.id` (GitHub: the analysis category).
    pub category: Option<String>,
}

pub fn render(report: &Report, options: &SarifOptions<'_>) -> String {
    let log = build(report, options);
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}

/// The SARIF log as typed values (tests inspect it without re-parsing).
pub fn build(report: &Report, options: &SarifOptions<'_>) -> Sarif {
    let (descriptors, index) = descriptors(
        options,
        report
            .findings
            .iter()
            .chain(&report.suppressed)
            .map(|f| f.rule),
    );
    let rule_index = |f: &Finding| index.get(f.rule).copied().unwrap_or(0);
    let mut results: Vec<SarifResult> = report
        .findings
        .iter()
        .zip(fingerprints(report))
        .map(|(f, fp)| result(f, rule_index(f), fp))
        .collect();
    // Findings silenced by a suppression comment, present only with
    // `--show-suppressed`: reported as suppressed in source, so viewers
    // (and code scanning) show them as such instead of as open.
    results.extend(
        report
            .suppressed
            .iter()
            .zip(fingerprints_of(&report.suppressed, report))
            .map(|(f, fp)| {
                let mut r = result(f, rule_index(f), fp);
                r.suppressions = Some(vec![Suppression::builder()
                    .kind(serde_json::Value::from("inSource"))
                    .status(serde_json::Value::from("accepted"))
                    .build()]);
                r
            }),
    );
    assemble(descriptors, results, options)
}

/// `render` for a report of findings only (no suppressed findings, no
/// file texts: an audit's), written as the findings come so that they are
/// never all in memory: the same bytes. `rules_seen` are the findings'
/// rules in the order they first appear; `findings` calls the function it
/// is given once per finding, in report order.
pub fn write_findings(
    out: &mut dyn Write,
    options: &SarifOptions<'_>,
    rules_seen: &[&str],
    findings: &mut crate::audit::print::EachItem<'_, Finding>,
) -> io::Result<()> {
    let (descriptors, index) = descriptors(options, rules_seen.iter().copied());
    let log = assemble(descriptors, Vec::new(), options);
    let text = serde_json::to_string_pretty(&log).map_err(io::Error::other)?;
    // The run's (empty) results, where the results are written.
    const EMPTY: &str = "\n      \"results\": []";
    let at = text
        .find(EMPTY)
        .ok_or_else(|| io::Error::other("SARIF log without a results array"))?;
    out.write_all(&text.as_bytes()[..at])?;
    out.write_all(b"\n      \"results\": ")?;
    let mut seen = HashMap::new();
    let mut first = true;
    findings(&mut |f| {
        let fp = fingerprint(f, None, &mut seen);
        let r = result(f, index.get(f.rule).copied().unwrap_or(0), fp);
        let item = serde_json::to_string_pretty(&r).map_err(io::Error::other)?;
        out.write_all(if first {
            b"[\n        "
        } else {
            b",\n        "
        })?;
        first = false;
        // JSON text breaks lines only between tokens: indenting each line
        // gives what pretty-printing the whole log gives.
        out.write_all(item.replace('\n', "\n        ").as_bytes())
    })?;
    out.write_all(if first { b"[]" } else { b"\n      ]" })?;
    out.write_all(&text.as_bytes()[at + EMPTY.len()..])?;
    out.write_all(b"\n")
}

/// A descriptor for every rule of the run, then for every other rule in
/// `finding_rules` (so that `ruleIndex` always points somewhere valid),
/// with the index of each rule id.
fn descriptors<'r>(
    options: &SarifOptions<'_>,
    finding_rules: impl Iterator<Item = &'r str>,
) -> (Vec<ReportingDescriptor>, HashMap<String, usize>) {
    let mut descriptors: Vec<ReportingDescriptor> =
        options.rules.iter().map(|m| descriptor(m)).collect();
    let mut index: HashMap<String, usize> = options
        .rules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.to_string(), i))
        .collect();
    for rule in finding_rules {
        if !index.contains_key(rule) {
            index.insert(rule.to_string(), descriptors.len());
            descriptors.push(unknown_descriptor(rule));
        }
    }
    (descriptors, index)
}

/// The log around the results.
fn assemble(
    descriptors: Vec<ReportingDescriptor>,
    results: Vec<SarifResult>,
    options: &SarifOptions<'_>,
) -> Sarif {
    let driver = ToolComponent::builder()
        .name("agentlint")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors)
        .build();

    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_string(),
        ArtifactLocation::builder()
            .description(text_message(
                "The root of the repository that was checked; every result's path is relative to it.",
            ))
            .build(),
    );

    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .original_uri_base_ids(base_ids)
        .build();
    if let Some(category) = options.category.as_deref().filter(|c| !c.is_empty()) {
        run.automation_details = Some(
            RunAutomationDetails::builder()
                .id(automation_id(category))
                .build(),
        );
    }

    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build()
}

/// GitHub reads everything up to the last `/` of `automationDetails.id` as
/// the category; a trailing `/` makes the whole value the category.
fn automation_id(category: &str) -> String {
    if category.ends_with('/') {
        category.to_string()
    } else {
        format!("{category}/")
    }
}

fn text_message(text: impl Into<String>) -> Message {
    Message::builder().text(text.into()).build()
}

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Note => ResultLevel::Note,
    }
}

/// `bare-except` -> `BareExcept` (SARIF2012 asks for Pascal-case names that
/// differ from the id).
fn pascal_case(id: &str) -> String {
    id.split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The first paragraph of a `## Heading` section of a rule's docs, joined
/// into one line.
fn section_paragraph(docs: &str, heading: &str) -> Option<String> {
    let mut lines = docs.lines().skip_while(|l| l.trim() != heading).skip(1);
    let paragraph: Vec<&str> = lines
        .by_ref()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

fn with_period(text: &str) -> String {
    let trimmed = text.trim_end();
    if trimmed.ends_with(['.', '!', '?']) {
        trimmed.to_string()
    } else {
        format!("{trimmed}.")
    }
}

fn descriptor(meta: &RuleMeta) -> ReportingDescriptor {
    let docs = meta.docs_text();
    let what = section_paragraph(&docs, "## What it does").unwrap_or_else(|| meta.summary.into());
    let why = section_paragraph(&docs, "## Why is this bad?")
        .or_else(|| section_paragraph(&docs, "## Why restrict this?"));
    let full = match why {
        Some(why) => format!("{} {}", with_period(&what), with_period(&why)),
        None => with_period(&what),
    };
    let kind = if docs.contains("## Why restrict this?") {
        "policy"
    } else {
        "quality"
    };
    let help = format!("{}\n\n{}", with_period(meta.summary), docs);
    ReportingDescriptor::builder()
        .id(meta.id)
        .name(pascal_case(meta.id))
        .short_description(
            MultiformatMessageString::builder()
                .text(with_period(meta.summary))
                .build(),
        )
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(
            MultiformatMessageString::builder()
                .text(help.clone())
                .markdown(help)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::Value::from(meta.default_severity.as_str()))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec![meta.scope.as_str().to_string(), kind.to_string()])
                .build(),
        )
        .build()
}

/// A descriptor for a rule id the run knows nothing else about (rules
/// loaded from data later, or telemetry checks not in the list given).
fn unknown_descriptor(id: &str) -> ReportingDescriptor {
    let text = format!("agentlint rule `{id}`.");
    let plain = MultiformatMessageString::builder()
        .text(text.clone())
        .build();
    ReportingDescriptor::builder()
        .id(id)
        .name(pascal_case(id))
        .short_description(plain.clone())
        .full_description(plain)
        .help(
            MultiformatMessageString::builder()
                .text(format!(
                    "{text} Run `agentlint explain {id}` for its documentation."
                ))
                .markdown(format!(
                    "{text} Run `agentlint explain {id}` for its documentation."
                ))
                .build(),
        )
        .build()
}

/// Characters percent-encoded in a URI path segment (RFC 3986 `pchar`
/// minus the separators we keep); non-ASCII is always encoded.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A root-relative `/`-separated path as a relative URI reference.
pub fn path_to_uri(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            let encoded = utf8_percent_encode(seg, SEGMENT).to_string();
            // A `:` in the first segment would read as a URI scheme.
            encoded.replace(':', "%3A")
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Where a finding's file is: relative to `%SRCROOT%` (every file of the
/// change), or an absolute `file:` URI for an input given from outside the
/// repository (a task manifest in another folder), which code scanning
/// cannot show but which stays valid SARIF.
fn artifact_location(path: &str) -> ArtifactLocation {
    if path.is_empty() {
        return ArtifactLocation::default();
    }
    if let Some(absolute) = path.strip_prefix('/') {
        return ArtifactLocation::builder()
            .uri(format!("file:///{}", path_to_uri(absolute)))
            .build();
    }
    ArtifactLocation::builder()
        .uri(path_to_uri(path))
        .uri_base_id(SRCROOT)
        .build()
}

fn result(f: &Finding, rule_index: usize, fingerprint: String) -> SarifResult {
    let artifact = artifact_location(&f.path);
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .build();
    // Line 0 means "no line" (a finding about a whole file): no region then.
    if f.start.line > 0 {
        let start_column = f.start.column.max(1);
        let (end_line, end_column) = if (f.end.line, f.end.column) >= (f.start.line, start_column) {
            (f.end.line, f.end.column.max(1))
        } else {
            (f.start.line, start_column)
        };
        physical.region = Some(
            Region::builder()
                .start_line(i64::from(f.start.line))
                .start_column(i64::from(start_column))
                .end_line(i64::from(end_line))
                .end_column(i64::from(end_column))
                .build(),
        );
    }
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(FINGERPRINT_KEY.to_string(), fingerprint);

    let mut extra: BTreeMap<String, serde_json::Value> = f.extra.clone();
    if let Some(help) = &f.help {
        extra.insert("help".into(), serde_json::Value::from(help.as_str()));
    }

    // The other places the reader needs (the first misplaced logging call).
    let related: Vec<Location> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut physical = PhysicalLocation::builder()
                .artifact_location(artifact_location(&f.path))
                .build();
            if r.start.line > 0 {
                let start_column = r.start.column.max(1);
                let (end_line, end_column) =
                    if (r.end.line, r.end.column) >= (r.start.line, start_column) {
                        (r.end.line, r.end.column.max(1))
                    } else {
                        (r.start.line, start_column)
                    };
                physical.region = Some(
                    Region::builder()
                        .start_line(i64::from(r.start.line))
                        .start_column(i64::from(start_column))
                        .end_line(i64::from(end_line))
                        .end_column(i64::from(end_column))
                        .build(),
                );
            }
            Location::builder()
                .id(i as i64)
                .physical_location(physical)
                .message(text_message(with_period(&r.message)))
                .build()
        })
        .collect();
    let mut result = SarifResult::builder()
        .rule_id(f.rule)
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(text_message(with_period(&f.message)))
        .locations(vec![Location::builder()
            .physical_location(physical)
            .build()])
        .partial_fingerprints(fingerprints)
        .build();
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    if !extra.is_empty() {
        result.properties = Some(PropertyBag::builder().additional_properties(extra).build());
    }
    result
}

/// Collapses runs of whitespace and trims, so re-indenting a line or
/// changing its line ending does not change its fingerprint.
fn normalize(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of 1-based `line` of `text`, if it exists.
fn line_text(text: &str, line: u32) -> Option<&str> {
    let index = (line as usize).checked_sub(1)?;
    text.split('\n').nth(index)
}

/// One fingerprint per finding, in report order: `<hash>:<occurrence>`,
/// where the hash covers rule, path and the normalized anchor line (the
/// message when the file's text is not in the report, e.g. telemetry), and
/// the occurrence counts earlier findings with the same hash (from 1).
pub fn fingerprints(report: &Report) -> Vec<String> {
    fingerprints_of(&report.findings, report)
}

/// Fingerprints of `findings`, with the file texts of `report`.
fn fingerprints_of(findings: &[Finding], report: &Report) -> Vec<String> {
    let mut seen = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let source = report.sources.get(&f.path).map(|text| &**text);
            fingerprint(f, source, &mut seen)
        })
        .collect()
}

/// The fingerprint of the next finding, `source` being its file's text;
/// `seen` counts the earlier findings of each hash.
fn fingerprint(f: &Finding, source: Option<&str>, seen: &mut HashMap<[u8; 8], u32>) -> String {
    let anchor = source
        .and_then(|text| line_text(text, f.start.line))
        .map(|line| format!("line\0{}", normalize(line)))
        .unwrap_or_else(|| format!("message\0{}", normalize(&f.message)));
    let mut hasher = Sha256::new();
    for part in [f.rule, "\0", &f.path, "\0", &anchor] {
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    let hash: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let n = seen.entry(key).or_insert(0);
    *n += 1;
    format!("{hash}:{n}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_of_kebab_ids() {
        assert_eq!(pascal_case("bare-except"), "BareExcept");
        assert_eq!(pascal_case("log-not-at-entry"), "LogNotAtEntry");
        assert_eq!(pascal_case("x"), "X");
    }

    #[test]
    fn uris_are_percent_encoded_relative_references() {
        assert_eq!(path_to_uri("src/app.py"), "src/app.py");
        assert_eq!(path_to_uri("my dir/a#b.py"), "my%20dir/a%23b.py");
        assert_eq!(path_to_uri("c:/x.py"), "c%3A/x.py");
        assert_eq!(path_to_uri("é.py"), "%C3%A9.py");
        assert_eq!(path_to_uri("100%.py"), "100%25.py");
    }

    #[test]
    fn absolute_paths_become_file_uris_without_a_base() {
        let loc = artifact_location("/tmp/my tasks/manifest.json");
        assert_eq!(
            loc.uri.as_deref(),
            Some("file:///tmp/my%20tasks/manifest.json")
        );
        assert_eq!(loc.uri_base_id, None);
        let loc = artifact_location("src/a.py");
        assert_eq!(loc.uri.as_deref(), Some("src/a.py"));
        assert_eq!(loc.uri_base_id.as_deref(), Some(SRCROOT));
    }

    #[test]
    fn category_always_ends_with_a_slash() {
        assert_eq!(automation_id("agentlint"), "agentlint/");
        assert_eq!(automation_id("agentlint/py/"), "agentlint/py/");
    }

    #[test]
    fn section_paragraph_reads_the_first_paragraph() {
        let docs = "## What it does\nChecks for\n`except:`.\n\nMore.\n\n## Why is this bad?\nBad.";
        assert_eq!(
            section_paragraph(docs, "## What it does").as_deref(),
            Some("Checks for `except:`.")
        );
        assert_eq!(
            section_paragraph(docs, "## Why is this bad?").as_deref(),
            Some("Bad.")
        );
        assert_eq!(section_paragraph(docs, "## Example"), None);
    }
}
