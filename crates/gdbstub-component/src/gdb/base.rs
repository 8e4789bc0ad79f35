//! Registers (just the pc) and memory: module bytecode and linear memories.

use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::singlethread::{SingleThreadBase, SingleThreadResumeOps};
use gdbstub::target::{TargetError, TargetResult};
use gdbstub_arch::wasm::reg::WasmRegisters;
use gdbstub_arch::wasm::reg::id::WasmRegId;

use super::errno::{EFAULT, EPERM};
use super::{Debugger, refuse};
use crate::addr::{self, Place};
use crate::bytecode;
use crate::inferior::Inferior;
use crate::wasmdebug::debugger::debuggee::Error;

impl Debugger {
    /// The pc of the innermost frame, in LLDB's address space.
    pub(super) fn pc(inferior: &mut Inferior) -> TargetResult<u64, Self> {
        let top = inferior.innermost_frame().map_err(refuse)?;
        addr::code(top.location.module, top.location.pc).ok_or(TargetError::Errno(EFAULT))
    }

    /// The (address-space memory, offset) that a write or a watchpoint at
    /// `addr` is for: a data address's own, or the C global that LLDB names
    /// by a code address (see `addr::global_in_code`). `None` for any other
    /// code address, or one we do not serve.
    pub(super) fn written_place(
        inferior: &mut Inferior,
        addr: u64,
    ) -> Result<Option<(u32, u32)>, Error> {
        match addr::decode(addr) {
            Some(Place::Data { memory, offset }) => Ok(Some((memory, offset))),
            Some(Place::Code { module, offset }) => {
                let Some(offset) = bytecode::code_section(inferior.bytecode(module)?)
                    .and_then(|code_section| addr::global_in_code(&code_section, offset))
                else {
                    return Ok(None);
                };
                // DWARF addresses are in memory 0.
                Ok(Some((inferior.module_memory(module, 0)?, offset)))
            }
            None => Ok(None),
        }
    }
}

impl SingleThreadBase for Debugger {
    fn read_registers(&mut self, regs: &mut WasmRegisters) -> TargetResult<(), Self> {
        regs.pc = Self::pc(self.inferior.get_mut())?;
        Ok(())
    }

    fn write_registers(&mut self, _regs: &WasmRegisters) -> TargetResult<(), Self> {
        // The pc of a Wasm frame cannot be moved.
        Err(TargetError::Errno(EPERM))
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8]) -> TargetResult<usize, Self> {
        let inferior = self.inferior.get_mut();
        match addr::decode(start).ok_or(TargetError::Errno(EFAULT))? {
            // The bytecode's bytes even where a write would be for a C global
            // (see `written_place`): LLDB also reads code there, to
            // disassemble and to step, and the request does not say which.
            Place::Code { module, offset } => {
                let bytecode = inferior.bytecode(module).map_err(refuse)?;
                let range = addr::clamp(offset.into(), data.len(), bytecode.len() as u64)
                    .ok_or(TargetError::Errno(EFAULT))?;
                let bytes = &bytecode[range.start as usize..range.end as usize];
                data[..bytes.len()].copy_from_slice(bytes);
                Ok(bytes.len())
            }
            Place::Data { memory, offset } => {
                let size = inferior.memory_size(memory).map_err(refuse)?;
                let range = addr::clamp(offset.into(), data.len(), size)
                    .ok_or(TargetError::Errno(EFAULT))?;
                let len = (range.end - range.start) as u32;
                let bytes = inferior
                    .read_memory(memory, range.start, len)
                    .map_err(refuse)?;
                let n = bytes.len().min(data.len());
                data[..n].copy_from_slice(&bytes[..n]);
                Ok(n)
            }
        }
    }

    fn write_addrs(&mut self, start: u64, data: &[u8]) -> TargetResult<(), Self> {
        let inferior = self.inferior.get_mut();
        match Self::written_place(inferior, start).map_err(refuse)? {
            Some((memory, offset)) => inferior
                .write_memory(memory, offset.into(), data)
                .map_err(refuse),
            // Breakpoints go through Z0; the bytecode itself stays as loaded.
            None if matches!(addr::decode(start), Some(Place::Code { .. })) => {
                Err(TargetError::Errno(EPERM))
            }
            None => Err(TargetError::Errno(EFAULT)),
        }
    }

    #[inline(always)]
    fn support_resume(&mut self) -> Option<SingleThreadResumeOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, (), Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<()> for Debugger {
    fn read_register(
        &mut self,
        _tid: (),
        reg: WasmRegId,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        match reg {
            WasmRegId::Pc => {
                let pc = Self::pc(self.inferior.get_mut())?.to_le_bytes();
                let n = pc.len().min(buf.len());
                buf[..n].copy_from_slice(&pc[..n]);
                Ok(n)
            }
            _ => Err(TargetError::Errno(EFAULT)),
        }
    }

    fn write_register(&mut self, _tid: (), _reg: WasmRegId, _val: &[u8]) -> TargetResult<(), Self> {
        Err(TargetError::Errno(EPERM))
    }
}
