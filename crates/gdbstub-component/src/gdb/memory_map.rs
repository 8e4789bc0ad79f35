//! The memory map (`qXfer:memory-map:read`): module code read-only, linear memories read-write.

use gdbstub::target::TargetResult;
use gdbstub::target::ext::memory_map::MemoryMap;

use super::{Debugger, refuse};
use crate::addr;
use crate::inferior::Inferior;
use crate::wasmdebug::debugger::debuggee::Error;
use crate::xml::{self, Region};

impl MemoryMap for Debugger {
    /// Rebuilt at each stop, so memories created since the last one appear.
    fn memory_map_xml(
        &self,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        self.document(|d| &mut d.memory_map, memory_map, offset, length, buf)
            .map_err(refuse)
    }
}

fn memory_map(inferior: &mut Inferior) -> Result<String, Error> {
    // Offsets are 32 bits wide, so that is as much of a region as can be named.
    const SPAN: u64 = 1 << 32;
    let mut regions = Vec::new();
    for (i, module) in inferior.modules()?.iter().enumerate() {
        if let Some(start) = addr::code(i as u32, 0) {
            regions.push(Region {
                start,
                length: module.size.into(),
                writable: false,
            });
        }
    }
    for memory in 0..inferior.memories()?.len() as u32 {
        let size = inferior.memory_size(memory)?;
        if let Some(start) = addr::data(memory, 0) {
            regions.push(Region {
                start,
                length: size.min(SPAN),
                writable: true,
            });
        }
    }
    Ok(xml::memory_map(regions))
}
