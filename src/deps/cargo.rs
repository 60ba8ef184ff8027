//! `Cargo.toml`: the dependency tables of a package or workspace.

use super::toml_tree::{self as t, Doc};
use super::{Declaration, Ecosystem, Requirement};
use toml::de::{DeTable, DeValue};

const SECTIONS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

pub fn read(file: &str, text: &str) -> Result<Vec<Declaration>, String> {
    let doc = Doc::parse(text)?;
    let root = doc.root.get_ref();
    let mut out = Vec::new();
    for section in SECTIONS {
        if let Some(table) = t::table(root, section) {
            section_declarations(file, &doc, table, &mut out);
        }
    }
    if let Some(targets) = t::table(root, "target") {
        for (_, target) in targets.iter() {
            if let DeValue::Table(target) = target.get_ref() {
                for section in SECTIONS {
                    if let Some(table) = t::table(target, section) {
                        section_declarations(file, &doc, table, &mut out);
                    }
                }
            }
        }
    }
    if let Some(table) = t::path(root, &["workspace", "dependencies"]) {
        section_declarations(file, &doc, table, &mut out);
    }
    Ok(out)
}

fn section_declarations(
    file: &str,
    doc: &Doc<'_>,
    table: &DeTable<'_>,
    out: &mut Vec<Declaration>,
) {
    for (key, value) in table.iter() {
        let alias = key.get_ref().as_ref();
        let (written, requirement, package) = match value.get_ref() {
            DeValue::String(version) => (
                version.to_string(),
                Requirement::Text(version.to_string()),
                None,
            ),
            DeValue::Table(inner) => {
                let package = t::string(inner, "package").map(str::to_string);
                match t::string(inner, "version") {
                    Some(version) => (
                        version.to_string(),
                        Requirement::Text(version.to_string()),
                        package,
                    ),
                    None => {
                        let source = ["path", "git", "registry"]
                            .iter()
                            .find_map(|k| t::string(inner, k))
                            .map(str::to_string);
                        match source {
                            Some(source) => (source.clone(), Requirement::Source(source), package),
                            // `{ workspace = true }`: the workspace's requirement.
                            None => (String::new(), Requirement::Any, package),
                        }
                    }
                }
            }
            _ => continue,
        };
        let line = doc.line(value);
        for name in std::iter::once(alias.to_string()).chain(package) {
            out.push(Declaration {
                ecosystem: Ecosystem::Cargo,
                name,
                requirement: requirement.clone(),
                written: written.clone(),
                file: file.to_string(),
                line,
                required_by: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_tables() {
        let text = "[package]\nname = \"x\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\nregex = \"=1.11.0\"\nmine = { path = \"../mine\" }\n\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n\n[dev-dependencies]\nts = { package = \"tree-sitter\", version = \"0.27\" }\n";
        let got = read("Cargo.toml", text).unwrap();
        let mut summary: Vec<(u32, &str, &str)> = got
            .iter()
            .map(|d| (d.line, d.name.as_str(), d.written.as_str()))
            .collect();
        summary.sort();
        assert_eq!(
            summary,
            vec![
                (5, "serde", "1"),
                (6, "regex", "=1.11.0"),
                (7, "mine", "../mine"),
                (10, "libc", "0.2"),
                (13, "tree-sitter", "0.27"),
                (13, "ts", "0.27"),
            ]
        );
        let by_name = |n: &str| got.iter().find(|d| d.name == n).unwrap();
        assert_eq!(by_name("regex").fixed_version(), Some("1.11.0"));
        assert_eq!(
            by_name("serde").admits("1.0.200"),
            None,
            "Cargo ranges are not judged"
        );
    }
}
