//! A protocol fuzzer: random byte streams and packets, through the framing and the target, against a model debuggee.
//!
//! Each case is a seed; `arbitrary` turns the seed's bytes into a client's
//! actions (raw bytes, well-formed packets with hostile arguments, packets
//! cut in two, interrupts, hang-ups) and the program's (stopping a run,
//! exiting), against a model that records (and so runs backwards) or not.
//! After every action it checks what must always hold: nothing panics, the
//! conversation never fails, every byte sent back is an ack or a packet
//! with a correct checksum that fits the packet size, and a write whose
//! data is not its declared length changes nothing.
//!
//! The normal test run fuzzes for a moment; a long run is
//! `WASMDEBUG_FUZZ_SECONDS=600 cargo test --release -p wasmdebug-gdbstub-component fuzz -- --nocapture`
//! (see docs/fuzzing.md). A failing case prints its seed;
//! `WASMDEBUG_FUZZ_SEED=N` runs that case alone.

pub(crate) mod model;

use std::time::{Duration, Instant};

use arbitrary::{Result, Unstructured};
use gdbstub::stub::state_machine::GdbStubStateMachine;

use crate::gdb::conversation::{Conversation, Machine, PACKET_SIZE};
use crate::gdb::{Debugger, packets};
use crate::inferior::Inferior;
use crate::wasmdebug::debugger::debuggee::State;
use model::Model;

/// One thing that happens to the debugger.
#[derive(Debug)]
enum Action {
    /// The client sends these bytes as they are.
    Raw(Vec<u8>),
    /// The client sends a packet, in two pieces if `cut` falls inside it.
    Packet { body: Vec<u8>, cut: usize },
    /// A memory write whose declared length may not be its data's.
    Write { body: Vec<u8>, honest: bool },
    /// The running program stops (breakpoint, trap, exit...).
    Stop(u8),
    /// The client hangs up, and the next one connects.
    Reconnect,
}

/// Up to `max` bytes.
fn some_bytes(u: &mut Unstructured, max: usize) -> Result<Vec<u8>> {
    let len = u.int_in_range(0..=max)?;
    Ok(u.bytes(len)?.to_vec())
}

fn address(u: &mut Unstructured) -> Result<u64> {
    let module: u64 = u.int_in_range(0..=3)?;
    let offset: u64 = match u.int_in_range(0..=3)? {
        0 => u.int_in_range(0..=64)?,
        1 => u.int_in_range(0..=0x2_0000)?,
        2 => u64::from(u32::MAX - u.int_in_range(0..=16)?),
        _ => return u.arbitrary(),
    };
    Ok(match u.int_in_range(0..=2)? {
        0 => 1 << 62 | module << 32 | offset,
        1 => module << 32 | offset,
        _ => u.arbitrary::<u64>()? & !(1 << 63) | offset,
    })
}

fn length(u: &mut Unstructured) -> Result<u64> {
    Ok(match u.int_in_range(0..=3)? {
        0 => u.int_in_range(0..=16)?,
        1 => u.int_in_range(0..=0x10_0000)?,
        2 => u64::from(u32::MAX),
        _ => u.arbitrary()?,
    })
}

fn small(u: &mut Unstructured) -> Result<u64> {
    Ok(match u.int_in_range(0..=4)? {
        0..=2 => u.int_in_range(0..=8)?,
        3 => u.int_in_range(0..=100_000)?,
        _ => u.arbitrary()?,
    })
}

/// A request LLDB could send, with arguments anywhere from sensible to hostile.
fn request(u: &mut Unstructured) -> Result<Vec<u8>> {
    const FIXED: &[&str] = &[
        "?",
        "g",
        "p0",
        "p1",
        "P0=00",
        "G00",
        "c",
        "s",
        "bc",
        "bs",
        "vCont?",
        "vCont;c",
        "vCont;s:p1.1",
        "vCont;s",
        "qSupported:multiprocess+;swbreak+;xmlRegisters=i386",
        "qSupported",
        "QStartNoAckMode",
        "qHostInfo",
        "qProcessInfo",
        "qRegisterInfo0",
        "qRegisterInfo1",
        "qfThreadInfo",
        "qsThreadInfo",
        "qC",
        "qAttached",
        "Hg0",
        "Hc-1",
        "T1",
        "qOffsets",
        "jThreadsInfo",
        "qXfer:features:read:target.xml:0,ffff",
        "vMustReplyEmpty",
        "D",
        "k",
        "vKill;1",
    ];
    Ok(match u.int_in_range(0..=9)? {
        0 => format!("m{:x},{:x}", address(u)?, length(u)?).into_bytes(),
        1 => format!("x{:x},{:x}", address(u)?, length(u)?).into_bytes(),
        2 => format!("Z0,{:x},{:x}", address(u)?, small(u)?).into_bytes(),
        3 => format!("z0,{:x},{:x}", address(u)?, small(u)?).into_bytes(),
        4 => {
            let kind = *u.choose(&["libraries", "memory-map"])?;
            format!("qXfer:{kind}:read::{:x},{:x}", length(u)?, length(u)?).into_bytes()
        }
        5 => {
            let kind = *u.choose(&["Local", "Global", "StackValue"])?;
            format!("qWasm{kind}:{:x};{:x}", small(u)?, small(u)?).into_bytes()
        }
        6 => format!("qWasmCallStack:{:x}", small(u)?).into_bytes(),
        7 => {
            // Noise in a well-framed packet.
            let mut body = u.choose(FIXED)?.as_bytes().to_vec();
            body.extend(some_bytes(u, 12)?);
            body
        }
        _ => u.choose(FIXED)?.as_bytes().to_vec(),
    })
}

/// An `M` or `X` packet; `honest` when its data is as long as it says.
fn write(u: &mut Unstructured) -> Result<(Vec<u8>, bool)> {
    let data = some_bytes(u, 40)?;
    let declared = if u.ratio(1, 2)? {
        data.len()
    } else {
        u.int_in_range(0..=48)?
    };
    let addr = address(u)?;
    let mut body = Vec::new();
    if u.arbitrary()? {
        body.extend(format!("M{addr:x},{declared:x}:").bytes());
        for byte in &data {
            body.extend(packets::hex_pair(*byte));
        }
    } else {
        body.extend(format!("X{addr:x},{declared:x}:").bytes());
        for &byte in &data {
            if matches!(byte, b'#' | b'$' | b'}' | b'*') {
                body.extend([b'}', byte ^ 0x20]);
            } else {
                body.push(byte);
            }
        }
    }
    Ok((body, declared == data.len()))
}

fn action(u: &mut Unstructured) -> Result<Action> {
    Ok(match u.int_in_range(0..=19)? {
        0..=2 => Action::Raw(some_bytes(u, 64)?),
        3 => Action::Raw(vec![0x03]),
        4 => Action::Raw(vec![b'$'; u.int_in_range(0..=4)?]),
        5..=6 => {
            let (body, honest) = write(u)?;
            Action::Write { body, honest }
        }
        7..=8 => Action::Stop(u.arbitrary()?),
        9 => Action::Reconnect,
        _ => {
            let body = request(u)?;
            Action::Packet {
                cut: u.int_in_range(0..=body.len() + 8)?,
                body,
            }
        }
    })
}

/// Checks that `out` is acks and well-formed packets only.
fn check_output(out: &[u8]) -> std::result::Result<(), String> {
    let mut at = 0;
    while at < out.len() {
        match out[at] {
            b'+' | b'-' => at += 1,
            b'$' => {
                let hash = out[at..]
                    .iter()
                    .position(|&c| c == b'#')
                    .ok_or("a packet without #")?;
                let body = &out[at + 1..at + hash];
                let digits = out
                    .get(at + hash + 1..at + hash + 3)
                    .ok_or("short checksum")?;
                if digits != packets::hex_pair(packets::checksum(body)) {
                    return Err(format!(
                        "bad checksum on {:?}",
                        String::from_utf8_lossy(body)
                    ));
                }
                if hash + 3 > PACKET_SIZE {
                    return Err(format!("a {}-byte reply", hash + 3));
                }
                at += hash + 3;
            }
            other => return Err(format!("stray byte {other:#x}")),
        }
    }
    Ok(())
}

/// Runs one case; `Err` says what broke.
fn run_case(data: &[u8]) -> std::result::Result<usize, String> {
    let mut u = Unstructured::new(data);
    let frames = u.int_in_range(1..=40).unwrap_or(1);
    let module = u.int_in_range(8..=4096).unwrap_or(8);
    let memory = u.int_in_range(0..=0x2_0000).unwrap_or(0);
    let mut model = Model::new(frames, module, memory);
    if u.arbitrary().unwrap_or(false) {
        model = model.recording();
    }
    let mut debugger = Debugger::new(Inferior::new(Box::new(model.clone())));
    let mut steps = 0;
    'clients: loop {
        let mut talk = Conversation::new(&mut debugger);
        let mut machine = talk.start()?;
        loop {
            // `arbitrary` answers an exhausted input with defaults forever.
            if u.is_empty() {
                return Ok(steps);
            }
            let Ok(action) = action(&mut u) else {
                return Ok(steps);
            };
            steps += 1;
            model.0.borrow_mut().writes.clear();
            let mut honest = true;
            machine = match action {
                Action::Raw(bytes) => talk.take_input(machine, &bytes)?,
                Action::Packet { body, cut } => {
                    let packet = packets::frame(&body);
                    let (first, second) = packet.split_at(cut.min(packet.len()));
                    let machine = talk.take_input(machine, first)?;
                    talk.take_input(machine, second)?
                }
                Action::Write { body, honest: h } => {
                    honest = h;
                    talk.take_input(machine, &packets::frame(&body))?
                }
                Action::Stop(how) => {
                    model.stop(how);
                    machine
                }
                Action::Reconnect => {
                    drop(talk);
                    // What the session does when a client vanishes.
                    debugger.clear_breakpoints();
                    debugger.interrupt();
                    if matches!(model.0.borrow().state, State::Exited(_)) {
                        return Ok(steps);
                    }
                    continue 'clients;
                }
            };
            if !honest && !model.0.borrow().writes.is_empty() {
                return Err("a write with the wrong length changed memory".into());
            }
            if let GdbStubStateMachine::Running(gdb) = machine {
                let running: Machine = gdb.into();
                machine = match talk.debugger.event() {
                    Some(event) => talk.report(running, event)?,
                    None => running,
                };
            }
            let mut out = Vec::new();
            let _ = talk.flush(|bytes| {
                out.extend_from_slice(bytes);
                Ok::<(), ()>(())
            });
            check_output(&out)?;
            if Conversation::end(&machine).is_some() {
                return Ok(steps);
            }
        }
    }
}

/// The bytes of case `seed`: a splitmix64 stream, so a seed names a case.
fn case_bytes(seed: u64) -> Vec<u8> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let len = 64 + (next() % 8192) as usize;
    (0..len).map(|_| next() as u8).collect()
}

fn run_seed(seed: u64) -> std::result::Result<usize, String> {
    let bytes = case_bytes(seed);
    match std::panic::catch_unwind(|| run_case(&bytes)) {
        Ok(result) => result,
        Err(panic) => Err(crate::fuzz::panic_text(&panic)),
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    let text = panic.downcast_ref::<&str>().map(|s| s.to_string());
    let text = text.or_else(|| panic.downcast_ref::<String>().cloned());
    format!("panic: {}", text.unwrap_or_default())
}

#[test]
fn fuzz() {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(seed) = env("WASMDEBUG_FUZZ_SEED") {
        run_seed(seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        return;
    }
    let limit = Duration::from_secs(env("WASMDEBUG_FUZZ_SECONDS").unwrap_or(2));
    let first = env("WASMDEBUG_FUZZ_FIRST_SEED").unwrap_or(0);
    let started = Instant::now();
    let (mut cases, mut actions) = (0u64, 0usize);
    let mut failures = Vec::new();
    while started.elapsed() < limit {
        let seed = first + cases;
        match run_seed(seed) {
            Ok(n) => actions += n,
            Err(e) => failures.push(format!("seed {seed}: {e}")),
        }
        cases += 1;
    }
    println!(
        "fuzz: {cases} cases, {actions} actions in {:.0?}, {} failures",
        started.elapsed(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Fuzzing found this one: `m` at a code address of module 0x10d9f095 made
/// the bytecode cache grow to that many slots, gigabytes for one packet.
#[test]
fn regression_read_at_a_huge_module_index() {
    let mut debugger = Debugger::new(Inferior::new(Box::new(Model::new(1, 64, 0))));
    let mut talk = Conversation::new(&mut debugger);
    let machine = talk.start().unwrap();
    let packet = packets::frame(b"m50d9f095e3a7a33f,ffffffff");
    talk.take_input(machine, &packet).unwrap();
    let mut out = Vec::new();
    talk.flush(|bytes| {
        out.extend_from_slice(bytes);
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(out, [b"+".as_slice(), &packets::frame(b"E0e")].concat());
}
