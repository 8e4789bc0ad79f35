//! LLDB's Wasm queries: the call stack, and a frame's locals, operands and globals.
//!
//! See "Wasm packets" in LLDB's `docs/resources/lldbgdbremote.md`.

use gdbstub::common::Tid;
use gdbstub::target::ext::wasm::Wasm;

use super::errno::EFAULT;
use super::{Debugger, Refusal, errno_of};
use crate::addr;
use crate::wasmdebug::debugger::debuggee::{Error, Value};

/// Puts a value into gdbstub's buffer (sized for a v128 at least).
fn put(value: Result<Value, Error>, buf: &mut [u8]) -> Result<usize, Refusal> {
    let value = value.map_err(|e| Refusal(errno_of(e)))?;
    let mut bytes = [0; 16];
    let len = value_bytes(&value, &mut bytes);
    let out = buf.get_mut(..len).ok_or(Refusal(EFAULT))?;
    out.copy_from_slice(&bytes[..len]);
    Ok(len)
}

fn index(n: usize) -> Result<u32, Refusal> {
    u32::try_from(n).map_err(|_| Refusal(EFAULT))
}

impl Wasm for Debugger {
    fn wasm_call_stack(&self, _tid: Tid, next_pc: &mut dyn FnMut(u64)) -> Result<(), Refusal> {
        let mut inferior = self.inferior.borrow_mut();
        let frames = inferior.frames().map_err(|e| Refusal(errno_of(e)))?;
        for frame in frames {
            let pc = addr::code(frame.location.module, frame.location.pc).ok_or(Refusal(EFAULT))?;
            next_pc(pc);
        }
        Ok(())
    }

    fn read_wasm_local(
        &self,
        _tid: Tid,
        frame: usize,
        local: usize,
        buf: &mut [u8],
    ) -> Result<usize, Refusal> {
        put(
            self.inferior.borrow().local(index(frame)?, index(local)?),
            buf,
        )
    }

    /// gdbstub counts operands from the top of the stack, the host from the bottom.
    fn read_wasm_stack(
        &self,
        _tid: Tid,
        frame: usize,
        index_from_top: usize,
        buf: &mut [u8],
    ) -> Result<usize, Refusal> {
        let frame = index(frame)?;
        let operands = self
            .inferior
            .borrow_mut()
            .frame(frame)
            .map_err(|e| Refusal(errno_of(e)))?
            .operands;
        let from_bottom =
            from_top(operands, index(index_from_top)?).ok_or(Refusal(errno_of(Error::BadIndex)))?;
        put(self.inferior.borrow().operand(frame, from_bottom), buf)
    }

    /// The global of the instance the frame runs in.
    fn read_wasm_global(
        &self,
        _tid: Tid,
        frame: usize,
        global: usize,
        buf: &mut [u8],
    ) -> Result<usize, Refusal> {
        let instance = self
            .inferior
            .borrow_mut()
            .frame(index(frame)?)
            .map_err(|e| Refusal(errno_of(e)))?
            .instance;
        put(self.inferior.borrow().global(instance, index(global)?), buf)
    }
}

/// A value's bytes as LLDB reads them: little endian, at the type's own width.
/// Returns how many bytes of `buf` it used (16 at most).
fn value_bytes(value: &Value, buf: &mut [u8; 16]) -> usize {
    let bytes: &[u8] = match *value {
        Value::I32(v) | Value::F32(v) => &v.to_le_bytes(),
        Value::I64(v) | Value::F64(v) => &v.to_le_bytes(),
        Value::V128((low, high)) => {
            buf[..8].copy_from_slice(&low.to_le_bytes());
            buf[8..].copy_from_slice(&high.to_le_bytes());
            return 16;
        }
        // References are opaque; show whether there is one.
        Value::NullRef => &0u32.to_le_bytes(),
        Value::NonNullRef => &1u32.to_le_bytes(),
    };
    buf[..bytes.len()].copy_from_slice(bytes);
    bytes.len()
}

/// Operand `index` counted from the top of a stack of `len`, counted from the bottom.
fn from_top(len: u32, index: u32) -> Option<u32> {
    len.checked_sub(index)?.checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_operands_from_the_top() {
        let cases = [
            ((3, 0), Some(2)),
            ((3, 2), Some(0)),
            ((3, 3), None),
            ((0, 0), None),
            ((1, u32::MAX), None),
        ];
        for ((len, index), expected) in cases {
            assert_eq!(from_top(len, index), expected, "{len} {index}");
        }
    }

    #[test]
    fn encodes_values_little_endian_at_their_width() {
        let cases: [(Value, &[u8]); 7] = [
            (Value::I32(0x1234_5678), &[0x78, 0x56, 0x34, 0x12]),
            (Value::F32(0x3f80_0000), &[0, 0, 0x80, 0x3f]),
            (Value::I64(0x0102_0304_0506_0708), &[8, 7, 6, 5, 4, 3, 2, 1]),
            (Value::F64(1), &[1, 0, 0, 0, 0, 0, 0, 0]),
            (
                Value::V128((0x0807_0605_0403_0201, 0x100f_0e0d_0c0b_0a09)),
                &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
            ),
            (Value::NullRef, &[0, 0, 0, 0]),
            (Value::NonNullRef, &[1, 0, 0, 0]),
        ];
        for (value, expected) in cases {
            let mut buf = [0xaa; 16];
            let len = value_bytes(&value, &mut buf);
            assert_eq!(&buf[..len], expected, "{value:?}");
        }
    }
}
