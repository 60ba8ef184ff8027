//! The only place agentlint runs git. The repository was written by an
//! agent, so git must never run a program the repository configures:
//! external diff drivers, textconv, clean/smudge filters, fsmonitor and
//! hooks are all disabled, and the environment cannot add them back.
//! Git is asked in as few invocations as possible.

use super::linediff;
use super::rawdiff::{self, RawEntry};
use super::unidiff::{self, DiffFile};
use super::{ChangeSet, ChangedFile, ChangedLines, Content, Mode, Status};
use crate::error::{Error, Result};
use crate::source::{looks_binary, WorkTreeReader};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};

/// A repository git may be asked about.
#[derive(Debug, Clone)]
pub struct Repo {
    pub root: PathBuf,
    /// `-c` overrides that neutralize repository-configured filters.
    filter_overrides: Vec<String>,
}

/// Options common to every git invocation.
fn base_command(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_PAGER")
        .env_remove("GIT_DIFF_OPTS")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_PAGER", "cat")
        .stdin(Stdio::null())
        .args([
            "--no-pager",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.quotePath=false",
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "-c",
            "diff.relative=false",
            "-c",
            "color.ui=false",
        ]);
    cmd
}

fn run(cmd: Command, what: &str) -> Result<Vec<u8>> {
    finish(spawn(cmd, what)?, what)
}

/// `git diff` as agentlint runs it: no configured program (external diff,
/// textconv), no colour, paths from the root, renames followed.
const DIFF: [&str; 6] = [
    "diff",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--no-relative",
    "--find-renames",
];

/// Starts `cmd` with its output captured; `finish` collects it.
fn spawn(mut cmd: Command, what: &str) -> Result<Child> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Git {
            what: what.to_string(),
            stderr: e.to_string(),
            help: Some("is git installed and on PATH?".into()),
        })
}

/// The standard output of a process from `spawn`, or its error.
fn finish(child: Child, what: &str) -> Result<Vec<u8>> {
    let output = child.wait_with_output().map_err(|e| Error::Git {
        what: what.to_string(),
        stderr: e.to_string(),
        help: None,
    })?;
    if !output.status.success() {
        return Err(Error::Git {
            what: what.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            help: None,
        });
    }
    Ok(output.stdout)
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
                    filter_overrides: Vec::new(),
                }),
                None => Err(not_a_repository(dir)),
            };
        }
        let mut cmd = base_command(dir);
        cmd.args(["rev-parse", "--show-toplevel"]);
        let out = run(cmd, "rev-parse").map_err(|e| match e {
            Error::Git { stderr, .. } if stderr.contains("not a git repository") => {
                not_a_repository(dir)
            }
            other => other,
        })?;
        let root = PathBuf::from(String::from_utf8_lossy(&out).trim());
        Ok(Repo {
            root,
            filter_overrides: Vec::new(),
        })
    }

    fn is_shallow(&self) -> bool {
        let mut cmd = self.command();
        cmd.args(["rev-parse", "--is-shallow-repository"]);
        run(cmd, "rev-parse").is_ok_and(|out| out.starts_with(b"true"))
    }

    fn command(&self) -> Command {
        let mut cmd = base_command(&self.root);
        for o in &self.filter_overrides {
            cmd.args(["-c", o]);
        }
        cmd
    }

    /// The command listing every configured `filter.*` key.
    fn filter_query(&self) -> Command {
        let mut cmd = base_command(&self.root);
        cmd.args(["config", "-z", "--name-only", "--get-regexp", r"^filter\."]);
        cmd
    }

    /// Empties every `filter.<driver>.clean/smudge/process` named in the
    /// output of `filter_query`, so comparing with the working tree runs no
    /// program (git exits 1 when there is no such key: nothing to do).
    fn neutralize_filters(&mut self, listing: &[u8]) {
        for key in listing.split(|&b| b == 0).filter(|k| !k.is_empty()) {
            let key = String::from_utf8_lossy(key);
            if let Some((driver, _)) = key.strip_prefix("filter.").and_then(|k| k.rsplit_once('.'))
            {
                for part in ["clean", "smudge", "process"] {
                    self.filter_overrides
                        .push(format!("filter.{driver}.{part}="));
                }
                self.filter_overrides
                    .push(format!("filter.{driver}.required=false"));
            }
        }
    }

    /// The default branch to compare against: origin/HEAD, then main, then master.
    pub fn default_branch(&self) -> Result<Option<String>> {
        let mut cmd = self.command();
        cmd.args([
            "for-each-ref",
            "--format=%(refname)%00%(symref)",
            "refs/remotes/origin/HEAD",
            "refs/heads/main",
            "refs/heads/master",
        ]);
        let out = run(cmd, "for-each-ref")?;
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

    fn merge_base(&self, reference: &str) -> Result<String> {
        check_revision(reference)?;
        let mut cmd = self.command();
        cmd.args(["merge-base", reference, "HEAD"]);
        match run(cmd, "merge-base") {
            Ok(out) => Ok(String::from_utf8_lossy(&out).trim().to_string()),
            Err(_) => Err(self.explain_missing_base(reference)),
        }
    }

    /// Why `merge-base` failed: a missing ref, no HEAD, or a shallow clone.
    fn explain_missing_base(&self, reference: &str) -> Error {
        let verify = |rev: &str| {
            let mut cmd = self.command();
            cmd.args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("{rev}^{{commit}}"),
            ]);
            run(cmd, "rev-parse").is_ok()
        };
        if !verify(reference) {
            return Error::usage(
                format!("unknown revision `{reference}`: no such branch, tag or commit"),
                Some(format!(
                    "check the name, or fetch it first (`git fetch origin {reference}`); in CI check out with `fetch-depth: 0`"
                )),
            );
        }
        if !verify("HEAD") {
            return Error::usage(
                "HEAD has no commits yet, so there is nothing to compare",
                Some("commit first, or use `--staged` or `--all`".to_string()),
            );
        }
        if self.is_shallow() {
            return Error::usage(
                format!("no merge-base between `{reference}` and HEAD: this is a shallow clone"),
                Some("run `git fetch --unshallow` (in GitHub Actions: `actions/checkout` with `fetch-depth: 0`)".into()),
            );
        }
        Error::usage(
            format!("`{reference}` and HEAD have no common ancestor"),
            Some("pass the branch this work started from to `--since`".into()),
        )
    }

    fn diff_args(cmd: &mut Command) {
        cmd.args(DIFF);
        cmd.args([
            "--unified=0",
            "--inter-hunk-context=0",
            "--full-index",
            "--src-prefix=a/",
            "--dst-prefix=b/",
        ]);
    }

    /// Changes from the merge-base of `reference` and HEAD to the working
    /// tree, plus untracked files that are not ignored.
    ///
    /// Git lists what changed (`diff --raw`: paths, modes, object ids) and
    /// hands over the merge-base side's blobs (`cat-file --batch`, started
    /// alongside); the changed lines are computed here (`linediff`). A
    /// patch from git would cost more than both: git hashes every edited
    /// working-tree file for its `index` line and diffs one file at a time.
    pub fn since(self, reference: &str) -> Result<ChangeSet> {
        self.start_since(reference)?.finish()
    }

    /// Starts `since`: git runs while the caller does other work (loading
    /// the settings); `SinceRun::finish` collects the change.
    pub fn start_since(mut self, reference: &str) -> Result<SinceRun> {
        check_revision(reference)?;
        // The configured filters must be known (and emptied) before git
        // compares the working tree. Ask git for them only when its
        // configuration files might name one: a process saved on the
        // critical path.
        if super::gitconfig::may_define_filters(&self.root) {
            let listing = self.filter_query().output().map_err(|e| Error::Git {
                what: "config".into(),
                stderr: e.to_string(),
                help: Some("is git installed and on PATH?".into()),
            })?;
            self.neutralize_filters(&listing.stdout);
        }
        // Three processes at once: the diff (the critical path, so first),
        // the blob reader, idle until the diff names the blobs, and the
        // untracked files, which do not depend on the diff.
        let diff = self.raw_diff_command(&["--merge-base", reference]);
        let diff = spawn(diff, "diff")?;
        let blobs = BlobReader::spawn(&self)?;
        let mut ls_files = self.command();
        ls_files.args(["ls-files", "--others", "--exclude-standard", "-z", "--"]);
        let untracked = spawn(ls_files, "ls-files")?;
        Ok(SinceRun {
            repo: self,
            reference: reference.to_string(),
            diff,
            blobs,
            untracked,
        })
    }
    /// `git diff --raw` from `revision` (and its options) to the working
    /// tree.
    fn raw_diff_command(&self, revision: &[&str]) -> Command {
        let mut cmd = self.command();
        cmd.args(DIFF).args(["--raw", "-z", "--no-abbrev"]);
        cmd.args(revision).arg("--");
        cmd
    }

    /// The index against HEAD, with the staged blobs' contents.
    pub fn staged(self) -> Result<ChangeSet> {
        let mut cmd = self.command();
        Self::diff_args(&mut cmd);
        cmd.args(["--cached", "--"]);
        let diff = run(cmd, "diff --cached")?;
        let parsed: Vec<DiffFile> = unidiff::parse(&diff);
        let wanted: Vec<String> = parsed
            .iter()
            .filter(|d| {
                matches!(
                    d.file.status,
                    Status::Added | Status::Modified | Status::Renamed
                )
            })
            .filter_map(|d| d.new_oid.clone())
            .collect();
        let mut blobs = BlobReader::spawn(&self)?.read(&wanted)?;
        let files = parsed
            .into_iter()
            .map(|d| {
                let mut file = d.file;
                file.content = match d.new_oid.and_then(|oid| blobs.remove(&oid)) {
                    Some(bytes) => Content::Bytes(Arc::new(bytes)),
                    None => Content::None,
                };
                file
            })
            .collect();
        Ok(ChangeSet {
            root: self.root,
            mode: Mode::Staged,
            files,
            notices: Vec::new(),
        })
    }
}

/// `Repo::since` under way: git's processes are running.
pub struct SinceRun {
    repo: Repo,
    reference: String,
    diff: Child,
    blobs: BlobReader,
    untracked: Child,
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
            diff,
            blobs,
            untracked,
        } = self;
        let raw = match finish(diff, "diff") {
            Ok(raw) => raw,
            // No single merge-base (a missing ref, a shallow clone, or a
            // criss-cross history git refuses to pick from): ask merge-base,
            // which explains or picks one.
            Err(_) => {
                let base = repo.merge_base(&reference)?;
                run(repo.raw_diff_command(&[base.as_str()]), "diff")?
            }
        };
        let untracked = finish(untracked, "ls-files")?;
        let entries = rawdiff::parse(&raw);
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
        let (mut files, mut results): (Vec<ChangedFile>, Vec<R>) = slots
            .into_iter()
            .zip(&entries)
            // A blob git could not give: the whole file counts as changed.
            .map(|(slot, entry)| {
                slot.into_inner().unwrap_or_else(|| {
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
        let changes = ChangeSet {
            root: repo.root,
            mode: Mode::Since { reference },
            files,
            notices: Vec::new(),
        };
        Ok((changes, results))
    }
}

/// A `git cat-file --batch` process, started before the object ids it
/// will be asked for are known.
struct BlobReader {
    child: Child,
}

impl BlobReader {
    fn spawn(repo: &Repo) -> Result<BlobReader> {
        let mut cmd = repo.command();
        cmd.args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let child = cmd.spawn().map_err(cat_file_error)?;
        Ok(BlobReader { child })
    }

    /// The blobs among `oids` by object id (a missing object or one that
    /// is not a blob is left out). Ends the process.
    fn read(self, oids: &[String]) -> Result<HashMap<String, Vec<u8>>> {
        let mut blobs = HashMap::new();
        self.for_each(oids, |oid, bytes| {
            blobs.insert(oid, bytes);
        })?;
        Ok(blobs)
    }

    /// Calls `each` with every blob among `oids` as it arrives (a missing
    /// object or one that is not a blob is left out). Ends the process.
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
                let size: usize = size.parse().unwrap_or(0);
                let mut bytes = vec![0u8; size];
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

/// What changed in one path of the raw diff, its lines computed from the
/// merge-base blob and the working-tree file.
fn changed_file(entry: &RawEntry, old: Option<&[u8]>, reader: &WorkTreeReader<'_>) -> ChangedFile {
    let status = match entry.status {
        b'D' => Status::Deleted,
        _ if !entry.new_is_regular() => Status::NotAFile,
        b'M' | b'R' if entry.old_is_regular() => match &entry.old_path {
            Some(_) => Status::Renamed,
            None => Status::Modified,
        },
        // Added, copied, a symlink or submodule that became a file, or an
        // unmerged path: all of it is new.
        _ => Status::Added,
    };
    let mut file = ChangedFile::new(entry.path.clone(), status);
    file.old_path = entry.old_path.clone().filter(|_| status == Status::Renamed);
    match status {
        Status::Deleted | Status::NotAFile | Status::Binary => return file,
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
    if looks_binary(&new) || old.is_some_and(looks_binary) {
        file.status = Status::Binary;
        return file;
    }
    match old {
        Some(old) => {
            let (lines, added, deleted) = linediff::changed_lines(old, &new);
            file.lines = lines;
            file.added = added;
            file.deleted = deleted;
        }
        None => {
            file.lines = ChangedLines::All;
            file.added = linediff::line_count(&new);
        }
    }
    file
}

/// Where git looks for hooks in the repository containing `dir`: honours
/// `core.hooksPath` and linked worktrees (`git rev-parse --git-path
/// hooks`), as an absolute path. Runs no hook and reads no file content.
pub fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"]);
    let out = run(cmd, "rev-parse --git-path hooks").map_err(|e| match e {
        Error::Git { stderr, .. } if stderr.contains("not a git repository") => Error::usage(
            format!("`{}` is not inside a git repository", dir.display()),
            Some("run `agentlint install-hook` inside the repository to protect".into()),
        ),
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
