//! Hostile clients, limits, long sessions, broken connections, misbehaving debugger components and Ctrl-C.
//!
//! Each test drives the real binary over real sockets and is bounded in
//! time; the guarantees it checks are the ones README's "Robustness" states.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::rsp::{Client, code_addr, connect, connect_to, frame, le_u64, stop_pc, unhex};
use support::{
    Debuggee, KillOnDrop, Served, cpu_ticks, output_within, stderr, stdout, wasm, wasmdebug,
};

fn c_function(name: &str) -> std::ops::Range<u64> {
    let module = std::fs::read(Debuggee::C.path()).expect("read the C debuggee");
    wasm::functions(&module)
        .remove(name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// A tiny deterministic generator, so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `count` malformed, truncated, oversized and out-of-order packets. None
/// resumes, detaches, kills or interrupts: those are the client's to send.
fn garbage(rng: &mut Rng, count: usize) -> Vec<u8> {
    const BODIES: &[&str] = &[
        "m0,ffffffffffffffff",
        "m4000000000000000,ffffffff",
        "x0,ffffffff",
        "M0,8:00",
        "M0,1:0000",
        "X0,8:a",
        "Z0,4000000000000000,1",
        "z0,7fffffffffffffff,1",
        "qWasmLocal:ffffffff;ffffffff",
        "qWasmGlobal:0;99999",
        "qWasmStackValue:0;0",
        "qWasmCallStack:1",
        "qXfer:libraries:read::0,ffffffff",
        "qXfer:memory-map:read::ffffffffffffffff,ffff",
        "qXfer:features:read:target.xml:0,1",
        "qSupported:xmlRegisters=i386",
        "QStartNoAckMode",
        "qRegisterInfo99",
        "p99",
        "P0=0011",
        "G00",
        "H",
        "vCont?",
        "vCont;x",
        "vFile:open:2f6574632f706173737764,0,0",
        "qRcmd,6869",
        "?",
        "g",
    ];
    let mut out = Vec::new();
    for _ in 0..count {
        match rng.below(10) {
            // Random bytes, \x03 taken out (an interrupt is a request).
            0 => out.extend((0..rng.below(48)).map(|_| (rng.next() as u8).max(4))),
            // A packet cut short, then a fresh one starts.
            1 => {
                let body = BODIES[rng.below(BODIES.len() as u64) as usize].as_bytes();
                let packet = frame(body);
                out.extend_from_slice(&packet[..rng.below(packet.len() as u64) as usize]);
            }
            // A bad checksum.
            2 => {
                let mut packet = frame(BODIES[rng.below(BODIES.len() as u64) as usize].as_bytes());
                let last = packet.len() - 1;
                packet[last] = if packet[last] == b'0' { b'1' } else { b'0' };
                out.extend(packet);
            }
            // Well framed, mangled inside.
            3 => {
                let mut body = BODIES[rng.below(BODIES.len() as u64) as usize]
                    .as_bytes()
                    .to_vec();
                let at = rng.below(body.len() as u64 + 1) as usize;
                body.insert(at, b"$:,;#}*\xff"[rng.below(8) as usize]);
                body.retain(|&b| b != b'#' && b != b'$');
                out.extend(frame(&body));
            }
            _ => out.extend(frame(
                BODIES[rng.below(BODIES.len() as u64) as usize].as_bytes(),
            )),
        }
    }
    // One oversized packet per burst.
    out.extend(frame(&vec![b'M'; 600 * 1024]));
    out
}

/// Sends `bytes` on a fresh connection while a thread drains the replies,
/// then hangs up; returns how many bytes came back.
fn blast(addr: &str, bytes: &[u8]) -> usize {
    let stream = TcpStream::connect(addr).expect("connect");
    let mut reader = stream.try_clone().expect("clone the stream");
    reader
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set timeout");
    let drain = std::thread::spawn(move || {
        let mut total = 0;
        let mut buf = vec![0; 64 * 1024];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            total += n;
        }
        total
    });
    let mut writer = stream;
    writer.write_all(bytes).expect("send the burst");
    // A marker the debugger answers last, so we know it has read everything.
    writer.write_all(&frame(b"qC")).expect("send the marker");
    std::thread::sleep(Duration::from_millis(300));
    let _ = writer.shutdown(std::net::Shutdown::Both);
    drain.join().expect("drain thread")
}

#[test]
fn writes_whose_data_is_not_their_length_change_nothing() {
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    let before = gdb.read(0x400, 8).unwrap();
    for body in [
        "M400,8:00",
        "M400,1:0000",
        "M400,2:abc",
        "X400,8:\x01",
        "X400,1:}",
    ] {
        assert_eq!(gdb.ask(body), "E16", "{body}");
    }
    assert_eq!(gdb.read(0x400, 8).unwrap(), before);
    // Honest writes still work.
    assert_eq!(gdb.ask("M400,1:ab"), "OK");
    assert_eq!(gdb.read(0x400, 1).unwrap(), [0xab]);
    assert_eq!(gdb.ask("X400,1:\x07"), "OK");
    assert_eq!(gdb.read(0x400, 1).unwrap(), [0x07]);
    assert_eq!(gdb.ask("k"), "X09");
}

#[test]
fn thousands_of_bad_packets_in_every_state_then_a_good_client_finishes() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let factorial = c_function("factorial");
    for (mode, end) in [("basic", "W00"), ("trap", "W86")] {
        let run = Served::start(Debuggee::C, &[mode]);
        // Paused at the first instruction.
        assert!(blast(&run.addr, &garbage(&mut rng, 3000)) > 0);
        let mut gdb = connect(&run);
        assert_eq!(gdb.ask("?").get(..3), Some("T05"));
        if mode == "basic" {
            let at = code_addr(0, factorial.start);
            assert_eq!(gdb.ask(&format!("Z0,{at:x},1")), "OK");
        }
        let stop = gdb.ask("c");
        assert!(stop.starts_with('T'), "{stop}");
        // Paused at a breakpoint, or at the trap.
        drop(gdb);
        assert!(blast(&run.addr, &garbage(&mut rng, 3000)) > 0);
        let mut gdb = connect(&run);
        // Same place (gdbstub answers `?` with SIGTRAP whatever the reason).
        assert!(gdb.ask("?").starts_with('T'));
        assert_eq!(gdb.pc(), stop_pc(&stop).unwrap());
        // The garbage's sender hung up, which took its breakpoints out.
        assert_eq!(gdb.ask("c"), end);
        let (status, out) = run.finish();
        match mode {
            "basic" => {
                assert_eq!(status, Some(0));
                assert!(out.contains("factorial(5) = 120"), "{out}");
            }
            _ => assert_eq!(status, Some(134)),
        }
    }

    // Running: bad packets while the program sleeps, then it ends on its own.
    let run = Served::start(Debuggee::C, &["sleep", "1500"]);
    let mut gdb = connect(&run);
    gdb.send("c");
    let stream = gdb.stream.try_clone().unwrap();
    let mut sender = stream;
    sender.write_all(&garbage(&mut rng, 3000)).unwrap();
    // Replies to the garbage come first; the exit reply ends the session.
    let mut all = Vec::new();
    let _ = gdb.stream.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all);
    assert!(
        text.contains("$W00#"),
        "no exit reply in {} bytes",
        all.len()
    );
    let (status, out) = run.finish();
    assert_eq!(status, Some(0));
    assert!(out.contains("slept 1500 ms"), "{out}");
}

/// A core module with a 100 MiB memory, a marker in its last bytes.
fn big_memory_program() -> PathBuf {
    let path = support::target_dir().join("debuggees/big-memory.wat");
    let last = 100 * 1024 * 1024 - 10;
    std::fs::write(
        &path,
        format!(
            "(module (memory (export \"memory\") 1600) (data (i32.const {last}) \"end-marker\") \
             (func (export \"_start\")))"
        ),
    )
    .unwrap();
    path
}

/// The C debuggee with a 40 MB custom section after its DWARF sections.
fn big_module_program() -> PathBuf {
    let mut module = std::fs::read(Debuggee::C.path()).unwrap();
    assert!(
        module
            .windows(12)
            .any(|w| w == b".debug_info\0" || &w[..11] == b".debug_info")
    );
    let name = b"padding";
    let payload = 40 * 1024 * 1024;
    let mut size = payload + 1 + name.len();
    module.push(0);
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            module.push(byte);
            break;
        }
        module.push(byte | 0x80);
    }
    module.push(name.len() as u8);
    module.extend_from_slice(name);
    module.resize(module.len() + payload, 0x5a);
    let path = support::target_dir().join("debuggees/big-module.wasm");
    std::fs::write(&path, module).unwrap();
    path
}

/// A memory read whose reply is read in large pieces (`Client::recv` reads
/// a byte at a time, too slow for tens of megabytes).
fn bulk_read(gdb: &mut Client, addr: u64, len: usize) -> Vec<u8> {
    gdb.send(&format!("m{addr:x},{len:x}"));
    let mut reply = Vec::with_capacity(2 * len + 4);
    let mut buf = vec![0; 256 * 1024];
    while reply.len() < 3 || reply[reply.len() - 3] != b'#' {
        let n = gdb.stream.read(&mut buf).expect("read the reply");
        assert!(n > 0, "the debugger hung up");
        reply.extend_from_slice(&buf[..n]);
    }
    assert_eq!(reply[0], b'$', "{:?}", String::from_utf8_lossy(&reply[..8]));
    unhex(std::str::from_utf8(&reply[1..reply.len() - 3]).unwrap())
}

#[test]
fn huge_requests_and_big_programs_get_answers_or_errors() {
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    let started = Instant::now();
    // Huge lengths are cut to what one reply can hold.
    let read = gdb.read(0, usize::MAX).unwrap();
    assert!(
        !read.is_empty() && read.len() < 256 * 1024,
        "{}",
        read.len()
    );
    let binary = gdb.ask("x0,ffffffff");
    assert!(binary.len() < 512 * 1024, "{}", binary.len());
    let libraries = gdb.ask("qXfer:libraries:read::0,ffffffff");
    assert!(libraries[1..].starts_with("<library-list>"), "{libraries}");
    assert_eq!(gdb.ask("qXfer:libraries:read::ffffffffffffffff,ffff"), "l");
    // Addresses of modules and memories that do not exist.
    assert_eq!(gdb.ask("m7fffffffffffffff,ffffffff"), "E0e");
    assert_eq!(gdb.ask("m50d9f095e3a7a33f,10"), "E0e");
    assert!(gdb.ask("M3fffffff00000000,1:00").starts_with('E'));
    // 5,000 breakpoints over one function, then all taken out again.
    let factorial = c_function("factorial");
    let sites: Vec<u64> = (0..5000)
        .map(|i| code_addr(0, factorial.start + i % (factorial.end - factorial.start)))
        .collect();
    for site in &sites {
        gdb.send(&format!("Z0,{site:x},1"));
    }
    for _ in &sites {
        assert_eq!(gdb.recv(), "OK");
    }
    let stop = gdb.ask("c");
    assert!(stop.starts_with("T05"), "{stop}");
    for site in &sites {
        gdb.send(&format!("z0,{site:x},1"));
    }
    for _ in &sites {
        assert_eq!(gdb.recv(), "OK");
    }
    assert_eq!(gdb.ask("c"), "W00");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(run.finish().0, Some(0));

    // A 100 MiB linear memory: its last bytes, and nothing past them.
    let run = Served::start_program(&big_memory_program(), &[]);
    let mut gdb = connect(&run);
    let map = gdb.ask("qXfer:memory-map:read::0,ffff");
    assert!(map.contains("start=\"0x0\" length=\"0x6400000\""), "{map}");
    let end = 100 * 1024 * 1024;
    assert_eq!(gdb.read(end - 10, 100).unwrap(), b"end-marker");
    assert_eq!(gdb.read(end - 256 * 1024, 0x3fff0).unwrap().len(), 0x3fff0);
    assert_eq!(gdb.ask(&format!("m{end:x},1")), "E0e");
    assert_eq!(gdb.ask("c"), "W00");
    assert_eq!(run.finish().0, Some(0));

    // A 40 MB module with DWARF: read whole, as LLDB does, in bounded time.
    let path = big_module_program();
    let module = std::fs::read(&path).unwrap();
    let run = Served::start_program(&path, &[]);
    let mut gdb = connect(&run);
    let started = Instant::now();
    let mut read = Vec::with_capacity(module.len());
    while read.len() < module.len() {
        let chunk = bulk_read(&mut gdb, code_addr(0, read.len() as u64), 0x3fff0);
        assert!(!chunk.is_empty());
        read.extend(chunk);
    }
    assert!(read == module, "the module read back differs");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(
        gdb.ask(&format!("Z0,{:x},1", code_addr(0, factorial.start))),
        "OK"
    );
    assert!(gdb.ask("c").starts_with("T05"));
    assert_eq!(
        gdb.ask(&format!("z0,{:x},1", code_addr(0, factorial.start))),
        "OK"
    );
    assert_eq!(gdb.ask("c"), "W00");
    assert_eq!(run.finish().0, Some(0));
}

#[test]
fn a_stack_of_ten_thousand_frames_and_more() {
    // Deep enough to exhaust the call stack: the trap stops it at its deepest.
    let run = Served::start(Debuggee::Recursion, &["1000000"]);
    let mut gdb = connect(&run);
    let stop = gdb.ask("c");
    assert!(stop.starts_with('T'), "{stop}");
    let started = Instant::now();
    let stack = unhex(&gdb.ask("qWasmCallStack:1"));
    let frames = stack.len() / 8;
    assert!(frames >= 10_000, "{frames} frames");
    assert_eq!(le_u64(&stack[..8]), stop_pc(&stop).unwrap());
    // Any frame's locals, down to the outermost.
    assert!(!gdb.ask("qWasmLocal:0;0").starts_with('E'));
    let deep = gdb.ask("qWasmLocal:9999;0");
    assert!(!deep.starts_with('E'), "frame 9999 of {frames}: {deep}");
    assert!(
        gdb.ask(&format!("qWasmLocal:{};0", frames + 5))
            .starts_with('E')
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(gdb.ask("k"), "X09");
    assert_eq!(run.finish().0, Some(137));
}

/// The resident memory and open file descriptors of process `pid`.
fn footprint(pid: u32) -> (u64, usize) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .expect("VmRSS");
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    (rss * 1024, fds)
}

/// Connects, asks one thing, and hangs up.
fn cycle(addr: &str) {
    let mut gdb = connect_to(addr);
    assert_eq!(gdb.ask("?").get(..3), Some("T05"));
}

/// Sends `count` requests in batches, reading every reply.
fn requests(gdb: &mut Client, count: usize) {
    const BATCH: usize = 500;
    let mix = [
        "?",
        "p0",
        "m400,40",
        "qWasmCallStack:1",
        "qWasmGlobal:0;0",
        "qC",
    ];
    let mut sent = 0;
    while sent < count {
        let n = BATCH.min(count - sent);
        let mut bytes = Vec::new();
        for i in 0..n {
            bytes.extend(frame(mix[(sent + i) % mix.len()].as_bytes()));
        }
        gdb.send_raw(&bytes);
        for i in 0..n {
            let reply = gdb.recv();
            let request = mix[(sent + i) % mix.len()];
            assert!(!reply.starts_with('E'), "{request}: {reply}");
        }
        sent += n;
    }
}

#[test]
fn a_thousand_clients_and_a_hundred_thousand_requests_leak_nothing() {
    let run = Served::start(Debuggee::C, &[]);
    let pid = run.pid();
    // Warm up: caches filled, buffers at their working size.
    for _ in 0..20 {
        cycle(&run.addr);
    }
    requests(&mut connect(&run), 2000);
    let before = footprint(pid);

    let started = Instant::now();
    for _ in 0..1000 {
        cycle(&run.addr);
    }
    let cycles = started.elapsed();
    let started = Instant::now();
    let mut gdb = connect(&run);
    requests(&mut gdb, 100_000);
    let session = started.elapsed();
    drop(gdb);
    cycle(&run.addr);
    let after = footprint(pid);
    eprintln!(
        "1,000 cycles in {cycles:.1?}, 100,000 requests in {session:.1?}; \
         RSS {} -> {} KiB, fds {} -> {}",
        before.0 / 1024,
        after.0 / 1024,
        before.1,
        after.1
    );
    assert!(after.1 <= before.1 + 1, "fds {} -> {}", before.1, after.1);
    assert!(
        after.0 <= before.0 + 8 * 1024 * 1024,
        "RSS {} -> {}",
        before.0,
        after.0
    );
    let mut gdb = connect(&run);
    assert_eq!(gdb.ask("c"), "W00");
    assert_eq!(run.finish().0, Some(0));
}

#[test]
fn a_vanished_client_leaves_the_program_for_the_next_in_every_state() {
    // Paused, and mid-packet: the next client finds it as it was.
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    gdb.send_raw(b"$qSupported:multipro");
    drop(gdb);
    cycle(&run.addr);
    // Nobody connected: the debugger waits without burning CPU.
    let ticks = cpu_ticks(run.pid());
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        cpu_ticks(run.pid()) - ticks <= 5,
        "busy while waiting for a client"
    );
    // Stopped at the exit: the client leaves before reading the exit reply.
    let mut gdb = connect(&run);
    gdb.send("c");
    drop(gdb);
    let (status, out) = run.finish();
    assert_eq!(status, Some(0));
    assert!(out.contains("counter = 4"), "{out}");

    // Running: the program is paused (interrupted) for the next client.
    let run = Served::start(Debuggee::C, &["spin"]);
    let mut gdb = connect(&run);
    gdb.send("c");
    std::thread::sleep(Duration::from_millis(200));
    drop(gdb);
    std::thread::sleep(Duration::from_millis(300));
    let ticks = cpu_ticks(run.pid());
    std::thread::sleep(Duration::from_millis(1000));
    assert!(
        cpu_ticks(run.pid()) - ticks <= 5,
        "the program ran on with nobody watching"
    );
    let mut gdb = connect(&run);
    assert!(gdb.ask("?").starts_with('T'));
    assert_eq!(gdb.ask("k"), "X09");
    assert_eq!(run.finish().0, Some(137));

    // At a trap: still there for the next client, and the exit status is the trap's.
    let run = Served::start(Debuggee::C, &["trap"]);
    let mut gdb = connect(&run);
    let stop = gdb.ask("c");
    drop(gdb);
    let mut gdb = connect(&run);
    assert!(gdb.ask("?").starts_with('T'));
    assert_eq!(gdb.pc(), stop_pc(&stop).unwrap());
    gdb.send("D");
    let (status, out) = run.finish();
    assert_eq!(status, Some(134));
    assert!(out.contains("about to trap"), "{out}");
}

fn misbehave(kind: &str, program_args: &[&str], listen: bool) -> std::process::Output {
    let mut command = wasmdebug();
    command.arg("run");
    if listen {
        command.args(["-g", "127.0.0.1:0"]);
    }
    command
        .arg("-D")
        .arg(format!("debugger={}", support::test_debugger().display()))
        .arg("-D")
        .arg(format!("arg=misbehave {kind}"))
        .arg(Debuggee::C.path())
        .args(program_args);
    output_within(&mut command, Duration::from_secs(60))
}

#[test]
fn misbehaving_debugger_components_are_contained() {
    // One that traps: the program is killed, and the CLI says so.
    let out = misbehave("trap", &[], false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the program was killed: the debugger component trapped"),
        "{err}"
    );
    assert!(!stdout(&out).contains("factorial"), "the program ran");

    // One that allocates without bound: stopped at its memory limit.
    let started = Instant::now();
    let out = misbehave("alloc", &[], false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("the debugger ran out of memory"), "{err}");
    assert!(err.contains("the program was killed"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));

    // Files, environment, other addresses: denied; the program then runs to its end.
    let out = misbehave("files", &[], false);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("misbehave files -> read Err("), "{err}");
    assert!(
        err.contains("create Err(") && err.contains("list Err("),
        "{err}"
    );
    assert!(stdout(&out).contains("counter = 4"));
    let out = misbehave("env", &[], false);
    assert!(
        stderr(&out).contains("misbehave env -> 0 variables []"),
        "{}",
        stderr(&out)
    );
    let bystander = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    bystander.set_nonblocking(true).unwrap();
    let target = bystander.local_addr().unwrap().to_string();
    for listen in [false, true] {
        let out = misbehave(&format!("connect {target}"), &[], listen);
        let err = stderr(&out);
        assert!(
            err.contains("Err(") && err.contains("access-denied"),
            "{err}"
        );
        assert_eq!(out.status.code(), Some(0), "{err}");
    }
    assert!(
        bystander.accept().is_err(),
        "the debugger reached another address"
    );

    // One that returns at once: the program runs on to its end.
    let mut command = wasmdebug();
    command
        .arg("run")
        .arg("-D")
        .arg(format!("debugger={}", support::test_debugger().display()))
        .arg(Debuggee::C.path());
    let out = output_within(&mut command, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("counter = 4"));
    // And one that fails at once: killed, with its reason.
    let mut command = wasmdebug();
    command
        .arg("run")
        .args([
            "-D",
            &format!("debugger={}", support::test_debugger().display()),
        ])
        .args(["-D", "arg=bogus"])
        .arg(Debuggee::C.path());
    let out = output_within(&mut command, Duration::from_secs(60));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the program was killed: the debugger failed: command 1 `bogus`"),
        "{err}"
    );
}

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
