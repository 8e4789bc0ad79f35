//! What the debugger component gets, for `run` and `serve` alike: which
//! component, its arguments, and whether the program waits for it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc;

use anyhow::{Context, Result};

use crate::cache::Cache;
use crate::cli::DebugArgs;
use crate::options::Settings;

/// What the debugger component gets.
pub struct DebuggerSetup {
    /// The component's binary.
    pub component: Vec<u8>,
    /// Its arguments, in order.
    pub args: Vec<String>,
    /// The one address it may listen on, if any.
    pub listen: Option<SocketAddr>,
    /// Where its compiled code is kept.
    pub cache: Cache,
    /// The program's file name, after which the debugger sees its modules
    /// named.
    pub program_name: String,
    /// Whether the program runs from the start (`--no-wait`) rather than
    /// waiting, paused, for the debugger.
    pub no_wait: bool,
    /// Whether a core module's inputs are recorded, for running in reverse
    /// (`-D time-travel`).
    pub time_travel: bool,
    pub announce: Announce,
}

/// What becomes of the address the debugger says it listens on.
pub enum Announce {
    /// Printed on stderr, with how to connect: `Debugger listening on
    /// ADDR`, a line tests and scripts wait for.
    Print,
    /// Sent here, for a client this process starts itself; nothing printed.
    Send(mpsc::Sender<SocketAddr>),
}

impl DebuggerSetup {
    /// The setup the flags ask for: `-D debugger=` if given, else the
    /// built-in debugger, listening on `-g`'s address; `program` is the
    /// debuggee's file.
    pub fn new(
        flags: &DebugArgs,
        settings: &Settings,
        cache: Cache,
        program: &Path,
    ) -> Result<DebuggerSetup> {
        let listen = flags.gdbstub;
        DebuggerSetup::listening_on(listen, flags.no_wait, settings, cache, program)
    }

    /// The setup for a debugger listening on `listen` (if any), the program
    /// running from the start if `no_wait`.
    pub fn listening_on(
        listen: Option<SocketAddr>,
        no_wait: bool,
        settings: &Settings,
        cache: Cache,
        program: &Path,
    ) -> Result<DebuggerSetup> {
        let component = match &settings.debugger {
            Some(path) => std::fs::read(path).with_context(|| {
                format!("failed to read debugger component `{}`", path.display())
            })?,
            None => builtin_debugger()?,
        };
        let mut args = Vec::new();
        if let Some(listen) = listen {
            if !listen.ip().is_loopback() {
                eprintln!(
                    "warning: the debugger listens on {listen}, beyond this machine: whoever \
                     reaches that port can read and write the program's memory"
                );
            }
            args.push(format!("listen={listen}"));
        }
        args.extend(settings.debugger_args.iter().cloned());
        let program_name = crate::program::file_name(program);
        Ok(DebuggerSetup {
            component,
            args,
            listen,
            cache,
            program_name,
            no_wait,
            time_travel: settings.time_travel,
            announce: Announce::Print,
        })
    }
}

#[cfg(feature = "gdbstub")]
fn builtin_debugger() -> Result<Vec<u8>> {
    Ok(wasmdebug_component_artifact::COMPONENT.to_vec())
}

#[cfg(not(feature = "gdbstub"))]
fn builtin_debugger() -> Result<Vec<u8>> {
    anyhow::bail!(
        "this build of wasmdebug has no built-in debugger: install one with \
         `cargo install wasmdebug --features gdbstub`, or pass -D debugger=COMPONENT.wasm"
    )
}
