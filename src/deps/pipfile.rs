//! `Pipfile` (pipenv): `[packages]`, `[dev-packages]` and the interpreter
//! in `[requires]`.

use super::toml_tree::{self as t, Doc};
use super::{pep508, python_itself, Declaration, Ecosystem, Requirement};
use toml::de::DeValue;

pub fn read(file: &str, text: &str) -> Result<Vec<Declaration>, String> {
    let doc = Doc::parse(text)?;
    let root = doc.root.get_ref();
    let mut out = Vec::new();
    for section in ["packages", "dev-packages"] {
        let Some(table) = t::table(root, section) else {
            continue;
        };
        for (key, value) in table.iter() {
            let (written, requirement) = match value.get_ref() {
                DeValue::String(spec) => (spec.to_string(), pep508::python_requirement(spec)),
                DeValue::Table(inner) => match t::string(inner, "version") {
                    Some(spec) => (spec.to_string(), pep508::python_requirement(spec)),
                    None => {
                        let source = ["path", "git", "file"]
                            .iter()
                            .find_map(|k| t::string(inner, k))
                            .unwrap_or("*");
                        (source.to_string(), Requirement::Source(source.to_string()))
                    }
                },
                _ => continue,
            };
            out.push(Declaration {
                ecosystem: Ecosystem::Python,
                name: key.get_ref().to_string(),
                requirement,
                written,
                file: file.to_string(),
                line: doc.line(value),
                required_by: None,
            });
        }
    }
    if let Some(requires) = t::table(root, "requires") {
        for key in ["python_full_version", "python_version"] {
            if let Some(value) = t::get(requires, key) {
                if let DeValue::String(version) = value.get_ref() {
                    // `3.11` means that minor series.
                    let spec = if key == "python_version" {
                        format!("=={version}.*")
                    } else {
                        format!("=={version}")
                    };
                    out.push(python_itself(file, doc.line(value), &spec));
                    break;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_python() {
        let text = "[[source]]\nurl = \"https://example.invalid/simple\"\n\n[packages]\nrequests = \"*\"\nflask = {version = \">=2.0\", extras = [\"async\"]}\n\n[dev-packages]\npytest = \"==8.0.0\"\n\n[requires]\npython_version = \"3.11\"\n";
        let got = read("Pipfile", text).unwrap();
        let mut names: Vec<(u32, &str, &str)> = got
            .iter()
            .map(|d| (d.line, d.name.as_str(), d.written.as_str()))
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                (5, "requests", "*"),
                (6, "flask", ">=2.0"),
                (9, "pytest", "==8.0.0"),
                (12, "python", "==3.11.*")
            ]
        );
        let python = got.iter().find(|d| d.name == "python").unwrap();
        assert_eq!(python.admits("3.11.4"), Some(true));
        assert_eq!(python.admits("3.12.0"), Some(false));
    }
}
