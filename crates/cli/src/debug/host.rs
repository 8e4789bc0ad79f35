//! The host side of the debug world: the `debuggee` and `console`
//! interfaces, implemented on the paused store through `Execution`.
//!
//! Over 500 lines on purpose: one method per WIT function of one resource,
//! each a few lines over `Execution` and `Inventory`; split, the interface
//! would no longer read as the WIT does.
//!
//! The rule for failures, once for every function here (`convert_error`
//! applies it): what a debugger can cause (a bad index, an access out of
//! bounds, a call in the wrong state) is that WIT `error` and changes
//! nothing. Wasmtime failing, or panicking, while it serves a request (its
//! debug API panics on some frames) is `error.internal`, with the reason on
//! stderr: the program stays paused and the session goes on. Anything else
//! is a broken invariant of ours, and traps the debugger component.

use std::io::Write;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime::{AsContextMut, Instance, Module, StoreContextMut};
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::Announce;
use super::bytecode;
use super::exceptions::Fate;
use super::execution::{Failure, ResumeMode, StateView};
use super::frames::Paused;
use super::handler::Stop;
use super::inventory::Inventory;
use super::runner::Readiness;
use super::timeline::Timeline;
use super::values;
use super::watch::{self, Hit, Kind};

use super::bindings::wasmdebug::debugger::console;
use super::bindings::wasmdebug::debugger::debuggee::{
    self as wit, Access, CodeLocation, Error, Frame, InstanceInfo, MemoryRange, ModuleInfo, Value,
};
use super::bindings::{DebuggeeHandle, HostError};

type HostResult<T> = Result<T, HostError>;

/// The debugger component's store data.
pub struct Host<T: 'static> {
    wasi: WasiCtx,
    table: ResourceTable,
    timeline: Timeline<T>,
    inventory: Inventory,
    announce: Announce,
    /// The line that says whether the program can run in reverse, printed
    /// with the address.
    time_travel: &'static str,
}

impl<T: Send + 'static> WasiView for Host<T> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl<T: Send + 'static> Host<T> {
    /// `inventory` is empty, and names modules after the program.
    pub fn new(
        wasi: WasiCtx,
        mut timeline: Timeline<T>,
        mut inventory: Inventory,
        announce: Announce,
        time_travel: &'static str,
    ) -> anyhow::Result<Host<T>> {
        // Learn the modules while the program is paused at its start, so
        // `bytecode` answers even once it runs. Only a broken runtime is an
        // error here: a program that already ended has no modules to learn.
        if let Err(Failure::Broken(error)) = inventory.refresh(timeline.live()) {
            return Err(error);
        }
        Ok(Host {
            wasi,
            table: ResourceTable::new(),
            timeline,
            inventory,
            announce,
            time_travel,
        })
    }

    /// Lets the program run before the debugger starts (`--no-wait`): the
    /// debugger then finds it running.
    pub fn start_running(&mut self) -> anyhow::Result<()> {
        self.timeline
            .resume(ResumeMode::Continue)
            .map_err(|failure| anyhow::anyhow!("cannot start the program: {failure}"))
    }

    /// Hands the debuggee resource to the component.
    pub fn debuggee_resource(&mut self) -> wasmtime::Result<Resource<DebuggeeHandle>> {
        Ok(self.table.push(DebuggeeHandle)?)
    }

    /// Gives the program back once the debugger is done.
    pub fn into_timeline(self) -> Timeline<T> {
        self.timeline
    }

    /// Runs `request` on the paused program with the instance at `index`.
    fn with_instance<R: Send + 'static>(
        &mut self,
        index: u32,
        request: impl FnOnce(&mut StoreContextMut<'_, T>, Instance) -> HostResult<R> + Send + 'static,
    ) -> HostResult<R> {
        if index as usize >= self.inventory.instances().len() {
            self.inventory.refresh(self.timeline.live())?;
        }
        let known = *self.inventory.instance(index).ok_or(Error::BadIndex)?;
        // A replay makes the live program's instances in the same order:
        // this one is the same module's instance of the same rank there.
        let past = self.timeline.in_past().then(|| {
            let module = self
                .inventory
                .module(known.module)
                .map(Module::debug_index_in_engine);
            let rank = self.inventory.instances()[..index as usize]
                .iter()
                .filter(|other| other.module == known.module && other.store == known.store)
                .count();
            (module, rank)
        });
        let execution = self.timeline.current();
        // Read now, used once paused, when it cannot change.
        let current = execution.store_number();
        execution.with_paused(move |paused| {
            // The program has moved on to another store (a server's next
            // request): this instance is gone.
            if known.store != current {
                return Err(Error::BadIndex.into());
            }
            let instance = match past {
                None => known.instance,
                Some((module, rank)) => {
                    let instances = paused.store.as_context_mut().debug_all_instances();
                    let same_module = |instance: &&Instance| {
                        Some(instance.module(&paused.store).debug_index_in_engine()) == module
                    };
                    *instances
                        .iter()
                        .filter(same_module)
                        .nth(rank)
                        .ok_or(Error::BadIndex)?
                }
            };
            request(&mut paused.store, instance)
        })
    }

    /// The module at `index`. Any state: modules seen at a stop stay known;
    /// a module the list has not caught up with is a bad index unless paused.
    fn module(&mut self, index: u32) -> HostResult<Module> {
        if index as usize >= self.inventory.modules().len() {
            match self.inventory.refresh(self.timeline.live()) {
                Ok(()) | Err(Failure::NotPaused) => {}
                Err(failure) => return Err(failure.into()),
            }
        }
        Ok(self.inventory.module(index).ok_or(Error::BadIndex)?.clone())
    }

    /// The inventory index of a frame's instance, of store number `store`.
    fn instance_index(&mut self, instance: Instance, store: u64) -> HostResult<u32> {
        if let Some(index) = self.inventory.instance_index(instance, store) {
            return Ok(index);
        }
        self.inventory.refresh(self.timeline.live())?;
        match self.inventory.instance_index(instance, store) {
            Some(index) => Ok(index),
            None => Err(HostError::Broken(anyhow::anyhow!(
                "a frame's instance is not in the store's instance list"
            ))),
        }
    }

    fn frame_value(&mut self, frame: u32, index: u32, slot: FrameSlot) -> HostResult<Value> {
        self.timeline.current().with_paused(move |paused| {
            let frame = paused.frame(frame)?.ok_or(Error::BadIndex)?;
            let store = &mut paused.store;
            let count = match slot {
                FrameSlot::Local => frame.num_locals(&mut *store)?,
                FrameSlot::Operand => frame.num_stacks(&mut *store)?,
            };
            // Wasmtime panics on an index past the end, so check first.
            if index >= count {
                return Err(Error::BadIndex.into());
            }
            let value = match slot {
                FrameSlot::Local => frame.local(&mut *store, index)?,
                FrameSlot::Operand => frame.stack(&mut *store, index)?,
            };
            Ok(values::to_wit(&value))
        })
    }

    /// Adds a watchpoint on memory that exists, or removes one, even one
    /// set on the memory of an instance that is gone.
    fn edit_watchpoint(&mut self, range: MemoryRange, access: Access, add: bool) -> HostResult<()> {
        let MemoryRange {
            instance,
            memory,
            address,
            length,
        } = range;
        if add {
            self.with_instance(instance, move |store, instance| {
                instance
                    .debug_memory(&mut *store, memory)
                    .ok_or(Error::BadIndex)?;
                Ok(())
            })?;
        }
        let known = *self.inventory.instance(instance).ok_or(Error::BadIndex)?;
        let module = self.inventory.module(known.module).ok_or(Error::BadIndex)?;
        let range = watch::Range {
            instance: known.instance,
            store: known.store,
            module: module.debug_index_in_engine(),
            memory,
            address,
            length,
        };
        Ok(self
            .timeline
            .edit_watchpoint(range, kind_from_wit(access), add)?)
    }

    /// A watchpoint hit as the debugger set it.
    fn watch_hit(&mut self, hit: Hit) -> wasmtime::Result<wit::WatchHit> {
        let instance = match self.instance_index(hit.range.instance, hit.range.store) {
            Ok(index) => index,
            Err(_) => wasmtime::bail!("a watchpoint's instance is not in the instance list"),
        };
        Ok(wit::WatchHit {
            range: MemoryRange {
                instance,
                memory: hit.range.memory,
                address: hit.range.address,
                length: hit.range.length,
            },
            watching: kind_to_wit(hit.kind),
            touched: kind_to_wit(hit.access),
        })
    }

    /// Adds or removes a breakpoint. The pc moves forward to an instruction
    /// here, not in Wasmtime: Wasmtime 48 forgets where a moved breakpoint
    /// came from after one removal, so one added twice could not be removed.
    fn edit_breakpoint(&mut self, location: CodeLocation, add: bool) -> HostResult<()> {
        let module = self.module(location.module)?;
        // Check the state first: editing needs a paused program.
        self.timeline
            .current()
            .with_paused(|_| Ok::<_, HostError>(()))?;
        let bytecode = module.debug_bytecode().unwrap_or_default();
        let pc =
            bytecode::instruction_at_or_after(bytecode, location.pc).ok_or(Error::OutOfBounds)?;
        Ok(self.timeline.edit_breakpoint(&module, pc, add)?)
    }
}

fn kind_from_wit(access: Access) -> Kind {
    match access {
        Access::Read => Kind::Read,
        Access::Write => Kind::Write,
        Access::ReadWrite => Kind::ReadWrite,
    }
}

fn kind_to_wit(kind: Kind) -> Access {
    match kind {
        Kind::Read => Access::Read,
        Kind::Write => Access::Write,
        Kind::ReadWrite => Access::ReadWrite,
    }
}

#[derive(Clone, Copy)]
enum FrameSlot {
    Local,
    Operand,
}

/// A frame as the store describes it, before indices are assigned.
struct RawFrame {
    instance: Instance,
    module: Module,
    defined_function: u32,
    pc: u32,
    locals: u32,
    operands: u32,
}

/// The innermost `count` Wasm frames of the paused stack, innermost first.
fn raw_frames<T>(paused: &mut Paused<'_, T>, count: usize) -> HostResult<Vec<RawFrame>> {
    let frames = paused.frames(count)?.to_vec();
    let mut raw = Vec::with_capacity(frames.len());
    for frame in frames {
        let store = &mut paused.store;
        let Some((function, pc)) = frame.wasm_function_index_and_pc(&mut *store)? else {
            return Err(HostError::Broken(anyhow::anyhow!(
                "`Paused::frames` gave a frame with no Wasm function"
            )));
        };
        let instance = frame.instance(&mut *store)?;
        raw.push(RawFrame {
            instance,
            module: instance.module(&*store).clone(),
            defined_function: function.as_u32(),
            pc: pc.raw(),
            locals: frame.num_locals(&mut *store)?,
            operands: frame.num_stacks(&mut *store)?,
        });
    }
    Ok(raw)
}

/// Checks that `length` bytes at `address` lie inside a memory of `size`
/// bytes, and returns the range.
fn memory_range(address: u64, length: u64, size: usize) -> Result<std::ops::Range<usize>, Error> {
    let end = address.checked_add(length).ok_or(Error::OutOfBounds)?;
    if end > size as u64 {
        return Err(Error::OutOfBounds);
    }
    Ok(address as usize..end as usize)
}

impl<T: Send + 'static> wit::Host for Host<T> {
    fn convert_error(&mut self, error: HostError) -> wasmtime::Result<Error> {
        match error {
            HostError::Refused(error) => Ok(error),
            HostError::Runtime(message) => {
                let _ = writeln!(std::io::stderr().lock(), "error: {message}");
                Ok(Error::Internal)
            }
            HostError::Broken(error) => Err(wasmtime::Error::from_anyhow(error)),
        }
    }
}

impl<T: Send + 'static> wit::HostDebuggee for Host<T> {
    fn state(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<wit::State> {
        let state = self
            .timeline
            .current()
            .state()
            .map_err(wasmtime::Error::from_anyhow)?;
        Ok(match state {
            StateView::Paused(stop) => wit::State::Paused(match stop {
                Stop::Entry => wit::Stop::Entry,
                Stop::Breakpoint => wit::Stop::Breakpoint,
                Stop::Step => wit::Stop::Step,
                Stop::Interrupted => wit::Stop::Interrupted,
                Stop::Trap(description) => wit::Stop::Trap(description),
                Stop::Exception(fate) => wit::Stop::Exception(match fate {
                    Fate::Caught => wit::Catcher::Caught,
                    Fate::Uncaught => wit::Catcher::Uncaught,
                    Fate::Unknown => wit::Catcher::Unknown,
                }),
                Stop::Watchpoint(hit) => wit::Stop::Watchpoint(self.watch_hit(hit)?),
                Stop::HistoryStart => wit::Stop::HistoryStart,
                Stop::Diverged(why) => wit::Stop::Diverged(why),
            }),
            StateView::Running => wit::State::Running,
            StateView::Exited(status) => wit::State::Exited(status),
        })
    }

    fn subscribe(
        &mut self,
        _: Resource<DebuggeeHandle>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let readiness = NotRunning(self.timeline.live().readiness());
        let resource = self.table.push(readiness)?;
        subscribe(&mut self.table, resource)
    }

    fn resume(&mut self, _: Resource<DebuggeeHandle>, mode: wit::ResumeMode) -> HostResult<()> {
        let done = match mode {
            wit::ResumeMode::Continue => self.timeline.resume(ResumeMode::Continue),
            wit::ResumeMode::Step => self.timeline.resume(ResumeMode::Step),
            wit::ResumeMode::ReverseContinue => self.timeline.reverse_continue(),
            wit::ResumeMode::ReverseStep => self.timeline.reverse_step(),
        };
        Ok(done?)
    }

    fn can_reverse(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<bool> {
        Ok(self.timeline.can_reverse())
    }

    fn interrupt(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<()> {
        self.timeline.live().interrupt();
        Ok(())
    }

    fn kill(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<()> {
        self.timeline.kill();
        Ok(())
    }

    fn stop_at_throws(&mut self, _: Resource<DebuggeeHandle>, every: bool) -> wasmtime::Result<()> {
        self.timeline.stop_at_throws(every);
        Ok(())
    }

    fn modules(&mut self, _: Resource<DebuggeeHandle>) -> HostResult<Vec<ModuleInfo>> {
        self.inventory.refresh(self.timeline.live())?;
        Ok(self
            .inventory
            .modules()
            .iter()
            .map(|known| ModuleInfo {
                name: known.name.clone(),
                size: known
                    .module
                    .debug_bytecode()
                    .map_or(0, |bytes| bytes.len() as u32),
            })
            .collect())
    }

    fn bytecode(&mut self, _: Resource<DebuggeeHandle>, module: u32) -> HostResult<Vec<u8>> {
        if let StateView::Exited(_) = self.timeline.live().state().map_err(HostError::Broken)? {
            return Err(Error::Exited.into());
        }
        match self.module(module)?.debug_bytecode() {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(HostError::Broken(anyhow::anyhow!(
                "the engine does not keep bytecode for debugging"
            ))),
        }
    }

    fn instances(&mut self, _: Resource<DebuggeeHandle>) -> HostResult<Vec<InstanceInfo>> {
        self.inventory.refresh(self.timeline.live())?;
        Ok(self
            .inventory
            .instances()
            .iter()
            .map(|known| InstanceInfo {
                module: known.module,
                memories: known.memories,
                globals: known.globals,
                tables: known.tables,
                functions: known.functions,
            })
            .collect())
    }

    fn frames(&mut self, _: Resource<DebuggeeHandle>, max: u32) -> HostResult<Vec<Frame>> {
        let count = usize::try_from(max).unwrap_or(usize::MAX);
        let execution = self.timeline.current();
        let store = execution.store_number();
        let raw = execution.with_paused(move |paused| raw_frames(paused, count))?;
        let mut frames = Vec::with_capacity(raw.len());
        for frame in raw {
            let instance = self.instance_index(frame.instance, store)?;
            let module = self.inventory.module_index(&frame.module);
            frames.push(Frame {
                instance,
                function: self.inventory.imported_functions(module) + frame.defined_function,
                location: CodeLocation {
                    module,
                    pc: frame.pc,
                },
                locals: frame.locals,
                operands: frame.operands,
            });
        }
        Ok(frames)
    }

    fn local(&mut self, _: Resource<DebuggeeHandle>, frame: u32, index: u32) -> HostResult<Value> {
        self.frame_value(frame, index, FrameSlot::Local)
    }

    fn operand(
        &mut self,
        _: Resource<DebuggeeHandle>,
        frame: u32,
        index: u32,
    ) -> HostResult<Value> {
        self.frame_value(frame, index, FrameSlot::Operand)
    }

    fn memory_size(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        memory: u32,
    ) -> HostResult<(u64, u64)> {
        self.with_instance(instance, move |store, instance| {
            let memory = instance
                .debug_memory(&mut *store, memory)
                .ok_or(Error::BadIndex)?;
            Ok((memory.data_size(&*store) as u64, memory.page_size(&*store)))
        })
    }

    fn read_memory(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        memory: u32,
        address: u64,
        length: u32,
    ) -> HostResult<Vec<u8>> {
        self.with_instance(instance, move |store, instance| {
            let memory = instance
                .debug_memory(&mut *store, memory)
                .ok_or(Error::BadIndex)?;
            let data = memory.data(&*store);
            let range = memory_range(address, u64::from(length), data.len())?;
            Ok(data[range].to_vec())
        })
    }

    fn write_memory(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        memory: u32,
        address: u64,
        bytes: Vec<u8>,
    ) -> HostResult<()> {
        // The past cannot change: a replay from there would not be the run.
        if self.timeline.in_past() {
            return Err(Error::History.into());
        }
        self.with_instance(instance, move |store, instance| {
            let memory = instance
                .debug_memory(&mut *store, memory)
                .ok_or(Error::BadIndex)?;
            let data = memory.data_mut(&mut *store);
            let range = memory_range(address, bytes.len() as u64, data.len())?;
            data[range].copy_from_slice(&bytes);
            Ok(())
        })
    }

    fn get_global(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        global: u32,
    ) -> HostResult<Value> {
        self.with_instance(instance, move |store, instance| {
            let global = instance
                .debug_global(&mut *store, global)
                .ok_or(Error::BadIndex)?;
            Ok(values::to_wit(&global.get(&mut *store)))
        })
    }

    fn set_global(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        global: u32,
        value: Value,
    ) -> HostResult<()> {
        if self.timeline.in_past() {
            return Err(Error::History.into());
        }
        self.with_instance(instance, move |store, instance| {
            let global = instance
                .debug_global(&mut *store, global)
                .ok_or(Error::BadIndex)?;
            let value = values::from_wit(value).ok_or(Error::TypeMismatch)?;
            // Wasmtime checks the type and mutability.
            global
                .set(&mut *store, value)
                .map_err(|_| Error::TypeMismatch.into())
        })
    }

    fn table_size(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        table: u32,
    ) -> HostResult<u64> {
        self.with_instance(instance, move |store, instance| {
            let table = instance
                .debug_table(&mut *store, table)
                .ok_or(Error::BadIndex)?;
            Ok(table.size(&*store))
        })
    }

    fn get_table(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        table: u32,
        index: u64,
    ) -> HostResult<Value> {
        self.with_instance(instance, move |store, instance| {
            let table = instance
                .debug_table(&mut *store, table)
                .ok_or(Error::BadIndex)?;
            let element = table.get(&mut *store, index).ok_or(Error::OutOfBounds)?;
            Ok(match element.is_null() {
                true => Value::NullRef,
                false => Value::NonNullRef,
            })
        })
    }

    fn add_breakpoint(
        &mut self,
        _: Resource<DebuggeeHandle>,
        location: CodeLocation,
    ) -> HostResult<()> {
        self.edit_breakpoint(location, true)
    }

    fn remove_breakpoint(
        &mut self,
        _: Resource<DebuggeeHandle>,
        location: CodeLocation,
    ) -> HostResult<()> {
        self.edit_breakpoint(location, false)
    }

    fn add_watchpoint(
        &mut self,
        _: Resource<DebuggeeHandle>,
        range: MemoryRange,
        access: Access,
    ) -> HostResult<()> {
        self.edit_watchpoint(range, access, true)
    }

    fn remove_watchpoint(
        &mut self,
        _: Resource<DebuggeeHandle>,
        range: MemoryRange,
        access: Access,
    ) -> HostResult<()> {
        self.edit_watchpoint(range, access, false)
    }

    fn drop(&mut self, handle: Resource<DebuggeeHandle>) -> wasmtime::Result<()> {
        self.table.delete(handle)?;
        Ok(())
    }
}

/// The pollable behind `subscribe`: ready when the program is not running.
struct NotRunning(Readiness);

#[wasmtime_wasi::async_trait]
impl Pollable for NotRunning {
    async fn ready(&mut self) {
        self.0.ready().await;
    }
}

impl<T: Send + 'static> console::Host for Host<T> {
    fn print(&mut self, line: String) -> wasmtime::Result<()> {
        // Nobody reading our stderr any more is no reason to stop debugging.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        Ok(())
    }

    fn listening(&mut self, address: String, hint: String) -> wasmtime::Result<()> {
        let lines = match &self.announce {
            Announce::Print => format!(
                "Debugger listening on {address}\nConnect with: {hint}\n{}",
                self.time_travel
            ),
            Announce::Send(client) => match address.parse() {
                Ok(address) => {
                    // A client that is gone has nothing to connect.
                    let _ = client.send(address);
                    return Ok(());
                }
                Err(_) => format!("error: the debugger listens at `{address}`, not an address"),
            },
        };
        let _ = writeln!(std::io::stderr().lock(), "{lines}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_ranges() {
        assert_eq!(memory_range(0, 4, 4), Ok(0..4));
        assert_eq!(memory_range(4, 0, 4), Ok(4..4));
        assert_eq!(memory_range(3, 2, 4), Err(Error::OutOfBounds));
        assert_eq!(memory_range(u64::MAX, 2, 4), Err(Error::OutOfBounds));
    }
}
