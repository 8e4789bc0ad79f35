//! Recordings to a file: `run --record FILE` as a plain run, and `wasmdebug
//! replay` with no host access, on its own and under a stock LLDB with time
//! travel; bad recordings refused in one line.

#![cfg(feature = "gdbstub")]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use support::lldb::{self, Session};
use support::{Debuggee, KillOnDrop, output, scratch_dir, stderr, stdout, wasmdebug};

/// A directory with the input file, a copy of the program (a replay finds
/// it next to the recording), and where the recording goes.
struct Scene {
    dir: PathBuf,
}

impl Scene {
    fn new(name: &str) -> Scene {
        let dir = scratch_dir(name);
        std::fs::write(dir.join("input.txt"), b"ABC").unwrap();
        std::fs::copy(Debuggee::History.path(), dir.join("history.wasm")).unwrap();
        Scene { dir }
    }

    fn recording(&self) -> PathBuf {
        self.dir.join("run.wdrec")
    }

    fn program(&self) -> PathBuf {
        self.dir.join("history.wasm")
    }

    /// `wasmdebug replay -g` of the recording, listening for LLDB.
    fn replay_under_a_debugger(&self) -> lldb::Runtime {
        lldb::Runtime::start_command(
            wasmdebug()
                .arg("replay")
                .args(["-g", "127.0.0.1:0"])
                .arg(self.recording()),
        )
    }

    /// `run --record` of `history inputs /data/input.txt ARGS` with `stdin`.
    fn record(&self, args: &[&str], stdin: &[u8]) -> std::process::Output {
        let mut child = wasmdebug()
            .arg("run")
            .arg("--record")
            .arg(self.recording())
            .arg("--dir")
            .arg(format!("{}::/data", self.dir.display()))
            .arg(self.program())
            .args(["inputs", "/data/input.txt"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    }
}

fn replay(recording: &Path) -> std::process::Output {
    output(
        wasmdebug()
            .arg("replay")
            .arg(recording)
            .stdin(Stdio::null()),
    )
}

#[test]
fn a_crashing_run_replays_with_the_same_output_and_trap_after_its_inputs_are_gone() {
    let scene = Scene::new("recording-crash");
    let recorded = scene.record(&["crash"], b"xyz");
    assert_eq!(recorded.status.code(), Some(134), "{}", stderr(&recorded));
    let lines = stdout(&recorded);
    assert_eq!(lines.lines().count(), 4, "{lines}");
    assert!(lines.contains("file 65 stdin 120"), "{lines}");
    assert!(stderr(&recorded).contains("integer divide by zero"));

    // The file it read is gone, and stdin is empty: nothing is read again.
    std::fs::remove_file(scene.dir.join("input.txt")).unwrap();
    let replayed = replay(&scene.recording());
    assert_eq!(stdout(&replayed), lines, "{}", stderr(&replayed));
    assert_eq!(replayed.status.code(), Some(134));
    assert!(stderr(&replayed).contains("integer divide by zero"));
}

#[test]
fn a_recording_replays_under_lldb_to_the_crash_and_back_to_the_write_before_it() {
    let scene = Scene::new("recording-lldb");
    let recorded = scene.record(&["crash"], b"xyz");
    assert_eq!(recorded.status.code(), Some(134));
    std::fs::write(scene.dir.join("input.txt"), b"changed").unwrap();
    let session = lldb::attach_python(
        scene.replay_under_a_debugger(),
        &[
            "breakpoint set -n show",
            "c",
            "frame variable",
            "breakpoint delete -f",
            "c",
            "watchpoint set variable -w write total",
            "process continue --reverse",
            "frame variable",
            "watchpoint delete",
            "process continue -F",
            "c",
        ],
    );
    expect_crash_session(&session);
    // The values of the first round are the recorded ones.
    let first_line = stdout(&recorded).lines().next().unwrap().to_string();
    let nanos = first_line
        .split("clock ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert!(
        session.lldb.contains(&format!("nanos = {nanos}")),
        "{}",
        session.lldb
    );
    assert_eq!(
        session.stdout,
        stdout(&recorded),
        "the replay shows the output once"
    );
}

fn expect_crash_session(session: &Session) {
    session.expect(
        &[
            "stop reason = breakpoint 1.1",
            "file_byte = 65",
            "stdin_byte = 120",
            "stop reason = wasm trap: integer divide by zero",
            "stop reason = watchpoint 1",
            "corrupt",
            "where = 0x",
            "stop reason = wasm trap: integer divide by zero",
            "exited with status = 134",
        ],
        134,
    );
}

#[test]
fn a_run_stopped_by_ctrl_c_replays_up_to_where_it_stopped() {
    let scene = Scene::new("recording-interrupted");
    let mut child = KillOnDrop(
        wasmdebug()
            .arg("run")
            .arg("--record")
            .arg(scene.recording())
            .arg("--dir")
            .arg(format!("{}::/data", scene.dir.display()))
            .arg(scene.program())
            .args(["inputs", "/data/input.txt"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // One byte of stdin: the first round runs, the second waits for more.
    let mut stdin = child.0.stdin.take().unwrap();
    stdin.write_all(b"x").unwrap();
    stdin.flush().unwrap();
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with("round 0:"), "{first:?}");
    // Give the write that printed it time to return, and so to be
    // recorded, and the program time to block on its next read.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.0.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    drop(stdin);

    let replayed = replay(&scene.recording());
    assert_eq!(stdout(&replayed), first, "{}", stderr(&replayed));
    assert!(
        stderr(&replayed).contains("the recording ends here: the recorded run was interrupted"),
        "{}",
        stderr(&replayed)
    );
    assert_eq!(replayed.status.code(), Some(130));

    // Under a debugger, the end of the recording is a stop to go back from.
    let session = lldb::attach_python(
        scene.replay_under_a_debugger(),
        &[
            "c",
            "breakpoint set -n show",
            "process continue --reverse",
            "frame variable round",
            "process kill",
        ],
    );
    session.expect(
        &[
            "past the end of the recording",
            "stop reason = breakpoint 1.1",
            "round = 0",
        ],
        137,
    );
}

/// The one line wasmdebug printed on stderr for a refused replay.
#[track_caller]
fn refused(out: &std::process::Output, expected: &str) {
    let text = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(expected), "{text}");
}

#[test]
fn a_tampered_truncated_foreign_or_other_programs_recording_is_refused_in_one_line() {
    let scene = Scene::new("recording-refused");
    let recorded = scene.record(&[], b"xyz");
    assert_eq!(recorded.status.code(), Some(0));
    let bytes = std::fs::read(scene.recording()).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = scene.dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };

    // A stdin byte changed: `xyz` is in the file as the bytes read.
    let mut tampered = bytes.clone();
    let at = tampered.windows(1).rposition(|w| w == b"y").unwrap();
    tampered[at] = b'Y';
    refused(
        &replay(&write("tampered.wdrec", &tampered)),
        "corrupt or was edited",
    );
    refused(
        &replay(&write("cut.wdrec", &bytes[..bytes.len() / 2])),
        "truncated",
    );
    refused(&replay(&scene.program()), "not a wasmdebug recording");
    let mut newer = bytes.clone();
    newer[b"wasmdebug recording\n".len()] = 9;
    refused(&replay(&write("newer.wdrec", &newer)), "version 9");
    let other = output(
        wasmdebug()
            .arg("replay")
            .arg(scene.recording())
            .arg(Debuggee::C.path()),
    );
    refused(&other, "is not the program");
}

/// A Rust component (wasi:cli/run) recorded reading a file, its arguments
/// and its environment: the replay shows the same output after the file
/// is gone, with no `--dir` or `--env`, and under LLDB goes back one call.
#[test]
fn a_rust_component_recording_replays_alone_and_under_lldb() {
    let dir = scratch_dir("recording-component");
    std::fs::write(dir.join("input.txt"), "a line of the file\n").unwrap();
    let program = dir.join("debuggee.wasm");
    std::fs::copy(Debuggee::RustComponent.path(), &program).unwrap();
    let record = |name: &str, args: &[&str]| {
        let out = output(
            wasmdebug()
                .arg("run")
                .arg("--record")
                .arg(dir.join(name))
                .arg("--dir")
                .arg(format!("{}::/data", dir.display()))
                .args(["--env", "GREETING=hello"])
                .arg(&program)
                .args(args),
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let cat = record("cat.wdrec", &["cat", "/data/input.txt"]);
    assert_eq!(cat, "a line of the file\n");
    let env = record("env.wdrec", &["env", "GREETING"]);
    assert!(env.contains("hello"), "{env}");
    let basic = record("basic.wdrec", &["basic"]);
    std::fs::remove_file(dir.join("input.txt")).unwrap();

    for (name, recorded) in [("cat.wdrec", &cat), ("env.wdrec", &env)] {
        let replayed = replay(&dir.join(name));
        assert_eq!(replayed.status.code(), Some(0), "{}", stderr(&replayed));
        assert_eq!(&stdout(&replayed), recorded, "{name}");
    }

    let session = lldb::attach_python(
        lldb::Runtime::start_command(
            wasmdebug()
                .arg("replay")
                .args(["-g", "127.0.0.1:0"])
                .arg(dir.join("basic.wdrec")),
        ),
        &[
            "breakpoint set -n factorial",
            "c",
            "c",
            "frame variable n",
            "process continue --reverse",
            "frame variable n",
            "breakpoint delete -f",
            "process continue -F",
        ],
    );
    session.expect(&["(int) n = 4", "(int) n = 5", "exited with status = 0"], 0);
    assert_eq!(session.stdout, basic, "the replay shows the output once");
}

/// A component's TCP connection is recorded: its replay gets the same
/// reply with the server gone.
#[test]
fn a_rust_components_tcp_exchange_replays_with_the_server_gone() {
    let dir = scratch_dir("recording-tcp");
    let program = dir.join("debuggee.wasm");
    std::fs::copy(Debuggee::RustComponent.path(), &program).unwrap();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = server.local_addr().unwrap().to_string();
    let serving = std::thread::spawn(move || {
        let (mut client, _) = server.accept().unwrap();
        let mut request = Vec::new();
        std::io::Read::read_to_end(&mut client, &mut request).unwrap();
        client.write_all(b"pong:").unwrap();
        client.write_all(&request).unwrap();
    });
    let recording = dir.join("tcp.wdrec");
    let recorded = output(
        wasmdebug()
            .arg("run")
            .arg("--record")
            .arg(&recording)
            .args(["-S", "inherit-network"])
            .arg(&program)
            .args(["ping", &address]),
    );
    assert_eq!(
        stdout(&recorded),
        "reply: pong:ping\n",
        "{}",
        stderr(&recorded)
    );
    // The server took one connection and is gone.
    serving.join().unwrap();
    let replayed = replay(&recording);
    assert_eq!(
        stdout(&replayed),
        "reply: pong:ping\n",
        "{}",
        stderr(&replayed)
    );
    assert_eq!(replayed.status.code(), Some(0));
}

#[test]
fn a_debugger_cannot_be_recorded() {
    let dir = scratch_dir("recording-not-recorded");
    let out = output(
        wasmdebug()
            .args(["run", "-g", "127.0.0.1:0", "--record"])
            .arg(dir.join("y.wdrec"))
            .arg(Debuggee::C.path()),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not served with --record"),
        "{}",
        stderr(&out)
    );
}
