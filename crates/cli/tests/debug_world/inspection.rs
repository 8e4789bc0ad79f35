//! What a paused program shows and lets change: memory, globals, modules and
//! instances, and the errors for bad indices and addresses.

use super::*;

#[test]
fn reads_and_writes_memory_behind_a_string_argument() {
    let original = hex(b"hello from wasm");
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        vars.insert("original".into(), original.clone());
        vars.insert("shout".into(), hex(b"HELLO FROM TEST"));
        vars.insert("other".into(), hex(b"GREETINGS WASM!"));
        check(
            debuggee,
            Run {
                program: &["message"],
                script: &[
                    ("break show_message", "ok *"),
                    ("continue", "paused(breakpoint)"),
                    ("frames", "#0 func * (*show_message) at *"),
                    ("read-local-pointer 0 0 15", "{original}"),
                    ("local 0 0", "i32:{text}"),
                    ("memory-size {inst} 0", "{size} bytes, page 65536"),
                ],
                stdout: "message: hello from wasm\n",
                ..Run::EMPTY
            },
            &mut vars,
        );
        let text: u64 = vars["text"].parse().expect("an address");
        let size: u64 = vars["size"].parse().expect("a size");
        assert!(
            text > 0 && text + 15 <= size,
            "{debuggee:?}: {text} in {size}"
        );

        // The program prints what the debugger wrote.
        check(
            debuggee,
            Run {
                program: &["message"],
                script: &[
                    ("break show_message", "ok *"),
                    ("continue", "paused(breakpoint)"),
                    ("read {inst} 0 {text} 15", "{original}"),
                    ("write {inst} 0 {text} {shout}", "ok"),
                    ("read-local-pointer 0 0 15", "{shout}"),
                ],
                stdout: "message: HELLO FROM TEST\n",
                ..Run::EMPTY
            },
            &mut vars,
        );
        check(
            debuggee,
            Run {
                program: &["message"],
                script: &[
                    ("break show_message", "ok *"),
                    ("continue", "paused(breakpoint)"),
                    ("write-local-pointer 0 0 {other}", "ok"),
                    ("read {inst} 0 {text} 15", "{other}"),
                    ("continue", "exited(0)"),
                ],
                stdout: "message: GREETINGS WASM!\n",
                ..Run::EMPTY
            },
            &mut vars,
        );
    }
}

#[test]
fn reads_and_sets_the_stack_pointer_global() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            Run::basic(&[
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("global {inst} 0", "i32:{sp}"),
                ("memory-size {inst} 0", "{size} bytes, page 65536"),
                ("set-global {inst} 0 i64:1024", "error: type-mismatch"),
                ("global {inst} 0", "i32:{sp}"),
                ("global {inst} 99999", "error: bad-index"),
                ("set-global {inst} 99999 i32:0", "error: bad-index"),
            ]),
            &mut vars,
        );
        let sp: i64 = vars["sp"].parse().expect("a number");
        let size: i64 = vars["size"].parse().expect("a size");
        assert!(
            sp > 1024 && sp <= size && sp % 16 == 0,
            "{debuggee:?}: implausible stack pointer {sp} in {size}"
        );

        // factorial has not yet read the stack pointer: moving it down leaves
        // a gap, and every caller restores its own value on return.
        vars.insert("lower".into(), (sp - 1024).to_string());
        check(
            debuggee,
            Run::basic(&[
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("set-global {inst} 0 i32:{lower}", "ok"),
                ("global {inst} 0", "i32:{lower}"),
                ("step", "paused(step) at *"),
                ("operand 0 0", "i32:{lower}"),
                ("unbreak factorial", "ok *"),
            ]),
            &mut vars,
        );
    }
}

#[test]
fn bad_indices_and_addresses_are_errors() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            Run::basic(&[
                ("modules", "{count}: #0 *"),
                ("bytecode-magic 0", "0061736d"),
                ("bytecode-magic 4096", "error: bad-index"),
                ("instances", "*#{inst} module {module}, memories 1, *"),
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("local 0 9999", "error: bad-index"),
                ("local 9999 0", "error: bad-index"),
                ("operand 0 0", "error: bad-index"),
                ("memory-size {inst} 99", "error: bad-index"),
                ("memory-size 9999 0", "error: bad-index"),
                ("read {inst} 0 0xffffffffff 4", "error: out-of-bounds"),
                ("write {inst} 0 0xffffffffff 00", "error: out-of-bounds"),
                ("read {inst} 0 0 0", ""),
                ("table-size {inst} 99", "error: bad-index"),
                ("break-pc 4096:0", "error: bad-index"),
            ]),
            &mut vars,
        );
    }
}

#[test]
fn modules_and_instances_describe_the_program() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            Run::basic(&[
                ("modules", "*#{module} * (* bytes)*"),
                (
                    "instances",
                    "*#{inst} module {module}, memories 1, globals *, tables *, functions *",
                ),
            ]),
            &mut vars,
        );
    }
    let mut vars = Vars::new();
    check(
        Debuggee::C,
        Run::basic(&[
            ("modules", "1: #0 * ({size} bytes)"),
            ("instances", "1: #0 module 0, *"),
        ]),
        &mut vars,
    );
    let size = std::fs::metadata(Debuggee::C.path())
        .expect("built C debuggee")
        .len();
    assert_eq!(
        vars["size"],
        size.to_string(),
        "a core module is its own bytecode"
    );
}
