//! A raw GDB remote protocol client, for tests that speak packets to the debugger over TCP.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::Served;
use super::packet;
pub use super::packet::frame;

/// LLDB's Wasm address of byte `offset` of module `module`'s bytecode.
pub fn code_addr(module: u64, offset: u64) -> u64 {
    1 << 62 | module << 32 | offset
}

/// Connects to the debugger and turns acks off, as LLDB does.
pub fn connect(served: &Served) -> Client {
    connect_to(&served.addr)
}

/// Like `connect`, to any address.
pub fn connect_to(addr: impl ToSocketAddrs) -> Client {
    let mut client = open(addr);
    client.acks = true;
    assert_eq!(client.ask("QStartNoAckMode"), "OK");
    client.acks = false;
    client
}

/// Connects and sends nothing, not even acks: for a client that reads
/// what the debugger says first (a refusal, say).
pub fn open(addr: impl ToSocketAddrs) -> Client {
    let stream = TcpStream::connect(addr).expect("connect to the debugger");
    // An ack and the next packet go in separate writes; Nagle would hold
    // the second for the debugger's delayed ACK.
    stream.set_nodelay(true).expect("set TCP_NODELAY");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set timeout");
    Client {
        stream,
        acks: false,
    }
}

pub struct Client {
    pub stream: TcpStream,
    pub acks: bool,
}

impl Client {
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send to the debugger");
    }

    pub fn send(&mut self, body: &str) {
        self.send_raw(&frame(body.as_bytes()));
    }

    /// Reads one packet and returns its body, run-length decoded.
    pub fn recv(&mut self) -> String {
        let mut byte = [0u8];
        loop {
            self.stream
                .read_exact(&mut byte)
                .expect("read from the debugger");
            match byte[0] {
                b'$' => break,
                b'+' => continue,
                other => panic!("unexpected byte {other:#x} between packets"),
            }
        }
        let mut body = Vec::new();
        loop {
            self.stream.read_exact(&mut byte).expect("read packet body");
            if byte[0] == b'#' {
                break;
            }
            body.push(byte[0]);
        }
        let mut digits = [0u8; 2];
        self.stream.read_exact(&mut digits).expect("read checksum");
        assert_eq!(
            std::str::from_utf8(&digits).unwrap(),
            format!("{:02x}", packet::checksum(&body)),
            "checksum of {:?}",
            String::from_utf8_lossy(&body)
        );
        if self.acks {
            self.send_raw(b"+");
        }
        String::from_utf8_lossy(&run_length_decode(&body)).into_owned()
    }

    pub fn ask(&mut self, body: &str) -> String {
        self.send(body);
        self.recv()
    }

    /// Reads memory and returns the bytes, or the error reply.
    pub fn read(&mut self, addr: u64, len: usize) -> Result<Vec<u8>, String> {
        let reply = self.ask(&format!("m{addr:x},{len:x}"));
        if reply.starts_with('E') {
            return Err(reply);
        }
        Ok(unhex(&reply))
    }

    /// The pc, through `p0`.
    pub fn pc(&mut self) -> u64 {
        le_u64(&unhex(&self.ask("p0")))
    }
}

fn run_length_decode(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'*' && i + 1 < body.len() {
            let last = *out.last().expect("a run repeats something");
            out.extend(std::iter::repeat_n(last, (body[i + 1] - 29) as usize));
            i += 2;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

pub fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_else(|_| panic!("hex {text:?}")))
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn le_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word[..bytes.len().min(8)].copy_from_slice(&bytes[..bytes.len().min(8)]);
    u64::from_le_bytes(word)
}

/// The pc in a `T` stop reply (register 0, little endian).
pub fn stop_pc(reply: &str) -> Option<u64> {
    let value = reply.split(';').find_map(|pair| pair.strip_prefix("00:"))?;
    Some(le_u64(&unhex(value)))
}
