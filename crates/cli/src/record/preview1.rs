//! A core module's WASI preview 1 imports, recorded and replayed.
//!
//! Every `wasi_snapshot_preview1` function the program can import is a
//! wrapper of ours. Live, it calls the real WASI function and records its
//! results and the guest memory it wrote; in a replay it writes the same
//! bytes and returns the same results, and the host is never touched: no
//! file is read or written twice, no clock read, nothing printed again.
//!
//! A wrapper is typed (no `Val` arrays) and calls Wasmtime's own preview 1
//! function (`wasi_snapshot_preview1::NAME`, which `add_to_linker_async`
//! links) directly, on a view of the program's memory: the call runs no
//! Wasm, so it costs no fuel, live or replayed.
//!
//! What a function writes is known from its signature (`outputs`): a
//! pointer argument and a fixed size, a buffer, the buffers of an iovec
//! list filled up to the count the call returns. What is written there is
//! recorded after the call (the bytes before it are the same in a replay,
//! which runs the same code), so an output region may be wider than what
//! the call changed. `args_get` and `environ_get` write as many pointers
//! and bytes as their `_sizes_get` functions say, which a wrapper asks
//! WASI on a scratch memory of its own.

use std::sync::Arc;

use anyhow::Result;
use std::io::Write;

use wasmtime::{AsContextMut, Caller, Engine, Linker, Memory};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::wasi_snapshot_preview1::{self as real, WasiSnapshotPreview1 as _};
use wiggle::GuestMemory;

use super::call::{Call, Outcome};
use super::recorded::Recorded;
use super::recording::{Diverged, Recording, Tape};

const MODULE: &str = "wasi_snapshot_preview1";

/// Every preview 1 function, with its parameters' Wasm types and whether
/// WASI's implementation is `async`; sorted by name, which is the index a
/// recorded call names its function with (the recording file's `names`).
/// The compiler checks each signature against WASI's own function.
macro_rules! preview1 {
    ($then:ident) => {
        $then! {
            args_get(argv: i32, buf: i32) sync;
            args_sizes_get(count: i32, size: i32) sync;
            clock_res_get(id: i32, resolution: i32) sync;
            clock_time_get(id: i32, precision: i64, time: i32) sync;
            environ_get(environ: i32, buf: i32) sync;
            environ_sizes_get(count: i32, size: i32) sync;
            fd_advise(fd: i32, offset: i64, len: i64, advice: i32) async;
            fd_allocate(fd: i32, offset: i64, len: i64) sync;
            fd_close(fd: i32) async;
            fd_datasync(fd: i32) async;
            fd_fdstat_get(fd: i32, stat: i32) async;
            fd_fdstat_set_flags(fd: i32, flags: i32) sync;
            fd_fdstat_set_rights(fd: i32, base: i64, inheriting: i64) sync;
            fd_filestat_get(fd: i32, stat: i32) async;
            fd_filestat_set_size(fd: i32, size: i64) async;
            fd_filestat_set_times(fd: i32, atim: i64, mtim: i64, flags: i32) async;
            fd_pread(fd: i32, iovs: i32, count: i32, offset: i64, read: i32) async;
            fd_prestat_dir_name(fd: i32, path: i32, len: i32) sync;
            fd_prestat_get(fd: i32, prestat: i32) sync;
            fd_pwrite(fd: i32, iovs: i32, count: i32, offset: i64, written: i32) async;
            fd_read(fd: i32, iovs: i32, count: i32, read: i32) async;
            fd_readdir(fd: i32, buf: i32, len: i32, cookie: i64, used: i32) async;
            fd_renumber(fd: i32, to: i32) async;
            fd_seek(fd: i32, offset: i64, whence: i32, position: i32) async;
            fd_sync(fd: i32) async;
            fd_tell(fd: i32, position: i32) sync;
            fd_write(fd: i32, iovs: i32, count: i32, written: i32) async;
            path_create_directory(fd: i32, path: i32, len: i32) async;
            path_filestat_get(fd: i32, flags: i32, path: i32, len: i32, stat: i32) async;
            path_filestat_set_times(
                fd: i32, flags: i32, path: i32, len: i32, atim: i64, mtim: i64, fst: i32
            ) async;
            path_link(
                fd: i32, flags: i32, path: i32, len: i32, to_fd: i32, to_path: i32, to_len: i32
            ) async;
            path_open(
                fd: i32, dirflags: i32, path: i32, len: i32, oflags: i32, base: i64,
                inheriting: i64, fdflags: i32, opened: i32
            ) async;
            path_readlink(fd: i32, path: i32, len: i32, buf: i32, buf_len: i32, used: i32) async;
            path_remove_directory(fd: i32, path: i32, len: i32) async;
            path_rename(
                fd: i32, path: i32, len: i32, to_fd: i32, to_path: i32, to_len: i32
            ) async;
            path_symlink(path: i32, len: i32, fd: i32, to_path: i32, to_len: i32) async;
            path_unlink_file(fd: i32, path: i32, len: i32) async;
            poll_oneoff(subscriptions: i32, events: i32, count: i32, used: i32) async;
            proc_exit(status: i32) sync;
            proc_raise(signal: i32) sync;
            random_get(buf: i32, len: i32) sync;
            sched_yield() sync;
            sock_accept(fd: i32, flags: i32, accepted: i32) sync;
            sock_recv(fd: i32, iovs: i32, count: i32, flags: i32, used: i32, out_flags: i32) sync;
            sock_send(fd: i32, iovs: i32, count: i32, flags: i32, used: i32) sync;
            sock_shutdown(fd: i32, how: i32) sync;
        }
    };
}

/// The names in `preview1!`'s table, in its order.
macro_rules! names {
    ($($name:ident($($arg:ident: $ty:ty),* $(,)?) $kind:tt;)*) => {
        &[$(stringify!($name)),*]
    };
}

/// The functions' names, by the index a recorded call names them with.
const NAMES: &[&str] = preview1!(names);

/// WASI's function called, awaited if it is `async`.
macro_rules! real_call {
    (async $call:expr) => {
        $call.await
    };
    (sync $call:expr) => {
        $call
    };
}

/// A module linker whose preview 1 functions are the recording wrappers,
/// and the functions' names, by the index a recorded call names them with.
pub fn linker(engine: &Engine) -> Result<(Linker<Recorded>, Vec<&'static str>)> {
    let mut linker = Linker::new(engine);
    macro_rules! wrap {
        ($($name:ident($($arg:ident: $ty:ty),* $(,)?) $kind:tt;)*) => {$(
            let function = Function::named(stringify!($name))?;
            linker.func_wrap_async(
                MODULE,
                stringify!($name),
                move |mut caller: Caller<'_, Recorded>, ($($arg,)*): ($($ty,)*)| {
                    Box::new(async move {
                        let args = [$(i64::from($arg)),*];
                        let live = match function.before(&mut caller, &args)? {
                            Before::Replayed(results) => return Ok(Results::of(&results)),
                            Before::Live(live) => live,
                        };
                        let fuel = caller.as_context_mut().hostcall_fuel();
                        let (data, store) = live.memory.data_and_store_mut(&mut caller);
                        store.wasi.set_hostcall_fuel(fuel);
                        let mut memory = GuestMemory::Unshared(data);
                        let returned = real_call!(
                            $kind real::$name(&mut store.wasi, &mut memory $(, $arg)*)
                        );
                        function.after(&mut caller, live, &args, returned)
                    })
                },
            )?;
        )*};
    }
    preview1!(wrap);
    Ok((linker, NAMES.to_vec()))
}

/// A module linker with WASI's own preview 1 functions, for a program
/// whose calls are neither recorded nor replayed (time travel off).
pub fn plain_linker(engine: &Engine) -> Result<Linker<Recorded>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |data: &mut Recorded| &mut data.wasi)?;
    Ok(linker)
}

/// What a function's results are in Wasm: an errno, or nothing
/// (`proc_exit`); recorded as integers.
trait Results: Sized {
    fn of(recorded: &[i64]) -> Self;
    fn recorded(&self) -> Box<[i64]>;
}

impl Results for i32 {
    fn of(recorded: &[i64]) -> i32 {
        recorded.first().map_or(0, |errno| *errno as i32)
    }

    fn recorded(&self) -> Box<[i64]> {
        Box::new([i64::from(*self)])
    }
}

impl Results for () {
    fn of(_: &[i64]) {}

    fn recorded(&self) -> Box<[i64]> {
        Box::new([])
    }
}

/// What a wrapper knows of the function it wraps.
#[derive(Clone, Copy)]
struct Function {
    /// Its index in `NAMES`.
    index: u16,
    outputs: &'static [Output],
}

/// A wrapper's call before WASI is called: answered from the recording,
/// or to be made live.
enum Before {
    Replayed(Box<[i64]>),
    Live(Live),
}

/// A live call under way.
struct Live {
    memory: Memory,
    /// Where the call goes, if the store records.
    recording: Option<Arc<Recording>>,
}

impl Function {
    fn named(name: &str) -> Result<Function> {
        let Some(index) = NAMES.iter().position(|known| *known == name) else {
            anyhow::bail!("`{name}` is not a preview 1 function");
        };
        Ok(Function {
            index: index as u16,
            outputs: outputs(name),
        })
    }

    /// The recorded answer in a replay (its writes done), or what a live
    /// call needs.
    fn before(&self, caller: &mut Caller<'_, Recorded>, args: &[i64]) -> wasmtime::Result<Before> {
        let memory = program_memory(caller);
        let (mut data, recorded) = match memory {
            Some(memory) => {
                let (data, recorded) = memory.data_and_store_mut(&mut *caller);
                (Some(data), recorded)
            }
            None => (None, caller.data_mut()),
        };
        let recording = match &mut recorded.tape {
            Tape::Off => None,
            Tape::Record(recording) => Some(recording.clone()),
            Tape::Replay {
                recording,
                next,
                shown,
            } => {
                let answer = Tape::replay(recording, next, self.index, args, name, |call| {
                    replay_into(data.as_deref_mut(), &call.outcome)
                });
                let results = answer.map_err(wasmtime::Error::new)??;
                // Only what a successful write wrote (errno 0).
                if *shown && name(self.index) == "fd_write" && results.first() == Some(&0) {
                    show_output(data.as_deref().unwrap_or_default(), args);
                }
                return Ok(Before::Replayed(results));
            }
        };
        let Some(memory) = memory else {
            wasmtime::bail!("the program exports no memory for WASI to use");
        };
        Ok(Before::Live(Live { memory, recording }))
    }

    /// Records what the live call did, if the store records, and hands
    /// its results on.
    fn after<R: Results>(
        &self,
        caller: &mut Caller<'_, Recorded>,
        live: Live,
        args: &[i64],
        returned: wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        let Some(recording) = live.recording else {
            return returned;
        };
        let outcome = match &returned {
            Ok(results) => {
                let strings = self.outputs.iter().find_map(|output| match output {
                    Output::Strings { sizes, .. } => string_sizes(caller.data_mut(), *sizes),
                    _ => None,
                });
                let data = live.memory.data(&*caller);
                Outcome::Returned {
                    results: results.recorded(),
                    writes: output_regions(data, self.outputs, args, strings),
                }
            }
            Err(error) => match error.downcast_ref::<I32Exit>() {
                Some(exit) => Outcome::Exited(exit.0),
                None => Outcome::Failed(format!("{error:#}")),
            },
        };
        recording.append(Call {
            function: self.index,
            params: args.into(),
            outcome,
        });
        returned
    }
}

/// The name of function `index`, for messages.
fn name(index: u16) -> &'static str {
    NAMES.get(usize::from(index)).copied().unwrap_or("?")
}

/// A recorded call's outcome replayed: its writes done in `data`, the
/// program's memory, and its results handed back; or the error it ended
/// the call with.
fn replay_into(data: Option<&mut [u8]>, outcome: &Outcome) -> wasmtime::Result<Box<[i64]>> {
    let (results, writes) = match outcome {
        Outcome::Returned { results, writes } => (results, writes),
        Outcome::Exited(status) => return Err(wasmtime::Error::new(I32Exit(*status))),
        Outcome::Failed(message) => return Err(wasmtime::Error::msg(message.clone())),
        Outcome::Answered(_) => {
            return Err(wasmtime::Error::new(Diverged::new(
                "the recording answers this call as a component's".to_string(),
            )));
        }
    };
    if writes.is_empty() {
        return Ok(results.clone());
    }
    let Some(data) = data else {
        return Err(wasmtime::Error::new(Diverged::new(
            "the program has no memory to replay a host call's results into".to_string(),
        )));
    };
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
    Ok(results.clone())
}

/// Prints what a replayed `fd_write(fd, iovs, count, written)` wrote to
/// stdout or stderr: the bytes are in the program's memory, as many as the
/// call said it wrote.
fn show_output(data: &[u8], args: &[i64]) {
    let [fd, iovs, count, written] = [0, 1, 2, 3].map(|i| args.get(i).map_or(0, |v| *v as u32));
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

/// The program's `memory` export, which WASI reads and writes.
fn program_memory(caller: &mut Caller<'_, Recorded>) -> Option<Memory> {
    if let Some(memory) = caller.data().memory {
        return Some(memory);
    }
    let memory = caller.get_export("memory")?.into_memory()?;
    caller.data_mut().memory = Some(memory);
    Some(memory)
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
    /// `args_get`'s or `environ_get`'s: the pointers at argument `list`
    /// and the strings at argument `buf`, as many and as long as `sizes`
    /// says.
    Strings {
        list: usize,
        buf: usize,
        sizes: Sizes,
    },
    /// All of memory, for a function this table does not describe (a test
    /// checks that there is none).
    All,
}

/// The function that says how many strings `Output::Strings` wrote, and
/// their length in all.
#[derive(Clone, Copy, Debug)]
enum Sizes {
    Args,
    Environ,
}

/// How many strings and bytes `args_get` or `environ_get` writes, asked of
/// WASI itself with a scratch memory for the answer; `None` if it fails.
fn string_sizes(data: &mut Recorded, sizes: Sizes) -> Option<(u32, u32)> {
    let mut scratch = [0u8; 8];
    let mut memory = GuestMemory::Unshared(&mut scratch);
    let errno = match sizes {
        Sizes::Args => real::args_sizes_get(&mut data.wasi, &mut memory, 0, 4),
        Sizes::Environ => real::environ_sizes_get(&mut data.wasi, &mut memory, 0, 4),
    };
    match errno {
        Ok(0) => Some((u32_in(&scratch, 0), u32_in(&scratch, 4))),
        _ => None,
    }
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
        "args_get" => &[Strings {
            list: 0,
            buf: 1,
            sizes: Sizes::Args,
        }],
        "environ_get" => &[Strings {
            list: 0,
            buf: 1,
            sizes: Sizes::Environ,
        }],
        _ => &[All],
    }
}

/// The bytes of `outputs` after a call with `args`: (address, bytes).
/// `strings` is what `Output::Strings` wrote (`string_sizes`); without it,
/// all of memory is taken.
fn output_regions(
    data: &[u8],
    outputs: &[Output],
    args: &[i64],
    strings: Option<(u32, u32)>,
) -> Box<[(u32, Box<[u8]>)]> {
    let arg = |index: usize| args.get(index).map_or(0, |value| *value as u32);
    let u32_at = |address: u32| u32_in(data, address);
    // At most one region an output but for iovecs and strings: most calls
    // allocate only the list and its bytes.
    let mut regions = Vec::with_capacity(outputs.len());
    let mut copy = |address: u32, length: usize| {
        let start = address as usize;
        let Some(end) = start.checked_add(length) else {
            return;
        };
        if let Some(bytes) = data.get(start..end) {
            regions.push((address, Box::from(bytes)));
        }
    };
    for output in outputs {
        match *output {
            Output::Fixed { at, len } => copy(arg(at), len as usize),
            Output::Buffer { at, len } => copy(arg(at), arg(len) as usize),
            Output::Used { at, len, used } => {
                copy(arg(at), u32_at(arg(used)).min(arg(len)) as usize)
            }
            Output::Iovecs { iovs, count, used } => {
                let buffers = iovec_buffers(data, arg(iovs), arg(count), u32_at(arg(used)));
                for (address, length) in buffers {
                    copy(address, length as usize);
                }
            }
            Output::Events { at, max, used } => {
                let events = u32_at(arg(used)).min(arg(max)) as usize;
                copy(arg(at), events.saturating_mul(32));
            }
            Output::Strings { list, buf, .. } => match strings {
                Some((count, bytes)) => {
                    copy(arg(list), (count as usize).saturating_mul(4));
                    copy(arg(buf), bytes as usize);
                }
                None => copy(0, data.len()),
            },
            Output::All => copy(0, data.len()),
        }
    }
    regions.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime_wasi::WasiCtxBuilder;

    #[test]
    fn the_wrappers_are_wasis_functions_in_the_recorded_order() {
        let engine = Engine::default();
        let mut real = Linker::<Recorded>::new(&engine);
        wasmtime_wasi::p1::add_to_linker_async(&mut real, |data: &mut Recorded| &mut data.wasi)
            .unwrap();
        let mut store = wasmtime::Store::new(&engine, Recorded::replay(Recording::new(0), false));
        let functions: Vec<(String, wasmtime::Extern)> = real
            .iter(&mut store)
            .map(|(_, name, item)| (name.to_string(), item))
            .collect();
        let mut names: Vec<&str> = functions.iter().map(|(name, _)| name.as_str()).collect();
        // A recording names functions by their index in the sorted names.
        names.sort();
        assert_eq!(names, NAMES);
        let (wrappers, _) = linker(&engine).unwrap();
        for (name, item) in &functions {
            let wrapper = wrappers.get(&mut store, MODULE, name).unwrap();
            let (real, wrapper) = (item.ty(&store), wrapper.ty(&store));
            let (real, wrapper) = (real.unwrap_func(), wrapper.unwrap_func());
            assert!(wasmtime::FuncType::eq(real, wrapper), "{name}");
        }
    }

    #[test]
    fn every_function_says_where_it_writes() {
        for name in NAMES {
            assert!(!matches!(outputs(name), [Output::All]), "{name}");
        }
    }

    #[test]
    fn args_get_is_recorded_as_the_pointers_and_strings_it_wrote() {
        let mut data = Recorded::live(WasiCtxBuilder::new().args(&["app", "-x"]).build_p1(), None);
        // "app\0-x\0": two strings, seven bytes.
        let sizes = string_sizes(&mut data, Sizes::Args);
        assert_eq!(sizes, Some((2, 7)));
        let mut memory = vec![0xaa; 64];
        let mut view = GuestMemory::Unshared(&mut memory);
        assert_eq!(
            real::args_get(&mut data.wasi, &mut view, 16, 32).unwrap(),
            0
        );
        let regions = output_regions(&memory, outputs("args_get"), &[16, 32], sizes);
        let regions: Vec<(usize, &[u8])> =
            regions.iter().map(|(a, b)| (*a as usize, &b[..])).collect();
        assert_eq!(regions, [(16, &memory[16..24]), (32, &b"app\0-x\0"[..])]);
        // Every byte the call changed is in a region.
        let changed: Vec<usize> = (0..memory.len()).filter(|i| memory[*i] != 0xaa).collect();
        assert!(
            changed
                .iter()
                .all(|i| regions.iter().any(|(a, b)| (*a..a + b.len()).contains(i)))
        );
    }
}
