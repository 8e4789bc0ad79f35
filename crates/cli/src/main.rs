//! `wasmdebug`: run WASI programs on Wasmtime, and debug them with LLDB.
//!
//! This crate is glue: it parses the command line, loads the program, and
//! hands it either to the runner (`run`) or to the debug host (`debug`),
//! then turns the program's ending into the process's exit status.
//!
//! Exit statuses: the guest's own status when it returns or exits; 134 when
//! it traps; 1 when wasmdebug itself fails (bad input, a missing import);
//! 2 for command-line usage errors; 130 after Ctrl-C.

mod cache;
mod cli;
mod debug;
mod debug_command;
mod interrupt;
mod lldb;
mod options;
mod program;
mod progress;
mod run;
mod serve;
mod wasi;

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};

use crate::cache::Cache;
use crate::cli::{Cli, Command, RunArgs};
use crate::options::Settings;
use crate::program::Program;
use crate::run::{Ending, Invoke, Preload};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = match (cli.command, cli.run) {
        (Some(Command::Run(options)), _) | (None, Some(options)) => options,
        (Some(Command::Serve(args)), _) => return serve_command(&args),
        (Some(Command::Debug(args)), _) => return debug_command::run(&args),
        (None, None) => {
            eprintln!("error: no program given; see `wasmdebug --help`");
            return ExitCode::from(2);
        }
    };
    if let Err(error) = interrupt::watch() {
        eprintln!("warning: {error:#}");
    }
    let settings = options.settings();
    let debugging = options.gdbstub.is_some() || settings.debugger.is_some();
    if debugging && let Some(option) = not_served_under_a_debugger(&options, &settings) {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("{option} is not served under a debugger (-g or -D debugger=)"),
            )
            .exit();
    }
    match run(&options, &settings) {
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

/// The options that shape a plain run's store, which the debug host does
/// not take (yet): the first one given, if any.
fn not_served_under_a_debugger(options: &RunArgs, settings: &Settings) -> Option<&'static str> {
    [
        (options.invoke.is_some(), "--invoke"),
        (!options.preloads.is_empty(), "--preload"),
        (settings.fuel.is_some(), "-W fuel"),
        (settings.timeout.is_some(), "-W timeout"),
        (settings.max_memory_size.is_some(), "-W max-memory-size"),
        (!settings.cli, "-S cli=n"),
    ]
    .into_iter()
    .find_map(|(given, option)| given.then_some(option))
}

fn run(options: &RunArgs, settings: &Settings) -> Result<Ending> {
    let cache = Cache::new(settings)?;
    if options.gdbstub.is_some() || settings.debugger.is_some() {
        return debug(options, settings, cache).map(Ending::Exited);
    }
    let engine = program::engine(false, settings)?;
    let program = Program::load(&engine, options.program(), &cache, false)?;
    let preloads = options
        .preloads
        .iter()
        .map(
            |preload| match Program::load(&engine, &preload.path, &cache, false)? {
                Program::Module(module) => Ok(Preload {
                    name: preload.name.clone(),
                    module,
                }),
                Program::Component(_) => anyhow::bail!(
                    "--preload takes core modules, and `{}` is a component",
                    preload.path.display()
                ),
            },
        )
        .collect::<Result<Vec<_>>>()?;
    let invoke = match &options.invoke {
        Some(name) => Some(Invoke {
            name: name.clone(),
            args: options
                .args()
                .iter()
                .map(|arg| {
                    arg.to_str()
                        .map(str::to_string)
                        .with_context(|| format!("argument `{}` is not valid UTF-8", arg.display()))
                })
                .collect::<Result<_>>()?,
        }),
        None => None,
    };
    let wasi = wasi::context(options, settings)?;
    run::run_to_completion(
        &engine,
        &program,
        wasi,
        settings,
        &preloads,
        invoke.as_ref(),
    )
}

/// Runs the program under a debugger component: `-D debugger=` if given,
/// else the built-in gdbstub.
fn debug(options: &RunArgs, settings: &Settings, cache: Cache) -> Result<i32> {
    let engine = program::engine(true, settings)?;
    let program = Program::load(&engine, options.program(), &cache, true)?;
    let wasi = wasi::context(options, settings)?;
    let mut setup = debugger_setup(options.gdbstub, settings, cache, options.program())?;
    setup.no_wait = options.no_wait;
    debug::run(&engine, &program, wasi, setup)
}

/// What the debugger component gets, for `run` and `serve` alike: `-D
/// debugger=` if given, else the built-in one, listening on `listen`.
pub fn debugger_setup(
    listen: Option<std::net::SocketAddr>,
    settings: &Settings,
    cache: Cache,
    program: &std::path::Path,
) -> Result<debug::DebuggerSetup> {
    let component = match &settings.debugger {
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
    args.extend(settings.debugger_args.iter().cloned());
    let program_name = program.file_name().map_or_else(
        || "program.wasm".to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    Ok(debug::DebuggerSetup {
        component,
        args,
        listen,
        cache,
        program_name,
        no_wait: false,
        announce: debug::Announce::Print,
    })
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
