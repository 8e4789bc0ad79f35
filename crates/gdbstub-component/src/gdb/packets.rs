//! Cuts the client's byte stream into whole packets before gdbstub sees them.
//!
//! gdbstub treats a bad checksum, a stray byte or an oversized packet as the
//! end of the session; checking framing here first lets us answer those with
//! an error instead and keep going.

/// What the client sent.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// `$body#xx` with a checksum that matches: the whole packet.
    Packet(&'a [u8]),
    /// `\x03`, the interrupt request.
    Interrupt,
    /// A packet whose checksum does not match its body.
    Corrupt,
    /// A packet longer than the PacketSize we advertise.
    Oversized,
}

enum State {
    /// Between packets; acks and stray bytes are dropped here.
    Between,
    Body,
    Checksum1,
    Checksum2,
}

pub struct Framer {
    buf: Vec<u8>,
    limit: usize,
    state: State,
    sum: u8,
    oversized: bool,
}

impl Framer {
    /// Packets longer than `limit` bytes, `$` and checksum included, are refused.
    pub fn new(limit: usize) -> Self {
        Framer {
            buf: Vec::with_capacity(4096),
            limit,
            state: State::Between,
            sum: 0,
            oversized: false,
        }
    }

    /// Takes one byte; returns a frame when it completes one.
    pub fn push(&mut self, byte: u8) -> Option<Frame<'_>> {
        match self.state {
            State::Between => {
                match byte {
                    b'$' => {
                        self.buf.clear();
                        self.buf.push(byte);
                        self.sum = 0;
                        self.oversized = false;
                        self.state = State::Body;
                    }
                    0x03 => return Some(Frame::Interrupt),
                    _ => {}
                }
                None
            }
            State::Body => {
                if byte == b'#' {
                    self.state = State::Checksum1;
                } else {
                    self.sum = self.sum.wrapping_add(byte);
                }
                self.keep(byte);
                None
            }
            State::Checksum1 => {
                self.state = State::Checksum2;
                self.keep(byte);
                None
            }
            State::Checksum2 => {
                self.state = State::Between;
                self.keep(byte);
                if self.oversized {
                    return Some(Frame::Oversized);
                }
                let n = self.buf.len();
                let sent = hex_digit(self.buf[n - 2]).zip(hex_digit(self.buf[n - 1]));
                match sent {
                    Some((high, low)) if high << 4 | low == self.sum => {
                        Some(Frame::Packet(&self.buf))
                    }
                    _ => Some(Frame::Corrupt),
                }
            }
        }
    }

    fn keep(&mut self, byte: u8) {
        if self.buf.len() < self.limit {
            self.buf.push(byte);
        } else {
            self.oversized = true;
        }
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The body of a whole packet (`$body#xx`).
pub fn body(packet: &[u8]) -> &[u8] {
    packet
        .get(1..packet.len().saturating_sub(3))
        .unwrap_or_default()
}

/// Frames `body` as a packet.
pub fn frame(body: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let sum = body.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    let mut packet = Vec::with_capacity(body.len() + 4);
    packet.push(b'$');
    packet.extend_from_slice(body);
    packet.extend_from_slice(&[b'#', HEX[(sum >> 4) as usize], HEX[(sum & 15) as usize]]);
    packet
}

/// The address and length of a memory read (`m ADDR,LENGTH`, both hex).
pub fn memory_read(body: &[u8]) -> Option<(u64, usize)> {
    let rest = body.strip_prefix(b"m")?;
    let comma = rest.iter().position(|&c| c == b',')?;
    let addr = hex_number(&rest[..comma])?;
    let len = hex_number(&rest[comma + 1..])?;
    Some((addr, usize::try_from(len).ok()?))
}

fn hex_number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    digits
        .iter()
        .try_fold(0u64, |n, &c| Some(n << 4 | u64::from(hex_digit(c)?)))
}

/// Appends `bytes` to `out` as one packet of hex digits: the reply to a
/// memory read. Bulk reads make this the hottest loop, so it stores each
/// byte's digit pair into a buffer sized up front: a two-byte
/// `extend_from_slice` per byte compiles to a `memory.copy` call, a host
/// call in Wasm.
pub fn hex_packet(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'$');
    let start = out.len();
    out.resize(start + bytes.len() * 2, 0);
    let mut sum = 0u32;
    for (pair, &byte) in out[start..].chunks_exact_mut(2).zip(bytes) {
        let [high, low] = HEX_PAIRS[usize::from(byte)];
        pair[0] = high;
        pair[1] = low;
        sum += u32::from(high) + u32::from(low);
    }
    let [high, low] = HEX_PAIRS[usize::from(sum as u8)];
    out.extend_from_slice(&[b'#', high, low]);
}

/// Each byte's two lowercase hex digits.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let digits = b"0123456789abcdef";
    let mut pairs = [[0; 2]; 256];
    let mut byte = 0;
    while byte < 256 {
        pairs[byte] = [digits[byte >> 4], digits[byte & 15]];
        byte += 1;
    }
    pairs
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` and describes each frame that comes out.
    fn frames(limit: usize, input: &[u8]) -> Vec<String> {
        let mut framer = Framer::new(limit);
        let mut out = Vec::new();
        for &byte in input {
            if let Some(frame) = framer.push(byte) {
                out.push(match frame {
                    Frame::Packet(p) => String::from_utf8_lossy(p).into_owned(),
                    other => format!("{other:?}"),
                });
            }
        }
        out
    }

    #[test]
    fn frames_packets() {
        let cases: [(&[u8], &[&str]); 9] = [
            (b"$?#3f", &["$?#3f"]),
            (b"+$?#3f+$g#67", &["$?#3f", "$g#67"]),
            (b"$?#3F", &["$?#3F"]),
            (b"$?#3e", &["Corrupt"]),
            (b"$?#zz$?#3f", &["Corrupt", "$?#3f"]),
            (b"\x03", &["Interrupt"]),
            (b"garbage-\x03$#00", &["Interrupt", "$#00"]),
            (b"$g#67$g#68", &["$g#67", "Corrupt"]),
            (b"$qSupported#37", &["$qSupported#37"]),
        ];
        for (input, expected) in cases {
            assert_eq!(
                frames(64, input),
                expected,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn refuses_oversized_packets_and_recovers() {
        let big = frame(&[b'x'; 20]);
        let mut input = big.clone();
        input.extend_from_slice(b"$?#3f");
        assert_eq!(frames(16, &input), ["Oversized", "$?#3f"]);
        assert_eq!(frames(big.len(), &big), [String::from_utf8(big).unwrap()]);
    }

    #[test]
    fn parses_memory_reads() {
        type Case<'a> = (&'a [u8], Option<(u64, usize)>);
        let cases: [Case; 8] = [
            (b"m0,4", Some((0, 4))),
            (
                b"m4000000000000000,20000",
                Some((0x4000_0000_0000_0000, 0x20000)),
            ),
            (b"mFFffffffffffffff,1", Some((u64::MAX, 1))),
            (b"m10000000000000000,1", None),
            (b"m,4", None),
            (b"m0,", None),
            (b"mzz,4", None),
            (b"M0,4:00", None),
        ];
        for (body, expected) in cases {
            assert_eq!(
                memory_read(body),
                expected,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn hex_packets_are_framed() {
        let mut out = b"+".to_vec();
        hex_packet(&mut out, &[0x00, 0x61, 0x73, 0x6d, 0xff]);
        assert_eq!(out, [b"+".as_slice(), &frame(b"0061736dff")].concat());
        let mut out = Vec::new();
        hex_packet(&mut out, &[]);
        assert_eq!(out, frame(b""));
        let every_byte: Vec<u8> = (0..=255).collect();
        let digits: String = every_byte.iter().map(|b| format!("{b:02x}")).collect();
        let mut out = Vec::new();
        hex_packet(&mut out, &every_byte);
        assert_eq!(out, frame(digits.as_bytes()));
    }

    #[test]
    fn frames_and_unframes_bodies() {
        assert_eq!(frame(b"OK"), b"$OK#9a");
        assert_eq!(frame(b""), b"$#00");
        assert_eq!(body(b"$OK#9a"), b"OK");
        assert_eq!(body(b"$#00"), b"");
        assert_eq!(body(b""), b"");
    }
}
