//! agentlint.toml: see below.
