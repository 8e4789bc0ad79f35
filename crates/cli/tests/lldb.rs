//! A stock LLDB (23, with its Wasm plugin) debugging the example programs
//! through `wasmdebug run -g`, as a user would.
//!
//! LLDB's wording varies between versions, so each test matches the lines
//! that matter, in order, and nothing else.

#![cfg(feature = "gdbstub")]

mod support;

use support::Debuggee;
use support::lldb::{self, Runtime, Session, assert_in_order, run_lldb};

/// Debugs `debuggee ARGS` with LLDB attached, running `commands` after
/// connecting. The commands must end the program (run it out, detach or
/// kill): a disconnect alone leaves it paused for the next client.
fn attach(debuggee: Debuggee, args: &[&str], commands: &[&str]) -> Session {
    attach_with_crash_commands(debuggee, args, commands, &[])
}

/// Like `attach`, with `on_crash` run once the program stops on a signal.
fn attach_with_crash_commands(
    debuggee: Debuggee,
    args: &[&str],
    commands: &[&str],
    on_crash: &[&str],
) -> Session {
    lldb::attach(
        Runtime::start(&[], debuggee.path(), args),
        commands,
        on_crash,
    )
}

#[test]
fn breakpoint_by_function_backtrace_and_arguments() {
    for debuggee in Debuggee::ALL {
        let session = attach(
            debuggee,
            &["basic"],
            &[
                "b factorial",
                "c",
                "bt",
                "frame variable",
                "c",
                "frame variable",
                "process kill",
            ],
        );
        session.expect(
            &[
                "stop reason = breakpoint 1.1",
                "factorial",
                "n=5",
                "frame #1",
                "run_basic",
                "frame #2",
                "main",
                "n = 5",
                "stop reason = breakpoint 1.1",
                "n = 4",
            ],
            137,
        );
        assert_eq!(session.stdout, "", "{debuggee:?}: killed before printing");
    }
}

#[test]
fn breakpoint_by_file_and_line() {
    for debuggee in Debuggee::ALL {
        let line = debuggee.line_of("loop-body");
        let file = debuggee
            .source()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let session = attach(
            debuggee,
            &["basic"],
            &[
                &format!("b {file}:{line}"),
                "c",
                "c",
                "breakpoint delete -f",
                "c",
            ],
        );
        session.expect(
            &[
                &format!("{file}:{line}"),
                "stop reason = breakpoint 1.1",
                &format!("{file}:{line}"),
                "stop reason = breakpoint 1.1",
                &format!("{file}:{line}"),
                "exited with status = 0",
            ],
            0,
        );
        assert_eq!(
            session.stdout,
            "factorial(5) = 120\nsum = 110\ncounter = 4\n"
        );
    }
}

#[test]
fn next_step_and_finish() {
    for debuggee in Debuggee::ALL {
        next_step_and_finish_in(debuggee);
    }
}

// Rust frames show a hash between a function's name and its arguments, so
// the tests below match the two apart.

fn next_step_and_finish_in(debuggee: Debuggee) {
    let source = debuggee.source();
    let file = source.file_name().unwrap().to_string_lossy();
    let base = debuggee.line_of("factorial-base");
    let session = attach(
        debuggee,
        &["basic"],
        &[
            "b factorial",
            "c",
            "breakpoint delete -f",
            "n",
            "s",
            "n",
            "finish",
            "process kill",
        ],
    );
    session.expect(
        &[
            "stop reason = breakpoint 1.1",
            "factorial",
            "(n=5)",
            // `n` over the base case's test: n is 5, so on to the recursion.
            "stop reason = step over",
            &format!("{file}:{}", base + 2),
            // `s` into the recursive call.
            "stop reason = step in",
            "factorial",
            "(n=",
            "stop reason = step over",
            "factorial",
            "(n=4)",
            // `finish` returns to the caller, still factorial(5).
            "factorial",
            "(n=5)",
            &format!("{file}:{}", base + 2),
        ],
        137,
    );
}

#[test]
fn breakpoints_set_while_paused_later() {
    for debuggee in Debuggee::ALL {
        let session = attach(
            debuggee,
            &["basic"],
            &[
                "b factorial",
                "c",
                "b sum_points",
                "breakpoint delete 1",
                "c",
                "bt 2",
                "c",
            ],
        );
        session.expect(
            &[
                "stop reason = breakpoint 1.1",
                "factorial",
                "(n=5)",
                "stop reason = breakpoint 2.1",
                "sum_points",
                "frame #1",
                "run_basic",
                "exited with status = 0",
            ],
            0,
        );
        assert_eq!(
            session.stdout, "factorial(5) = 120\nsum = 110\ncounter = 4\n",
            "{debuggee:?}"
        );
    }
}

/// A breakpoint the program reaches only after a long loop: in a component
/// as in a core module, the loop runs at full speed (BENCHMARKS.md times
/// it) and the stop comes once.
#[test]
fn a_breakpoint_after_a_long_loop_stops_once() {
    for debuggee in Debuggee::ALL {
        let session = attach(
            debuggee,
            &["audit", "200000"],
            &["b audit", "c", "bt 2", "c"],
        );
        session.expect(
            &[
                "stop reason = breakpoint 1.1",
                "audit",
                "(iterations=200000",
                "frame #1",
                "run_audit",
                "exited with status = 0",
            ],
            0,
        );
        assert_eq!(
            session.stdout, "audit: 200000 iterations, checksum 9024581596163622560\n",
            "{debuggee:?}"
        );
    }
}

#[test]
fn instruction_step_moves_the_pc() {
    for debuggee in Debuggee::ALL {
        let session = attach(
            debuggee,
            &["basic"],
            &["si", "si", "si", "register read pc", "process kill"],
        );
        let pcs: Vec<&str> = session
            .lldb
            .lines()
            .filter(|line| line.contains("stop reason = instruction step into"))
            .collect();
        assert_eq!(
            pcs.len(),
            3,
            "{debuggee:?}: three steps in:\n{}",
            session.lldb
        );
        let addresses: Vec<&str> = session
            .lldb
            .lines()
            .filter_map(|line| line.trim().strip_prefix("frame #0: "))
            .map(|rest| rest.split_whitespace().next().unwrap_or(""))
            .collect();
        // The entry stop and three steps: four distinct pcs.
        let mut distinct = addresses.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 4, "{debuggee:?}: {addresses:?}");
        session.expect(&["pc = 0x4000000000"], 137);
    }
}

#[test]
fn reads_data_through_a_pointer() {
    let session = attach(
        Debuggee::C,
        &["basic"],
        &[
            "b sum_points",
            "c",
            "p points[1]",
            "p points[3].y",
            "p count",
            "process kill",
        ],
    );
    session.expect(
        &["sum_points", "x = 2, y = 20", "(const int) 40", "(int) 4"],
        137,
    );
}

#[test]
fn memory_write_changes_what_the_program_prints() {
    let session = attach(
        Debuggee::C,
        &["message"],
        &[
            "b show_message",
            "c",
            "memory write text 0x4a 0x4f 0x59",
            "c",
        ],
    );
    session.expect(
        &[
            "show_message",
            "text=\"hello from wasm\"",
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(session.stdout, "message: JOYlo from wasm\n");
}

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
fn interrupt_stops_a_busy_loop() {
    for debuggee in Debuggee::ALL {
        let session = attach(
            debuggee,
            &["spin"],
            &[
                "script lldb.debugger.SetAsync(True)",
                "c",
                "script import time; time.sleep(1)",
                "process interrupt",
                "script time.sleep(1)",
                "script lldb.debugger.SetAsync(False)",
                "bt",
                "process kill",
            ],
        );
        session.expect(&["spin_forever"], 137);
        assert_eq!(session.stdout, "spinning\n", "{debuggee:?}");
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

#[test]
fn backtrace_of_ten_thousand_frames() {
    let line = Debuggee::Recursion.line_of("deepest");
    let session = attach(
        Debuggee::Recursion,
        &["10000"],
        &[
            &format!("b recurse.c:{line}"),
            "c",
            "script import time; started = time.monotonic()",
            "bt",
            "script print(f'bt took {time.monotonic() - started:.3f} s')",
            "script started = time.monotonic()",
            "frame select 9000",
            "script print(f'frame select took {time.monotonic() - started:.3f} s')",
            "frame variable",
            "breakpoint delete -f",
            "c",
        ],
    );
    session.expect(
        &[
            "stop reason = breakpoint 1.1",
            "descend(depth=10000, target=10000)",
            // `bt`: every level, then main and the C runtime below it.
            "frame #1: ",
            "descend(depth=9999,",
            "frame #9999: ",
            "descend(depth=1,",
            "frame #10000: ",
            "main(",
            "_start",
            "bt took",
            "frame #9000: ",
            "descend(depth=1000,",
            "frame select took",
            "(int) depth = 1000",
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(session.stdout, "depth 10000 reached\n");
}

#[test]
fn exhausting_the_call_stack_stops_with_a_backtrace() {
    let session = attach_with_crash_commands(
        Debuggee::Recursion,
        &["1000000"],
        &["c"],
        &["bt", "frame select 2", "frame variable", "c"],
    );
    session.expect(
        &[
            "stop reason = wasm trap: call stack exhausted",
            // The innermost frame is the last call that got in: the one
            // after it overflowed on entry.
            "frame #0: ",
            "descend(depth=",
            "frame #1: ",
            "main(",
            "_start",
            "frame #2: ",
            "(int) depth = ",
            "exited with status = 134",
        ],
        134,
    );
    assert!(
        session.stderr.contains("call stack exhausted"),
        "{}",
        session.stderr
    );
}

/// `image list` and every frame name the program's modules after its file.
#[test]
fn modules_are_named_after_the_program_file() {
    for debuggee in Debuggee::ALL {
        let file = debuggee.path().file_name().unwrap().to_string_lossy();
        let stem = file.trim_end_matches(".wasm");
        // A core module is the file; a component's main module is the
        // file's stem and the module's own name.
        let main_module = match debuggee {
            Debuggee::RustComponent => format!("{stem}.debuggee-"),
            _ => file.to_string(),
        };
        let session = attach(
            debuggee,
            &["basic"],
            &["image list", "b factorial", "c", "bt 1", "process kill"],
        );
        session.expect(
            &[
                &main_module,
                "stop reason = breakpoint 1.1",
                &main_module,
                "factorial",
            ],
            137,
        );
        assert!(!session.lldb.contains("module0.wasm"), "{}", session.lldb);
    }
}

// LLDB 23 places a global's DWARF address in the code section (it adds the
// code section's file offset), so these watch locals that live in linear
// memory: `checksum` and `iterations` of `run_audit`, built at -O0.

#[test]
fn a_write_watchpoint_stops_after_each_write_with_old_and_new_values() {
    let session = attach(
        Debuggee::C,
        &["audit", "5"],
        &[
            "b run_audit",
            "c",
            "watchpoint set variable -w write checksum",
            // The stores of `checksum = 0`, then of iterations 0, 1 and 2.
            "c",
            "c",
            "c",
            "c",
            "watchpoint delete 1",
            "c",
        ],
    );
    session.expect(
        &[
            "Watchpoint created",
            "old value: 0",
            "new value: 0",
            "stop reason = watchpoint 1",
            "old value: 0",
            "new value: 0",
            "stop reason = watchpoint 1",
            "old value: 0",
            "new value: 1",
            "stop reason = watchpoint 1",
            "old value: 1",
            "new value: 33",
            "stop reason = watchpoint 1",
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(session.stdout, "audit: 5 iterations, checksum 31810\n");
}

#[test]
fn a_read_watchpoint_stops_after_a_read() {
    let session = attach(
        Debuggee::C,
        &["audit", "5"],
        &[
            "b run_audit",
            "c",
            "watchpoint set variable -w read iterations",
            "c",
            "bt 1",
            "watchpoint delete 1",
            "c",
        ],
    );
    session.expect(
        &[
            "Watchpoint created",
            "stop reason = watchpoint 1",
            "run_audit",
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(session.stdout, "audit: 5 iterations, checksum 31810\n");
}
