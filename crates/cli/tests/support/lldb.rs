//! Driving a stock LLDB (23, with its Wasm plugin) against `wasmdebug run -g`.
//!
//! LLDB comes from `ci/setup.sh` (`target/lldb-venv`), or from `$LLDB`.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::KillOnDrop;

/// How long one LLDB session may take before the test fails.
const SESSION_LIMIT: Duration = Duration::from_secs(120);

pub fn lldb() -> PathBuf {
    if let Some(path) = std::env::var_os("LLDB") {
        return PathBuf::from(path);
    }
    let venv = super::target_dir().join("lldb-venv/bin/lldb");
    assert!(
        venv.exists(),
        "no LLDB at {venv:?}: run ci/setup.sh, or set LLDB"
    );
    venv
}

/// `wasmdebug run -g` on a program, paused at its first instruction.
pub struct Runtime {
    child: KillOnDrop,
    pub addr: SocketAddr,
    stderr: std::thread::JoinHandle<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl Runtime {
    /// `wasmdebug run -g 127.0.0.1:0 OPTIONS PROGRAM ARGS`.
    pub fn start(options: &[&str], program: impl AsRef<OsStr>, args: &[&str]) -> Runtime {
        Runtime::start_with_stdin(options, program, args, &[])
    }

    /// Like `start`, with `stdin` as the program's standard input.
    pub fn start_with_stdin(
        options: &[&str],
        program: impl AsRef<OsStr>,
        args: &[&str],
        stdin: &[u8],
    ) -> Runtime {
        let mut command = super::wasmdebug();
        command
            .args(["run", "-g", "127.0.0.1:0"])
            .args(options)
            .arg(program)
            .args(args);
        Runtime::spawn(&mut command, stdin)
    }

    /// Starts `command`, a `wasmdebug` command line that listens for a
    /// debugger (`-g 127.0.0.1:0`), with an empty stdin.
    pub fn start_command(command: &mut Command) -> Runtime {
        Runtime::spawn(command, &[])
    }

    fn spawn(command: &mut Command, stdin: &[u8]) -> Runtime {
        // Killed if the test fails before the runtime exits (LLDB hangs).
        let mut child = KillOnDrop(
            command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("wasmdebug starts"),
        );
        let mut input = child.0.stdin.take().unwrap();
        input.write_all(stdin).expect("write the program's stdin");
        drop(input);
        let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
        let mut seen = String::new();
        let addr = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!("wasmdebug exited before listening: {seen}");
            }
            seen.push_str(&line);
            if let Some(addr) = super::listening_address(&line) {
                break addr.parse().expect("a socket address");
            }
        };
        let stderr = std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = stderr.read_to_string(&mut rest);
            seen + &rest
        });
        let mut stdout = child.0.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        Runtime {
            child,
            addr,
            stderr,
            stdout,
        }
    }

    /// Waits for the runtime to exit and returns (status, stdout, stderr).
    pub fn finish(mut self) -> (Option<i32>, String, String) {
        let status = wait_within(&mut self.child.0, Duration::from_secs(30));
        let stdout = self.stdout.join().unwrap();
        let stderr = self.stderr.join().unwrap();
        (status, stdout, stderr)
    }
}

/// Waits for `child`, killing it (and failing) when it takes too long.
fn wait_within(child: &mut Child, limit: Duration) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("process still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs LLDB in batch mode with `commands` and returns everything it printed.
pub fn run_lldb(commands: &[String]) -> String {
    run_lldb_with_crash_commands(commands, &[])
}

/// Like `run_lldb`, with `on_crash` run instead of the rest of `commands`
/// once the program stops on a signal (batch mode's `-k`).
pub fn run_lldb_with_crash_commands(commands: &[String], on_crash: &[&str]) -> String {
    let mut command = Command::new(lldb());
    command.arg("--batch").arg("--no-lldbinit");
    for line in commands {
        command.arg("-o").arg(line);
    }
    for line in on_crash {
        command.arg("-k").arg(line);
    }
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lldb runs");
    collect(child)
}

/// Everything `child` prints on stdout, then stderr, once it exits (within
/// the session limit).
fn collect(mut child: Child) -> String {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    wait_within(&mut child, SESSION_LIMIT);
    out.join().unwrap() + &err.join().unwrap()
}

/// Drives LLDB through its Python API: each command runs whatever the
/// stops before it were, and prints `(lldb) COMMAND` then its output.
const PYTHON_DRIVER: &str = r#"
import sys, lldb
debugger = lldb.SBDebugger.Create()
debugger.SetAsync(False)
interpreter = debugger.GetCommandInterpreter()
for command in sys.argv[1:]:
    result = lldb.SBCommandReturnObject()
    interpreter.HandleCommand(command, result)
    sys.stdout.write("(lldb) " + command + "\n" + result.GetOutput() + result.GetError())
    sys.stdout.flush()
"#;

/// Runs `commands` in LLDB through its Python API (the `lldb` module of the
/// venv LLDB comes from) and returns everything printed. Unlike batch mode,
/// which gives up at the first stop it counts as a crash (a trap, an
/// exception), every command runs.
pub fn run_lldb_python(commands: &[String]) -> String {
    let python = lldb().with_file_name("python3");
    assert!(python.exists(), "no Python beside LLDB at {python:?}");
    let child = Command::new(python)
        .arg("-c")
        .arg(PYTHON_DRIVER)
        .args(commands)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python runs");
    collect(child)
}

/// Like `attach`, with LLDB driven through its Python API (`run_lldb_python`).
pub fn attach_python(runtime: Runtime, commands: &[&str]) -> Session {
    let lldb = run_lldb_python(&connected(&runtime, commands));
    let (status, stdout, stderr) = runtime.finish();
    Session {
        lldb,
        status,
        stdout,
        stderr,
    }
}

/// LLDB commands that continue, and interrupt the running program a second
/// later, as Ctrl-C would (batch mode runs commands synchronously unless
/// told otherwise).
pub const INTERRUPT_AFTER_A_SECOND: [&str; 6] = [
    "script lldb.debugger.SetAsync(True)",
    "c",
    "script import time; time.sleep(1)",
    "process interrupt",
    "script time.sleep(1)",
    "script lldb.debugger.SetAsync(False)",
];

/// A finished session: what LLDB printed, and how the runtime ended.
pub struct Session {
    pub lldb: String,
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Debugs `runtime`'s program with LLDB attached, running `commands` after
/// connecting, and `on_crash` once the program stops on a signal. The
/// commands must end the program (run it out, detach or kill): a disconnect
/// alone leaves it paused for the next client.
pub fn attach(runtime: Runtime, commands: &[&str], on_crash: &[&str]) -> Session {
    let lldb = run_lldb_with_crash_commands(&connected(&runtime, commands), on_crash);
    let (status, stdout, stderr) = runtime.finish();
    Session {
        lldb,
        status,
        stdout,
        stderr,
    }
}

/// LLDB's commands for a session with `runtime`: connect, then `commands`.
fn connected(runtime: &Runtime, commands: &[&str]) -> Vec<String> {
    let connect = format!("process connect --plugin wasm connect://{}", runtime.addr);
    std::iter::once(connect)
        .chain(commands.iter().map(|command| command.to_string()))
        .collect()
}

/// Checks that the `expected` pieces appear in `text` in this order.
#[track_caller]
pub fn assert_in_order(text: &str, expected: &[&str]) {
    let mut rest = text;
    for wanted in expected {
        match rest.find(wanted) {
            Some(at) => rest = &rest[at + wanted.len()..],
            None => panic!("expected {wanted:?} (in order {expected:?}) in:\n{text}"),
        }
    }
}

impl Session {
    /// LLDB printed the `lldb` pieces in order, and the runtime exited with
    /// `status` without panicking.
    #[track_caller]
    pub fn expect(&self, lldb: &[&str], status: i32) {
        assert_in_order(&self.lldb, lldb);
        assert_eq!(
            self.status,
            Some(status),
            "runtime status; stderr:\n{}\nlldb:\n{}",
            self.stderr,
            self.lldb
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }
}
