//! Which instructions of a module touch linear memory, and where: what a
//! watchpoint needs to know before an instruction runs.
//!
//! The address comes from the operand stack, so an access names the
//! operand (counted from the top) that holds it. Atomic read-modify-write
//! instructions and host calls are not decoded: a write watchpoint still
//! sees what they change (see `watch`), a read watchpoint does not.

use std::collections::HashMap;

use wasmparser::{MemArg, Operator};

use super::bytecode;

/// One access an instruction makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    /// The memory, in the module's memory index space.
    pub memory: u32,
    /// Added to the address operand.
    pub offset: u64,
    /// The operand holding the address, 0 being the top of the stack.
    pub address: u32,
    pub size: Size,
    pub write: bool,
}

/// How many bytes an access covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Bytes(u64),
    /// Given by an operand (bulk memory instructions), counted as `address`.
    Operand(u32),
}

/// Every memory-touching instruction of the module, by pc. Empty if the
/// bytecode does not parse.
pub fn memory_accesses(bytecode: &[u8]) -> HashMap<u32, Vec<Access>> {
    let mut accesses = HashMap::new();
    for (operator, offset) in bytecode::function_bodies(bytecode).flatten() {
        let found = of(&operator);
        if !found.is_empty() {
            accesses.insert(offset, found);
        }
    }
    accesses
}

/// The accesses `operator` makes.
fn of(operator: &Operator<'_>) -> Vec<Access> {
    use Operator::*;
    // Loads take the address on top; stores take the value above it.
    let load = |memarg: &MemArg| vec![fixed(memarg, 0, false)];
    let store = |memarg: &MemArg| vec![fixed(memarg, 1, true)];
    match operator {
        I32Load { memarg }
        | I64Load { memarg }
        | F32Load { memarg }
        | F64Load { memarg }
        | I32Load8S { memarg }
        | I32Load8U { memarg }
        | I32Load16S { memarg }
        | I32Load16U { memarg }
        | I64Load8S { memarg }
        | I64Load8U { memarg }
        | I64Load16S { memarg }
        | I64Load16U { memarg }
        | I64Load32S { memarg }
        | I64Load32U { memarg }
        | V128Load { memarg }
        | V128Load8x8S { memarg }
        | V128Load8x8U { memarg }
        | V128Load16x4S { memarg }
        | V128Load16x4U { memarg }
        | V128Load32x2S { memarg }
        | V128Load32x2U { memarg }
        | V128Load8Splat { memarg }
        | V128Load16Splat { memarg }
        | V128Load32Splat { memarg }
        | V128Load64Splat { memarg }
        | V128Load32Zero { memarg }
        | V128Load64Zero { memarg }
        | I32AtomicLoad { memarg }
        | I64AtomicLoad { memarg }
        | I32AtomicLoad8U { memarg }
        | I32AtomicLoad16U { memarg }
        | I64AtomicLoad8U { memarg }
        | I64AtomicLoad16U { memarg }
        | I64AtomicLoad32U { memarg } => load(memarg),
        // A lane load takes the vector above the address.
        V128Load8Lane { memarg, .. }
        | V128Load16Lane { memarg, .. }
        | V128Load32Lane { memarg, .. }
        | V128Load64Lane { memarg, .. } => vec![fixed(memarg, 1, false)],
        I32Store { memarg }
        | I64Store { memarg }
        | F32Store { memarg }
        | F64Store { memarg }
        | I32Store8 { memarg }
        | I32Store16 { memarg }
        | I64Store8 { memarg }
        | I64Store16 { memarg }
        | I64Store32 { memarg }
        | V128Store { memarg }
        | V128Store8Lane { memarg, .. }
        | V128Store16Lane { memarg, .. }
        | V128Store32Lane { memarg, .. }
        | V128Store64Lane { memarg, .. }
        | I32AtomicStore { memarg }
        | I64AtomicStore { memarg }
        | I32AtomicStore8 { memarg }
        | I32AtomicStore16 { memarg }
        | I64AtomicStore8 { memarg }
        | I64AtomicStore16 { memarg }
        | I64AtomicStore32 { memarg } => store(memarg),
        // (destination, value, length)
        MemoryFill { mem } => vec![bulk(*mem, 2, true)],
        // (destination, source, length)
        MemoryCopy { dst_mem, src_mem } => vec![bulk(*dst_mem, 2, true), bulk(*src_mem, 1, false)],
        MemoryInit { mem, .. } => vec![bulk(*mem, 2, true)],
        _ => Vec::new(),
    }
}

/// An access of the size the instruction's natural alignment gives (for
/// every load and store, its access size).
fn fixed(memarg: &MemArg, address: u32, write: bool) -> Access {
    Access {
        memory: memarg.memory,
        offset: memarg.offset,
        address,
        size: Size::Bytes(1 << memarg.max_align),
        write,
    }
}

/// A bulk memory access: its length is on top of the stack.
fn bulk(memory: u32, address: u32, write: bool) -> Access {
    Access {
        memory,
        offset: 0,
        address,
        size: Size::Operand(0),
        write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_loads_stores_and_bulk_operations() {
        let module = wat::parse_str(
            r#"(module
                (memory 1) (memory 1)
                (func (param i32)
                  local.get 0 i32.load offset=8
                  drop
                  local.get 0 i64.const 1 i64.store16 1 offset=2
                  local.get 0 local.get 0 i32.const 4 memory.copy 0 1
                  local.get 0 v128.load8_splat
                  drop))"#,
        )
        .unwrap();
        let mut found: Vec<_> = memory_accesses(&module).into_iter().collect();
        found.sort_by_key(|(pc, _)| *pc);
        let accesses: Vec<Vec<Access>> = found.into_iter().map(|(_, a)| a).collect();
        let access = |memory, offset, address, size, write| Access {
            memory,
            offset,
            address,
            size,
            write,
        };
        assert_eq!(
            accesses,
            vec![
                vec![access(0, 8, 0, Size::Bytes(4), false)],
                vec![access(1, 2, 1, Size::Bytes(2), true)],
                vec![
                    access(0, 0, 2, Size::Operand(0), true),
                    access(1, 0, 1, Size::Operand(0), false),
                ],
                vec![access(0, 0, 0, Size::Bytes(1), false)],
            ]
        );
    }
}
