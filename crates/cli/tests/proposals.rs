//! Programs using the Wasm proposals Wasmtime 48 enables by default
//! (`examples/wat/proposals`), run plain, under the scripted test debugger,
//! and under the built-in debugger.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::pattern::{Vars, check_script_lines};
use support::rsp;
use support::{Served, output, output_within, stderr, stdout, test_debugger, wasmdebug};

/// Each program, with its line of output and how many exceptions it throws
/// (each one a stop of a debugger that asked to stop at every throw).
const PROGRAMS: [(&str, &str, usize); 10] = [
    (
        "exceptions",
        "exceptions: caught 42, rethrown 100, catch_all 7\n",
        4,
    ),
    (
        "tail_calls",
        "tail calls: sum 500000500000, indirect 5000050000\n",
        0,
    ),
    (
        "multi_memory",
        "multi-memory: one 1144201745, two 3721182122, copied 1144201745, pages 1 3 2\n",
        0,
    ),
    ("simd", "simd: 90 80 70 60 | sqrt 4 9 | bitmask 5\n", 0),
    (
        "relaxed_simd",
        "relaxed simd: trunc 1 -2 100 -7, madd 21 32 43 54, swizzle 4 3 2 1, \
         laneselect 1 6 3 8, dot -280\n",
        0,
    ),
    (
        "function_references",
        "function references: add 7, mul 12, null -1, tail 30\n",
        0,
    ),
    (
        "gc",
        "gc: point 5 4, array sum 24 len 5, i31 -7, cast 4 0\n",
        0,
    ),
    (
        "extended_const",
        "extended const: 1042, 999999999999, placed at 1024\n",
        0,
    ),
    (
        "threads",
        "threads: add 5 12, cmpxchg 12 99, xchg 1234567890123, notify 0\n",
        0,
    ),
    ("memory64", "memory64: pages 3, loaded 20015998343868\n", 0),
];

/// No run takes this long unless the host hangs.
const LIMIT: Duration = Duration::from_secs(120);

fn program(name: &str) -> PathBuf {
    support::workspace_root()
        .join("examples/wat/proposals")
        .join(format!("{name}.wat"))
}

fn expected_output(name: &str) -> &'static str {
    let found = PROGRAMS.iter().find(|(n, _, _)| *n == name);
    found.expect("a known program").1
}

/// Runs program `name` under the test debugger with the commands of
/// `script`, checks each command's line (a pattern, see `support::pattern`),
/// and that the program still printed its line and exited 0.
fn check(name: &str, script: &[(&str, &str)]) {
    let mut command = wasmdebug();
    command
        .arg("run")
        .arg("-D")
        .arg(format!("debugger={}", test_debugger().display()));
    for (text, _) in script {
        command.arg("-D").arg(format!("arg={text}"));
    }
    let out = output_within(command.arg(program(name)), LIMIT);
    let (out_text, err_text) = (stdout(&out), stderr(&out));
    let commands: Vec<String> = script.iter().map(|(text, _)| text.to_string()).collect();
    let patterns: Vec<&str> = script.iter().map(|(_, pattern)| *pattern).collect();
    check_script_lines(&commands, &patterns, &err_text, &mut Vars::new(), || {
        format!("{name}\nstderr:\n{err_text}")
    });
    assert_eq!(
        out_text,
        expected_output(name),
        "{name}\nstderr:\n{err_text}"
    );
    assert_eq!(out.status.code(), Some(0), "{name}\nstderr:\n{err_text}");
}

#[test]
fn every_program_runs_plain() {
    for (name, expected, _) in PROGRAMS {
        let out = output(wasmdebug().arg("run").arg(program(name)));
        assert_eq!(stdout(&out), expected, "{name}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    }
}

#[test]
fn every_program_runs_to_its_end_under_the_test_debugger() {
    for (name, _, _) in PROGRAMS {
        // Every exception thrown is caught: none is a stop.
        check(name, &[("continue", "exited(0)")]);
    }
}

#[test]
fn every_throw_stops_a_debugger_that_asks_for_them() {
    for (name, _, exceptions) in PROGRAMS {
        let mut script = vec![("stop-at-throws on", "ok")];
        script.extend(vec![("continue", "paused(exception(caught))"); exceptions]);
        script.push(("continue", "exited(0)"));
        check(name, &script);
    }
}

#[test]
fn every_program_runs_to_its_end_under_the_builtin_debugger() {
    for (name, expected, _) in PROGRAMS {
        let served = Served::start_program(&program(name), &[]);
        let mut client = rsp::connect(&served);
        assert_eq!(client.ask("D"), "OK", "{name}");
        let (status, out) = served.finish();
        assert_eq!((status, out.as_str()), (Some(0), expected), "{name}");
    }
}

#[test]
fn stepping_into_and_over_throw_lands_in_the_catch() {
    check(
        "exceptions",
        &[
            ("find catch_value TryTable", "{try}"),
            ("find catch_value Call", "{call}"),
            ("find thrower Throw", "{throw}"),
            ("break catch_value", "ok *"),
            ("continue", "paused(breakpoint)"),
            ("step", "paused(step) at {try}"),
            ("step 2", "paused(step) at {call}"),
            ("step", "paused(step) at *"),
            (
                "frames",
                "#0 func * (thrower) at *, instance 0, locals 1, operands 0 \
                 | #1 func * (catch_value) at {call}, * | #2 func * (_start) at *",
            ),
            ("local 0 0", "i32:20"),
            ("step 3", "paused(step) at {throw}"),
            ("operand 0 0", "i32:21"),
            // A step over a caught throw lands in the catch, with the payload.
            ("step", "paused(step) at {landing}"),
            (
                "frames",
                "#0 func * (catch_value) at {landing}, instance 0, locals 1, operands 1 \
                 | #1 func * (_start) at *",
            ),
            ("operand 0 0", "i32:21"),
        ],
    );
}

#[test]
fn throw_ref_rethrows_the_caught_exnref() {
    check(
        "exceptions",
        &[
            ("stop-at-throws on", "ok"),
            ("break-at rethrow ThrowRef", "ok {throw_ref}"),
            // The throws before it, caught, stop as asked.
            ("continue", "paused(exception(caught))"),
            ("continue", "paused(exception(caught))"),
            ("continue", "paused(breakpoint)"),
            (
                "frames",
                "#0 func * (rethrow) at {throw_ref}, instance 0, locals 2, operands 1 \
                 | #1 func * (_start) at *",
            ),
            ("local 0 0", "i32:99"),
            // The exnref, in its local and on the operand stack.
            ("local 0 1", "non-null-ref"),
            ("operand 0 0", "non-null-ref"),
            // The rethrow is a stop at the throwing instruction...
            ("step", "paused(exception(caught)) at {throw_ref}"),
            // ...and the next step lands in the catch.
            ("step", "paused(step) at {landing}"),
            (
                "frames",
                "#0 func * (rethrow) at {landing}, instance 0, locals 2, operands 1 \
                 | #1 func * (_start) at *",
            ),
            ("operand 0 0", "i32:100"),
        ],
    );
}

#[test]
fn return_call_replaces_the_frame() {
    check(
        "tail_calls",
        &[
            (
                "break-at sum_indirect ReturnCallIndirect",
                "ok {return_call_indirect}",
            ),
            ("continue", "paused(breakpoint)"),
            (
                "frames",
                "#0 func * (sum_indirect) at {return_call_indirect}, instance 0, locals 1, \
                 operands 3 | #1 func * (_start) at {call}, instance 0, locals 0, operands 1",
            ),
            ("local 0 0", "i64:100000"),
            ("unbreak sum_indirect", "ok *"),
            ("step", "paused(step) at *"),
            // $sum_down took $sum_indirect's place under $_start.
            (
                "frames",
                "#0 func * (sum_down) at *, instance 0, locals 2, operands 0 \
                 | #1 func * (_start) at {call}, instance 0, locals 0, operands 1",
            ),
            ("local 0 0", "i64:100000"),
            ("local 0 1", "i64:0"),
            ("break-at sum_down ReturnCall", "ok {return_call}"),
            ("continue", "paused(breakpoint)"),
            ("pc", "{return_call}"),
            ("step", "paused(step) at *"),
            (
                "frames",
                "#0 func * (sum_down) at *, instance 0, locals 2, operands 0 \
                 | #1 func * (_start) at {call}, instance 0, locals 0, operands 1",
            ),
            ("local 0 0", "i64:99999"),
            ("local 0 1", "i64:100000"),
        ],
    );
}

#[test]
fn return_call_ref_replaces_the_frame() {
    check(
        "function_references",
        &[
            ("break-at tail ReturnCallRef", "ok {return_call_ref}"),
            ("continue", "paused(breakpoint)"),
            (
                "frames",
                "#0 func * (tail) at {return_call_ref}, instance 0, locals 1, operands 3 \
                 | #1 func * (_start) at {call}, instance 0, locals 1, operands 1",
            ),
            // A typed function reference, as a local and as the callee operand.
            ("local 0 0", "non-null-ref"),
            ("operand 0 2", "non-null-ref"),
            ("step", "paused(step) at *"),
            (
                "frames",
                "#0 func * (mul) at *, instance 0, locals 2, operands 0 \
                 | #1 func * (_start) at {call}, instance 0, locals 1, operands 1",
            ),
            ("local 0 0", "i32:5"),
            ("local 0 1", "i32:6"),
        ],
    );
}

#[test]
fn locals_of_every_value_type_have_a_value() {
    // $values's parameters: i32, i64, f32, f64, v128, funcref, externref,
    // anyref, a struct reference, i31ref, an array reference, a null anyref.
    check(
        "gc",
        &[
            ("break values", "ok *"),
            ("continue", "paused(breakpoint)"),
            ("local 0 0", "i32:-5"),
            ("local 0 1", "i64:7"),
            ("local 0 2", "f32:0x3fc00000"),
            ("local 0 3", "f64:0xc002000000000000"),
            ("local 0 4", "v128:0x00000004000000030000000200000001"),
            ("local 0 5", "non-null-ref"),
            ("local 0 6", "non-null-ref"),
            ("local 0 7", "non-null-ref"),
            ("local 0 8", "non-null-ref"),
            ("local 0 9", "non-null-ref"),
            ("local 0 10", "non-null-ref"),
            ("local 0 11", "null-ref"),
            ("local 0 12", "error: bad-index"),
            // The caller's GC references, and its arguments on the stack.
            ("local 1 0", "non-null-ref"),
            ("local 1 2", "null-ref"),
            ("operand 1 4", "v128:0x00000004000000030000000200000001"),
            ("operand 1 11", "null-ref"),
        ],
    );
}

#[test]
fn simd_values_read_as_v128() {
    check(
        "simd",
        &[
            ("break-at vectors I32x4Add", "ok *"),
            ("continue", "paused(breakpoint)"),
            ("local 0 0", "v128:0x000000280000001e000000140000000a"),
            ("local 0 1", "v128:0x0000000a000000140000001e00000028"),
            ("operand 0 0", "v128:0x000000280000001e000000140000000a"),
            ("operand 0 1", "v128:0x00000014000000280000003c00000050"),
        ],
    );
}

/// LLDB's Wasm address of byte `offset` of memory `memory`.
fn data_addr(memory: u64, offset: u64) -> u64 {
    memory << 32 | offset
}

#[test]
fn memory_reads_name_each_memory_of_a_multi_memory_module() {
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    let served = Served::start_program(&program("multi_memory"), &[]);
    let mut client = rsp::connect(&served);
    // Paused at the start, after instantiation: memory 0 is still zero, the
    // others hold their data segments.
    let cases: [(u64, &[u8]); 3] = [
        (0, &[0; 8]),
        (1, b"\x11\x22\x33\x44memory one"),
        (2, b"\xaa\xbb\xcc\xddmemory two"),
    ];
    for (memory, bytes) in cases {
        let request = format!("m{:x},{:x}", data_addr(memory, 0), bytes.len());
        assert_eq!(client.ask(&request), hex(bytes), "memory {memory}");
    }
    // Memory two's second page, its end, and the memory after the last.
    let request = format!("m{:x},4", data_addr(2, 0x1fffe));
    assert_eq!(
        client.ask(&request),
        "0000",
        "a read clamped to memory 2's end"
    );
    let request = format!("m{:x},4", data_addr(3, 0));
    assert!(
        client.ask(&request).starts_with('E'),
        "there is no memory 3"
    );
    // Writes go to the memory named, too.
    let request = format!("M{:x},2:abcd", data_addr(1, 4));
    assert_eq!(client.ask(&request), "OK");
    let request = format!("m{:x},6", data_addr(1, 0));
    assert_eq!(client.ask(&request), "11223344abcd");
    let request = format!("m{:x},6", data_addr(2, 0));
    assert_eq!(client.ask(&request), "aabbccdd6d65");
    assert_eq!(client.ask("D"), "OK");
    let (status, out) = served.finish();
    assert_eq!(status, Some(0));
    assert_eq!(out, expected_output("multi_memory"));
}

#[test]
fn a_memory64_memory_reads_through_the_builtin_debugger() {
    let served = Served::start_program(&program("memory64"), &[]);
    let mut client = rsp::connect(&served);
    let map = client.ask("qXfer:memory-map:read::0,fff");
    // Memory 1 is the i64-indexed one: one page before the program grows it.
    assert!(
        map.contains(&format!(
            "start=\"{:#x}\" length=\"0x10000\"",
            data_addr(1, 0)
        )),
        "{map}"
    );
    let request = format!("m{:x},4", data_addr(1, 0xfffc));
    assert_eq!(client.ask(&request), "00000000");
    assert_eq!(client.ask("D"), "OK");
    assert_eq!(served.finish().0, Some(0));
}

/// Wasmtime validates shared memories (the threads proposal is on) but
/// creates none unless `Config::shared_memory` is set, which `wasmtime run`
/// leaves off; so do we, plain and under the debugger.
#[test]
fn a_shared_memory_is_refused_as_wasmtime_run_refuses_it() {
    let dir = support::target_dir().join("test-scratch/proposals");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    let path = dir.join("shared_memory.wat");
    std::fs::write(
        &path,
        r#"(module (memory (export "memory") 1 1 shared) (func (export "_start")))"#,
    )
    .expect("write the program");
    for debug in [false, true] {
        let mut command = wasmdebug();
        command.arg("run");
        if debug {
            command
                .arg("-D")
                .arg(format!("debugger={}", test_debugger().display()));
        }
        let out = output_within(command.arg(&path), LIMIT);
        assert!(
            stderr(&out).contains("shared memory support is disabled"),
            "debug {debug}: {}",
            stderr(&out)
        );
        assert_eq!(out.status.code(), Some(1), "debug {debug}");
    }
}
