//! Every stop shows where the program really is: for each kind of stop, the
//! line a stock LLDB shows is checked against the program's source (its
//! `MARK:` comments), not against our own pc arithmetic. And a Wasm
//! exception stops the program only when nothing catches it, or when asked.

#![cfg(feature = "gdbstub")]

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::Debuggee;
use support::lldb::{self, Runtime, Session};

/// The line LLDB shows for the last frame in `transcript` that is in
/// `function`, as `(file name, line)`.
fn shown_line(transcript: &str, function: &str) -> (String, u32) {
    let frame = transcript
        .lines()
        .rfind(|line| line.contains("frame #") && line.contains(function))
        .unwrap_or_else(|| panic!("no frame of {function} in:\n{transcript}"));
    // `frame #0: 0x4000... module`function(args) at FILE:LINE:COLUMN`
    let place = frame
        .rsplit(" at ")
        .next()
        .unwrap_or_else(|| panic!("no source place in {frame:?}"));
    let mut parts = place.split(':');
    let file = parts.next().unwrap_or_default().to_string();
    let line = parts.next().and_then(|line| line.parse().ok());
    (file, line.unwrap_or_else(|| panic!("no line in {frame:?}")))
}

fn file_name(debuggee: Debuggee) -> String {
    let source = debuggee.source();
    source.file_name().unwrap().to_string_lossy().into_owned()
}

/// LLDB shows `spin_forever`'s loop (its condition, or the increment below
/// it), and the loop's counter.
#[track_caller]
fn assert_in_the_spin_loop(session: &Session, debuggee: Debuggee) {
    let body = debuggee.line_of("spin-body");
    let (file, line) = shown_line(&session.lldb, "spin_forever");
    assert_eq!(file, file_name(debuggee), "{debuggee:?}:\n{}", session.lldb);
    assert!(
        line == body || line == body - 1,
        "{debuggee:?}: line {line}, not the loop's ({} or {body}):\n{}",
        body - 1,
        session.lldb
    );
    // The last one: the source listing shows `spins = 0` first.
    let counter = session
        .lldb
        .rsplit("spins = ")
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse::<u64>().ok());
    assert!(
        counter.is_some(),
        "{debuggee:?}: no value of `spins`:\n{}",
        session.lldb
    );
}

#[test]
fn an_interrupt_in_a_loop_without_calls_shows_the_loop_and_its_counter() {
    for debuggee in Debuggee::ALL {
        let mut commands = lldb::INTERRUPT_AFTER_A_SECOND.to_vec();
        commands.extend(["frame variable spins", "process kill"]);
        let session = lldb::attach(
            Runtime::start(&[], debuggee.path(), &["spin"]),
            &commands,
            &[],
        );
        session.expect(&["stop reason = signal SIGINT", "spin_forever"], 137);
        assert_in_the_spin_loop(&session, debuggee);
        assert_eq!(session.stdout, "spinning\n", "{debuggee:?}");
    }
}

#[test]
fn a_late_client_finds_a_no_wait_program_in_its_loop() {
    for debuggee in Debuggee::ALL {
        let runtime = Runtime::start(&["--no-wait"], debuggee.path(), &["spin"]);
        std::thread::sleep(Duration::from_millis(500));
        let session = lldb::attach(
            runtime,
            &["bt 1", "frame variable spins", "process kill"],
            &[],
        );
        session.expect(
            &[
                "stop reason = signal SIGINT",
                "spin_forever",
                "exited with status = 9",
            ],
            137,
        );
        assert_in_the_spin_loop(&session, debuggee);
    }
}

#[test]
fn a_trap_shows_the_trapping_line_as_an_exception_stop() {
    for debuggee in Debuggee::ALL {
        let session = lldb::attach_python(
            Runtime::start(&[], debuggee.path(), &["trap"]),
            &["c", "bt", "c"],
        );
        session.expect(
            &[
                "stop reason = wasm trap: wasm `unreachable` instruction executed",
                "level_two",
                "level_one",
                "exited with status = 134",
            ],
            134,
        );
        // Not a signal LLDB would deliver on the next resume.
        assert!(!session.lldb.contains("SIGILL"), "{}", session.lldb);
        let (file, line) = shown_line(&session.lldb, "level_two");
        assert_eq!(
            (file, line),
            (file_name(debuggee), debuggee.line_of("trap")),
            "{debuggee:?}:\n{}",
            session.lldb
        );
    }
}

#[test]
fn a_breakpoint_a_step_and_a_watchpoint_show_their_lines() {
    let debuggee = Debuggee::C;
    let checksum = debuggee.line_of("checksum");
    let session = lldb::attach(
        Runtime::start(&[], debuggee.path(), &["audit", "3"]),
        &[
            &format!("b debuggee.c:{checksum}"),
            "c",
            "bt 1",
            "breakpoint delete -f",
            // Off the assignment to the loop's increment, the line above.
            "next",
            "bt 1",
            "watchpoint set variable -w write checksum",
            // Stops right after the next store: the increment is next again.
            "c",
            "bt 1",
            "watchpoint delete 1",
            "c",
        ],
        &[],
    );
    session.expect(
        &[
            "stop reason = breakpoint 1.1",
            &format!("run_audit(iterations=3) at debuggee.c:{checksum}:"),
            "stop reason = step over",
            &format!("run_audit(iterations=3) at debuggee.c:{}:", checksum - 1),
            "stop reason = watchpoint 1",
            &format!("run_audit(iterations=3) at debuggee.c:{}:", checksum - 1),
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(session.stdout, "audit: 3 iterations, checksum 33\n");
}

fn wat(name: &str) -> PathBuf {
    support::workspace_root().join("examples/wat").join(name)
}

const EXCEPTIONS_OUTPUT: &str = "exceptions: caught 42, rethrown 100, catch_all 7\n";

#[test]
fn caught_exceptions_do_not_stop_the_program() {
    let program = wat("proposals/exceptions.wat");
    let session = lldb::attach(Runtime::start(&[], &program, &[]), &["c"], &[]);
    session.expect(&["exited with status = 0"], 0);
    // The one stop is the first instruction's.
    assert_eq!(
        session.lldb.matches("stop reason").count(),
        1,
        "{}",
        session.lldb
    );
    assert_eq!(session.stdout, EXCEPTIONS_OUTPUT);
}

#[test]
fn catch_throw_stops_at_every_throw_until_switched_off() {
    let program = wat("proposals/exceptions.wat");
    let session = lldb::attach_python(
        Runtime::start(&[], &program, &[]),
        &[
            "process plugin packet monitor catch throw",
            "c",
            "c",
            "c",
            "process plugin packet monitor catch throw off",
            "c",
        ],
    );
    let thrown = "stop reason = Wasm exception thrown (a handler catches it)";
    session.expect(
        &[
            "Stopping at every thrown Wasm exception",
            thrown,
            "thrower",
            // The first throw of `rethrow`, then its `throw_ref`.
            thrown,
            "thrower",
            thrown,
            "rethrow",
            "Stopping only at Wasm exceptions that nothing catches",
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(session.lldb.matches(thrown).count(), 3, "{}", session.lldb);
    assert_eq!(session.stdout, EXCEPTIONS_OUTPUT);
}

#[test]
fn an_uncaught_exception_stops_with_its_frames() {
    let program = wat("uncaught.wat");
    let session = lldb::attach_python(Runtime::start(&[], &program, &[]), &["c", "bt", "c"]);
    session.expect(
        &[
            "stop reason = uncaught Wasm exception",
            "frame #0: ",
            "throw_it",
            "frame #1: ",
            "guarded",
            "frame #2: ",
            "_start",
            "exited with status = 134",
        ],
        134,
    );
}
