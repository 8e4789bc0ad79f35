//! `wasmdebug serve`: HTTP requests handled by a `wasi:http/proxy`
//! component, plain and under LLDB.

mod support;

use support::http::Server;
use support::pattern::{Vars, check_script_lines, substitute};

#[test]
fn concurrent_requests_are_answered() {
    let server = Server::start(&[]);
    let clients: Vec<_> = (0..8)
        .map(|n| {
            let http = server.http;
            std::thread::spawn(move || support::http::get(http, &format!("/client/{n}")))
        })
        .collect();
    for (n, client) in clients.into_iter().enumerate() {
        assert_eq!(
            client.join().unwrap(),
            (200, format!("hello /client/{n}\n"))
        );
    }
}

#[test]
fn a_trapping_request_gets_500_and_the_server_goes_on() {
    let server = Server::start(&[]);
    let (status, _) = server.get("/trap");
    assert_eq!(status, 500);
    assert_eq!(server.get("/after"), (200, "hello /after\n".into()));
    // The trap's report may reach stderr after the response left, and in
    // more than one write: wait for all of it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut stderr = server.stderr();
    let whole = |stderr: &str| stderr.contains("greeting") && stderr.contains("unreachable");
    while !whole(&stderr) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        stderr = server.stderr();
    }
    assert!(stderr.contains("unreachable"), "{stderr}");
    assert!(stderr.contains("greeting"), "{stderr}");
}

#[test]
fn what_is_not_a_handler_is_refused_in_one_line() {
    let check = |args: &[&str], program: &std::path::Path, expected: &str| {
        let output = support::output(support::wasmdebug().arg("serve").args(args).arg(program));
        let stderr = support::stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    };
    // A command component: no incoming handler.
    check(
        &["-S", "cli"],
        support::Debuggee::RustComponent.path(),
        "does not export `wasi:http/incoming-handler@0.2.x`",
    );
    check(
        &[],
        support::Debuggee::C.path(),
        "is a core module: serve needs a component of the wasi:http/proxy world",
    );
    // `--no-wait` is about the debugger: alone, a command-line error.
    let output = support::output(support::wasmdebug().args(["serve", "--no-wait", "x.wasm"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(support::stderr(&output).contains("--gdbstub"));
    // Rust's standard library imports the environment, beyond the proxy world.
    check(
        &[],
        support::http_handler(),
        "`wasi:cli/environment@0.2.12`, but a matching implementation was not found",
    );
}

/// Serves under the scripted test debugger running `script`, while one
/// client thread sends GETs for `paths` in turn; waits for the server to
/// end (the script kills it, or it is killed once the client is done),
/// checks the script's lines, and returns the responses.
fn scripted_session(
    script: &[(&str, &str)],
    paths: &[&'static str],
    vars: &mut Vars,
) -> Vec<(u16, String)> {
    let commands: Vec<String> = script
        .iter()
        .map(|(command, _)| substitute(command, vars))
        .collect();
    let mut options = vec![format!("debugger={}", support::test_debugger().display())];
    options.extend(commands.iter().map(|command| format!("arg={command}")));
    let options: Vec<&str> = options.iter().flat_map(|option| ["-D", option]).collect();
    let mut server = Server::start(&options);
    let http = server.http;
    let paths = paths.to_vec();
    let client = std::thread::spawn(move || {
        paths
            .iter()
            .map(|path| support::http::get(http, path))
            .collect::<Vec<_>>()
    });
    let responses = client.join().unwrap();
    if script.iter().any(|(command, _)| *command == "kill") {
        assert_eq!(server.wait(), Some(137), "{}", server.stderr());
    }
    let stderr = server.stderr();
    let patterns: Vec<&str> = script.iter().map(|(_, pattern)| *pattern).collect();
    check_script_lines(&commands, &patterns, &stderr, vars, || {
        format!("script: {commands:#?}\nstderr:\n{stderr}")
    });
    responses
}

/// The debug world as a server shows it: a breakpoint stops every request,
/// each request runs in new instances (those of the one before are gone),
/// a trapping request stops, gets a 500 and spoils nothing, and a
/// watchpoint set in one request watches the same bytes in the next.
#[test]
fn every_request_runs_in_new_instances_under_the_debug_world() {
    // One request, to learn which instance runs `greeting` and how many
    // instances a request makes: both the same on every run.
    let mut vars = Vars::new();
    // Also where the request's path lies in memory (`greeting`'s second
    // parameter), the same in every request of that length.
    let learn = [
        ("break greeting", "ok *"),
        ("continue", "paused(breakpoint)"),
        ("frames 1", "#0 func * at *, instance {first}, *"),
        ("instances", "{per_request}: *"),
        ("local 0 1", "i32:{path}"),
    ];
    let responses = scripted_session(&learn, &["/one"], &mut vars);
    assert_eq!(responses, [(200, "hello /one\n".to_string())]);
    let number = |name: &str| vars[name].parse::<u32>().unwrap();
    let (first, per_request) = (number("first"), number("per_request"));
    // Requests /one, /trap and /two run in instances `first`, `first + k`
    // and `first + 2k`.
    vars.insert("trapped".into(), (first + per_request).to_string());
    vars.insert("second".into(), (first + 2 * per_request).to_string());
    vars.insert("total".into(), (3 * per_request).to_string());

    let script = [
        ("break greeting", "ok *"),
        ("continue", "paused(breakpoint)"),
        (
            "frames 1",
            "#0 func * (*greeting) at {at}, instance {first}, *",
        ),
        // The path's bytes: the host writes the next request's there.
        ("watch write {first} 0 {path} 4", "ok"),
        ("continue", "paused(watchpoint(write *+4 write))"),
        (
            "frames 2",
            "#0 * | #1 func * (*path_with_query) at *, instance {trapped}, *",
        ),
        ("continue", "paused(breakpoint)"),
        (
            "frames 1",
            "#0 func * (*greeting) at {at}, instance {trapped}, *",
        ),
        ("continue", "paused(trap(*unreachable*))"),
        ("unwatch write {first} 0 {path} 4", "ok"),
        ("continue", "paused(breakpoint)"),
        (
            "frames 1",
            "#0 func * (*greeting) at {at}, instance {second}, *",
        ),
        ("read {first} 0 {path} 4", "error: bad-index"),
        ("memory-size {second} 0", "* bytes, page 65536"),
        ("instances", "{total}: *"),
        ("unbreak greeting", "ok *"),
        ("resume", "ok"),
        ("sleep 2000", "ok"),
        ("interrupt", "ok"),
        ("wait", "paused(interrupted)"),
        ("frames", ""),
        ("kill", "ok"),
        ("state", "exited(137)"),
    ];
    let responses = scripted_session(&script, &["/one", "/trap", "/two", "/three"], &mut vars);
    let statuses: Vec<u16> = responses.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 500, 200, 200], "{responses:?}");
    assert_eq!(responses[3].1, "hello /three\n");
}

#[cfg(feature = "gdbstub")]
mod under_lldb {
    use std::time::Duration;

    use super::support::http::{self, Server};
    use super::support::lldb::{
        INTERRUPT_AFTER_A_SECOND, assert_in_order, run_lldb_with_crash_commands,
    };

    /// Runs LLDB on `server`, with `commands` after connecting (and
    /// `on_crash` once the server stops on a signal), while `client` sends
    /// requests; returns what LLDB printed and the responses.
    fn session<R: Send + 'static>(
        server: &Server,
        commands: &[&str],
        on_crash: &[&str],
        client: impl FnOnce(std::net::SocketAddr) -> R + Send + 'static,
    ) -> (String, R) {
        let http = server.http;
        let client = std::thread::spawn(move || client(http));
        let mut all = vec![format!(
            "process connect --plugin wasm connect://{}",
            server.debugger.unwrap()
        )];
        all.extend(commands.iter().map(|command| command.to_string()));
        let lldb = run_lldb_with_crash_commands(&all, on_crash);
        (lldb, client.join().unwrap())
    }

    #[test]
    fn a_breakpoint_stops_every_request_and_detach_serves_on() {
        let mut server = Server::start(&["-g", "127.0.0.1:0"]);
        let (lldb, responses) = session(
            &server,
            &[
                "b greeting",
                "c",
                "bt",
                "frame variable path",
                "c",
                "bt",
                "frame variable path",
                "c",
                "bt",
                "frame variable path",
                "process detach",
            ],
            &[],
            |http| {
                let mut responses: Vec<_> = ["/one", "/two", "/three"]
                    .iter()
                    .map(|path| http::get(http, path))
                    .collect();
                // After the detach: served without a stop.
                responses.push(http::get(http, "/four"));
                responses
            },
        );
        let stop = "stop reason = breakpoint 1.1";
        let handler_frame = "Guest$GT$::handle";
        assert_in_order(
            &lldb,
            &[
                stop,
                "greeting",
                handler_frame,
                "\"/one\"",
                stop,
                handler_frame,
                // Each request's own memory, not the first one's.
                "\"/two\"",
                stop,
                handler_frame,
                "\"/three\"",
                "detach",
            ],
        );
        let stops = format!("Process 1 stopped\n* thread #1, {stop}");
        assert_eq!(lldb.matches(&stops).count(), 3, "{lldb}");
        let expected: Vec<_> = ["/one", "/two", "/three", "/four"]
            .iter()
            .map(|path| (200, format!("hello {path}\n")))
            .collect();
        assert_eq!(responses, expected, "{lldb}");
        assert!(
            server.child.0.try_wait().unwrap().is_none(),
            "still serving"
        );
        assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    }

    #[test]
    fn a_no_wait_server_serves_at_once_and_a_late_debugger_stops_a_request() {
        let server = Server::start(&["-g", "127.0.0.1:0", "--no-wait"]);
        // Served with no debugger ever attached.
        assert_eq!(server.get("/early"), (200, "hello /early\n".into()));
        // LLDB's own Python sends the next request once the breakpoint is
        // set, so it cannot come too early; its response is printed last.
        let url = format!("http://{}/late", server.http);
        let (lldb, ()) = session(
            &server,
            &[
                "b greeting",
                "script import threading, urllib.request",
                "script response = {}",
                &format!(
                    "script sender = threading.Thread(target=lambda: response.update(\
                     body=urllib.request.urlopen('{url}', timeout=60).read().decode())); \
                     sender.start()"
                ),
                "c",
                "frame variable path",
                "process detach",
                "script sender.join(60); print('response:', repr(response.get('body')))",
            ],
            &[],
            |_| (),
        );
        assert_in_order(
            &lldb,
            &[
                "stop reason = breakpoint 1.1",
                "\"/late\"",
                "detached",
                "response: 'hello /late\\n'",
            ],
        );
        // Still serving after the detach.
        assert_eq!(server.get("/after"), (200, "hello /after\n".into()));
        // The listening lines said why it cannot run in reverse.
        assert!(
            server
                .stderr()
                .contains("Time travel: off (a server's requests are not recorded)"),
            "{}",
            server.stderr()
        );
    }

    #[test]
    fn interrupt_stops_the_idle_server_and_kill_ends_it() {
        let mut server = Server::start(&["-g", "127.0.0.1:0"]);
        let mut commands = INTERRUPT_AFTER_A_SECOND.to_vec();
        commands.extend(["bt", "process kill"]);
        let (lldb, response) = session(&server, &commands, &[], |http| http::get(http, "/before"));
        assert_eq!(response, (200, "hello /before\n".into()));
        assert_in_order(&lldb, &["stop reason = signal SIGINT", "process kill"]);
        assert_eq!(server.wait(), Some(137), "{}", server.stderr());
        assert!(
            std::net::TcpStream::connect_timeout(&server.http, Duration::from_secs(5)).is_err()
        );
    }

    #[test]
    fn interrupt_stops_a_request_in_its_loop_without_calls() {
        let mut server = Server::start(&["-g", "127.0.0.1:0"]);
        let mut commands = INTERRUPT_AFTER_A_SECOND.to_vec();
        commands.extend(["bt 2", "frame variable spins", "process kill"]);
        // Sent at once, served on `c`; the connection stays open until the
        // session is over (the request never ends on its own).
        let (lldb, _connection) = session(&server, &commands, &[], |http| {
            let mut connection = std::net::TcpStream::connect(http).expect("connect");
            std::io::Write::write_all(
                &mut connection,
                b"GET /spin HTTP/1.1\r\nHost: localhost\r\n\r\n",
            )
            .expect("send a request");
            connection
        });
        assert_in_order(
            &lldb,
            &[
                "stop reason = signal SIGINT",
                "frame #0: ",
                "spin",
                "frame #1: ",
                "greeting",
                "spins = ",
            ],
        );
        let source = super::support::workspace_root().join("examples/http-handler/src/lib.rs");
        let body = super::support::marked_line(&source, "MARK: spin-body");
        let loop_lines = [format!("lib.rs:{}:", body - 1), format!("lib.rs:{body}:")];
        let frame = lldb.lines().rfind(|line| line.contains("frame #0: "));
        assert!(
            frame.is_some_and(|frame| loop_lines.iter().any(|at| frame.contains(at.as_str()))),
            "frame #0 not at {loop_lines:?}:\n{lldb}"
        );
        assert_eq!(server.wait(), Some(137), "{}", server.stderr());
    }

    #[test]
    fn a_trapping_request_stops_then_gets_500() {
        let mut server = Server::start(&["-g", "127.0.0.1:0"]);
        // The `c` in there lets the 500 go out, then serves `/after`.
        let mut on_crash = vec!["bt"];
        on_crash.extend(INTERRUPT_AFTER_A_SECOND);
        on_crash.push("process kill");
        let (lldb, responses) = session(&server, &["c"], &on_crash, |http| {
            [http::get(http, "/trap"), http::get(http, "/after")]
        });
        assert_in_order(
            &lldb,
            &[
                "stop reason = wasm trap: wasm `unreachable` instruction executed",
                "greeting",
                "Guest$GT$::handle",
                "SIGINT",
            ],
        );
        assert_eq!(responses[0].0, 500, "{lldb}");
        // The next request gets a store of its own: the trap spoils nothing.
        assert_eq!(responses[1], (200, "hello /after\n".into()), "{lldb}");
        assert_eq!(server.wait(), Some(137), "{}", server.stderr());
    }
}
