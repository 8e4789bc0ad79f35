//! Attaching beyond the first connection, with a stock LLDB: again after a
//! detach, late (`--no-wait`), and a second client while one is attached.

#![cfg(feature = "gdbstub")]

mod support;

use std::io::Read;
use std::time::Duration;

use support::lldb::{Runtime, assert_in_order, run_lldb};
use support::{Debuggee, rsp};

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

#[test]
fn a_second_client_is_turned_away_at_once_and_the_first_goes_on() {
    let runtime = Runtime::start(&[], Debuggee::C.path(), &["basic"]);
    let mut first = rsp::connect_to(runtime.addr);
    assert!(first.ask("?").starts_with('T'), "a stop reply");

    let mut second = rsp::open(runtime.addr);
    let address = second
        .stream
        .local_addr()
        .expect("local address")
        .to_string();
    assert!(second.recv().starts_with('E'), "an error reply");
    // Then the connection is closed.
    let mut rest = Vec::new();
    let _ = second.stream.read_to_end(&mut rest);

    assert!(first.ask("?").starts_with('T'), "the first session goes on");
    first.send("k");
    let (status, _, stderr) = runtime.finish();
    assert_eq!(status, Some(137));
    assert!(
        stderr.contains(&address),
        "stderr names {address}:\n{stderr}"
    );
}
