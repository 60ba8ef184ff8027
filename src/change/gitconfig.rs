//! The configuration files git reads in a repository, found and read the
//! way git finds them (`.git` as a directory or a `gitdir:` file,
//! `commondir`, `config.worktree`, the global and system files), for two
//! questions asked before any git process starts:
//!
//! - can git even read them? A configuration file that is a FIFO or a
//!   device (a `.git/config` symlinked to `/dev/zero`, say) would make git
//!   wait or read forever; the check refuses it with a clear error.
//! - could they define a filter driver? Only then does agentlint ask git
//!   for the drivers' exact names (`git config --get-regexp`), a process
//!   saved on the critical path of `--since` in the common case.
//!
//! The second is an over-approximation, never a parser: any mention of
//! `filter` or `include` in any file git would read, any configuration in
//! the environment, a file too large to scan, or a layout not understood
//! here means "maybe", and git itself then lists the drivers (following
//! includes and conditional includes exactly as it will in the diff).
//! Every read is of a regular file, bounded in size.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Larger configuration files are not scanned here: git lists their
/// filters itself.
const MAX_SCANNED: u64 = 4 << 20;
/// `.git` files and `commondir` hold one path.
const MAX_POINTER: u64 = 64 << 10;

/// What the configuration files say before git runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scan {
    /// `false` only when no configuration git reads can name a filter driver.
    pub may_define_filters: bool,
}

/// Checks the configuration files git will read in the repository at
/// `root` and whether they may define a filter driver.
pub(crate) fn scan(root: &Path) -> Result<Scan> {
    let mut maybe = from_environment();
    let files = match repository_files(root)? {
        Some(files) => files,
        None => {
            maybe = true;
            Vec::new()
        }
    };
    let user = user_files();
    if user.is_none() {
        maybe = true;
    }
    for file in files.iter().chain(user.iter().flatten()) {
        match read_config(file)? {
            Contents::Missing => {}
            Contents::Text(bytes) => maybe |= may_name_filters(&bytes),
            Contents::NotScanned => maybe = true,
        }
    }
    Ok(Scan {
        may_define_filters: maybe || !cfg!(target_os = "linux"),
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

/// Whether a configuration file's text may name a filter driver or pull
/// in another file that may.
fn may_name_filters(bytes: &[u8]) -> bool {
    let text = bytes.to_ascii_lowercase();
    memchr::memmem::find(&text, b"filter").is_some()
        || memchr::memmem::find(&text, b"include").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_of_filter_or_include_in_any_case_counts() {
        for (text, expected) in [
            ("[core]\n\tbare = false\n", false),
            ("[filter \"lfs\"]\n\tclean = git-lfs clean -- %f\n", true),
            ("[FILTER \"x\"]\n\tclean = x\n", true),
            ("[Filter.x]\n\tclean = x\n", true),
            ("[include]\n\tpath = other\n", true),
            ("[includeIf \"gitdir:/x/\"]\n\tpath = other\n", true),
        ] {
            assert_eq!(may_name_filters(text.as_bytes()), expected, "{text}");
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
