//! The built-in debugger of wasmdebug: serves LLDB's Wasm dialect of the GDB remote protocol.
//!
//! The host calls [`Guest::debug`] once, with the program paused at its start
//! (or, under `--no-wait`, already running). We listen on the address from the `listen=` argument and serve
//! one client after another until a client detaches or kills the program, or
//! the program ends. Code map: `args` (our arguments), `net` (WASI TCP),
//! `inferior` (the debuggee and its caches), `addr` (LLDB's address space),
//! `bytecode` (where a module's code section lies), `xml` (qXfer
//! documents), `gdb` (the protocol, and only it), `trace` (the verbose log).

mod addr;
mod args;
mod bytecode;
#[cfg(test)]
mod fuzz;
mod gdb;
mod inferior;
mod net;
mod trace;
mod xml;

wit_bindgen::generate!({
    path: "../cli/wit",
    world: "debugger",
    with: { "wasi:io/poll@0.2.12": wasip2::io::poll },
});

struct Component;

impl Guest for Component {
    fn debug(debuggee: Debuggee, args: Vec<String>) -> Result<(), String> {
        let options = args::Options::parse(&args)?;
        if options.verbose {
            trace::enable();
        }
        gdb::serve(debuggee, options.listen)
    }
}

export!(Component);
