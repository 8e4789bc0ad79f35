//! Hostile clients, limits, long sessions, broken connections, misbehaving debugger components and Ctrl-C.
//!
//! Each test drives the real binary over real sockets and is bounded in
//! time; the guarantees it checks are the ones README's "Robustness" states.

mod bad_packets;
mod components;
mod ctrl_c;
mod limits;
mod sessions;
#[path = "../support/mod.rs"]
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
