//! Running a program to completion, and turning how it ended into an exit status.

use anyhow::Result;
use wasmtime::Store;
use wasmtime::error::Context as _;
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;

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

/// Linkers for both kinds of program, with WASI added.
pub struct Linkers {
    module: wasmtime::Linker<WasiP1Ctx>,
    component: wasmtime::component::Linker<WasiP1Ctx>,
}

impl Linkers {
    pub fn new(engine: &wasmtime::Engine) -> Result<Linkers> {
        let mut module = wasmtime::Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut module, |cx| cx)?;
        let mut component = wasmtime::component::Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut component)?;
        Ok(Linkers { module, component })
    }
}

/// Instantiates and runs `program` in `store` until it ends.
///
/// `Err` means it could not start (an import we do not provide, a missing
/// entry point); everything after that is an [`Ending`].
pub async fn run(
    store: &mut Store<WasiP1Ctx>,
    linkers: &Linkers,
    program: &Program,
) -> Result<Ending> {
    let result = match program {
        Program::Module(module) => {
            let instance = match linkers.module.instantiate_async(&mut *store, module).await {
                Ok(instance) => instance,
                // A start function can trap during instantiation.
                Err(error) if is_trap(&error) => return Ok(ending(Err(error))),
                Err(error) => {
                    return Err(error.context("failed to instantiate the program").into());
                }
            };
            let start = instance
                .get_typed_func::<(), ()>(&mut *store, "_start")
                .context("the module has no `_start` function: only WASI commands can be run")?;
            start.call_async(&mut *store, ()).await
        }
        Program::Component(component) => {
            let command = wasmtime_wasi::p2::bindings::Command::instantiate_async(
                &mut *store,
                component,
                &linkers.component,
            )
            .await
            .context("failed to instantiate the program")?;
            match command.wasi_cli_run().call_run(&mut *store).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(())) => return Ok(Ending::Exited(1)),
                Err(error) => Err(error),
            }
        }
    };
    Ok(ending(result))
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

/// Runs `program` with no debugger and returns how it ended.
pub fn run_to_completion(
    engine: &wasmtime::Engine,
    program: &Program,
    wasi: WasiP1Ctx,
) -> Result<Ending> {
    let linkers = Linkers::new(engine)?;
    let mut store = Store::new(engine, wasi);
    wasmtime_wasi::runtime::in_tokio(run(&mut store, &linkers, program))
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
