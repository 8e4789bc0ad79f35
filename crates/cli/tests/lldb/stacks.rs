//! Deep stacks, stack exhaustion, and the modules LLDB sees.

use super::*;

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
