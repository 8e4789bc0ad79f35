//! Long sessions and broken connections: many clients and requests leak
//! nothing, a vanished client leaves the program to the next.

use super::*;

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
    // It leaves once the program has ended: one that leaves while the
    // program still runs leaves it paused for the next client (below).
    let mut gdb = connect(&run);
    gdb.send("c");
    std::thread::sleep(Duration::from_millis(500));
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
