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
    let sum = checksum(body);
    let mut packet = Vec::with_capacity(body.len() + 4);
    packet.push(b'$');
    packet.extend_from_slice(body);
    packet.push(b'#');
    packet.extend_from_slice(&hex_pair(sum));
    packet
}

/// The whole packet `packet` with `fields` added at the end of its body,
/// framed afresh; `packet` unchanged if it is not one whole packet.
pub fn with_fields(packet: &[u8], fields: &[u8]) -> Vec<u8> {
    let whole =
        packet.first() == Some(&b'$') && packet.len() >= 4 && packet[packet.len() - 3] == b'#';
    if !whole {
        return packet.to_vec();
    }
    let mut body = body(packet).to_vec();
    body.extend_from_slice(fields);
    frame(&body)
}

/// A packet body's checksum: the sum of its bytes, modulo 256.
pub fn checksum(body: &[u8]) -> u8 {
    body.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte))
}

/// Whether `body` is a memory write (`M addr,len:hex` or `X addr,len:binary`)
/// whose data is not `len` bytes long, or whose length cannot be read.
///
/// gdbstub ignores `len` and writes whatever data came, so a truncated write
/// would be half applied. The fields are split as gdbstub splits them.
pub fn bad_write(body: &[u8]) -> bool {
    let (len, data) = match body.split_first() {
        Some((b'M', rest)) => {
            let mut fields = rest.split(|&c| c == b',' || c == b':').skip(1);
            let (Some(len), Some(data)) = (fields.next(), fields.next()) else {
                return true;
            };
            let bytes = data.len().is_multiple_of(2).then_some(data.len() / 2);
            (len, bytes)
        }
        Some((b'X', rest)) => {
            let mut fields = rest.splitn(3, |&c| c == b',' || c == b':').skip(1);
            let (Some(len), Some(data)) = (fields.next(), fields.next()) else {
                return true;
            };
            (len, unescaped_len(data))
        }
        _ => return false,
    };
    match (hex_number(len), data) {
        (Some(len), Some(data)) => len != data as u64,
        _ => true,
    }
}

/// The length of binary data once its `}` escapes are undone; `None` if it
/// ends in the middle of one.
fn unescaped_len(data: &[u8]) -> Option<usize> {
    let mut len = 0;
    let mut bytes = data.iter();
    while let Some(&byte) = bytes.next() {
        if byte == b'}' {
            bytes.next()?;
        }
        len += 1;
    }
    Some(len)
}

/// The address and length of a memory read (`m ADDR,LENGTH`, both hex).
pub fn memory_read(body: &[u8]) -> Option<(u64, usize)> {
    let rest = body.strip_prefix(b"m")?;
    let comma = rest.iter().position(|&c| c == b',')?;
    let addr = hex_number(&rest[..comma])?;
    let len = hex_number(&rest[comma + 1..])?;
    // The reply is cut to a packet's size anyway (usize is 32 bits in Wasm).
    Some((addr, usize::try_from(len).unwrap_or(usize::MAX)))
}

fn hex_number(digits: &[u8]) -> Option<u64> {
    // Leading zeros are still hex; gdbstub reads them too.
    let digits = match digits.iter().position(|&c| c != b'0') {
        Some(first) => &digits[first..],
        None if digits.is_empty() => return None,
        None => return Some(0),
    };
    if digits.len() > 16 {
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
    out.push(b'#');
    out.extend_from_slice(&hex_pair(sum as u8));
}

/// A byte's two lowercase hex digits.
pub fn hex_pair(byte: u8) -> [u8; 2] {
    HEX_PAIRS[usize::from(byte)]
}

/// Each byte's two lowercase hex digits: the one copy of the digits.
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
        let cases: [Case; 9] = [
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
            (b"m00000000000000000010,4", Some((0x10, 4))),
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
    fn refuses_writes_whose_data_is_not_their_length() {
        let cases: [(&[u8], bool); 17] = [
            (b"M0,1:00", false),
            (b"M40000000,4:deadBEEF", false),
            (b"M0,0:", false),
            (b"M0,8:00", true),
            (b"M0,1:0000", true),
            (b"M0,1:000", true),
            (b"M0,1", true),
            (b"M0,zz:00", true),
            (b"M0,00000000000000000001:00", false),
            (b"X0,0:", false),
            (b"X0,3:a:b", false),
            (b"X0,2:}]}\x03", false),
            (b"X0,2:}]", true),
            (b"X0,1:}", true),
            (b"X0,8:\x01", true),
            (b"m0,8", false),
            (b"qXfer:libraries:read::0,ffff", false),
        ];
        for (body, expected) in cases {
            assert_eq!(
                bad_write(body),
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

    #[test]
    fn adds_fields_to_a_whole_packet_only() {
        assert_eq!(with_fields(b"$T05#b9", b"a:1;"), frame(b"T05a:1;"));
        assert_eq!(with_fields(b"T05", b"a:1;"), b"T05");
        assert_eq!(with_fields(b"", b"a:1;"), b"");
    }
}
