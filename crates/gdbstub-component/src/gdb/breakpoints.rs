//! Software breakpoints (`Z0`/`z0`) at code addresses.

use gdbstub::target::TargetResult;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwWatchpointOps, SwBreakpoint, SwBreakpointOps,
};

use super::{Debugger, refuse};
use crate::addr::{self, Place};
use crate::wasmdebug::debugger::debuggee::CodeLocation;

impl Debugger {
    fn code_location(addr: u64) -> Option<CodeLocation> {
        match addr::decode(addr)? {
            Place::Code { module, offset } => Some(CodeLocation { module, pc: offset }),
            Place::Data { .. } => None,
        }
    }

    /// Takes out every breakpoint the client set, for when it leaves.
    pub fn clear_breakpoints(&mut self) {
        let inferior = self.inferior.get_mut();
        for at in self.breakpoints.drain(..) {
            // Only fails once the program is gone, and then so are they.
            let _ = inferior.remove_breakpoint(at);
        }
    }
}

impl Breakpoints for Debugger {
    #[inline(always)]
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    #[inline(always)]
    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for Debugger {
    /// `Ok(false)` (an error reply) for an address outside the code.
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let Some(at) = Self::code_location(addr) else {
            return Ok(false);
        };
        self.inferior.get_mut().add_breakpoint(at).map_err(refuse)?;
        self.breakpoints.push(at);
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let Some(at) = Self::code_location(addr) else {
            return Ok(false);
        };
        let Some(i) = self
            .breakpoints
            .iter()
            .position(|b| b.module == at.module && b.pc == at.pc)
        else {
            return Ok(false);
        };
        self.inferior
            .get_mut()
            .remove_breakpoint(at)
            .map_err(refuse)?;
        self.breakpoints.swap_remove(i);
        Ok(true)
    }
}
