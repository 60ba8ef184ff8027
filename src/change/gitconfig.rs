//! Whether git's configuration could define a filter driver, judged from
//! the configuration files' text so that the common case (no filter, no
//! include anywhere) spares a `git config` process on the critical path of
//! `--since` (about 3 ms of a 20 ms run).
//!
//! This is deliberately an over-approximation, never a parser: any mention
//! of `filter` or `include` in any file git would read, any configuration
//! passed through the environment, any unreadable file, a `.git` that is
//! not a directory, or a git installation whose system file cannot be
//! placed means "maybe", and the caller then asks git itself (which
//! resolves includes) and empties every driver it names.

use std::path::{Path, PathBuf};

/// `false` only when no configuration git reads can name a filter driver.
pub fn may_define_filters(root: &Path) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    // Configuration passed by a parent git (`git -c`, hooks) or the user.
    let from_environment = [
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG",
        "GIT_DIR",
        "GIT_COMMON_DIR",
    ];
    if from_environment
        .iter()
        .any(|var| std::env::var_os(var).is_some())
    {
        return true;
    }
    let git_dir = root.join(".git");
    // A worktree's or submodule's `.git` file points elsewhere: ask git.
    if !std::fs::symlink_metadata(&git_dir).is_ok_and(|m| m.is_dir()) {
        return true;
    }
    let Some(files) = config_files(&git_dir) else {
        return true;
    };
    files.iter().any(|file| may_name_filters(file))
}

/// Every file git reads its configuration from, as git 2.x orders them:
/// system, global, repository, worktree. `None`: not known here.
fn config_files(git_dir: &Path) -> Option<Vec<PathBuf>> {
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
    files.push(git_dir.join("config"));
    files.push(git_dir.join("config.worktree"));
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

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether a configuration file may name a filter driver or pull in
/// another file. A missing file names nothing; an unreadable one might.
fn may_name_filters(file: &Path) -> bool {
    match std::fs::read(file) {
        Ok(bytes) => {
            let text = bytes.to_ascii_lowercase();
            memchr::memmem::find(&text, b"filter").is_some()
                || memchr::memmem::find(&text, b"include").is_some()
        }
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mention_of_filter_or_include_in_any_case_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("config");
        assert!(!may_name_filters(&file), "a missing file names nothing");
        for (text, expected) in [
            ("[core]\n\tbare = false\n", false),
            ("[filter \"lfs\"]\n\tclean = git-lfs clean -- %f\n", true),
            ("[FILTER \"x\"]\n\tclean = x\n", true),
            ("[Filter.x]\n\tclean = x\n", true),
            ("[include]\n\tpath = other\n", true),
            ("[includeIf \"gitdir:/x/\"]\n\tpath = other\n", true),
        ] {
            std::fs::write(&file, text).expect("write");
            assert_eq!(may_name_filters(&file), expected, "{text}");
        }
    }
}
