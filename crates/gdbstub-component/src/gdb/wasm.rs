//! LLDB's Wasm queries: the call stack, and a frame's locals, operands and globals.
//!
//! See "Wasm packets" in LLDB's `docs/resources/lldbgdbremote.md`.

use gdbstub::common::Tid;
use gdbstub::target::ext::wasm::Wasm;

use super::errno::EFAULT;
use super::{Debugger, Refusal, errno_of};
use crate::addr;
use crate::program::value_bytes;
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
        let mut program = self.program.borrow_mut();
        let frames = program.frames().map_err(|e| Refusal(errno_of(e)))?;
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
            self.program.borrow().local(index(frame)?, index(local)?),
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
            .program
            .borrow_mut()
            .frame(frame)
            .map_err(|e| Refusal(errno_of(e)))?
            .operands;
        let from_bottom =
            from_top(operands, index(index_from_top)?).ok_or(Refusal(errno_of(Error::BadIndex)))?;
        put(self.program.borrow().operand(frame, from_bottom), buf)
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
            .program
            .borrow_mut()
            .frame(index(frame)?)
            .map_err(|e| Refusal(errno_of(e)))?
            .instance;
        put(self.program.borrow().global(instance, index(global)?), buf)
    }
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
}
