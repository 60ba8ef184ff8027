//! The configuration files git reads in a repository, found and read the
//! way git finds them (`.git` as a directory or a `gitdir:` file,
//! `commondir`, `config.worktree`, the global and system files), for two
//! questions asked before any git process starts:
//!
//! - can git even read them? A configuration file that is a FIFO or a
//!   device (a `.git/config` symlinked to `/dev/zero`, say) would make git
//!   wait or read forever; the check refuses it with a clear error.
//! - which filter drivers do they define? Git is asked for the exact names
//!   (`git config --get-regexp`) unless the answer is certain from the
//!   files' text, which saves a process on the critical path of `--since`
//!   in the common cases (no filter at all; git-lfs's `[filter "lfs"]`).
//!
//! The text answer is certain only in the simplest shape: every `filter`
//! that follows a `[` starts a `[filter "NAME"]` header whose NAME holds
//! no `\` or `"`, which git reads verbatim. An old-style `[filter.name]`,
//! an escape, any `include`, configuration in the environment, a file too
//! large or not regular, or a layout not understood here means "ask git",
//! which follows includes and conditional includes exactly as it will in
//! the diff. A name read from something that only looks like a header (in
//! a value) is emptied too, which is harmless. Every read is of a regular
//! file, bounded in size.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Larger configuration files are not scanned here: git lists their
/// filters itself.
const MAX_SCANNED: u64 = 4 << 20;
/// `.git` files and `commondir` hold one path.
const MAX_POINTER: u64 = 64 << 10;

/// The filter drivers git's configuration defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filters {
    /// Every driver any configuration file git reads may define (a
    /// superset of git's own list).
    Known(Vec<String>),
    /// Only git can tell.
    AskGit,
}

/// What the configuration files say before git runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scan {
    pub filters: Filters,
}

/// Checks the configuration files git will read in the repository at
/// `root` and whether they may define a filter driver.
pub(crate) fn scan(root: &Path) -> Result<Scan> {
    let mut certain = !from_environment() && cfg!(target_os = "linux");
    let files = match repository_files(root)? {
        Some(files) => files,
        None => {
            certain = false;
            Vec::new()
        }
    };
    let user = user_files();
    if user.is_none() {
        certain = false;
    }
    let mut names = Vec::new();
    // Every file is checked (a FIFO is refused) even once git must be asked.
    for file in files.iter().chain(user.iter().flatten()) {
        match read_config(file)? {
            Contents::Missing => {}
            Contents::Text(bytes) => match filter_headers(&bytes) {
                Some(found) => names.extend(found),
                None => certain = false,
            },
            Contents::NotScanned => certain = false,
        }
    }
    names.sort();
    names.dedup();
    Ok(Scan {
        filters: if certain {
            Filters::Known(names)
        } else {
            Filters::AskGit
        },
    })
}

/// Configuration passed by a parent git (`git -c`, hooks) or the user.
fn from_environment() -> bool {
    ["GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG"]
        .iter()
        .any(|var| std::env::var_os(var).is_some())
}

/// The repository's own configuration files: the common directory's
/// `config` and the worktree's `config.worktree`. `None` when the
/// environment points git elsewhere (`GIT_DIR`, `GIT_COMMON_DIR`).
fn repository_files(root: &Path) -> Result<Option<Vec<PathBuf>>> {
    if std::env::var_os("GIT_DIR").is_some() || std::env::var_os("GIT_COMMON_DIR").is_some() {
        return Ok(None);
    }
    let Some(git_dir) = git_dir(root)? else {
        return Ok(None);
    };
    let common_dir = common_dir(&git_dir)?;
    Ok(Some(vec![
        common_dir.join("config"),
        git_dir.join("config.worktree"),
    ]))
}

/// The repository's git directory: `.git` itself, or where a `.git` file
/// (a linked worktree's or a submodule's) points.
fn git_dir(root: &Path) -> Result<Option<PathBuf>> {
    let dot_git = root.join(".git");
    let Ok(meta) = std::fs::metadata(&dot_git) else {
        return Ok(None);
    };
    if meta.is_dir() {
        return Ok(Some(dot_git));
    }
    let Some(text) = read_pointer(&dot_git)? else {
        return Ok(None);
    };
    let Some(target) = text.strip_prefix("gitdir:") else {
        return Ok(None);
    };
    let target = Path::new(target.trim());
    Ok(Some(if target.is_absolute() {
        target.to_path_buf()
    } else {
        root.join(target)
    }))
}

/// Where the shared part of a linked worktree's repository lives
/// (`commondir`, relative to the git directory), else the git directory.
fn common_dir(git_dir: &Path) -> Result<PathBuf> {
    let file = git_dir.join("commondir");
    Ok(match read_pointer(&file)? {
        Some(text) => {
            let target = Path::new(text.trim_end_matches(['\n', '\r']));
            if target.is_absolute() {
                target.to_path_buf()
            } else {
                git_dir.join(target)
            }
        }
        None => git_dir.to_path_buf(),
    })
}

/// A one-line file git reads a path from, or `None` when it is missing.
fn read_pointer(path: &Path) -> Result<Option<String>> {
    match read_regular(path, MAX_POINTER)? {
        Contents::Missing => Ok(None),
        Contents::Text(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Contents::NotScanned => Err(Error::usage(
            format!("`{}` is not a git pointer file", path.display()),
            Some("it should be a small file holding one path; git would refuse it too".to_string()),
        )),
    }
}

/// The user's and the system's configuration files, as git 2.x orders
/// them. `None`: where the system file is cannot be told here.
fn user_files() -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    let no_system = std::env::var("GIT_CONFIG_NOSYSTEM")
        .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"));
    if !no_system {
        match std::env::var_os("GIT_CONFIG_SYSTEM") {
            Some(path) => files.push(PathBuf::from(path)),
            None => {
                files.push(PathBuf::from("/etc/gitconfig"));
                files.push(git_prefix()?.join("etc/gitconfig"));
            }
        }
    }
    match std::env::var_os("GIT_CONFIG_GLOBAL") {
        Some(path) => files.push(PathBuf::from(path)),
        None => {
            let home = std::env::var_os("HOME").map(PathBuf::from);
            let xdg = std::env::var_os("XDG_CONFIG_HOME")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".config")));
            files.extend(xdg.map(|x| x.join("git/config")));
            files.extend(home.map(|h| h.join(".gitconfig")));
        }
    }
    Some(files)
}

/// The installation prefix of the `git` that `PATH` leads to (`/usr` for
/// `/usr/bin/git`), when it is one of the layouts whose system file is
/// `$prefix/etc/gitconfig` or `/etc/gitconfig`.
fn git_prefix() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let git = std::env::split_paths(&path)
        .map(|dir| dir.join("git"))
        .find(|candidate| is_executable(candidate))?;
    let git = git.canonicalize().ok()?;
    let prefix = git.parent()?.parent()?.to_path_buf();
    (prefix == Path::new("/usr") || prefix == Path::new("/usr/local")).then_some(prefix)
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

enum Contents {
    Missing,
    Text(Vec<u8>),
    /// Too large, or not a regular file: left to git.
    NotScanned,
}

fn read_config(path: &Path) -> Result<Contents> {
    read_regular(path, MAX_SCANNED)
}

/// A file git would read, as long as it is a regular file (a symlink to
/// one is followed, as git follows it) of at most `limit` bytes. A FIFO or
/// a socket is an error: git would wait on it forever. Other special
/// files (a device, a folder) are not read here; git reads or refuses
/// them itself, at once (`/dev/zero` is a "bad config line 1").
fn read_regular(path: &Path, limit: u64) -> Result<Contents> {
    if path == Path::new("/dev/null") {
        return Ok(Contents::Missing);
    }
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if is_absent(&e) => return Ok(Contents::Missing),
        Err(e) => return Err(Error::io("read git's configuration file", path, e)),
    };
    if waits_forever(&meta) {
        return Err(Error::usage(
            format!(
                "git's configuration file `{}` is a FIFO or a socket",
                path.display()
            ),
            Some(
                "git would wait on it forever; agentlint does not start git in this repository \
                 until it is a plain file or gone"
                    .to_string(),
            ),
        ));
    }
    if !meta.is_file() {
        return Ok(Contents::NotScanned);
    }
    if meta.len() > limit {
        return Ok(Contents::NotScanned);
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("read", path, e))?;
    if bytes.len() as u64 > limit {
        return Ok(Contents::NotScanned);
    }
    Ok(Contents::Text(bytes))
}

#[cfg(unix)]
fn waits_forever(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_fifo() || meta.file_type().is_socket()
}

#[cfg(not(unix))]
fn waits_forever(_: &std::fs::Metadata) -> bool {
    false
}

fn is_absent(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    // A path through a file (`/dev/null/x`) is as absent as a missing one.
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// The filter drivers a configuration file's text defines, when that is
/// certain: `None` for an include or any `[filter` header other than
/// `[filter "NAME"]` with a plain NAME.
fn filter_headers(bytes: &[u8]) -> Option<Vec<String>> {
    let text = bytes.to_ascii_lowercase();
    if memchr::memmem::find(&text, b"include").is_some() {
        return None;
    }
    let mut names = Vec::new();
    for at in memchr::memmem::find_iter(&text, b"filter") {
        // Git reads a section name right after `[`, with no space.
        if at == 0 || bytes[at - 1] != b'[' {
            continue;
        }
        let rest = &bytes[at + b"filter".len()..];
        match rest.first() {
            // `[filter]`, `[filters]`, `[filter-x]`: another section.
            Some(b']') => continue,
            Some(c) if c.is_ascii_alphanumeric() || *c == b'-' => continue,
            Some(b' ' | b'\t') => {}
            // `[filter.name]` (lower-cased by git), or anything else.
            _ => return None,
        }
        let rest = rest.trim_ascii_start();
        let quoted = rest.strip_prefix(b"\"")?;
        let end = memchr::memchr3(b'"', b'\\', b'\n', quoted)?;
        if quoted[end] != b'"' || quoted.get(end + 1) != Some(&b']') {
            return None;
        }
        names.push(String::from_utf8(quoted[..end].to_vec()).ok()?);
    }
    Some(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::gitcmd::{GitCommand, Subcommand};

    /// Each text through `filter_headers` and through git's own reading
    /// (`git config --file`): a certain answer holds every name git finds.
    #[test]
    fn filter_names_from_text_are_git_s_own_or_git_is_asked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("config");
        let known = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
        for (text, expected) in [
            ("[core]\n\tbare = false\n", known(&[])),
            (
                "[filter \"lfs\"]\n\tclean = git-lfs clean -- %f\n\trequired = true\n",
                known(&["lfs"]),
            ),
            ("[FILTER \"X\"]\n\tclean = x\n", known(&["X"])),
            ("[Filter  \t\"a=b.c\"]\n\tclean = x\n", known(&["a=b.c"])),
            ("[core][filter \"y\"]\nclean = x\n", known(&["y"])),
            (
                "[remote \"origin\"]\n\tpartialclonefilter = blob:none\n",
                known(&[]),
            ),
            ("[filters]\n\tx = 1\n[filter]\n\tclean = x\n", known(&[])),
            ("[Filter.x]\n\tclean = x\n", None),
            ("[filter \"a\\\"b\"]\n\tclean = x\n", None),
            ("[filter \"a\\\\b\"]\n\tclean = x\n", None),
            ("[include]\n\tpath = other\n", None),
            ("[includeIf \"gitdir:/x/\"]\n\tpath = other\n", None),
        ] {
            assert_eq!(filter_headers(text.as_bytes()), expected, "{text}");
            std::fs::write(&file, text).expect("write");
            let mut cmd = GitCommand::new(dir.path(), &[], Subcommand::Config);
            cmd.args(["--no-includes", "-z", "--name-only", "--file"])
                .arg(&file)
                .args(["--get-regexp", r"^filter\."]);
            let out = cmd.output().expect("git runs");
            let from_git: Vec<String> = out
                .stdout
                .split(|&b| b == 0)
                .filter_map(|k| {
                    let k = String::from_utf8_lossy(k);
                    k.strip_prefix("filter.")?
                        .rsplit_once('.')
                        .map(|(d, _)| d.to_string())
                })
                .collect();
            if let Some(names) = &expected {
                for name in &from_git {
                    assert!(names.contains(name), "{text}: git names `{name}`");
                }
            }
        }
    }

    #[test]
    fn linked_worktrees_and_commondir_lead_to_the_shared_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let main_git = dir.path().join("main/.git");
        let worktree_git = main_git.join("worktrees/wt");
        std::fs::create_dir_all(&worktree_git).expect("mkdir");
        std::fs::write(worktree_git.join("commondir"), "../..\n").expect("write");
        let wt = dir.path().join("wt");
        std::fs::create_dir_all(&wt).expect("mkdir");
        std::fs::write(
            wt.join(".git"),
            format!("gitdir: {}\n", worktree_git.display()),
        )
        .expect("write");
        let files = repository_files(&wt).expect("readable").expect("a layout");
        assert_eq!(files[0], worktree_git.join("../..").join("config"));
        assert_eq!(files[1], worktree_git.join("config.worktree"));
        // A plain `.git` directory with its own `commondir` follows it too.
        let plain = dir.path().join("plain");
        std::fs::create_dir_all(plain.join(".git")).expect("mkdir");
        std::fs::write(plain.join(".git/commondir"), "/elsewhere").expect("write");
        let files = repository_files(&plain)
            .expect("readable")
            .expect("a layout");
        assert_eq!(files[0], Path::new("/elsewhere/config"));
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_never_read_nor_a_large_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("/dev/zero", &link).expect("symlink");
        assert!(matches!(read_config(&link), Ok(Contents::NotScanned)));
        assert!(matches!(
            read_config(Path::new("/dev/null")),
            Ok(Contents::Missing)
        ));
        assert!(matches!(
            read_config(&dir.path().join("missing")),
            Ok(Contents::Missing)
        ));
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'#'; (MAX_SCANNED + 1) as usize]).expect("write");
        assert!(matches!(read_config(&big), Ok(Contents::NotScanned)));
    }
}
