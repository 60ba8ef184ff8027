//! The dependencies a repository declares, read from its dependency files
//! so that a block's claimed version conflict can be checked against them
//! (`agentlint blocks`). Nothing is resolved, installed or run: only what
//! the files say.
//!
//! | file | what is read |
//! |---|---|
//! | `requirements*.txt`, `requirements*.in`, `requirements/*.txt`, `constraints*.txt` | one PEP 508 requirement a line (`-e …#egg=name` too); options, includes and hashes are skipped |
//! | `pyproject.toml` | `[project]` `dependencies`, `optional-dependencies` and `requires-python`; `[dependency-groups]`; `[build-system] requires`; `[tool.uv] dev-dependencies`; `[tool.poetry]` `dependencies`, `dev-dependencies` and `group.*.dependencies` (with `python`) |
//! | `setup.cfg` | `[options]` `install_requires`, `setup_requires`, `tests_require`, `python_requires`; `[options.extras_require]` |
//! | `Pipfile` | `[packages]`, `[dev-packages]`, `[requires] python_version` |
//! | `poetry.lock` | every `[[package]]` with its version, and each package's own `[package.dependencies]` |
//! | `uv.lock` | every `[[package]]` with its version, `dependencies` names and `[package.metadata] requires-dist` |
//! | `package.json` | `dependencies`, `devDependencies`, `peerDependencies`, `optionalDependencies` |
//! | `Cargo.toml` | `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, their `[target.*]` forms and `[workspace.dependencies]` (a `package = "…"` rename counts under both names) |
//!
//! Python version specifiers are compared with PEP 440's rules (the
//! `pep440_rs` crate); Poetry's `^` and `~` forms are turned into the PEP
//! 440 ranges Poetry documents. npm and Cargo requirements are compared only
//! when they name one exact version (`"1.2.3"`, `"=1.2.3"`); other ranges of
//! theirs are kept as written and never judged. A file that cannot be read
//! as its format is reported, not guessed at.

pub mod cargo;
pub mod locks;
pub mod package_json;
pub mod pep508;
pub mod pipfile;
pub mod pyproject;
pub mod requirements;
pub mod setup_cfg;
mod toml_tree;

use pep440_rs::{Version, VersionSpecifiers};
use std::collections::HashMap;
use std::str::FromStr;

/// Which package world a declaration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ecosystem {
    Python,
    Npm,
    Cargo,
}

/// What a declaration allows of its package's versions.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// Any version.
    Any,
    /// PEP 440 specifiers; several are alternatives (Poetry's `||`).
    Python(Vec<VersionSpecifiers>),
    /// The one version a lock file records.
    Locked(String),
    /// An npm or Cargo requirement, as written.
    Text(String),
    /// A path, git or URL source with no version.
    Source(String),
}

/// One package named by one dependency file.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub ecosystem: Ecosystem,
    /// The name as written.
    pub name: String,
    pub requirement: Requirement,
    /// The requirement as written in the file (`>=2,<3`, `^1.2`, `1.4.0`).
    pub written: String,
    /// Root-relative path of the file.
    pub file: String,
    /// 1-based line of the declaration.
    pub line: u32,
    /// The package whose own requirement this is (lock files), or `None`
    /// for the project's.
    pub required_by: Option<String>,
}

impl Declaration {
    /// `file:line`, for messages.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The one version this declaration fixes: a lock entry, `==1.2` or an
    /// exact npm / Cargo version.
    pub fn fixed_version(&self) -> Option<&str> {
        match &self.requirement {
            Requirement::Locked(v) => Some(v),
            Requirement::Python(alternatives) if alternatives.len() == 1 => {
                let clauses = &alternatives[0];
                (clauses.len() == 1
                    && *clauses[0].operator() == pep440_rs::Operator::Equal
                    && !self.written.contains('*'))
                .then(|| self.written.trim().trim_start_matches("==").trim())
            }
            Requirement::Text(text) => exact_text_version(self.ecosystem, text),
            _ => None,
        }
    }

    /// Whether this declaration allows `version`; `None` when that cannot
    /// be told (a source, or an npm / Cargo range).
    pub fn admits(&self, version: &str) -> Option<bool> {
        match &self.requirement {
            Requirement::Any => Some(true),
            Requirement::Source(_) => None,
            Requirement::Locked(locked) => Some(same_version(self.ecosystem, locked, version)),
            Requirement::Python(alternatives) => {
                let version = Version::from_str(version.trim_start_matches(['v', 'V'])).ok()?;
                Some(alternatives.iter().any(|s| s.contains(&version)))
            }
            Requirement::Text(text) => exact_text_version(self.ecosystem, text)
                .map(|exact| same_version(self.ecosystem, exact, version)),
        }
    }

    /// Whether the declaration states every clause of the specifier
    /// `claimed` (`>=2` is stated by `>=2.0,<3`).
    pub fn states(&self, claimed: &str) -> bool {
        match &self.requirement {
            Requirement::Python(alternatives) => match parse_specifiers(claimed) {
                Some(claimed) => alternatives.iter().any(|declared| {
                    claimed
                        .iter()
                        .all(|c| declared.iter().any(|d| d == c || implies(d, c)))
                }),
                None => false,
            },
            Requirement::Text(text) => squash(text) == squash(claimed),
            _ => false,
        }
    }
}

/// Whether the declared clause `d` alone guarantees the claimed bound `c`:
/// `<1.27` guarantees `<2`, `>=3.8` guarantees `>=3.7`.
fn implies(d: &pep440_rs::VersionSpecifier, c: &pep440_rs::VersionSpecifier) -> bool {
    use pep440_rs::Operator::*;
    let (dv, cv) = (d.version(), c.version());
    match (d.operator(), c.operator()) {
        (LessThan, LessThan) | (LessThanEqual, LessThanEqual) | (LessThan, LessThanEqual) => {
            dv <= cv
        }
        (LessThanEqual, LessThan) => dv < cv,
        (GreaterThan, GreaterThan)
        | (GreaterThanEqual, GreaterThanEqual)
        | (GreaterThan, GreaterThanEqual) => dv >= cv,
        (GreaterThanEqual, GreaterThan) => dv > cv,
        _ => false,
    }
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// An npm `"1.2.3"` / `"=1.2.3"` or a Cargo `"=1.2.3"`: one exact version.
fn exact_text_version(ecosystem: Ecosystem, text: &str) -> Option<&str> {
    let text = text.trim();
    let (body, explicit) = match text.strip_prefix('=') {
        Some(rest) => (rest.trim(), true),
        None => (text, false),
    };
    let exact = !body.is_empty()
        && body.as_bytes()[0].is_ascii_digit()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
        && !body.contains(['x', 'X', '*']);
    match ecosystem {
        // A bare Cargo version is a caret range, not an exact one.
        Ecosystem::Cargo if !explicit => None,
        _ if exact => Some(body),
        _ => None,
    }
}

/// Two version strings name one version (PEP 440 for Python: `1.2` is
/// `1.2.0`; text otherwise, ignoring a leading `v`).
pub fn same_version(ecosystem: Ecosystem, a: &str, b: &str) -> bool {
    let a = a.trim().trim_start_matches(['v', 'V']);
    let b = b.trim().trim_start_matches(['v', 'V']);
    if ecosystem == Ecosystem::Python {
        if let (Ok(a), Ok(b)) = (Version::from_str(a), Version::from_str(b)) {
            return a == b;
        }
    }
    a == b
}

/// PEP 440 specifiers (`>=2, <3`), or `None` when they are not.
pub fn parse_specifiers(text: &str) -> Option<VersionSpecifiers> {
    VersionSpecifiers::from_str(text.trim()).ok()
}

/// Whether the PEP 440 specifier `spec` allows `version`.
pub fn specifier_admits(spec: &str, version: &str) -> Option<bool> {
    let spec = parse_specifiers(spec)?;
    let version = Version::from_str(version.trim_start_matches(['v', 'V'])).ok()?;
    Some(spec.contains(&version))
}

/// The name under which packages are compared: lowercase, runs of `-`, `_`
/// and `.` as one `-` (PEP 503, which also fits npm and Cargo names).
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
            continue;
        }
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Which dependency format a file name is, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyFile {
    Requirements,
    Pyproject,
    SetupCfg,
    Pipfile,
    PoetryLock,
    UvLock,
    PackageJson,
    CargoToml,
}

impl DependencyFile {
    /// The format of the root-relative `path`, by its name.
    pub fn of(path: &str) -> Option<DependencyFile> {
        let name = path.rsplit('/').next().unwrap_or(path);
        let parent_is_requirements = path
            .rsplit('/')
            .nth(1)
            .is_some_and(|dir| dir == "requirements");
        Some(match name {
            "pyproject.toml" => DependencyFile::Pyproject,
            "setup.cfg" => DependencyFile::SetupCfg,
            "Pipfile" => DependencyFile::Pipfile,
            "poetry.lock" => DependencyFile::PoetryLock,
            "uv.lock" => DependencyFile::UvLock,
            "package.json" => DependencyFile::PackageJson,
            "Cargo.toml" => DependencyFile::CargoToml,
            _ if (name.starts_with("requirements") || name.starts_with("constraints"))
                && (name.ends_with(".txt") || name.ends_with(".in")) =>
            {
                DependencyFile::Requirements
            }
            _ if parent_is_requirements && name.ends_with(".txt") => DependencyFile::Requirements,
            _ => return None,
        })
    }
}

/// Why a dependency file was not read (reported with the block report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    pub file: String,
    pub problem: String,
}

/// Every declaration of every dependency file read, by normalized name.
#[derive(Debug, Clone, Default)]
pub struct DependencyIndex {
    /// Root-relative paths of the files read, in order.
    pub files: Vec<String>,
    pub declarations: Vec<Declaration>,
    by_name: HashMap<String, Vec<usize>>,
    /// Files that could not be read as their format.
    pub problems: Vec<FileProblem>,
}

impl DependencyIndex {
    /// Adds one file's declarations (`text` as read, `path` root-relative).
    pub fn add_file(&mut self, path: &str, kind: DependencyFile, text: &str) {
        let parsed = match kind {
            DependencyFile::Requirements => Ok(requirements::read(path, text)),
            DependencyFile::Pyproject => pyproject::read(path, text),
            DependencyFile::SetupCfg => Ok(setup_cfg::read(path, text)),
            DependencyFile::Pipfile => pipfile::read(path, text),
            DependencyFile::PoetryLock => locks::read_poetry(path, text),
            DependencyFile::UvLock => locks::read_uv(path, text),
            DependencyFile::PackageJson => package_json::read(path, text),
            DependencyFile::CargoToml => cargo::read(path, text),
        };
        self.files.push(path.to_string());
        match parsed {
            Ok(declarations) => {
                for d in declarations {
                    self.by_name
                        .entry(normalize(&d.name))
                        .or_default()
                        .push(self.declarations.len());
                    self.declarations.push(d);
                }
            }
            Err(problem) => self.problems.push(FileProblem {
                file: path.to_string(),
                problem,
            }),
        }
    }

    /// Every declaration of `name` (normalized), the project's and the
    /// lock files' per-package ones alike.
    pub fn lookup(&self, name: &str) -> Vec<&Declaration> {
        self.by_name
            .get(&normalize(name))
            .map(|ids| ids.iter().map(|&i| &self.declarations[i]).collect())
            .unwrap_or_default()
    }

    /// Whether a lock file read lists the dependencies of `package` (so that
    /// a claim about what `package` requires can be checked).
    pub fn knows_requirements_of(&self, package: &str) -> bool {
        self.lookup(package).iter().any(|d| {
            matches!(d.requirement, Requirement::Locked(_))
                && (d.file.ends_with("poetry.lock") || d.file.ends_with("uv.lock"))
        })
    }

    /// The declarations `package`'s own requirements make of `name`.
    pub fn required_by<'a>(&'a self, package: &str, name: &str) -> Vec<&'a Declaration> {
        let package = normalize(package);
        self.lookup(name)
            .into_iter()
            .filter(|d| d.required_by.as_deref().map(normalize).as_deref() == Some(&package))
            .collect()
    }
}

/// 1-based line numbers of byte offsets of one text.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { starts }
    }

    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }
}

/// The `Declaration` of a PEP 508 requirement string read at `line`.
pub(crate) fn python_declaration(
    file: &str,
    line: u32,
    requirement: &str,
    required_by: Option<&str>,
) -> Option<Declaration> {
    let parsed = pep508::parse(requirement)?;
    Some(Declaration {
        ecosystem: Ecosystem::Python,
        name: parsed.name.to_string(),
        requirement: parsed.requirement(),
        written: parsed.specifier.to_string(),
        file: file.to_string(),
        line,
        required_by: required_by.map(str::to_string),
    })
}

/// A declaration of the Python interpreter itself (`requires-python`).
pub(crate) fn python_itself(file: &str, line: u32, spec: &str) -> Declaration {
    Declaration {
        ecosystem: Ecosystem::Python,
        name: "python".to_string(),
        requirement: pep508::python_requirement(spec),
        written: spec.trim().to_string(),
        file: file.to_string(),
        line,
        required_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_compared_normalized() {
        assert_eq!(normalize("Django_Rest.Framework"), "django-rest-framework");
        assert_eq!(
            normalize("typing-extensions"),
            normalize("typing_extensions")
        );
        assert_eq!(normalize("@types/node"), "@types/node");
    }

    #[test]
    fn dependency_files_by_name() {
        assert_eq!(
            DependencyFile::of("requirements-dev.txt"),
            Some(DependencyFile::Requirements)
        );
        assert_eq!(
            DependencyFile::of("requirements/base.txt"),
            Some(DependencyFile::Requirements)
        );
        assert_eq!(
            DependencyFile::of("svc/pyproject.toml"),
            Some(DependencyFile::Pyproject)
        );
        assert_eq!(DependencyFile::of("docs/notes.txt"), None);
        assert_eq!(DependencyFile::of("Cargo.lock"), None);
    }

    #[test]
    fn fixed_versions_and_admission() {
        let d = |requirement: Requirement, written: &str, eco| Declaration {
            ecosystem: eco,
            name: "foo".into(),
            requirement,
            written: written.into(),
            file: "f".into(),
            line: 1,
            required_by: None,
        };
        let pinned = d(
            pep508::python_requirement("==1.2"),
            "==1.2",
            Ecosystem::Python,
        );
        assert_eq!(pinned.fixed_version(), Some("1.2"));
        assert_eq!(pinned.admits("1.2.0"), Some(true));
        assert_eq!(pinned.admits("1.3"), Some(false));
        let range = d(
            pep508::python_requirement(">=1.0,<2"),
            ">=1.0,<2",
            Ecosystem::Python,
        );
        assert_eq!(range.fixed_version(), None);
        assert!(range.states(">=1"));
        assert!(range.states("<2.0"));
        assert!(!range.states(">=2"));
        assert!(range.states("<3"), "<2 guarantees <3");
        assert!(range.states(">=0.9") && !range.states("<1.5"));
        let npm = d(Requirement::Text("^1.2.0".into()), "^1.2.0", Ecosystem::Npm);
        assert_eq!(npm.admits("1.3.0"), None, "npm ranges are not judged");
        let npm_exact = d(Requirement::Text("1.2.0".into()), "1.2.0", Ecosystem::Npm);
        assert_eq!(npm_exact.admits("1.2.0"), Some(true));
        let cargo = d(Requirement::Text("1.2.0".into()), "1.2.0", Ecosystem::Cargo);
        assert_eq!(
            cargo.fixed_version(),
            None,
            "a bare Cargo version is `^1.2.0`"
        );
        let locked = d(
            Requirement::Locked("2.31.0".into()),
            "2.31.0",
            Ecosystem::Python,
        );
        assert_eq!(locked.admits("2.31"), Some(true));
    }
}
