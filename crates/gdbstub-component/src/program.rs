//! The debuggee behind the WIT handle, with what we cache about it between calls.

use wasip2::io::poll::Pollable;

use crate::addr::MemoryIndex;
use crate::wasmdebug::debugger::debuggee::{
    Access, CodeLocation, Debuggee, Error, Frame, InstanceInfo, MemoryRange, ModuleInfo,
    ResumeMode, State, Value,
};

/// The debuggee and its caches.
///
/// ```text
///   paused ──resume()──▶ running ──(ready() fires)──▶ paused
///     ▲                     │                          (or exited)
///     │                     └──interrupt()──▶ paused (interrupted)
///     └── the program starts here
/// ```
///
/// What holds for one stop (frames, instances, memories, their sizes, the
/// module list) is cached until the next `resume`; bytecode never changes, so
/// each module's is fetched once for the whole run. Inspection methods are for
/// `paused`; in another state the host refuses them and so do we.
pub struct Program {
    // A pollable is a child of its resource and must be dropped first.
    ready: Pollable,
    handle: Debuggee,
    running: bool,
    /// Counts stops, so that callers can key their own per-stop caches.
    stop_count: u64,
    stop: StopCache,
    modules: Vec<ModuleInfo>,
    bytecode: Vec<Option<Vec<u8>>>,
}

#[derive(Default)]
struct StopCache {
    modules_fresh: bool,
    frames: Option<Vec<Frame>>,
    innermost_frame: Option<Frame>,
    instances: Option<Vec<InstanceInfo>>,
    memories: Option<MemoryIndex>,
    memory_sizes: Vec<Option<u64>>,
}

impl Program {
    pub fn new(handle: Debuggee) -> Self {
        let ready = handle.subscribe();
        let running = matches!(handle.state(), State::Running);
        Program {
            handle,
            ready,
            running,
            stop_count: 0,
            stop: StopCache::default(),
            modules: Vec::new(),
            bytecode: Vec::new(),
        }
    }

    /// The current state, straight from the host. Any state.
    pub fn state(&mut self) -> State {
        let state = self.handle.state();
        self.running = matches!(state, State::Running);
        state
    }

    /// Whether we last saw it running (no host call).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Ready once the program is not running. Any state.
    pub fn ready(&self) -> &Pollable {
        &self.ready
    }

    /// Which stop the caches belong to.
    pub fn stop_count(&self) -> u64 {
        self.stop_count
    }

    /// Paused only.
    pub fn resume(&mut self, mode: ResumeMode) -> Result<(), Error> {
        self.handle.resume(mode)?;
        // `ready` needs no renewal: the host's pollable answers for the
        // state at each poll, this run's included.
        self.running = true;
        self.stop = StopCache::default();
        self.stop_count += 1;
        Ok(())
    }

    /// Running only; does nothing otherwise.
    pub fn interrupt(&self) {
        self.handle.interrupt();
    }

    /// Any state.
    pub fn kill(&mut self) {
        self.handle.kill();
        self.running = false;
    }

    pub fn modules(&mut self) -> Result<&[ModuleInfo], Error> {
        if !self.stop.modules_fresh {
            // Indices never change, so the list only ever grows.
            self.modules = self.handle.modules()?;
            self.stop.modules_fresh = true;
        }
        Ok(&self.modules)
    }

    /// A module's original bytecode, fetched once per run.
    pub fn bytecode(&mut self, module: u32) -> Result<&[u8], Error> {
        let index = module as usize;
        if self.bytecode.len() <= index {
            self.bytecode.resize_with(index + 1, || None);
        }
        let slot = &mut self.bytecode[index];
        if slot.is_none() {
            *slot = Some(self.handle.bytecode(module)?);
        }
        Ok(slot.as_deref().unwrap_or_default())
    }

    /// The whole stack, innermost frame first.
    pub fn frames(&mut self) -> Result<&[Frame], Error> {
        if self.stop.frames.is_none() {
            self.stop.frames = Some(self.handle.frames(u32::MAX)?);
        }
        Ok(self.stop.frames.as_deref().unwrap_or_default())
    }

    /// Frame `index` of the whole stack, 0 being the innermost.
    pub fn frame(&mut self, index: u32) -> Result<Frame, Error> {
        let frames = self.frames()?;
        frames.get(index as usize).copied().ok_or(Error::BadIndex)
    }

    /// The innermost frame, without fetching the rest of the stack: a stop
    /// reply needs only its pc, and stepping makes many stops.
    pub fn innermost_frame(&mut self) -> Result<Frame, Error> {
        if let Some(frames) = &self.stop.frames {
            return frames.first().copied().ok_or(Error::BadIndex);
        }
        if self.stop.innermost_frame.is_none() {
            self.stop.innermost_frame = self.handle.frames(1)?.into_iter().next();
        }
        self.stop.innermost_frame.ok_or(Error::BadIndex)
    }

    pub fn instances(&mut self) -> Result<&[InstanceInfo], Error> {
        if self.stop.instances.is_none() {
            self.stop.instances = Some(self.handle.instances()?);
        }
        Ok(self.stop.instances.as_deref().unwrap_or_default())
    }

    pub fn memories(&mut self) -> Result<&MemoryIndex, Error> {
        if self.stop.memories.is_none() {
            let index = MemoryIndex::new(self.instances()?.iter().map(|i| i.memories));
            self.stop.memory_sizes = vec![None; index.len()];
            self.stop.memories = Some(index);
        }
        match &self.stop.memories {
            Some(index) => Ok(index),
            None => Err(Error::BadIndex),
        }
    }

    /// The size in bytes of address-space memory `memory`.
    pub fn memory_size(&mut self, memory: u32) -> Result<u64, Error> {
        let (instance, index) = self.memories()?.get(memory).ok_or(Error::BadIndex)?;
        let slot = &mut self.stop.memory_sizes[memory as usize];
        if let Some(size) = *slot {
            return Ok(size);
        }
        let (size, _page) = self.handle.memory_size(instance, index)?;
        *slot = Some(size);
        Ok(size)
    }

    pub fn read_memory(&mut self, memory: u32, offset: u64, len: u32) -> Result<Vec<u8>, Error> {
        let (instance, index) = self.memories()?.get(memory).ok_or(Error::BadIndex)?;
        self.handle.read_memory(instance, index, offset, len)
    }

    pub fn write_memory(&mut self, memory: u32, offset: u64, bytes: &[u8]) -> Result<(), Error> {
        let (instance, index) = self.memories()?.get(memory).ok_or(Error::BadIndex)?;
        self.handle.write_memory(instance, index, offset, bytes)
    }

    pub fn local(&self, frame: u32, index: u32) -> Result<Value, Error> {
        self.handle.local(frame, index)
    }

    /// Operand `index` of a frame, counted from the bottom of its stack.
    pub fn operand(&self, frame: u32, index: u32) -> Result<Value, Error> {
        self.handle.operand(frame, index)
    }

    pub fn global(&self, instance: u32, index: u32) -> Result<Value, Error> {
        self.handle.get_global(instance, index)
    }

    /// `length` bytes at `offset` of address-space memory `memory`, as the
    /// host names them.
    pub fn memory_range(
        &mut self,
        memory: u32,
        offset: u64,
        length: u64,
    ) -> Result<MemoryRange, Error> {
        let (instance, memory) = self.memories()?.get(memory).ok_or(Error::BadIndex)?;
        Ok(MemoryRange {
            instance,
            memory,
            address: offset,
            length,
        })
    }

    pub fn add_watchpoint(&self, range: MemoryRange, access: Access) -> Result<(), Error> {
        self.handle.add_watchpoint(range, access)
    }

    pub fn remove_watchpoint(&self, range: MemoryRange, access: Access) -> Result<(), Error> {
        self.handle.remove_watchpoint(range, access)
    }

    pub fn add_breakpoint(&self, at: CodeLocation) -> Result<(), Error> {
        self.handle.add_breakpoint(at)
    }

    pub fn remove_breakpoint(&self, at: CodeLocation) -> Result<(), Error> {
        self.handle.remove_breakpoint(at)
    }
}

/// A value's bytes as LLDB reads them: little endian, at the type's own width.
/// Returns how many bytes of `buf` it used (16 at most).
pub fn value_bytes(value: &Value, buf: &mut [u8; 16]) -> usize {
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

#[cfg(test)]
mod tests {
    use super::*;

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
