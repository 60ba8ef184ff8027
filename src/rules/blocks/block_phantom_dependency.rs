use crate::block_file::{DependencyClaim, VersionClaim};
use crate::declare_rule;
use crate::deps::{self, Declaration, DependencyIndex};
use crate::rule::blocks::{BlockAnchor, BlockContext, BlockRule};

declare_rule! {
    /// ## What it does
    /// Checks each package or version conflict a block claims against the
    /// repository's dependency files (requirements*.txt, pyproject.toml,
    /// setup.cfg, Pipfile, poetry.lock, uv.lock, package.json, Cargo.toml;
    /// see `docs/blocks-and-triage.md` for what is read), and flags it when:
    /// - the package is in none of them ("requires `orjson>=3.9`" in a
    ///   project that never mentions orjson);
    /// - a claimed specifier is stated by no dependency file, unless what
    ///   the repository fixes (a lock entry, an `==` pin) breaks it, which is
    ///   the conflict the block describes; when what it fixes satisfies the
    ///   claim, there is no conflict;
    /// - a claimed version ("pydantic 1.10 is incompatible with …") is not
    ///   the one the repository fixes, or every declaration excludes it;
    /// - "bar requires foo>=2": bar is not a dependency, or a lock file that
    ///   records bar's requirements says otherwise. When no lock file records
    ///   them, the claim cannot be checked and the report says so.
    ///
    /// Python versions compare by PEP 440 (`1.2` is `1.2.0`; Poetry's `^`
    /// and `~` as Poetry defines them); npm and Cargo versions only when a
    /// file fixes one exactly. `python` is checked against `requires-python`
    /// and its equivalents.
    ///
    /// ## Why is this bad?
    /// "Version conflicts are often hallucinated" (the design's decision
    /// matrix): an agent that blocks on a conflict the lock file does not
    /// have wastes a review and leaves its task undone.
    ///
    /// ## Example
    /// ```markdown
    /// Blocked: `httpx` 0.27 requires `anyio<4`, but the project pins `anyio==4.4.0`.
    /// ```
    /// (uv.lock records httpx 0.27.0 requiring `anyio` with no upper bound)
    ///
    /// ## Not flagged
    /// A claim the files bear out: the package is declared and the
    /// specifier or version is the one they state, or the version the
    /// repository fixes violates the claimed requirement.
    pub BlockPhantomDependency {
        id: "block-phantom-dependency",
        scope: Blocks,
        severity: Error,
        summary: "a block claims a package or version constraint the dependency files do not have",
    }
}

impl BlockRule for BlockPhantomDependency {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut BlockContext<'_>) {
        let mut hits = Vec::new();
        let mut notices = Vec::new();
        for (index, file) in cx.files.iter().enumerate() {
            for block in file.all_claims() {
                for claim in &block.dependencies {
                    match judge(claim, cx.deps) {
                        Verdict::Holds => {}
                        Verdict::Unverified(why) => {
                            notices.push(format!("{}: {why}", cx.location(index, claim.span.start)))
                        }
                        Verdict::Phantom(message) => {
                            hits.push((index, claim.span.clone(), message))
                        }
                    }
                }
            }
        }
        for notice in notices {
            cx.notice(notice);
        }
        let help = if cx.deps.files.is_empty() {
            "the repository has no dependency file agentlint reads; verify the claim before accepting the block".to_string()
        } else {
            format!(
                "verify the claim against {} before accepting the block",
                list_files(cx.deps)
            )
        };
        for (file, span, message) in hits {
            cx.report(&Self::META, BlockAnchor::Block { file, span }, message)
                .help(help.clone());
        }
    }
}

enum Verdict {
    Holds,
    Phantom(String),
    Unverified(String),
}

fn list_files(deps: &DependencyIndex) -> String {
    let mut names: Vec<&str> = deps.files.iter().map(String::as_str).collect();
    names.dedup();
    let shown: Vec<String> = names.iter().take(4).map(|n| format!("`{n}`")).collect();
    if names.len() > 4 {
        format!("{} and {} more", shown.join(", "), names.len() - 4)
    } else {
        shown.join(", ")
    }
}

fn describe(d: &Declaration) -> String {
    if d.written.is_empty() {
        format!("`{}` ({})", d.name, d.location())
    } else {
        format!("`{} {}` ({})", d.name, d.written, d.location())
    }
}

fn judge(claim: &DependencyClaim, deps: &DependencyIndex) -> Verdict {
    let name = &claim.package;
    let is_python = deps::normalize(name) == "python" || deps::normalize(name) == "python3";
    let lookup_name = if is_python { "python" } else { name.as_str() };
    // "bar requires foo…": bar's own requirement.
    if let Some(by) = &claim.required_by {
        let by_declared = deps.lookup(by);
        if by_declared.is_empty() {
            return Verdict::Phantom(format!("the block says `{by}` requires `{name}`, but `{by}` is in none of the dependency files"));
        }
        if !deps.knows_requirements_of(by) {
            return Verdict::Unverified(format!(
                "`{by}` requiring `{name}{}` is about `{by}`'s own metadata, which no lock file of the repository records; not verified",
                version_text(&claim.version)
            ));
        }
        let stated = deps.required_by(by, name);
        if stated.is_empty() {
            return Verdict::Phantom(format!(
                "the lock file lists `{by}`'s dependencies, and `{name}` is not among them"
            ));
        }
        return match &claim.version {
            VersionClaim::Specifier(spec)
                if !stated
                    .iter()
                    .any(|d| d.states(spec) || d.requirement == deps::Requirement::Any) =>
            {
                Verdict::Phantom(format!(
                    "the block says `{by}` requires `{name}{spec}`, but the lock file records {}",
                    stated
                        .iter()
                        .map(|d| describe(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            _ => Verdict::Holds,
        };
    }
    let declared: Vec<&Declaration> = deps
        .lookup(lookup_name)
        .into_iter()
        .filter(|d| d.required_by.is_none())
        .collect();
    let anywhere = deps.lookup(lookup_name);
    if anywhere.is_empty() {
        if is_python {
            return Verdict::Unverified(format!(
                "`{name}{}`: the repository states no Python version; not verified",
                version_text(&claim.version)
            ));
        }
        return Verdict::Phantom(format!(
            "`{name}` is in none of the repository's dependency files"
        ));
    }
    let candidates = if declared.is_empty() {
        anywhere
    } else {
        declared
    };
    match &claim.version {
        VersionClaim::None => Verdict::Holds,
        VersionClaim::Specifier(spec) => {
            if candidates.iter().any(|d| d.states(spec)) {
                return Verdict::Holds;
            }
            let fixed: Vec<(&Declaration, &str)> = candidates
                .iter()
                .filter_map(|d| d.fixed_version().map(|v| (*d, v)))
                .collect();
            let breaks = fixed.iter().any(|(d, v)| {
                deps::specifier_admits(spec, v) == Some(false)
                    || (d.ecosystem != deps::Ecosystem::Python
                        && !deps::same_version(
                            d.ecosystem,
                            v,
                            spec.trim_start_matches(['=', '^', '~']),
                        ))
            });
            if breaks {
                // The repository fixes a version the claim excludes: the
                // conflict the block describes.
                return Verdict::Holds;
            }
            if let Some((d, v)) = fixed.first() {
                return Verdict::Phantom(format!(
                    "no dependency file states `{name}{spec}`, and the version the repository fixes, {v} ({}), already satisfies it: there is no conflict",
                    d.location()
                ));
            }
            Verdict::Phantom(format!(
                "no dependency file states `{name}{spec}`; the repository declares {}",
                candidates
                    .iter()
                    .take(3)
                    .map(|d| describe(d))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        VersionClaim::Version(version) => {
            let fixed: Vec<(&Declaration, &str)> = candidates
                .iter()
                .filter_map(|d| d.fixed_version().map(|v| (*d, v)))
                .collect();
            if fixed
                .iter()
                .any(|(d, v)| deps::same_version(d.ecosystem, v, version))
            {
                return Verdict::Holds;
            }
            if let Some((d, v)) = fixed.first() {
                return Verdict::Phantom(format!(
                    "the repository fixes `{name}` at {v} ({}), not {version}",
                    d.location()
                ));
            }
            let admitted: Vec<Option<bool>> =
                candidates.iter().map(|d| d.admits(version)).collect();
            if !admitted.is_empty() && admitted.iter().all(|a| *a == Some(false)) {
                return Verdict::Phantom(format!(
                    "`{name}` {version} is excluded by every declaration of it: {}",
                    candidates
                        .iter()
                        .take(3)
                        .map(|d| describe(d))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Verdict::Holds
        }
    }
}

fn version_text(version: &VersionClaim) -> String {
    match version {
        VersionClaim::None => String::new(),
        VersionClaim::Version(v) => format!(" {v}"),
        VersionClaim::Specifier(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::DependencyFile;

    fn index() -> DependencyIndex {
        let mut deps = DependencyIndex::default();
        deps.add_file(
            "requirements.txt",
            DependencyFile::Requirements,
            "requests==2.31.0\nurllib3>=1.21,<3\nbotocore\n",
        );
        deps.add_file(
            "pyproject.toml",
            DependencyFile::Pyproject,
            "[project]\nrequires-python = \">=3.10\"\ndependencies = [\"pydantic>=2\"]\n",
        );
        deps.add_file(
            "poetry.lock",
            DependencyFile::PoetryLock,
            "[[package]]\nname = \"botocore\"\nversion = \"1.34.0\"\n\n[package.dependencies]\nurllib3 = \">=1.25.4,<2.1\"\n\n[[package]]\nname = \"urllib3\"\nversion = \"2.0.7\"\n",
        );
        deps
    }

    fn claim(package: &str, version: VersionClaim, by: Option<&str>) -> DependencyClaim {
        DependencyClaim {
            span: 0..1,
            package: package.into(),
            version,
            required_by: by.map(str::to_string),
        }
    }

    fn phantom(c: DependencyClaim) -> bool {
        matches!(judge(&c, &index()), Verdict::Phantom(_))
    }

    #[test]
    fn verdicts() {
        use VersionClaim::{Specifier, Version};
        assert!(
            phantom(claim("orjson", VersionClaim::None, None)),
            "not declared anywhere"
        );
        assert!(
            !phantom(claim("Requests", Version("2.31".into()), None)),
            "the pinned version (PEP 440: 2.31 is 2.31.0)"
        );
        assert!(
            phantom(claim("requests", Version("2.28.0".into()), None)),
            "pinned to another version"
        );
        // urllib3 is locked at 2.0.7: a claimed `>=2` is already met (no conflict),
        // a claimed `<2` is broken by it (the conflict is real).
        assert!(phantom(claim("urllib3", Specifier(">=2".into()), None)));
        assert!(!phantom(claim("urllib3", Specifier("<2".into()), None)));
        assert!(
            !phantom(claim("urllib3", Specifier("<3".into()), None)),
            "stated by requirements.txt"
        );
        assert!(
            phantom(claim("pydantic", Version("1.10.2".into()), None)),
            "`pydantic>=2` excludes it"
        );
        assert!(!phantom(claim("pydantic", Version("2.5.0".into()), None)));
        assert!(
            !phantom(claim("urllib3", Specifier("<2.1".into()), Some("botocore"))),
            "the lock records it"
        );
        assert!(
            phantom(claim("urllib3", Specifier("<2".into()), Some("botocore"))),
            "the lock records <2.1"
        );
        assert!(
            phantom(claim("jmespath", VersionClaim::None, Some("botocore"))),
            "not among botocore's locked dependencies"
        );
        assert!(
            phantom(claim("urllib3", Specifier("<2".into()), Some("boto3"))),
            "boto3 is not a dependency"
        );
        assert!(
            matches!(
                judge(
                    &claim("idna", Specifier("<3".into()), Some("requests")),
                    &index()
                ),
                Verdict::Unverified(_)
            ),
            "requests' requirements are in no lock"
        );
        assert!(
            phantom(claim("python", Specifier(">=3.12".into()), None)),
            "requires-python is >=3.10"
        );
        assert!(!phantom(claim("python", Version("3.11".into()), None)));
        assert!(phantom(claim("python", Version("3.9".into()), None)));
    }
}
