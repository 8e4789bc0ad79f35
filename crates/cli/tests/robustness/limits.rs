//! Limits: huge requests, big programs and deep stacks get answers or errors.

use super::*;

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
