//! The host side of the debug world: the `debuggee` and `console`
//! interfaces, implemented on the paused store through `Execution`.
//!
//! The rule for failures, once for every function here: what a debugger
//! can cause (a bad index, an access out of bounds, a call in the wrong
//! state) is a WIT `error` and changes nothing; anything else is a bug or a
//! broken runtime, and traps the debugger component. One exception: a
//! panic while serving a request (Wasmtime 48's debug API panics on some
//! frames) is caught by the debug handler, printed, and answered as
//! `bad-index`, the frame or item asked for being unreadable. LLDB then
//! shows an error for that one command, and the session goes on; a trap
//! would end it.

use std::io::Write;

use wasmtime::component::{Resource, ResourceTable};
use wasmtime::{AsContextMut, Instance, Module, StoreContextMut, Val};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::{DynPollable, Pollable, subscribe};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bytecode;
use super::execution::{Execution, Paused, ResumeMode, StateError, StateView, Stop};

wasmtime::component::bindgen!({
    path: "wit",
    world: "debugger",
    imports: { default: trappable },
    exports: { default: async },
    require_store_data_send: true,
    with: {
        "wasi:io/poll": wasmtime_wasi::p2::bindings::io::poll,
        "wasmdebug:debugger/debuggee.debuggee": DebuggeeHandle,
    },
});

use wasmdebug::debugger::debuggee::{
    self as wit, CodeLocation, Error, Frame, InstanceInfo, ModuleInfo, Value,
};

/// The `debuggee` resource: there is one, and its state lives in `Host`.
pub struct DebuggeeHandle;

/// The debugger component's store data.
pub struct Host {
    wasi: WasiCtx,
    table: ResourceTable,
    execution: Execution,
    modules: Vec<Module>,
    /// How many functions each module in `modules` imports (counting them
    /// walks the import list, too slow to repeat for every frame).
    imported_functions: Vec<u32>,
    instances: Vec<KnownInstance>,
}

/// An instance the debugger has been told about, with its module's index.
struct KnownInstance {
    instance: Instance,
    info: InstanceInfo,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

type HostResult<T> = wasmtime::Result<Result<T, Error>>;

impl Host {
    pub fn new(wasi: WasiCtx, execution: Execution) -> wasmtime::Result<Host> {
        let mut host = Host {
            wasi,
            table: ResourceTable::new(),
            execution,
            modules: Vec::new(),
            imported_functions: Vec::new(),
            instances: Vec::new(),
        };
        // Learn the modules while the program is paused at its start, so
        // `bytecode` answers even once it runs. (An error here only means
        // the program already ended; the lists stay empty.)
        let _ = host.refresh()?;
        Ok(host)
    }

    /// Hands the debuggee resource to the component.
    pub fn debuggee_resource(&mut self) -> wasmtime::Result<Resource<DebuggeeHandle>> {
        Ok(self.table.push(DebuggeeHandle)?)
    }

    /// Gives the execution back once the debugger is done.
    pub fn into_execution(self) -> Execution {
        self.execution
    }

    /// Runs `request` on the paused program.
    fn inspect<R: Send + 'static>(
        &mut self,
        request: impl FnOnce(&mut Paused<'_>) -> Result<R, Error> + Send + 'static,
    ) -> HostResult<R> {
        Ok(match self.execution.inspect(request).map_err(trap)? {
            Ok(result) => result,
            Err(state) => Err(state_error(state)),
        })
    }

    /// Brings the module and instance lists up to date with the store.
    /// Both only grow: an index, once given out, always means the same thing.
    fn refresh(&mut self) -> HostResult<()> {
        let known_instances = self.instances.len();
        let found = self.inspect(move |paused| {
            let modules = paused.store.as_context_mut().debug_all_modules();
            let instances = paused.store.as_context_mut().debug_all_instances();
            let new_instances = instances
                .into_iter()
                .skip(known_instances)
                .map(|instance| {
                    let module = instance.module(&paused.store).clone();
                    let counts = index_space_sizes(paused, &instance);
                    (instance, module, counts)
                })
                .collect::<Vec<_>>();
            Ok((modules, new_instances))
        })?;
        let (modules, new_instances) = match found {
            Ok(found) => found,
            Err(error) => return Ok(Err(error)),
        };
        for module in modules {
            self.module_index(&module);
        }
        for (instance, module, (memories, globals, tables, functions)) in new_instances {
            let module = self.module_index(&module);
            self.instances.push(KnownInstance {
                instance,
                info: InstanceInfo {
                    module,
                    memories,
                    globals,
                    tables,
                    functions,
                },
            });
        }
        Ok(Ok(()))
    }

    /// The index of `module`, adding it to the list if it is new.
    fn module_index(&mut self, module: &Module) -> u32 {
        let id = module.debug_index_in_engine();
        let position = match self
            .modules
            .iter()
            .position(|m| m.debug_index_in_engine() == id)
        {
            Some(position) => position,
            None => {
                self.modules.push(module.clone());
                self.imported_functions.push(imported_functions(module));
                self.modules.len() - 1
            }
        };
        position as u32
    }

    /// Runs `request` on the paused program with the instance at `index`.
    fn inspect_instance<R: Send + 'static>(
        &mut self,
        index: u32,
        request: impl FnOnce(&mut StoreContextMut<'_, WasiP1Ctx>, Instance) -> Result<R, Error>
        + Send
        + 'static,
    ) -> HostResult<R> {
        let instance = match self.instance(index)? {
            Ok(instance) => instance,
            Err(error) => return Ok(Err(error)),
        };
        self.inspect(move |paused| request(&mut paused.store, instance))
    }

    fn instance(&mut self, index: u32) -> HostResult<Instance> {
        if index as usize >= self.instances.len()
            && let Err(error) = self.refresh()?
        {
            return Ok(Err(error));
        }
        Ok(self
            .instances
            .get(index as usize)
            .map(|known| known.instance)
            .ok_or(Error::BadIndex))
    }

    /// The module at `index`. Any state: modules seen at a stop stay known;
    /// a module the list has not caught up with is a bad index unless paused.
    fn module(&mut self, index: u32) -> HostResult<Module> {
        if index as usize >= self.modules.len() {
            match self.refresh()? {
                Ok(()) | Err(Error::NotPaused) => {}
                Err(error) => return Ok(Err(error)),
            }
        }
        Ok(self
            .modules
            .get(index as usize)
            .cloned()
            .ok_or(Error::BadIndex))
    }
}

/// Sizes of an instance's index spaces: memories, globals, tables and
/// functions. Wasmtime answers "is there an item at this index", so find
/// each size by doubling, then bisecting.
fn index_space_sizes(paused: &mut Paused<'_>, instance: &Instance) -> (u32, u32, u32, u32) {
    let store = &mut paused.store;
    let memories = count_items(|i| instance.debug_memory(&mut *store, i).is_some());
    let globals = count_items(|i| instance.debug_global(&mut *store, i).is_some());
    let tables = count_items(|i| instance.debug_table(&mut *store, i).is_some());
    let functions = count_items(|i| instance.debug_function(&mut *store, i).is_some());
    (memories, globals, tables, functions)
}

/// The number of items in an index space, given a test for one index.
fn count_items(mut exists: impl FnMut(u32) -> bool) -> u32 {
    if !exists(0) {
        return 0;
    }
    // Invariant: `low` exists, `high` does not (or is past u32's range).
    let mut low: u64 = 0;
    let mut high: u64 = 1;
    while high <= u64::from(u32::MAX) && exists(high as u32) {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if exists(middle as u32) {
            low = middle;
        } else {
            high = middle;
        }
    }
    high as u32
}

/// An internal failure, which traps the debugger component.
fn trap(error: anyhow::Error) -> wasmtime::Error {
    wasmtime::Error::from_anyhow(error)
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
fn raw_frames(paused: &mut Paused<'_>, count: usize) -> wasmtime::Result<Vec<RawFrame>> {
    let frames = paused.frames(count)?.to_vec();
    let mut raw = Vec::with_capacity(frames.len());
    for frame in frames {
        let store = &mut paused.store;
        let Some((function, pc)) = frame.wasm_function_index_and_pc(&mut *store)? else {
            wasmtime::bail!("`Paused::frames` gave a frame with no Wasm function");
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

fn state_error(error: StateError) -> Error {
    match error {
        StateError::NotPaused => Error::NotPaused,
        StateError::Exited => Error::Exited,
        StateError::Panicked => Error::BadIndex,
    }
}

fn value_to_wit(value: &Val) -> Value {
    match value {
        Val::I32(v) => Value::I32(*v as u32),
        Val::I64(v) => Value::I64(*v as u64),
        Val::F32(bits) => Value::F32(*bits),
        Val::F64(bits) => Value::F64(*bits),
        Val::V128(v) => {
            let bits = v.as_u128();
            Value::V128((bits as u64, (bits >> 64) as u64))
        }
        other => match is_null_ref(other) {
            true => Value::NullRef,
            false => Value::NonNullRef,
        },
    }
}

fn is_null_ref(value: &Val) -> bool {
    match value {
        Val::FuncRef(f) => f.is_none(),
        Val::ExternRef(r) => r.is_none(),
        Val::AnyRef(r) => r.is_none(),
        Val::ExnRef(r) => r.is_none(),
        _ => false,
    }
}

/// A WIT value as a Wasm value, for numeric types only: references cannot
/// be made up by a debugger.
fn value_from_wit(value: Value) -> Option<Val> {
    Some(match value {
        Value::I32(v) => Val::I32(v as i32),
        Value::I64(v) => Val::I64(v as i64),
        Value::F32(bits) => Val::F32(bits),
        Value::F64(bits) => Val::F64(bits),
        Value::V128((low, high)) => Val::V128((u128::from(low) | (u128::from(high) << 64)).into()),
        Value::NullRef | Value::NonNullRef => return None,
    })
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

impl wit::Host for Host {}

impl wit::HostDebuggee for Host {
    fn state(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<wit::State> {
        Ok(match self.execution.state().map_err(trap)? {
            StateView::Paused(stop) => wit::State::Paused(match stop {
                Stop::Entry => wit::Stop::Entry,
                Stop::Breakpoint => wit::Stop::Breakpoint,
                Stop::Step => wit::Stop::Step,
                Stop::Interrupted => wit::Stop::Interrupted,
                Stop::Trap(description) => wit::Stop::Trap(description),
                Stop::Exception => wit::Stop::Exception,
            }),
            StateView::Running => wit::State::Running,
            StateView::Exited(status) => wit::State::Exited(status),
        })
    }

    fn subscribe(
        &mut self,
        _: Resource<DebuggeeHandle>,
    ) -> wasmtime::Result<Resource<DynPollable>> {
        let readiness = NotRunning(self.execution.readiness());
        let resource = self.table.push(readiness)?;
        subscribe(&mut self.table, resource)
    }

    fn resume(&mut self, _: Resource<DebuggeeHandle>, mode: wit::ResumeMode) -> HostResult<()> {
        let mode = match mode {
            wit::ResumeMode::Continue => ResumeMode::Continue,
            wit::ResumeMode::Step => ResumeMode::Step,
        };
        Ok(self
            .execution
            .resume(mode)
            .map_err(trap)?
            .map_err(state_error))
    }

    fn interrupt(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<()> {
        self.execution.interrupt();
        Ok(())
    }

    fn kill(&mut self, _: Resource<DebuggeeHandle>) -> wasmtime::Result<()> {
        self.execution.kill();
        Ok(())
    }

    fn modules(&mut self, _: Resource<DebuggeeHandle>) -> HostResult<Vec<ModuleInfo>> {
        if let Err(error) = self.refresh()? {
            return Ok(Err(error));
        }
        Ok(Ok(self
            .modules
            .iter()
            .map(|module| ModuleInfo {
                name: module.name().map(str::to_string),
                size: module
                    .debug_bytecode()
                    .map_or(0, |bytes| bytes.len() as u32),
            })
            .collect()))
    }

    fn bytecode(&mut self, _: Resource<DebuggeeHandle>, module: u32) -> HostResult<Vec<u8>> {
        if let StateView::Exited(_) = self.execution.state().map_err(trap)? {
            return Ok(Err(Error::Exited));
        }
        let module = match self.module(module)? {
            Ok(module) => module,
            Err(error) => return Ok(Err(error)),
        };
        match module.debug_bytecode() {
            Some(bytes) => Ok(Ok(bytes.to_vec())),
            None => wasmtime::bail!("the engine does not keep bytecode for debugging"),
        }
    }

    fn instances(&mut self, _: Resource<DebuggeeHandle>) -> HostResult<Vec<InstanceInfo>> {
        if let Err(error) = self.refresh()? {
            return Ok(Err(error));
        }
        Ok(Ok(self.instances.iter().map(|known| known.info).collect()))
    }

    fn frames(&mut self, _: Resource<DebuggeeHandle>, max: u32) -> HostResult<Vec<Frame>> {
        let count = usize::try_from(max).unwrap_or(usize::MAX);
        let raw = match self.inspect(move |paused| Ok(raw_frames(paused, count)))? {
            Ok(raw) => raw?,
            Err(error) => return Ok(Err(error)),
        };
        let mut frames = Vec::with_capacity(raw.len());
        for RawFrame {
            instance,
            module,
            defined_function,
            pc,
            locals,
            operands,
        } in raw
        {
            let instance_index = match self.instance_index(instance)? {
                Ok(index) => index,
                Err(error) => return Ok(Err(error)),
            };
            let module_index = self.module_index(&module);
            frames.push(Frame {
                instance: instance_index,
                function: self.imported_functions[module_index as usize] + defined_function,
                location: CodeLocation {
                    module: module_index,
                    pc,
                },
                locals,
                operands,
            });
        }
        Ok(Ok(frames))
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
        self.inspect_instance(instance, move |store, instance| {
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
        self.inspect_instance(instance, move |store, instance| {
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
        self.inspect_instance(instance, move |store, instance| {
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
        self.inspect_instance(instance, move |store, instance| {
            let global = instance
                .debug_global(&mut *store, global)
                .ok_or(Error::BadIndex)?;
            Ok(value_to_wit(&global.get(&mut *store)))
        })
    }

    fn set_global(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        global: u32,
        value: Value,
    ) -> HostResult<()> {
        self.inspect_instance(instance, move |store, instance| {
            let global = instance
                .debug_global(&mut *store, global)
                .ok_or(Error::BadIndex)?;
            let value = value_from_wit(value).ok_or(Error::TypeMismatch)?;
            // Wasmtime checks the type and mutability.
            global
                .set(&mut *store, value)
                .map_err(|_| Error::TypeMismatch)
        })
    }

    fn table_size(
        &mut self,
        _: Resource<DebuggeeHandle>,
        instance: u32,
        table: u32,
    ) -> HostResult<u64> {
        self.inspect_instance(instance, move |store, instance| {
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
        self.inspect_instance(instance, move |store, instance| {
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

    fn drop(&mut self, handle: Resource<DebuggeeHandle>) -> wasmtime::Result<()> {
        self.table.delete(handle)?;
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum FrameSlot {
    Local,
    Operand,
}

impl Host {
    fn instance_index(&mut self, instance: Instance) -> HostResult<u32> {
        let find = |host: &Host| {
            host.instances.iter().position(|known| {
                known.instance.debug_index_in_store() == instance.debug_index_in_store()
            })
        };
        if find(self).is_none()
            && let Err(error) = self.refresh()?
        {
            return Ok(Err(error));
        }
        match find(self) {
            Some(index) => Ok(Ok(index as u32)),
            None => wasmtime::bail!("a frame's instance is not in the store's instance list"),
        }
    }

    fn frame_value(&mut self, frame: u32, index: u32, slot: FrameSlot) -> HostResult<Value> {
        self.inspect(move |paused| {
            let frame = match paused.frame(frame) {
                Ok(Some(frame)) => frame,
                Ok(None) | Err(_) => return Err(Error::BadIndex),
            };
            let store = &mut paused.store;
            let count = match slot {
                FrameSlot::Local => frame.num_locals(&mut *store),
                FrameSlot::Operand => frame.num_stacks(&mut *store),
            };
            // Wasmtime panics on an index past the end, so check first.
            match count {
                Ok(count) if index < count => {}
                Ok(_) => return Err(Error::BadIndex),
                Err(_) => return Err(Error::BadIndex),
            }
            let value = match slot {
                FrameSlot::Local => frame.local(&mut *store, index),
                FrameSlot::Operand => frame.stack(&mut *store, index),
            };
            value
                .map(|value| value_to_wit(&value))
                .map_err(|_| Error::BadIndex)
        })
    }

    /// Adds or removes a breakpoint. The pc moves forward to an instruction
    /// here, not in Wasmtime: Wasmtime 48 forgets where a moved breakpoint
    /// came from after one removal, so one added twice could not be removed.
    fn edit_breakpoint(&mut self, location: CodeLocation, add: bool) -> HostResult<()> {
        let module = match self.module(location.module)? {
            Ok(module) => module,
            Err(error) => return Ok(Err(error)),
        };
        // Check the state first: editing needs a paused program.
        if let Err(error) = self.inspect(|_| Ok(()))? {
            return Ok(Err(error));
        }
        let bytecode = module.debug_bytecode().unwrap_or_default();
        let Some(pc) = bytecode::instruction_at_or_after(bytecode, location.pc) else {
            return Ok(Err(Error::OutOfBounds));
        };
        Ok(self
            .execution
            .edit_breakpoint(&module, pc, add)
            .map_err(trap)?
            .map_err(state_error))
    }
}

/// The number of functions a module imports: they come first in its
/// function index space, before the functions it defines.
fn imported_functions(module: &Module) -> u32 {
    module
        .imports()
        .filter(|import| matches!(import.ty(), wasmtime::ExternType::Func(_)))
        .count() as u32
}

/// The pollable behind `subscribe`: ready when the program is not running.
struct NotRunning(super::execution::Readiness);

#[wasmtime_wasi::async_trait]
impl Pollable for NotRunning {
    async fn ready(&mut self) {
        self.0.ready().await;
    }
}

impl wasmdebug::debugger::console::Host for Host {
    fn print(&mut self, line: String) -> wasmtime::Result<()> {
        // Nobody reading our stderr any more is no reason to stop debugging.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_index_spaces_of_any_size() {
        for size in [0u32, 1, 2, 3, 7, 8, 9, 100, 1000, 65_537] {
            let mut probes = 0;
            let counted = count_items(|index| {
                probes += 1;
                index < size
            });
            assert_eq!(counted, size);
            assert!(probes <= 2 * 32 + 2, "{probes} probes for {size}");
        }
    }

    #[test]
    fn memory_ranges() {
        assert_eq!(memory_range(0, 4, 4), Ok(0..4));
        assert_eq!(memory_range(4, 0, 4), Ok(4..4));
        assert_eq!(memory_range(3, 2, 4), Err(Error::OutOfBounds));
        assert_eq!(memory_range(u64::MAX, 2, 4), Err(Error::OutOfBounds));
    }
}
