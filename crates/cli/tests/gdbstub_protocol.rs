//! The built-in debugger component, spoken to in raw GDB remote protocol packets over TCP.

mod support;

use std::time::Duration;

use support::rsp::{code_addr, connect, hex, le_u64, stop_pc, unhex};
use support::wasm;
use support::{Debuggee, Served};

/// The C debuggee's module, to find functions in.
fn c_function(name: &str) -> std::ops::Range<u64> {
    let module = std::fs::read(Debuggee::C.path()).expect("read the C debuggee");
    wasm::functions(&module)
        .remove(name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

#[test]
fn answers_queries_at_the_first_instruction() {
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);

    let supported = gdb.ask("qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
    for feature in [
        "PacketSize=",
        "swbreak+",
        "qXfer:libraries:read+",
        "qXfer:memory-map:read+",
    ] {
        assert!(supported.contains(feature), "{feature} in {supported}");
    }
    let size = supported
        .split(';')
        .find_map(|f| f.strip_prefix("PacketSize="))
        .map(|s| usize::from_str_radix(s, 16).unwrap())
        .unwrap();
    assert!(size >= 256 * 1024, "PacketSize {size:#x}");

    let stop = gdb.ask("?");
    assert!(stop.starts_with("T05"), "{stop}");
    let pc = gdb.pc();
    assert_eq!(
        stop_pc(&stop),
        Some(pc),
        "the pc comes with `?`'s reply: {stop}"
    );
    assert_ne!(pc, 0, "the first stop shows the real pc");
    assert_eq!(pc >> 62, 1, "a code address: {pc:#x}");
    assert_eq!(gdb.ask("g"), hex(&pc.to_le_bytes()));

    let host = gdb.ask("qHostInfo");
    assert!(
        host.contains(&format!("triple:{}", hex(b"wasm32-unknown-unknown-wasm"))),
        "{host}"
    );
    assert!(
        host.contains("ptrsize:4") && host.contains("endian:little"),
        "{host}"
    );
    let process = gdb.ask("qProcessInfo");
    assert!(
        process.contains("pid:1;") && process.contains("ptrsize:4"),
        "{process}"
    );
    assert!(gdb.ask("qRegisterInfo0").contains("name:pc;"));
    assert!(gdb.ask("qRegisterInfo1").starts_with('E'));

    let libraries = gdb.ask("qXfer:libraries:read::0,ffff");
    assert!(libraries.starts_with("m<library-list>"), "{libraries}");
    assert_eq!(
        gdb.ask(&format!(
            "qXfer:libraries:read::{:x},ffff",
            libraries.len() - 1
        )),
        "l"
    );
    assert!(
        libraries.contains("<section address=\"0x4000000000000000\"/>"),
        "{libraries}"
    );
    // Read in slices, the document is the same.
    let head = gdb.ask("qXfer:libraries:read::0,10");
    assert!(
        head.starts_with('m') && libraries[1..].starts_with(&head[1..]),
        "{head}"
    );

    let map = gdb.ask("qXfer:memory-map:read::0,ffff");
    assert!(
        map.contains("<memory type=\"rom\" start=\"0x4000000000000000\""),
        "{map}"
    );
    assert!(map.contains("<memory type=\"ram\" start=\"0x0\""), "{map}");

    // The module's bytecode, from its magic number on, at Object address 0.
    assert_eq!(gdb.read(code_addr(0, 0), 8).unwrap(), b"\0asm\x01\0\0\0");
    let module = std::fs::read(Debuggee::C.path()).unwrap();
    let whole = gdb.read(code_addr(0, 0), module.len()).unwrap();
    assert_eq!(whole, module);
    // Reads that run off the end come back short; past the end, an error.
    assert_eq!(
        gdb.read(code_addr(0, module.len() as u64 - 2), 16).unwrap(),
        &module[module.len() - 2..]
    );
    assert!(gdb.read(code_addr(0, module.len() as u64), 4).is_err());
    assert!(gdb.read(code_addr(9, 0), 4).is_err());
    assert!(gdb.read(1 << 32, 4).is_err(), "no memory 1");
    assert!(
        gdb.read(0xfff_ffff0, 4).is_err(),
        "past the end of memory 0"
    );

    // The call stack at entry: one frame at least, the innermost at the pc.
    let stack = unhex(&gdb.ask("qWasmCallStack:1"));
    assert!(!stack.is_empty() && stack.len().is_multiple_of(8));
    assert_eq!(le_u64(&stack[..8]), pc);

    assert_eq!(gdb.ask("k"), "X09");
    let (status, _) = run.finish();
    assert_eq!(status, Some(137));
}

#[test]
fn breaks_steps_and_inspects_frames() {
    let factorial = c_function("factorial");
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    gdb.ask("qSupported:multiprocess+;swbreak+");

    assert_eq!(
        gdb.ask(&format!("Z0,{:x},1", code_addr(0, factorial.start))),
        "OK"
    );
    let stop = gdb.ask("c");
    assert!(
        stop.starts_with("T05") && stop.contains("swbreak:;"),
        "{stop}"
    );
    let pc = stop_pc(&stop).expect("the pc comes with the stop reply");
    assert_eq!(pc, gdb.pc());
    assert!(
        factorial.contains(&(pc & 0xffff_ffff)),
        "{pc:#x} in factorial {factorial:?}"
    );

    // factorial(5): the parameter is local 0 of frame 0.
    assert_eq!(gdb.ask("qWasmLocal:0;0"), "05000000");
    let stack = unhex(&gdb.ask("qWasmCallStack:1"));
    assert!(stack.len() >= 8 * 3, "main, run_basic, factorial at least");
    assert_eq!(le_u64(&stack[..8]), pc);
    // The stack pointer global of the frame's instance.
    let sp = u32::from_le_bytes(unhex(&gdb.ask("qWasmGlobal:0;0")).try_into().unwrap());
    assert!(sp > 0 && sp % 16 == 0, "sp {sp:#x}");
    // Nothing on the operand stack at a function's start.
    assert!(gdb.ask("qWasmStackValue:0;0").starts_with('E'));
    // Unknown frames and locals are errors, and the session goes on.
    assert!(gdb.ask("qWasmLocal:99;0").starts_with('E'));
    assert!(gdb.ask("qWasmLocal:0;999").starts_with('E'));
    assert!(gdb.ask("qWasmGlobal:99;0").starts_with('E'));
    assert!(gdb.ask("qWasmStackValue:99;0").starts_with('E'));
    assert_eq!(gdb.pc(), pc);

    // One instruction on: `global.get __stack_pointer` leaves sp on the stack.
    let step = gdb.ask("s");
    assert!(
        step.starts_with("T05") && !step.contains("swbreak"),
        "{step}"
    );
    let stepped = stop_pc(&step).unwrap();
    assert!(stepped > pc, "{stepped:#x} after {pc:#x}");
    assert_eq!(gdb.ask("qWasmStackValue:0;0"), hex(&sp.to_le_bytes()));
    let step = gdb.ask("vCont;s:p1.1");
    assert!(step.starts_with("T05"), "{step}");
    assert!(stop_pc(&step).unwrap() > stepped);

    // Linear memory: read, write, read back (below sp, which is free).
    let below = u64::from(sp) - 16;
    let before = gdb.read(below, 4).unwrap();
    assert_eq!(gdb.ask(&format!("M{below:x},4:deadbeef")), "OK");
    assert_eq!(gdb.read(below, 4).unwrap(), [0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(gdb.ask(&format!("M{below:x},4:{}", hex(&before))), "OK");
    // A write whose packet spans many reads of the socket, read back whole.
    let len = 32 * 1024;
    let start = below - len as u64;
    let old = gdb.read(start, len).unwrap();
    let pattern: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
    assert_eq!(
        gdb.ask(&format!("M{start:x},{len:x}:{}", hex(&pattern))),
        "OK"
    );
    assert_eq!(gdb.read(start, len).unwrap(), pattern);
    assert_eq!(gdb.ask(&format!("M{start:x},{len:x}:{}", hex(&old))), "OK");
    // The module's bytes outside its code section cannot be written (inside
    // it, a write is for a C global: see the next test).
    assert!(
        gdb.ask(&format!("M{:x},1:00", code_addr(0, 0)))
            .starts_with('E')
    );

    // The breakpoint again: factorial(4).
    let stop = gdb.ask("c");
    assert!(stop.contains("swbreak"), "{stop}");
    assert_eq!(gdb.ask("qWasmLocal:0;0"), "04000000");
    assert_eq!(
        gdb.ask(&format!("z0,{:x},1", code_addr(0, factorial.start))),
        "OK"
    );
    assert!(gdb.ask("c").starts_with("W00"));
    let (status, stdout) = run.finish();
    assert_eq!(status, Some(0));
    assert_eq!(stdout, "factorial(5) = 120\nsum = 110\ncounter = 4\n");
}

/// LLDB 23 names a C global below the code section's size by the code
/// address `code section + address` (the component's `addr::global_in_code`
/// says why): a write there goes to linear memory, while a read is of the
/// code, which LLDB also reads there.
#[test]
fn a_write_at_a_code_address_goes_to_the_global_lldb_means() {
    let module = std::fs::read(Debuggee::C.path()).expect("read the C debuggee");
    let code = wasm::code_section(&module);
    // Read-only data, put back before the program runs.
    let global = 0x800;
    assert!(global < code.end - code.start);
    let named = code_addr(0, code.start + global);
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    gdb.ask("qSupported:multiprocess+;swbreak+");

    let before = gdb.read(global, 4).unwrap();
    let code_bytes = gdb.read(named, 4).unwrap();
    assert_eq!(code_bytes, module[named as usize & 0xffff_ffff..][..4]);
    assert_eq!(gdb.ask(&format!("M{named:x},4:deadbeef")), "OK");
    assert_eq!(gdb.read(global, 4).unwrap(), [0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(gdb.read(named, 4).unwrap(), code_bytes);
    assert_eq!(gdb.ask(&format!("M{global:x},4:{}", hex(&before))), "OK");
    // One byte past the code section is the module's again.
    let past = code_addr(0, code.end);
    assert!(gdb.ask(&format!("M{past:x},1:00")).starts_with('E'));

    assert!(gdb.ask("c").starts_with("W00"));
    let (status, stdout) = run.finish();
    assert_eq!(status, Some(0));
    assert_eq!(stdout, "factorial(5) = 120\nsum = 110\ncounter = 4\n");
}

#[test]
fn survives_bad_requests() {
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    gdb.ask("qSupported:multiprocess+");
    // Unknown packets get the empty reply; malformed ones an error.
    assert_eq!(gdb.ask("qNoSuchThing"), "");
    assert!(gdb.ask("mzz,4").starts_with('E'));
    assert!(gdb.ask("m4000000000000000").starts_with('E'));
    assert!(gdb.ask("Z0,zz,1").starts_with('E'));
    assert!(
        gdb.ask(&format!("Z0,{:x},1", 1u64 << 32)).starts_with('E'),
        "a breakpoint in data"
    );
    assert!(gdb.ask("qWasmLocal:x;y").starts_with('E'));
    // A corrupt checksum and stray bytes are dropped.
    gdb.send_raw(b"$?#00garbage+-");
    // An oversized packet is refused.
    gdb.send(&"q".repeat(600 * 1024));
    assert!(gdb.recv().starts_with('E'));
    assert!(gdb.ask("?").starts_with("T05"));
    assert_ne!(gdb.pc(), 0);
    assert_eq!(gdb.read(code_addr(0, 0), 4).unwrap(), b"\0asm");
    drop(gdb);
    drop(run);
}

#[test]
fn interrupts_a_running_program_and_reconnects() {
    let run = Served::start(Debuggee::C, &["spin"]);
    let mut gdb = connect(&run);
    gdb.send("c");
    std::thread::sleep(Duration::from_millis(300));
    gdb.send_raw(b"\x03");
    let stop = gdb.recv();
    assert!(stop.starts_with("T02"), "{stop}");
    let spin = c_function("spin_forever");
    let pc = stop_pc(&stop).unwrap();
    assert!(
        spin.contains(&(pc & 0xffff_ffff)),
        "{pc:#x} in spin_forever"
    );

    // Hanging up while the program runs pauses it for the next client.
    gdb.send("c");
    std::thread::sleep(Duration::from_millis(100));
    drop(gdb);
    let mut gdb = connect(&run);
    // Paused by an interrupt, which the next client is told.
    let stop = gdb.ask("?");
    assert!(stop.starts_with("T02"), "{stop}");
    let pc = gdb.pc();
    assert_eq!(stop_pc(&stop), Some(pc), "{stop}");
    assert!(
        spin.contains(&(pc & 0xffff_ffff)),
        "{pc:#x} in spin_forever"
    );
    drop(gdb);

    let mut gdb = connect(&run);
    assert_eq!(gdb.ask("vKill;1"), "OK");
    let (status, _) = run.finish();
    assert_eq!(status, Some(137));
}

#[test]
fn reports_the_exit_status() {
    let run = Served::start(Debuggee::C, &["exit", "7"]);
    let mut gdb = connect(&run);
    assert_eq!(gdb.ask("c"), "W07");
    let (status, _) = run.finish();
    assert_eq!(status, Some(7));
}

/// The fields of the stop reply for the C debuggee's `unreachable` trap:
/// an exception, which LLDB shows with this description.
fn unreachable_trap_fields() -> String {
    let description = hex(b"wasm trap: wasm `unreachable` instruction executed");
    format!("reason:exception;description:{description};")
}

#[test]
fn reports_traps_as_exceptions_with_a_signal() {
    let run = Served::start(Debuggee::C, &["trap"]);
    let mut gdb = connect(&run);
    let stop = gdb.ask("c");
    // SIGILL for clients that know only signals; LLDB takes the exception.
    assert!(stop.starts_with("T04"), "SIGILL for unreachable: {stop}");
    assert!(stop.contains(&unreachable_trap_fields()), "{stop}");
    let level_two = c_function("level_two");
    assert!(level_two.contains(&(stop_pc(&stop).unwrap() & 0xffff_ffff)));
    run.wait_line("unreachable");
    let stack = unhex(&gdb.ask("qWasmCallStack:1"));
    assert!(stack.len() >= 8 * 4, "level_two, level_one, main and more");
    // Resuming after a trap ends the program.
    assert_eq!(gdb.ask("c"), "W86");
    let (status, _) = run.finish();
    assert_eq!(status, Some(134));
}

#[test]
fn a_client_that_comes_back_is_told_the_stop_it_finds() {
    let run = Served::start(Debuggee::C, &["trap"]);
    let mut first = connect(&run);
    let trapped = first.ask("c");
    assert!(trapped.starts_with("T04"), "{trapped}");
    // It hangs up without detaching: the program stays at the trap.
    drop(first);
    let mut second = connect(&run);
    let stop = second.ask("?");
    assert!(
        stop.starts_with("T04"),
        "SIGILL, as the first client was told: {stop}"
    );
    assert!(stop.contains(&unreachable_trap_fields()), "{stop}");
    assert_eq!(stop_pc(&stop), stop_pc(&trapped), "{stop}");
    assert_eq!(second.ask("c"), "W86");
    let (status, _) = run.finish();
    assert_eq!(status, Some(134));
}

#[test]
fn detach_lets_the_program_finish() {
    let factorial = c_function("factorial");
    let run = Served::start(Debuggee::C, &[]);
    let mut gdb = connect(&run);
    assert_eq!(
        gdb.ask(&format!("Z0,{:x},1", code_addr(0, factorial.start))),
        "OK"
    );
    assert!(gdb.ask("c").contains("swbreak"));
    assert_eq!(gdb.ask("D"), "OK");
    let (status, stdout) = run.finish();
    assert_eq!(status, Some(0));
    assert_eq!(stdout, "factorial(5) = 120\nsum = 110\ncounter = 4\n");
}

#[test]
fn serves_components() {
    let run = Served::start(Debuggee::RustComponent, &[]);
    let mut gdb = connect(&run);
    assert!(gdb.ask("?").starts_with("T05"));
    assert_ne!(gdb.pc(), 0);
    let libraries = gdb.ask("qXfer:libraries:read::0,ffff");
    assert!(libraries.matches("<library ").count() >= 1, "{libraries}");
    assert_eq!(gdb.read(code_addr(0, 0), 4).unwrap(), b"\0asm");
    assert!(gdb.ask("c").starts_with("W00"));
    let (status, stdout) = run.finish();
    assert_eq!(status, Some(0));
    assert!(stdout.starts_with("factorial(5) = 120"), "{stdout}");
}

#[test]
fn a_breakpoint_at_a_plain_code_offset_stops_there_and_says_so_plainly() {
    let factorial = c_function("factorial");
    let run = Served::start(Debuggee::C, &["basic"]);
    let mut gdb = connect(&run);
    gdb.ask("qSupported:multiprocess+;swbreak+");
    // The first module's offset, with no code-address prefix.
    assert_eq!(gdb.ask(&format!("Z0,{:x},1", factorial.start)), "OK");
    let stop = gdb.ask("c");
    assert!(stop.starts_with("T05"), "{stop}");
    let pc = stop_pc(&stop).expect("the pc comes with the stop reply");
    assert!(pc < 1 << 32, "{pc:#x} is a plain offset");
    assert!(
        factorial.contains(&pc),
        "{pc:#x} in factorial {factorial:?}"
    );
    // factorial(5), then the recursion's factorial(4) at the same pc.
    assert_eq!(gdb.ask("qWasmLocal:0;0"), "05000000");
    assert_eq!(stop_pc(&gdb.ask("c")), Some(pc));
    assert_eq!(gdb.ask("qWasmLocal:0;0"), "04000000");
    // Removed in the same form, it stops no more.
    assert_eq!(gdb.ask(&format!("z0,{:x},1", factorial.start)), "OK");
    assert!(gdb.ask("c").starts_with("W00"));
    let (status, _) = run.finish();
    assert_eq!(status, Some(0));
}
