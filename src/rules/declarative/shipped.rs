//! The declarative rules shipped in the binary: one line per file of the
//! repository's rules/ folder (a test checks this list against the folder).

pub const FILES: &[(&str, &str)] = &[
    (
        "rules/assert-for-validation.toml",
        include_str!("../../../rules/assert-for-validation.toml"),
    ),
    (
        "rules/print-in-library.toml",
        include_str!("../../../rules/print-in-library.toml"),
    ),
    (
        "rules/subprocess-shell-true.toml",
        include_str!("../../../rules/subprocess-shell-true.toml"),
    ),
    (
        "rules/todo-comment.toml",
        include_str!("../../../rules/todo-comment.toml"),
    ),
];
