//! What the audit checks against: the parts of `agent_config.yaml` and the
//! task manifest that the telemetry checks read, as a plain struct. The
//! config parsers fill it; tests build it directly.

use std::path::PathBuf;

/// One task of the manifest, as far as the audit needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditTask {
    pub id: String,
    /// Lower number = higher priority (processed first).
    pub priority: i64,
    /// A file (`src/rate_limiter.py`) or folder (`src/net`), relative to
    /// the workspace; writes to it are attributed to the task.
    pub target_module: String,
    /// A task the manifest marks as blocked is not "pending" for the
    /// ordering checks.
    pub blocked_on: Option<String>,
    /// Where the task is declared, for anchoring (1-based).
    pub manifest_line: Option<u32>,
}

/// The policy one audit runs with. `Default` is the design document's
/// `agent_config.yaml` template.
#[derive(Debug, Clone)]
pub struct AuditPolicy {
    /// `environment.workspace` or `--workspace`; writes outside it are
    /// flagged. `None`: each session's own working directory (`cwd` in
    /// Claude Code and Codex transcripts) when the telemetry has one.
    pub workspace: Option<PathBuf>,
    /// `environment.venv_path` (relative to the workspace or absolute).
    pub venv_path: Option<String>,
    /// `environment.network_scope`; `localhost_only` turns on
    /// `network-egress`, anything else (or `None`) turns it off.
    pub network_scope: Option<String>,
    /// `environment.shell_restrictions`: `no_sudo`,
    /// `no_system_package_install`, `venv_isolated`.
    pub shell_restrictions: Vec<String>,
    /// `session.checkpoint_interval_hours`.
    pub checkpoint_interval_hours: f64,
    /// Tool names (case-insensitive) that count as checkpoints, besides our
    /// `checkpoint` events and Claude Code / Codex compactions.
    pub checkpoint_tools: Vec<String>,
    /// `session.context_window_limit`: maximum output tokens of one model
    /// generation; `None` turns `token-limit` off.
    pub context_window_limit: Option<u64>,
    /// Pacing: window length in seconds (default one hour).
    pub pacing_window_secs: u64,
    /// Pacing: a window is slow below this fraction of the early peak.
    pub pacing_fraction: f64,
    /// Pacing: the early peak is the median of this many first windows.
    pub pacing_baseline_windows: usize,
    /// The manifest's tasks; empty turns the ordering checks off.
    pub tasks: Vec<AuditTask>,
    /// Home directory used to expand `~` in paths (default `$HOME`).
    pub home: Option<PathBuf>,
    /// The longest telemetry line read (bytes, line break aside); a longer
    /// one is an unreadable line, skipped without being held in memory.
    pub max_line_bytes: usize,
}

/// The default of [`AuditPolicy::max_line_bytes`]: Claude Code and Codex
/// cut tool results far below it; a line this long is damage or hostile.
pub const MAX_LINE_BYTES: usize = 16 << 20;

impl Default for AuditPolicy {
    fn default() -> Self {
        AuditPolicy {
            workspace: None,
            venv_path: Some("./.venv".into()),
            network_scope: Some("localhost_only".into()),
            shell_restrictions: vec![
                "no_sudo".into(),
                "no_system_package_install".into(),
                "venv_isolated".into(),
            ],
            checkpoint_interval_hours: 6.0,
            checkpoint_tools: Vec::new(),
            context_window_limit: None,
            pacing_window_secs: 3600,
            pacing_fraction: 0.5,
            pacing_baseline_windows: 4,
            tasks: Vec::new(),
            home: std::env::var_os("HOME").map(PathBuf::from),
            max_line_bytes: MAX_LINE_BYTES,
        }
    }
}

impl AuditPolicy {
    pub fn restricts(&self, name: &str) -> bool {
        self.shell_restrictions.iter().any(|r| r == name)
    }

    pub fn localhost_only(&self) -> bool {
        self.network_scope.as_deref() == Some("localhost_only")
    }

    pub fn task(&self, id: &str) -> Option<&AuditTask> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

impl AuditPolicy {
    /// The policy a task manifest and an `agent_config.yaml` describe. With
    /// an agent config its environment is the policy (a key it leaves out
    /// restricts nothing); without one, the design template's defaults
    /// apply. A relative `environment.workspace` is relative to the folder
    /// of the agent config.
    pub fn from_config(
        manifest: Option<&crate::config::manifest::Manifest>,
        agent: Option<&crate::config::agent_config::AgentConfig>,
    ) -> Self {
        let mut policy = AuditPolicy::default();
        if let Some(agent) = agent {
            let env = &agent.data.environment;
            policy.workspace = env.workspace.as_ref().map(|ws| {
                let base = agent.path.parent().unwrap_or(std::path::Path::new("."));
                base.join(ws)
            });
            policy.venv_path = env.venv_path.clone();
            policy.network_scope = env.network_scope.clone();
            policy.shell_restrictions = env.shell_restrictions.clone();
            let session = &agent.data.session;
            if let Some(hours) = session.checkpoint_interval_hours {
                policy.checkpoint_interval_hours = hours;
            }
            policy.context_window_limit = session.context_window_limit;
        }
        if let Some(manifest) = manifest {
            policy.tasks = manifest
                .tasks
                .iter()
                .map(|t| AuditTask {
                    id: t.id.clone(),
                    priority: t.priority,
                    target_module: t.target_module.clone(),
                    blocked_on: t.blocked_on.clone(),
                    manifest_line: Some(t.line),
                })
                .collect();
        }
        policy
    }
}
