//! `git diff --raw -z` output: which paths changed, how, and the object ids
//! of both sides. Pure: bytes in, entries out; never panics.

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub old_mode: String,
    pub new_mode: String,
    pub old_oid: String,
    /// All zeros when the new side is the working tree and differs from
    /// the index.
    pub new_oid: String,
    /// `A`, `C`, `D`, `M`, `R`, `T`, `U` or `X`, without the score.
    pub status: u8,
    /// The source path of a rename or copy.
    pub old_path: Option<String>,
    pub path: String,
}

impl RawEntry {
    /// Whether the new side is a regular file (not a symlink or submodule).
    pub fn new_is_regular(&self) -> bool {
        is_regular(&self.new_mode)
    }

    /// Whether the new side is a submodule (a gitlink).
    pub fn new_is_submodule(&self) -> bool {
        self.new_mode == "160000"
    }

    /// Whether the old side is a regular file.
    pub fn old_is_regular(&self) -> bool {
        is_regular(&self.old_mode)
    }
}

fn is_regular(mode: &str) -> bool {
    mode.starts_with("100")
}

/// Parses `git diff --raw -z --no-abbrev` output. A record that does not
/// fit the format ends the parse (git never writes one).
pub fn parse(raw: &[u8]) -> Vec<RawEntry> {
    let mut fields = raw.split(|&b| b == 0);
    let mut out = Vec::new();
    while let Some(meta) = fields.next() {
        let Some(meta) = meta.strip_prefix(b":") else {
            break;
        };
        let meta = String::from_utf8_lossy(meta);
        let mut parts = meta.split(' ');
        let (Some(old_mode), Some(new_mode), Some(old_oid), Some(new_oid), Some(status)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            break;
        };
        let Some(&status_letter) = status.as_bytes().first() else {
            break;
        };
        let Some(first) = fields.next() else {
            break;
        };
        if first.is_empty() {
            break;
        }
        let first = String::from_utf8_lossy(first).into_owned();
        let (old_path, path) = if matches!(status_letter, b'R' | b'C') {
            let Some(second) = fields.next().filter(|p| !p.is_empty()) else {
                break;
            };
            (Some(first), String::from_utf8_lossy(second).into_owned())
        } else {
            (None, first)
        };
        out.push(RawEntry {
            old_mode: old_mode.to_string(),
            new_mode: new_mode.to_string(),
            old_oid: old_oid.to_string(),
            new_oid: new_oid.to_string(),
            status: status_letter,
            old_path,
            path,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modifications_renames_and_additions() {
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let raw = format!(
            ":100644 100644 {a} {zero} M\0src/x.py\0\
             :100644 100755 {a} {b} R087\0old name.py\0new name.py\0\
             :000000 120000 {zero} {b} A\0link\0\
             :100644 000000 {a} {zero} D\0gone.py\0"
        );
        let entries = parse(raw.as_bytes());
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].status, b'M');
        assert_eq!(entries[0].path, "src/x.py");
        assert_eq!(entries[0].new_oid, zero);
        assert_eq!(entries[1].status, b'R');
        assert_eq!(entries[1].old_path.as_deref(), Some("old name.py"));
        assert_eq!(entries[1].path, "new name.py");
        assert!(entries[1].new_is_regular());
        assert!(!entries[2].new_is_regular());
        assert_eq!(entries[3].status, b'D');
    }

    #[test]
    fn truncated_or_foreign_input_never_panics() {
        for junk in [
            &b""[..],
            b":100644",
            b":100644 100644 a b R090\0only-one\0",
            b"not raw output\0",
            b":1 2 3 4 \0x\0",
        ] {
            let _ = parse(junk);
        }
        assert!(parse(b":100644 100644 a b R090\0only-one\0").is_empty());
    }
}
