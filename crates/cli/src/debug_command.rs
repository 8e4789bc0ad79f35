//! `wasmdebug debug`: the program, paused under the built-in debugger, and LLDB in the foreground, connected to it.
//!
//! The built-in debugger listens on a loopback port the system picks, and
//! tells the runtime which (`console.listening`): LLDB starts then, with
//! that address, so it connects at its first try and no other process can
//! take the port in between.
//!
//! How it ends: the program's status when it ended while LLDB ran; when
//! LLDB quits first (it detaches as it quits, and the program would run
//! on), the program is stopped and the status is 137, as after `kill`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cache::Cache;
use crate::cli::{Cli, DebugCommandArgs};
use crate::debug::{Announce, DebuggerSetup};
use crate::lldb::Lldb;
use crate::program::{self, Program};

/// The status when LLDB quits before the program has ended, and the
/// program is stopped: 128 + SIGKILL, as after LLDB's `process kill`.
const STOPPED: i32 = 137;

/// How long the program's end may take to be reported after LLDB quits:
/// LLDB quits after the program's end reached it, so its report is on the
/// way. A program LLDB detached from as it quit runs on for this long at
/// most.
const REPORT_GRACE: Duration = Duration::from_millis(200);

/// Runs `wasmdebug debug`, and returns the status to exit with (a
/// command line it cannot take ends the process as a usage error).
pub fn run(args: &DebugCommandArgs) -> Result<i32> {
    if let Some(refusal) = refusal(args) {
        Cli::command()
            .error(clap::error::ErrorKind::ArgumentConflict, refusal)
            .exit();
    }
    debug(args)
}

/// Why `run`'s options in `args` do not fit `debug`, if they do not.
fn refusal(args: &DebugCommandArgs) -> Option<String> {
    let settings = args.run.settings();
    if args.run.debugging.gdbstub.is_some() {
        return Some(
            "-g is not taken by `wasmdebug debug`, which listens on a loopback port the system picks; \
             for a port of your own, use `wasmdebug run -g`"
                .to_string(),
        );
    }
    if settings.debugger.is_some() {
        return Some(
            "-D debugger= is not taken by `wasmdebug debug`: LLDB needs the built-in debugger"
                .to_string(),
        );
    }
    if args.run.record.is_some() {
        return Some(
            "--record is not served under a debugger: record with `wasmdebug run --record`, \
             then debug the recording with `wasmdebug replay -g`"
                .to_string(),
        );
    }
    args.run
        .not_served_under_a_debugger(&settings)
        .map(|option| format!("{option} is not served under a debugger (`wasmdebug debug`)"))
}

/// One of the two things the session waits for.
enum Event {
    /// LLDB exited.
    LldbQuit,
    /// The program ended with this status, or the debug session failed.
    ProgramEnded(Result<i32>),
}

fn debug(args: &DebugCommandArgs) -> Result<i32> {
    let lldb = Lldb::find(args.lldb.as_deref())?;
    let options = &args.run;
    let settings = options.settings();
    let cache = Cache::new(&settings)?;
    let engine = program::engine(true, &settings)?;
    let program = Program::load(&engine, options.program(), &cache, true)?;
    let wasi = crate::wasi::context_without_stdin(options, &settings)?;
    let any_loopback_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let mut setup = DebuggerSetup::listening_on(
        Some(any_loopback_port),
        false,
        &settings,
        cache,
        options.program(),
    )?;
    let (announce, listening) = mpsc::channel();
    setup.announce = Announce::Send(announce);

    crate::interrupt::leave_to_lldb()?;
    std::thread::scope(|scope| {
        let (events, event) = mpsc::channel();
        let program_events = events.clone();
        std::thread::Builder::new()
            .name("program".into())
            .spawn_scoped(scope, move || {
                let ended = crate::debug::run(
                    &engine,
                    &program,
                    crate::debug::Inputs::Live(Box::new(wasi)),
                    setup,
                );
                // A failure is shown at once, in LLDB's terminal.
                if let Err(error) = &ended {
                    eprintln!("error: {error:#}");
                }
                let _ = program_events.send(Event::ProgramEnded(ended));
            })
            .context("cannot start the program's thread")?;
        // A debugger that ends before it listens has given its reason.
        let Ok(listen) = listening.recv() else {
            return match event.recv() {
                Ok(Event::ProgramEnded(ended)) => Ok(ended.unwrap_or(1)),
                _ => Ok(1),
            };
        };
        let mut child = lldb
            .session(listen, &args.commands, args.batch)
            .spawn()
            .with_context(|| format!("cannot start LLDB {}", lldb.describe()))?;
        std::thread::Builder::new()
            .name("lldb".into())
            .spawn_scoped(scope, move || {
                // Whatever LLDB's own status, the program's is ours.
                let _ = child.wait();
                let _ = events.send(Event::LldbQuit);
            })
            .context("cannot wait for LLDB")?;

        // The program may end first (LLDB's prompt stays), but the session
        // is over only when LLDB has quit.
        let mut ended = None;
        while let Ok(Event::ProgramEnded(result)) = event.recv() {
            ended = Some(result);
        }
        let ended = match ended {
            Some(ended) => ended,
            // An end that came just before LLDB quit is on its way.
            None => match event.recv_timeout(REPORT_GRACE) {
                Ok(Event::ProgramEnded(ended)) => ended,
                _ => stop_program(),
            },
        };
        // A failure has been shown already.
        Ok(ended.unwrap_or(1))
    })
}

/// Ends wasmdebug, and with it the program, which LLDB left before it
/// ended. What the program wrote so far is flushed.
fn stop_program() -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    eprintln!("the program was stopped: LLDB quit before it ended");
    std::process::exit(STOPPED)
}
