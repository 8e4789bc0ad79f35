//! Reading a module's bytecode: where its code section lies.

use core::ops::Range;

/// The preamble of a core module: magic and version 1.
const PREAMBLE: &[u8; 8] = b"\0asm\x01\0\0\0";

/// The id of the code section: <https://webassembly.github.io/spec/core/binary/modules.html#sections>.
const CODE_SECTION: u8 = 10;

/// The byte offsets of the code section's contents (after its id and size),
/// where LLDB's Wasm object file places the section; `None` for bytes that
/// are not a well-formed core module with a code section.
pub fn code_section(bytecode: &[u8]) -> Option<Range<u32>> {
    if !bytecode.starts_with(PREAMBLE) {
        return None;
    }
    let mut at = PREAMBLE.len();
    while let Some(&id) = bytecode.get(at) {
        let (size, size_len) = uleb32(&bytecode[at + 1..])?;
        let start = at + 1 + size_len;
        let end = start.checked_add(size as usize)?;
        if end > bytecode.len() {
            return None;
        }
        if id == CODE_SECTION {
            return Some(u32::try_from(start).ok()?..u32::try_from(end).ok()?);
        }
        at = end;
    }
    None
}

/// An unsigned LEB128 of at most 32 bits, and how many bytes it took.
fn uleb32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, &byte) in bytes.iter().take(5).enumerate() {
        let bits = u32::from(byte & 0x7f);
        // The fifth byte holds the top 4 bits only.
        if i == 4 && bits > 0x0f {
            return None;
        }
        value |= bits << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of these (id, contents) sections.
    fn module(sections: &[(u8, &[u8])]) -> Vec<u8> {
        let mut bytes = PREAMBLE.to_vec();
        for (id, contents) in sections {
            bytes.push(*id);
            let mut size = contents.len();
            loop {
                let byte = (size & 0x7f) as u8;
                size >>= 7;
                if size == 0 {
                    bytes.push(byte);
                    break;
                }
                bytes.push(byte | 0x80);
            }
            bytes.extend_from_slice(contents);
        }
        bytes
    }

    #[test]
    fn finds_the_code_sections_contents() {
        let big = vec![0u8; 200];
        let cases: [(Vec<u8>, Option<Range<u32>>); 7] = [
            (module(&[(1, &[0]), (10, &[1, 2, 3])]), Some(13..16)),
            (module(&[(10, &[])]), Some(10..10)),
            // A two-byte size before the contents.
            (module(&[(10, &big)]), Some(11..211)),
            (module(&[(0, b"\x04name"), (11, &[0])]), None),
            // Cut short, or not a core module at all.
            (module(&[(1, &[0]), (10, &[1, 2, 3])])[..14].to_vec(), None),
            (b"\0asm\x0d\0\x01\0".to_vec(), None),
            (b"\0asm\x01\0\0\0\x0a\xff\xff\xff\xff\x7f".to_vec(), None),
        ];
        for (bytecode, expected) in cases {
            assert_eq!(code_section(&bytecode), expected, "{bytecode:x?}");
        }
    }

    #[test]
    fn reads_leb128() {
        #[track_caller]
        fn check(bytes: &[u8], expected: Option<(u32, usize)>) {
            assert_eq!(uleb32(bytes), expected, "{bytes:x?}");
        }
        check(&[0], Some((0, 1)));
        check(&[0xe5, 0x8e, 0x26], Some((624_485, 3)));
        check(&[0xff, 0xff, 0xff, 0xff, 0x0f], Some((u32::MAX, 5)));
        check(&[0xff, 0xff, 0xff, 0xff, 0x1f], None);
        check(&[0x80, 0x80], None);
        check(&[], None);
    }
}
