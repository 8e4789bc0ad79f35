//! `run -g` as a command: addresses, errors, warnings, and idling.

#![cfg(feature = "gdbstub")]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use support::{Debuggee, KillOnDrop};

/// Starts `wasmdebug run -g ADDRESS` on the C example and returns it and
/// the lines it printed up to the one after the listening line (the LLDB
/// command). Its stderr is then closed: it must carry on.
fn start(address: &str) -> (KillOnDrop, Vec<String>) {
    let mut runtime = KillOnDrop(
        support::wasmdebug()
            .args(["run", "-g", address])
            .arg(Debuggee::C.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wasmdebug starts"),
    );
    let mut stderr = BufReader::new(runtime.0.stderr.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("wasmdebug exited before listening: {lines:?}");
        }
        lines.push(line.trim_end().to_string());
        if lines
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|line| support::listening_address(line).is_some())
        {
            return (runtime, lines);
        }
    }
}

fn listening_address(lines: &[String]) -> String {
    lines
        .iter()
        .find_map(|line| support::listening_address(line))
        .unwrap()
        .to_string()
}

#[test]
fn a_bare_port_listens_on_loopback_and_the_connect_command_is_printed() {
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_runtime, lines) = start(&free.to_string());
    assert_eq!(listening_address(&lines), format!("127.0.0.1:{free}"));
    assert!(
        lines
            .iter()
            .any(|line| line.contains(&format!("connect://127.0.0.1:{free}"))),
        "{lines:?}"
    );
}

#[test]
fn ipv6_loopback_works() {
    let (_runtime, lines) = start("[::1]:0");
    let address = listening_address(&lines);
    assert!(address.starts_with("[::1]:"), "{address}");
    let mut client = TcpStream::connect(&address).unwrap();
    client.write_all(b"$?#3f").unwrap();
}

#[test]
fn listening_beyond_loopback_warns() {
    let (_runtime, lines) = start("0.0.0.0:0");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("warning:") && line.contains("memory")),
        "{lines:?}"
    );
    assert!(listening_address(&lines).starts_with("0.0.0.0:"));
}

/// Runs `wasmdebug run -g ADDRESS` and checks it fails with a clear error
/// and `status`: 2 for a malformed address (a usage error), 1 for one that
/// cannot be listened on.
fn check_error(address: &str, expected: &str, status: i32) {
    let out = support::output_within(
        support::wasmdebug()
            .args(["run", "-g", address])
            .arg(Debuggee::C.path()),
        Duration::from_secs(60),
    );
    let err = support::stderr(&out);
    assert_eq!(out.status.code(), Some(status), "{address}: {err}");
    assert!(
        err.contains("error:") && err.contains(expected),
        "{address}: expected {expected:?} in {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(support::stdout(&out), "", "the program never ran");
}

#[test]
fn bad_addresses_and_ports_in_use_are_clear_errors() {
    check_error(
        "somewhere:1234",
        "invalid debugger address `somewhere:1234`",
        2,
    );
    check_error("70000", "invalid debugger address", 2);
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    check_error(&address, &address, 1);
}

#[test]
fn waiting_uses_no_cpu() {
    let (runtime, lines) = start("127.0.0.1:0");
    // Waiting for a connection.
    let before = support::cpu_ticks(runtime.0.id());
    std::thread::sleep(Duration::from_secs(1));
    let idle = support::cpu_ticks(runtime.0.id()) - before;
    assert!(idle <= 2, "{idle} ticks of CPU while waiting for a client");

    // Connected, with the program paused.
    let mut client = TcpStream::connect(listening_address(&lines)).unwrap();
    client.write_all(b"$?#3f").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let before = support::cpu_ticks(runtime.0.id());
    std::thread::sleep(Duration::from_secs(1));
    let paused = support::cpu_ticks(runtime.0.id()) - before;
    assert!(paused <= 2, "{paused} ticks of CPU while paused");
}
