//! LLDB's 64-bit Wasm address space, mapped onto the debuggee's modules and memories.
//!
//! An address is (type, index, offset), as `gdbstub_arch::wasm::addr` encodes it:
//! code addresses name a module (its index in the host's `modules()` list) and a
//! byte offset in its original bytecode; data addresses name a linear memory and
//! an offset in it. Memories are numbered by flattening every (instance, memory)
//! pair of `instances()` in order, so memory 0 is the first instance's first
//! memory.

use core::ops::Range;

use gdbstub_arch::wasm::addr::{WasmAddr, WasmAddrType};

/// What an address points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Byte `offset` of module `module`'s bytecode.
    Code { module: u32, offset: u32 },
    /// Byte `offset` of memory `memory`, numbered as in [`MemoryIndex`].
    Data { memory: u32, offset: u32 },
}

/// Decodes an address from the client; `None` for a type LLDB has but we do not serve.
pub fn decode(raw: u64) -> Option<Place> {
    let addr = WasmAddr::from_raw(raw)?;
    let (index, offset) = (addr.module_index(), addr.offset());
    Some(match addr.addr_type() {
        WasmAddrType::Object => Place::Code {
            module: index,
            offset,
        },
        WasmAddrType::Memory => Place::Data {
            memory: index,
            offset,
        },
    })
}

/// The address of byte `offset` of module `module`'s bytecode.
pub fn code(module: u32, offset: u32) -> Option<u64> {
    WasmAddr::new(WasmAddrType::Object, module, offset).map(WasmAddr::as_raw)
}

/// The address of byte `offset` of memory `memory`.
pub fn data(memory: u32, offset: u32) -> Option<u64> {
    WasmAddr::new(WasmAddrType::Memory, memory, offset).map(WasmAddr::as_raw)
}

/// The offset in the module's memory 0 of a C global that LLDB names by
/// byte `offset` of the module, whose code section's contents span
/// `code_section`; `None` outside the code section.
///
/// DWARF places a global at `DW_OP_addr`, an address in memory 0. LLDB 23
/// looks it up as a file address, and its Wasm object file puts the code
/// section at file addresses `0..size` (DWARF's code addresses) ahead of the
/// data segments, so a global below that size resolves into the code section:
/// LLDB asks for the module's code address `code_section.start + address`.
/// Code is never written or watched, so a write or a watchpoint there is
/// for the global.
pub fn global_in_code(code_section: &Range<u32>, offset: u32) -> Option<u32> {
    code_section
        .contains(&offset)
        .then(|| offset - code_section.start)
}

/// The part of a `len`-byte access at `offset` that lies inside a region of
/// `size` bytes; `None` when it starts at or past the end. Reads that run off
/// the end are answered short rather than refused, as LLDB reads in whole
/// cache lines.
pub fn clamp(offset: u64, len: usize, size: u64) -> Option<Range<u64>> {
    if offset >= size || len == 0 {
        return None;
    }
    let end = offset.saturating_add(len as u64).min(size);
    Some(offset..end)
}

/// Every (instance, memory) pair of the program in address-space order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryIndex {
    pairs: Vec<(u32, u32)>,
}

impl MemoryIndex {
    /// Flattens the memory counts of the instances, given in instance order.
    pub fn new(memories_per_instance: impl IntoIterator<Item = u32>) -> Self {
        let mut pairs = Vec::new();
        for (instance, count) in memories_per_instance.into_iter().enumerate() {
            pairs.extend((0..count).map(|memory| (instance as u32, memory)));
        }
        MemoryIndex { pairs }
    }

    /// The (instance, memory) pair of address-space memory `index`.
    pub fn get(&self, index: u32) -> Option<(u32, u32)> {
        self.pairs.get(index as usize).copied()
    }

    /// The address-space index of the (instance, memory) pair, if shown.
    pub fn position(&self, instance: u32, memory: u32) -> Option<u32> {
        let index = self
            .pairs
            .iter()
            .position(|&pair| pair == (instance, memory))?;
        u32::try_from(index).ok()
    }

    #[allow(clippy::len_without_is_empty)] // never asked
    pub fn len(&self) -> usize {
        self.pairs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OBJECT: u64 = 1 << 62;

    #[test]
    fn decodes_what_it_encodes() {
        let cases = [
            (
                code(0, 0),
                Place::Code {
                    module: 0,
                    offset: 0,
                },
            ),
            (
                code(3, 0x1a2),
                Place::Code {
                    module: 3,
                    offset: 0x1a2,
                },
            ),
            (
                code(0, u32::MAX),
                Place::Code {
                    module: 0,
                    offset: u32::MAX,
                },
            ),
            (
                data(0, 0x10),
                Place::Data {
                    memory: 0,
                    offset: 0x10,
                },
            ),
            (
                data(7, 0xffff),
                Place::Data {
                    memory: 7,
                    offset: 0xffff,
                },
            ),
        ];
        for (raw, place) in cases {
            let raw = raw.expect("index in range");
            assert_eq!(decode(raw), Some(place), "{raw:#x}");
        }
    }

    #[test]
    fn matches_lldbs_encoding() {
        // LLDB's wasm_addr_t: 2 type bits (0 memory, 1 object), 30 index bits, 32 offset bits.
        assert_eq!(code(0, 0x1ad), Some(OBJECT | 0x1ad));
        assert_eq!(code(2, 5), Some(OBJECT | (2 << 32) | 5));
        assert_eq!(data(1, 0x400), Some((1 << 32) | 0x400));
        assert_eq!(
            decode(0x400),
            Some(Place::Data {
                memory: 0,
                offset: 0x400
            })
        );
    }

    #[test]
    fn refuses_what_it_cannot_encode() {
        assert_eq!(code(1 << 30, 0), None);
        assert_eq!(data(u32::MAX, 0), None);
        // Types 2 and 3 are not ours to serve.
        assert_eq!(decode(2 << 62), None);
        assert_eq!(decode(u64::MAX), None);
    }

    #[test]
    fn finds_globals_lldb_names_by_code_addresses() {
        // One build of examples/c/debuggee.c at -O0: its code section
        // starts at 0x386, and `counter` is at 0x1000 of memory 0.
        let code_section = 0x386..0x905b;
        let cases = [
            (0x1386, Some(0x1000)),
            (0x386, Some(0)),
            (0x905a, Some(0x8cd4)),
            (0x905b, None),
            (0x385, None),
            (0, None),
        ];
        for (offset, expected) in cases {
            assert_eq!(
                global_in_code(&code_section, offset),
                expected,
                "{offset:#x}"
            );
        }
        assert_eq!(global_in_code(&(8..8), 8), None);
    }

    #[test]
    fn clamps_accesses_to_the_region() {
        let cases = [
            ((0, 4, 10), Some(0..4)),
            ((8, 4, 10), Some(8..10)),
            ((9, 1, 10), Some(9..10)),
            ((10, 1, 10), None),
            ((11, 1, 10), None),
            ((0, 0, 10), None),
            ((u64::MAX - 1, 8, u64::MAX), Some(u64::MAX - 1..u64::MAX)),
        ];
        for ((offset, len, size), expected) in cases {
            assert_eq!(clamp(offset, len, size), expected, "{offset} {len} {size}");
        }
    }

    #[test]
    fn flattens_memories_in_instance_order() {
        let index = MemoryIndex::new([1, 0, 2, 1]);
        let pairs: Vec<_> = (0..index.len() as u32)
            .filter_map(|i| index.get(i))
            .collect();
        assert_eq!(pairs, [(0, 0), (2, 0), (2, 1), (3, 0)]);
        assert_eq!(index.get(0), Some((0, 0)));
        assert_eq!(index.get(2), Some((2, 1)));
        assert_eq!(index.get(4), None);
        assert_eq!(index.len(), 4);
        assert_eq!(index.position(2, 1), Some(2));
        assert_eq!(index.position(3, 0), Some(3));
        assert_eq!(index.position(1, 0), None);
        assert_eq!(MemoryIndex::new([0, 0]).len(), 0);
        assert_eq!(MemoryIndex::new([]).len(), 0);
    }
}
