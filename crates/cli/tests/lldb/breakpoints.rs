//! Breakpoints by function and by line, set while paused, and after a long
//! loop.

use super::*;

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
