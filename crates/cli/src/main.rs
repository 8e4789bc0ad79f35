//! `wasmdebug`: run WASI programs on Wasmtime, and debug them with LLDB.
//!
//! This crate is glue: it parses the command line, loads the program, and
//! hands it either to the runner (`run`) or to the debug host (`debug`),
//! then turns the program's ending into the process's exit status.
//!
//! Exit statuses: the guest's own status when it returns or exits; 134 when
//! it traps; 1 when wasmdebug itself fails (bad input, a missing import);
//! 2 for command-line usage errors.

mod cache;
mod cli;
mod debug;
mod program;
mod run;
mod serve;
mod wasi;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;

use crate::cli::{Cli, Command, DebugOptions, RunArgs};
use crate::program::Program;
use crate::run::Ending;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = match (cli.command, cli.run) {
        (Some(Command::Run(options)), _) | (None, Some(options)) => options,
        (Some(Command::Serve(args)), _) => return serve_command(&args),
        (None, None) => {
            eprintln!("error: no program given; see `wasmdebug --help`");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(Ending::Exited(status)) => exit_code(status),
        Ok(ending @ Ending::Trapped(_)) => {
            if let Ending::Trapped(error) = &ending {
                eprintln!("error: {}", run::describe_trap(error));
            }
            exit_code(ending.exit_status())
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `wasmdebug serve` ends only when it fails, or the debugger kills it.
fn serve_command(args: &serve::ServeArgs) -> ExitCode {
    match serve::serve(args) {
        Ok(status) => exit_code(status),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &RunArgs) -> Result<Ending> {
    let debug_options = DebugOptions::parse(&options.debug_options)?;
    if options.gdbstub.is_some() || debug_options.debugger.is_some() {
        return debug(options, debug_options).map(Ending::Exited);
    }
    let engine = program::engine(false)?;
    let program = Program::load(&engine, &options.program)?;
    let wasi = wasi::context(options)?;
    run::run_to_completion(&engine, &program, wasi)
}

/// Runs the program under a debugger component: `-D debugger=` if given,
/// else the built-in gdbstub.
fn debug(options: &RunArgs, debug_options: DebugOptions) -> Result<i32> {
    let listen = match &options.gdbstub {
        Some(text) => Some(cli::parse_listen_address(text)?),
        None => None,
    };
    let component = match &debug_options.debugger {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("failed to read debugger component `{}`", path.display()))?,
        None => builtin_debugger()?,
    };
    let mut args = Vec::new();
    if let Some(listen) = listen {
        if !listen.ip().is_loopback() {
            eprintln!(
                "warning: the debugger listens on {listen}, beyond this machine: whoever reaches \
                 that port can read and write the program's memory"
            );
        }
        args.push(format!("listen={listen}"));
    }
    args.extend(debug_options.args);

    let engine = program::engine(true)?;
    let program = Program::load(&engine, &options.program)?;
    let wasi = wasi::context(options)?;
    let setup = debug::DebuggerSetup {
        component,
        args,
        listen,
    };
    debug::run(&engine, &program, wasi, setup)
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

/// Exit statuses outside 0..=255 are truncated by the OS; keep the low byte
/// as a shell would see it.
fn exit_code(status: i32) -> ExitCode {
    ExitCode::from(status as u8)
}
