//! The one way agentlint starts git. Everything a repository can configure
//! was written by an agent, so no git process started here can run a
//! program, whatever the repository, an included file or the environment
//! configures:
//!
//! - only read-only subcommands that run no hook, editor or pager
//!   ([`Subcommand`]), with `--no-pager`;
//! - every configuration key git documents as naming a program that those
//!   subcommands could reach is overridden on the command line, which
//!   git reads after every configuration file and the environment's
//!   `GIT_CONFIG_*` (docs/git-hardening.md lists every documented key and
//!   how it is covered);
//! - every filter driver git's configuration names is emptied by its exact
//!   name through `--config-env`, which splits at the *last* `=`, so a
//!   driver name holding `=` or `.` cannot escape (`-c` splits at the
//!   first `=`);
//! - no transport can start (`GIT_ALLOW_PROTOCOL` empty overrides every
//!   `protocol.*.allow`) and a partial clone never fetches what it lacks
//!   (`GIT_NO_LAZY_FETCH`), so `core.sshCommand`, `remote.*.uploadpack`,
//!   remote helpers, credential helpers and askpass programs are never
//!   reached;
//! - the environment's own program variables (`GIT_EXTERNAL_DIFF`,
//!   `GIT_SSH_COMMAND`, `GIT_ASKPASS`, ...) are replaced.
//!
//! `std::process::Command` is used nowhere else in the crate (a test
//! checks), so no git call can skip this.

use crate::error::{Error, Result};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The git subcommands agentlint runs: all read-only plumbing that runs
/// no hook and no editor, and writes nothing to the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subcommand {
    CatFile,
    Config,
    DiffIndex,
    ForEachRef,
    LsFiles,
    MergeBase,
    RevParse,
    /// `diff --no-index` of two temporary files: the reference the line
    /// diff is tested against.
    #[cfg(test)]
    DiffNoIndex,
}

impl Subcommand {
    fn args(self) -> &'static [&'static str] {
        match self {
            Subcommand::CatFile => &["cat-file"],
            Subcommand::Config => &["config"],
            Subcommand::DiffIndex => &["diff-index"],
            Subcommand::ForEachRef => &["for-each-ref"],
            Subcommand::LsFiles => &["ls-files"],
            Subcommand::MergeBase => &["merge-base"],
            Subcommand::RevParse => &["rev-parse"],
            #[cfg(test)]
            Subcommand::DiffNoIndex => &["diff", "--no-index"],
        }
    }
}

/// Environment variables holding the values `--config-env` gives keys
/// whose names are not ours (`--config-env=KEY=VAR` reads VAR's value).
const EMPTY: &str = "AGENTLINT_GIT_EMPTY";
const FALSE: &str = "AGENTLINT_GIT_FALSE";

/// A program path that cannot exist (a path under a device), for keys
/// whose empty value git would not read as "none".
const NO_PROGRAM: &str = "/dev/null/agentlint-runs-no-program";

/// Keys set on every git command line, after everything git read.
const CONFIG: &[(&str, &str)] = &[
    // Programs on the way of the subcommands we run.
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("diff.external", ""),
    ("core.editor", ":"),
    ("sequence.editor", ":"),
    ("core.askPass", ""),
    ("credential.helper", ""),
    ("core.sshCommand", NO_PROGRAM),
    ("ssh.variant", "ssh"),
    ("core.alternateRefsCommand", ""),
    ("gpg.program", NO_PROGRAM),
    ("gpg.openpgp.program", NO_PROGRAM),
    ("gpg.x509.program", NO_PROGRAM),
    ("gpg.ssh.program", NO_PROGRAM),
    ("gpg.ssh.defaultKeyCommand", ""),
    ("log.showSignature", "false"),
    ("protocol.allow", "never"),
    ("submodule.recurse", "false"),
    ("diff.ignoreSubmodules", "dirty"),
    ("status.submoduleSummary", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    // What the history says, not what the repository substitutes for it.
    ("core.useReplaceRefs", "false"),
    // Output the parsers expect.
    ("core.quotePath", "false"),
    ("color.ui", "false"),
];

/// Environment variables set for every git process: the user's own
/// program variables replaced, transports refused, no prompt, no lazy
/// fetch, no optional lock.
const ENV: &[(&str, &str)] = &[
    (EMPTY, ""),
    (FALSE, "false"),
    ("GIT_PAGER", ""),
    ("PAGER", ""),
    ("GIT_EDITOR", ":"),
    ("GIT_SEQUENCE_EDITOR", ":"),
    ("GIT_ASKPASS", ""),
    ("SSH_ASKPASS", ""),
    ("GIT_SSH_COMMAND", NO_PROGRAM),
    ("GIT_PROXY_COMMAND", ""),
    // An empty list: no protocol is allowed, whatever `protocol.*.allow` says.
    ("GIT_ALLOW_PROTOCOL", ""),
    ("GIT_PROTOCOL_FROM_USER", "0"),
    ("GIT_NO_LAZY_FETCH", "1"),
    ("GIT_TERMINAL_PROMPT", "0"),
    ("GIT_OPTIONAL_LOCKS", "0"),
    ("GIT_NO_REPLACE_OBJECTS", "1"),
    ("GIT_GRAFT_FILE", NO_PROGRAM),
];

/// Environment variables removed: a program git would run, or options
/// the output parsers do not expect.
const ENV_REMOVED: &[&str] = &["GIT_EXTERNAL_DIFF", "GIT_SSH", "GIT_DIFF_OPTS"];

/// What a git command may keep as the repository configures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    Nothing,
    /// `core.hooksPath`, to ask git where hooks go (`rev-parse --git-path
    /// hooks` runs none).
    HooksPath,
}

/// A git process about to start, hardened. The command inside cannot be
/// reached, so every argument goes after the subcommand.
pub(crate) struct GitCommand {
    cmd: Command,
    what: String,
}

impl GitCommand {
    /// `git <subcommand>` in `dir`, with every filter driver in
    /// `filter_drivers` emptied.
    pub(crate) fn new(dir: &Path, filter_drivers: &[String], subcommand: Subcommand) -> Self {
        Self::build(dir, filter_drivers, subcommand, Keep::Nothing)
    }

    pub(crate) fn keeping(dir: &Path, subcommand: Subcommand, keep: Keep) -> Self {
        Self::build(dir, &[], subcommand, keep)
    }

    fn build(dir: &Path, filter_drivers: &[String], subcommand: Subcommand, keep: Keep) -> Self {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir).stdin(Stdio::null()).arg("--no-pager");
        for var in ENV_REMOVED {
            cmd.env_remove(var);
        }
        for (var, value) in ENV {
            cmd.env(var, value);
        }
        for (key, value) in CONFIG {
            if keep == Keep::HooksPath && *key == "core.hooksPath" {
                continue;
            }
            cmd.arg("-c").arg(format!("{key}={value}"));
        }
        for driver in filter_drivers {
            for part in ["clean", "smudge", "process"] {
                push_exact(&mut cmd, &format!("filter.{driver}.{part}"), EMPTY);
            }
            push_exact(&mut cmd, &format!("filter.{driver}.required"), FALSE);
        }
        cmd.args(subcommand.args());
        GitCommand {
            cmd,
            what: subcommand.args().join(" "),
        }
    }

    pub(crate) fn arg(&mut self, arg: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.cmd.arg(arg);
        self
    }

    pub(crate) fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// What to call this command in an error (`git diff-index`).
    pub(crate) fn what(&self) -> &str {
        &self.what
    }

    /// Starts git with its output (and, with `stdin`, its input) piped.
    pub(crate) fn spawn(mut self, stdin: bool, stderr: bool) -> Result<Child> {
        if stdin {
            self.cmd.stdin(Stdio::piped());
        }
        self.cmd.stdout(Stdio::piped()).stderr(if stderr {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        self.cmd.spawn().map_err(|e| spawn_error(&self.what, e))
    }

    /// Runs git to the end: its exit status, standard output and error.
    pub(crate) fn output(self) -> Result<std::process::Output> {
        let what = self.what.clone();
        self.spawn(false, true)?
            .wait_with_output()
            .map_err(|e| wait_error(&what, e))
    }
}

/// `key` set to the value of the environment variable `var`. Unlike
/// `-c key=value`, which splits at the first `=`, `--config-env` takes
/// the key up to the last `=`: exact for any key, even one holding `=`.
fn push_exact(cmd: &mut Command, key: &str, var: &str) {
    cmd.arg(format!("--config-env={key}={var}"));
}

fn spawn_error(what: &str, e: std::io::Error) -> Error {
    Error::Git {
        what: what.to_string(),
        stderr: e.to_string(),
        help: Some("is git installed and on PATH?".into()),
    }
}

fn wait_error(what: &str, e: std::io::Error) -> Error {
    Error::Git {
        what: what.to_string(),
        stderr: e.to_string(),
        help: None,
    }
}

/// The standard output of a process from `GitCommand::spawn`, or its error.
pub(crate) fn finish(child: Child, what: &str) -> Result<Vec<u8>> {
    let output = child.wait_with_output().map_err(|e| wait_error(what, e))?;
    if !output.status.success() {
        return Err(Error::Git {
            what: what.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            help: None,
        });
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(cmd: &GitCommand) -> Vec<String> {
        cmd.cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn driver_names_go_to_git_verbatim() {
        let cmd = GitCommand::new(
            Path::new("."),
            &["a=b".to_string(), "x.y".to_string()],
            Subcommand::DiffIndex,
        );
        let args = args_of(&cmd);
        for expected in [
            format!("--config-env=filter.a=b.clean={EMPTY}"),
            format!("--config-env=filter.x.y.process={EMPTY}"),
        ] {
            assert!(args.contains(&expected), "{expected} in {args:?}");
        }
        assert!(args.contains(&format!("--config-env=filter.a=b.required={FALSE}")));
        // Global options come before the subcommand.
        assert_eq!(args.last().map(String::as_str), Some("diff-index"));
    }

    #[test]
    fn hooks_path_is_kept_only_when_asked() {
        let hardened = args_of(&GitCommand::new(Path::new("."), &[], Subcommand::RevParse));
        assert!(hardened.contains(&"core.hooksPath=/dev/null".to_string()));
        let kept = args_of(&GitCommand::keeping(
            Path::new("."),
            Subcommand::RevParse,
            Keep::HooksPath,
        ));
        assert!(!kept.iter().any(|a| a.contains("hooksPath")));
        assert!(kept.contains(&"core.fsmonitor=false".to_string()));
    }
}
