//! The `wasmtime run` flags users carry over (`--invoke`, `--argv0`,
//! `--preload`, `-W`, `-S`, `-C`, `-O`, `-D`), the compiled-code cache's
//! bound, and the compile progress report: each case one `check`.

mod support;

use std::path::{Path, PathBuf};

use support::{Debuggee, output, stderr, stdout, test_debugger, wasmdebug};

/// A scratch directory of this test's own under the target directory.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = support::target_dir().join("test-scratch/flags").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Writes a WAT program into the shared scratch directory, by name.
fn wat(name: &str, text: &str) -> String {
    let dir = support::target_dir().join("test-scratch/flags/programs");
    std::fs::create_dir_all(&dir).expect("create program dir");
    let path = dir.join(format!("{name}.wat"));
    std::fs::write(&path, text).expect("write program");
    path.to_string_lossy().into_owned()
}

fn proposal(name: &str) -> String {
    let path = support::workspace_root().join(format!("examples/wat/proposals/{name}.wat"));
    path.to_string_lossy().into_owned()
}

fn path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Runs `wasmdebug ARGS` and checks its exit status, its stdout (exactly,
/// when given) and that its stderr contains `stderr`.
fn check(args: &[&str], status: i32, expected_stdout: Option<&str>, expected_stderr: &str) {
    let out = output(wasmdebug().args(args));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(status), "{args:?}\n{err}");
    if let Some(expected) = expected_stdout {
        assert_eq!(stdout(&out), expected, "{args:?}\n{err}");
    }
    assert!(
        err.contains(expected_stderr),
        "{args:?}: expected {expected_stderr:?} in\n{err}"
    );
}

/// A command-line error: exit status 2 and clap's message style.
fn check_usage(args: &[&str], expected_stderr: &str) {
    check(args, 2, Some(""), expected_stderr);
    let out = output(wasmdebug().args(args));
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(err.contains("For more information, try '--help'."), "{err}");
}

const ADD: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.div (local.get 0) (f64.const 2)))
  (func (export "pair") (param i64) (result i64 i32) (local.get 0) (i32.const -1))
  (func (export "trap") unreachable))"#;

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

#[test]
fn wasm_limits() {
    let spin = wat("spin", r#"(module (func (export "_start") (loop (br 0))))"#);
    let grow = wat(
        "grow",
        r#"(module (memory 1)
             (func (export "_start")
               (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))))"#,
    );
    let quick = wat(
        "quick",
        r#"(module (func (export "_start") (drop (i32.const 1))))"#,
    );
    check(
        &["-W", "fuel=1000", &spin],
        134,
        Some(""),
        "all fuel consumed",
    );
    check(&["-W", "fuel=1000", &quick], 0, Some(""), "");
    check(&["-W", "timeout=200ms", &spin], 134, Some(""), "interrupt");
    check(&["-W", "timeout=10s", &quick], 0, Some(""), "");
    check(
        &["-W", "max-memory-size=65536", &grow],
        134,
        Some(""),
        "unreachable",
    );
    check(&["-W", "max-memory-size=131072", &grow], 0, Some(""), "");
    check(&[&grow], 0, Some(""), "");

    let recurse = path(Debuggee::Recursion.path());
    check(&[&recurse, "10000"], 0, Some("depth 10000 reached\n"), "");
    check(
        &["-W", "max-wasm-stack=65536", &recurse, "10000"],
        134,
        None,
        "call stack exhausted",
    );
    // The debug engine keeps its margin: as deep as a plain run of the same size.
    let debugger = format!("debugger={}", test_debugger().display());
    check(
        &[
            "-W",
            "max-wasm-stack=65536",
            "-D",
            &debugger,
            "-D",
            "arg=continue",
            &recurse,
            "10000",
        ],
        134,
        None,
        "call stack exhausted",
    );
    check(
        &[
            "-W",
            "max-wasm-stack=4194304",
            "-D",
            &debugger,
            "-D",
            "arg=continue",
            &recurse,
            "10000",
        ],
        0,
        Some("depth 10000 reached\n"),
        "",
    );
}

#[test]
fn proposal_switches_apply_plain_and_under_a_debugger() {
    let debugger = format!("debugger={}", test_debugger().display());
    for (name, switch) in [
        // As in Wasmtime, relaxed SIMD needs SIMD.
        ("simd", "simd=n,relaxed-simd=n"),
        ("tail_calls", "tail-call=n"),
        ("exceptions", "exceptions=no"),
        ("memory64", "memory64=false"),
    ] {
        let program = proposal(name);
        check(
            &["-W", switch, &program],
            1,
            Some(""),
            "invalid WebAssembly program",
        );
        check(
            &[
                "-W",
                switch,
                "-D",
                &debugger,
                "-D",
                "arg=continue",
                &program,
            ],
            1,
            Some(""),
            "invalid WebAssembly program",
        );
        // Switched on explicitly, or by default, they run.
        let on = switch
            .replace("=no", "")
            .replace("=false", "")
            .replace("=n", "");
        let out = output(wasmdebug().args(["-W", &on, &program]));
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    }
}

#[test]
fn wasi_switches() {
    let c = path(Debuggee::C.path());
    let out = output(
        wasmdebug()
            .env("WASMDEBUG_TEST_INHERITED", "all of them")
            .args(["-S", "inherit-env", &c, "env", "WASMDEBUG_TEST_INHERITED"]),
    );
    assert_eq!(stdout(&out), "WASMDEBUG_TEST_INHERITED=all of them\n");
    // `--env` overrides an inherited value.
    let out = output(wasmdebug().env("WASMDEBUG_TEST_INHERITED", "host").args([
        "-S",
        "inherit-env=y",
        "--env",
        "WASMDEBUG_TEST_INHERITED=flag",
        &c,
        "env",
        "WASMDEBUG_TEST_INHERITED",
    ]));
    assert_eq!(stdout(&out), "WASMDEBUG_TEST_INHERITED=flag\n");

    // Without WASI, a WASI program cannot link, and a pure one runs.
    check(&["-S", "cli=n", &c], 1, Some(""), "wasi_snapshot_preview1");
    let add = wat("add", ADD);
    check(
        &["-S", "cli=n", "--invoke", "add", &add, "1", "2"],
        0,
        Some("3\n"),
        "",
    );
    // The network switches are accepted (the example does not use sockets).
    check(
        &["-S", "inherit-network,allow-ip-name-lookup,tcp=y,udp=n", &c],
        0,
        None,
        "",
    );
}

#[test]
fn bad_values_are_usage_errors() {
    let quick = wat("quick", r#"(module (func (export "_start")))"#);
    let q = quick.as_str();
    for (args, expected) in [
        (
            &["-g", "nonsense", q][..],
            "invalid debugger address `nonsense`",
        ),
        (&["-g", "70000", q], "invalid debugger address"),
        (&["-W", "fuel=lots", q], "expected a number, not `lots`"),
        (&["-W", "fuel", q], "-W fuel: expected KEY=VALUE"),
        (&["-W", "timeout=soon", q], "expected a duration"),
        (&["-W", "max-memory-size=-1", q], "expected a number"),
        (&["-W", "max-wasm-stack=0", q], "cannot be empty"),
        (&["-W", "simd=maybe", q], "expected y or n, not `maybe`"),
        (&["-W", "frobnicate", q], "unknown -W option `frobnicate`"),
        (
            &["-W", "nan-canonicalization", q],
            "`wasmtime run`'s -W nan-canonicalization is not served",
        ),
        (&["-S", "tcp=maybe", q], "expected y or n"),
        (&["-S", "http", q], "`wasmtime run`'s -S http is not served"),
        (&["-C", "cache=2", q], "expected y or n, not `2`"),
        (&["-C", "compiler=winch", q], "-C compiler is not served"),
        (
            &["-C", "cranelift-opt-level=2", q],
            "-C cranelift-opt-level is not served",
        ),
        (&["-O", "opt-level=3", q], "unknown optimization level `3`"),
        (
            &["-O", "pooling-allocator", q],
            "-O pooling-allocator is not served",
        ),
        (&["-D", "colour=red", q], "unknown -D option `colour`"),
        (&["-D", "coredump=core", q], "-D coredump is not served"),
        (&["--debug", "arg", q], "-D arg: expected KEY=VALUE"),
        (
            &["-g", "0", "--invoke", "f", q],
            "--invoke is not served under a debugger",
        ),
        (
            &["-D", "debugger=d.wasm", "-W", "fuel=9", q],
            "-W fuel is not served under a debugger",
        ),
        (
            &["-g", "0", "-W", "timeout=1s", q],
            "-W timeout is not served under a debugger",
        ),
        (
            &["-g", "0", "-S", "cli=n", q],
            "-S cli=n is not served under a debugger",
        ),
    ] {
        check_usage(args, expected);
    }
}

#[test]
fn good_values_run() {
    let quick = wat("quick", r#"(module (func (export "_start")))"#);
    let q = quick.as_str();
    for args in [
        &["-O", "opt-level=0", q][..],
        &["-O", "opt-level=1", q],
        &["--optimize", "opt-level=s", q],
        &["-C", "cache=n", q],
        &[
            "-W",
            "fuel=10,timeout=5s,max-memory-size=0x100000,max-wasm-stack=1_048_576",
            q,
        ],
        &["-W", "simd,relaxed-simd=y,gc=yes,threads=true,tail-call", q],
        &[
            "-D",
            &format!("debugger={},arg=continue", test_debugger().display()),
            q,
        ],
    ] {
        check(args, 0, Some(""), "");
    }
}

#[test]
fn cache_flags_and_bound() {
    let dir = scratch_dir("cache");
    let programs: Vec<String> = (0..5)
        .map(|n| {
            wat(
                &format!("cached-{n}"),
                &format!(r#"(module (func (export "_start") (drop (i32.const {n}))))"#),
            )
        })
        .collect();

    // -C cache=n: nothing is written.
    let out =
        output(
            wasmdebug()
                .env("WASMDEBUG_CACHE_DIR", &dir)
                .args(["-C", "cache=n", &programs[0]]),
        );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(support::cache_entries(&dir), Vec::<PathBuf>::new());

    // -C cache-config: its directory and its limits. Past the file count,
    // the least recently used entries go, down to 70% of it.
    let config = dir.join("config.toml");
    let entries = dir.join("entries");
    std::fs::write(
        &config,
        format!(
            "[cache]\ndirectory = {:?}\nfile-count-soft-limit = \"3\"\n",
            entries.display()
        ),
    )
    .unwrap();
    let config_flag = format!("cache-config={}", config.display());
    for (n, program) in programs.iter().enumerate() {
        let out = output(wasmdebug().args(["-C", &config_flag, program]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let count = support::cache_entries(&entries).len();
        assert!(count <= 3, "{n}: {count} entries");
        assert!(count >= 1, "{n}: the newest entry stays");
    }
    assert_eq!(
        support::cache_entries(&dir),
        Vec::<PathBuf>::new(),
        "nothing in the default place"
    );

    std::fs::write(&config, "[cache]\ncolour = \"red\"\n").unwrap();
    check(
        &["-C", &config_flag, &programs[0]],
        1,
        Some(""),
        "invalid cache configuration",
    );
    let missing = format!("cache-config={}", dir.join("missing.toml").display());
    check(
        &["-C", &missing, &programs[0]],
        1,
        Some(""),
        "invalid cache configuration",
    );
}

/// A module with `functions` functions of about 100 bytes of code each.
fn big_module(name: &str, functions: usize) -> String {
    let body = "(drop (i32.const 100000)) ".repeat(20);
    let funcs: String = (0..functions)
        .map(|n| format!("(func (export \"f{n}\") {body})\n"))
        .collect();
    wat(
        name,
        &format!("(module (func (export \"_start\")) {funcs})"),
    )
}

#[test]
fn long_compiles_are_reported_as_plain_lines_off_a_terminal() {
    let big = big_module("big", 6000);
    let out = output(wasmdebug().args(["-C", "cache=n", &big]));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("Compiling big.wat (") && lines[0].ends_with("; the cache is off"),
        "{err}"
    );
    assert!(lines[0].contains("MB of code"), "{err}");
    assert!(lines[1].starts_with("Compiled big.wat in "), "{err}");
    assert!(!err.contains('\u{1b}'), "no terminal codes: {err:?}");

    // With the cache, the first start says so and the next is silent.
    let dir = scratch_dir("progress-cache");
    let run = || output(wasmdebug().env("WASMDEBUG_CACHE_DIR", &dir).arg(&big));
    let first = stderr(&run());
    assert!(
        first.contains("; not cached yet, the next start will be quick"),
        "{first}"
    );
    assert_eq!(stderr(&run()), "");

    // A small program compiles in a moment: nothing is said.
    let quick = wat("quick", r#"(module (func (export "_start")))"#);
    check(&["-C", "cache=n", &quick], 0, Some(""), "");
    let out = output(wasmdebug().args(["-C", "cache=n", &quick]));
    assert_eq!(stderr(&out), "");
}

#[test]
fn long_compiles_show_a_spinner_on_a_terminal() {
    let big = big_module("big-tty", 6000);
    // `script` (util-linux) gives the command a pseudo-terminal.
    let command = format!(
        "WASMDEBUG_CACHE_DIR= {} {big}",
        env!("CARGO_BIN_EXE_wasmdebug")
    );
    let out = output(std::process::Command::new("script").args(["-qec", &command, "/dev/null"]));
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Compiling big-tty.wat ("), "{text:?}");
    assert!(
        text.contains("\u{1b}["),
        "terminal codes redraw the line: {text:?}"
    );
    assert!(text.contains("Compiled big-tty.wat in "), "{text:?}");
}
