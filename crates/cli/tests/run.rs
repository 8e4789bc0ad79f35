//! `wasmdebug run`: real C and Rust programs, core modules and components.

mod support;

use support::{Debuggee, output, scratch_dir, stderr, stdout, wasmdebug};

const BASIC_OUTPUT: &str = "factorial(5) = 120\nsum = 110\ncounter = 4\n";

#[test]
fn runs_every_debuggee_in_both_forms() {
    for debuggee in Debuggee::ALL {
        for explicit in [true, false] {
            let mut command = wasmdebug();
            if explicit {
                command.arg("run");
            }
            let out = output(command.arg(debuggee.path()));
            assert_eq!(
                stdout(&out),
                BASIC_OUTPUT,
                "{debuggee:?} explicit={explicit}"
            );
            assert_eq!(out.status.code(), Some(0), "{debuggee:?}: {}", stderr(&out));
        }
    }
}

#[test]
fn passes_arguments_with_program_name_first() {
    for debuggee in Debuggee::ALL {
        let out = output(
            wasmdebug()
                .arg(debuggee.path())
                .args(["args", "one", "--two"]),
        );
        let name = debuggee
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let expected =
            format!("argc = 4\nargv[0] = {name}\nargv[1] = args\nargv[2] = one\nargv[3] = --two\n");
        assert_eq!(stdout(&out), expected, "{debuggee:?}");

        // After `--`, even our own option names belong to the guest.
        let out = output(
            wasmdebug()
                .args(["run"])
                .arg(debuggee.path())
                .args(["--", "args", "--dir"]),
        );
        assert!(
            stdout(&out).ends_with("argv[1] = args\nargv[2] = --dir\n"),
            "{debuggee:?}"
        );
    }
}

#[test]
fn sets_and_inherits_environment_variables() {
    for debuggee in Debuggee::ALL {
        let out = output(
            wasmdebug()
                .args(["--env", "GREETING=hello there"])
                .arg(debuggee.path())
                .args(["env", "GREETING"]),
        );
        assert_eq!(stdout(&out), "GREETING=hello there\n", "{debuggee:?}");

        let out = output(
            wasmdebug()
                .env("WASMDEBUG_TEST_INHERITED", "from host")
                .args(["--env", "WASMDEBUG_TEST_INHERITED"])
                .arg(debuggee.path())
                .args(["env", "WASMDEBUG_TEST_INHERITED"]),
        );
        assert_eq!(
            stdout(&out),
            "WASMDEBUG_TEST_INHERITED=from host\n",
            "{debuggee:?}"
        );

        // Nothing leaks from the host unless asked for.
        let out = output(
            wasmdebug()
                .env("WASMDEBUG_TEST_HIDDEN", "x")
                .arg(debuggee.path())
                .args(["env", "WASMDEBUG_TEST_HIDDEN"]),
        );
        assert_eq!(
            stdout(&out),
            "WASMDEBUG_TEST_HIDDEN is not set\n",
            "{debuggee:?}"
        );
    }
}

#[test]
fn reads_a_file_from_a_preopened_directory() {
    let dir = scratch_dir("preopen");
    std::fs::write(dir.join("note.txt"), "a note from the host\n").unwrap();
    let mapping = format!("{}::/data", dir.display());
    for debuggee in Debuggee::ALL {
        let out = output(
            wasmdebug()
                .args(["--dir", &mapping])
                .arg(debuggee.path())
                .args(["cat", "/data/note.txt"]),
        );
        assert_eq!(
            stdout(&out),
            "a note from the host\n",
            "{debuggee:?}: {}",
            stderr(&out)
        );
        assert_eq!(out.status.code(), Some(0));

        // Without the preopen the guest cannot see the file.
        let out = output(
            wasmdebug()
                .arg(debuggee.path())
                .args(["cat", "/data/note.txt"]),
        );
        assert_eq!(out.status.code(), Some(1), "{debuggee:?}");
        assert!(
            stderr(&out).contains("cannot open /data/note.txt"),
            "{debuggee:?}"
        );
    }
}

#[test]
fn exit_status_is_the_guests() {
    for debuggee in Debuggee::ALL {
        for status in [0, 7, 42] {
            let out = output(
                wasmdebug()
                    .arg(debuggee.path())
                    .args(["exit", &status.to_string()]),
            );
            // Preview 2's `wasi:cli/exit.exit` carries only success or
            // failure, so a component's non-zero exit arrives as 1.
            let expected = match (debuggee, status) {
                (Debuggee::RustComponent, 1..) => 1,
                _ => status,
            };
            assert_eq!(
                out.status.code(),
                Some(expected),
                "{debuggee:?}: {}",
                stderr(&out)
            );
            assert_eq!(stderr(&out), "", "{debuggee:?}");
        }
    }
}

#[test]
fn trap_prints_backtrace_with_source_lines_and_exits_134() {
    for debuggee in Debuggee::ALL {
        let out = output(wasmdebug().arg(debuggee.path()).arg("trap"));
        assert_eq!(stdout(&out), "about to trap\n", "{debuggee:?}");
        assert_eq!(out.status.code(), Some(134), "{debuggee:?}");
        let err = stderr(&out);
        assert!(
            err.starts_with(
                "error: the program trapped: wasm trap: wasm `unreachable` instruction executed"
            ),
            "{debuggee:?}: {err}"
        );
        let level_two = err
            .find("level_two")
            .unwrap_or_else(|| panic!("{debuggee:?}: {err}"));
        let level_one = err
            .find("level_one")
            .unwrap_or_else(|| panic!("{debuggee:?}: {err}"));
        assert!(level_two < level_one, "innermost frame first: {err}");
        let source_name = debuggee
            .source()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            err.contains(&format!("{source_name}:")),
            "file:line in backtrace: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Runs `wasmdebug ARGS` and checks it fails with one clear error line.
fn check_error(args: &[&str], expected: &str) {
    let out = output(wasmdebug().args(args));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line for {args:?}: {err}");
    assert!(
        err.contains(expected),
        "{args:?}: expected {expected:?} in {err}"
    );
}

#[test]
fn bad_inputs_get_one_clear_error() {
    let dir = scratch_dir("bad-inputs");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    };
    let not_wasm = write("notes.txt", b"just some words\n");
    let random = write("random.wasm", &[0x13, 0x37, 0xff, 0x00, 0x42, 0x99, 0x01]);
    let invalid = write("invalid.wasm", b"\0asm\x01\0\0\0\xff\xff");
    let bad_text = write(
        "bad.wat",
        b"(module (func (export \"_start\") (i32.frobnicate)))",
    );
    let missing_import = write(
        "import.wat",
        b"(module (import \"env\" \"frobnicate\" (func)) (func (export \"_start\")))",
    );
    let no_start = write("reactor.wat", b"(module (func (export \"work\")))");
    let valid = write("ok.wat", b"(module (func (export \"_start\")))");
    let missing = dir.join("missing.wasm").to_string_lossy().into_owned();
    let missing_dir = dir.join("no-such-dir").to_string_lossy().into_owned();

    check_error(&[&missing], "failed to read");
    check_error(&[&not_wasm], "is not a WebAssembly file");
    check_error(&[&random], "is not a WebAssembly file");
    check_error(&[&invalid], "invalid WebAssembly program");
    check_error(&[&bad_text], "invalid WebAssembly text format");
    check_error(&[&missing_import], "`env::frobnicate`");
    check_error(&[&no_start], "no `_start` function");
    check_error(&["--dir", &missing_dir, &valid], "cannot open directory");

    // The valid one really runs.
    let out = output(wasmdebug().arg(&valid));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2() {
    let out = output(&mut wasmdebug());
    assert_eq!(out.status.code(), Some(2));
    let out = output(wasmdebug().args(["--dir", "::", "x.wasm"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("HOST::GUEST"), "{}", stderr(&out));
}

/// Without the `gdbstub` feature there is no built-in debugger, and `-g`
/// says how to get one (`ci/test.sh` runs this file without features too).
#[cfg(not(feature = "gdbstub"))]
#[test]
fn gdbstub_without_the_feature_says_how_to_get_one() {
    let out = output(wasmdebug().args(["-g", "1234"]).arg(Debuggee::C.path()));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no built-in debugger"), "{err}");
    assert!(err.contains("--features gdbstub"), "{err}");
    assert_eq!(stdout(&out), "", "the program never ran");
}

#[test]
fn compiled_code_is_cached_reused_and_replaced_when_bad() {
    let cache = scratch_dir("cache");
    let run = || {
        output(
            wasmdebug()
                .env("WASMDEBUG_CACHE_DIR", &cache)
                .arg(Debuggee::C.path()),
        )
    };
    let first = run();
    assert_eq!(stdout(&first), BASIC_OUTPUT, "{}", stderr(&first));
    let entries = support::cache_entries(&cache);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let written = std::fs::metadata(&entries[0]).unwrap();

    // A second run loads the entry rather than compiling and storing again
    // (a stored entry is a new file), and marks it as recently used.
    assert_eq!(stdout(&run()), BASIC_OUTPUT);
    assert_eq!(support::cache_entries(&cache), entries);
    let reused = std::fs::metadata(&entries[0]).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(reused.ino(), written.ino());
    assert!(reused.modified().unwrap() >= written.modified().unwrap());

    // A damaged entry is compiled again and replaced.
    std::fs::write(&entries[0], b"not compiled code").unwrap();
    let repaired = run();
    assert_eq!(stdout(&repaired), BASIC_OUTPUT, "{}", stderr(&repaired));
    assert_ne!(std::fs::read(&entries[0]).unwrap(), b"not compiled code");

    // Code compiled for debugging is a separate entry, as is the debugger.
    let debugged = output(
        wasmdebug()
            .env("WASMDEBUG_CACHE_DIR", &cache)
            .arg("-D")
            .arg(format!("debugger={}", support::test_debugger().display()))
            .args(["-D", "arg=continue"])
            .arg(Debuggee::C.path()),
    );
    assert_eq!(stdout(&debugged), BASIC_OUTPUT, "{}", stderr(&debugged));
    assert_eq!(support::cache_entries(&cache).len(), 3);
}

#[test]
fn an_empty_cache_dir_variable_turns_the_cache_off() {
    // Neither the usual places nor the working directory get an entry.
    let home = scratch_dir("no-cache");
    let program = Debuggee::C.path().canonicalize().unwrap();
    let out = output(
        wasmdebug()
            .current_dir(&home)
            .env("WASMDEBUG_CACHE_DIR", "")
            .env("XDG_CACHE_HOME", &home)
            .env("HOME", &home)
            .arg(program),
    );
    assert_eq!(stdout(&out), BASIC_OUTPUT, "{}", stderr(&out));
    let left: Vec<_> = std::fs::read_dir(&home).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn recursion_reaches_ten_thousand_frames() {
    let out = output(wasmdebug().arg(Debuggee::Recursion.path()).arg("10000"));
    assert_eq!(stdout(&out), "depth 10000 reached\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn recursion_goes_as_deep_under_a_debugger() {
    // 10,900 is as deep as a plain run of it gets; instrumented frames are
    // several times larger, and the debug engine's stack is sized for that.
    let out = output(
        wasmdebug()
            .arg("-D")
            .arg(format!("debugger={}", support::test_debugger().display()))
            .args(["-D", "arg=continue"])
            .arg(Debuggee::Recursion.path())
            .arg("10900"),
    );
    assert_eq!(stdout(&out), "depth 10900 reached\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn exhausting_the_call_stack_is_a_trap() {
    let out = output(wasmdebug().arg(Debuggee::Recursion.path()).arg("1000000"));
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("call stack exhausted"),
        "{}",
        stderr(&out)
    );
}
