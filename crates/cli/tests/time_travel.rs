//! Time travel with a stock LLDB: `process continue --reverse` over a replay
//! of the program's recorded inputs, checked against what the program
//! showed going forward and against a plain run's output.

#![cfg(feature = "gdbstub")]

mod support;

use support::lldb::{self, Runtime, Session};
use support::{Debuggee, output, scratch_dir, stdout, wasmdebug};

/// The values `frame variable` printed after each `(lldb) frame variable`
/// in the transcript, in order: one block of `name = value` lines each.
fn frame_variables(transcript: &str) -> Vec<String> {
    transcript
        .split("(lldb) ")
        .filter(|block| block.starts_with("frame variable"))
        .map(|block| {
            block
                .lines()
                .skip(1)
                .filter(|line| line.contains(" = "))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect()
}

/// What LLDB said the stop reason was after each command, in order.
fn stop_reasons(transcript: &str) -> Vec<&str> {
    transcript
        .lines()
        .filter_map(|line| line.split("stop reason = ").nth(1))
        .collect()
}

/// The line LLDB shows for the stop after `command`: the `->` line of the
/// source listing that follows it.
fn line_after(session: &Session, command: &str) -> u32 {
    let block = session
        .lldb
        .split("(lldb) ")
        .find(|block| block.starts_with(command))
        .unwrap_or_else(|| panic!("no {command:?} in:\n{}", session.lldb));
    let arrow = block
        .lines()
        .find(|line| line.starts_with("-> "))
        .unwrap_or_else(|| panic!("no source line after {command:?} in:\n{block}"));
    arrow[3..]
        .split_whitespace()
        .next()
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no line number in {arrow:?}"))
}

#[test]
fn back_hit_by_hit_to_the_history_boundary_and_forward_again() {
    let plain = output(wasmdebug().arg("run").arg(Debuggee::C.path()));
    let loop_body = Debuggee::C.line_of("loop-body");
    let session = lldb::attach_python(
        Runtime::start(&[], Debuggee::C.path(), &[]),
        &[
            &format!("breakpoint set -f debuggee.c -l {loop_body}"),
            "c",
            "c",
            "c",
            "frame variable i",
            "process continue --reverse",
            "frame variable i",
            "process continue --reverse",
            "frame variable i",
            "process continue --reverse",
            "process continue -F",
            "frame variable i",
            "c",
            "frame variable i",
            "c",
            "frame variable i",
            "c",
            "frame variable i",
            "breakpoint delete -f",
            "c",
        ],
    );
    session.expect(&["exited with status = 0"], 0);
    let shown: Vec<String> = frame_variables(&session.lldb);
    let expected = ["2", "1", "0", "0", "1", "2", "3"].map(|i| format!("(int) i = {i}"));
    assert_eq!(shown, expected, "{}", session.lldb);
    let reasons = stop_reasons(&session.lldb);
    assert_eq!(
        reasons[4..8],
        [
            "breakpoint 1.1",
            "breakpoint 1.1",
            "history boundary",
            "breakpoint 1.1"
        ],
        "{}",
        session.lldb
    );
    // Nothing printed twice: the output is a plain run's.
    assert_eq!(session.stdout, stdout(&plain));
}

#[test]
fn inputs_are_the_same_forward_backward_and_forward_again_and_printed_once() {
    let dir = scratch_dir("time-travel-inputs");
    std::fs::write(dir.join("input.txt"), b"ABC").unwrap();
    let dir_option = format!("{}::/data", dir.display());
    let session = lldb::attach_python(
        Runtime::start_with_stdin(
            &["--dir", &dir_option],
            Debuggee::History.path(),
            &["inputs", "/data/input.txt"],
            b"xyz",
        ),
        &[
            "breakpoint set -n show",
            "c",
            "frame variable",
            "c",
            "frame variable",
            "c",
            "frame variable",
            "process continue --reverse",
            "frame variable",
            "process continue --reverse",
            "frame variable",
            "process continue -F",
            "frame variable",
            "c",
            "frame variable",
            "breakpoint delete -f",
            "c",
        ],
    );
    session.expect(&["exited with status = 0"], 0);
    let shown = frame_variables(&session.lldb);
    assert_eq!(shown.len(), 7, "{}", session.lldb);
    // Rounds 0, 1, 2 going forward; 1, 0 going back; 1, 2 forward again.
    let (round0, round1, round2) = (&shown[0], &shown[1], &shown[2]);
    assert!(round0.contains("file_byte = 65") && round0.contains("stdin_byte = 120"));
    assert!(round2.contains("file_byte = 67") && round2.contains("stdin_byte = 122"));
    assert_ne!(round0, round1, "the clock moved between rounds");
    assert_eq!(
        shown[3..],
        [round1, round0, round1, round2].map(String::clone)
    );
    // Printed once, with the values the debugger showed.
    let lines: Vec<&str> = session.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", session.stdout);
    for (line, shown) in lines.iter().zip(&shown[..3]) {
        let value = |name: &str| {
            shown
                .lines()
                .find(|line| line.contains(&format!(" {name} = ")))
                .and_then(|line| line.rsplit(" = ").next())
                .unwrap_or_else(|| panic!("no {name} in {shown}"))
                .to_string()
        };
        let expected = format!(
            "clock {} random {} file {} stdin {}",
            value("nanos"),
            value("random"),
            value("file_byte"),
            value("stdin_byte")
        );
        assert!(line.ends_with(&expected), "{line:?} is not {expected:?}");
    }
}

#[test]
fn a_reverse_continue_from_a_trap_stops_at_the_breakpoint_before_it() {
    let corrupt = Debuggee::History.line_of("corrupt");
    let session = lldb::attach_python(
        Runtime::start(&[], Debuggee::History.path(), &["crash"]),
        &[
            "c",
            "breakpoint set -n corrupt",
            "process continue --reverse",
            "frame variable",
            "process continue -F",
            "c",
        ],
    );
    session.expect(
        &[
            "stop reason = wasm trap: integer divide by zero",
            "stop reason = breakpoint 1.1",
            "where = 0x",
            "stop reason = wasm trap: integer divide by zero",
            "exited with status = 134",
        ],
        134,
    );
    assert_eq!(line_after(&session, "process continue --reverse"), corrupt);
    assert_eq!(session.stdout, "about to divide\n", "printed once");
}

/// A Rust core module and a Rust component (wasi:cli/run): back one
/// `factorial` call, and on to the end with the output of a plain run.
#[test]
fn a_rust_module_and_a_rust_component_go_back_one_call_and_on_to_their_end() {
    for debuggee in [Debuggee::RustModule, Debuggee::RustComponent] {
        let plain = output(wasmdebug().arg("run").arg(debuggee.path()));
        let session = lldb::attach_python(
            Runtime::start(&[], debuggee.path(), &[]),
            &[
                "breakpoint set -n factorial",
                "c",
                "c",
                "frame variable n",
                "process continue --reverse",
                "frame variable n",
                "process continue -F",
                "frame variable n",
                "breakpoint delete -f",
                "c",
            ],
        );
        session.expect(&["exited with status = 0"], 0);
        let shown = frame_variables(&session.lldb);
        assert_eq!(shown.len(), 3, "{}", session.lldb);
        assert_eq!(shown[0], "(int) n = 4", "{}", session.lldb);
        assert_eq!(shown[1], "(int) n = 5", "one call back");
        assert_eq!(shown[2], shown[0], "and forward again");
        assert_eq!(session.stdout, stdout(&plain), "{debuggee:?}");
    }
}

/// The function of frame #0 at the stop after each `process continue`, in
/// order (`frame #0: 0x... module`FUNCTION(...) at ...`).
fn stopped_in(transcript: &str) -> Vec<String> {
    transcript
        .split("(lldb) ")
        .filter(|block| block.starts_with("process continue") || block.starts_with("c\n"))
        .filter_map(|block| {
            let frame = block.lines().find(|line| line.contains("frame #0: "))?;
            let name = frame.split('`').nth(1)?;
            Some(
                name.split(['(', ' '])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn a_write_watchpoint_finds_the_last_writer_of_a_global_then_the_one_before() {
    let session = lldb::attach_python(
        Runtime::start(&[], Debuggee::History.path(), &["writers"]),
        &[
            "breakpoint set -n done",
            "c",
            "watchpoint set variable -w write total",
            "process continue --reverse",
            "frame variable",
            "process continue --reverse",
            "frame variable",
            "process continue --reverse",
            "frame variable",
            "process continue --reverse",
            "watchpoint delete",
            "process continue -F",
            "breakpoint delete -f",
            "c",
        ],
    );
    session.expect(&["exited with status = 0"], 0);
    assert_eq!(
        stopped_in(&session.lldb)[1..5],
        ["add", "scale", "add", "_start.command_export"],
        "{}",
        session.lldb
    );
    assert_eq!(
        frame_variables(&session.lldb),
        ["(int) value = 1", "(int) factor = 10", "(int) value = 2"],
        "{}",
        session.lldb
    );
    assert!(
        stop_reasons(&session.lldb).contains(&"history boundary"),
        "{}",
        session.lldb
    );
    assert_eq!(session.stdout, "total = 21\n");
}

#[test]
fn from_a_trap_a_write_watchpoint_goes_back_to_the_write_before_the_crash() {
    let session = lldb::attach_python(
        Runtime::start(&[], Debuggee::History.path(), &["crash"]),
        &[
            "c",
            "watchpoint set variable -w write total",
            "process continue --reverse",
            "frame variable",
            "process continue --reverse",
            "frame variable",
            "watchpoint delete",
            "process continue -F",
            "c",
        ],
    );
    session.expect(
        &[
            "stop reason = wasm trap: integer divide by zero",
            "stop reason = watchpoint 1",
            "stop reason = watchpoint 1",
            "stop reason = wasm trap: integer divide by zero",
            "exited with status = 134",
        ],
        134,
    );
    assert_eq!(
        stopped_in(&session.lldb)[..3],
        ["divide", "corrupt", "add"],
        "{}",
        session.lldb
    );
    let shown = frame_variables(&session.lldb);
    assert!(shown[0].starts_with("(int *) where = 0x"), "{shown:?}");
    assert_eq!(shown[1], "(int) value = 5");
    assert_eq!(session.stdout, "about to divide\n", "printed once");
}
