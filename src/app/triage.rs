//! `agentlint triage`: route the manifest's tasks, check the agent
//! config's safeguards, print the routing table and the findings.

use crate::cli::{Format, TriageArgs};
use crate::config::agent_config::AgentConfig;
use crate::config::resolve::{self, Overrides};
use crate::error::{Error, Result};
use crate::registry::Registered;
use crate::triage::{self, Inputs, Triage};
use std::path::Path;

pub fn run(args: &TriageArgs) -> Result<i32> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    super::output::check_flags(&args.report)?;
    let overrides = Overrides {
        config: args.report.config.clone(),
        select: args.report.select.clone(),
        ignore: args.report.ignore.clone(),
        manifest: args.manifest.clone(),
        agent_config: args.agent_config.clone(),
        ..Overrides::default()
    };
    let mut settings = resolve::settings(&cwd, &overrides)?;
    let Some(manifest) = settings.manifest.clone() else {
        return Err(Error::usage(
            "no task manifest to triage",
            Some("pass one (`agentlint triage task_manifest.ts`), or set `manifest` in agentlint.toml".to_string()),
        ));
    };
    let root = crate::change::walk::find_repo_root(&cwd).unwrap_or_else(|| cwd.clone());
    let shown = |path: &Path| -> String {
        let canonical_root = crate::source::canonical(&root);
        let absolute = cwd.join(path);
        match absolute.canonicalize() {
            Ok(abs) if abs.starts_with(&canonical_root) => {
                crate::change::walk::relative_path(&canonical_root, &abs)
            }
            _ => path.display().to_string(),
        }
    };
    // Without an agent config: the design's `agent_config.yaml` beside the manifest.
    if settings.agent_config.is_none() {
        let manifest_file = settings
            .manifest_file
            .clone()
            .unwrap_or_else(|| cwd.join(&manifest.path));
        let beside = manifest_file
            .parent()
            .map(|dir| dir.join("agent_config.yaml"));
        if let Some(beside) = beside.filter(|p| p.is_file()) {
            let text = crate::config::read_text(&beside)?;
            let agent = AgentConfig::parse(Path::new(&shown(&beside)), text)?;
            settings.notices.push(format!(
                "agent config: `{}` (beside the manifest)",
                agent.path.display()
            ));
            settings.agent_config = Some(std::sync::Arc::new(agent));
        }
    }
    let agent = settings.agent_config.clone();
    let result = triage::run(&Inputs {
        manifest: &manifest,
        manifest_path: shown(&manifest.path),
        agent: agent.as_deref().map(|a| (a, shown(&a.path))),
        settings: &settings,
    });
    let rules: Vec<&crate::rule::RuleMeta> = settings
        .selection
        .rules()
        .filter(|r| matches!(r, Registered::Triage(_)))
        .map(|r| r.meta())
        .collect();
    let rendered = match args.report.format {
        Format::Human => format!(
            "{}\n{}",
            table(&result),
            super::output::render(&result.report, &args.report, rules)
        ),
        Format::Json => with_tasks(
            &super::output::render(&result.report, &args.report, rules),
            &result,
        ),
        _ => super::output::render(&result.report, &args.report, rules),
    };
    super::write_output(args.report.output.as_deref(), &rendered)?;
    Ok(result.exit_code())
}

/// The routing table for people: one row a task, then why a task may not
/// run alone.
fn table(result: &Triage) -> String {
    let id_width = result
        .tasks
        .iter()
        .map(|t| t.id.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut out = format!(
        "{:<id_width$}  {:>8}  {:<25}  {:<37}  {:>5}  {}\n",
        "task", "priority", "category", "approach (decision matrix)", "clean", "unsupervised"
    );
    for t in &result.tasks {
        out.push_str(&format!(
            "{:<id_width$}  {:>8}  {:<25}  {:<37}  {:>4}%  {}\n",
            t.id,
            t.priority,
            t.category_name,
            t.approach,
            t.clean_completion,
            if t.unsupervised { "yes" } else { "no" }
        ));
    }
    for t in result.tasks.iter().filter(|t| !t.unsupervised) {
        out.push_str(&format!(
            "\n{} (line {}) should not run unsupervised:\n",
            t.id, t.line
        ));
        for reason in &t.reasons {
            out.push_str(&format!("  - {reason}\n"));
        }
    }
    let fit = result.tasks.iter().filter(|t| t.unsupervised).count();
    out.push_str(&format!(
        "\n{fit} of {} task{} fit to run unsupervised (clean completion rates: the design's measured rates per category)\n",
        result.tasks.len(),
        if result.tasks.len() == 1 { "" } else { "s" }
    ));
    out
}

/// The JSON report with the routing added as `tasks`.
fn with_tasks(rendered: &str, result: &Triage) -> String {
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(rendered) else {
        return rendered.to_string();
    };
    if let (Some(obj), Ok(tasks)) = (doc.as_object_mut(), serde_json::to_value(&result.tasks)) {
        obj.insert("tasks".into(), tasks);
    }
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| rendered.to_string());
    out.push('\n');
    out
}
