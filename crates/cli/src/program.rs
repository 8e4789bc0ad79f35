//! Loading a program file: binary or text, core module or component.

use std::path::Path;

use anyhow::{Result, bail};
use wasmtime::Engine;

use crate::cache;
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

/// Which of the two binary encodings a file holds.
#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    Module,
    Component,
}

const MAGIC: &[u8; 4] = b"\0asm";

/// Tells a core module from a component by the version field of its header.
fn encoding(binary: &[u8]) -> Option<Encoding> {
    let header = binary.get(..8)?;
    if &header[..4] != MAGIC {
        return None;
    }
    match header[4..8] {
        [1, 0, 0, 0] => Some(Encoding::Module),
        [0x0d, 0, 0x01, 0] => Some(Encoding::Component),
        _ => None,
    }
}

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

impl Program {
    /// Compiles the program at `path` for `engine`, through the
    /// compiled-code cache (as `wasmtime run` does by default).
    pub fn load(engine: &Engine, path: &Path) -> Result<Program> {
        let binary = read_binary(path)?;
        let program = match encoding(&binary) {
            Some(Encoding::Module) => cache::module(engine, &binary).map(Program::Module),
            Some(Encoding::Component) => cache::component(engine, &binary).map(Program::Component),
            None => bail!(
                "`{}` is not a WebAssembly file: unknown binary version",
                path.display()
            ),
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

/// The fiber the program runs on holds the Wasm stack and, above it, host
/// code: WASI calls, and the debug handler serving requests. Keep the room
/// Wasmtime's defaults leave for that (2 MiB - 512 KiB).
const DEBUG_ASYNC_STACK_SIZE: usize = DEBUG_MAX_WASM_STACK + (1536 << 10);

/// The engine settings every program is compiled with; `guest_debug` adds
/// the instrumentation the debugger needs.
pub fn engine(guest_debug: bool) -> Result<Engine> {
    // Wasm proposals stay at Wasmtime's defaults, as in `wasmtime run`; guest
    // debugging turns none of them off. Shared memories validate but are not
    // created (`Config::shared_memory` is off there too).
    let mut config = wasmtime::Config::new();
    config.wasm_backtrace_details(WasmBacktraceDetails::Enable);
    if guest_debug {
        config.guest_debug(true);
        // An epoch change is how `interrupt` reaches code that makes no calls.
        config.epoch_interruption(true);
        config.max_wasm_stack(DEBUG_MAX_WASM_STACK);
        config.async_stack_size(DEBUG_ASYNC_STACK_SIZE);
    }
    Ok(Engine::new(&config).context("failed to configure the Wasm engine")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let check = |bytes: &[u8], expected| assert_eq!(encoding(bytes), expected, "{bytes:?}");
        check(b"\0asm\x01\0\0\0", Some(Encoding::Module));
        check(b"\0asm\x0d\0\x01\0", Some(Encoding::Component));
        check(b"\0asm\x02\0\0\0", None);
        check(b"\0asm", None);
        check(b"", None);
        check(b"hello world!", None);
    }
}
