//! Continue and single step (running in reverse is `reverse`), and turning the way the program stopped into a stop reply.

use gdbstub::common::Signal;
use gdbstub::stub::SingleThreadStopReason;
use gdbstub::target::ext::base::reverse_exec::{ReplayLogPosition, ReverseContOps, ReverseStepOps};
use gdbstub::target::ext::base::singlethread::{
    SingleThreadResume, SingleThreadSingleStep, SingleThreadSingleStepOps,
};
use gdbstub::target::ext::breakpoints::WatchKind;

use super::{Debugger, Refusal, errno_of};
use crate::wasmdebug::debugger::debuggee::{Catcher, Error, ResumeMode, State, Stop};

/// What to tell the client once the program is no longer running.
pub enum Event {
    /// It paused: the stop reply, the pc to send along with it, and for a
    /// trap, an exception, a diverged replay or a refused reverse run what
    /// happened, which the reply carries as an exception (see
    /// `exception_fields`) and the session prints.
    Stopped {
        reason: SingleThreadStopReason<u64>,
        pc: Option<u64>,
        exception: Option<String>,
    },
    /// It ended with this exit status.
    Exited(u8),
}

impl Debugger {
    pub(super) fn start(&mut self, mode: ResumeMode) -> Result<(), Error> {
        let inferior = self.inferior.get_mut();
        // A fresh stub replays `c` while the program already runs (see
        // `session`); there is nothing to do then.
        if inferior.is_running() {
            return Ok(());
        }
        inferior.resume(mode)
    }

    /// Asks a running program to pause; its stop is reported as usual.
    pub fn interrupt(&mut self) {
        self.inferior.get_mut().interrupt();
    }

    /// Why the program is not running any more, or `None` if it still is.
    /// Running (asked right after a resume, and whenever `ready` fires).
    pub fn event(&mut self) -> Option<Event> {
        let inferior = self.inferior.get_mut();
        let stop = match inferior.state() {
            State::Running => return None,
            // Statuses outside 0..=255 cannot be said in a `W` reply; the
            // runtime exits with the same truncation.
            State::Exited(status) => return Some(Event::Exited(status as u8)),
            State::Paused(stop) => stop,
        };
        let mut pc = Self::pc(inferior).ok();
        if let Some(description) = self.reverse_refusal() {
            return Some(Event::Stopped {
                reason: signal(Signal::SIGTRAP),
                pc,
                exception: Some(description),
            });
        }
        let inferior = self.inferior.get_mut();
        if let (Stop::Breakpoint, Ok(frame)) = (&stop, inferior.innermost_frame()) {
            pc = self.breakpoint_pc(frame.location).or(pc);
        }
        let (reason, exception) = match stop {
            Stop::Breakpoint => (SingleThreadStopReason::SwBreak(()), None),
            Stop::Watchpoint(hit) => (
                self.watch_stop(&hit).unwrap_or(signal(Signal::SIGTRAP)),
                None,
            ),
            Stop::Entry | Stop::Step => (signal(Signal::SIGTRAP), None),
            Stop::Interrupted => (signal(Signal::SIGINT), None),
            Stop::HistoryStart => (
                SingleThreadStopReason::ReplayLog {
                    tid: None,
                    pos: ReplayLogPosition::Begin,
                },
                None,
            ),
            Stop::Diverged(message) => (
                signal(Signal::SIGTRAP),
                Some(format!("replay diverged: {message}")),
            ),
            Stop::Trap(description) => (signal(trap_signal(&description)), Some(description)),
            Stop::Exception(catcher) => {
                let description = match catcher {
                    Catcher::Uncaught => "uncaught Wasm exception",
                    Catcher::Caught => "Wasm exception thrown (a handler catches it)",
                    Catcher::Unknown => "Wasm exception thrown",
                };
                (signal(Signal::SIGTRAP), Some(description.to_string()))
            }
        };
        Some(Event::Stopped {
            reason,
            pc,
            exception,
        })
    }
}

/// The signal of a stop reply for `reason`, and the fields after its
/// thread and registers that say why, as gdbstub writes them: for answers
/// gdbstub does not write itself (`?`).
pub fn stop_fields(reason: &SingleThreadStopReason<u64>) -> (u8, Vec<u8>) {
    match reason {
        SingleThreadStopReason::SignalWithThread { signal, .. } => (signal.0, Vec::new()),
        SingleThreadStopReason::SwBreak(()) => (Signal::SIGTRAP.0, b"swbreak:;".to_vec()),
        SingleThreadStopReason::Watch { kind, addr, .. } => {
            let name = match kind {
                WatchKind::Write => "watch",
                WatchKind::Read => "rwatch",
                WatchKind::ReadWrite => "awatch",
            };
            (Signal::SIGTRAP.0, format!("{name}:{addr:x};").into_bytes())
        }
        SingleThreadStopReason::ReplayLog { pos, .. } => {
            let pos = match pos {
                ReplayLogPosition::Begin => "begin",
                ReplayLogPosition::End => "end",
            };
            (Signal::SIGTRAP.0, format!("replaylog:{pos};").into_bytes())
        }
        _ => (Signal::SIGTRAP.0, Vec::new()),
    }
}

/// The fields that make LLDB show a stop as an exception with this
/// description (`reason:exception;description:HEX;`, from
/// `ProcessGDBRemote::SetThreadStopInfo`) rather than as the reply's signal.
///
/// A signal stop is one LLDB would deliver to the program on the next
/// resume (SIGSEGV, SIGILL and SIGFPE pass by default), and LLDB refuses to
/// run in reverse with a signal to deliver: an exception stop has none, and
/// it reads better ("stop reason = wasm trap: ..."). The signal stays in the
/// reply for clients that do not know the field. LLDB's batch mode still
/// counts an exception stop as a crash, for its `-k` commands.
pub fn exception_fields(description: &str) -> Vec<u8> {
    let mut fields = b"reason:exception;description:".to_vec();
    for byte in description.bytes() {
        fields.extend_from_slice(&super::packets::hex_pair(byte));
    }
    fields.push(b';');
    fields
}

/// A `T` stop reply, which is the kind that can carry the pc.
fn signal(signal: Signal) -> SingleThreadStopReason<u64> {
    SingleThreadStopReason::SignalWithThread { tid: (), signal }
}

/// The signal a native program would have got for a trap like this one.
fn trap_signal(description: &str) -> Signal {
    let description = description.to_ascii_lowercase();
    if description.contains("out of bounds") {
        Signal::SIGSEGV
    } else if description.contains("divide by zero")
        || description.contains("integer overflow")
        || description.contains("division")
    {
        Signal::SIGFPE
    } else {
        Signal::SIGILL
    }
}

impl SingleThreadResume for Debugger {
    fn resume(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.start(ResumeMode::Continue)
            .map_err(|e| Refusal(errno_of(e)))
    }

    #[inline(always)]
    fn support_single_step(&mut self) -> Option<SingleThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    /// Only where the runtime records the program, so that qSupported
    /// offers `ReverseContinue+` to no other.
    #[inline(always)]
    fn support_reverse_cont(&mut self) -> Option<ReverseContOps<'_, (), Self>> {
        self.inferior.get_mut().can_reverse().then_some(self)
    }

    /// Likewise `ReverseStep+`.
    #[inline(always)]
    fn support_reverse_step(&mut self) -> Option<ReverseStepOps<'_, (), Self>> {
        self.inferior.get_mut().can_reverse().then_some(self)
    }
}

impl SingleThreadSingleStep for Debugger {
    fn step(&mut self, _signal: Option<Signal>) -> Result<(), Self::Error> {
        self.start(ResumeMode::Step)
            .map_err(|e| Refusal(errno_of(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_a_signal_for_each_trap() {
        let cases = [
            (
                "wasm trap: wasm `unreachable` instruction executed",
                Signal::SIGILL,
            ),
            ("wasm trap: out of bounds memory access", Signal::SIGSEGV),
            ("wasm trap: integer divide by zero", Signal::SIGFPE),
            ("wasm trap: integer overflow", Signal::SIGFPE),
            ("wasm trap: indirect call type mismatch", Signal::SIGILL),
            (
                "wasm trap: undefined element: out of bounds table access",
                Signal::SIGSEGV,
            ),
            ("", Signal::SIGILL),
        ];
        for (description, expected) in cases {
            assert_eq!(trap_signal(description), expected, "{description}");
        }
    }

    #[test]
    fn describes_an_exception_in_hex() {
        assert_eq!(
            exception_fields("a trap"),
            b"reason:exception;description:612074726170;"
        );
    }
}
