//! How a debug session ends the program: its exit, a kill, the debugger
//! returning, and calls in the wrong state.

use super::*;

#[test]
fn calls_in_the_wrong_state_fail_and_change_nothing() {
    for debuggee in Debuggee::ALL {
        check(
            debuggee,
            Run {
                program: &["spin"],
                script: &[
                    ("resume", "ok"),
                    ("sleep 100", "ok"),
                    ("resume", "error: not-paused"),
                    ("step", "error: not-paused"),
                    ("frames", "error: not-paused"),
                    ("pc", "error: not-paused"),
                    ("local 0 0", "error: not-paused"),
                    ("operand 0 0", "error: not-paused"),
                    ("modules", "error: not-paused"),
                    ("instances", "error: not-paused"),
                    ("memory-size 0 0", "error: not-paused"),
                    ("read 0 0 0 4", "error: not-paused"),
                    ("write 0 0 0 00", "error: not-paused"),
                    ("global 0 0", "error: not-paused"),
                    ("set-global 0 0 i32:0", "error: not-paused"),
                    ("table-size 0 0", "error: not-paused"),
                    ("break-pc 0:0", "error: not-paused"),
                    ("unbreak-pc 0:0", "error: not-paused"),
                    // The bytecode is readable in any state but exited.
                    ("bytecode-magic 0", "0061736d"),
                    ("state", "running"),
                    ("kill", "ok"),
                    ("state", "exited(137)"),
                ],
                stdout: "spinning\n",
                status: 137,
            },
            &mut Vars::new(),
        );
        check(
            debuggee,
            Run {
                program: &["exit", "7"],
                script: &[
                    ("continue", "exited(*)"),
                    ("resume", "error: exited"),
                    ("step", "error: exited"),
                    ("frames", "error: exited"),
                    ("modules", "error: exited"),
                    ("instances", "error: exited"),
                    ("bytecode-magic 0", "error: exited"),
                    ("local 0 0", "error: exited"),
                    ("read 0 0 0 4", "error: exited"),
                    ("global 0 0", "error: exited"),
                    ("break-pc 0:0", "error: exited"),
                    ("interrupt", "ok"),
                    ("kill", "ok"),
                    ("wait", "exited(*)"),
                ],
                status: exit_status(debuggee, 7),
                ..Run::EMPTY
            },
            &mut Vars::new(),
        );
    }
}

#[test]
fn exit_status_reaches_the_debugger_and_the_cli() {
    for debuggee in Debuggee::ALL {
        let status = exit_status(debuggee, 7);
        check(
            debuggee,
            Run {
                program: &["exit", "7"],
                script: &[
                    ("continue", &format!("exited({status})")),
                    ("state", &format!("exited({status})")),
                ],
                status,
                ..Run::EMPTY
            },
            &mut Vars::new(),
        );
    }
}

#[test]
fn kill_ends_the_program() {
    for debuggee in Debuggee::ALL {
        let err = check(
            debuggee,
            Run {
                program: &["trap"],
                script: &[
                    ("break level_one", "ok *"),
                    ("continue", "paused(breakpoint)"),
                    ("kill", "ok"),
                    ("state", "exited(137)"),
                    ("wait", "exited(137)"),
                    ("frames", "error: exited"),
                    ("continue", "error: exited"),
                ],
                stdout: "about to trap\n",
                status: 137,
            },
            &mut Vars::new(),
        );
        assert!(
            !err.contains("unreachable"),
            "{debuggee:?}: killed before the trap\n{err}"
        );
        check(
            debuggee,
            Run {
                script: &[("kill", "ok"), ("state", "exited(137)")],
                status: 137,
                ..Run::EMPTY
            },
            &mut Vars::new(),
        );
    }
}

#[test]
fn a_sleeping_program_wakes_wherever_it_runs() {
    for debuggee in Debuggee::ALL {
        // The sleep starts during the continue and ends after the debugger
        // is gone: its timer must not depend on the debugger, and must not
        // fire early either.
        for script in [("resume", "ok"), ("continue", "exited(0)")] {
            let started = Instant::now();
            check(
                debuggee,
                Run {
                    program: &["sleep", "50"],
                    script: &[script],
                    stdout: "slept 50 ms\n",
                    ..Run::EMPTY
                },
                &mut Vars::new(),
            );
            assert!(started.elapsed() >= Duration::from_millis(50));
        }
    }
}

#[test]
fn returning_while_paused_lets_the_program_finish() {
    for debuggee in Debuggee::ALL {
        // Even with the breakpoint still set, the program runs to its end.
        check(
            debuggee,
            Run::basic(&[
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
            ]),
            &mut Vars::new(),
        );
        check(
            debuggee,
            Run::basic(&[("step 5", "paused(step) at *")]),
            &mut Vars::new(),
        );
        check(
            debuggee,
            Run {
                program: &["exit", "7"],
                script: &[],
                status: exit_status(debuggee, 7),
                ..Run::EMPTY
            },
            &mut Vars::new(),
        );
    }
}
