//! `setup.cfg` (setuptools): `[options]` requirement lists and
//! `python_requires`, `[options.extras_require]`, and the wheel metadata
//! `[metadata] requires_dist` (`requires-dist`) some projects keep there. Read as INI: a key's
//! value continues on the following indented lines.

use super::{python_declaration, python_itself, Declaration};

const LIST_KEYS: [&str; 3] = ["install_requires", "setup_requires", "tests_require"];

pub fn read(file: &str, text: &str) -> Vec<Declaration> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut key = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if trimmed.starts_with('[') && trimmed.ends_with(']') {
            section = trimmed[1..trimmed.len() - 1].trim().to_string();
            key.clear();
            continue;
        }
        let continuation = raw.starts_with([' ', '\t']);
        let value = if continuation {
            trimmed
        } else {
            match trimmed.split_once(['=', ':']) {
                Some((k, v)) => {
                    key = k.trim().replace('-', "_");
                    v.trim()
                }
                None => continue,
            }
        };
        if value.is_empty() {
            continue;
        }
        let wanted = match section.as_str() {
            "options" => LIST_KEYS.contains(&key.as_str()) || key == "python_requires",
            // Wheel metadata some projects keep in setup.cfg.
            "metadata" => key == "requires_dist",
            "options.extras_require" => true,
            _ => false,
        };
        if !wanted {
            continue;
        }
        if key == "python_requires" && section == "options" {
            out.push(python_itself(file, line_no, value));
            continue;
        }
        out.extend(python_declaration(file, line_no, value, None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_metadata_requires_dist() {
        let text = "[metadata]\nlicense_file = LICENSE\nrequires-dist = \n\tcharset_normalizer>=2,<4\n\turllib3>=1.25.4,!=2.2.0,<3; python_version>=\"3.10\"\n\n[egg_info]\ntag_build = \n";
        let got: Vec<(String, String, u32)> = read("setup.cfg", text)
            .into_iter()
            .map(|d| (d.name, d.written, d.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("charset_normalizer".into(), ">=2,<4".into(), 4),
                ("urllib3".into(), ">=1.25.4,!=2.2.0,<3".into(), 5)
            ]
        );
    }

    #[test]
    fn options_lists() {
        let text = "[metadata]\nname = demo\n\n[options]\npython_requires = >=3.8\ninstall_requires =\n    requests>=2.0,<3\n    click\nzip_safe = False\n\n[options.extras_require]\ntest = pytest>=7\n";
        let got: Vec<(String, String, u32)> = read("setup.cfg", text)
            .into_iter()
            .map(|d| (d.name, d.written, d.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("python".into(), ">=3.8".into(), 5),
                ("requests".into(), ">=2.0,<3".into(), 7),
                ("click".into(), "".into(), 8),
                ("pytest".into(), ">=7".into(), 12),
            ]
        );
    }
}
