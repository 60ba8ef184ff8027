//! write-outside-workspace: a write to a path outside the workspace.

use crate::audit::event::EventKind;
use crate::audit::fold::WorkspaceFrom;
use crate::audit::AuditContext;
use crate::declare_rule;
use crate::rule::{RuleMeta, TelemetryRule};

declare_rule! {
    /// ## What it does
    /// Reports every write (Write/Edit/MultiEdit/NotebookEdit, `apply_patch`
    /// files, `write_file`, ...) whose path, after resolving it against the
    /// session's working directory and normalizing `.`, `..` and `~`, lies
    /// outside `environment.workspace` (or `--workspace`).
    ///
    /// ## Why restrict this?
    /// The workspace is the agent's sandbox: what it writes elsewhere (shell
    /// profiles, other checkouts, `/etc`) is not in the diff a reviewer sees
    /// and survives the run.
    ///
    /// ## Example
    /// ```jsonl
    /// {"type":"tool_call","tool":"Edit","payload":{"file_path":"/opt/agent-workspace/../../home/agent/.bashrc"},"timestamp":"2026-03-02T14:00:00Z","session_id":"s1"}
    /// ```
    ///
    /// Use instead: write inside the workspace (`/opt/agent-workspace/...`).
    ///
    /// ## Not flagged
    /// Reads and searches outside the workspace; writes when no workspace is
    /// known (no `--workspace`, no `environment.workspace`, and a format
    /// without a working directory). Without a configured workspace, a
    /// session's workspace is its project root: a Claude Code session's
    /// first `cwd` (or the folder of it that its project folder's name,
    /// `~/.claude/projects/<encoded>/`, encodes), a Codex rollout's
    /// `session_meta` `cwd`; a later `cd` does not move it (the session
    /// summary says which was used: `workspace`, `workspace_from`). Claude
    /// Code's plan files (`~/.claude/plans/<name>.md`, which plan mode has
    /// the agent write).
    ///
    /// ## Configuration
    /// `environment.workspace` / `--workspace DIR`.
    pub WriteOutsideWorkspace {
        id: "write-outside-workspace",
        scope: Telemetry,
        severity: Error,
        summary: "write to a path outside the workspace",
    }
}

impl TelemetryRule for WriteOutsideWorkspace {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn per_session(&self) -> bool {
        true
    }

    fn check(&self, cx: &mut AuditContext<'_>) {
        for session in &cx.timeline.sessions {
            let workspace = match (&session.agg.workspace, &cx.policy.workspace) {
                (Some(ws), _) if ws.from == WorkspaceFrom::Configuration => {
                    format!("`{}`", ws.path)
                }
                (Some(ws), _) => format!("`{}` (the session's {})", ws.path, ws.from.as_str()),
                (None, Some(ws)) => format!("`{}`", ws.display()),
                (None, None) => "of the session".to_string(),
            };
            for ev in &session.events {
                if ev.kind != EventKind::Write || ev.outside != Some(true) {
                    continue;
                }
                let path = ev.path.as_deref().unwrap_or("");
                if is_claude_plan_file(path) {
                    continue;
                }
                cx.report(
                    &Self::META,
                    session,
                    ev,
                    format!("write to `{path}`, outside the workspace {workspace}"),
                )
                .help("keep every write inside the workspace; changes elsewhere are invisible to review");
            }
        }
    }
}

/// Claude Code's plan mode has the agent write its plan to
/// `~/.claude/plans/<name>.md`: the harness's own file, not project output.
fn is_claude_plan_file(path: &str) -> bool {
    path.rsplit_once("/.claude/plans/")
        .is_some_and(|(_, name)| !name.contains('/') && name.ends_with(".md"))
}
