//! unsafe-shell: a shell command breaking `environment.shell_restrictions`.

use crate::audit::event::{Event, EventKind};
use crate::audit::policy::AuditPolicy;
use crate::audit::read::cut;
use crate::audit::shell::{self, SimpleCommand};
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// Checks every shell command the agent ran against the
    /// `environment.shell_restrictions` of `agent_config.yaml`:
    /// - `no_sudo`: `sudo`, `su` or `doas`;
    /// - `no_system_package_install`: system package managers installing
    ///   (`apt`/`apt-get`/`aptitude install`, `dpkg -i`, `yum`/`dnf`/`zypper
    ///   install`, `apk add`, `brew install`, `snap install`, `pacman -S`,
    ///   `npm install -g`), and `pip install --user` or
    ///   `--break-system-packages`;
    /// - `venv_isolated`: `pip install` run through a system interpreter
    ///   (`/usr/bin/pip`, `/usr/bin/python3 -m pip`), under `sudo`, or with
    ///   `--user` / `--break-system-packages` / `uv pip install --system`.
    ///
    /// Commands are tokenized with a real shell-words tokenizer, cut at
    /// `&&`, `||`, `;`, `|` and `&`, and wrappers are looked inside:
    /// `bash -c '…'`, `sh -c`, `env`, `xargs`, `timeout`, `nohup`, `eval`,
    /// `su -c`, `$(…)` and backticks.
    ///
    /// ## Why restrict this?
    /// An unsupervised agent with root or a system package manager changes
    /// the machine, not the project: the next run, and every other project on
    /// the host, inherits it, and nothing in the diff shows it. The design
    /// asks that all shell commands run inside the project's virtual
    /// environment.
    ///
    /// ## Example
    /// ```jsonl
    /// {"type":"tool_call","tool":"Bash","payload":{"command":"cd /tmp && bash -c 'sudo apt-get install -y jq'"},"timestamp":"2026-03-02T14:00:00Z","session_id":"s1"}
    /// ```
    ///
    /// Use instead:
    /// ```jsonl
    /// {"type":"tool_call","tool":"Bash","payload":{"command":"./.venv/bin/pip install -r requirements.txt"},"timestamp":"2026-03-02T14:00:00Z","session_id":"s1"}
    /// ```
    ///
    /// ## Not flagged
    /// `pip install` without a system path, `--user` or `sudo` (the design
    /// runs the agent with the venv activated, so a bare `pip` is the venv's);
    /// `apt-cache search`, `brew list` and other read-only package manager
    /// calls; the words `sudo` or `apt-get install` inside quoted arguments
    /// (`echo 'sudo'`, `git commit -m "apt-get install"`).
    ///
    /// ## Configuration
    /// `environment.shell_restrictions` (default: the design's three) and
    /// `environment.venv_path`.
    pub UnsafeShell {
        id: "unsafe-shell",
        scope: Telemetry,
        severity: Error,
        summary: "shell command breaking the shell restrictions (sudo, system installs, pip outside the venv)",
    }
}

/// How much of a command a finding's message quotes, and its `command`
/// field holds (bytes; the rest is said as a length).
pub const MESSAGE_COMMAND: usize = 200;
pub const FINDING_COMMAND: usize = 4096;

impl TelemetryRule for UnsafeShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn per_session(&self) -> bool {
        true
    }

    fn per_event(&self) -> bool {
        true
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        let policy = cx.policy;
        for session in &cx.timeline.sessions {
            for ev in &session.events {
                if ev.kind != EventKind::Shell {
                    continue;
                }
                let Some(command) = ev.command.as_deref() else {
                    continue;
                };
                for (what, restriction) in command_violations(command, policy) {
                    // A command can be megabytes long: messages quote it cut.
                    let quoted = cut(command, MESSAGE_COMMAND);
                    cx.report(
                        &Self::META,
                        session,
                        ev,
                        format!("{what} (shell_restrictions: {restriction}) in `{quoted}`"),
                    )
                    .extra("command", cut(command, FINDING_COMMAND))
                    .extra("restriction", restriction)
                    .help(match restriction {
                        "no_sudo" => "run without elevated privileges; have a human provision the machine",
                        "venv_isolated" => "install into the project's virtual environment (`.venv/bin/pip install ...`)",
                        _ => "declare the dependency in the project and install it into the virtual environment",
                    });
                }
            }
        }
    }
}

/// What `command` breaks of the policy's shell restrictions, each once.
fn command_violations(command: &str, policy: &AuditPolicy) -> Vec<(String, &'static str)> {
    let venv = policy
        .venv_path
        .as_deref()
        .map(|v| v.trim_start_matches("./").trim_end_matches('/').to_string());
    let mut seen: Vec<(String, &'static str)> = Vec::new();
    for cmd in shell::commands(command) {
        for (what, restriction) in violations(&cmd, venv.as_deref()) {
            if policy.restricts(restriction) && !seen.iter().any(|(w, _)| *w == what) {
                seen.push((what, restriction));
            }
        }
    }
    seen
}

/// Whether this rule reports `ev` (what the folding reader keeps).
pub fn reports(ev: &Event, policy: &AuditPolicy) -> bool {
    ev.kind == EventKind::Shell
        && ev
            .command
            .as_deref()
            .is_some_and(|c| !command_violations(c, policy).is_empty())
}

fn is_pip(cmd: &SimpleCommand) -> Option<usize> {
    let p = cmd.program();
    let args = cmd.args();
    if p == "pip" || p.starts_with("pip3") || p.starts_with("pip2") {
        return Some(0);
    }
    if p.starts_with("python") {
        // python -m pip ...
        if let Some(i) = args.iter().position(|a| a == "-m") {
            if args.get(i + 1).is_some_and(|m| m == "pip") {
                return Some(i + 2);
            }
        }
    }
    if p == "uv" && args.first().is_some_and(|a| a == "pip") {
        return Some(1);
    }
    None
}

/// What in `cmd` breaks which restriction.
fn violations(cmd: &SimpleCommand, venv: Option<&str>) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    let p = cmd.program();
    let args = cmd.args();
    let has = |w: &str| args.iter().any(|a| a == w);
    if matches!(p, "sudo" | "su" | "doas") {
        out.push((format!("`{p}` runs commands as another user"), "no_sudo"));
    }
    let first = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str);
    let system_install = match p {
        "apt" | "apt-get" | "aptitude" => {
            matches!(
                first,
                Some("install" | "reinstall" | "upgrade" | "dist-upgrade" | "full-upgrade")
            )
        }
        "dpkg" => has("-i") || has("--install"),
        "yum" | "dnf" | "microdnf" | "zypper" | "port" | "snap" | "brew" | "pkg" => {
            matches!(
                first,
                Some("install" | "in" | "reinstall" | "upgrade" | "update")
            ) && !(p == "brew" && first == Some("update"))
        }
        "apk" => first == Some("add"),
        "pacman" => args
            .iter()
            .any(|a| a.starts_with("-S") || a.starts_with("-U")),
        "npm" | "pnpm" => {
            matches!(first, Some("install" | "i" | "add")) && (has("-g") || has("--global"))
        }
        "yarn" => first == Some("global"),
        _ => false,
    };
    if system_install {
        out.push((
            format!("`{p} {}` installs system packages", first.unwrap_or("")),
            "no_system_package_install",
        ));
    }
    if let Some(sub) = is_pip(cmd) {
        let rest = &args[sub.min(args.len())..];
        if rest.first().is_some_and(|a| a == "install") {
            let user = rest.iter().any(|a| a == "--user");
            let breaks = rest.iter().any(|a| a == "--break-system-packages");
            if user || breaks {
                let flag = if user {
                    "--user"
                } else {
                    "--break-system-packages"
                };
                out.push((
                    format!("`pip install {flag}` installs outside the virtual environment"),
                    "no_system_package_install",
                ));
                out.push((
                    format!("`pip install {flag}` installs outside the virtual environment"),
                    "venv_isolated",
                ));
            }
            let program = cmd.argv.first().map(String::as_str).unwrap_or("");
            let in_venv = venv.is_some_and(|v| program.contains(&format!("{v}/")))
                || program.contains("/.venv/")
                || program.contains("venv/bin/");
            let system_path = program.starts_with('/') && !in_venv;
            let under_sudo = cmd.wrappers.iter().any(|w| w == "sudo" || w == "doas");
            let system_flag = p == "uv" && rest.iter().any(|a| a == "--system");
            if system_path || under_sudo || system_flag {
                out.push((
                    format!("`{program} install` runs outside the virtual environment"),
                    "venv_isolated",
                ));
            }
        }
    }
    out
}
