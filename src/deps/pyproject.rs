//! `pyproject.toml`: PEP 621 `[project]`, PEP 735 `[dependency-groups]`,
//! `[build-system] requires`, `[tool.uv] dev-dependencies` and Poetry's
//! `[tool.poetry]` tables.

use super::toml_tree::{self as t, Doc};
use super::{pep508, python_declaration, python_itself, Declaration, Ecosystem, Requirement};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub fn read(file: &str, text: &str) -> Result<Vec<Declaration>, String> {
    let doc = Doc::parse(text)?;
    let root = doc.root.get_ref();
    let mut out = Vec::new();
    let pep508_list = |value: &Spanned<DeValue<'_>>, out: &mut Vec<Declaration>| {
        for (requirement, item) in t::strings(value) {
            out.extend(python_declaration(file, doc.line(item), requirement, None));
        }
    };
    if let Some(project) = t::table(root, "project") {
        if let Some(deps) = t::get(project, "dependencies") {
            pep508_list(deps, &mut out);
        }
        if let Some(extras) = t::table(project, "optional-dependencies") {
            for (_, list) in extras.iter() {
                pep508_list(list, &mut out);
            }
        }
        if let Some(value) = t::get(project, "requires-python") {
            if let DeValue::String(spec) = value.get_ref() {
                out.push(python_itself(file, doc.line(value), spec));
            }
        }
    }
    if let Some(groups) = t::table(root, "dependency-groups") {
        for (_, list) in groups.iter() {
            pep508_list(list, &mut out);
        }
    }
    if let Some(requires) = t::path(root, &["build-system"]).and_then(|b| t::get(b, "requires")) {
        pep508_list(requires, &mut out);
    }
    if let Some(dev) = t::path(root, &["tool", "uv"]).and_then(|u| t::get(u, "dev-dependencies")) {
        pep508_list(dev, &mut out);
    }
    if let Some(poetry) = t::path(root, &["tool", "poetry"]) {
        for key in ["dependencies", "dev-dependencies"] {
            if let Some(table) = t::table(poetry, key) {
                poetry_table(file, &doc, table, None, &mut out);
            }
        }
        if let Some(groups) = t::table(poetry, "group") {
            for (_, group) in groups.iter() {
                if let DeValue::Table(group) = group.get_ref() {
                    if let Some(table) = t::table(group, "dependencies") {
                        poetry_table(file, &doc, table, None, &mut out);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A table of Poetry constraints (`name = "^1.2"`, `name = { version = … }`,
/// `name = [{ version = …, python = … }, …]`); `python` is the interpreter.
pub(crate) fn poetry_table(
    file: &str,
    doc: &Doc<'_>,
    table: &DeTable<'_>,
    required_by: Option<&str>,
    out: &mut Vec<Declaration>,
) {
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let line = doc.line(value);
        let constraints: Vec<(String, Option<String>)> = match value.get_ref() {
            DeValue::String(spec) => vec![(spec.to_string(), None)],
            DeValue::Table(inner) => vec![poetry_inline(inner)],
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(inner) => Some(poetry_inline(inner)),
                    DeValue::String(spec) => Some((spec.to_string(), None)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for (spec, source) in constraints {
            let requirement = match &source {
                Some(source) => Requirement::Source(source.clone()),
                None => pep508::poetry_requirement(&spec),
            };
            out.push(Declaration {
                ecosystem: Ecosystem::Python,
                name: name.to_string(),
                requirement,
                written: source.unwrap_or(spec),
                file: file.to_string(),
                line,
                required_by: required_by.map(str::to_string),
            });
        }
    }
}

/// `{ version = "^1.2", … }` -> the version, or the source of a path / git
/// / url dependency.
fn poetry_inline(inner: &DeTable<'_>) -> (String, Option<String>) {
    if let Some(version) = t::string(inner, "version") {
        return (version.to_string(), None);
    }
    for key in ["path", "git", "url", "file"] {
        if let Some(source) = t::string(inner, key) {
            return (String::new(), Some(source.to_string()));
        }
    }
    ("*".to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep621_groups_and_poetry() {
        let text = r#"
[build-system]
requires = ["hatchling>=1.13"]

[project]
name = "demo"
requires-python = ">=3.9"
dependencies = [
  "httpx>=0.27,<1",
  "anyio",
]
[project.optional-dependencies]
socks = ["socksio==1.*"]

[dependency-groups]
dev = ["pytest>=8", {include-group = "lint"}]

[tool.poetry.dependencies]
python = "^3.10"
requests = "^2.31"
local = { path = "../local" }
multi = [{ version = "<2", python = "<3.11" }, { version = ">=2", python = ">=3.11" }]

[tool.poetry.group.test.dependencies]
hypothesis = { version = "~6.100", optional = true }
"#;
        let got: Vec<(String, String, u32)> = read("pyproject.toml", text)
            .unwrap()
            .into_iter()
            .map(|d| (d.name, d.written, d.line))
            .collect();
        let expect =
            |name: &str, written: &str, line: u32| (name.to_string(), written.to_string(), line);
        for e in [
            expect("hatchling", ">=1.13", 3),
            expect("httpx", ">=0.27,<1", 9),
            expect("anyio", "", 10),
            expect("python", ">=3.9", 7),
            expect("socksio", "==1.*", 13),
            expect("pytest", ">=8", 16),
            expect("python", "^3.10", 19),
            expect("requests", "^2.31", 20),
            expect("local", "../local", 21),
            expect("multi", "<2", 22),
            expect("multi", ">=2", 22),
            expect("hypothesis", "~6.100", 25),
        ] {
            assert!(got.contains(&e), "{e:?} not in {got:?}");
        }
        assert_eq!(got.len(), 12, "{got:?}");
        assert!(read("pyproject.toml", "[project\n")
            .unwrap_err()
            .contains("line 1"));
    }
}
