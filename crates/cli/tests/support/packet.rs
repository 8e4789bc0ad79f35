//! GDB remote protocol framing for the tests and the benchmark: one place
//! that computes a packet's checksum (the benchmark includes this file).

/// The packet for `body`: `$body#xx`, `xx` its checksum.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut packet = vec![b'$'];
    packet.extend_from_slice(body);
    packet.extend_from_slice(format!("#{:02x}", checksum(body)).as_bytes());
    packet
}

/// A packet body's checksum: its bytes' sum, modulo 256.
pub fn checksum(body: &[u8]) -> u8 {
    body.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte))
}
