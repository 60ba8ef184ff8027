//! `agentlint install-hook`: a plain git pre-commit hook for repositories
//! that do not use the pre-commit framework (which uses
//! `.pre-commit-hooks.yaml` instead).
//!
//! The hook goes where git will run it: `git rev-parse --git-path hooks`,
//! which honours `core.hooksPath` (writing to `.git/hooks` while
//! `core.hooksPath` points elsewhere would install a hook that never runs).
//! An existing hook is never replaced without `--force`.

use crate::change::git;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The first line after the shebang: marks a hook we wrote.
pub const MARKER: &str = "# agentlint pre-commit hook (written by `agentlint install-hook`)";

/// The hook script. It runs `agentlint` from PATH, or else the binary that
/// installed it (GUI git clients often run hooks with a reduced PATH).
pub fn script(fallback: Option<&Path>) -> String {
    let fallback = fallback
        .map(|p| shell_words::quote(&p.to_string_lossy()).into_owned())
        .unwrap_or_else(|| "''".to_string());
    format!(
        r#"#!/bin/sh
{MARKER}
# Lints the staged change before each commit; a finding at warning level or
# above stops the commit. Skip once with `git commit --no-verify`; remove
# this file to uninstall.
if command -v agentlint >/dev/null 2>&1; then
    exec agentlint check --staged
fi
fallback={fallback}
if [ -n "$fallback" ] && [ -x "$fallback" ]; then
    exec "$fallback" check --staged
fi
echo "agentlint pre-commit hook: agentlint is not on PATH; install it or remove $0" >&2
exit 1
"#
    )
}

/// Writes the hook for the repository containing `dir`; returns its path.
pub fn install(dir: &Path, force: bool) -> Result<PathBuf> {
    let hooks = git::hooks_dir(dir)?;
    let path = hooks.join("pre-commit");
    // `symlink_metadata`: a dangling symlink is an existing hook too.
    if std::fs::symlink_metadata(&path).is_ok() && !force {
        return Err(Error::usage(
            format!("a pre-commit hook already exists at `{}`", path.display()),
            Some("pass `--force` to replace it, or call `agentlint check --staged` from it".into()),
        ));
    }
    std::fs::create_dir_all(&hooks).map_err(|e| Error::io("create directory", &hooks, e))?;
    if force && std::fs::symlink_metadata(&path).is_ok() {
        // Replace a symlink itself rather than write through it.
        std::fs::remove_file(&path).map_err(|e| Error::io("remove", &path, e))?;
    }
    let exe = std::env::current_exe().ok();
    std::fs::write(&path, script(exe.as_deref())).map_err(|e| Error::io("write", &path, e))?;
    make_executable(&path)?;
    Ok(path)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)
        .map_err(|e| Error::io("read", path, e))?
        .permissions();
    perms.set_mode(perms.mode() | 0o755);
    std::fs::set_permissions(path, perms).map_err(|e| Error::io("make executable", path, e))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    // Git for Windows runs hooks through its own sh; no mode bit needed.
    Ok(())
}
