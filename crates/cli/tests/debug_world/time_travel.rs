//! Running in reverse through the debug world: reverse continue and reverse
//! step over a replay (core modules and components), the history's start,
//! and the past kept unchangeable.

use super::*;

#[test]
fn reverse_step_retraces_single_steps_and_reverse_continue_the_hits() {
    for debuggee in [Debuggee::C, Debuggee::RustModule, Debuggee::RustComponent] {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            Run::basic(&[
                ("can-reverse", "true"),
                ("break factorial", "ok {body}"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:5"),
                ("instructions factorial 4", "{code} {i1} {i2} {i3}"),
                ("step 3", "paused(step) at {i3}"),
                ("reverse-step", "paused(step)"),
                ("pc", "{i2}"),
                ("reverse-step", "paused(step)"),
                ("pc", "{i1}"),
                ("reverse-step", "paused(step)"),
                ("pc", "{code}"),
                // Forward from the past: a single step replays.
                ("step", "paused(step) at {i1}"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:4"),
                // Back over both hits to the start of the recording.
                ("reverse-continue", "paused(breakpoint)"),
                ("local 0 0", "i32:5"),
                ("reverse-continue", "paused(history-start)"),
                ("reverse-step", "paused(history-start)"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:5"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:4"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:3"),
                ("unbreak factorial", "ok {body}"),
                ("continue", "exited(0)"),
            ]),
            &mut vars,
        );
    }
}

#[test]
fn the_past_cannot_be_changed_and_the_present_can() {
    let debuggee = Debuggee::C;
    let mut vars = facts(debuggee);
    check(
        debuggee,
        Run::basic(&[
            ("break factorial", "ok {body}"),
            ("continue", "paused(breakpoint)"),
            ("continue", "paused(breakpoint)"),
            ("reverse-continue", "paused(breakpoint)"),
            ("set-global {inst} 0 i32:65536", "error: history"),
            ("write {inst} 0 1024 00", "error: history"),
            // Reading the past is fine.
            ("read {inst} 0 1024 1", "*"),
            ("continue", "paused(breakpoint)"),
            ("local 0 0", "i32:4"),
            // The present again: the live program.
            ("write {inst} 0 0 00", "ok"),
            ("unbreak factorial", "ok {body}"),
            ("continue", "exited(0)"),
        ]),
        &mut vars,
    );
}
