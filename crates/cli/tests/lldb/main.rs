//! A stock LLDB (23, with its Wasm plugin) debugging the example programs
//! through `wasmdebug run -g`, as a user would.
//!
//! LLDB's wording varies between versions, so each test matches the lines
//! that matter, in order, and nothing else.

#![cfg(feature = "gdbstub")]

mod breakpoints;
mod endings;
mod memory;
mod stacks;
mod stepping;
#[path = "../support/mod.rs"]
mod support;

use support::Debuggee;
use support::lldb::{self, Runtime, Session, assert_in_order, run_lldb};

/// Debugs `debuggee ARGS` with LLDB attached, running `commands` after
/// connecting. The commands must end the program (run it out, detach or
/// kill): a disconnect alone leaves it paused for the next client.
fn attach(debuggee: Debuggee, args: &[&str], commands: &[&str]) -> Session {
    attach_with_crash_commands(debuggee, args, commands, &[])
}

/// Like `attach`, with `on_crash` run once the program stops on a signal.
fn attach_with_crash_commands(
    debuggee: Debuggee,
    args: &[&str],
    commands: &[&str],
    on_crash: &[&str],
) -> Session {
    lldb::attach(
        Runtime::start(&[], debuggee.path(), args),
        commands,
        on_crash,
    )
}
