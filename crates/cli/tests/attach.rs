//! Attaching beyond the first connection, with a stock LLDB: again after a
//! detach, late (`--no-wait`), and a second client while one is attached.

#![cfg(feature = "gdbstub")]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::Debuggee;
use support::lldb::{Runtime, assert_in_order, run_lldb};

const BASIC_OUTPUT: &str = "factorial(5) = 120\nsum = 110\ncounter = 4\n";

fn connect(runtime: &Runtime) -> String {
    format!("process connect --plugin wasm connect://{}", runtime.addr)
}

/// LLDB in batch mode: connect to `runtime`, then `commands`.
fn lldb_session(runtime: &Runtime, commands: &[&str]) -> String {
    let mut all = vec![connect(runtime)];
    all.extend(commands.iter().map(|command| command.to_string()));
    run_lldb(&all)
}

#[test]
fn after_a_detach_the_next_client_finds_the_program_where_it_is() {
    let runtime = Runtime::start(&[], Debuggee::C.path(), &["spin"]);
    let first = lldb_session(
        &runtime,
        &[
            "b spin_forever",
            "c",
            "breakpoint delete -f",
            "process detach",
        ],
    );
    assert_in_order(
        &first,
        &["stop reason = breakpoint 1.1", "spin_forever", "detached"],
    );
    // It spins on meanwhile; the next client stops it in its loop.
    std::thread::sleep(Duration::from_millis(300));
    let second = lldb_session(&runtime, &["bt", "frame variable", "process detach"]);
    assert_in_order(&second, &["spin_forever", "main", "spins = ", "detached"]);
    // And once more, ending it this time.
    let third = lldb_session(&runtime, &["bt 1", "process kill"]);
    assert_in_order(&third, &["spin_forever", "exited with status = 9"]);
    let (status, stdout, stderr) = runtime.finish();
    assert_eq!(status, Some(137), "{stderr}");
    assert_eq!(stdout, "spinning\n");
}

#[test]
fn without_a_client_a_no_wait_run_is_a_plain_run() {
    for (args, output, expected_status) in [
        (&["basic"][..], BASIC_OUTPUT, 0),
        (&["exit", "7"][..], "", 7),
    ] {
        let runtime = Runtime::start(&["--no-wait"], Debuggee::C.path(), args);
        let (status, stdout, stderr) = runtime.finish();
        assert_eq!(status, Some(expected_status), "{args:?}: {stderr}");
        assert_eq!(stdout, output, "{args:?}");
    }
}

#[test]
fn a_late_client_stops_a_no_wait_program_where_it_is() {
    let runtime = Runtime::start(&["--no-wait"], Debuggee::C.path(), &["spin"]);
    std::thread::sleep(Duration::from_millis(300));
    let session = lldb_session(&runtime, &["bt", "frame variable", "process kill"]);
    assert_in_order(
        &session,
        &["spin_forever", "main", "spins = ", "exited with status = 9"],
    );
    let (status, stdout, _) = runtime.finish();
    assert_eq!(status, Some(137));
    assert_eq!(stdout, "spinning\n");
}

/// A raw protocol client, enough to hold a session open.
struct RawClient(TcpStream);

impl RawClient {
    fn connect(runtime: &Runtime) -> RawClient {
        let stream = TcpStream::connect(runtime.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        RawClient(stream)
    }

    /// Sends `body` as a packet and returns the reply's body.
    fn ask(&mut self, body: &str) -> String {
        let sum = body.bytes().fold(0u8, |sum, byte| sum.wrapping_add(byte));
        write!(self.0, "${body}#{sum:02x}").expect("send");
        self.reply()
    }

    /// The next packet's body, skipping acks.
    fn reply(&mut self) -> String {
        let mut text = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            match self.0.read(&mut byte) {
                Ok(1) => text.push(byte[0]),
                _ => panic!("no reply; got {:?}", String::from_utf8_lossy(&text)),
            }
            if let Some(start) = text.iter().position(|&b| b == b'$')
                && text.len() >= 3
                && text[text.len() - 3] == b'#'
            {
                return String::from_utf8_lossy(&text[start + 1..text.len() - 3]).into_owned();
            }
        }
    }
}

#[test]
fn a_second_client_is_turned_away_at_once_and_the_first_goes_on() {
    let runtime = Runtime::start(&[], Debuggee::C.path(), &["basic"]);
    let mut first = RawClient::connect(&runtime);
    assert!(first.ask("?").starts_with('T'), "a stop reply");

    let mut second = RawClient::connect(&runtime);
    let address = second.0.local_addr().expect("local address").to_string();
    assert!(second.reply().starts_with('E'), "an error reply");
    // Then the connection is closed.
    let mut rest = Vec::new();
    let _ = second.0.read_to_end(&mut rest);

    assert!(first.ask("?").starts_with('T'), "the first session goes on");
    write!(first.0, "$k#6b").expect("send");
    let (status, _, stderr) = runtime.finish();
    assert_eq!(status, Some(137));
    assert!(
        stderr.contains(&address),
        "stderr names {address}:\n{stderr}"
    );
}
