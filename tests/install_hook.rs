//! `agentlint install-hook`: the hook lands where git runs it, refuses to
//! replace an existing one without `--force`, and really stops a commit
//! that adds a finding.

mod support;

use std::path::Path;
use std::process::Output;
use support::{agentlint_bin, agentlint_in, git_command, Repo};

const BAD: &str = "try:\n    import fast\nexcept:\n    fast = None\n";
const GOOD: &str = "try:\n    import fast\nexcept ImportError:\n    fast = None\n";

/// `git commit` with hooks enabled and `path_prefix` before the system PATH.
fn commit(repo: &Repo, path_prefix: Option<&Path>, msg: &str) -> Output {
    let system_path = std::env::var("PATH").unwrap_or_default();
    let path = match path_prefix {
        Some(dir) => format!("{}:{system_path}", dir.display()),
        None => system_path,
    };
    git_command(repo.path())
        .env("PATH", path)
        .args(["commit", "-q", "-m", msg])
        .output()
        .expect("git runs")
}

fn head_count(repo: &Repo) -> usize {
    let out = repo.git(&["rev-list", "--count", "HEAD"]);
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

fn base_repo() -> Repo {
    let repo = Repo::new();
    repo.write("README.md", "demo\n");
    repo.commit_all("base");
    repo
}

#[test]
fn installs_refuses_to_overwrite_and_forces() {
    let repo = base_repo();
    let hook = repo.path().join(".git/hooks/pre-commit");
    let (code, stdout, stderr) = repo.agentlint(&["install-hook"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("pre-commit"), "{stdout}");
    let text = std::fs::read_to_string(&hook).expect("hook written");
    assert!(text.starts_with("#!/bin/sh\n"));
    assert!(text.contains(agentlint::hook::MARKER));
    assert!(text.contains("exec agentlint check --staged"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).expect("meta").permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "executable: {mode:o}");
    }

    // An existing hook (ours or not) is kept without --force.
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").expect("write");
    let (code, _, stderr) = repo.agentlint(&["install-hook"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&hook).expect("read"),
        "#!/bin/sh\necho mine\n"
    );

    let (code, _, stderr) = repo.agentlint(&["install-hook", "--force"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(&hook)
        .expect("read")
        .contains(agentlint::hook::MARKER));
}

#[test]
fn the_hook_stops_a_commit_with_findings() {
    let repo = base_repo();
    let (code, _, stderr) = repo.agentlint(&["install-hook"]);
    assert_eq!(code, 0, "{stderr}");
    let bin_dir = agentlint_bin().parent().expect("bin dir").to_path_buf();

    repo.write("app.py", BAD);
    repo.git(&["add", "app.py"]);
    let out = commit(&repo, Some(&bin_dir), "bad");
    assert!(!out.status.success(), "the commit was stopped");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("bare-except"), "{said}");
    assert_eq!(head_count(&repo), 1);

    // Only the staged content counts: a fix staged over it commits.
    repo.write("app.py", GOOD);
    repo.git(&["add", "app.py"]);
    let out = commit(&repo, Some(&bin_dir), "good");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(head_count(&repo), 2);
}

#[test]
fn the_hook_falls_back_to_the_installing_binary() {
    // agentlint is not on the PATH git gives the hook: the hook runs the
    // binary that installed it.
    let repo = base_repo();
    assert_eq!(repo.agentlint(&["install-hook"]).0, 0);
    repo.write("app.py", BAD);
    repo.git(&["add", "app.py"]);
    let out = git_command(repo.path())
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .args(["commit", "-q", "-m", "bad"])
        .output()
        .expect("git runs");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("bare-except"), "{said}");
}

#[test]
fn core_hooks_path_is_honoured() {
    let repo = base_repo();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let sub = repo.path().join("src");
    std::fs::create_dir_all(&sub).expect("mkdir");
    // From a subdirectory, the relative hooks path is still the root's.
    let (code, stdout, stderr) = agentlint_in(&sub, &["install-hook"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(".githooks"), "{stdout}");
    assert!(repo.path().join(".githooks/pre-commit").is_file());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());

    let bin_dir = agentlint_bin().parent().expect("bin dir").to_path_buf();
    repo.write("app.py", BAD);
    repo.git(&["add", "app.py"]);
    let out = commit(&repo, Some(&bin_dir), "bad");
    assert!(
        !out.status.success(),
        "git ran the hook from core.hooksPath"
    );
}

#[test]
fn outside_a_repository_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, stderr) = agentlint_in(dir.path(), &["install-hook"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not inside a git repository"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn the_fallback_path_is_quoted_for_the_shell() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let odd = dir.path().join("it's a $dir `x`");
    std::fs::create_dir_all(&odd).expect("mkdir");
    let fake = odd.join("agentlint");
    std::fs::write(&fake, "#!/bin/sh\necho \"ran: $*\"\n").expect("write");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let hook = dir.path().join("pre-commit");
    std::fs::write(&hook, agentlint::hook::script(Some(&fake))).expect("write");
    let out = std::process::Command::new("sh")
        .arg(&hook)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("sh runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ran: check --staged\n"
    );

    // Neither on PATH nor at the fallback: a clear message and exit 1.
    std::fs::remove_file(&fake).expect("rm");
    let out = std::process::Command::new("sh")
        .arg(&hook)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("sh runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not on PATH"));
}
