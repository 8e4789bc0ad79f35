//! Whole runs: start-up, plain and debugged runs, watchpoints, `serve` requests, and `wasmtime run` beside them.

use super::*;

pub fn listening_times(debuggee: &Path) -> (f64, f64) {
    let measure = || {
        let (server, elapsed) = rsp::Server::start(debuggee, &["basic"]);
        drop(server);
        millis(elapsed)
    };
    // Cold: an empty compiled-code cache.
    let cold: Vec<f64> = (0..5)
        .map(|_| {
            let _ = std::fs::remove_dir_all(cache_dir());
            measure()
        })
        .collect();
    let warm: Vec<f64> = (0..10).map(|_| measure()).collect();
    (median(cold), median(warm))
}

/// The median time of five runs of `command` to its end, which must succeed.
pub fn median_run_time(mut command: Command) -> f64 {
    command.stdout(Stdio::null());
    let times = (0..5).map(|_| run_time(&mut command)).collect();
    median(times)
}

/// The time of one run of `command` to its end, which must succeed, in
/// milliseconds.
pub fn run_time(command: &mut Command) -> f64 {
    let started = Instant::now();
    let status = command.status().unwrap();
    assert!(status.success(), "{command:?}");
    millis(started.elapsed())
}

pub fn whole_run_times(debuggee: &Path) -> (f64, f64) {
    let mut plain = Command::new(wasmdebug());
    plain.arg(debuggee).args(["compute", "32"]);
    let debugged: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (mut server, _) = rsp::Server::start(debuggee, &["compute", "32"]);
            server.connect().timed("vCont;c", b"W00");
            let status = server.child.wait().unwrap();
            assert!(status.success());
            millis(started.elapsed())
        })
        .collect();
    (median_run_time(plain), median(debugged))
}

/// A run under `-g --no-wait` that no client attaches to: what running
/// instrumented code costs.
pub fn no_wait_run_time(debuggee: &Path) -> f64 {
    let mut command = Command::new(wasmdebug());
    command
        .args(["run", "-g", "127.0.0.1:0", "--no-wait"])
        .arg(debuggee)
        .args(["compute", "32"])
        .stderr(Stdio::null());
    median_run_time(command)
}

/// One continue to the end of `compute 20`, without and with a write
/// watchpoint on four bytes nothing writes: every instruction is checked.
pub fn watchpoint_run_times(debuggee: &Path) -> (f64, f64) {
    let run = |watch: bool| {
        let (mut server, _) = rsp::Server::start(debuggee, &["compute", "20"]);
        let mut client = server.connect();
        if watch {
            // Memory 0, offset 0x10: below the data, never written.
            assert_eq!(client.request("Z2,10,4"), b"OK");
        }
        let (elapsed, _) = client.timed("vCont;c", b"W00");
        assert!(server.child.wait().unwrap().success());
        elapsed
    };
    let unwatched = (0..5).map(|_| run(false)).collect();
    let watched = (0..3).map(|_| run(true)).collect();
    (median(unwatched), median(watched))
}

/// `wasmdebug serve` on the example handler, plain or under `-g` with a
/// client attached that has continued (no breakpoint): the median time of
/// a GET (HTTP/1.0, a connection each, so no body framing to parse) over
/// 1,000, and the server's RSS growth from the first GET to the last, in
/// KiB.
pub fn serve_request_times(handler: &Path, debugged: bool) -> (f64, f64) {
    let mut command = Command::new(wasmdebug());
    command.args(["serve", "-S", "cli", "--addr", "127.0.0.1:0"]);
    if debugged {
        command.args(["-g", "127.0.0.1:0"]);
    }
    let mut child = command
        .arg(handler)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wasmdebug starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut http, mut debugger) = (None, None);
    while http.is_none() || (debugged && debugger.is_none()) {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "wasmdebug exited early"
        );
        if let Some(url) = line.trim().strip_prefix("Serving HTTP on http://") {
            http = Some(url.trim_end_matches('/').parse::<SocketAddr>().unwrap());
        }
        if let Some(addr) = line.trim().strip_prefix("Debugger listening on ") {
            debugger = Some(addr.parse::<SocketAddr>().unwrap());
        }
    }
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    // Attached and running: the reply to `c` would be the next stop.
    let _client = debugger.map(|addr| {
        let mut client = rsp::Client::connect(addr);
        client.send("vCont;c");
        client
    });
    let http = http.unwrap();
    let get = || {
        let started = Instant::now();
        let mut stream = TcpStream::connect(http).unwrap();
        stream
            .write_all(b"GET /bench HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.ends_with("hello /bench\n"), "{response}");
        micros(started.elapsed())
    };
    let rss = || {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
        let line = status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .unwrap();
        line.split_whitespace()
            .nth(1)
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    let mut times = vec![get()];
    let first = rss();
    times.extend((1..1000).map(|_| get()));
    let growth = rss() - first;
    let _ = child.kill();
    let _ = child.wait();
    (median(times), growth)
}

/// Wasmtime's own CLI, for reference rows: `$WASMTIME`, or `wasmtime` on
/// the PATH.
pub fn find_wasmtime() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WASMTIME") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("wasmtime"))
        .find(|candidate| candidate.is_file())
}

/// `wasmtime run` on the same program, plain and with the guest-debug
/// instrumentation `-g` needs but no debugger: the floor for a run under `-g`.
pub fn wasmtime_run_times(wasmtime: &Path, debuggee: &Path) -> (f64, f64) {
    let run = |options: &[&str]| {
        let mut command = Command::new(wasmtime);
        command
            .arg("run")
            .args(options)
            .arg(debuggee)
            .args(["compute", "32"]);
        median_run_time(command)
    };
    (run(&[]), run(&["-D", "guest-debug=y"]))
}

pub fn component_size() -> usize {
    let build = build::target_dir().join("release/build");
    std::fs::read_dir(&build)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("wasmdebug-component-artifact-")
        })
        .filter_map(|entry| std::fs::metadata(entry.path().join("out/wasmdebug-gdbstub.wasm")).ok())
        .map(|metadata| metadata.len() as usize)
        .max()
        .unwrap_or(0)
}
