//! Recording a program's inputs, and replaying them: what time travel
//! (`debug::timeline`) and recordings to a file (`run --record`,
//! `wasmdebug replay`) are built on.

mod call;
mod file;
mod preview1;
mod recording;

pub use call::Call;
pub use file::{End, Header, RecordFile, Writer};
pub use preview1::{Recorded, linker, plain_linker};
pub use recording::{DEFAULT_CAP, Diverged, Recording};

use anyhow::Result;
use wasmtime::{Engine, Linker, Store};

use crate::program::Program;
use crate::run::{self, Ending, Linkers};

/// Runs a core module to its end on `data`'s inputs: the host's, recorded
/// (`run --record`), or a recording's (`wasmdebug replay`), and gives the
/// data back. `module_linker` is `linker`'s.
pub fn run_to_end(
    engine: &Engine,
    program: &Program,
    module_linker: Linker<Recorded>,
    data: Recorded,
) -> Result<(Ending, Recorded)> {
    let linkers = Linkers::with_module_linker(engine, module_linker)?;
    let mut store = Store::new(engine, data);
    let ending = wasmtime_wasi::runtime::in_tokio(run::run(&mut store, &linkers, program))?;
    Ok((ending, store.into_data()))
}
