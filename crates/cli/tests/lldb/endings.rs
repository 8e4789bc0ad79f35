//! How the program ends under LLDB: a trap, an exit, a detach, a kill, and LLDB
//! launching the runtime itself.

use super::*;

#[test]
fn trap_is_reported_with_its_backtrace() {
    for debuggee in Debuggee::ALL {
        // Batch mode hands over to `-k` commands once the program crashes.
        let session = attach_with_crash_commands(debuggee, &["trap"], &["c"], &["bt", "c"]);
        session.expect(
            // In Rust the innermost frame is `core::arch`'s `unreachable`.
            &[
                "stop reason = wasm trap: wasm `unreachable` instruction executed",
                "level_two",
                "level_one",
                "exited with status = 134",
            ],
            134,
        );
        assert_eq!(session.stdout, "about to trap\n", "{debuggee:?}");
    }
}

#[test]
fn exit_status_reaches_lldb_and_the_shell() {
    for debuggee in Debuggee::ALL {
        let session = attach(debuggee, &["exit", "7"], &["c"]);
        // wasi:cli/exit carries only success or failure for components.
        let status = match debuggee {
            Debuggee::RustComponent => 1,
            _ => 7,
        };
        session.expect(&[&format!("exited with status = {status}")], status);
        assert!(
            !session.lldb.contains("wasm trap"),
            "not a crash: {}",
            session.lldb
        );
    }
}

#[test]
fn detach_lets_the_program_finish() {
    for debuggee in Debuggee::ALL {
        let session = attach(
            debuggee,
            &["basic"],
            &["b factorial", "c", "process detach"],
        );
        session.expect(&["stop reason = breakpoint 1.1", "detached"], 0);
        assert_eq!(
            session.stdout, "factorial(5) = 120\nsum = 110\ncounter = 4\n",
            "{debuggee:?}"
        );
    }
}

#[test]
fn kill_ends_the_program_and_the_runtime() {
    for debuggee in Debuggee::ALL {
        let session = attach(debuggee, &["basic"], &["b sum_points", "c", "process kill"]);
        session.expect(&["stop reason = breakpoint 1.1", "sum_points"], 137);
        // Stopped before it printed the sum, and never printed it.
        assert_eq!(session.stdout, "factorial(5) = 120\n", "{debuggee:?}");
    }
}

#[test]
fn lldb_launches_the_runtime_itself() {
    let runtime = env!("CARGO_BIN_EXE_wasmdebug");
    let program = Debuggee::C.path().to_string_lossy().into_owned();
    let lldb = run_lldb(&[
        "platform select wasm".into(),
        format!("settings set platform.plugin.wasm.runtime-path {runtime}"),
        "settings set -- platform.plugin.wasm.port-arg -g127.0.0.1:".into(),
        format!("target create {program}"),
        "b factorial".into(),
        "process launch -- basic".into(),
        "frame variable".into(),
        "breakpoint delete -f".into(),
        "c".into(),
    ]);
    assert_in_order(
        &lldb,
        &[
            "stop reason = breakpoint",
            "factorial",
            "(n=5)",
            "n = 5",
            "exited with status = 0",
        ],
    );
}
