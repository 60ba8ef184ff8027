//! Path normalization for telemetry (lexical: the files may not exist on
//! the auditing machine) and attribution of paths to manifest tasks.

use crate::audit::policy::AuditTask;

/// A path as the audit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalPath {
    /// Relative to the workspace when inside it, else absolute.
    pub shown: String,
    /// `None` when no workspace is known.
    pub outside: Option<bool>,
}

/// Resolves `raw` against `cwd` (when relative), expands `~`, removes `.`
/// and `..` lexically, and makes it relative to `workspace` when inside.
pub fn normalize(
    raw: &str,
    cwd: Option<&str>,
    workspace: Option<&str>,
    home: Option<&str>,
) -> NormalPath {
    let expanded: String = if raw == "~" {
        home.unwrap_or("~").to_string()
    } else if let Some(rest) = raw.strip_prefix("~/") {
        match home {
            Some(h) => format!("{}/{rest}", h.trim_end_matches('/')),
            None => raw.to_string(),
        }
    } else {
        raw.to_string()
    };
    let absolute = if expanded.starts_with('/') {
        Some(lexical(&expanded))
    } else {
        cwd.or(workspace)
            .filter(|base| base.starts_with('/'))
            .map(|base| lexical(&format!("{base}/{expanded}")))
    };
    let workspace = workspace.map(lexical);
    match (absolute, workspace) {
        (Some(abs), Some(ws)) => match strip_dir(&abs, &ws) {
            Some(rel) => NormalPath {
                shown: rel.to_string(),
                outside: Some(false),
            },
            None => NormalPath {
                shown: abs,
                outside: Some(true),
            },
        },
        (Some(abs), None) => NormalPath {
            shown: abs,
            outside: None,
        },
        (None, ws) => {
            // Relative and nothing to resolve it against: relative to the
            // workspace by assumption, unless `..` climbs out of it.
            let rel = lexical_relative(&expanded);
            match rel {
                Some(rel) => NormalPath {
                    shown: rel,
                    outside: ws.map(|_| false),
                },
                None => NormalPath {
                    shown: expanded,
                    outside: ws.map(|_| true),
                },
            }
        }
    }
}

/// `path` below `dir` (both lexical, absolute), as a relative path.
fn strip_dir<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return Some(path.trim_start_matches('/'));
    }
    let rest = path.strip_prefix(dir)?;
    if rest.is_empty() {
        Some(".")
    } else {
        rest.strip_prefix('/')
    }
}

/// Lexical normalization of an absolute path (`..` at the root stays at
/// the root, as the kernel does).
fn lexical(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Lexical normalization of a relative path; `None` when `..` leaves it.
fn lexical_relative(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The manifest task whose `target_module` is `path` or a folder holding
/// it (the longest such module wins).
pub fn attribute<'a>(path: &str, tasks: &'a [AuditTask]) -> Option<&'a AuditTask> {
    let mut best: Option<&AuditTask> = None;
    for task in tasks {
        let module = task
            .target_module
            .trim_start_matches("./")
            .trim_end_matches('/');
        if module.is_empty() {
            continue;
        }
        let hit = path == module
            || (path.len() > module.len()
                && path.starts_with(module)
                && path.as_bytes()[module.len()] == b'/');
        if hit && best.is_none_or(|b| b.target_module.len() < task.target_module.len()) {
            best = Some(task);
        }
    }
    best
}

/// The parent folder of a normalized path (`""` for top-level files).
pub fn folder(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// The files an `apply_patch` patch touches (`*** Add File:`, `*** Update
/// File:`, `*** Delete File:`, `*** Move to:`), in order.
pub fn patch_files(patch: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in patch.lines() {
        let line = line.trim_end();
        for header in [
            "*** Add File: ",
            "*** Update File: ",
            "*** Delete File: ",
            "*** Move to: ",
        ] {
            if let Some(path) = line.strip_prefix(header) {
                let path = path.trim();
                if !path.is_empty() && !out.contains(&path) {
                    out.push(path);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_against_cwd_and_workspace() {
        let ws = Some("/opt/agent-workspace");
        let n = normalize("src/a.py", Some("/opt/agent-workspace"), ws, None);
        assert_eq!(n.shown, "src/a.py");
        assert_eq!(n.outside, Some(false));
        let n = normalize(
            "../../../etc/passwd",
            Some("/opt/agent-workspace/src"),
            ws,
            None,
        );
        assert_eq!(n.shown, "/etc/passwd");
        assert_eq!(n.outside, Some(true));
        let n = normalize("~/.bashrc", None, ws, Some("/home/agent"));
        assert_eq!(n.shown, "/home/agent/.bashrc");
        assert_eq!(n.outside, Some(true));
        let n = normalize("/opt/agent-workspace-2/x", None, ws, None);
        assert_eq!(n.outside, Some(true));
        let n = normalize("src/../../x", None, None, None);
        assert_eq!(n.shown, "src/../../x");
        assert_eq!(n.outside, None);
    }

    #[test]
    fn attributes_longest_module() {
        let task = |id: &str, m: &str| AuditTask {
            id: id.into(),
            priority: 1,
            target_module: m.into(),
            blocked_on: None,
            manifest_line: None,
        };
        let tasks = vec![
            task("A", "src"),
            task("B", "src/net/"),
            task("C", "src/x.py"),
        ];
        assert_eq!(attribute("src/net/a.py", &tasks).unwrap().id, "B");
        assert_eq!(attribute("src/x.py", &tasks).unwrap().id, "C");
        assert_eq!(attribute("src/y.py", &tasks).unwrap().id, "A");
        assert!(attribute("srcx/y.py", &tasks).is_none());
    }

    #[test]
    fn patch_headers() {
        let p = "*** Begin Patch\n*** Update File: a.py\n@@\n-x\n+y\n*** Add File: b/c.py\n+z\n*** End Patch\n";
        assert_eq!(patch_files(p), vec!["a.py", "b/c.py"]);
    }
}
