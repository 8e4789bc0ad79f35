//! The inferior (GDB's word for the program being debugged): the debuggee behind its handle, with what we cache about it.

use std::collections::BTreeMap;

use crate::addr::MemoryIndex;
use crate::wasmdebug::debugger::debuggee::{
    Access, CodeLocation, Debuggee, Error, Frame, InstanceInfo, MemoryRange, ModuleInfo,
    ResumeMode, State, Value,
};

/// Declares `Handle` and implements it for the WIT resource, from one list
/// of the `debuggee` calls we make, each written once.
macro_rules! handle_calls {
    ($(fn $name:ident(&self $(, $arg:ident: $type:ty)*) $(-> $result:ty)?;)*) => {
        /// The debug world's `debuggee` calls we make: the WIT resource
        /// itself, or a model of it in the host-side tests, which cannot
        /// call the real host.
        pub trait Handle {
            $(fn $name(&self $(, $arg: $type)*) $(-> $result)?;)*
        }

        impl Handle for Debuggee {
            $(fn $name(&self $(, $arg: $type)*) $(-> $result)? {
                Debuggee::$name(self $(, $arg)*)
            })*
        }
    };
}

handle_calls! {
    fn state(&self) -> State;
    fn resume(&self, mode: ResumeMode) -> Result<(), Error>;
    fn can_reverse(&self) -> bool;
    fn interrupt(&self);
    fn kill(&self);
    fn stop_at_throws(&self, every: bool);
    fn modules(&self) -> Result<Vec<ModuleInfo>, Error>;
    fn bytecode(&self, module: u32) -> Result<Vec<u8>, Error>;
    fn instances(&self) -> Result<Vec<InstanceInfo>, Error>;
    fn frames(&self, max: u32) -> Result<Vec<Frame>, Error>;
    fn local(&self, frame: u32, index: u32) -> Result<Value, Error>;
    fn operand(&self, frame: u32, index: u32) -> Result<Value, Error>;
    fn memory_size(&self, instance: u32, memory: u32) -> Result<(u64, u64), Error>;
    fn read_memory(&self, instance: u32, memory: u32, at: u64, len: u32) -> Result<Vec<u8>, Error>;
    fn write_memory(&self, instance: u32, memory: u32, at: u64, bytes: &[u8]) -> Result<(), Error>;
    fn get_global(&self, instance: u32, global: u32) -> Result<Value, Error>;
    fn add_breakpoint(&self, at: CodeLocation) -> Result<(), Error>;
    fn remove_breakpoint(&self, at: CodeLocation) -> Result<(), Error>;
    fn add_watchpoint(&self, range: MemoryRange, access: Access) -> Result<(), Error>;
    fn remove_watchpoint(&self, range: MemoryRange, access: Access) -> Result<(), Error>;
}

/// The debuggee and its caches.
///
/// ```text
///   paused ──resume()──▶ running ──(its pollable fires)─▶ paused
///     ▲                     │                          (or exited)
///     │                     └──interrupt()──▶ paused (interrupted)
///     └── the program starts here
/// ```
///
/// What holds for one stop (frames, instances, memories, their sizes, the
/// module list) is cached until the next `resume`; bytecode never changes, so
/// each module's is fetched once for the whole run. Inspection methods are for
/// `paused`; in another state the host refuses them and so do we.
pub struct Inferior {
    handle: Box<dyn Handle>,
    running: bool,
    /// Whether the runtime can run the program backwards: asked once, as it
    /// holds for the whole run.
    can_reverse: bool,
    /// Counts resumes: the same number throughout one stop, so callers key
    /// their own per-stop caches on it.
    resumes: u64,
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

impl Inferior {
    pub fn new(handle: Box<dyn Handle>) -> Self {
        let running = matches!(handle.state(), State::Running);
        let can_reverse = handle.can_reverse();
        Inferior {
            handle,
            running,
            can_reverse,
            resumes: 0,
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

    /// Whether `resume` takes the reverse modes (no host call).
    pub fn can_reverse(&self) -> bool {
        self.can_reverse
    }

    /// Which stop the caches belong to: how many resumes came before it.
    pub fn resumes(&self) -> u64 {
        self.resumes
    }

    /// Paused only.
    pub fn resume(&mut self, mode: ResumeMode) -> Result<(), Error> {
        self.handle.resume(mode)?;
        self.running = true;
        self.stop = StopCache::default();
        self.resumes += 1;
        Ok(())
    }

    /// Running only; does nothing otherwise.
    pub fn interrupt(&self) {
        self.handle.interrupt();
    }

    /// Whether every throw stops the program, or only an uncaught one. Any
    /// state.
    pub fn stop_at_throws(&self, every: bool) {
        self.handle.stop_at_throws(every);
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
        if self.bytecode.get(index).is_none_or(Option::is_none) {
            // Fetched before its slot is made: a client's made-up index must
            // not size the cache (fuzzing found `m` at module 0x10d9f095).
            let bytes = self.handle.bytecode(module)?;
            if self.bytecode.len() <= index {
                self.bytecode.resize_with(index + 1, || None);
            }
            self.bytecode[index] = Some(bytes);
        }
        Ok(self.bytecode[index].as_deref().unwrap_or_default())
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

    /// The address space's memories: each module's memories, from one
    /// instance of it. A module instantiated again and again (a server's
    /// handler, once per request) shows the instance the program is in, or
    /// else its newest: the request being debugged.
    pub fn memories(&mut self) -> Result<&MemoryIndex, Error> {
        if self.stop.memories.is_none() {
            let current = self.innermost_frame().ok().map(|frame| frame.instance);
            let instances = self.instances()?;
            // The instance shown for each module: the newest, unless the
            // program is in another.
            let mut shown = BTreeMap::new();
            for (index, instance) in instances.iter().enumerate() {
                shown.insert(instance.module, index);
            }
            if let Some(index) = current.map(|current| current as usize)
                && let Some(instance) = instances.get(index)
            {
                shown.insert(instance.module, index);
            }
            let shown = |(index, instance): (usize, &InstanceInfo)| match shown
                .get(&instance.module)
                == Some(&index)
            {
                true => instance.memories,
                false => 0,
            };
            let index = MemoryIndex::new(instances.iter().enumerate().map(shown));
            self.stop.memory_sizes = vec![None; index.len()];
            self.stop.memories = Some(index);
        }
        match &self.stop.memories {
            Some(index) => Ok(index),
            None => Err(Error::BadIndex),
        }
    }

    /// The address-space index of memory `index` of module `module`, in
    /// the instance of it that `memories` shows.
    pub fn module_memory(&mut self, module: u32, index: u32) -> Result<u32, Error> {
        let instances: Vec<u32> = (0u32..)
            .zip(self.instances()?)
            .filter(|(_, instance)| instance.module == module)
            .map(|(number, _)| number)
            .collect();
        let memories = self.memories()?;
        instances
            .into_iter()
            .find_map(|instance| memories.position(instance, index))
            .ok_or(Error::BadIndex)
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
