//! A core module's WASI preview 1 imports, recorded and replayed.
//!
//! Every `wasi_snapshot_preview1` function the program can import is a
//! wrapper of ours. Live, it calls the real WASI function and records its
//! results and the guest memory it wrote; in a replay it writes the same
//! bytes and returns the same results, and the host is never touched: no
//! file is read or written twice, no clock read, nothing printed again.
//!
//! What a function writes is known from its signature (`outputs`): a
//! pointer argument and a fixed size, a buffer, the buffers of an iovec
//! list filled up to the count the call returns. What is written there is
//! recorded after the call (the bytes before it are the same in a replay,
//! which runs the same code), so an output region may be wider than what
//! the call changed. A function this table does not know is recorded by
//! comparing all of memory before and after the call: slow, but exact.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use std::io::Write;

use wasmtime::{Caller, Engine, Extern, Func, Linker, Memory, Store, Val, ValType};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{I32Exit, WasiCtxBuilder, WasiCtxView, WasiView};

use super::call::{Call, Outcome};
use super::preview2::ShownStreams;
use super::recording::{Diverged, Recording, Tape};
use crate::run::Guest;

const MODULE: &str = "wasi_snapshot_preview1";

/// The shim's name (in its name section), which hides it from the debugger.
const SHIM: &str = "wasmdebug-wasi-shim";

/// Whether `module` is the shim that forwards recorded calls, which no
/// debugger sees: not in the module list, not in a backtrace, no stop in it.
pub fn is_shim(module: &wasmtime::Module) -> bool {
    module.name() == Some(SHIM)
}

/// The debuggee's store data: its WASI context, and its side of the
/// recording.
pub struct Recorded {
    wasi: WasiP1Ctx,
    tape: Tape,
    /// The real WASI functions in this store, through the shim, by the
    /// index `Functions` gives them; empty until the first call, and in a
    /// replay, which never calls them.
    originals: Arc<[Func]>,
    /// The program's memory, found at the first call that needs it (a
    /// lookup by name costs more than some calls).
    memory: Option<Memory>,
    /// A component's stdout and stderr, to show in a replay.
    shown_streams: ShownStreams,
}

impl Recorded {
    /// The live program's data: calls go to `wasi` and, if given, are
    /// recorded.
    pub fn live(wasi: WasiP1Ctx, recording: Option<Arc<Recording>>) -> Recorded {
        Recorded {
            wasi,
            tape: recording.map_or(Tape::Off, Tape::Record),
            originals: Arc::from([]),
            memory: None,
            shown_streams: ShownStreams::default(),
        }
    }

    /// How many recorded calls a replay has answered so far.
    pub fn replayed(&self) -> Option<usize> {
        match self.tape {
            Tape::Replay { next, .. } => Some(next),
            _ => None,
        }
    }

    /// Whether its calls go to a recording or come from one.
    pub fn is_recorded(&self) -> bool {
        !matches!(self.tape, Tape::Off)
    }

    /// Whether this is a replay's data.
    pub fn is_replay(&self) -> bool {
        matches!(self.tape, Tape::Replay { .. })
    }

    /// A replay's data: every call is answered from `recording`. Its WASI
    /// context is empty, and never used. With `shown`, what the program
    /// writes to its stdout and stderr is printed on ours (`wasmdebug
    /// replay`); time travel's replays print nothing.
    pub fn replay(recording: Arc<Recording>, shown: bool) -> Recorded {
        Recorded {
            wasi: WasiCtxBuilder::new().build_p1(),
            tape: Tape::Replay {
                recording,
                next: 0,
                shown,
            },
            originals: Arc::from([]),
            memory: None,
            shown_streams: ShownStreams::default(),
        }
    }
}

impl Recorded {
    /// What a component's recorded WASI calls use (`preview2`).
    pub(super) fn preview2_parts(&mut self) -> (&mut WasiP1Ctx, &mut Tape, &mut ShownStreams) {
        (&mut self.wasi, &mut self.tape, &mut self.shown_streams)
    }
}

impl WasiView for Recorded {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.wasi.ctx()
    }
}

impl Guest for Recorded {
    fn p1(&mut self) -> &mut WasiP1Ctx {
        &mut self.wasi
    }
}

/// The names of the preview 1 functions, in a fixed order: a recorded
/// call names its function by index here.
struct Functions {
    names: Vec<&'static str>,
    /// The real functions, for the shim to import.
    real: Linker<Recorded>,
    shim: wasmtime::Module,
}

/// A module linker whose preview 1 functions are the recording wrappers,
/// and the functions' names, by the index a recorded call names them with.
pub fn linker(engine: &Engine) -> Result<(Linker<Recorded>, Vec<&'static str>)> {
    Functions::linker(engine)
}

/// A module linker with WASI's own preview 1 functions, for a program
/// whose calls are neither recorded nor replayed (time travel off).
pub fn plain_linker(engine: &Engine) -> Result<Linker<Recorded>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |data: &mut Recorded| &mut data.wasi)?;
    Ok(linker)
}

impl Functions {
    fn linker(engine: &Engine) -> Result<(Linker<Recorded>, Vec<&'static str>)> {
        let mut real = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut real, |data: &mut Recorded| &mut data.wasi)?;
        // The function types come from the real definitions, read in a
        // scratch store.
        let mut scratch = Store::new(engine, Recorded::replay(Recording::new(0), false));
        let mut funcs = Vec::new();
        for (module, name, item) in real.iter(&mut scratch) {
            if let (MODULE, Extern::Func(func)) = (module, item) {
                funcs.push((leak_name(name), func));
            }
        }
        // The linker's order is a hash map's: sorted, every linker numbers
        // the functions alike.
        funcs.sort_by_key(|(name, _)| *name);
        let defined: Vec<_> = funcs
            .into_iter()
            .map(|(name, func)| (name, func.ty(&scratch)))
            .collect();
        let names: Vec<&'static str> = defined.iter().map(|(name, _)| *name).collect();
        let shim = wasmtime::Module::new(engine, shim_text(&defined))
            .map_err(anyhow::Error::from)
            .context("cannot compile the WASI shim")?;
        let functions = Arc::new(Functions {
            names: names.clone(),
            real,
            shim,
        });
        let mut linker = Linker::new(engine);
        for (index, (name, ty)) in defined.into_iter().enumerate() {
            let wrapped = Arc::new(Wrapped {
                index: index as u16,
                outputs: outputs(name),
                results: ty.results().collect(),
                functions: functions.clone(),
            });
            linker.func_new_async(MODULE, name, ty, move |caller, params, results| {
                let wrapped = wrapped.clone();
                Box::new(async move { call(caller, &wrapped, params, results).await })
            })?;
        }
        Ok((linker, names))
    }

    /// The real functions, through this store's shim, instantiated at the
    /// first call.
    async fn originals(&self, caller: &mut Caller<'_, Recorded>) -> wasmtime::Result<Arc<[Func]>> {
        if !caller.data().originals.is_empty() {
            return Ok(caller.data().originals.clone());
        }
        let Some(memory) = program_memory(caller) else {
            wasmtime::bail!("the program exports no memory for WASI to use");
        };
        let mut linker = self.real.clone();
        linker.define(&*caller, "program", "memory", memory)?;
        let shim = linker.instantiate_async(&mut *caller, &self.shim).await?;
        let mut originals = Vec::with_capacity(self.names.len());
        for index in 0..self.names.len() {
            match shim.get_func(&mut *caller, &index.to_string()) {
                Some(func) => originals.push(func),
                None => wasmtime::bail!("the WASI shim lacks function {index}"),
            }
        }
        let originals: Arc<[Func]> = originals.into();
        caller.data_mut().originals = originals.clone();
        Ok(originals)
    }

    fn name(&self, index: u16) -> &'static str {
        self.names.get(usize::from(index)).copied().unwrap_or("?")
    }
}

/// A name the linker lends for the duration of a borrow, kept for the
/// process: there are fewer than fifty, read once per engine.
fn leak_name(name: &str) -> &'static str {
    Box::leak(name.to_string().into_boxed_str())
}

/// The shim's text: it imports the program's memory and every real
/// function, exports the memory, and exports function `I` forwarding to
/// real function `I`.
fn shim_text(functions: &[(&str, wasmtime::FuncType)]) -> String {
    let types =
        |ty: Vec<wasmtime::ValType>| -> String { ty.iter().map(|ty| format!(" {ty}")).collect() };
    let mut text = format!("(module ${SHIM}\n  (import \"program\" \"memory\" (memory 0))\n");
    for (index, (name, ty)) in functions.iter().enumerate() {
        text += &format!(
            "  (import \"{MODULE}\" \"{name}\" (func $f{index} (param{}) (result{})))\n",
            types(ty.params().collect()),
            types(ty.results().collect()),
        );
    }
    text += "  (export \"memory\" (memory 0))\n";
    for (index, (_, ty)) in functions.iter().enumerate() {
        let gets: String = (0..ty.params().len())
            .map(|i| format!(" local.get {i}"))
            .collect();
        text += &format!(
            "  (func (export \"{index}\") (param{}) (result{}){gets} call $f{index})\n",
            types(ty.params().collect()),
            types(ty.results().collect()),
        );
    }
    text + ")"
}

/// What a wrapper knows of the function it wraps.
struct Wrapped {
    /// Its index in `functions.names`.
    index: u16,
    outputs: &'static [Output],
    /// Its result types (the result slots Wasmtime hands over are untyped
    /// placeholders).
    results: Vec<ValType>,
    functions: Arc<Functions>,
}

/// One call of a wrapper: the recorded answer in a replay, else the real
/// function's, recorded if the store records. Either way the call costs no
/// fuel (see the module's comment).
async fn call(
    mut caller: Caller<'_, Recorded>,
    wrapped: &Wrapped,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    // No fuel is counted without time travel (`-D time-travel=n`).
    let clock = caller.get_fuel().ok();
    let answered = answer(&mut caller, wrapped, params, results).await;
    if let Some(clock) = clock {
        caller.set_fuel(clock)?;
    }
    answered
}

async fn answer(
    caller: &mut Caller<'_, Recorded>,
    wrapped: &Wrapped,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let Wrapped { index, outputs, .. } = *wrapped;
    let functions = &*wrapped.functions;
    let args: Box<[i64]> = params.iter().map(integer).collect();
    let recording = match &mut caller.data_mut().tape {
        Tape::Off => None,
        Tape::Record(recording) => Some(recording.clone()),
        Tape::Replay {
            recording,
            next,
            shown,
        } => {
            let (recording, shown) = (recording.clone(), *shown);
            let answer = Tape::replay(
                &recording,
                next,
                index,
                &args,
                |index| functions.name(index),
                |call| replay_outcome(&call.outcome),
            );
            let (results_seen, writes) = match answer {
                Ok(Replayed::Returned(results_seen, writes)) => (results_seen, writes),
                Ok(Replayed::Exited(status)) => return Err(wasmtime::Error::new(I32Exit(status))),
                Ok(Replayed::Failed(message)) => return Err(wasmtime::Error::msg(message)),
                Err(diverged) => return Err(wasmtime::Error::new(diverged)),
            };
            write_back(caller, &writes)?;
            for ((slot, ty), value) in results
                .iter_mut()
                .zip(&wrapped.results)
                .zip(&results_seen[..])
            {
                *slot = value_of(ty, *value);
            }
            // Only what a successful write wrote (errno 0).
            if shown && functions.name(index) == "fd_write" && results_seen.first() == Some(&0) {
                show_output(caller, &args);
            }
            return Ok(());
        }
    };
    let originals = functions.originals(caller).await?;
    let Some(original) = originals.get(usize::from(index)) else {
        wasmtime::bail!("the WASI shim has no function {index}");
    };
    let Some(recording) = recording else {
        return original.call_async(&mut *caller, params, results).await;
    };
    let before = match outputs {
        [Output::Changes] => memory(caller).map(|data| data.to_vec()),
        _ => None,
    };
    let called = original.call_async(&mut *caller, params, results).await;
    let outcome = match &called {
        Ok(()) => {
            let writes = match before {
                Some(before) => changes(&before, memory(caller).unwrap_or_default()),
                None => output_regions(caller, outputs, &args),
            };
            Outcome::Returned {
                results: results.iter().map(integer).collect(),
                writes: writes.into(),
            }
        }
        Err(error) => match error.downcast_ref::<I32Exit>() {
            Some(exit) => Outcome::Exited(exit.0),
            None => Outcome::Failed(format!("{error:#}")),
        },
    };
    recording.append(Call {
        function: index,
        params: args,
        outcome,
    });
    called
}

enum Replayed {
    Returned(Box<[i64]>, Vec<(u32, Box<[u8]>)>),
    Exited(i32),
    Failed(String),
}

fn replay_outcome(outcome: &Outcome) -> Replayed {
    match outcome {
        Outcome::Returned { results, writes } => {
            Replayed::Returned(results.clone(), writes.to_vec())
        }
        Outcome::Exited(status) => Replayed::Exited(*status),
        Outcome::Failed(message) => Replayed::Failed(message.clone()),
        Outcome::Answered(_) => {
            Replayed::Failed("the recording answers this call as a component's".to_string())
        }
    }
}

/// A preview 1 value (all are integers) as recorded.
fn integer(value: &Val) -> i64 {
    match value {
        Val::I32(value) => i64::from(*value),
        Val::I64(value) => *value,
        _ => 0,
    }
}

/// A recorded integer as a value of type `ty` (preview 1 has only i32
/// and i64).
fn value_of(ty: &ValType, value: i64) -> Val {
    match ty {
        ValType::I64 => Val::I64(value),
        _ => Val::I32(value as i32),
    }
}

/// Prints what a replayed `fd_write(fd, iovs, count, written)` wrote to
/// stdout or stderr: the bytes are in the program's memory, as many as the
/// call said it wrote.
fn show_output(caller: &mut Caller<'_, Recorded>, args: &[i64]) {
    let [fd, iovs, count, written] = [0, 1, 2, 3].map(|i| args.get(i).map_or(0, |v| *v as u32));
    let Some(data) = memory(caller) else {
        return;
    };
    let mut bytes = Vec::new();
    for (start, length) in iovec_buffers(data, iovs, count, u32_in(data, written)) {
        let start = start as usize;
        if let Some(chunk) = data.get(start..start.saturating_add(length as usize)) {
            bytes.extend_from_slice(chunk);
        }
    }
    // Nobody reading our output is no reason to stop the replay.
    let _ = match fd {
        1 => std::io::stdout().write_all(&bytes),
        2 => std::io::stderr().write_all(&bytes),
        _ => Ok(()),
    };
}

/// The buffers (address, length) of the iovec list at `iovs`, `count`
/// entries of (pointer, length), in order and as far as `total` bytes go:
/// what a read filled, or what a write took.
fn iovec_buffers(data: &[u8], iovs: u32, count: u32, total: u32) -> Vec<(u32, u32)> {
    let mut left = total;
    let mut buffers = Vec::new();
    for index in 0..count {
        if left == 0 {
            break;
        }
        let iovec = iovs.wrapping_add(index.wrapping_mul(8));
        let length = u32_in(data, iovec.wrapping_add(4)).min(left);
        buffers.push((u32_in(data, iovec), length));
        left -= length;
    }
    buffers
}

/// The little-endian u32 at `address` of `data`, or 0 past its end (a
/// bad pointer the call itself failed on).
fn u32_in(data: &[u8], address: u32) -> u32 {
    let start = address as usize;
    match data.get(start..start.saturating_add(4)) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// The program's memory, if it exports one as WASI expects.
fn memory<'a>(caller: &'a mut Caller<'_, Recorded>) -> Option<&'a [u8]> {
    let memory = program_memory(caller)?;
    Some(memory.data(caller))
}

/// The program's `memory` export, which WASI reads and writes.
fn program_memory(caller: &mut Caller<'_, Recorded>) -> Option<Memory> {
    if let Some(memory) = caller.data().memory {
        return Some(memory);
    }
    let memory = caller.get_export("memory")?.into_memory()?;
    caller.data_mut().memory = Some(memory);
    Some(memory)
}

fn write_back(
    caller: &mut Caller<'_, Recorded>,
    writes: &[(u32, Box<[u8]>)],
) -> wasmtime::Result<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let Some(memory) = program_memory(caller) else {
        return Err(wasmtime::Error::new(Diverged::new(
            "the program has no memory to replay a host call's results into".to_string(),
        )));
    };
    let data = memory.data_mut(caller);
    for (address, bytes) in writes {
        let start = *address as usize;
        match data.get_mut(start..start + bytes.len()) {
            Some(target) => target.copy_from_slice(bytes),
            None => {
                return Err(wasmtime::Error::new(Diverged::new(
                    "a host call's recorded results lie outside the program's memory".to_string(),
                )));
            }
        }
    }
    Ok(())
}

/// Where a function writes into guest memory, in terms of its arguments
/// (indices into the parameter list).
#[derive(Clone, Copy, Debug)]
enum Output {
    /// `len` bytes at the pointer in argument `at`.
    Fixed { at: usize, len: u32 },
    /// The buffer at argument `at`, of the length in argument `len`.
    Buffer { at: usize, len: usize },
    /// The buffer (`at`, `len`), as far as the u32 that the pointer in
    /// argument `used` points to says.
    Used { at: usize, len: usize, used: usize },
    /// The buffers of the iovec list (`iovs`, `count`), filled in order,
    /// as many bytes in all as the u32 at the pointer in argument `used`.
    Iovecs {
        iovs: usize,
        count: usize,
        used: usize,
    },
    /// `poll_oneoff`'s events, 32 bytes each: as many as the u32 at the
    /// pointer in argument `used` says, at most argument `max`.
    Events { at: usize, max: usize, used: usize },
    /// Not known: every byte the call changed.
    Changes,
}

/// What each preview 1 function writes (the witx signatures).
fn outputs(name: &str) -> &'static [Output] {
    use Output::*;
    match name {
        "args_sizes_get" | "environ_sizes_get" => {
            &[Fixed { at: 0, len: 4 }, Fixed { at: 1, len: 4 }]
        }
        "clock_res_get" => &[Fixed { at: 1, len: 8 }],
        "clock_time_get" => &[Fixed { at: 2, len: 8 }],
        "fd_advise"
        | "fd_allocate"
        | "fd_close"
        | "fd_datasync"
        | "fd_fdstat_set_flags"
        | "fd_fdstat_set_rights"
        | "fd_filestat_set_size"
        | "fd_filestat_set_times"
        | "fd_renumber"
        | "fd_sync"
        | "path_create_directory"
        | "path_filestat_set_times"
        | "path_link"
        | "path_remove_directory"
        | "path_rename"
        | "path_symlink"
        | "path_unlink_file"
        | "proc_exit"
        | "proc_raise"
        | "sched_yield"
        | "sock_shutdown" => &[],
        "fd_fdstat_get" => &[Fixed { at: 1, len: 24 }],
        "fd_filestat_get" => &[Fixed { at: 1, len: 64 }],
        "fd_pread" => &[
            Iovecs {
                iovs: 1,
                count: 2,
                used: 4,
            },
            Fixed { at: 4, len: 4 },
        ],
        "fd_prestat_get" => &[Fixed { at: 1, len: 8 }],
        "fd_prestat_dir_name" => &[Buffer { at: 1, len: 2 }],
        "fd_pwrite" => &[Fixed { at: 4, len: 4 }],
        "fd_read" => &[
            Iovecs {
                iovs: 1,
                count: 2,
                used: 3,
            },
            Fixed { at: 3, len: 4 },
        ],
        "fd_readdir" => &[
            Used {
                at: 1,
                len: 2,
                used: 4,
            },
            Fixed { at: 4, len: 4 },
        ],
        "fd_seek" => &[Fixed { at: 3, len: 8 }],
        "fd_tell" => &[Fixed { at: 1, len: 8 }],
        "fd_write" => &[Fixed { at: 3, len: 4 }],
        "path_filestat_get" => &[Fixed { at: 4, len: 64 }],
        "path_open" => &[Fixed { at: 8, len: 4 }],
        "path_readlink" => &[
            Used {
                at: 3,
                len: 4,
                used: 5,
            },
            Fixed { at: 5, len: 4 },
        ],
        "poll_oneoff" => &[
            Events {
                at: 1,
                max: 2,
                used: 3,
            },
            Fixed { at: 3, len: 4 },
        ],
        "random_get" => &[Buffer { at: 0, len: 1 }],
        "sock_accept" => &[Fixed { at: 2, len: 4 }],
        "sock_recv" => &[
            Iovecs {
                iovs: 1,
                count: 2,
                used: 4,
            },
            Fixed { at: 4, len: 4 },
            Fixed { at: 5, len: 2 },
        ],
        "sock_send" => &[Fixed { at: 4, len: 4 }],
        // `args_get` and `environ_get` (once per run), and any function
        // added after this table was written.
        _ => &[Changes],
    }
}

/// The bytes of `outputs` after a call with `args`: (address, bytes).
fn output_regions(
    caller: &mut Caller<'_, Recorded>,
    outputs: &[Output],
    args: &[i64],
) -> Vec<(u32, Box<[u8]>)> {
    let Some(data) = memory(caller) else {
        return Vec::new();
    };
    let arg = |index: usize| args.get(index).map_or(0, |value| *value as u32);
    let u32_at = |address: u32| u32_in(data, address);
    let mut regions: Vec<(u32, u32)> = Vec::new();
    for output in outputs {
        match *output {
            Output::Fixed { at, len } => regions.push((arg(at), len)),
            Output::Buffer { at, len } => regions.push((arg(at), arg(len))),
            Output::Used { at, len, used } => {
                regions.push((arg(at), u32_at(arg(used)).min(arg(len))))
            }
            Output::Iovecs { iovs, count, used } => {
                regions.extend(iovec_buffers(
                    data,
                    arg(iovs),
                    arg(count),
                    u32_at(arg(used)),
                ));
            }
            Output::Events { at, max, used } => {
                let events = u32_at(arg(used)).min(arg(max));
                regions.push((arg(at), events.saturating_mul(32)));
            }
            Output::Changes => {}
        }
    }
    regions
        .into_iter()
        .filter_map(|(address, length)| {
            let start = address as usize;
            let bytes = data.get(start..start.checked_add(length as usize)?)?;
            Some((address, Box::from(bytes)))
        })
        .collect()
}

/// The runs of bytes that differ between `before` and `after`.
fn changes(before: &[u8], after: &[u8]) -> Vec<(u32, Box<[u8]>)> {
    let mut runs = Vec::new();
    let mut index = 0;
    while index < after.len() {
        if before.get(index) == Some(&after[index]) {
            index += 1;
            continue;
        }
        let start = index;
        while index < after.len() && before.get(index) != Some(&after[index]) {
            index += 1;
        }
        runs.push((start as u32, Box::from(&after[start..index])));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_the_runs_that_differ() {
        let before = [0, 1, 2, 3, 4, 5];
        let after = [0, 9, 9, 3, 4, 7, 8];
        let runs = changes(&before, &after);
        let runs: Vec<(u32, Vec<u8>)> = runs.into_iter().map(|(a, b)| (a, b.to_vec())).collect();
        assert_eq!(runs, vec![(1, vec![9, 9]), (5, vec![7, 8])]);
    }
}
