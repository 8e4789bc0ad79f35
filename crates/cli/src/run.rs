//! Running a program to completion, and turning how it ended into an exit status.

use anyhow::{Result, bail};
use wasmtime::error::Context as _;
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder, Val, ValType};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{I32Exit, WasiCtxView, WasiView};

use crate::options::Settings;
use crate::program::Program;

/// The process exit status after a trap, as for a native program that
/// aborts (128 + SIGABRT).
pub const TRAP_EXIT_STATUS: i32 = 134;

/// How a program ended.
#[derive(Debug)]
pub enum Ending {
    /// It returned or exited with this status.
    Exited(i32),
    /// It trapped; the error holds the trap and its Wasm backtrace.
    Trapped(wasmtime::Error),
}

impl Ending {
    /// The status this process exits with.
    pub fn exit_status(&self) -> i32 {
        match self {
            Ending::Exited(status) => *status,
            Ending::Trapped(_) => TRAP_EXIT_STATUS,
        }
    }
}

/// What a program's store holds: its WASI context and whatever else the
/// run needs. Under a debugger, the debuggee's store holds the WASI context
/// alone.
pub trait Guest: WasiView + 'static {
    fn p1(&mut self) -> &mut WasiP1Ctx;
}

impl Guest for WasiP1Ctx {
    fn p1(&mut self) -> &mut WasiP1Ctx {
        self
    }
}

/// A plain run's store data: WASI, and the limits of `-W max-memory-size`.
pub struct Limited {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

impl WasiView for Limited {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.wasi.ctx()
    }
}

impl Guest for Limited {
    fn p1(&mut self) -> &mut WasiP1Ctx {
        &mut self.wasi
    }
}

/// Linkers for both kinds of program, with WASI added (unless `-S cli=n`).
pub struct Linkers<T: 'static> {
    module: wasmtime::Linker<T>,
    component: wasmtime::component::Linker<T>,
}

impl<T: Guest> Linkers<T> {
    /// Linkers of these definitions (layers over WASI, such as a
    /// recording's).
    pub fn new(
        module: wasmtime::Linker<T>,
        component: wasmtime::component::Linker<T>,
    ) -> Linkers<T> {
        Linkers { module, component }
    }

    fn with_wasi(engine: &wasmtime::Engine, wasi: bool) -> Result<Linkers<T>> {
        let mut module = wasmtime::Linker::new(engine);
        let mut component = wasmtime::component::Linker::new(engine);
        if wasi {
            wasmtime_wasi::p1::add_to_linker_async(&mut module, T::p1)?;
            wasmtime_wasi::p2::add_to_linker_async(&mut component)?;
        }
        Ok(Linkers { module, component })
    }
}

/// `--invoke`: an export to call instead of the entry point, and its
/// arguments as text.
pub struct Invoke {
    pub name: String,
    pub args: Vec<String>,
}

/// A core module instantiated before the program, under an import module
/// name (`--preload NAME=PATH`).
pub struct Preload {
    pub name: String,
    pub module: wasmtime::Module,
}

/// Instantiates and runs `program` in `store` until it ends.
///
/// `Err` means it could not start (an import we do not provide, a missing
/// entry point); everything after that is an [`Ending`].
pub async fn run<T: Guest>(
    store: &mut Store<T>,
    linkers: &Linkers<T>,
    program: &Program,
) -> Result<Ending> {
    run_or_call(store, linkers, program, None).await
}

/// Runs the program's entry point, or with `invoke` calls one export with
/// the given arguments and prints its results on stdout as `wasmtime run`
/// does.
async fn run_or_call<T: Guest>(
    store: &mut Store<T>,
    linkers: &Linkers<T>,
    program: &Program,
    invoke: Option<&Invoke>,
) -> Result<Ending> {
    match program {
        Program::Module(module) => run_module(store, linkers, module, invoke).await,
        Program::Component(component) => run_component(store, linkers, component, invoke).await,
    }
}

async fn run_module<T: Guest>(
    store: &mut Store<T>,
    linkers: &Linkers<T>,
    module: &wasmtime::Module,
    invoke: Option<&Invoke>,
) -> Result<Ending> {
    let instance = match linkers.module.instantiate_async(&mut *store, module).await {
        Ok(instance) => instance,
        // A start function can trap during instantiation.
        Err(error) if is_trap(&error) => return Ok(ending(Err(error))),
        Err(error) => return Err(error.context("failed to instantiate the program").into()),
    };
    let Some(invoke) = invoke else {
        let start = instance
            .get_typed_func::<(), ()>(&mut *store, "_start")
            .context("the module has no `_start` function: only WASI commands can be run")?;
        return Ok(ending(start.call_async(&mut *store, ()).await));
    };
    // A reactor's initializer runs before any export, as in `wasmtime run`.
    if let Some(initialize) = instance.get_func(&mut *store, "_initialize") {
        let initialize = initialize.typed::<(), ()>(&*store)?;
        if let Err(error) = initialize.call_async(&mut *store, ()).await {
            return Ok(ending(Err(error)));
        }
    }
    let Some(func) = instance.get_func(&mut *store, &invoke.name) else {
        bail!("the module has no function export named `{}`", invoke.name);
    };
    call_core(store, func, invoke).await
}

async fn run_component<T: Guest>(
    store: &mut Store<T>,
    linkers: &Linkers<T>,
    component: &wasmtime::component::Component,
    invoke: Option<&Invoke>,
) -> Result<Ending> {
    let Some(invoke) = invoke else {
        let command = wasmtime_wasi::p2::bindings::Command::instantiate_async(
            &mut *store,
            component,
            &linkers.component,
        )
        .await
        .context("failed to instantiate the program")?;
        return Ok(match command.wasi_cli_run().call_run(&mut *store).await {
            Ok(Ok(())) => Ending::Exited(0),
            Ok(Err(())) => Ending::Exited(1),
            Err(error) => ending(Err(error)),
        });
    };
    let instance = linkers
        .component
        .instantiate_async(&mut *store, component)
        .await
        .context("failed to instantiate the program")?;
    call_component(store, component, &instance, invoke).await
}

fn is_trap(error: &wasmtime::Error) -> bool {
    error.downcast_ref::<wasmtime::Trap>().is_some()
}

/// Classifies the result of the guest's entry point.
fn ending(result: wasmtime::Result<()>) -> Ending {
    match result {
        Ok(()) => Ending::Exited(0),
        Err(error) => match error.downcast_ref::<I32Exit>() {
            Some(exit) => Ending::Exited(exit.0),
            None => Ending::Trapped(error),
        },
    }
}

/// Runs `program` with no debugger and returns how it ended: preloads
/// first, then the entry point or `invoke`, within the `-W` limits.
pub fn run_to_completion(
    engine: &wasmtime::Engine,
    program: &Program,
    wasi: WasiP1Ctx,
    settings: &Settings,
    preloads: &[Preload],
    invoke: Option<&Invoke>,
) -> Result<Ending> {
    let mut linkers = Linkers::with_wasi(engine, settings.cli)?;
    let mut limits = StoreLimitsBuilder::new();
    if let Some(bytes) = settings.max_memory_size {
        limits = limits.memory_size(bytes);
    }
    let data = Limited {
        wasi,
        limits: limits.build(),
    };
    let mut store = Store::new(engine, data);
    store.limiter(|data| &mut data.limits);
    if let Some(fuel) = settings.fuel {
        store.set_fuel(fuel)?;
    }
    if let Some(timeout) = settings.timeout {
        // Code that makes no calls is stopped by the epoch change.
        store.set_epoch_deadline(1);
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        });
    }
    wasmtime_wasi::runtime::in_tokio(async {
        for preload in preloads {
            linkers
                .module
                .module_async(&mut store, &preload.name, &preload.module)
                .await
                .with_context(|| format!("failed to preload `{}`", preload.name))?;
        }
        let run = run_or_call(&mut store, &linkers, program, invoke);
        match settings.timeout {
            // A program waiting in a WASI call is stopped by the runtime.
            Some(timeout) => match tokio::time::timeout(timeout, run).await {
                Ok(ending) => ending,
                Err(_) => Ok(Ending::Trapped(
                    wasmtime::Error::from(wasmtime::Trap::Interrupt)
                        .context(format!("timed out after {timeout:?}")),
                )),
            },
            None => run.await,
        }
    })
}

/// Calls a core function, and prints its results; `Err` is a bad argument.
async fn call_core<T: Guest>(
    store: &mut Store<T>,
    func: wasmtime::Func,
    invoke: &Invoke,
) -> Result<Ending> {
    let ty = func.ty(&*store);
    if ty.params().len() != invoke.args.len() {
        bail!(
            "`{}` takes {} arguments, not {}",
            invoke.name,
            ty.params().len(),
            invoke.args.len()
        );
    }
    let params = ty
        .params()
        .zip(&invoke.args)
        .map(|(ty, text)| core_value(&ty, text))
        .collect::<Result<Vec<_>>>()?;
    let mut results = vec![Val::I32(0); ty.results().len()];
    if let Err(error) = func.call_async(&mut *store, &params, &mut results).await {
        return Ok(ending(Err(error)));
    }
    for result in results {
        match result {
            Val::I32(n) => println!("{n}"),
            Val::I64(n) => println!("{n}"),
            Val::F32(bits) => println!("{}", f32::from_bits(bits)),
            Val::F64(bits) => println!("{}", f64::from_bits(bits)),
            Val::V128(bits) => println!("{}", bits.as_u128()),
            Val::FuncRef(None) => println!("<null funcref>"),
            Val::FuncRef(Some(_)) => println!("<funcref>"),
            Val::ExternRef(None) => println!("<null externref>"),
            Val::ExternRef(Some(_)) => println!("<externref>"),
            Val::AnyRef(None) => println!("<null anyref>"),
            Val::AnyRef(Some(_)) => println!("<anyref>"),
            Val::ExnRef(None) => println!("<null exnref>"),
            Val::ExnRef(Some(_)) => println!("<exnref>"),
            Val::ContRef(None) => println!("<null contref>"),
            Val::ContRef(Some(_)) => println!("<contref>"),
        }
    }
    Ok(Ending::Exited(0))
}

/// A core argument from text: integers in decimal or `0x` hexadecimal.
fn core_value(ty: &ValType, text: &str) -> Result<Val> {
    let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"));
    let value = match ty {
        ValType::I32 => match hex {
            Some(hex) => u32::from_str_radix(hex, 16)
                .map(|n| Val::I32(n as i32))
                .ok(),
            None => text.parse().map(Val::I32).ok(),
        },
        ValType::I64 => match hex {
            Some(hex) => u64::from_str_radix(hex, 16)
                .map(|n| Val::I64(n as i64))
                .ok(),
            None => text.parse().map(Val::I64).ok(),
        },
        ValType::F32 => text.parse::<f32>().map(|x| Val::F32(x.to_bits())).ok(),
        ValType::F64 => text.parse::<f64>().map(|x| Val::F64(x.to_bits())).ok(),
        other => bail!("--invoke cannot pass a {other} argument"),
    };
    value.ok_or_else(|| anyhow::anyhow!("invalid {ty} argument `{text}`"))
}

/// Calls a component function named by a WAVE call, `name(args...)`: an
/// export of the component, or of exactly one of its exported instances;
/// prints its results. `Err` is a bad call.
async fn call_component<T: Guest>(
    store: &mut Store<T>,
    component: &wasmtime::component::Component,
    instance: &wasmtime::component::Instance,
    invoke: &Invoke,
) -> Result<Ending> {
    use wasmtime::component::types::ComponentItem;
    use wasmtime::component::wasm_wave::untyped::UntypedFuncCall;
    use wasmtime::component::wasm_wave::wasm::DisplayFuncResults;

    let call = UntypedFuncCall::parse(&invoke.name)
        .map_err(|error| anyhow::anyhow!("invalid --invoke call `{}`: {error}", invoke.name))?;
    let name = call.name();
    let engine = store.engine().clone();
    let mut found = Vec::new();
    if let Some((ComponentItem::ComponentFunc(_), index)) = component.get_export(None, name) {
        found.push((index, name.to_string()));
    }
    for (instance_name, item) in component.component_type().exports(&engine) {
        let ComponentItem::ComponentInstance(ty) = item.ty else {
            continue;
        };
        let is_func = |(export, item): (&str, wasmtime::component::types::ComponentExtern<'_>)| {
            export == name && matches!(item.ty, ComponentItem::ComponentFunc(_))
        };
        if ty.exports(&engine).any(is_func)
            && let Some((_, parent)) = component.get_export(None, instance_name)
            && let Some((_, index)) = component.get_export(Some(&parent), name)
        {
            found.push((index, format!("{instance_name}#{name}")));
        }
    }
    let index = match found.as_slice() {
        [(index, _)] => *index,
        [] => bail!("the component exports no function named `{name}`"),
        many => {
            let names: Vec<&str> = many.iter().map(|(_, name)| name.as_str()).collect();
            bail!(
                "more than one function is named `{name}`: {}",
                names.join(", ")
            )
        }
    };
    let Some(func) = instance.get_func(&mut *store, index) else {
        bail!("the component exports no function named `{name}`");
    };
    let ty = func.ty(&*store);
    let param_types: Vec<_> = ty.params().map(|(_, ty)| ty).collect();
    let params = call
        .to_wasm_params(&param_types)
        .map_err(|error| anyhow::anyhow!("invalid arguments for `{name}`: {error}"))?;
    let mut results = vec![wasmtime::component::Val::Bool(false); ty.results().len()];
    if let Err(error) = func.call_async(&mut *store, &params, &mut results).await {
        return Ok(ending(Err(error)));
    }
    println!("{}", DisplayFuncResults(&results));
    Ok(Ending::Exited(0))
}

/// The message printed for a trap: the trap and the guest's backtrace.
pub fn describe_trap(error: &wasmtime::Error) -> String {
    let cause = match error.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{error:#}"),
    };
    match error.downcast_ref::<wasmtime::WasmBacktrace>() {
        Some(backtrace) => format!("the program trapped: {cause}\n{backtrace}"),
        None => format!("the program trapped: {cause}"),
    }
}
