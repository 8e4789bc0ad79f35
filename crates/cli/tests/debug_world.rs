//! The debug world's host, driven by the scripted test debugger against the C and Rust debuggees.
//!
//! Each case is a script of `(command, expected line)` pairs run by
//! `check`. An expected line is a pattern: `*` matches any text, `{name}`
//! captures text the first time and must match the same text afterwards.
//! Captures also fill `{name}` in later commands, so a value seen in one run
//! (a pc, an address) can be used by the next: the debuggees are
//! deterministic.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::pattern::{Vars, check_script_lines, matches, substitute};
use support::{Debuggee, output_within, stderr, stdout, test_debugger, wasmdebug};

const BASIC_OUTPUT: &str = "factorial(5) = 120\nsum = 110\ncounter = 4\n";

/// No run takes this long unless the host hangs.
const LIMIT: Duration = Duration::from_secs(120);

/// Runs `program` under the test debugger with the commands of `script`,
/// and checks each command's line, the program's stdout (a pattern) and the
/// CLI's exit status. Returns the stderr for further checks.
fn check(
    debuggee: Debuggee,
    program: &[&str],
    script: &[(&str, &str)],
    expected_stdout: &str,
    expected_status: i32,
    vars: &mut Vars,
) -> String {
    check_file(
        debuggee.path(),
        program,
        script,
        expected_stdout,
        expected_status,
        vars,
    )
}

/// `check` for a program file other than the example debuggees.
fn check_file(
    path: &Path,
    program: &[&str],
    script: &[(&str, &str)],
    expected_stdout: &str,
    expected_status: i32,
    vars: &mut Vars,
) -> String {
    let commands: Vec<String> = script
        .iter()
        .map(|(command, _)| substitute(command, vars))
        .collect();
    let mut command = wasmdebug();
    command
        .arg("run")
        .arg("-D")
        .arg(format!("debugger={}", test_debugger().display()));
    for text in &commands {
        command.arg("-D").arg(format!("arg={text}"));
    }
    command.arg(path).args(program);
    let out = output_within(&mut command, LIMIT);
    let (out_text, err_text) = (stdout(&out), stderr(&out));
    let context = || {
        format!(
            "{path:?} {program:?}\nscript: {commands:#?}\nstdout:\n{out_text}\nstderr:\n{err_text}"
        )
    };

    // The component's lines, in command order; the host may print others.
    let patterns: Vec<&str> = script.iter().map(|(_, pattern)| *pattern).collect();
    check_script_lines(&commands, &patterns, &err_text, vars, context);
    assert!(
        matches(expected_stdout, &out_text, vars),
        "stdout: expected {expected_stdout:?}\n{}",
        context()
    );
    assert_eq!(
        out.status.code(),
        Some(expected_status),
        "exit status\n{}",
        context()
    );
    err_text
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What one run at `factorial` finds out about each debuggee: `{body}` and
/// `{code}` (factorial's first byte and first instruction, as `M:0xPC`),
/// `{module}` and `{inst}` (the module and instance running it).
fn facts(debuggee: Debuggee) -> Vars {
    static FACTS: [OnceLock<Vars>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = Debuggee::ALL
        .iter()
        .position(|d| *d == debuggee)
        .expect("a known debuggee");
    FACTS[slot]
        .get_or_init(|| {
            let mut vars = Vars::new();
            check(
                debuggee,
                &[],
                &[
                    (
                        "func-start factorial",
                        "func {func} body {body} code {code}",
                    ),
                    ("frames", "#0 func * at *, instance *, locals *, operands *"),
                    ("break factorial", "ok {body}"),
                    ("continue", "paused(breakpoint)"),
                    (
                        "frames",
                        "#0 func {func} (*factorial) at {code}, instance {inst}, *",
                    ),
                ],
                BASIC_OUTPUT,
                0,
                &mut vars,
            );
            let module = vars["code"].split(':').next().expect("M:0xPC").to_string();
            vars.insert("module".into(), module);
            vars
        })
        .clone()
}

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
            &[],
            &[
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
            ],
            BASIC_OUTPUT,
            0,
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
            &[],
            &[
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
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
        );
        // N steps in one command land where N single steps do.
        check(
            debuggee,
            &[],
            &[
                ("break factorial", "ok {body}"),
                ("continue", "paused(breakpoint)"),
                ("step 3", "paused(step) at {i3}"),
                ("step 0", "paused(step) at {i3}"),
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
        );
    }
}

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
            &["message"],
            &[
                ("break show_message", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("frames", "#0 func * (*show_message) at *"),
                ("read-local-pointer 0 0 15", "{original}"),
                ("local 0 0", "i32:{text}"),
                ("memory-size {inst} 0", "{size} bytes, page 65536"),
            ],
            "message: hello from wasm\n",
            0,
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
            &["message"],
            &[
                ("break show_message", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("read {inst} 0 {text} 15", "{original}"),
                ("write {inst} 0 {text} {shout}", "ok"),
                ("read-local-pointer 0 0 15", "{shout}"),
            ],
            "message: HELLO FROM TEST\n",
            0,
            &mut vars,
        );
        check(
            debuggee,
            &["message"],
            &[
                ("break show_message", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("write-local-pointer 0 0 {other}", "ok"),
                ("read {inst} 0 {text} 15", "{other}"),
                ("continue", "exited(0)"),
            ],
            "message: GREETINGS WASM!\n",
            0,
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
            &[],
            &[
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("global {inst} 0", "i32:{sp}"),
                ("memory-size {inst} 0", "{size} bytes, page 65536"),
                ("set-global {inst} 0 i64:1024", "error: type-mismatch"),
                ("global {inst} 0", "i32:{sp}"),
                ("global {inst} 99999", "error: bad-index"),
                ("set-global {inst} 99999 i32:0", "error: bad-index"),
            ],
            BASIC_OUTPUT,
            0,
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
            &[],
            &[
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("set-global {inst} 0 i32:{lower}", "ok"),
                ("global {inst} 0", "i32:{lower}"),
                ("step", "paused(step) at *"),
                ("operand 0 0", "i32:{lower}"),
                ("unbreak factorial", "ok *"),
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
        );
    }
}

#[test]
fn interrupt_stops_an_infinite_loop() {
    for debuggee in Debuggee::ALL {
        check(
            debuggee,
            &["spin"],
            &[
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
            "spinning\n",
            137,
            &mut Vars::new(),
        );
    }
}

#[test]
fn calls_in_the_wrong_state_fail_and_change_nothing() {
    for debuggee in Debuggee::ALL {
        check(
            debuggee,
            &["spin"],
            &[
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
            "spinning\n",
            137,
            &mut Vars::new(),
        );
        check(
            debuggee,
            &["exit", "7"],
            &[
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
            "",
            exit_status(debuggee, 7),
            &mut Vars::new(),
        );
    }
}

#[test]
fn bad_indices_and_addresses_are_errors() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            &[],
            &[
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
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
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
            Debuggee::Recursion => unreachable!("not one of Debuggee::ALL"),
        };
        let mut vars = Vars::new();
        let err = check(
            debuggee,
            &["trap"],
            &[
                ("continue", "paused(trap(*unreachable*))"),
                ("frames", frames),
                ("pc", "{trap}"),
                ("continue", "exited(134)"),
                ("state", "exited(134)"),
            ],
            "about to trap\n",
            134,
            &mut vars,
        );
        assert!(
            err.contains("unreachable"),
            "{debuggee:?}: the CLI reports the trap\n{err}"
        );
        // The trap's pc is the `unreachable` instruction itself.
        check(
            debuggee,
            &["trap"],
            &[
                ("instruction-at {trap}", "Unreachable"),
                ("continue", "paused(trap(*))"),
                ("pc", "{trap}"),
                ("kill", "ok"),
            ],
            "about to trap\n",
            137,
            &mut vars,
        );
    }
}

/// What a program's `exit(status)` becomes: a component's `wasi:cli/exit`
/// carries only success or failure.
fn exit_status(debuggee: Debuggee, status: i32) -> i32 {
    match (debuggee, status) {
        (Debuggee::RustComponent, 1..) => 1,
        _ => status,
    }
}

#[test]
fn exit_status_reaches_the_debugger_and_the_cli() {
    for debuggee in Debuggee::ALL {
        let status = exit_status(debuggee, 7);
        check(
            debuggee,
            &["exit", "7"],
            &[
                ("continue", &format!("exited({status})")),
                ("state", &format!("exited({status})")),
            ],
            "",
            status,
            &mut Vars::new(),
        );
    }
}

#[test]
fn kill_ends_the_program() {
    for debuggee in Debuggee::ALL {
        let err = check(
            debuggee,
            &["trap"],
            &[
                ("break level_one", "ok *"),
                ("continue", "paused(breakpoint)"),
                ("kill", "ok"),
                ("state", "exited(137)"),
                ("wait", "exited(137)"),
                ("frames", "error: exited"),
                ("continue", "error: exited"),
            ],
            "about to trap\n",
            137,
            &mut Vars::new(),
        );
        assert!(
            !err.contains("unreachable"),
            "{debuggee:?}: killed before the trap\n{err}"
        );
        check(
            debuggee,
            &[],
            &[("kill", "ok"), ("state", "exited(137)")],
            "",
            137,
            &mut Vars::new(),
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
            &[],
            &[
                ("break factorial", "ok {body}"),
                ("break factorial", "ok {body}"),
                ("unbreak factorial", "ok {body}"),
                ("continue", "paused(breakpoint)"),
                ("local 0 0", "i32:5"),
                ("unbreak factorial", "ok {body}"),
                ("continue", "exited(0)"),
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
        );
        // So do two pcs that move to the same instruction; removing one
        // that is not set does nothing.
        check(
            debuggee,
            &[],
            &[
                ("unbreak-pc {code}", "ok"),
                ("break-pc {body}", "ok"),
                ("break-pc {code}", "ok"),
                ("unbreak-pc {body}", "ok"),
                ("continue", "paused(breakpoint)"),
                ("pc", "{code}"),
                ("unbreak-pc {code}", "ok"),
                ("unbreak-pc {code}", "ok"),
                ("continue", "exited(0)"),
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
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
                &["sleep", "50"],
                &[script],
                "slept 50 ms\n",
                0,
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
            &[],
            &[
                ("break factorial", "ok *"),
                ("continue", "paused(breakpoint)"),
            ],
            BASIC_OUTPUT,
            0,
            &mut Vars::new(),
        );
        check(
            debuggee,
            &[],
            &[("step 5", "paused(step) at *")],
            BASIC_OUTPUT,
            0,
            &mut Vars::new(),
        );
        check(
            debuggee,
            &["exit", "7"],
            &[],
            "",
            exit_status(debuggee, 7),
            &mut Vars::new(),
        );
    }
}

#[test]
fn modules_and_instances_describe_the_program() {
    for debuggee in Debuggee::ALL {
        let mut vars = facts(debuggee);
        check(
            debuggee,
            &[],
            &[
                ("modules", "*#{module} * (* bytes)*"),
                (
                    "instances",
                    "*#{inst} module {module}, memories 1, globals *, tables *, functions *",
                ),
            ],
            BASIC_OUTPUT,
            0,
            &mut vars,
        );
    }
    let mut vars = Vars::new();
    check(
        Debuggee::C,
        &[],
        &[
            ("modules", "1: #0 * ({size} bytes)"),
            ("instances", "1: #0 module 0, *"),
        ],
        BASIC_OUTPUT,
        0,
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

#[test]
fn a_malformed_script_is_refused_before_it_runs() {
    let mut command = wasmdebug();
    command
        .arg("run")
        .arg("-D")
        .arg(format!("debugger={}", test_debugger().display()))
        .args(["-D", "arg=state", "-D", "arg=frobnicate 3"])
        .arg(Debuggee::C.path());
    let out = output_within(&mut command, LIMIT);
    let err = stderr(&out);
    assert!(
        err.contains("command 2 `frobnicate 3`: unknown command `frobnicate`"),
        "{err}"
    );
    assert!(!err.contains("state -> "), "nothing ran: {err}");
    assert_eq!(stdout(&out), "", "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
}

#[test]
fn patterns_capture_and_compare() {
    let mut vars = Vars::new();
    assert!(matches(
        "func {f} body {b} code {c}",
        "func 3 body 0:0x10 code 0:0x12",
        &mut vars
    ));
    assert_eq!(
        (&*vars["f"], &*vars["b"], &*vars["c"]),
        ("3", "0:0x10", "0:0x12")
    );
    assert!(matches("at {b}*", "at 0:0x10, more", &mut vars));
    assert!(!matches("at {b}", "at 0:0x11", &mut vars));
    assert!(matches(
        "#0 * (*factorial) at *",
        "#0 func 5 (debuggee::factorial) at 0:0x1",
        &mut vars
    ));
    assert!(!matches("{new} x", "y", &mut vars));
    assert!(!vars.contains_key("new"), "a failed match captures nothing");
    assert_eq!(substitute("read {b} 4", &vars), "read 0:0x10 4");
}

/// `examples/wat/relay.wat`: a component of four core modules, two of them
/// (`left`, `right`) laid out alike, so that their `work` functions share
/// every module-relative pc. left_work runs 3 times, right_work and
/// leaf_work 5 times each, in the order of `RELAY_CALLS`.
fn relay() -> PathBuf {
    support::workspace_root().join("examples/wat/relay.wat")
}

const RELAY_CALLS: [&str; 13] = [
    "left", "right", "leaf", "left", "right", "leaf", "left", "right", "leaf", "right", "leaf",
    "right", "leaf",
];

/// The first instructions of the three `work` functions, as `{left}`,
/// `{right}` and `{leaf}`.
fn relay_facts() -> Vars {
    let mut vars = Vars::new();
    check_file(
        &relay(),
        &[],
        &[
            ("func-start left_work", "func * body * code {left}"),
            ("func-start right_work", "func * body * code {right}"),
            ("func-start leaf_work", "func * body * code {leaf}"),
        ],
        "",
        0,
        &mut vars,
    );
    let pc = |name: &str| vars[name].split_once(':').expect("M:0xPC").1.to_string();
    assert_eq!(pc("left"), pc("right"), "left and right are laid out alike");
    assert_ne!(vars["left"], vars["right"], "in different modules");
    vars
}

/// A `continue` that must stop at `{name}`'s first instruction.
fn stop_at(name: &str) -> [(String, String); 2] {
    [
        ("continue".into(), "paused(breakpoint)".into()),
        ("pc".into(), format!("{{{name}}}")),
    ]
}

fn check_relay(script: &[(String, String)], vars: &mut Vars) {
    let script: Vec<(&str, &str)> = script
        .iter()
        .map(|(command, pattern)| (command.as_str(), pattern.as_str()))
        .collect();
    check_file(&relay(), &[], &script, "", 0, vars);
}

fn command(command: &str, pattern: &str) -> (String, String) {
    (command.into(), pattern.into())
}

#[test]
fn component_breakpoints_in_every_module_stop_exactly_as_often_as_the_code_runs() {
    let mut vars = relay_facts();
    let mut script = vec![
        command("break left_work", "ok *"),
        command("break right_work", "ok *"),
        command("break leaf_work", "ok *"),
    ];
    for name in RELAY_CALLS {
        script.extend(stop_at(name));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn a_component_breakpoint_does_not_stop_at_the_same_pc_in_another_module() {
    let mut vars = relay_facts();
    // right_work's code is patched too (same pc); it must run on silently.
    let mut script = vec![command("break left_work", "ok *")];
    for _ in 0..3 {
        script.extend(stop_at("left"));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn component_breakpoints_edited_while_paused_later() {
    let mut vars = relay_facts();
    let mut script = vec![command("break left_work", "ok *")];
    script.extend(stop_at("left"));
    // Removing left's breakpoint must leave right's, at the same pc, armed.
    script.push(command("break right_work", "ok *"));
    script.push(command("unbreak left_work", "ok *"));
    for _ in 0..5 {
        script.extend(stop_at("right"));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

#[test]
fn component_breakpoints_survive_single_steps() {
    let mut vars = relay_facts();
    let mut script = vec![
        command("step 3", "paused(step) at *"),
        command("break left_work", "ok *"),
        command("break leaf_work", "ok *"),
    ];
    // Leaving single-step mode after each stop must re-arm both modules.
    for name in [
        "left", "leaf", "left", "leaf", "left", "leaf", "leaf", "leaf",
    ] {
        script.extend(stop_at(name));
        script.push(command("step 2", "paused(step) at *"));
    }
    script.push(command("continue", "exited(0)"));
    check_relay(&script, &mut vars);
}

/// `examples/wat/counter.wat`: a counter at 0x400, loaded and stored by
/// `bump` three times and loaded by `peek` once.
fn counter() -> PathBuf {
    support::workspace_root().join("examples/wat/counter.wat")
}

#[test]
fn a_write_watchpoint_stops_after_each_store_with_the_new_value() {
    let mut script = vec![command("watch write 0 0 0x400 4", "ok")];
    for value in ["01000000", "02000000", "03000000"] {
        script.push(command(
            "continue",
            "paused(watchpoint(write 0x400+4 write))",
        ));
        // Right after the store, still in `bump`.
        script.push(command("frames 1", "#0 * (bump) at *"));
        script.push(command("read 0 0 0x400 4", value));
    }
    script.push(command("unwatch write 0 0 0x400 4", "ok"));
    script.push(command("continue", "exited(0)"));
    check_counter(&script);
}

#[test]
fn a_read_watchpoint_stops_after_each_load() {
    let mut script = vec![command("watch read 0 0 0x400 4", "ok")];
    for function in ["bump", "bump", "bump", "peek"] {
        script.push(command("continue", "paused(watchpoint(read 0x400+4 read))"));
        script.push(command("frames 1", &format!("#0 * ({function}) at *")));
    }
    script.push(command("continue", "exited(0)"));
    check_counter(&script);
}

#[test]
fn a_read_write_watchpoint_sees_both_and_ignores_other_addresses() {
    let mut script = vec![
        // Bytes next to the counter, never touched: no stop.
        command("watch read-write 0 0 0x404 4", "ok"),
        command("watch read-write 0 0 0x3fc 4", "ok"),
        command("watch read-write 0 0 0x402 1", "ok"),
    ];
    for touched in ["read", "write", "read", "write", "read", "write", "read"] {
        script.push(command(
            "continue",
            &format!("paused(watchpoint(read-write 0x402+1 {touched}))"),
        ));
    }
    script.push(command("continue", "exited(0)"));
    check_counter(&script);
}

#[test]
fn a_write_watchpoint_sees_a_host_call_write_memory() {
    // fd_write stores the byte count at 0x28: no Wasm store does.
    let script = vec![
        command("watch write 0 0 0x28 4", "ok"),
        command("continue", "paused(watchpoint(write 0x28+4 write))"),
        command("read 0 0 0x28 4", "08000000"),
        command("continue", "exited(0)"),
    ];
    check_counter(&script);
}

fn check_counter(script: &[(String, String)]) {
    let script: Vec<(&str, &str)> = script
        .iter()
        .map(|(command, pattern)| (command.as_str(), pattern.as_str()))
        .collect();
    check_file(&counter(), &[], &script, "counted\n", 0, &mut Vars::new());
}

#[test]
fn a_components_modules_are_named_after_the_file_and_their_own_names() {
    check_file(
        &relay(),
        &[],
        &[(
            "modules",
            "4: #0 relay.leaf.wasm (*), #1 relay.right.wasm (*), #2 relay.left.wasm (*), \
             #3 relay.main.wasm (*)",
        )],
        "",
        0,
        &mut Vars::new(),
    );
}
