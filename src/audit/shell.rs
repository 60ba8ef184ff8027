//! Shell command analysis for the audit: a command line is cut at its
//! control operators (`&&`, `||`, `;`, `|`, `&`, newlines), command
//! substitutions (`$(…)`, backticks) are analyzed as commands of their
//! own, each piece is tokenized with `shell-words`, and wrappers (`sudo`,
//! `env`, `xargs`, `nohup`, `timeout`, `bash -c '…'`, `sh -c`, `eval`,
//! `su -c`) are peeled so that the command they run is seen too.
//! Nothing is executed.

/// One simple command found in a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// Words after leading `VAR=value` assignments and redirections.
    pub argv: Vec<String>,
    /// The wrappers it runs under, outermost first (`sudo`, `env`, `bash -c`).
    pub wrappers: Vec<String>,
}

impl SimpleCommand {
    /// The program's base name (`/usr/bin/pip3` -> `pip3`).
    pub fn program(&self) -> &str {
        self.argv.first().map_or("", |p| basename(p))
    }

    pub fn args(&self) -> &[String] {
        self.argv.get(1..).unwrap_or(&[])
    }
}

pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Every simple command in `line`, wrappers and what they wrap included.
pub fn commands(line: &str) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    analyze(line, &[], &mut out, 0);
    out
}

const MAX_DEPTH: usize = 8;

fn analyze(line: &str, wrappers: &[String], out: &mut Vec<SimpleCommand>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut substitutions = Vec::new();
    for segment in split_segments(line, &mut substitutions) {
        let words = match shell_words::split(&segment) {
            Ok(words) => words,
            // Unbalanced quotes: fall back to whitespace words.
            Err(_) => segment.split_whitespace().map(str::to_string).collect(),
        };
        let words = strip_redirections(words);
        peel(words, wrappers.to_vec(), out, depth);
    }
    for inner in substitutions {
        let mut w = wrappers.to_vec();
        w.push("$(…)".to_string());
        analyze(&inner, &w, out, depth + 1);
    }
}

/// Cuts a line at unquoted control operators; the insides of `$(…)` and
/// backticks are taken out (into `subs`) and replaced by a placeholder.
fn split_segments(line: &str, subs: &mut Vec<String>) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut segments = Vec::new();
    let mut cur = String::new();
    let mut i = 0;
    let (mut single, mut double) = (false, false);
    let flush = |cur: &mut String, segments: &mut Vec<String>| {
        if !cur.trim().is_empty() {
            segments.push(std::mem::take(cur));
        } else {
            cur.clear();
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if single {
            cur.push(c);
            if c == '\'' {
                single = false;
            }
            i += 1;
            continue;
        }
        match c {
            '\\' => {
                cur.push(c);
                if let Some(&n) = chars.get(i + 1) {
                    cur.push(n);
                }
                i += 2;
                continue;
            }
            '\'' if !double => single = true,
            '"' => double = !double,
            '$' if chars.get(i + 1) == Some(&'(') && chars.get(i + 2) != Some(&'(') => {
                let (inner, end) = balanced(&chars, i + 2);
                subs.push(inner);
                cur.push_str("SUBST");
                i = end;
                continue;
            }
            '`' => {
                let mut j = i + 1;
                let mut inner = String::new();
                while j < chars.len() && chars[j] != '`' {
                    inner.push(chars[j]);
                    j += 1;
                }
                subs.push(inner);
                cur.push_str("SUBST");
                i = j + 1;
                continue;
            }
            _ if double => {}
            '#' if cur.is_empty() || cur.ends_with(char::is_whitespace) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ';' | '\n' | '(' | ')' | '{' | '}' if !double => {
                // `{`/`}` only as words (group commands), not in `${VAR}`.
                let word_like = !matches!(c, '{' | '}')
                    || ((cur.is_empty() || cur.ends_with(char::is_whitespace))
                        && chars
                            .get(i + 1)
                            .is_none_or(|n| n.is_whitespace() || *n == ';'));
                if word_like {
                    flush(&mut cur, &mut segments);
                    i += 1;
                    continue;
                }
            }
            '|' => {
                flush(&mut cur, &mut segments);
                i += 1;
                if matches!(chars.get(i), Some('|') | Some('&')) {
                    i += 1;
                }
                continue;
            }
            '&' => {
                let redirect =
                    cur.ends_with('>') || cur.ends_with('<') || chars.get(i + 1) == Some(&'>');
                if !redirect {
                    flush(&mut cur, &mut segments);
                    i += 1;
                    if chars.get(i) == Some(&'&') {
                        i += 1;
                    }
                    continue;
                }
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    flush(&mut cur, &mut segments);
    segments
}

/// The text up to the `)` that closes a `$(` opened before `start`, and
/// the index after it.
fn balanced(chars: &[char], start: usize) -> (String, usize) {
    let mut depth = 1;
    let mut j = start;
    let (mut single, mut double) = (false, false);
    while j < chars.len() {
        let c = chars[j];
        match c {
            '\\' if !single => j += 1,
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '(' if !single && !double => depth += 1,
            ')' if !single && !double => {
                depth -= 1;
                if depth == 0 {
                    return (chars[start..j].iter().collect(), j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    (
        chars[start.min(chars.len())..].iter().collect(),
        chars.len(),
    )
}

fn strip_redirections(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut skip_next = false;
    for w in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        let body = w.trim_start_matches(|c: char| c.is_ascii_digit() || c == '&');
        if body.starts_with('>') || body.starts_with('<') {
            // `>` alone takes the next word as its target; `>file` does not.
            let op_only = body.trim_start_matches(['>', '<', '&', '|']).is_empty();
            skip_next = op_only && !body.ends_with('&');
            continue;
        }
        out.push(w);
    }
    out
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Options of wrapper programs that take a value as the next word.
fn takes_value(program: &str, option: &str) -> bool {
    match program {
        "sudo" => matches!(
            option,
            "-u" | "-g" | "-h" | "-p" | "-C" | "-D" | "-r" | "-t" | "-U"
        ),
        "doas" => matches!(option, "-u" | "-C"),
        "env" => matches!(option, "-u" | "-C" | "-S" | "--unset" | "--chdir"),
        "xargs" => matches!(
            option,
            "-I" | "-n" | "-P" | "-d" | "-L" | "-s" | "-E" | "-a" | "--max-args" | "--max-procs"
        ),
        "nice" => matches!(option, "-n"),
        "timeout" => matches!(option, "-s" | "-k" | "--signal" | "--kill-after"),
        "stdbuf" => false,
        "ionice" => matches!(option, "-c" | "-n" | "-p"),
        _ => false,
    }
}

fn peel(mut words: Vec<String>, wrappers: Vec<String>, out: &mut Vec<SimpleCommand>, depth: usize) {
    while words.first().is_some_and(|w| is_assignment(w)) {
        words.remove(0);
    }
    if words.is_empty() || depth > MAX_DEPTH {
        return;
    }
    let program = basename(&words[0]).to_string();
    out.push(SimpleCommand {
        argv: words.clone(),
        wrappers: wrappers.clone(),
    });
    let mut inner = wrappers.clone();
    match program.as_str() {
        "sudo" | "doas" | "env" | "xargs" | "nohup" | "time" | "nice" | "timeout" | "exec"
        | "command" | "builtin" | "stdbuf" | "ionice" | "setsid" | "chroot" | "unbuffer" => {
            let mut i = 1;
            while i < words.len() {
                let w = &words[i];
                if w == "--" {
                    i += 1;
                    break;
                }
                if w.starts_with('-') && w.len() > 1 {
                    i += if takes_value(&program, w) { 2 } else { 1 };
                    continue;
                }
                if program == "env" && is_assignment(w) {
                    i += 1;
                    continue;
                }
                break;
            }
            // `timeout 30 cmd`, `chroot DIR cmd`: one positional first.
            if matches!(program.as_str(), "timeout" | "chroot") {
                i += 1;
            }
            if i < words.len() {
                inner.push(program);
                peel(words[i..].to_vec(), inner, out, depth + 1);
            }
        }
        "bash" | "sh" | "zsh" | "dash" | "ksh" | "ash" | "fish" | "su" | "eval" => {
            let script = if program == "eval" {
                Some(words[1..].join(" "))
            } else {
                let mut script = None;
                let mut i = 1;
                while i < words.len() {
                    let w = &words[i];
                    if w.starts_with('-') && !w.starts_with("--") && w.contains('c') {
                        script = words.get(i + 1).cloned();
                        break;
                    }
                    if w == "--command" {
                        script = words.get(i + 1).cloned();
                        break;
                    }
                    i += 1;
                }
                script
            };
            if let Some(script) = script {
                inner.push(format!("{program} -c"));
                analyze(&script, &inner, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(line: &str) -> Vec<String> {
        commands(line)
            .iter()
            .map(|c| c.program().to_string())
            .collect()
    }

    #[test]
    fn splits_operators_and_pipes() {
        assert_eq!(
            programs("cd src && ls -la; cat a | grep x || true & echo done"),
            ["cd", "ls", "cat", "grep", "true", "echo"]
        );
        assert_eq!(programs("echo 'a && b' \"c; d\""), ["echo"]);
        assert_eq!(programs("ls 2>&1 >/dev/null | wc -l"), ["ls", "wc"]);
    }

    #[test]
    fn peels_wrappers() {
        assert_eq!(
            programs("sudo -u root apt-get install jq"),
            ["sudo", "apt-get"]
        );
        assert_eq!(
            programs("bash -lc 'cd /tmp && sudo rm -rf x'"),
            ["bash", "cd", "sudo", "rm"]
        );
        assert_eq!(programs("env FOO=1 -u BAR pip install x"), ["env", "pip"]);
        assert_eq!(
            programs("find . | xargs -n 1 sudo chmod 600"),
            ["find", "xargs", "sudo", "chmod"]
        );
        assert_eq!(programs("FOO=1 timeout 30 curl x"), ["timeout", "curl"]);
        assert_eq!(
            programs("sh -c \"su -c 'whoami' root\""),
            ["sh", "su", "whoami"]
        );
        let inner = commands("echo $(sudo cat /etc/shadow) `doas id`");
        let progs: Vec<&str> = inner.iter().map(|c| c.program()).collect();
        assert_eq!(progs, ["echo", "sudo", "cat", "doas", "id"]);
        assert_eq!(inner[1].wrappers, ["$(…)"]);
        assert_eq!(inner[2].wrappers, ["$(…)", "sudo"]);
    }

    #[test]
    fn keeps_words_and_ignores_comments() {
        let c = commands("pip install --user 'requests>=2' # not: sudo");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].argv, ["pip", "install", "--user", "requests>=2"]);
        assert_eq!(programs("echo ${HOME}/x"), ["echo"]);
    }
}
