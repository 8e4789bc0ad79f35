//! The debug world's host, driven by the scripted test debugger against the C and Rust debuggees.
//!
//! Each case is a script of `(command, expected line)` pairs run by
//! `check`. An expected line is a pattern: `*` matches any text, `{name}`
//! captures text the first time and must match the same text afterwards.
//! Captures also fill `{name}` in later commands, so a value seen in one run
//! (a pc, an address) can be used by the next: the debuggees are
//! deterministic.

mod components;
mod endings;
mod inspection;
mod script;
mod stops;
#[path = "../support/mod.rs"]
mod support;
mod time_travel;
mod watchpoints;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::pattern::{Vars, check_script_lines, matches, substitute};
use support::{Debuggee, output_within, stderr, stdout, test_debugger, wasmdebug};

const BASIC_OUTPUT: &str = "factorial(5) = 120\nsum = 110\ncounter = 4\n";

/// No run takes this long unless the host hangs.
const LIMIT: Duration = Duration::from_secs(120);

/// One run under the test debugger: the program's arguments, the script
/// of `(command, expected line)` pairs, and the program's expected stdout
/// (a pattern) and exit status.
struct Run<'a> {
    program: &'a [&'a str],
    script: &'a [(&'a str, &'a str)],
    stdout: &'a str,
    status: i32,
}

impl<'a> Run<'a> {
    /// No arguments, no commands, no output, status 0: the fields a run
    /// leaves out.
    const EMPTY: Run<'static> = Run {
        program: &[],
        script: &[],
        stdout: "",
        status: 0,
    };

    /// `script` on the debuggee's basic run (no arguments), which prints
    /// `BASIC_OUTPUT` and exits 0: the most common run.
    fn basic(script: &'a [(&'a str, &'a str)]) -> Run<'a> {
        Run {
            script,
            stdout: BASIC_OUTPUT,
            ..Run::EMPTY
        }
    }
}

/// Runs `run` on `debuggee` and checks each command's line, the program's
/// stdout and the CLI's exit status. Returns the stderr for further checks.
fn check(debuggee: Debuggee, run: Run<'_>, vars: &mut Vars) -> String {
    check_file(debuggee.path(), run, vars)
}

/// `check` for a program file other than the example debuggees.
fn check_file(path: &Path, run: Run<'_>, vars: &mut Vars) -> String {
    let Run {
        program,
        script,
        stdout: expected_stdout,
        status: expected_status,
    } = run;
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
                Run::basic(&[
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
                ]),
                &mut vars,
            );
            let module = vars["code"].split(':').next().expect("M:0xPC").to_string();
            vars.insert("module".into(), module);
            vars
        })
        .clone()
}

/// What a program's `exit(status)` becomes: a component's `wasi:cli/exit`
/// carries only success or failure.
fn exit_status(debuggee: Debuggee, status: i32) -> i32 {
    match (debuggee, status) {
        (Debuggee::RustComponent, 1..) => 1,
        _ => status,
    }
}

fn command(command: &str, pattern: &str) -> (String, String) {
    (command.into(), pattern.into())
}
