//! Reading and writing the program's data, and watchpoints on it.

use super::*;

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

/// `counter` lies below the size of the code section, so LLDB 23 names it by
/// a code address (the component's `addr::global_in_code` says why): the
/// watchpoint goes to linear memory all the same, and its stop names the
/// address LLDB set. The stop is right after the store of `counter++`, at
/// the loop's `i++`.
#[test]
fn a_watchpoint_on_a_global_below_the_code_size_stops_where_it_is_written() {
    let loop_head = Debuggee::C.line_of("loop-head");
    let session = attach(
        Debuggee::C,
        &["basic"],
        &[
            "b run_basic",
            "c",
            "watchpoint set variable -w write counter",
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
            &format!("run_basic at debuggee.c:{loop_head}"),
            "exited with status = 0",
        ],
        0,
    );
    assert_eq!(
        session.stdout,
        "factorial(5) = 120\nsum = 110\ncounter = 4\n"
    );
}
