//! Watchpoints (`Z2`/`Z3`/`Z4`) on data addresses and C globals; the runtime
//! does the watching (see the debug world's `add-watchpoint`).

use gdbstub::stub::SingleThreadStopReason;
use gdbstub::target::TargetResult;
use gdbstub::target::ext::breakpoints::{HwWatchpoint, WatchKind};

use super::{Debugger, refuse};
use crate::wasmdebug::debugger::debuggee::{Access, MemoryRange, WatchHit};

/// A watchpoint the client set, as it set it and as the runtime knows it.
pub struct Watch {
    addr: u64,
    len: u64,
    kind: WatchKind,
    range: MemoryRange,
}

impl Debugger {
    /// Takes out every watchpoint the client set, for when it leaves.
    pub fn clear_watchpoints(&mut self) {
        let inferior = self.inferior.get_mut();
        for watch in self.watchpoints.drain(..) {
            // Only fails once the program is gone, and then so are they.
            let _ = inferior.remove_watchpoint(watch.range, access(watch.kind));
        }
    }

    /// The stop reply for a watchpoint that went off: the one the client
    /// set on that range, at the address it used.
    pub fn watch_stop(&self, hit: &WatchHit) -> Option<SingleThreadStopReason<u64>> {
        let watch = self
            .watchpoints
            .iter()
            .find(|watch| same(&watch.range, &hit.range) && access(watch.kind) == hit.watching)?;
        Some(SingleThreadStopReason::Watch {
            tid: (),
            kind: watch.kind,
            addr: watch.addr,
        })
    }
}

impl HwWatchpoint for Debugger {
    /// `Ok(false)` (an error reply) for an address outside linear memory.
    /// A C global that LLDB names by a code address is watched in linear
    /// memory (see `addr::global_in_code`), and its stop reply names the
    /// address the client set.
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let inferior = self.inferior.get_mut();
        let Some((memory, offset)) = Self::written_place(inferior, addr).map_err(refuse)? else {
            return Ok(false);
        };
        let range = inferior
            .memory_range(memory, u64::from(offset), len)
            .map_err(refuse)?;
        inferior
            .add_watchpoint(range, access(kind))
            .map_err(refuse)?;
        self.watchpoints.push(Watch {
            addr,
            len,
            kind,
            range,
        });
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let Some(i) = self
            .watchpoints
            .iter()
            .position(|watch| watch.addr == addr && watch.len == len && watch.kind == kind)
        else {
            return Ok(false);
        };
        let range = self.watchpoints[i].range;
        self.inferior
            .get_mut()
            .remove_watchpoint(range, access(kind))
            .map_err(refuse)?;
        self.watchpoints.swap_remove(i);
        Ok(true)
    }
}

fn access(kind: WatchKind) -> Access {
    match kind {
        WatchKind::Write => Access::Write,
        WatchKind::Read => Access::Read,
        WatchKind::ReadWrite => Access::ReadWrite,
    }
}

fn same(a: &MemoryRange, b: &MemoryRange) -> bool {
    (a.instance, a.memory, a.address, a.length) == (b.instance, b.memory, b.address, b.length)
}
