//! `wasmdebug`: run WASI programs on Wasmtime, and debug them with LLDB.
//!
//! This file is glue: it parses the command line, refuses (as a usage
//! error) the options the debug host does not take, loads the program and
//! hands it either to the runner (`run`) or to the debug host (`debug`), or
//! hands `serve` to `serve`; then it turns the ending into the process's
//! exit status.
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
mod locks;
mod options;
mod program;
mod progress;
mod record;
mod replay;
mod run;
mod serve;
mod wasi;

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};
use sha2::{Digest, Sha256};

use crate::cache::Cache;
use crate::cli::{Cli, Command, RunArgs};
use crate::debug::DebuggerSetup;
use crate::options::Settings;
use crate::program::Program;
use crate::run::{Ending, Invoke, Preload};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let options = match cli.command {
        Some(Command::Run(options)) => options,
        Some(Command::Debug(args)) => return exit_with(debug_command::run(&args)),
        Some(Command::Serve(args)) => return exit_with(serve::serve(&args)),
        Some(Command::Replay(args)) => {
            if let Err(error) = interrupt::watch() {
                eprintln!("warning: {error:#}");
            }
            return exit_with(replay::replay(&args));
        }
        None => cli.run,
    };
    if let Err(error) = interrupt::watch() {
        eprintln!("warning: {error:#}");
    }
    let settings = options.settings();
    if options.debugging.wanted(&settings)
        && let Some(option) = options.not_served_under_a_debugger(&settings)
    {
        Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!("{option} is not served under a debugger (-g or -D debugger=)"),
            )
            .exit();
    }
    if options.record.is_some() {
        let refused = match options.debugging.wanted(&settings) {
            true => Some("a debugger (-g or -D debugger=)"),
            false => options.not_served_under_a_debugger(&settings),
        };
        if let Some(option) = refused {
            Cli::command()
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("{option} is not served with --record"),
                )
                .exit();
        }
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

/// The exit status of a command that ends with a status or fails
/// (`serve` ends only when it fails, or the debugger kills it).
fn exit_with(ended: Result<i32>) -> ExitCode {
    match ended {
        Ok(status) => exit_code(status),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &RunArgs, settings: &Settings) -> Result<Ending> {
    let cache = Cache::new(settings)?;
    if options.debugging.wanted(settings) {
        return debug(options, settings, cache).map(Ending::Exited);
    }
    if let Some(path) = &options.record {
        return record(options, settings, cache, path);
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

/// Runs the program as a plain run does, recording its inputs into `path`
/// (`run --record`) as it goes.
fn record(options: &RunArgs, settings: &Settings, cache: Cache, path: &Path) -> Result<Ending> {
    let mut settings = settings.clone();
    settings.deterministic = true;
    let engine = program::engine(false, &settings)?;
    let program = Program::load(&engine, options.program(), &cache, false)?;
    let bytes = std::fs::read(options.program())
        .with_context(|| format!("cannot read `{}`", options.program().display()))?;
    let (linkers, names) = record::linkers(&engine, &program)?;
    let header = record::Header {
        program_sha256: Sha256::digest(&bytes).into(),
        program_name: program::file_name(options.program()),
        wasm_options: settings
            .max_wasm_stack
            .map(|bytes| format!("max-wasm-stack={bytes}"))
            .into_iter()
            .collect(),
        names: names.iter().map(|name| name.to_string()).collect(),
    };
    let recording = record::Recording::to_file(record::Writer::create(path, &header)?);
    let on_interrupt = recording.clone();
    interrupt::before_exit(move || on_interrupt.finish(&record::End::Interrupted));
    let wasi = wasi::context(options, &settings)?;
    let data = record::Recorded::live(wasi, Some(recording.clone()));
    let (ending, _) = record::run_to_end(&engine, &program, &linkers, data)?;
    recording.finish(&match &ending {
        Ending::Exited(status) => record::End::Exited(*status),
        Ending::Trapped(error) => record::End::Trapped(run::describe_trap(error)),
    });
    Ok(ending)
}

/// Runs the program under a debugger component: `-D debugger=` if given,
/// else the built-in gdbstub.
fn debug(options: &RunArgs, settings: &Settings, cache: Cache) -> Result<i32> {
    let engine = program::engine(true, settings)?;
    let program = Program::load(&engine, options.program(), &cache, true)?;
    let wasi = wasi::context(options, settings)?;
    let setup = DebuggerSetup::new(&options.debugging, settings, cache, options.program())?;
    debug::run(
        &engine,
        &program,
        debug::Inputs::Live(Box::new(wasi)),
        setup,
    )
}

/// Exit statuses outside 0..=255 are truncated by the OS; keep the low byte
/// as a shell would see it.
fn exit_code(status: i32) -> ExitCode {
    ExitCode::from(status as u8)
}
