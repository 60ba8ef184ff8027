//! `requirements*.txt` (pip's format): one requirement a line. Comments,
//! blank lines, options (`-r`, `-c`, `--index-url`, `--hash`, ...) and
//! line continuations are handled; `-e` / URL lines count when they name
//! the package (`#egg=name`).

use super::{python_declaration, Declaration, Ecosystem, Requirement};

pub fn read(file: &str, text: &str) -> Vec<Declaration> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut first_line = 0u32;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        if logical.is_empty() {
            first_line = line_no;
        }
        // A comment starts at `#` preceded by whitespace or at the line start.
        let without_comment = match raw.find(" #").or_else(|| raw.starts_with('#').then_some(0)) {
            Some(at) => &raw[..at],
            None => raw,
        };
        if let Some(continued) = without_comment.trim_end().strip_suffix('\\') {
            logical.push_str(continued);
            logical.push(' ');
            continue;
        }
        logical.push_str(without_comment);
        let entry = std::mem::take(&mut logical);
        if let Some(d) = entry_declaration(file, first_line, entry.trim()) {
            out.push(d);
        }
    }
    if !logical.trim().is_empty() {
        if let Some(d) = entry_declaration(file, first_line, logical.trim()) {
            out.push(d);
        }
    }
    out
}

fn entry_declaration(file: &str, line: u32, entry: &str) -> Option<Declaration> {
    if entry.is_empty() {
        return None;
    }
    // Hashes and other per-requirement options follow the requirement.
    let requirement = entry.split(" --").next().unwrap_or(entry).trim();
    if let Some(editable) = requirement
        .strip_prefix("-e")
        .or_else(|| requirement.strip_prefix("--editable"))
    {
        return egg(file, line, editable.trim());
    }
    if requirement.starts_with('-') {
        return None;
    }
    if requirement.contains("://") && !requirement.contains(" @ ") {
        return egg(file, line, requirement);
    }
    python_declaration(file, line, requirement, None)
}

/// `git+https://…#egg=name` / `./path#egg=name`.
fn egg(file: &str, line: u32, source: &str) -> Option<Declaration> {
    let name = source.split("#egg=").nth(1)?.split('&').next()?.trim();
    (!name.is_empty()).then(|| Declaration {
        ecosystem: Ecosystem::Python,
        name: name.to_string(),
        requirement: Requirement::Source(source.to_string()),
        written: source.to_string(),
        file: file.to_string(),
        line,
        required_by: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pips_format() {
        let text = "# base\n-r common.txt\n--index-url https://example.invalid/simple\nrequests==2.31.0 \\\n    --hash=sha256:abc\nurllib3>=1.21.1,<3  # transitive\n-e git+https://example.invalid/x.git#egg=xpkg\nidna; python_version<'3.8'\n\n";
        let got: Vec<(String, String, u32)> = read("requirements.txt", text)
            .into_iter()
            .map(|d| (d.name, d.written, d.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("requests".into(), "==2.31.0".into(), 4),
                ("urllib3".into(), ">=1.21.1,<3".into(), 6),
                (
                    "xpkg".into(),
                    "git+https://example.invalid/x.git#egg=xpkg".into(),
                    7
                ),
                ("idna".into(), "".into(), 8),
            ]
        );
    }
}
