//! Ctrl-C: ends wasmdebug in any state, with what the program wrote so far flushed.

use std::future::Future;
use std::io::Write;
use std::sync::OnceLock;
use std::task::Poll;

use anyhow::{Context, Result};

/// The status a shell gives a process that SIGINT ended (128 + 2).
pub const INTERRUPTED: u8 = 130;

/// What must happen before Ctrl-C ends wasmdebug (a recording's end).
static BEFORE_EXIT: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();

/// Runs `hook` when Ctrl-C ends wasmdebug, before it exits; one hook per
/// process (a second is ignored).
pub fn before_exit(hook: impl Fn() + Send + Sync + 'static) {
    let _ = BEFORE_EXIT.set(Box::new(hook));
}

/// From here on, Ctrl-C ends wasmdebug with status 130, whatever the program
/// or its debugger is doing: paused at a breakpoint, running, waiting for a
/// client, or a debugger component stuck in a loop. A thread of its own
/// waits for it, so nothing else has to poll.
pub fn watch() -> Result<()> {
    let (runtime, ctrl_c) = install().context("cannot watch for Ctrl-C")?;
    std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            if runtime.block_on(ctrl_c).is_ok() {
                interrupted();
            }
        })
        .context("cannot watch for Ctrl-C")?;
    Ok(())
}

/// From here on Ctrl-C does nothing to wasmdebug: under `wasmdebug debug` it
/// is LLDB's, which interrupts the program, and it reaches us too because
/// LLDB shares our terminal and process group.
pub fn leave_to_lldb() -> Result<()> {
    // Tokio never removes a handler it installed, and nobody waits for this
    // one, so the signal is simply absorbed.
    let (runtime, ctrl_c) = install().context("cannot leave Ctrl-C to LLDB")?;
    drop((ctrl_c, runtime));
    Ok(())
}

/// A Ctrl-C future whose handler is installed (it has been polled once),
/// and the runtime it waits on.
fn install() -> Result<(tokio::runtime::Runtime, CtrlC)> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    let mut ctrl_c: CtrlC = Box::pin(tokio::signal::ctrl_c());
    // The first poll installs the handler, before any program runs.
    let first = runtime.block_on(std::future::poll_fn(|cx| {
        Poll::Ready(ctrl_c.as_mut().poll(cx))
    }));
    if let Poll::Ready(result) = first {
        result?;
    }
    Ok((runtime, ctrl_c))
}

type CtrlC = std::pin::Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>;

fn interrupted() -> ! {
    // The program's writes reach our stdout as it makes them; this pushes
    // out what our own buffer still holds.
    let _ = std::io::stdout().flush();
    if let Some(hook) = BEFORE_EXIT.get() {
        hook();
    }
    eprintln!("error: interrupted: the program was stopped");
    std::process::exit(INTERRUPTED.into())
}
