//! Hostile clients: malformed, truncated and oversized packets, in every state.

use super::*;

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
