//! Loading a program file: binary or text, core module or component.

use std::path::Path;

use anyhow::{Result, bail};
use wasmtime::Engine;

use crate::cache::Cache;
use crate::options::Settings;
use crate::progress::Job;
use wasmtime::component::Component;
use wasmtime::error::Context as _;
use wasmtime::{Module, WasmBacktraceDetails};

/// A compiled program, ready to instantiate in a store of its engine.
#[derive(Clone)]
pub enum Program {
    /// A core module run as a WASI preview 1 command (`_start`).
    Module(Module),
    /// A component run through the WASI preview 2 `wasi:cli/run` export.
    Component(Component),
}

const MAGIC: &[u8; 4] = b"\0asm";

/// Reads `path` and returns its binary encoding, converting text format.
pub fn read_binary(path: &Path) -> Result<Vec<u8>> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    if bytes.starts_with(MAGIC) {
        return Ok(bytes);
    }
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) if text.trim_start().starts_with(['(', ';']) => text,
        _ => bail!("`{}` is not a WebAssembly file", path.display()),
    };
    wat::parse_str(text).map_err(|mut error| {
        error.set_path(path);
        // wat's message spans several lines (with a source excerpt): keep
        // the message and its location.
        let message = error.to_string();
        let mut lines = message
            .lines()
            .map(|line| line.trim_start_matches([' ', '-', '>']));
        let summary = lines.next().unwrap_or_default();
        let location = lines.next().unwrap_or_default();
        anyhow::anyhow!("invalid WebAssembly text format: {summary} at {location}")
    })
}

/// The program's file name (`app.wasm`), which names its modules for a
/// debugger and its recordings; `program.wasm` for a path without one.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || "program.wasm".to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

impl Program {
    /// Compiles the program at `path` for `engine`, through the
    /// compiled-code cache (as `wasmtime run` does by default).
    pub fn load(
        engine: &Engine,
        path: &Path,
        cache: &Cache,
        for_debugging: bool,
    ) -> Result<Program> {
        let binary = read_binary(path)?;
        let name = path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy();
        let job = Job {
            name: &name,
            for_debugging,
        };
        let program = if wasmparser::Parser::is_component(&binary) {
            cache
                .component(engine, &binary, job)
                .map(Program::Component)
        } else if wasmparser::Parser::is_core_wasm(&binary) {
            cache.module(engine, &binary, job).map(Program::Module)
        } else {
            bail!(
                "`{}` is not a WebAssembly file: unknown binary version",
                path.display()
            )
        };
        Ok(program.with_context(|| format!("invalid WebAssembly program `{}`", path.display()))?)
    }
}

/// The Wasm stack under the debugger. Guest-debug instrumentation keeps
/// every Wasm local and operand in a stack slot, so frames grow: measured
/// on x86-64 with clang, 48 -> 176 bytes for a one-argument recursion at
/// -O0, 80 -> 481 for one with six arguments and eight locals at -O0, 112
/// -> 176 for that one at -O2. At eight times Wasmtime's default (512 KiB,
/// which plain runs keep, as `wasmtime run` does) a program gets at least
/// as deep under the debugger as without it: 23,824 frames of the first
/// against 10,902 plain, 8,735 of the second against 6,541.
const DEBUG_MAX_WASM_STACK: usize = 8 * (512 << 10);

/// Room above the Wasm stack on the fiber a program runs on, for host
/// code: WASI calls, and the debug handler serving requests. Wasmtime's
/// defaults leave this much (2 MiB - 512 KiB).
const HOST_STACK: usize = 1536 << 10;

/// The engine settings every program is compiled with: `-W` and `-O` as
/// given, else Wasmtime's defaults (as in `wasmtime run`); `guest_debug`
/// adds the instrumentation the debugger needs.
pub fn engine(guest_debug: bool, settings: &Settings) -> Result<Engine> {
    // Guest debugging turns no proposal off. Shared memories validate but
    // are not created (`Config::shared_memory` is off there too).
    let mut config = wasmtime::Config::new();
    config.wasm_backtrace_details(WasmBacktraceDetails::Enable);
    for (proposal, enable) in &settings.proposals {
        proposal.apply(&mut config, *enable);
    }
    if let Some(level) = settings.opt_level {
        config.cranelift_opt_level(level);
    }
    // Under a debugger, fuel is the clock of time travel (`debug::position`).
    config.consume_fuel((guest_debug && settings.time_travel) || settings.fuel.is_some());
    // `-W timeout` ends a program that makes no calls by an epoch change.
    config.epoch_interruption(settings.timeout.is_some());
    let max_wasm_stack = match (settings.max_wasm_stack, guest_debug) {
        (Some(bytes), false) => Some(bytes),
        // Keep the debugger's margin over what the user asked for.
        (Some(bytes), true) => Some(
            bytes
                .checked_mul(DEBUG_MAX_WASM_STACK / (512 << 10))
                .context("-W max-wasm-stack is too large")?,
        ),
        (None, true) => Some(DEBUG_MAX_WASM_STACK),
        (None, false) => None,
    };
    if let Some(bytes) = max_wasm_stack {
        config.max_wasm_stack(bytes);
        config.async_stack_size(
            bytes
                .checked_add(HOST_STACK)
                .context("-W max-wasm-stack is too large")?,
        );
    }
    if settings.deterministic {
        // A recording replays on another engine (instrumented for a
        // debugger, or on another machine): NaN bit patterns and relaxed
        // SIMD are the two things Wasm leaves to the machine.
        config.cranelift_nan_canonicalization(true);
        config.relaxed_simd_deterministic(true);
    }
    if guest_debug {
        config.guest_debug(true);
        // An epoch change is how `interrupt` reaches code that makes no calls.
        config.epoch_interruption(true);
    }
    Ok(Engine::new(&config).context("failed to configure the Wasm engine")?)
}
