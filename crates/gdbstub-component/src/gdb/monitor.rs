//! Monitor commands (`qRcmd`: gdb's `monitor`, LLDB's `process plugin packet monitor`).
//!
//! One for now: `catch throw`, a stop at every thrown Wasm exception, as
//! gdb's command of that name. Without it only an exception that nothing
//! catches stops the program.

use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd, outputln};

use super::Debugger;

const HELP: &str = "\
catch throw [on]   stop at every thrown Wasm exception, caught or not
catch throw off    stop only at exceptions that nothing catches (the default)
help               this list";

impl MonitorCmd for Debugger {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), Self::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        let words: Vec<&str> = cmd.split_whitespace().collect();
        // Every answer is console output: an error reply would end LLDB's
        // command with no word of why.
        match words[..] {
            ["catch", "throw"] | ["catch", "throw", "on"] => {
                self.inferior.get_mut().stop_at_throws(true);
                outputln!(
                    out,
                    "Stopping at every thrown Wasm exception, caught or not."
                );
            }
            ["catch", "throw", "off"] => {
                self.clear_catch_throw();
                outputln!(
                    out,
                    "Stopping only at Wasm exceptions that nothing catches."
                );
            }
            [] | ["help"] => outputln!(out, "{HELP}"),
            _ => outputln!(
                out,
                "unknown monitor command `{cmd}`; the commands are:\n{HELP}"
            ),
        }
        Ok(())
    }
}

impl Debugger {
    /// Back to stopping only at uncaught exceptions, for when the client
    /// that asked for `catch throw` leaves.
    pub fn clear_catch_throw(&mut self) {
        self.inferior.get_mut().stop_at_throws(false);
    }
}
