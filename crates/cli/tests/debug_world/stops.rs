//! Where the program stops: breakpoints at a function's first byte, counted
//! breakpoints, single steps, interrupts and traps.

use super::*;

#[test]
fn breakpoint_at_a_functions_first_byte_stops_at_its_first_instruction() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        assert_ne!(
            vars["body"], vars["code"],
            "{debuggee:?}: the locals come first"
        );
        check(
            debuggee,
            Run::basic(&[
                ("state", "paused(entry)"),
                ("break-pc {body}", "ok"),
                ("continue", "paused(breakpoint)"),
                ("state", "paused(breakpoint)"),
                ("pc", "{code}"),
                ("local 0 0", "i32:5"),
                ("continue", "paused(breakpoint)"),
                ("pc", "{code}"),
                ("local 0 0", "i32:4"),
                // The second hit is a recursive call: factorial's caller is factorial.
                (
                    "frames",
                    "#0 func {func} (*factorial) at {code}, * | #1 func {func} (*factorial) at *",
                ),
                // Asking for fewer frames gives the same innermost ones.
                ("frames 0", ""),
                ("frames 1", "#0 func {func} (*factorial) at {code}, {top}"),
                (
                    "frames 2",
                    "#0 func {func} (*factorial) at {code}, {top} | #1 func {func} (*factorial) at {caller}",
                ),
                (
                    "frames",
                    "#0 func {func} (*factorial) at {code}, {top} | #1 func {func} (*factorial) at {caller} | *",
                ),
                ("unbreak-pc {body}", "ok"),
                ("continue", "exited(0)"),
            ]),
            &mut vars,
        );
    }
}

#[test]
fn steps_advance_one_instruction_and_stay_paused() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            Run::basic(&[
                ("break factorial", "ok {body}"),
                ("continue", "paused(breakpoint)"),
                ("instructions factorial 4", "{code} {i1} {i2} {i3}"),
                ("frames", "#0 * operands 0 | *"),
                // The first instruction reads the stack pointer global onto the stack.
                ("instruction-at {code}", "GlobalGet"),
                ("step", "paused(step) at {i1}"),
                ("state", "paused(step)"),
                (
                    "frames",
                    "#0 func {func} (*factorial) at {i1}, * operands 1 | *",
                ),
                ("operand 0 0", "i32:{sp}"),
                ("global {inst} 0", "i32:{sp}"),
                ("step", "paused(step) at {i2}"),
                ("pc", "{i2}"),
                ("step 1", "paused(step) at {i3}"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:4"),
            ]),
            &mut vars,
        );
        // N steps in one command land where N single steps do.
        check(
            debuggee,
            Run::basic(&[
                ("break factorial", "ok {body}"),
                ("continue", "paused(breakpoint)"),
                ("step 3", "paused(step) at {i3}"),
                ("step 0", "paused(step) at {i3}"),
            ]),
            &mut vars,
        );
    }
}

#[test]
fn breakpoints_are_counted() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        // Two adds at one pc need two removes.
        check(
            debuggee,
            Run::basic(&[
                ("break factorial", "ok {body}"),
                ("break factorial", "ok {body}"),
                ("unbreak factorial", "ok {body}"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:5"),
                ("unbreak factorial", "ok {body}"),
                ("continue", "exited(0)"),
            ]),
            &mut vars,
        );
        // So do two pcs that move to the same instruction; removing one
        // that is not set does nothing.
        check(
            debuggee,
            Run::basic(&[
                ("unbreak-pc {code}", "ok"),
                ("break-pc {body}", "ok"),
                ("break-pc {code}", "ok"),
                ("unbreak-pc {body}", "ok"),
                ("continue", "paused(breakpoint)"),
                ("pc", "{code}"),
                ("unbreak-pc {code}", "ok"),
                ("unbreak-pc {code}", "ok"),
                ("continue", "exited(0)"),
            ]),
            &mut vars,
        );
    }
}

#[test]
fn interrupt_stops_an_infinite_loop() {
    for debuggee in Debuggee::ALL {
        check(
            debuggee,
            Run {
                program: &["spin"],
                script: &[
                    // Interrupting a paused program does nothing.
                    ("interrupt", "ok"),
                    ("state", "paused(entry)"),
                    ("resume", "ok"),
                    ("sleep 200", "ok"),
                    ("state", "running"),
                    ("interrupt", "ok"),
                    ("wait", "paused(interrupted)"),
                    ("frames", "#0 func * (*spin_forever) at *"),
                    ("step", "paused(step) at *"),
                    ("frames", "#0 func * (*spin_forever) at *"),
                    ("kill", "ok"),
                    ("state", "exited(137)"),
                ],
                stdout: "spinning\n",
                status: 137,
            },
            &mut Vars::new(),
        );
    }
}

#[test]
fn a_trap_pauses_at_the_trapping_instruction_then_ends_the_program() {
    for debuggee in Debuggee::ALL {
        // Unoptimized Rust keeps `core::arch::wasm32::unreachable` as a
        // function of its own: the innermost frame, called by level_two.
        let frames = match debuggee {
            Debuggee::C => "#0 func * (level_two) at {trap}, * | #1 func * (level_one) at *",
            Debuggee::RustModule | Debuggee::RustComponent => {
                "#0 func * (core::core_arch::wasm32::unreachable) at {trap}, * \
                 | #1 func * (debuggee::level_two) at *, * | #2 func * (debuggee::level_one) at *"
            }
            Debuggee::Recursion | Debuggee::History => unreachable!("not one of Debuggee::ALL"),
        };
        let mut vars = Vars::new();
        let err = check(
            debuggee,
            Run {
                program: &["trap"],
                script: &[
                    ("continue", "paused(trap(*unreachable*))"),
                    ("frames", frames),
                    ("pc", "{trap}"),
                    ("continue", "exited(134)"),
                    ("state", "exited(134)"),
                ],
                stdout: "about to trap\n",
                status: 134,
            },
            &mut vars,
        );
        assert!(
            err.contains("unreachable"),
            "{debuggee:?}: the CLI reports the trap\n{err}"
        );
        // The trap's pc is the `unreachable` instruction itself.
        check(
            debuggee,
            Run {
                program: &["trap"],
                script: &[
                    ("instruction-at {trap}", "Unreachable"),
                    ("continue", "paused(trap(*))"),
                    ("pc", "{trap}"),
                    ("kill", "ok"),
                ],
                stdout: "about to trap\n",
                status: 137,
            },
            &mut vars,
        );
    }
}
