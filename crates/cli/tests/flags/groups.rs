//! The option groups `-W`, `-S`, `-C`, `-O` and `-D`: what they switch, and
//! their usage errors.

use super::*;

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

fn proposal(name: &str) -> String {
    let path = support::workspace_root().join(format!("examples/wat/proposals/{name}.wat"));
    path.to_string_lossy().into_owned()
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
        // serve's -S goes through the same parser.
        (
            &["serve", "-S", "tcp", q],
            "-S tcp is not served by `wasmdebug serve`",
        ),
        (
            &["serve", "-S", "cli=maybe", q],
            "expected y or n, not `maybe`",
        ),
        (
            &["serve", "-S", "http", q],
            "`wasmtime run`'s -S http is not served",
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
