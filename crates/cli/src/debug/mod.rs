//! Running a program under a debugger component of the debug world.
//!
//! Two stores: the debuggee's, compiled with guest-debug instrumentation,
//! and the debugger's, a sandbox that holds a TCP socket and nothing else.
//! The debugger drives the debuggee through `host::Host`.
//!
//! When `debug` returns `Ok`, the program runs on to its end with every
//! breakpoint removed (detach). When it returns `Err` or traps, the CLI
//! prints why and kills the program: a debugger that failed cannot be
//! trusted to have left it in a state worth running.

mod accesses;
mod bindings;
mod breakpoints;
mod bytecode;
mod exceptions;
mod execution;
mod frames;
mod handler;
mod host;
mod inventory;
mod panics;
mod position;
mod runner;
pub mod server;
mod setup;
mod slice;
mod timeline;
mod values;
mod watch;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Engine, ResourceLimiter, Store};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::sockets::SocketAddrUse;

use crate::program::Program;
use crate::record::{self, Recorded, Recording};
use crate::run::{self, Linkers};
use bindings::Debugger;
use execution::Execution;
use host::Host;
use inventory::Inventory;
pub use setup::{Announce, DebuggerSetup};
use timeline::{Replays, Timeline};

/// Runs `program` (compiled by `debug_engine`) under the debugger, and
/// returns the exit status for the process.
///
/// The program's inputs are recorded as it runs (`record`), which is what
/// lets the debugger run it in reverse (`timeline`).
pub fn run(
    debug_engine: &Engine,
    program: &Program,
    inputs: Inputs,
    setup: DebuggerSetup,
) -> Result<i32> {
    let timeline = start_timeline(debug_engine, program, inputs, setup.time_travel)?;
    let component = matches!(program, Program::Component(_));
    let inventory = Inventory::new(setup.program_name.clone(), component);
    debug(timeline, inventory, setup)
}

/// Where a debugged program's inputs come from.
pub enum Inputs {
    /// The host, through this WASI context.
    Live(Box<WasiP1Ctx>),
    /// A recording (`wasmdebug replay -g`): the program gets nothing from
    /// the host, and its stdout and stderr writes are shown.
    Recorded(Arc<Recording>),
}

/// Starts the program paused at its first instruction, its inputs recorded
/// if `time_travel` is on (or replayed from a recording), with the means
/// to replay them.
fn start_timeline(
    engine: &Engine,
    program: &Program,
    inputs: Inputs,
    time_travel: bool,
) -> Result<Timeline<Recorded>> {
    let (live, recording) = match inputs {
        Inputs::Live(wasi) => {
            let wasi = *wasi;
            let recording = time_travel.then(|| Recording::new(record::DEFAULT_CAP));
            (Recorded::live(wasi, recording.clone()), recording)
        }
        Inputs::Recorded(recording) => (
            Recorded::replay(recording.clone(), true),
            time_travel.then_some(recording),
        ),
    };
    // Calls neither recorded nor replayed go straight to WASI.
    let linkers = Arc::new(match live.is_recorded() {
        true => record::linkers(engine, program)?.0,
        false => record::plain_linkers(engine)?,
    });
    let execution = start_program(engine, program, &linkers, live)?;
    let replays = recording.map(|recording| {
        let (engine, program) = (engine.clone(), program.clone());
        Replays {
            recording: recording.clone(),
            start: Box::new(move || {
                let data = Recorded::replay(recording.clone(), false);
                start_program(&engine, &program, &linkers, data)
            }),
        }
    });
    Ok(Timeline::new(execution, replays))
}

/// Runs the debugger component on `timeline` until it returns, then lets
/// the program run on (a detach) or kills it, and returns the exit status.
fn debug<T: Send + 'static>(
    timeline: Timeline<T>,
    inventory: Inventory,
    setup: DebuggerSetup,
) -> Result<i32> {
    let engine = Engine::default();
    let component = setup
        .cache
        .debugger(&engine, &setup.component)
        .map_err(anyhow::Error::from)
        .context("invalid debugger component")?;
    let mut linker = Linker::<Host<T>>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    // Interface by interface: `wasi:io/poll` is already there, with WASI.
    bindings::wasmdebug::debugger::debuggee::add_to_linker::<Host<T>, HasSelf<Host<T>>>(
        &mut linker,
        |host| host,
    )?;
    bindings::wasmdebug::debugger::console::add_to_linker::<Host<T>, HasSelf<Host<T>>>(
        &mut linker,
        |host| host,
    )?;

    let time_travel = match (timeline.can_reverse(), setup.time_travel) {
        (true, _) => {
            "Time travel: on (`process continue --reverse`; -D time-travel=n turns it off)"
        }
        (false, true) => "Time travel: off (a server's requests are not recorded)",
        (false, false) => "Time travel: off (-D time-travel=n)",
    };
    let mut host = Host::new(
        sandbox(setup.listen),
        timeline,
        inventory,
        setup.announce,
        time_travel,
    )?;
    if setup.no_wait {
        host.start_running()?;
    }
    let mut store = Store::new(&engine, host);
    // Stateless, so every call may have its own (a zero-sized box allocates nothing).
    store.limiter(|_| Box::leak(Box::new(DebuggerLimits)));
    // The debugger's I/O runs on a runtime of its own thread: a wait for
    // the client is this thread's own epoll, with no other thread to wake.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the debugger's I/O runtime")?;
    let outcome = runtime.block_on(async {
        let debugger = Debugger::instantiate_async(&mut store, &component, &linker)
            .await
            .map_err(anyhow::Error::from)
            .context("the debugger component does not fit the debug world")?;
        let debuggee = store.data_mut().debuggee_resource()?;
        anyhow::Ok(debugger.call_debug(&mut store, debuggee, &setup.args).await)
    })?;

    let execution = store.into_data().into_timeline().into_live();
    match outcome {
        Ok(Ok(())) => execution.finish(),
        Ok(Err(message)) => {
            debugger_failed(execution, anyhow::anyhow!("the debugger failed: {message}"))
        }
        Err(trap) => debugger_failed(
            execution,
            anyhow::Error::from(trap).context("the debugger component trapped"),
        ),
    }
}

/// The debugger failed: if the program had already ended, its status
/// stands; otherwise it is killed and the failure is the error.
fn debugger_failed<T: Send + 'static>(
    mut execution: Execution<T>,
    error: anyhow::Error,
) -> Result<i32> {
    if let Ok(execution::StateView::Exited(status)) = execution.state() {
        eprintln!("warning: {error:#}");
        return Ok(status);
    }
    execution.kill();
    Err(error.context("the program was killed"))
}

/// The most one linear memory of the debugger component may grow to: a
/// debugger that allocates without end fails here, not the machine. The
/// built-in one needs a few MiB plus the bytecode of the program's modules.
const DEBUGGER_MEMORY: usize = 512 << 20;

/// How many linear memories the debugger component may have.
const DEBUGGER_MEMORIES: usize = 4;

/// The debugger's store limits, on top of Wasmtime's defaults.
struct DebuggerLimits;

impl ResourceLimiter for DebuggerLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > DEBUGGER_MEMORY {
            wasmtime::bail!(
                "the debugger ran out of memory: it asked for {} MiB, and its limit is {} MiB",
                desired >> 20,
                DEBUGGER_MEMORY >> 20
            );
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }

    fn memories(&self) -> usize {
        DEBUGGER_MEMORIES
    }
}

/// Starts the program paused at its first instruction: the live program,
/// or a replay if `data` is a replay's.
fn start_program(
    engine: &Engine,
    program: &Program,
    linkers: &Arc<Linkers<Recorded>>,
    data: Recorded,
) -> Result<Execution<Recorded>> {
    let linkers = linkers.clone();
    let replay = data.is_replay();
    let mut store = Store::new(engine, data);
    let mailbox = Arc::new(handler::Mailbox::new());
    handler::prepare_store(&mut store, &mailbox)?;
    // Registering the code before it runs makes breakpoints patch the code
    // that will execute (for a component, its modules' shared code).
    match program {
        Program::Module(module) => store.debug_register_module(module)?,
        Program::Component(component) => store.debug_register_component(component)?,
    }
    let program = program.clone();
    let future = Box::pin(async move { run::run(&mut store, &linkers, &program).await });
    match replay {
        false => Execution::start(engine, future, mailbox),
        true => Execution::start_replay(engine, future, mailbox),
    }
}

/// The debugger's WASI: stderr, clocks and randomness, and TCP on `listen`
/// only: it may bind and listen there and accept connections, and nothing
/// else. No filesystem, no environment, no other network.
fn sandbox(listen: Option<SocketAddr>) -> wasmtime_wasi::WasiCtx {
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stderr();
    builder.allow_udp(false);
    builder.allow_ip_name_lookup(false);
    match listen {
        None => {
            builder.allow_tcp(false);
        }
        Some(listen) => {
            builder.allow_tcp(true);
            let listen = Arc::new(listen);
            builder.socket_addr_check(move |addr, usage| {
                let allowed = is_allowed(&listen, addr, usage);
                Box::pin(async move { allowed })
            });
        }
    }
    builder.build()
}

/// Whether the debugger may use `addr` this way, given its listen address.
fn is_allowed(listen: &SocketAddr, addr: SocketAddr, usage: SocketAddrUse) -> bool {
    let same_port = listen.port() == 0 || listen.port() == addr.port();
    match usage {
        SocketAddrUse::TcpBind | SocketAddrUse::TcpListen => addr.ip() == listen.ip() && same_port,
        SocketAddrUse::TcpAccept => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use execution::Failure;

    #[test]
    fn a_panic_in_a_request_fails_only_that_request() {
        let engine = crate::program::engine(true, &Default::default()).unwrap();
        let module = wasmtime::Module::new(
            &engine,
            r#"(module (func (export "_start") (local i32) nop))"#,
        )
        .unwrap();
        let program = Program::Module(module);
        let linkers = Arc::new(record::linkers(&engine, &program).unwrap().0);
        let data = Recorded::live(WasiCtxBuilder::new().build_p1(), None);
        let mut execution = start_program(&engine, &program, &linkers, data).unwrap();
        // Wasmtime's `FrameHandle::local` panics on an index past the end.
        let reply = execution.with_paused(|paused| {
            Ok::<_, Failure>(match paused.frame(0) {
                Ok(Some(frame)) => frame.local(&mut paused.store, 7).is_ok(),
                _ => false,
            })
        });
        assert!(matches!(reply, Err(Failure::Runtime(_))), "{reply:?}");
        // Still paused, still answering, and it runs on to its end.
        let frames = execution.with_paused(|paused| {
            Ok::<_, Failure>(paused.frames(8).map_or(0, |frames| frames.len()))
        });
        assert_eq!(frames.unwrap(), 1);
        assert_eq!(execution.finish().unwrap(), 0);
    }

    #[test]
    fn sandbox_allows_only_the_listen_address() {
        let listen: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let any_port: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let check = |listen: &SocketAddr, addr: &str, usage, expected| {
            let addr: SocketAddr = addr.parse().unwrap();
            assert_eq!(
                is_allowed(listen, addr, usage),
                expected,
                "{listen} {addr} {usage:?}"
            );
        };
        check(&listen, "127.0.0.1:4000", SocketAddrUse::TcpBind, true);
        check(&listen, "127.0.0.1:4000", SocketAddrUse::TcpListen, true);
        check(&listen, "127.0.0.1:4001", SocketAddrUse::TcpBind, false);
        check(&listen, "0.0.0.0:4000", SocketAddrUse::TcpBind, false);
        check(&listen, "10.1.2.3:80", SocketAddrUse::TcpConnect, false);
        check(&listen, "127.0.0.1:4000", SocketAddrUse::TcpConnect, false);
        check(&listen, "127.0.0.1:5000", SocketAddrUse::UdpBind, false);
        check(&listen, "127.0.0.1:5555", SocketAddrUse::TcpAccept, true);
        check(&any_port, "127.0.0.1:0", SocketAddrUse::TcpBind, true);
        check(&any_port, "127.0.0.1:39999", SocketAddrUse::TcpListen, true);
        check(
            &any_port,
            "127.0.0.2:39999",
            SocketAddrUse::TcpListen,
            false,
        );
    }
}
