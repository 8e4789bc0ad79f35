//! The recording of a program's inputs: the result of every host call it
//! made, in order, which a replay hands back instead of calling the host.
//!
//! The live store appends (`Tape::Record`); each replay reads it from the
//! start with a cursor of its own (`Tape::Replay`). Replays run only while
//! the live program is paused, so the two never race. Past its cap the
//! recording gives up: it is dropped, and running in reverse is off from
//! then on; the live program runs on unaffected.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::panics::lock;

/// The most memory a recording may take before it gives up (see `Recording::append`).
pub const DEFAULT_CAP: usize = 1 << 30;

/// One host call and what came of it.
pub struct Call {
    /// Which import was called (an index the caller defines).
    pub function: u16,
    /// Its arguments, to tell a replay that took another path.
    pub params: Box<[i64]>,
    pub outcome: Outcome,
}

/// What a host call did to the program.
pub enum Outcome {
    /// It returned these results, after writing these bytes into guest
    /// memory (address, bytes).
    Returned {
        results: Box<[i64]>,
        writes: Box<[(u32, Box<[u8]>)]>,
    },
    /// It ended the program with this exit status (`proc_exit`).
    Exited(i32),
    /// It failed with this error, which traps the program.
    Failed(String),
}

impl Call {
    /// Roughly what keeping this call costs, for the cap.
    fn size(&self) -> usize {
        let outcome = match &self.outcome {
            Outcome::Returned { results, writes } => {
                results.len() * 8
                    + writes
                        .iter()
                        .map(|(_, bytes)| 16 + bytes.len())
                        .sum::<usize>()
            }
            Outcome::Exited(_) => 0,
            Outcome::Failed(message) => message.len(),
        };
        std::mem::size_of::<Call>() + self.params.len() * 8 + outcome
    }
}

/// Every host call of the live program so far.
pub struct Recording {
    calls: Mutex<Vec<Call>>,
    state: Mutex<Size>,
    /// Set once the cap was passed: the calls are gone.
    gave_up: AtomicBool,
}

struct Size {
    bytes: usize,
    cap: usize,
}

impl Recording {
    pub fn new(cap: usize) -> Arc<Recording> {
        Arc::new(Recording {
            calls: Mutex::default(),
            state: Mutex::new(Size { bytes: 0, cap }),
            gave_up: AtomicBool::new(false),
        })
    }

    /// Whether every call so far is kept, so the history can be replayed.
    pub fn is_complete(&self) -> bool {
        !self.gave_up.load(Ordering::Relaxed)
    }

    /// Adds the live program's next call. Past the cap, the recording
    /// drops what it has, says so once, and keeps nothing more.
    pub fn append(&self, call: Call) {
        if !self.is_complete() {
            return;
        }
        let mut size = lock(&self.state);
        size.bytes += call.size();
        if size.bytes > size.cap {
            self.gave_up.store(true, Ordering::Relaxed);
            *lock(&self.calls) = Vec::new();
            eprintln!(
                "warning: the recording of the program's inputs passed its cap of {} MiB and was \
                 dropped: running in reverse is off from here on",
                size.cap >> 20
            );
            return;
        }
        lock(&self.calls).push(call);
    }

    /// Runs `read` on call `index`, if the recording has it.
    fn with_call<R>(&self, index: usize, read: impl FnOnce(&Call) -> R) -> Option<R> {
        lock(&self.calls).get(index).map(read)
    }
}

/// A store's side of the recording.
pub enum Tape {
    /// Not recorded (a component, whose inputs we cannot record yet).
    Off,
    /// The live program: calls go to the host and are appended.
    Record(Arc<Recording>),
    /// A replay: calls are answered from the recording, from `next` on.
    Replay {
        recording: Arc<Recording>,
        next: usize,
    },
}

/// A replay that does not do what the recorded program did: the error its
/// host call fails with, which the debug handler turns into a stop.
#[derive(Debug)]
pub struct Diverged(pub String);

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the replay diverged: {}", self.0)
    }
}

impl std::error::Error for Diverged {}

impl Tape {
    /// The recorded answer to a replay's next call, which must be the call
    /// the program made then: the same import, the same arguments.
    /// `answer` reads the recorded call.
    pub fn replay<R>(
        recording: &Recording,
        next: &mut usize,
        function: u16,
        params: &[i64],
        names: impl Fn(u16) -> &'static str,
        answer: impl FnOnce(&Call) -> R,
    ) -> Result<R, Diverged> {
        let index = *next;
        let found = recording.with_call(index, |call| {
            if call.function != function {
                return Err(Diverged(format!(
                    "host call {index} is `{}`, but the program called `{}` then",
                    names(function),
                    names(call.function)
                )));
            }
            if *call.params != *params {
                return Err(Diverged(format!(
                    "host call {index}, `{}`, has other arguments than when it was recorded",
                    names(function)
                )));
            }
            Ok(answer(call))
        });
        match found {
            Some(answer) => {
                *next += 1;
                answer
            }
            None => Err(Diverged(format!(
                "the replay made host call {index} (`{}`), past the end of the recording",
                names(function)
            ))),
        }
    }
}
