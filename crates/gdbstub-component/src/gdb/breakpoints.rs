//! Software breakpoints (`Z0`/`z0`) at code addresses.
//!
//! LLDB's Wasm plugin names code by (module, offset) with its code-address
//! prefix. A client may also give a plain offset into the first module, as
//! debuggers that know only one module do; a stop at a breakpoint set that
//! way reports its pc the same way, so the client recognises it.

use gdbstub::target::TargetResult;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwWatchpointOps, SwBreakpoint, SwBreakpointOps,
};

use super::{Debugger, refuse};
use crate::addr::{self, Place};
use crate::wasmdebug::debugger::debuggee::CodeLocation;

/// A breakpoint the client set, with the form of address it used.
pub struct Breakpoint {
    at: CodeLocation,
    /// Set by a plain offset into the first module.
    plain: bool,
}

impl Debugger {
    /// Where a `Z0` address points, and whether it is a plain offset.
    fn code_location(addr: u64) -> Option<(CodeLocation, bool)> {
        match addr::decode(addr)? {
            Place::Code { module, offset } => Some((CodeLocation { module, pc: offset }, false)),
            // No prefix at all decodes as memory 0.
            Place::Data { memory: 0, offset } => Some((
                CodeLocation {
                    module: 0,
                    pc: offset,
                },
                true,
            )),
            Place::Data { .. } => None,
        }
    }

    /// Takes out every breakpoint the client set, for when it leaves.
    pub fn clear_breakpoints(&mut self) {
        let inferior = self.inferior.get_mut();
        for breakpoint in self.breakpoints.drain(..) {
            // Only fails once the program is gone, and then so are they.
            let _ = inferior.remove_breakpoint(breakpoint.at);
        }
    }

    /// The pc to report for a breakpoint stop at `location`: in the form
    /// the client set that breakpoint in. The runtime moves a breakpoint to
    /// the instruction at or after its pc, so the breakpoint is the one at
    /// the stop, or else the nearest before it in the same module.
    pub fn breakpoint_pc(&self, location: CodeLocation) -> Option<u64> {
        let set = self
            .breakpoints
            .iter()
            .filter(|b| b.at.module == location.module && b.at.pc <= location.pc)
            .max_by_key(|b| b.at.pc)?;
        match set.plain {
            true => Some(u64::from(location.pc)),
            false => addr::code(location.module, location.pc),
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
        let Some((at, plain)) = Self::code_location(addr) else {
            return Ok(false);
        };
        self.inferior.get_mut().add_breakpoint(at).map_err(refuse)?;
        self.breakpoints.push(Breakpoint { at, plain });
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let Some((at, plain)) = Self::code_location(addr) else {
            return Ok(false);
        };
        let Some(i) = self
            .breakpoints
            .iter()
            .position(|b| b.at.module == at.module && b.at.pc == at.pc && b.plain == plain)
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
