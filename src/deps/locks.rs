//! Lock files: `poetry.lock` and `uv.lock`. Each `[[package]]` is a
//! [`Requirement::Locked`] version; what each package itself requires
//! (Poetry's `[package.dependencies]`, uv's `requires-dist`) is a
//! declaration with `required_by` set, so that "bar requires foo>=2" can be
//! checked where the lock records it.

use super::toml_tree::{self as t, Doc};
use super::{python_declaration, Declaration, Ecosystem, Requirement};
use toml::de::DeValue;

pub fn read_poetry(file: &str, text: &str) -> Result<Vec<Declaration>, String> {
    let doc = Doc::parse(text)?;
    let mut out = Vec::new();
    let Some(packages) = t::get(doc.root.get_ref(), "package") else {
        return Ok(out);
    };
    for (package, value) in t::tables(packages) {
        let (Some(name), Some(version)) =
            (t::string(package, "name"), t::string(package, "version"))
        else {
            continue;
        };
        out.push(locked(file, doc.line(value), name, version));
        if let Some(deps) = t::table(package, "dependencies") {
            super::pyproject::poetry_table(file, &doc, deps, Some(name), &mut out);
        }
    }
    Ok(out)
}

pub fn read_uv(file: &str, text: &str) -> Result<Vec<Declaration>, String> {
    let doc = Doc::parse(text)?;
    let mut out = Vec::new();
    let Some(packages) = t::get(doc.root.get_ref(), "package") else {
        return Ok(out);
    };
    for (package, value) in t::tables(packages) {
        let Some(name) = t::string(package, "name") else {
            continue;
        };
        match t::string(package, "version") {
            Some(version) => out.push(locked(file, doc.line(value), name, version)),
            // The project itself, or a workspace member without a version.
            None => out.push(Declaration {
                ecosystem: Ecosystem::Python,
                name: name.to_string(),
                requirement: Requirement::Any,
                written: String::new(),
                file: file.to_string(),
                line: doc.line(value),
                required_by: None,
            }),
        }
        if let Some(deps) = t::get(package, "dependencies") {
            for (dep, item) in t::tables(deps) {
                if let Some(dep_name) = t::string(dep, "name") {
                    out.push(Declaration {
                        ecosystem: Ecosystem::Python,
                        name: dep_name.to_string(),
                        requirement: Requirement::Any,
                        written: String::new(),
                        file: file.to_string(),
                        line: doc.line(item),
                        required_by: Some(name.to_string()),
                    });
                }
            }
        }
        let requires_dist = t::table(package, "metadata").and_then(|m| t::get(m, "requires-dist"));
        if let Some(list) = requires_dist {
            for (dep, item) in t::tables(list) {
                let Some(dep_name) = t::string(dep, "name") else {
                    continue;
                };
                let spec = t::string(dep, "specifier").unwrap_or("");
                out.extend(python_declaration(
                    file,
                    doc.line(item),
                    &format!("{dep_name}{spec}"),
                    Some(name),
                ));
            }
        }
        // Keep the `[package.optional-dependencies]` names as the package's too.
        if let Some(optional) = t::table(package, "optional-dependencies") {
            for (_, list) in optional.iter() {
                if let DeValue::Array(_) = list.get_ref() {
                    for (dep, item) in t::tables(list) {
                        if let Some(dep_name) = t::string(dep, "name") {
                            out.push(Declaration {
                                ecosystem: Ecosystem::Python,
                                name: dep_name.to_string(),
                                requirement: Requirement::Any,
                                written: String::new(),
                                file: file.to_string(),
                                line: doc.line(item),
                                required_by: Some(name.to_string()),
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

fn locked(file: &str, line: u32, name: &str, version: &str) -> Declaration {
    Declaration {
        ecosystem: Ecosystem::Python,
        name: name.to_string(),
        requirement: Requirement::Locked(version.to_string()),
        written: version.to_string(),
        file: file.to_string(),
        line,
        required_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poetry_lock_packages_and_their_requirements() {
        let text = "[[package]]\nname = \"botocore\"\nversion = \"1.34.0\"\ndescription = \"x\"\n\n[package.dependencies]\njmespath = \">=0.7.1,<2.0.0\"\nurllib3 = {version = \">=1.25.4,<2.1\", markers = \"python_version >= \\\"3.10\\\"\"}\n\n[[package]]\nname = \"urllib3\"\nversion = \"2.0.7\"\n";
        let got = read_poetry("poetry.lock", text).unwrap();
        let summary: Vec<(&str, &str, u32, Option<&str>)> = got
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.written.as_str(),
                    d.line,
                    d.required_by.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("botocore", "1.34.0", 1, None),
                ("jmespath", ">=0.7.1,<2.0.0", 7, Some("botocore")),
                ("urllib3", ">=1.25.4,<2.1", 8, Some("botocore")),
                ("urllib3", "2.0.7", 10, None),
            ]
        );
        assert!(got[2].states("<2.1"));
        assert_eq!(got[3].fixed_version(), Some("2.0.7"));
    }

    #[test]
    fn uv_lock_packages_and_requires_dist() {
        let text = "version = 1\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"anyio\"\nversion = \"4.4.0\"\nsource = { registry = \"https://example.invalid/simple\" }\ndependencies = [\n    { name = \"idna\" },\n    { name = \"sniffio\" },\n]\n\n[[package]]\nname = \"demo\"\nsource = { editable = \".\" }\ndependencies = [\n    { name = \"anyio\" },\n]\n\n[package.metadata]\nrequires-dist = [{ name = \"anyio\", specifier = \">=4\" }]\n";
        let got = read_uv("uv.lock", text).unwrap();
        let summary: Vec<(&str, &str, u32, Option<&str>)> = got
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.written.as_str(),
                    d.line,
                    d.required_by.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("anyio", "4.4.0", 4, None),
                ("idna", "", 9, Some("anyio")),
                ("sniffio", "", 10, Some("anyio")),
                ("demo", "", 13, None),
                ("anyio", "", 17, Some("demo")),
                ("anyio", ">=4", 21, Some("demo")),
            ]
        );
    }
}
