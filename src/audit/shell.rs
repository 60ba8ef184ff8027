//! Shell command analysis for the audit: a command line is cut at its
//! control operators (`&&`, `||`, `;`, `|`, `&`, newlines), command
//! substitutions (`$(…)`, backticks) are analyzed as commands of their
//! own, each piece is tokenized with `shell-words`, and wrappers (`sudo`,
//! `env`, `xargs`, `nohup`, `timeout`, `bash -c '…'`, `sh -c`, `eval`,
//! `su -c`) are peeled so that the command they run is seen too.
//! Nothing is executed.

use std::borrow::Cow;

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
/// Scans bytes: every character it looks for is ASCII, and a UTF-8
/// sequence holds no ASCII byte, so the text between them is copied as it
/// is (a command can be megabytes long).
fn split_segments<'a>(line: &'a str, subs: &mut Vec<String>) -> Vec<Cow<'a, str>> {
    let b = line.as_bytes();
    let mut segments = Vec::new();
    // Bytes of `line` only, cut at ASCII characters: valid UTF-8.
    let mut cur: Vec<u8> = Vec::new();
    // Where the current segment starts in `line`, and whether it is still
    // that stretch of `line` as it is (no substitution or comment taken out):
    // then it is borrowed, not copied.
    let mut seg_start = 0;
    let mut modified = false;
    let mut i = 0;
    let (mut single, mut double) = (false, false);
    let flush = |cur: &mut Vec<u8>,
                 segments: &mut Vec<Cow<'a, str>>,
                 seg_start: &mut usize,
                 modified: &mut bool,
                 end: usize,
                 next: usize| {
        if !cur.iter().all(u8::is_ascii_whitespace) {
            let segment = match line.get(*seg_start..end) {
                Some(text) if !*modified && text.len() == cur.len() => Cow::Borrowed(text),
                _ => Cow::Owned(
                    String::from_utf8(std::mem::take(cur))
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                ),
            };
            segments.push(segment);
        }
        cur.clear();
        *seg_start = next;
        *modified = false;
    };
    let ends_with_space = |cur: &[u8]| cur.last().is_some_and(u8::is_ascii_whitespace);
    while i < b.len() {
        let c = b[i];
        if single {
            cur.push(c);
            if c == b'\'' {
                single = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'\\' => {
                cur.push(c);
                match b.get(i + 1) {
                    Some(&n) => cur.push(n),
                    None => modified = true,
                }
                i += 2;
                continue;
            }
            b'\'' if !double => single = true,
            b'"' => double = !double,
            b'$' if b.get(i + 1) == Some(&b'(') && b.get(i + 2) != Some(&b'(') => {
                let (inner, end) = balanced(line, i + 2);
                subs.push(inner);
                cur.extend_from_slice(b"SUBST");
                modified = true;
                i = end;
                continue;
            }
            b'`' => {
                let end = memchr::memchr(b'`', &b[i + 1..]).map_or(b.len(), |j| i + 1 + j);
                subs.push(line.get(i + 1..end).unwrap_or("").to_string());
                cur.extend_from_slice(b"SUBST");
                modified = true;
                i = end + 1;
                continue;
            }
            _ if double => {}
            b'#' if cur.is_empty() || ends_with_space(&cur) => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |j| i + j);
                modified = true;
                continue;
            }
            b';' | b'\n' | b'(' | b')' | b'{' | b'}' if !double => {
                // `{`/`}` only as words (group commands), not in `${VAR}`.
                let word_like = !matches!(c, b'{' | b'}')
                    || ((cur.is_empty() || ends_with_space(&cur))
                        && b.get(i + 1)
                            .is_none_or(|n| n.is_ascii_whitespace() || *n == b';'));
                if word_like {
                    flush(
                        &mut cur,
                        &mut segments,
                        &mut seg_start,
                        &mut modified,
                        i,
                        i + 1,
                    );
                    i += 1;
                    continue;
                }
            }
            b'|' => {
                let end = i;
                i += 1;
                if matches!(b.get(i), Some(b'|') | Some(b'&')) {
                    i += 1;
                }
                flush(
                    &mut cur,
                    &mut segments,
                    &mut seg_start,
                    &mut modified,
                    end,
                    i,
                );
                continue;
            }
            b'&' => {
                let redirect = cur.last() == Some(&b'>')
                    || cur.last() == Some(&b'<')
                    || b.get(i + 1) == Some(&b'>');
                if !redirect {
                    let end = i;
                    i += 1;
                    if b.get(i) == Some(&b'&') {
                        i += 1;
                    }
                    flush(
                        &mut cur,
                        &mut segments,
                        &mut seg_start,
                        &mut modified,
                        end,
                        i,
                    );
                    continue;
                }
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    flush(
        &mut cur,
        &mut segments,
        &mut seg_start,
        &mut modified,
        b.len(),
        b.len(),
    );
    segments
}

/// The text up to the `)` that closes a `$(` opened before byte `start`,
/// and the index after it.
fn balanced(line: &str, start: usize) -> (String, usize) {
    let b = line.as_bytes();
    let mut depth = 1;
    let mut j = start;
    let (mut single, mut double) = (false, false);
    let text = |from: usize, to: usize| line.get(from.min(to)..to).unwrap_or("").to_string();
    while j < b.len() {
        match b[j] {
            b'\\' if !single => j += 1,
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'(' if !single && !double => depth += 1,
            b')' if !single && !double => {
                depth -= 1;
                if depth == 0 {
                    return (text(start, j), j + 1);
                }
            }
            _ => {}
        }
        j += 1;
    }
    (text(start, b.len()), b.len())
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
    let assignments = words.iter().take_while(|w| is_assignment(w)).count();
    words.drain(..assignments);
    if words.is_empty() || depth > MAX_DEPTH {
        return;
    }
    // The words move on (a command can be megabytes long): a wrapper keeps
    // its own words and options, what it wraps takes the rest; a shell's
    // `-c` script is analyzed in place of its word.
    let program = basename(&words[0]).to_string();
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
            let wrapped = (i < words.len()).then(|| words.split_off(i));
            out.push(SimpleCommand {
                argv: words,
                wrappers,
            });
            if let Some(wrapped) = wrapped {
                inner.push(program);
                peel(wrapped, inner, out, depth + 1);
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
                    if (w.starts_with('-') && !w.starts_with("--") && w.contains('c'))
                        || w == "--command"
                    {
                        script = words.get_mut(i + 1).map(std::mem::take);
                        break;
                    }
                    i += 1;
                }
                script
            };
            out.push(SimpleCommand {
                argv: words,
                wrappers,
            });
            if let Some(script) = script {
                inner.push(format!("{program} -c"));
                analyze(&script, &inner, out, depth + 1);
            }
        }
        _ => out.push(SimpleCommand {
            argv: words,
            wrappers,
        }),
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
