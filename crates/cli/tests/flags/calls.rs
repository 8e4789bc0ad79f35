//! What runs: `--invoke`, `--preload` and `--argv0`.

use super::*;

const COMPONENT: &str = r#"(component
  (core module $m
    (func (export "double") (param i32) (result i32) (i32.add (local.get 0) (local.get 0))))
  (core instance $i (instantiate $m))
  (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "double"))))"#;

#[test]
fn invoke_calls_an_export_and_prints_its_results() {
    let add = wat("add", ADD);
    let component = wat("component", COMPONENT);
    let add = add.as_str();
    check(&["--invoke", "add", add, "2", "40"], 0, Some("42\n"), "");
    check(
        &["run", "--invoke", "add", add, "0x10", "-1"],
        0,
        Some("15\n"),
        "",
    );
    check(&["--invoke", "half", add, "5"], 0, Some("2.5\n"), "");
    check(&["--invoke", "pair", add, "7"], 0, Some("7\n-1\n"), "");
    check(&["--invoke", "trap", add], 134, Some(""), "unreachable");
    check(
        &["--invoke", "add", add, "1"],
        1,
        Some(""),
        "takes 2 arguments, not 1",
    );
    check(
        &["--invoke", "add", add, "x", "1"],
        1,
        Some(""),
        "invalid i32 argument `x`",
    );
    check(
        &["--invoke", "nope", add],
        1,
        Some(""),
        "no function export named `nope`",
    );
    check(&["--invoke", "double(21)", &component], 0, Some("42\n"), "");
    check(
        &["--invoke", "double(-1)", &component],
        1,
        Some(""),
        "invalid arguments",
    );
    check(
        &["--invoke", "triple(1)", &component],
        1,
        Some(""),
        "no function named `triple`",
    );
}

#[test]
fn preload_offers_a_modules_exports_as_imports() {
    let lib = wat(
        "lib",
        r#"(module (func (export "answer") (result i32) (i32.const 42)))"#,
    );
    let main = wat(
        "uses-lib",
        r#"(module (import "lib" "answer" (func $answer (result i32)))
             (func (export "run") (result i32) (call $answer)))"#,
    );
    let preload = format!("lib={lib}");
    check(
        &["--preload", &preload, "--invoke", "run", &main],
        0,
        Some("42\n"),
        "",
    );
    check(&["--invoke", "run", &main], 1, Some(""), "`lib::answer`");
    check_usage(&["--preload", "lib", &main], "expected NAME=PATH");
    let component = wat("component", COMPONENT);
    let preload = format!("lib={component}");
    check(
        &["--preload", &preload, &main],
        1,
        Some(""),
        "takes core modules",
    );
}

#[test]
fn argv0_replaces_the_program_name() {
    let c = path(Debuggee::C.path());
    check(
        &["--argv0", "tool", &c, "args", "x"],
        0,
        Some("argc = 3\nargv[0] = tool\nargv[1] = args\nargv[2] = x\n"),
        "",
    );
}
