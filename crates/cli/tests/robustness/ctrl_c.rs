//! Ctrl-C ends wasmdebug in every state and keeps the program's output.

use super::*;

/// Starts `command`, sends it SIGINT once `ready` says so (it is asked,
/// every few milliseconds, with the stdout and stderr so far), and returns
/// its exit status, stdout and stderr.
fn interrupt(
    mut command: Command,
    mut ready: impl FnMut(&str, &str) -> bool,
) -> (Option<i32>, String, String) {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("wasmdebug starts");
    let mut child = KillOnDrop(child);
    let out = collect(child.0.stdout.take().expect("piped stdout"));
    let err = collect(child.0.stderr.take().expect("piped stderr"));
    let text = |buffer: &Arc<Mutex<Vec<u8>>>| {
        String::from_utf8_lossy(&buffer.lock().expect("an output buffer")).into_owned()
    };
    let started = Instant::now();
    while !ready(&text(&out.0), &text(&err.0)) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never ready: {}",
            text(&err.0)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait for wasmdebug") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "Ctrl-C did not end wasmdebug"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    out.1.join().expect("the stdout reader");
    err.1.join().expect("the stderr reader");
    (status.code(), text(&out.0), text(&err.0))
}

/// Reads `pipe` to its end on a thread of its own, into the buffer returned.
fn collect(
    mut pipe: impl Read + Send + 'static,
) -> (Arc<Mutex<Vec<u8>>>, std::thread::JoinHandle<()>) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let filled = buffer.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(read @ 1..) = pipe.read(&mut chunk) {
            filled
                .lock()
                .expect("an output buffer")
                .extend_from_slice(&chunk[..read]);
        }
    });
    (buffer, reader)
}

#[test]
fn ctrl_c_ends_wasmdebug_in_every_state_and_keeps_the_output() {
    let gdbstub = format!("debugger={}", support::gdbstub_component().display());
    let debugged = |args: &[&str]| {
        let mut command = wasmdebug();
        command
            .arg("run")
            .args(["-g", "127.0.0.1:0", "-D", &gdbstub])
            .arg(Debuggee::C.path())
            .args(args);
        command
    };
    // Waiting for the first client.
    let (status, _, err) = interrupt(debugged(&["spin"]), |_, err| err.contains("Connect with"));
    assert_eq!(status, Some(130), "{err}");
    assert!(
        err.contains("error: interrupted: the program was stopped"),
        "{err}"
    );

    // Running, with a client connected: the program's output so far is kept.
    let mut client = None;
    let (status, out, err) = interrupt(debugged(&["spin"]), |_, err| {
        let Some(listen) = err.lines().find_map(support::listening_address) else {
            return false;
        };
        let mut gdb = connect_to(listen);
        gdb.send("c");
        client = Some(gdb);
        std::thread::sleep(Duration::from_millis(200));
        true
    });
    assert_eq!(status, Some(130), "{err}");
    assert_eq!(out, "spinning\n");
    drop(client);

    // A debugger component stuck in a loop, the program running.
    let mut command = wasmdebug();
    command
        .arg("run")
        .args([
            "-D",
            &format!("debugger={}", support::test_debugger().display()),
        ])
        .args(["-D", "arg=resume", "-D", "arg=misbehave loop"])
        .arg(Debuggee::C.path())
        .arg("spin");
    let (status, out, err) = interrupt(command, |_, err| err.contains("misbehave loop -> looping"));
    assert_eq!(status, Some(130), "{err}");
    assert_eq!(out, "spinning\n");

    // No debugger at all.
    let mut command = wasmdebug();
    command.arg("run").arg(Debuggee::C.path()).arg("spin");
    let (status, out, err) = interrupt(command, |out, _| out.contains("spinning\n"));
    assert_eq!(status, Some(130), "{err}");
    assert_eq!(out, "spinning\n");
}
