use crate::declare_rule;
use crate::rule::triage::{TriageContext, TriageRule};

declare_rule! {
    /// ## What it does
    /// Flags an agent config whose `environment.network_scope` is missing
    /// or is not `localhost_only` (or `localhost`, `none`, `offline`).
    ///
    /// ## Why is this bad?
    /// Unrestricted network access lets an unsupervised agent install
    /// packages, reach external APIs and move data out (pitfall 7). The
    /// design restricts network access to localhost.
    ///
    /// ## Example
    /// ```yaml
    /// environment:
    ///   network_scope: "full"
    /// ```
    ///
    /// ## Not flagged
    /// `network_scope: "localhost_only"`, `"localhost"`, `"none"`,
    /// `"offline"`.
    pub SafeguardNetworkScope {
        id: "safeguard-network-scope",
        scope: Triage,
        severity: Error,
        summary: "the agent config does not restrict the network to localhost",
    }
}

impl TriageRule for SafeguardNetworkScope {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut TriageContext<'_>) {
        let Some(agent) = cx.agent else {
            return;
        };
        let message = match agent.environment.network_scope.as_deref() {
            Some("localhost_only" | "localhost" | "none" | "offline") => return,
            Some(other) => {
                format!("`network_scope` is `{other}`: the agent can reach beyond localhost")
            }
            None => "the agent config sets no `environment.network_scope`".to_string(),
        };
        if let Some(f) = cx.report_key(&Self::META, "environment.network_scope", message) {
            f.help("set `network_scope: \"localhost_only\"` under `environment:`");
        }
    }
}
