//! Debugger latency and throughput, measured from the outside: the release
//! CLI under `-g`, a raw GDB remote protocol client on loopback, and LLDB.
//!
//! Run: `cargo bench -p wasmdebug --features gdbstub --bench debugger`.
//! Results go to stdout as a Markdown table for BENCHMARKS.md.

#[path = "../tests/support/packet.rs"]
mod packet;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in a child copy of this benchmark that only echoes, for the floor.
const ECHO_ADDRESS_VAR: &str = "WASMDEBUG_BENCH_ECHO_TO";

/// Where `wasmdebug` keeps compiled code: here, the benchmark's own cache.
const CACHE_DIR_VAR: &str = "WASMDEBUG_CACHE_DIR";

fn main() {
    if let Some(address) = std::env::var_os(ECHO_ADDRESS_VAR) {
        echo(&address.to_string_lossy());
        return;
    }
    // SAFETY: no other thread runs yet; every child inherits the variable.
    unsafe { std::env::set_var(CACHE_DIR_VAR, cache_dir()) };
    let debuggee = build_c_debuggee();
    let mut rows = vec![
        row(
            "floor: TCP ping-pong between two processes",
            "µs",
            median(ping_pong_round_trips()),
        ),
        row(
            "trivial query (`?`) round trip",
            "µs",
            median(query_round_trips(&debuggee)),
        ),
        row(
            "single step (`vCont;s` → stop reply)",
            "µs",
            median(step_round_trips(&debuggee)),
        ),
        row(
            "continue → breakpoint in recursive `fib`",
            "µs",
            median(breakpoint_round_trips(&debuggee)),
        ),
        row(
            "linear memory read, 8 MiB",
            "MB/s",
            memory_read_throughput(&debuggee),
        ),
    ];
    if let Some(lldb) = lldb() {
        rows.push(row(
            "LLDB `si` latency",
            "ms",
            lldb_step_latency(&lldb, &debuggee),
        ));
        // The same source as a core module and as a component, side by side.
        for (kind, target) in [
            ("core module", "wasm32-wasip1"),
            ("component", "wasm32-wasip2"),
        ] {
            let program = build_rust_debuggee(target);
            rows.push(row(
                &format!("LLDB `b audit`, `c`, `bt 1`, `c` over `audit 4000000`, Rust {kind}"),
                "ms",
                audit_session_time(&lldb, &program),
            ));
        }
        rows.push(row(
            "LLDB `bt` over 10,000 frames (`recurse 10000`)",
            "ms",
            deep_backtrace_time(&lldb),
        ));
    } else {
        eprintln!("no LLDB found (run ci/setup.sh or set LLDB=path): skipping the LLDB row");
    }
    let (cold, warm) = listening_times(&debuggee);
    rows.push(row("spawn → \"Debugger listening\", cold", "ms", cold));
    rows.push(row("spawn → \"Debugger listening\", warm", "ms", warm));
    let (plain, debugged) = whole_run_times(&debuggee);
    rows.push(row("`compute 32` without -g", "ms", plain));
    rows.push(row("`compute 32` under -g, one continue", "ms", debugged));
    rows.push(row(
        "`compute 32` under -g --no-wait, no client",
        "ms",
        no_wait_run_time(&debuggee),
    ));
    let (unwatched, watched) = watchpoint_run_times(&debuggee);
    rows.push(row("`compute 20` under -g, one continue", "ms", unwatched));
    rows.push(row(
        "`compute 20` under -g, one continue, one write watchpoint",
        "ms",
        watched,
    ));
    if let Some(wasmtime) = wasmtime() {
        let (plain, instrumented) = wasmtime_run_times(&wasmtime, &debuggee);
        rows.push(row("`compute 32` with `wasmtime run`", "ms", plain));
        rows.push(row(
            "`compute 32` with `wasmtime run -D guest-debug=y`",
            "ms",
            instrumented,
        ));
    } else {
        eprintln!("no wasmtime found (set WASMTIME=path): skipping the wasmtime rows");
    }
    let handler = build_http_handler();
    let (plain, _) = serve_request_times(&handler, false);
    let (debugged, growth) = serve_request_times(&handler, true);
    rows.push(row("`serve`: GET, new connection each", "µs", plain));
    rows.push(row(
        "`serve -g`, debugger attached, running: GET",
        "µs",
        debugged,
    ));
    rows.push(row(
        "`serve -g`, attached: RSS growth over 1,000 GETs",
        "KiB",
        growth,
    ));
    rows.push(row(
        "embedded component size",
        "KB",
        component_size() as f64 / 1000.0,
    ));

    println!("| measurement | median | unit |");
    println!("| --- | ---: | --- |");
    for (name, value, unit) in rows {
        println!("| {name} | {value:.1} | {unit} |");
    }
}

/// The CLI to measure: `$WASMDEBUG` (another tree's build, to compare),
/// or the one built with this benchmark.
fn wasmdebug() -> PathBuf {
    std::env::var_os("WASMDEBUG").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_wasmdebug")),
        PathBuf::from,
    )
}

fn row(name: &str, unit: &str, value: f64) -> (String, f64, String) {
    eprintln!("{name}: {value:.1} {unit}");
    (name.to_string(), value, unit.to_string())
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

fn build_c_debuggee() -> PathBuf {
    // 16 MiB of memory from the start, so that the memory read covers 8 MiB
    // of real memory in the largest packets.
    build_c("debuggee", "-Wl,--initial-memory=16777216")
}

/// `examples/c/NAME.c` built (debug, -O0) with the linker flag `link`,
/// as `debuggees/bench-NAME-c.wasm`.
fn build_c(name: &str, link: &str) -> PathBuf {
    let output = target_dir().join(format!("debuggees/bench-{name}-c.wasm"));
    std::fs::create_dir_all(output.parent().unwrap()).unwrap();
    let status = Command::new("clang")
        .args(["--target=wasm32-wasi", "-g", "-O0", link])
        .arg("-o")
        .arg(&output)
        .arg(workspace_root().join(format!("examples/c/{name}.c")))
        .status()
        .expect("clang runs");
    assert!(status.success());
    output
}

/// `examples/rust` built (debug, as a user debugs it) for `target`.
fn build_rust_debuggee(target: &str) -> PathBuf {
    build_rust("wasmdebug-example", target);
    target_dir().join(target).join("debug/debuggee.wasm")
}

/// `examples/http-handler`, the `serve` tests' handler, built (debug).
fn build_http_handler() -> PathBuf {
    build_rust("wasmdebug-http-handler", "wasm32-wasip2");
    target_dir().join("wasm32-wasip2/debug/wasmdebug_http_handler.wasm")
}

/// Builds one of the workspace's example packages, debug, for `target`.
fn build_rust(package: &str, target: &str) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "--quiet", "-p", package, "--target", target])
        .arg("--target-dir")
        .arg(target_dir())
        .status()
        .expect("cargo runs");
    assert!(status.success());
}

/// The CLI under `-g`, paused at the program's first instruction.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(debuggee: &Path, args: &[&str]) -> (Server, Duration) {
        let started = Instant::now();
        let mut child = Command::new(wasmdebug())
            .args(["run", "-g", "127.0.0.1:0"])
            .arg(debuggee)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wasmdebug starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "wasmdebug exited early"
            );
            if let Some(addr) = line.trim().strip_prefix("Debugger listening on ") {
                break addr.parse().unwrap();
            }
        };
        let elapsed = started.elapsed();
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        (Server { child, addr }, elapsed)
    }

    fn connect(&self) -> Client {
        Client::connect(self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal GDB remote protocol client, in no-ack mode after the handshake.
struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
    packet_size: usize,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let mut client = Client {
            stream,
            buffer: Vec::new(),
            packet_size: 4096,
        };
        let supported = String::from_utf8(client.request_acked("qSupported:swbreak+")).unwrap();
        for feature in supported.split(';') {
            if let Some(size) = feature.strip_prefix("PacketSize=") {
                client.packet_size = usize::from_str_radix(size, 16).unwrap();
            }
        }
        assert_eq!(client.request_acked("QStartNoAckMode"), b"OK");
        client
    }

    fn send(&mut self, payload: &str) {
        self.stream
            .write_all(&packet::frame(payload.as_bytes()))
            .unwrap();
    }

    /// Reads one packet's payload, skipping acks. Each byte is searched
    /// once, so that large replies cost the client no more than their size.
    fn receive(&mut self) -> Vec<u8> {
        let mut searched = 0;
        loop {
            if let Some(start) = self.buffer.iter().position(|&byte| byte == b'$') {
                let from = searched.max(start);
                match self.buffer[from..].iter().position(|&byte| byte == b'#') {
                    Some(end) if self.buffer.len() >= from + end + 3 => {
                        let end = from + end;
                        let payload = self.buffer[start + 1..end].to_vec();
                        self.buffer.drain(..end + 3);
                        return payload;
                    }
                    Some(end) => searched = from + end,
                    None => searched = self.buffer.len(),
                }
            }
            let mut chunk = [0u8; 65536];
            let read = self.stream.read(&mut chunk).unwrap();
            assert!(read > 0, "server closed the connection");
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }

    fn request(&mut self, payload: &str) -> Vec<u8> {
        self.send(payload);
        self.receive()
    }

    /// A request before no-ack mode: acknowledge the reply.
    fn request_acked(&mut self, payload: &str) -> Vec<u8> {
        let reply = self.request(payload);
        self.stream.write_all(b"+").unwrap();
        reply
    }

    fn read_memory(&mut self, address: u64, length: usize) -> Vec<u8> {
        self.request(&format!("m{address:x},{length:x}"))
    }
}

/// The LLDB address of byte `offset` of module `module`'s bytecode.
fn code_address(module: u64, offset: u64) -> u64 {
    (1 << 62) | (module << 32) | offset
}

/// Times 5000 requests of `payload`, each answered with a reply that
/// starts with `reply_prefix`, in microseconds.
fn round_trips(client: &mut Client, payload: &str, reply_prefix: &[u8]) -> Vec<f64> {
    (0..5000)
        .map(|_| {
            let started = Instant::now();
            let reply = client.request(payload);
            let elapsed = started.elapsed();
            assert!(
                reply.starts_with(reply_prefix),
                "{}",
                String::from_utf8_lossy(&reply)
            );
            micros(elapsed)
        })
        .collect()
}

/// The loopback floor: 5000 round trips of a small request to a child
/// process that answers each at once, in microseconds.
fn ping_pong_round_trips() -> Vec<f64> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(ECHO_ADDRESS_VAR, listener.local_addr().unwrap().to_string())
        .spawn()
        .expect("the echo process starts");
    let (mut stream, _) = listener.accept().unwrap();
    stream.set_nodelay(true).unwrap();
    let request = b"$?#3f";
    let mut reply = [0u8; 5];
    let times = (0..5000)
        .map(|_| {
            let started = Instant::now();
            stream.write_all(request).unwrap();
            stream.read_exact(&mut reply).unwrap();
            micros(started.elapsed())
        })
        .collect();
    drop(stream);
    let _ = child.wait();
    times
}

/// The echo process: sends back whatever arrives, until the peer hangs up.
fn echo(address: &str) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buffer = [0u8; 64];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => stream.write_all(&buffer[..n]).unwrap(),
        }
    }
}

fn query_round_trips(debuggee: &Path) -> Vec<f64> {
    let (server, _) = Server::start(debuggee, &["basic"]);
    round_trips(&mut server.connect(), "?", b"T")
}

fn step_round_trips(debuggee: &Path) -> Vec<f64> {
    let (server, _) = Server::start(debuggee, &["compute", "25"]);
    round_trips(&mut server.connect(), "vCont;s:1", b"T05")
}

fn breakpoint_round_trips(debuggee: &Path) -> Vec<f64> {
    let (server, _) = Server::start(debuggee, &["compute", "25"]);
    let mut client = server.connect();
    let module = read_module(&mut client);
    let fib = function_body_offset(&module, "fib");
    let reply = client.request(&format!("Z0,{:x},1", code_address(0, fib)));
    assert_eq!(reply, b"OK");
    round_trips(&mut client, "vCont;c", b"T05")
}

fn memory_read_throughput(debuggee: &Path) -> f64 {
    let (server, _) = Server::start(debuggee, &["basic"]);
    let mut client = server.connect();
    // Hex doubles the size, and the packet has a few bytes of framing.
    let chunk = (client.packet_size - 16) / 2;
    let total = 8 << 20;
    let started = Instant::now();
    let mut read = 0;
    while read < total {
        let length = chunk.min(total - read);
        let reply = client.read_memory(read as u64, length);
        assert_eq!(
            reply.len(),
            length * 2,
            "{}",
            String::from_utf8_lossy(&reply[..reply.len().min(20)])
        );
        read += length;
    }
    total as f64 / started.elapsed().as_secs_f64() / 1e6
}

fn read_module(client: &mut Client) -> Vec<u8> {
    let chunk = (client.packet_size - 16) / 2;
    let mut bytes = Vec::new();
    loop {
        let reply = client.read_memory(code_address(0, bytes.len() as u64), chunk);
        if reply.is_empty() || reply.starts_with(b"E") {
            break;
        }
        for pair in reply.chunks(2) {
            bytes.push(u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap());
        }
        if reply.len() < chunk * 2 {
            break;
        }
    }
    bytes
}

/// Where the body of the function named `name` starts in the module.
fn function_body_offset(module: &[u8], name: &str) -> u64 {
    let mut imported = 0;
    let mut bodies = Vec::new();
    let mut index = None;
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.unwrap().ty, wasmparser::TypeRef::Func(_)) {
                        imported += 1;
                    }
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => bodies.push(body.range().start as u64),
            wasmparser::Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                    for subsection in names {
                        if let Ok(wasmparser::Name::Function(map)) = subsection {
                            for naming in map {
                                let naming = naming.unwrap();
                                if naming.name == name {
                                    index = Some(naming.index);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let index = index.unwrap_or_else(|| panic!("no function `{name}`"));
    bodies[(index - imported) as usize]
}

fn lldb() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LLDB") {
        return Some(PathBuf::from(path));
    }
    let venv = target_dir().join("lldb-venv/bin/lldb");
    venv.exists().then_some(venv)
}

/// The cost of one `si` in LLDB: a batch session with many steps, minus
/// the same session with none.
fn lldb_step_latency(lldb: &Path, debuggee: &Path) -> f64 {
    let steps = 300;
    let session = |count: usize| {
        let (server, _) = Server::start(debuggee, &["compute", "25"]);
        let mut command = Command::new(lldb);
        command.arg("--batch").arg("-o").arg(format!(
            "process connect --plugin wasm connect://{}",
            server.addr
        ));
        for _ in 0..count {
            command.args(["-o", "si"]);
        }
        command.stdout(Stdio::null()).stderr(Stdio::null());
        let started = Instant::now();
        let status = command.status().expect("lldb runs");
        let elapsed = started.elapsed();
        assert!(status.success());
        elapsed
    };
    let mut fixed = Vec::new();
    let mut stepping = Vec::new();
    for _ in 0..3 {
        fixed.push(millis(session(0)));
        stepping.push(millis(session(steps)));
    }
    (median(stepping) - median(fixed)) / steps as f64
}

/// A whole LLDB session with one breakpoint that the program reaches after
/// a 4-million-iteration loop: from spawning the runtime to its exit.
fn audit_session_time(lldb: &Path, program: &Path) -> f64 {
    let session = || {
        lldb_session_time(
            lldb,
            program,
            &["audit", "4000000"],
            &["b audit", "c", "bt 1", "c"],
        )
    };
    // The first session fills the compiled-code cache.
    session();
    median((0..3).map(|_| session()).collect())
}

/// One LLDB batch session on `program` run with `args`: from spawning the
/// runtime, through `commands` after connecting, to the program's
/// successful exit; in milliseconds.
fn lldb_session_time(lldb: &Path, program: &Path, args: &[&str], commands: &[&str]) -> f64 {
    let started = Instant::now();
    let (mut server, _) = Server::start(program, args);
    let status = Command::new(lldb)
        .arg("--batch")
        .arg("-o")
        .arg(format!(
            "process connect --plugin wasm connect://{}",
            server.addr
        ))
        .args(commands.iter().flat_map(|command| ["-o", command]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("lldb runs");
    assert!(status.success());
    assert!(server.child.wait().expect("wasmdebug exits").success());
    millis(started.elapsed())
}

/// What `bt` adds to an LLDB session stopped 10,000 calls deep in
/// `examples/c/recurse.c`: the median session with it, less the median
/// session without it. LLDB asks two packets per frame.
fn deep_backtrace_time(lldb: &Path) -> f64 {
    let program = build_c("recurse", "-Wl,-z,stack-size=8388608");
    let text = std::fs::read_to_string(workspace_root().join("examples/c/recurse.c")).unwrap();
    let line = text
        .lines()
        .position(|line| line.contains("MARK:deepest"))
        .expect("the deepest line")
        + 1;
    let breakpoint = format!("b recurse.c:{line}");
    let session = |backtrace: &[&str]| {
        let mut commands = vec![breakpoint.as_str(), "c"];
        commands.extend(backtrace);
        commands.push("c");
        lldb_session_time(lldb, &program, &["10000"], &commands)
    };
    // The first session fills the compiled-code cache.
    session(&[]);
    let with = median((0..3).map(|_| session(&["bt"])).collect());
    let without = median((0..3).map(|_| session(&[])).collect());
    with - without
}

fn listening_times(debuggee: &Path) -> (f64, f64) {
    let measure = || {
        let (server, elapsed) = Server::start(debuggee, &["basic"]);
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

/// The compiled-code cache of every `wasmdebug` the benchmark starts.
fn cache_dir() -> PathBuf {
    target_dir().join("bench-cache")
}

/// The median time of five runs of `command` to its end, which must succeed.
fn median_run_time(mut command: Command) -> f64 {
    command.stdout(Stdio::null());
    let times = (0..5)
        .map(|_| {
            let started = Instant::now();
            let status = command.status().unwrap();
            assert!(status.success(), "{command:?}");
            millis(started.elapsed())
        })
        .collect();
    median(times)
}

fn whole_run_times(debuggee: &Path) -> (f64, f64) {
    let mut plain = Command::new(wasmdebug());
    plain.arg(debuggee).args(["compute", "32"]);
    let debugged: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let (mut server, _) = Server::start(debuggee, &["compute", "32"]);
            let mut client = server.connect();
            let reply = client.request("vCont;c");
            assert!(
                reply.starts_with(b"W00"),
                "{}",
                String::from_utf8_lossy(&reply)
            );
            let status = server.child.wait().unwrap();
            assert!(status.success());
            millis(started.elapsed())
        })
        .collect();
    (median_run_time(plain), median(debugged))
}

/// A run under `-g --no-wait` that no client attaches to: what running
/// instrumented code costs.
fn no_wait_run_time(debuggee: &Path) -> f64 {
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
fn watchpoint_run_times(debuggee: &Path) -> (f64, f64) {
    let run = |watch: bool| {
        let (mut server, _) = Server::start(debuggee, &["compute", "20"]);
        let mut client = server.connect();
        if watch {
            // Memory 0, offset 0x10: below the data, never written.
            assert_eq!(client.request("Z2,10,4"), b"OK");
        }
        let started = Instant::now();
        let reply = client.request("vCont;c");
        let elapsed = millis(started.elapsed());
        assert!(
            reply.starts_with(b"W00"),
            "{}",
            String::from_utf8_lossy(&reply)
        );
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
fn serve_request_times(handler: &Path, debugged: bool) -> (f64, f64) {
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
        let mut client = Client::connect(addr);
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
fn wasmtime() -> Option<PathBuf> {
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
fn wasmtime_run_times(wasmtime: &Path, debuggee: &Path) -> (f64, f64) {
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

fn component_size() -> usize {
    let build = target_dir().join("release/build");
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
