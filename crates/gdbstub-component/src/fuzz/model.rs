//! A model debuggee: the debug world's `debuggee` as plain data, with the host's state rules and bounds checks.

use std::cell::RefCell;
use std::rc::Rc;

use crate::inferior::Handle;
use crate::wasmdebug::debugger::debuggee::{
    Access, Catcher, CodeLocation, Error, Frame, InstanceInfo, MemoryRange, ModuleInfo, ResumeMode,
    State, Stop, Value,
};

/// The model's state, shared between the target (through [`Handle`]) and
/// the fuzz loop, which plays the program: it decides when a run stops.
#[derive(Clone)]
pub struct Model(pub Rc<RefCell<World>>);

pub struct World {
    pub state: State,
    pub modules: Vec<Vec<u8>>,
    pub memories: Vec<Vec<u8>>,
    pub frames: Vec<Frame>,
    pub breakpoints: Vec<CodeLocation>,
    /// Every write the target made: (memory, address, length).
    pub writes: Vec<(u32, u64, usize)>,
    /// Whether the runtime records, and so can run backwards.
    pub can_reverse: bool,
    /// Instructions run up to the position shown, and up to the present
    /// (the furthest the program has been): a position before the present
    /// is a replay, whose memory cannot change.
    pub position: u64,
    pub present: u64,
    /// Whether the current run goes backwards.
    pub reversing: bool,
}

impl Model {
    pub fn new(frames: u32, module_size: usize, memory_size: usize) -> Model {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.resize(module_size.max(8), 0x0b);
        let frames = (0..frames)
            .map(|i| Frame {
                instance: 0,
                function: i,
                location: CodeLocation {
                    module: 0,
                    pc: 8 + i % (module.len() as u32 - 8).max(1),
                },
                locals: i % 4,
                operands: i % 3,
            })
            .collect();
        Model(Rc::new(RefCell::new(World {
            state: State::Paused(Stop::Entry),
            modules: vec![module.clone(), module],
            memories: vec![vec![0; memory_size], Vec::new()],
            frames,
            breakpoints: Vec::new(),
            writes: Vec::new(),
            can_reverse: false,
            position: 0,
            present: 0,
            reversing: false,
        })))
    }

    /// The same model, recording: it runs backwards too.
    pub fn recording(self) -> Model {
        self.0.borrow_mut().can_reverse = true;
        self
    }

    /// The fuzz loop's turn as the program: a running program stops as `how` says.
    pub fn stop(&self, how: u8) {
        let mut world = self.0.borrow_mut();
        if !matches!(world.state, State::Running) {
            return;
        }
        if world.reversing {
            // Back to an earlier breakpoint hit, or to the start.
            world.position /= 2;
            world.state = match how % 2 {
                0 if world.position > 0 => State::Paused(Stop::Breakpoint),
                _ => {
                    world.position = 0;
                    State::Paused(Stop::HistoryStart)
                }
            };
            return;
        }
        // Forward runs replay up to the present, then go on live.
        world.position = world.present + u64::from(how) + 1;
        world.present = world.position;
        world.state = match how % 6 {
            0 => State::Paused(Stop::Breakpoint),
            1 => State::Paused(Stop::Trap("wasm trap: integer divide by zero".into())),
            2 => State::Paused(Stop::Exception(Catcher::Uncaught)),
            3 => State::Exited(i32::from(how)),
            4 if world.can_reverse => {
                State::Paused(Stop::Diverged("the replay made another host call".into()))
            }
            _ => State::Exited(-1),
        };
    }

    fn paused(&self) -> Result<std::cell::RefMut<'_, World>, Error> {
        let world = self.0.borrow_mut();
        match world.state {
            State::Paused(_) => Ok(world),
            State::Running => Err(Error::NotPaused),
            State::Exited(_) => Err(Error::Exited),
        }
    }

    fn frame(&self, index: u32) -> Result<Frame, Error> {
        let world = self.paused()?;
        world
            .frames
            .get(index as usize)
            .copied()
            .ok_or(Error::BadIndex)
    }
}

fn range(len: usize, at: u64, count: u64) -> Result<std::ops::Range<usize>, Error> {
    let end = at.checked_add(count).ok_or(Error::OutOfBounds)?;
    if end > len as u64 {
        return Err(Error::OutOfBounds);
    }
    Ok(at as usize..end as usize)
}

impl Handle for Model {
    fn state(&self) -> State {
        self.0.borrow().state.clone()
    }
    fn resume(&self, mode: ResumeMode) -> Result<(), Error> {
        let mut world = self.paused()?;
        let trapped = matches!(world.state, State::Paused(Stop::Trap(_)));
        world.reversing = matches!(mode, ResumeMode::ReverseContinue | ResumeMode::ReverseStep);
        if world.reversing && !world.can_reverse {
            world.reversing = false;
            return Err(Error::History);
        }
        world.state = match mode {
            // Going on from a trap ends the program; going back does not.
            ResumeMode::Continue | ResumeMode::Step if trapped => State::Exited(134),
            ResumeMode::Step => {
                world.position += 1;
                world.present = world.present.max(world.position);
                State::Paused(Stop::Step)
            }
            ResumeMode::Continue => State::Running,
            ResumeMode::ReverseStep if world.position == 0 => State::Paused(Stop::HistoryStart),
            ResumeMode::ReverseStep => {
                world.position -= 1;
                State::Paused(Stop::Step)
            }
            // With nothing to hit, a reverse run goes straight to the start.
            ResumeMode::ReverseContinue if world.breakpoints.is_empty() => {
                world.position = 0;
                State::Paused(Stop::HistoryStart)
            }
            ResumeMode::ReverseContinue => State::Running,
        };
        Ok(())
    }
    fn can_reverse(&self) -> bool {
        self.0.borrow().can_reverse
    }
    fn interrupt(&self) {
        let mut world = self.0.borrow_mut();
        if matches!(world.state, State::Running) {
            world.state = State::Paused(Stop::Interrupted);
        }
    }
    fn kill(&self) {
        self.0.borrow_mut().state = State::Exited(137);
    }
    fn stop_at_throws(&self, _every: bool) {}
    fn modules(&self) -> Result<Vec<ModuleInfo>, Error> {
        let world = self.paused()?;
        Ok(world
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| ModuleInfo {
                name: format!("model.module{i}.wasm"),
                size: m.len() as u32,
            })
            .collect())
    }
    fn bytecode(&self, module: u32) -> Result<Vec<u8>, Error> {
        let world = self.0.borrow();
        if matches!(world.state, State::Exited(_)) {
            return Err(Error::Exited);
        }
        world
            .modules
            .get(module as usize)
            .cloned()
            .ok_or(Error::BadIndex)
    }
    fn instances(&self) -> Result<Vec<InstanceInfo>, Error> {
        let world = self.paused()?;
        Ok(vec![InstanceInfo {
            module: 0,
            memories: world.memories.len() as u32,
            globals: 2,
            tables: 0,
            functions: world.frames.len() as u32,
        }])
    }
    fn frames(&self, max: u32) -> Result<Vec<Frame>, Error> {
        let world = self.paused()?;
        Ok(world.frames.iter().take(max as usize).copied().collect())
    }
    fn local(&self, frame: u32, index: u32) -> Result<Value, Error> {
        let frame = self.frame(frame)?;
        (index < frame.locals)
            .then_some(Value::I32(index))
            .ok_or(Error::BadIndex)
    }
    fn operand(&self, frame: u32, index: u32) -> Result<Value, Error> {
        let frame = self.frame(frame)?;
        (index < frame.operands)
            .then_some(Value::V128((u64::from(index), 7)))
            .ok_or(Error::BadIndex)
    }
    fn memory_size(&self, instance: u32, memory: u32) -> Result<(u64, u64), Error> {
        let world = self.paused()?;
        if instance != 0 {
            return Err(Error::BadIndex);
        }
        let memory = world.memories.get(memory as usize).ok_or(Error::BadIndex)?;
        Ok((memory.len() as u64, 65536))
    }
    fn read_memory(&self, instance: u32, memory: u32, at: u64, len: u32) -> Result<Vec<u8>, Error> {
        let world = self.paused()?;
        if instance != 0 {
            return Err(Error::BadIndex);
        }
        let memory = world.memories.get(memory as usize).ok_or(Error::BadIndex)?;
        Ok(memory[range(memory.len(), at, len.into())?].to_vec())
    }
    fn write_memory(&self, instance: u32, memory: u32, at: u64, bytes: &[u8]) -> Result<(), Error> {
        let mut world = self.paused()?;
        if instance != 0 {
            return Err(Error::BadIndex);
        }
        if world.position < world.present {
            return Err(Error::History);
        }
        let target = world
            .memories
            .get_mut(memory as usize)
            .ok_or(Error::BadIndex)?;
        let span = range(target.len(), at, bytes.len() as u64)?;
        target[span].copy_from_slice(bytes);
        world.writes.push((memory, at, bytes.len()));
        Ok(())
    }
    fn get_global(&self, instance: u32, global: u32) -> Result<Value, Error> {
        self.paused()?;
        match (instance, global) {
            (0, 0) => Ok(Value::I32(0x1000)),
            (0, 1) => Ok(Value::F64(1)),
            _ => Err(Error::BadIndex),
        }
    }
    fn add_breakpoint(&self, at: CodeLocation) -> Result<(), Error> {
        let mut world = self.paused()?;
        let module = world
            .modules
            .get(at.module as usize)
            .ok_or(Error::BadIndex)?;
        if at.pc as usize >= module.len() {
            return Err(Error::OutOfBounds);
        }
        world.breakpoints.push(at);
        Ok(())
    }
    fn remove_breakpoint(&self, at: CodeLocation) -> Result<(), Error> {
        let mut world = self.paused()?;
        if let Some(i) = world
            .breakpoints
            .iter()
            .position(|b| b.module == at.module && b.pc == at.pc)
        {
            world.breakpoints.swap_remove(i);
        }
        Ok(())
    }
    fn add_watchpoint(&self, range: MemoryRange, _access: Access) -> Result<(), Error> {
        let world = self.paused()?;
        // The model has one instance; the host checks the memory exists.
        match (range.instance, world.memories.get(range.memory as usize)) {
            (0, Some(_)) => Ok(()),
            _ => Err(Error::BadIndex),
        }
    }
    fn remove_watchpoint(&self, _range: MemoryRange, _access: Access) -> Result<(), Error> {
        self.paused().map(|_| ())
    }
}
