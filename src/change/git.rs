//! What agentlint asks git: the change since a merge-base and the staged
//! change. Every process starts through `gitcmd::GitCommand`, which runs
//! nothing the repository configures; this module decides what to ask,
//! in as few processes as it can, and explains git's refusals.

use super::gitcmd::{self, GitCommand, Keep, Subcommand};
use super::gitconfig::Filters;
use super::linediff;
use super::rawdiff::{self, RawEntry};
use super::{ChangeSet, ChangedFile, ChangedLines, Content, Mode, Status};
use crate::error::{Error, Result};
use crate::source::{looks_binary, WorkTreeReader};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, OnceLock};

/// Blobs larger than this are not read from git: the file counts as
/// changed in full (and the engine's own size limit decides the rest).
const MAX_BLOB: u64 = 64 << 20;

/// A repository git may be asked about.
#[derive(Debug, Clone)]
pub struct Repo {
    pub root: PathBuf,
    /// The filter drivers git's configuration names, emptied on every
    /// command that may read the working tree.
    filter_drivers: Vec<String>,
}

/// A revision argument git could take for an option.
fn check_revision(reference: &str) -> Result<()> {
    if reference.starts_with('-') || reference.is_empty() {
        return Err(Error::usage(
            format!("`{reference}` is not a git revision"),
            Some("pass a branch, tag or commit, e.g. `--since main`".into()),
        ));
    }
    Ok(())
}

fn not_a_repository(dir: &Path) -> Error {
    Error::usage(
        format!("`{}` is not inside a git repository", dir.display()),
        Some("use `--all` to lint files outside git, or `--diff FILE` for a patch".into()),
    )
}

/// Git's reason for refusing to work in a repository, from its standard
/// error, when it is not about the revisions asked for: dubious
/// ownership, not a repository, a corrupt repository, a git too old.
fn refusal(stderr: &str, dir: &Path) -> Option<Error> {
    if stderr.contains("detected dubious ownership") {
        let at = stderr
            .split("repository at '")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .map(str::to_string)
            .unwrap_or_else(|| dir.display().to_string());
        return Some(Error::usage(
            format!("git refuses to work in `{at}`: the repository is owned by another user (git's `safe.directory` check)"),
            Some(format!(
                "if you trust this repository, allow it with `git config --global --add safe.directory {}` and run agentlint again",
                shell_words::quote(&at)
            )),
        ));
    }
    if stderr.contains("not a git repository") {
        return Some(not_a_repository(dir));
    }
    if stderr.contains("unknown option") && stderr.contains("config-env") {
        return Some(Error::usage(
            "this git is too old for agentlint (it needs git 2.31 or newer)",
            Some("install a newer git".to_string()),
        ));
    }
    if lacks_objects(stderr) {
        return Some(Error::usage(
            "this partial clone lacks objects the comparison needs, and agentlint never fetches (fetching would run the remote's transport programs)",
            Some("fetch them yourself first (running the same `git diff` once fetches what it lacks), or clone without `--filter`".to_string()),
        ));
    }
    if stderr.contains("bad config") {
        return Some(Error::Git {
            what: "reading its configuration".into(),
            stderr: bounded(stderr),
            help: Some(
                "git cannot read the configuration file named above; fix or remove it".into(),
            ),
        });
    }
    if stderr.contains("unknown repository extension") || stderr.contains("repository format") {
        return Some(Error::Git {
            what: "opening the repository".into(),
            stderr: bounded(stderr),
            help: Some("the repository uses a format this git does not know; upgrade git".into()),
        });
    }
    let corrupt = [
        "bad object",
        "corrupt",
        "unable to read",
        "invalid object",
        "loose object",
        "packfile",
        "index file",
        "bad signature",
        "missing blob",
        "missing tree",
    ];
    if corrupt.iter().any(|needle| stderr.contains(needle)) {
        return Some(Error::Git {
            what: "reading the repository".into(),
            stderr: bounded(stderr),
            help: Some("git cannot read this repository; `git fsck` says more".into()),
        });
    }
    None
}

/// Git's standard error for a message: trimmed, and at most a screenful
/// (git's errors are short; a repository could still make one long).
fn bounded(stderr: &str) -> String {
    const MAX: usize = 2000;
    let stderr = stderr.trim();
    if stderr.len() <= MAX {
        return stderr.to_string();
    }
    let mut end = MAX;
    while !stderr.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} [... {} more bytes]", &stderr[..end], stderr.len() - end)
}

/// Whether git stopped for an object a partial clone does not have (and,
/// lazy fetching being off, did not fetch).
fn lacks_objects(stderr: &str) -> bool {
    stderr.contains("lazy fetching disabled") || stderr.contains("from promisor remote")
}

/// Whether git's error is about the revision it was given.
fn about_revision(stderr: &str) -> bool {
    let stderr = stderr.to_ascii_lowercase();
    [
        "bad revision",
        "unknown revision",
        "ambiguous argument",
        "merge base",
        "not a valid",
    ]
    .iter()
    .any(|needle| stderr.contains(needle))
}

/// The error of a git command that failed, with git's own reason when it
/// refused the repository.
fn git_error(what: &str, stderr: &str, dir: &Path) -> Error {
    refusal(stderr, dir).unwrap_or_else(|| Error::Git {
        what: what.to_string(),
        stderr: bounded(stderr),
        help: None,
    })
}

/// Runs `cmd` to the end, explaining a refusal.
fn run(cmd: GitCommand, dir: &Path) -> Result<Vec<u8>> {
    let what = cmd.what().to_string();
    let out = cmd.output()?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(git_error(&what, &String::from_utf8_lossy(&out.stderr), dir))
}

/// `git diff-index` as agentlint runs it: raw records with full object
/// ids, renames followed, paths from the root, and submodules compared by
/// the commit they record only (`dirty` never looks inside one, so its
/// own configuration is never read and nothing runs there).
const DIFF_INDEX: &[&str] = &[
    "--raw",
    "-z",
    "--no-abbrev",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--ignore-submodules=dirty",
];

impl Repo {
    /// The repository containing `dir`, or an error saying to use `--all`.
    /// Found on the file system (a `.git` in an ancestor) to save a git
    /// process, unless the environment points git elsewhere.
    pub fn discover(dir: &Path) -> Result<Repo> {
        let env_redirects =
            std::env::var_os("GIT_DIR").is_some() || std::env::var_os("GIT_WORK_TREE").is_some();
        if !env_redirects {
            return match super::walk::find_repo_root(dir) {
                Some(root) => Ok(Repo {
                    root,
                    filter_drivers: Vec::new(),
                }),
                None => Err(not_a_repository(dir)),
            };
        }
        let mut cmd = GitCommand::new(dir, &[], Subcommand::RevParse);
        cmd.arg("--show-toplevel");
        let out = run(cmd, dir)?;
        let root = PathBuf::from(String::from_utf8_lossy(&out).trim());
        Ok(Repo {
            root,
            filter_drivers: Vec::new(),
        })
    }

    fn git(&self, subcommand: Subcommand) -> GitCommand {
        GitCommand::new(&self.root, &self.filter_drivers, subcommand)
    }

    /// Checks the configuration files git will read and, when `worktree`
    /// (git will read working-tree files, through their filters), learns
    /// the exact names of every filter driver git's configuration defines
    /// so that each is emptied.
    fn prepare(&mut self, worktree: bool) -> Result<()> {
        let scan = super::gitconfig::scan(&self.root)?;
        if !worktree {
            return Ok(());
        }
        if let Filters::Known(names) = scan.filters {
            self.filter_drivers = names;
            return Ok(());
        }
        // Asked of git itself: it follows includes and conditional
        // includes exactly as it will in the diff. Exit 1: no such key.
        let mut cmd = self.git(Subcommand::Config);
        cmd.args(["-z", "--name-only", "--get-regexp", r"^filter\."]);
        let out = cmd.output()?;
        if !out.status.success() && out.status.code() != Some(1) {
            return Err(git_error(
                "config",
                &String::from_utf8_lossy(&out.stderr),
                &self.root,
            ));
        }
        self.filter_drivers = filter_drivers(&out.stdout);
        Ok(())
    }

    fn is_shallow(&self) -> bool {
        let mut cmd = self.git(Subcommand::RevParse);
        cmd.arg("--is-shallow-repository");
        run(cmd, &self.root).is_ok_and(|out| out.starts_with(b"true"))
    }

    /// Whether `rev` names a commit.
    fn is_commit(&self, rev: &str) -> bool {
        self.commit_of(rev).is_some()
    }

    /// The commit `rev` names.
    fn commit_of(&self, rev: &str) -> Option<String> {
        let mut cmd = self.git(Subcommand::RevParse);
        cmd.args(["--verify", "--quiet", &format!("{rev}^{{commit}}")]);
        run(cmd, &self.root)
            .ok()
            .map(|out| String::from_utf8_lossy(&out).trim().to_string())
    }

    /// The configured remotes' names.
    fn remotes(&self) -> Vec<String> {
        let mut cmd = self.git(Subcommand::Config);
        cmd.args(["-z", "--name-only", "--get-regexp", r"^remote\..*\.url$"]);
        let Ok(out) = run(cmd, &self.root) else {
            return Vec::new();
        };
        let mut names: Vec<String> = out
            .split(|&b| b == 0)
            .filter_map(|key| {
                let key = String::from_utf8_lossy(key);
                key.strip_prefix("remote.")
                    .and_then(|k| k.strip_suffix(".url"))
                    .map(str::to_string)
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// `reference` as (remote, branch) when it names a remote-tracking
    /// branch of a configured remote (`origin/main` -> `origin`, `main`).
    fn split_remote(&self, reference: &str) -> Option<(String, String)> {
        let reference = reference.strip_prefix("refs/remotes/").unwrap_or(reference);
        self.remotes()
            .into_iter()
            .filter_map(|remote| {
                let branch = reference.strip_prefix(&format!("{remote}/"))?;
                (!branch.is_empty()).then(|| (remote.clone(), branch.to_string()))
            })
            .max_by_key(|(remote, _)| remote.len())
    }

    /// The default branch to compare against: origin/HEAD, then main, then master.
    pub fn default_branch(&self) -> Result<Option<String>> {
        let mut cmd = self.git(Subcommand::ForEachRef);
        cmd.args([
            "--format=%(refname)%00%(symref)",
            "refs/remotes/origin/HEAD",
            "refs/heads/main",
            "refs/heads/master",
        ]);
        let out = run(cmd, &self.root)?;
        let text = String::from_utf8_lossy(&out);
        let mut found: HashMap<&str, &str> = HashMap::new();
        for line in text.lines() {
            if let Some((name, symref)) = line.split_once('\0') {
                found.insert(name, symref);
            }
        }
        if let Some(target) = found.get("refs/remotes/origin/HEAD") {
            if let Some(short) = target.strip_prefix("refs/remotes/") {
                return Ok(Some(short.to_string()));
            }
        }
        for (full, short) in [("refs/heads/main", "main"), ("refs/heads/master", "master")] {
            if found.contains_key(full) {
                return Ok(Some(short.to_string()));
            }
        }
        Ok(None)
    }

    /// The merge-base of `reference` and HEAD, or why there is none.
    fn merge_base(&self, reference: &str) -> Result<String> {
        let mut cmd = self.git(Subcommand::MergeBase);
        cmd.args([reference, "HEAD"]);
        let what = cmd.what().to_string();
        let out = cmd.output()?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(refused) = refusal(&stderr, &self.root) {
            return Err(refused);
        }
        if out.status.code() == Some(1) || about_revision(&stderr) {
            return Err(self.explain_missing_base(reference));
        }
        Err(git_error(&what, &stderr, &self.root))
    }

    /// Why there is no merge-base: a missing ref, no HEAD, a shallow
    /// clone or unrelated histories. Hints name the remote and the branch
    /// apart, as `git fetch` takes them.
    fn explain_missing_base(&self, reference: &str) -> Error {
        if !self.is_commit(reference) {
            let mut help = String::from("check the name");
            match self.split_remote(reference) {
                Some((remote, branch)) => help.push_str(&format!(
                    ", or fetch it first (`git fetch {remote} {branch}`)"
                )),
                None => {
                    let tracking = format!("origin/{reference}");
                    if self.is_commit(&tracking) {
                        help = format!("did you mean `--since {tracking}`?");
                    } else if self.remotes().iter().any(|r| r == "origin") {
                        help.push_str(&format!(
                            ", or fetch it first (`git fetch origin {reference}`, then `--since origin/{reference}`)"
                        ));
                    }
                }
            }
            help.push_str("; in CI check out with `fetch-depth: 0`");
            return Error::usage(
                format!("unknown revision `{reference}`: no such branch, tag or commit"),
                Some(help),
            );
        }
        if !self.is_commit("HEAD") {
            return Error::usage(
                "HEAD has no commits yet, so there is nothing to compare",
                Some("commit first, or use `--staged` or `--all`".to_string()),
            );
        }
        if self.is_shallow() {
            let deepen = match self.split_remote(reference) {
                Some((remote, branch)) => format!(
                    "`git fetch --unshallow {remote}` (or `git fetch --deepen=100 {remote} {branch}` until the histories meet)"
                ),
                None => "`git fetch --unshallow`".to_string(),
            };
            return Error::usage(
                format!("no merge-base between `{reference}` and HEAD: this is a shallow clone"),
                Some(format!(
                    "run {deepen}; in GitHub Actions check out with `actions/checkout` and `fetch-depth: 0`"
                )),
            );
        }
        Error::usage(
            format!("`{reference}` and HEAD have no common ancestor"),
            Some("pass the branch this work started from to `--since`".into()),
        )
    }

    /// Changes from the merge-base of `reference` and HEAD to the working
    /// tree, plus untracked files that are not ignored.
    ///
    /// Git lists what changed (`diff-index --raw`: paths, modes, object
    /// ids) and hands over the merge-base side's blobs (`cat-file --batch`,
    /// started alongside); the changed lines are computed here
    /// (`linediff`). A patch from git would cost more than both: git
    /// hashes every edited working-tree file for its `index` line and
    /// diffs one file at a time.
    pub fn since(self, reference: &str) -> Result<ChangeSet> {
        self.start_since(reference)?.finish()
    }

    /// `since` against the default branch (origin/HEAD, main, master): an
    /// empty change where that branch is HEAD itself is an error, not an
    /// all-clear (a clone of the agent's branch has origin/HEAD pointing
    /// at it).
    pub fn start_since_default(self) -> Result<SinceRun> {
        let reference = self.default_branch()?.ok_or_else(|| {
            Error::usage(
                "no default branch to compare with (no origin/HEAD, main or master)",
                Some("pass one of `--since REF`, `--staged`, `--diff FILE` or `--all`".to_string()),
            )
        })?;
        let mut run = self.start_since(&reference)?;
        run.implicit_base = true;
        Ok(run)
    }

    /// Starts `since`: git runs while the caller does other work (loading
    /// the settings); `SinceRun::finish` collects the change.
    pub fn start_since(mut self, reference: &str) -> Result<SinceRun> {
        check_revision(reference)?;
        // The filters must be known (and emptied) before git compares the
        // working tree.
        self.prepare(true)?;
        // Three processes at once: the diff (the critical path, so first),
        // the blob reader, idle until the diff names the blobs, and the
        // untracked files, which do not depend on the diff.
        let mut diff = self.git(Subcommand::DiffIndex);
        diff.args(DIFF_INDEX)
            .args(["--find-renames", "--merge-base", reference, "--"]);
        let diff = diff.spawn(false, true)?;
        // Starting a process waits for its exec; the other two start on a
        // thread of their own so the caller gets on with its work at once.
        let mut ls_files = self.git(Subcommand::LsFiles);
        ls_files.args(["--others", "--exclude-standard", "-z", "--"]);
        let mut cat_file = self.git(Subcommand::CatFile);
        cat_file.arg("--batch");
        let helpers = std::thread::spawn(move || {
            let untracked = ls_files.spawn(false, true)?;
            let blobs = BlobReader {
                child: cat_file.spawn(true, false)?,
            };
            Ok((blobs, untracked))
        });
        Ok(SinceRun {
            repo: self,
            reference: reference.to_string(),
            implicit_base: false,
            diff,
            helpers,
        })
    }

    /// The raw diff from `reference`'s merge-base to the working tree
    /// when `diff-index --merge-base` failed with `stderr`, and whether
    /// renames were followed. A partial clone may lack the blobs rename
    /// detection reads: the diff runs again without it (a moved file is
    /// then deleted and added). No single merge-base (a missing ref, a
    /// shallow clone, or a criss-cross history git refuses to pick from):
    /// `merge-base` explains, or picks one.
    fn raw_diff_after(&self, reference: &str, stderr: &str) -> Result<(Vec<u8>, bool)> {
        if lacks_objects(stderr) {
            return self.raw_diff(&["--merge-base", reference], false);
        }
        if let Some(refused) = refusal(stderr, &self.root) {
            return Err(refused);
        }
        if !about_revision(stderr) {
            return Err(git_error("diff-index", stderr, &self.root));
        }
        let base = self.merge_base(reference)?;
        self.raw_diff(&[base.as_str()], true)
    }

    /// `diff-index` from `revision` to the working tree, with rename
    /// detection when `renames` and the objects it needs are there.
    fn raw_diff(&self, revision: &[&str], renames: bool) -> Result<(Vec<u8>, bool)> {
        let mut cmd = self.git(Subcommand::DiffIndex);
        cmd.args(DIFF_INDEX)
            .arg(if renames {
                "--find-renames"
            } else {
                "--no-renames"
            })
            .args(revision)
            .arg("--");
        let out = cmd.output()?;
        if out.status.success() {
            return Ok((out.stdout, renames));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if renames && lacks_objects(&stderr) {
            return self.raw_diff(revision, false);
        }
        Err(git_error("diff-index", &stderr, &self.root))
    }

    /// The index against HEAD, with the staged blobs' contents. Git never
    /// reads the working tree here, so no filter can apply.
    pub fn staged(mut self) -> Result<ChangeSet> {
        self.prepare(false)?;
        let mut diff = self.git(Subcommand::DiffIndex);
        diff.args(DIFF_INDEX)
            .args(["--find-renames", "--cached", "HEAD", "--"]);
        let diff = diff.spawn(false, true)?;
        let blobs = BlobReader::spawn(&self)?;
        let out = diff
            .wait_with_output()
            .map_err(|e| gitcmd_wait_error("diff-index --cached", e))?;
        let entries = if out.status.success() {
            rawdiff::parse(&out.stdout)
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            if let Some(refused) = refusal(&stderr, &self.root) {
                return Err(refused);
            }
            if self.is_commit("HEAD") {
                return Err(git_error("diff-index --cached", &stderr, &self.root));
            }
            // No commit yet: everything staged is added.
            self.staged_in_unborn_branch()?
        };
        // Every blob once, however many paths share it.
        let mut wanted: Vec<String> = Vec::new();
        for entry in &entries {
            if staged_content(entry) {
                wanted.push(entry.new_oid.clone());
                if needs_line_diff(entry) {
                    wanted.push(entry.old_oid.clone());
                }
            }
        }
        wanted.sort();
        wanted.dedup();
        let blobs = blobs.read(&wanted)?;
        let mut notices = Vec::new();
        let files: Vec<ChangedFile> = entries
            .iter()
            .map(|entry| staged_file(entry, &blobs))
            .collect();
        let missing = files
            .iter()
            .filter(|f| matches!(f.content, Content::None) && f.status == Status::Added)
            .count();
        if missing > 0 {
            notices.push(format!(
                "{missing} staged file{} could not be read from git's object store",
                if missing == 1 { "" } else { "s" }
            ));
        }
        Ok(ChangeSet {
            root: self.root,
            mode: Mode::Staged,
            files,
            notices,
        })
    }

    /// `ls-files --stage` as raw records: every index entry, added.
    fn staged_in_unborn_branch(&self) -> Result<Vec<RawEntry>> {
        let mut cmd = self.git(Subcommand::LsFiles);
        cmd.args(["--stage", "-z", "--"]);
        let out = run(cmd, &self.root)?;
        let zero = "0".repeat(40);
        Ok(out
            .split(|&b| b == 0)
            .filter_map(|record| {
                let record = String::from_utf8_lossy(record);
                let (meta, path) = record.split_once('\t')?;
                let mut parts = meta.split(' ');
                let (mode, oid) = (parts.next()?, parts.next()?);
                Some(RawEntry {
                    old_mode: "000000".into(),
                    new_mode: mode.to_string(),
                    old_oid: zero.clone(),
                    new_oid: oid.to_string(),
                    status: b'A',
                    old_path: None,
                    path: path.to_string(),
                })
            })
            .collect())
    }
}

fn gitcmd_wait_error(what: &str, e: std::io::Error) -> Error {
    Error::Git {
        what: what.to_string(),
        stderr: e.to_string(),
        help: None,
    }
}

/// The drivers named by `git config -z --name-only` keys
/// `filter.<driver>.<variable>`: the variable never holds a `.`, so the
/// driver is everything between `filter.` and the last `.`, however many
/// `.` and `=` it holds.
fn filter_drivers(listing: &[u8]) -> Vec<String> {
    let mut drivers: Vec<String> = listing
        .split(|&b| b == 0)
        .filter(|k| !k.is_empty())
        .filter_map(|key| {
            let key = String::from_utf8_lossy(key);
            let rest = key.strip_prefix("filter.")?;
            let (driver, _) = rest.rsplit_once('.')?;
            Some(driver.to_string())
        })
        .collect();
    drivers.sort();
    drivers.dedup();
    drivers
}

/// `Repo::since` under way: git's processes are running.
pub struct SinceRun {
    repo: Repo,
    reference: String,
    /// The reference is the default branch, not one the user named.
    implicit_base: bool,
    diff: Child,
    /// The blob reader and `ls-files`, being started.
    helpers: std::thread::JoinHandle<Result<(BlobReader, Child)>>,
}

impl SinceRun {
    /// The repository root the change's paths are relative to.
    pub fn root(&self) -> &Path {
        &self.repo.root
    }

    /// Waits for git and computes the changed lines.
    pub fn finish(self) -> Result<ChangeSet> {
        self.finish_with(|_| ()).map(|(changes, _)| changes)
    }

    /// `finish`, calling `each` on every changed file as soon as its
    /// changed lines are known, on the thread pool (so checking a file
    /// overlaps git inflating the next blob). Its results come back in the
    /// order of `ChangeSet::files`.
    pub fn finish_with<R: Send + Sync>(
        self,
        each: impl Fn(&ChangedFile) -> R + Sync,
    ) -> Result<(ChangeSet, Vec<R>)> {
        let SinceRun {
            repo,
            reference,
            implicit_base,
            diff,
            helpers,
        } = self;
        let (blobs, untracked) = helpers.join().unwrap_or_else(|_| {
            Err(gitcmd_wait_error(
                "ls-files",
                std::io::Error::other("starting git failed"),
            ))
        })?;
        let out = diff
            .wait_with_output()
            .map_err(|e| gitcmd_wait_error("diff-index", e))?;
        let (raw, renames_followed) = if out.status.success() {
            (out.stdout, true)
        } else {
            repo.raw_diff_after(&reference, &String::from_utf8_lossy(&out.stderr))?
        };
        let untracked = gitcmd::finish(untracked, "ls-files").map_err(|e| match e {
            Error::Git { what, stderr, .. } => git_error(&what, &stderr, &repo.root),
            other => other,
        })?;
        let entries = rawdiff::parse(&raw);
        if implicit_base && entries.is_empty() && untracked.iter().all(|&b| b == 0) {
            if let Some(error) = comparing_head_with_itself(&repo, &reference) {
                return Err(error);
            }
        }
        let canonical_root = crate::source::canonical(&repo.root);
        let reader = WorkTreeReader {
            root: &repo.root,
            canonical_root: &canonical_root,
            allow_outside: false,
        };
        let mut by_old_oid: HashMap<&str, Vec<usize>> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            if needs_line_diff(entry) {
                by_old_oid.entry(&entry.old_oid).or_default().push(index);
            }
        }
        let wanted: Vec<String> = by_old_oid.keys().map(|oid| oid.to_string()).collect();
        let untracked: Vec<ChangedFile> = untracked
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|path| {
                let mut file =
                    ChangedFile::new(String::from_utf8_lossy(path).into_owned(), Status::Added);
                file.lines = ChangedLines::All;
                file
            })
            .collect();
        let slots: Vec<OnceLock<(ChangedFile, R)>> =
            entries.iter().map(|_| OnceLock::new()).collect();
        let untracked_results: Vec<OnceLock<R>> =
            untracked.iter().map(|_| OnceLock::new()).collect();
        // Each file is diffed on the thread pool as soon as its merge-base
        // blob arrives, while git inflates the next one.
        let each = &each;
        let read = rayon::in_place_scope(|scope| {
            let (entries, slots, reader) = (&entries, &slots, &reader);
            for (index, entry) in entries.iter().enumerate() {
                if !needs_line_diff(entry) {
                    scope.spawn(move |_| {
                        let file = changed_file(entry, None, reader);
                        let result = each(&file);
                        let _ = slots[index].set((file, result));
                    });
                }
            }
            for (file, slot) in untracked.iter().zip(&untracked_results) {
                scope.spawn(move |_| {
                    let _ = slot.set(each(file));
                });
            }
            blobs.for_each(&wanted, |oid, bytes| {
                let Some(indices) = by_old_oid.get(oid.as_str()) else {
                    return;
                };
                let bytes = Arc::new(bytes);
                for &index in indices {
                    let bytes = Arc::clone(&bytes);
                    scope.spawn(move |_| {
                        let file = changed_file(&entries[index], Some(&bytes), reader);
                        let result = each(&file);
                        let _ = slots[index].set((file, result));
                    });
                }
            })
        });
        read?;
        let mut missing = 0usize;
        let (mut files, mut results): (Vec<ChangedFile>, Vec<R>) = slots
            .into_iter()
            .zip(&entries)
            // A blob git could not give (a partial clone that lacks it,
            // with lazy fetching off): the whole file counts as changed.
            .map(|(slot, entry)| {
                slot.into_inner().unwrap_or_else(|| {
                    missing += 1;
                    let file = changed_file(entry, None, &reader);
                    let result = each(&file);
                    (file, result)
                })
            })
            .unzip();
        for (file, slot) in untracked.into_iter().zip(untracked_results) {
            let result = slot.into_inner().unwrap_or_else(|| each(&file));
            files.push(file);
            results.push(result);
        }
        let mut notices = Vec::new();
        if !renames_followed {
            notices.push(
                "moved files are not followed: this partial clone lacks the blobs rename detection reads (agentlint never fetches), so a moved file counts as deleted and added".to_string(),
            );
        }
        if missing > 0 {
            notices.push(format!(
                "the merge-base version of {missing} file{s} is not in this repository (a partial clone; agentlint never fetches), so every line of {them} counts as changed",
                s = if missing == 1 { "" } else { "s" },
                them = if missing == 1 { "it" } else { "them" },
            ));
        }
        let changes = ChangeSet {
            root: repo.root,
            mode: Mode::Since { reference },
            files,
            notices,
        };
        Ok((changes, results))
    }
}

/// With nothing changed against the default branch: an error when that
/// branch is HEAD itself, so the comparison could never show anything.
fn comparing_head_with_itself(repo: &Repo, reference: &str) -> Option<Error> {
    let head = repo.commit_of("HEAD")?;
    if repo.commit_of(reference)? != head {
        return None;
    }
    let alternatives: Vec<String> = ["origin/main", "origin/master", "main", "master"]
        .iter()
        .filter(|candidate| **candidate != reference)
        .filter(|candidate| repo.commit_of(candidate).is_some_and(|c| c != head))
        .map(|candidate| format!("`agentlint check --since {candidate}`"))
        .collect();
    let help = match alternatives.first() {
        Some(suggestion) => format!("pass the branch the work started from, e.g. {suggestion}"),
        None => "pass the branch the work started from with `--since REF` (or check uncommitted work with `--staged`)".to_string(),
    };
    Some(Error::usage(
        format!("nothing to compare: the default branch `{reference}` is HEAD itself, and nothing changed since"),
        Some(help),
    ))
}

/// A `git cat-file --batch` process, started before the object ids it
/// will be asked for are known.
struct BlobReader {
    child: Child,
}

impl BlobReader {
    fn spawn(repo: &Repo) -> Result<BlobReader> {
        let mut cmd = repo.git(Subcommand::CatFile);
        cmd.arg("--batch");
        let child = cmd.spawn(true, false)?;
        Ok(BlobReader { child })
    }

    /// The blobs among `oids` by object id (a missing object or one that
    /// is not a blob is left out). Ends the process.
    fn read(self, oids: &[String]) -> Result<HashMap<String, Arc<Vec<u8>>>> {
        let mut blobs = HashMap::new();
        self.for_each(oids, |oid, bytes| {
            blobs.insert(oid, Arc::new(bytes));
        })?;
        Ok(blobs)
    }

    /// Calls `each` with every blob among `oids` as it arrives (a missing
    /// object, one that is not a blob or one larger than `MAX_BLOB` is
    /// left out). Ends the process.
    fn for_each(mut self, oids: &[String], mut each: impl FnMut(String, Vec<u8>)) -> Result<()> {
        let stdin = self.child.stdin.take();
        let stdout = self.child.stdout.take();
        let (Some(mut stdin), Some(stdout)) = (stdin, stdout) else {
            let _ = self.child.wait();
            return Err(cat_file_error(std::io::ErrorKind::BrokenPipe.into()));
        };
        if oids.is_empty() {
            drop(stdin);
            let _ = self.child.wait();
            return Ok(());
        }
        let request: String = oids.iter().map(|o| format!("{o}\n")).collect();
        // Write from another thread so a full stdout pipe cannot deadlock us;
        // closing stdin when done ends the process.
        let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
        let mut reader = BufReader::new(stdout);
        let result = (|| {
            for _ in oids {
                let mut header = String::new();
                if reader.read_line(&mut header).map_err(cat_file_error)? == 0 {
                    break;
                }
                let mut parts = header.split_whitespace();
                let (Some(oid), Some(kind), Some(size)) =
                    (parts.next(), parts.next(), parts.next())
                else {
                    continue; // "<oid> missing"
                };
                let size: u64 = size.parse().unwrap_or(0);
                if size > MAX_BLOB {
                    // Skipped without holding it: content and newline.
                    std::io::copy(&mut (&mut reader).take(size + 1), &mut std::io::sink())
                        .map_err(cat_file_error)?;
                    continue;
                }
                let mut bytes = vec![0u8; size as usize];
                reader.read_exact(&mut bytes).map_err(cat_file_error)?;
                let mut newline = [0u8; 1];
                reader.read_exact(&mut newline).map_err(cat_file_error)?;
                if kind == "blob" {
                    each(oid.to_string(), bytes);
                }
            }
            Ok(())
        })();
        drop(reader);
        let _ = writer.join();
        let _ = self.child.wait();
        result
    }
}

impl Drop for BlobReader {
    /// A reader never asked (the diff failed) must not outlive the run.
    fn drop(&mut self) {
        if self.child.stdin.is_some() {
            drop(self.child.stdin.take());
            let _ = self.child.wait();
        }
    }
}

fn cat_file_error(e: std::io::Error) -> Error {
    Error::Git {
        what: "cat-file --batch".into(),
        stderr: e.to_string(),
        help: None,
    }
}

/// Whether `entry`'s changed lines come from diffing its two sides: both
/// regular files with different contents.
fn needs_line_diff(entry: &RawEntry) -> bool {
    matches!(entry.status, b'M' | b'R')
        && entry.old_is_regular()
        && entry.new_is_regular()
        && entry.old_oid != entry.new_oid
}

/// Whether a staged entry has content to lint: a regular file on the new
/// side, not deleted.
fn staged_content(entry: &RawEntry) -> bool {
    entry.status != b'D' && entry.new_is_regular()
}

/// How `entry` changed, and what of it is not read at all.
fn status_of(entry: &RawEntry) -> Status {
    match entry.status {
        b'D' => Status::Deleted,
        _ if entry.new_is_submodule() => Status::Submodule,
        _ if !entry.new_is_regular() => Status::NotAFile,
        b'M' | b'R' if entry.old_is_regular() => match &entry.old_path {
            Some(_) => Status::Renamed,
            None => Status::Modified,
        },
        // Added, copied, a symlink or submodule that became a file, or an
        // unmerged path: all of it is new.
        _ => Status::Added,
    }
}

/// What changed in one path of the raw diff, its lines computed from the
/// merge-base blob and the working-tree file.
fn changed_file(entry: &RawEntry, old: Option<&[u8]>, reader: &WorkTreeReader<'_>) -> ChangedFile {
    let status = status_of(entry);
    let mut file = ChangedFile::new(entry.path.clone(), status);
    file.old_path = entry.old_path.clone().filter(|_| status == Status::Renamed);
    match status {
        Status::Deleted | Status::NotAFile | Status::Submodule | Status::Binary => return file,
        Status::Added => file.lines = ChangedLines::All,
        Status::Modified | Status::Renamed => {
            if !needs_line_diff(entry) {
                return file; // same content: a pure rename or mode change
            }
        }
    }
    // An unreadable file keeps every line: the engine reads it again and
    // reports why it could not.
    let Ok(new) = reader.read(&entry.path) else {
        file.lines = ChangedLines::All;
        return file;
    };
    let old = old.filter(|_| status != Status::Added);
    diff_sides(&mut file, old, &new);
    file
}

/// A staged entry, its content the index's blob.
fn staged_file(entry: &RawEntry, blobs: &HashMap<String, Arc<Vec<u8>>>) -> ChangedFile {
    let status = status_of(entry);
    let mut file = ChangedFile::new(entry.path.clone(), status);
    file.old_path = entry.old_path.clone().filter(|_| status == Status::Renamed);
    file.content = Content::None;
    match status {
        Status::Deleted | Status::NotAFile | Status::Submodule | Status::Binary => return file,
        Status::Added => file.lines = ChangedLines::All,
        Status::Modified | Status::Renamed => {}
    }
    let Some(new) = blobs.get(&entry.new_oid) else {
        file.lines = ChangedLines::All;
        return file;
    };
    file.content = Content::Bytes(Arc::clone(new));
    if matches!(status, Status::Modified | Status::Renamed) && !needs_line_diff(entry) {
        return file; // same content: a pure rename or mode change
    }
    let old = if needs_line_diff(entry) {
        // A base blob git could not give: every line counts as changed.
        match blobs.get(&entry.old_oid) {
            Some(old) => Some(old.as_slice()),
            None => {
                file.lines = ChangedLines::All;
                None
            }
        }
    } else {
        None
    };
    diff_sides(&mut file, old, new);
    file
}

/// The changed lines and counts of `file` from its two sides (no old
/// side: all of it is new), or binary.
fn diff_sides(file: &mut ChangedFile, old: Option<&[u8]>, new: &[u8]) {
    if looks_binary(new) || old.is_some_and(looks_binary) {
        file.status = Status::Binary;
        return;
    }
    match old {
        Some(old) => {
            let (lines, added, deleted) = linediff::changed_lines(old, new);
            file.lines = lines;
            file.added = added;
            file.deleted = deleted;
        }
        None => {
            file.lines = ChangedLines::All;
            file.added = linediff::line_count(new);
        }
    }
}

/// Where git looks for hooks in the repository containing `dir`: honours
/// `core.hooksPath` and linked worktrees (`git rev-parse --git-path
/// hooks`), as an absolute path. Runs no hook and reads no file content.
pub fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let mut cmd = GitCommand::keeping(dir, Subcommand::RevParse, Keep::HooksPath);
    cmd.args(["--path-format=absolute", "--git-path", "hooks"]);
    let out = run(cmd, dir).map_err(|e| match e {
        Error::Usage { message, .. } if message.contains("is not inside a git repository") => {
            Error::usage(
                format!("`{}` is not inside a git repository", dir.display()),
                Some("run `agentlint install-hook` inside the repository to protect".into()),
            )
        }
        other => other,
    })?;
    let text = String::from_utf8_lossy(&out);
    let path = PathBuf::from(text.trim_end_matches(['\n', '\r']));
    Ok(if path.is_absolute() {
        path
    } else {
        dir.join(path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_names_are_everything_between_filter_and_the_last_dot() {
        let listing = b"filter.lfs.clean\0filter.lfs.process\0filter.a=b.clean\0filter.x.y.z.smudge\0filter.noname\0";
        assert_eq!(
            filter_drivers(listing),
            vec!["a=b".to_string(), "lfs".to_string(), "x.y.z".to_string()]
        );
    }

    #[test]
    fn refusals_are_told_in_gits_words() {
        let dubious = "fatal: detected dubious ownership in repository at '/work/repo'\nTo add an exception for this directory, call:\n\n\tgit config --global --add safe.directory /work/repo\n";
        let err = refusal(dubious, Path::new("/x")).expect("a refusal");
        let Error::Usage { message, help } = err else {
            panic!("a usage error")
        };
        assert!(message.contains("/work/repo"), "{message}");
        assert_eq!(
            help.as_deref(),
            Some("if you trust this repository, allow it with `git config --global --add safe.directory /work/repo` and run agentlint again")
        );
        assert!(refusal("fatal: bad revision 'main'", Path::new("/x")).is_none());
        assert!(about_revision("fatal: bad revision 'main'"));
        assert!(refusal("error: inflate: data stream error (incorrect header check)\nfatal: loose object 1234 is corrupt", Path::new("/x")).is_some());
    }
}
