//! A recorded program's store data: its WASI context and its side of the
//! recording, which the wrappers of both kinds of program use (`preview1`
//! for a core module, `preview2` for a component).

use std::sync::Arc;

use wasmtime::Memory;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{WasiCtxBuilder, WasiCtxView, WasiView};

use super::recording::{Recording, Tape};
use crate::run::Guest;

/// The debuggee's store data: its WASI context, and its side of the
/// recording.
pub struct Recorded {
    pub(super) wasi: WasiP1Ctx,
    pub(super) tape: Tape,
    /// A core module's memory, found at the first call that needs it (a
    /// lookup by name costs more than some calls).
    pub(super) memory: Option<Memory>,
    /// A component's stdout and stderr, to show in a replay.
    pub(super) shown_streams: ShownStreams,
}

/// A component's stdout and stderr streams in a replay that shows them
/// (by their numbers: a program may get either more than once), to print
/// what the program writes there.
#[derive(Default)]
pub struct ShownStreams {
    pub(super) stdout: Vec<u32>,
    pub(super) stderr: Vec<u32>,
}

impl ShownStreams {
    /// A dropped stream's number, which the host may give another stream.
    pub(super) fn forget(&mut self, rep: u32) {
        self.stdout.retain(|shown| *shown != rep);
        self.stderr.retain(|shown| *shown != rep);
    }
}

impl Recorded {
    /// The live program's data: calls go to `wasi` and, if given, are
    /// recorded.
    pub fn live(wasi: WasiP1Ctx, recording: Option<Arc<Recording>>) -> Recorded {
        Recorded {
            wasi,
            tape: recording.map_or(Tape::Off, Tape::Record),
            memory: None,
            shown_streams: ShownStreams::default(),
        }
    }

    /// A replay's data: every call is answered from `recording`. Its WASI
    /// context is empty, and never used. With `shown`, what the program
    /// writes to its stdout and stderr is printed on ours (`wasmdebug
    /// replay`); time travel's replays print nothing.
    pub fn replay(recording: Arc<Recording>, shown: bool) -> Recorded {
        Recorded {
            wasi: WasiCtxBuilder::new().build_p1(),
            tape: Tape::Replay {
                recording,
                next: 0,
                shown,
            },
            memory: None,
            shown_streams: ShownStreams::default(),
        }
    }

    /// How many recorded calls a replay has answered so far.
    pub fn replayed(&self) -> Option<usize> {
        match self.tape {
            Tape::Replay { next, .. } => Some(next),
            _ => None,
        }
    }

    /// Whether its calls go to a recording or come from one.
    pub fn is_recorded(&self) -> bool {
        !matches!(self.tape, Tape::Off)
    }

    /// Whether this is a replay's data.
    pub fn is_replay(&self) -> bool {
        matches!(self.tape, Tape::Replay { .. })
    }
}

impl WasiView for Recorded {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        self.wasi.ctx()
    }
}

impl Guest for Recorded {
    fn p1(&mut self) -> &mut WasiP1Ctx {
        &mut self.wasi
    }
}
