//! Stepping by line and by instruction, and interrupting a busy loop.

use super::*;

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
