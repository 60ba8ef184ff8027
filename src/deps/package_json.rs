//! `package.json` (npm): the four dependency maps. Lines come from the
//! text: the first `"name":` after the map's key.

use super::{Declaration, Ecosystem, Lines, Requirement};
use serde_json::Value;

const SECTIONS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
];

pub fn read(file: &str, text: &str) -> Result<Vec<Declaration>, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("not valid JSON at line {}: {e}", e.line()))?;
    let lines = Lines::new(text);
    let mut out = Vec::new();
    for section in SECTIONS {
        let Some(map) = value.get(section).and_then(Value::as_object) else {
            continue;
        };
        let section_at = text.find(&format!("\"{section}\"")).unwrap_or(0);
        for (name, spec) in map {
            let Some(spec) = spec.as_str() else {
                continue;
            };
            let key = serde_json::to_string(name).unwrap_or_default();
            let at = text[section_at..]
                .find(&key)
                .map(|i| section_at + i)
                .unwrap_or(section_at);
            let requirement = if spec.contains(':') || spec.contains('/') {
                Requirement::Source(spec.to_string())
            } else if spec.trim() == "*" || spec.trim().is_empty() || spec.trim() == "latest" {
                Requirement::Any
            } else {
                Requirement::Text(spec.to_string())
            };
            out.push(Declaration {
                ecosystem: Ecosystem::Npm,
                name: name.clone(),
                requirement,
                written: spec.to_string(),
                file: file.to_string(),
                line: lines.line_of(at),
                required_by: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_maps() {
        let text = "{\n  \"name\": \"app\",\n  \"dependencies\": {\n    \"react\": \"^18.2.0\",\n    \"@types/node\": \"20.1.0\"\n  },\n  \"devDependencies\": {\n    \"react\": \"18.2.0\",\n    \"local\": \"file:../local\"\n  }\n}\n";
        let got = read("package.json", text).unwrap();
        let summary: Vec<(&str, &str, u32)> = got
            .iter()
            .map(|d| (d.name.as_str(), d.written.as_str(), d.line))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("react", "^18.2.0", 4),
                ("@types/node", "20.1.0", 5),
                ("react", "18.2.0", 8),
                ("local", "file:../local", 9)
            ]
        );
        assert_eq!(got[1].fixed_version(), Some("20.1.0"));
        assert!(read("package.json", "{").is_err());
    }
}
