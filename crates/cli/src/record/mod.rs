//! Recording a program's inputs, and replaying them: what time travel
//! (`debug::timeline`) and recordings to a file (`run --record`,
//! `wasmdebug replay`) are built on.

mod call;
mod file;
mod preview1;
mod preview2;
mod recorded;
mod recording;

pub use call::Call;
pub use file::{End, Header, RecordFile, Writer};
pub use recorded::Recorded;
pub use recording::{DEFAULT_CAP, Diverged, Recording};

use anyhow::Result;
use wasmtime::{Engine, Store};

use crate::program::Program;
use crate::run::{self, Ending, Linkers};

/// Linkers whose WASI functions record or replay, by the store's tape, and
/// the names a recording of `program` gives its functions, by the number a
/// recorded call names them with.
pub fn linkers(
    engine: &Engine,
    program: &Program,
) -> Result<(Linkers<Recorded>, Vec<&'static str>)> {
    let (module, module_names) = preview1::linker(engine)?;
    let component = preview2::linker(engine)?;
    let names = match program {
        Program::Module(_) => module_names,
        Program::Component(_) => preview2::NAMES.to_vec(),
    };
    Ok((Linkers::new(module, component), names))
}

/// Linkers with WASI's own functions, for a run that nothing records or
/// replays (time travel off).
pub fn plain_linkers(engine: &Engine) -> Result<Linkers<Recorded>> {
    let mut component = wasmtime::component::Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut component)?;
    Ok(Linkers::new(preview1::plain_linker(engine)?, component))
}

/// Runs a program to its end on `data`'s inputs: the host's, recorded
/// (`run --record`), or a recording's (`wasmdebug replay`), and gives the
/// data back. `linkers` are `linkers`'.
pub fn run_to_end(
    engine: &Engine,
    program: &Program,
    linkers: &Linkers<Recorded>,
    data: Recorded,
) -> Result<(Ending, Recorded)> {
    let mut store = Store::new(engine, data);
    let ending = wasmtime_wasi::runtime::in_tokio(run::run(&mut store, linkers, program))?;
    Ok((ending, store.into_data()))
}
