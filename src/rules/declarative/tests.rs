//! Rule files that must be rejected, and where the error must point.

use super::*;

const GOOD: &str = r###"
id = "no-eval"
language = "python"
severity = "error"
message = "`eval()` of {arg}"
documentation = "## What it does\nFlags eval."
anchor = "call"
query = '''
(call function: (identifier) @f arguments: (argument_list . (_) @arg) (#eq? @f "eval")) @call
'''
"###;

/// Compiles `text` as a user rule file and returns the error's message and
/// the text its span covers.
fn error_of(text: &str) -> (String, String) {
    match compile_str("bad.toml", text) {
        Ok(rule) => panic!("expected an error, compiled {rule:?}"),
        Err(Error::Input {
            src, span, message, ..
        }) => {
            assert_eq!(src.name(), "bad.toml", "the error names the rule file");
            let start = span.offset();
            let covered = text
                .get(start..start + span.len())
                .unwrap_or("<out of range>");
            (message, covered.to_string())
        }
        Err(other) => panic!("expected an error located in the file, got {other:?}"),
    }
}

#[test]
fn a_good_rule_compiles_with_its_parts() {
    let rule =
        compile_str("good.toml", &GOOD.replace("no-eval", "no-eval-good")).expect("compiles");
    assert_eq!(rule.meta_static().id, "no-eval-good");
    assert_eq!(rule.meta_static().default_severity, Severity::Error);
    assert_eq!(rule.anchor(), "call");
    assert_eq!(
        rule.message(),
        &[
            Piece::Text("`eval()` of ".into()),
            Piece::Capture("arg".into())
        ]
    );
    // The summary defaults to the message; docs round-trip through docs_text.
    assert_eq!(rule.meta_static().summary, "`eval()` of {arg}");
    assert_eq!(
        rule.meta_static().docs_text(),
        "## What it does\nFlags eval."
    );
    let found = crate::engine::query::check_snippet(rule, "x = eval(data)\n");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].message, "`eval()` of data");
    assert_eq!(found[0].span, 4..14);
}

#[test]
fn malformed_toml_points_at_the_syntax_error() {
    let (message, covered) = error_of("id = \"x\"\nseverity = = \"error\"\n");
    assert!(message.starts_with("malformed rule file"), "{message}");
    assert!(covered.contains('='), "{covered:?}");
}

#[test]
fn unknown_keys_are_rejected() {
    let text = GOOD.replace("anchor = \"call\"", "anchr = \"call\"");
    let (message, covered) = error_of(&text);
    assert!(message.contains("unknown field `anchr`"), "{message}");
    assert_eq!(covered, "anchr");
}

#[test]
fn a_missing_field_is_named() {
    let text = GOOD.replace("message = \"`eval()` of {arg}\"\n", "");
    let (message, _) = error_of(&text);
    assert!(message.contains("missing field `message`"), "{message}");
}

#[test]
fn wrong_severity_and_language_point_at_the_value() {
    let (message, covered) = error_of(&GOOD.replace("\"error\"", "\"fatal\""));
    assert!(message.contains("unknown variant `fatal`"), "{message}");
    assert_eq!(covered, "\"fatal\"");
    let (message, covered) = error_of(&GOOD.replace("\"python\"", "\"rust\""));
    assert!(message.contains("unknown variant `rust`"), "{message}");
    assert_eq!(covered, "\"rust\"");
}

#[test]
fn an_unknown_node_type_points_into_the_query() {
    let (message, covered) = error_of(&GOOD.replace("(call function", "(cal function"));
    assert!(message.contains("`cal` is not a node type"), "{message}");
    assert_eq!(covered, "cal");
}

#[test]
fn an_unknown_field_points_into_the_query() {
    let (message, covered) =
        error_of(&GOOD.replace("function: (identifier)", "callee: (identifier)"));
    assert!(message.contains("`callee` is not a field"), "{message}");
    assert_eq!(covered, "callee");
}

#[test]
fn a_query_syntax_error_is_located() {
    let (message, covered) =
        error_of(&GOOD.replace("(#eq? @f \"eval\")) @call", "(#eq? @f \"eval\") @call"));
    assert!(message.contains("invalid tree-sitter query"), "{message}");
    assert!(!covered.is_empty());
}

#[test]
fn a_missing_anchor_capture_is_an_error() {
    let (message, covered) = error_of(&GOOD.replace("anchor = \"call\"", "anchor = \"node\""));
    assert!(message.contains("no capture `@node`"), "{message}");
    assert_eq!(covered, "\"node\"");
}

#[test]
fn several_captures_need_an_anchor() {
    let (message, _) = error_of(&GOOD.replace("anchor = \"call\"\n", ""));
    assert!(message.contains("3 captures"), "{message}");
}

#[test]
fn every_pattern_must_capture_the_anchor() {
    let text = GOOD.replace(
        "(#eq? @f \"eval\")) @call\n",
        "(#eq? @f \"eval\")) @call\n(assert_statement) @other\n",
    );
    let (message, covered) = error_of(&text);
    assert!(
        message.contains("pattern 2 of the query does not capture `@call`"),
        "{message}"
    );
    assert_eq!(covered.trim_end(), "(assert_statement) @other");
}

#[test]
fn duplicate_ids_are_rejected_against_built_in_and_shipped_rules() {
    let (message, covered) = error_of(&GOOD.replace("no-eval", "bare-except"));
    assert!(
        message.contains("duplicate rule id `bare-except`"),
        "{message}"
    );
    assert!(message.contains("built-in"), "{message}");
    assert_eq!(covered, "\"bare-except\"");
    let (message, _) = error_of(&GOOD.replace("no-eval", "todo-comment"));
    assert!(message.contains("rules/todo-comment.toml"), "{message}");
}

#[test]
fn duplicate_ids_across_user_files_are_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("a.toml"),
        GOOD.replace("no-eval", "dup-rule"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("b.toml"),
        GOOD.replace("no-eval", "dup-rule"),
    )
    .expect("write");
    let err = catalog(Some(dir.path())).expect_err("duplicate");
    let Error::Input { message, src, .. } = err else {
        panic!("expected a located error, got {err:?}");
    };
    assert!(
        message.contains("duplicate rule id `dup-rule`"),
        "{message}"
    );
    assert!(message.contains("a.toml"), "{message}");
    assert!(src.name().ends_with("b.toml"), "{}", src.name());
}

#[test]
fn ids_must_be_kebab_case() {
    let (message, covered) = error_of(&GOOD.replace("no-eval", "No_Eval"));
    assert!(message.contains("not kebab-case"), "{message}");
    assert_eq!(covered, "\"No_Eval\"");
}

#[test]
fn unknown_message_captures_point_into_the_message() {
    let (message, covered) = error_of(&GOOD.replace("{arg}", "{argument}"));
    assert!(message.contains("`{argument}`"), "{message}");
    assert_eq!(covered, "{argument}");
}

#[test]
fn unsupported_predicates_are_rejected() {
    let (message, _) =
        error_of(&GOOD.replace("(#eq? @f \"eval\")", "(#eq? @f \"eval\") (#is-local? @f)"));
    assert!(
        message.contains("`#is-local?` is not supported"),
        "{message}"
    );
}

#[test]
fn bad_globs_and_empty_needles_are_rejected() {
    let (message, covered) = error_of(&format!("{GOOD}ignores = [\"tests/[\"]\n"));
    assert!(message.contains("invalid glob"), "{message}");
    assert_eq!(covered, "\"tests/[\"");
    let (message, covered) = error_of(&format!("{GOOD}needles = [\"eval\", \"\"]\n"));
    assert!(message.contains("empty needle"), "{message}");
    assert_eq!(covered, "\"\"");
}

#[test]
fn a_not_inside_query_is_checked_like_the_main_one() {
    let (message, covered) = error_of(&format!("{GOOD}not-inside = \"(if_statment) @guard\"\n"));
    assert!(message.contains("`not-inside`"), "{message}");
    assert_eq!(covered, "if_statment");
    let (message, _) = error_of(&format!("{GOOD}not-inside = \"(if_statement)\"\n"));
    assert!(message.contains("captures nothing"), "{message}");
}

#[test]
fn an_empty_documentation_is_rejected() {
    let (message, _) = error_of(&GOOD.replace("## What it does\\nFlags eval.", "  "));
    assert!(message.contains("documentation is empty"), "{message}");
}

#[test]
fn escaped_query_strings_fall_back_to_the_whole_value() {
    // A basic string with escapes cannot be mapped byte for byte.
    let text = "id = \"esc\"\nlanguage = \"python\"\nseverity = \"note\"\nmessage = \"m\"\ndocumentation = \"d\"\nquery = \"(cal) @c\\n\"\n";
    let (message, covered) = error_of(text);
    assert!(message.contains("`cal`"), "{message}");
    assert_eq!(covered, "\"(cal) @c\\n\"");
}

#[test]
fn templates_keep_literal_braces() {
    assert_eq!(
        parse_template("{} {x} {a b} {"),
        vec![
            Piece::Text("{} ".into()),
            Piece::Capture("x".into()),
            Piece::Text(" {a b} {".into())
        ]
    );
}

#[test]
fn a_missing_rules_folder_is_an_io_error() {
    let err = catalog(Some(Path::new("/nonexistent/agentlint-rules"))).expect_err("missing");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
}

#[test]
fn not_inside_drops_findings_inside_the_exempt_nodes() {
    let text = format!(
        "{}not-inside = '''\n(function_definition name: (identifier) @n (#eq? @n \"unsafe_eval\")) @exempt\n'''\nunless-file-contains = [\"# no-eval: off\"]\n",
        GOOD.replace("no-eval", "no-eval-inside")
    );
    let rule = compile_str("inside.toml", &text).expect("compiles");
    let code =
        "eval(a)\ndef unsafe_eval(b):\n    return eval(b)\ndef other(c):\n    return eval(c)\n";
    let found = crate::engine::query::check_snippet(rule, code);
    let starts: Vec<usize> = found.iter().map(|f| f.span.start).collect();
    assert_eq!(starts, vec![0, code.rfind("eval(c)").expect("present")]);
    // A file containing an `unless-file-contains` string is exempt.
    let exempt = format!("# no-eval: off\n{code}");
    assert!(crate::engine::query::check_snippet(rule, &exempt).is_empty());
}

#[cfg(unix)]
#[test]
fn a_symlinked_rule_file_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("real.txt"), GOOD).expect("write");
    std::os::unix::fs::symlink(dir.path().join("real.txt"), dir.path().join("link.toml"))
        .expect("symlink");
    let err = catalog(Some(dir.path())).expect_err("symlink");
    assert!(err.to_string().contains("symbolic link"), "{err}");
}

#[test]
fn only_toml_files_directly_in_the_folder_are_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("one.toml"),
        GOOD.replace("no-eval", "only-one"),
    )
    .expect("write");
    std::fs::write(dir.path().join("notes.md"), "not a rule").expect("write");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/two.toml"), "not even toml [").expect("write");
    let known = catalog(Some(dir.path())).expect("loads");
    let user: Vec<&str> = known
        .iter()
        .filter(|r| source_of(r).starts_with(&dir.path().display().to_string()))
        .map(|r| r.meta().id)
        .collect();
    assert_eq!(user, vec!["only-one"]);
}

fn shipped_query_rules() -> Vec<&'static QueryRule> {
    shipped()
        .expect("shipped rules load")
        .iter()
        .filter_map(|r| match r {
            Registered::Ast(rule) => rule.as_query(),
            _ => None,
        })
        .collect()
}

#[test]
fn shipped_rules_pass_the_checks_user_rules_get_at_load() {
    // Shipped rules skip the query checks at startup (their queries compile
    // on first use); this runs those checks, as for a user's rule file.
    for (name, text) in shipped::FILES {
        let mut taken = builtin_ids();
        let rule = compile(name, text, Origin::User(PathBuf::from(name)), &mut taken)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let lazy = shipped_query_rules()
            .into_iter()
            .find(|r| r.meta().id == rule.meta().id)
            .expect("the shipped rule is registered");
        assert_eq!(lazy.anchor(), rule.anchor(), "{name}");
        assert_eq!(lazy.scope_capture(), rule.scope_capture(), "{name}");
        assert!(lazy.query().is_some(), "{name}: the lazy query compiles");
        assert_eq!(
            lazy.not_inside().is_some(),
            rule.not_inside().is_some(),
            "{name}"
        );
    }
}

#[test]
fn shipped_queries_compile_only_when_a_file_needs_them() {
    let rules = shipped_query_rules();
    let pass = crate::engine::query::QueryPass::new(rules, false);
    assert_eq!(
        pass.compiled(),
        0,
        "nothing compiled before a file needs it"
    );
    let code = "def f():\n    print('x')\n";
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&python()).expect("grammar");
    let tree = parser.parse(code, None).expect("parsed");
    let active = pass.active(Some("pkg/mod.py"), &[code.as_bytes()], code.as_bytes());
    assert_eq!(
        active.iter().filter(|&&a| a).count(),
        1,
        "only print's needle"
    );
    let options = RuleOptions::default();
    let mut cx = AstContext::new(code.as_bytes(), tree.root_node(), &options);
    let mut cursor = tree_sitter::QueryCursor::new();
    pass.run(
        &active,
        tree.root_node(),
        &crate::change::ChangedLines::All,
        &mut cursor,
        &mut cx,
    );
    assert_eq!(cx.into_findings().len(), 1);
    assert_eq!(pass.compiled(), 1, "only the print rule's query");
}
