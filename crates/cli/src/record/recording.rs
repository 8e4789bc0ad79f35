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

use super::call::Call;
use super::file::{End, Writer};
use crate::locks::lock;

/// The most memory a recording may take before it gives up (see `Recording::append`).
pub const DEFAULT_CAP: usize = 1 << 30;

/// Every host call of a run so far: kept in memory for time travel,
/// written to a file for `run --record`, or read from one for a replay.
pub struct Recording {
    /// `None` for a recording that only goes to a file.
    calls: Option<Mutex<Vec<Call>>>,
    state: Mutex<Size>,
    /// Set once the cap was passed: the calls are gone.
    gave_up: AtomicBool,
    /// The file the calls go to, until writing it fails.
    file: Option<Mutex<Option<Writer>>>,
}

struct Size {
    bytes: usize,
    cap: usize,
}

impl Recording {
    /// A recording kept in memory, up to `cap` bytes.
    pub fn new(cap: usize) -> Arc<Recording> {
        Arc::new(Recording {
            calls: Some(Mutex::default()),
            state: Mutex::new(Size { bytes: 0, cap }),
            gave_up: AtomicBool::new(false),
            file: None,
        })
    }

    /// A recording written to `file` as the run goes, and not kept.
    pub fn to_file(file: Writer) -> Arc<Recording> {
        Arc::new(Recording {
            calls: None,
            state: Mutex::new(Size { bytes: 0, cap: 0 }),
            gave_up: AtomicBool::new(false),
            file: Some(Mutex::new(Some(file))),
        })
    }

    /// The calls of a recording read from a file, to replay.
    pub fn of(calls: Vec<Call>) -> Arc<Recording> {
        Arc::new(Recording {
            calls: Some(Mutex::new(calls)),
            state: Mutex::new(Size {
                bytes: 0,
                cap: usize::MAX,
            }),
            gave_up: AtomicBool::new(false),
            file: None,
        })
    }

    /// Whether every call so far is kept, so the history can be replayed.
    pub fn is_complete(&self) -> bool {
        self.calls.is_some() && !self.gave_up.load(Ordering::Relaxed)
    }

    /// Adds the run's next call. Past the cap, the calls kept in memory are
    /// dropped (said once), and none is kept from then on. A file that
    /// cannot be written is given up likewise; the run goes on.
    pub fn append(&self, call: Call) {
        if let Some(file) = &self.file {
            let mut file = lock(file);
            if let Some(writer) = file.as_mut()
                && let Err(error) = writer.call(&call)
            {
                eprintln!("warning: the recording stopped: it cannot be written: {error}");
                *file = None;
            }
        }
        let Some(calls) = &self.calls else {
            return;
        };
        if self.gave_up.load(Ordering::Relaxed) {
            return;
        }
        let mut size = lock(&self.state);
        size.bytes += call.size();
        if size.bytes > size.cap {
            self.gave_up.store(true, Ordering::Relaxed);
            *lock(calls) = Vec::new();
            eprintln!(
                "warning: the recording of the program's inputs passed its cap of {} MiB and was \
                 dropped: running in reverse is off from here on",
                size.cap >> 20
            );
            return;
        }
        lock(calls).push(call);
    }

    /// Ends the file with how the run ended, once; later calls do nothing.
    pub fn finish(&self, end: &End) {
        let Some(file) = &self.file else {
            return;
        };
        if let Some(mut writer) = lock(file).take()
            && let Err(error) = writer.end(end)
        {
            eprintln!("warning: the recording cannot be finished: {error}");
        }
    }

    /// Runs `read` on call `index`, if the recording has it.
    fn with_call<R>(&self, index: usize, read: impl FnOnce(&Call) -> R) -> Option<R> {
        lock(self.calls.as_ref()?).get(index).map(read)
    }
}

/// A store's side of the recording.
pub enum Tape {
    /// Not recorded: time travel switched off.
    Off,
    /// The live program: calls go to the host and are appended.
    Record(Arc<Recording>),
    /// A replay: calls are answered from the recording, from `next` on;
    /// `shown`: the program's stdout and stderr writes are printed.
    Replay {
        recording: Arc<Recording>,
        next: usize,
        shown: bool,
    },
}

/// A replay that does not do what the recorded program did: the error its
/// host call fails with, which the debug handler turns into a stop.
#[derive(Debug)]
pub struct Diverged {
    message: String,
    /// It made a call past the recording's last.
    past_the_end: bool,
}

impl Diverged {
    pub fn new(message: String) -> Diverged {
        Diverged {
            message,
            past_the_end: false,
        }
    }

    /// Whether the replay only ran past the recording's end, doing nothing
    /// else wrong: a recording of an interrupted run ends so.
    pub fn is_past_the_end(&self) -> bool {
        self.past_the_end
    }
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
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
                return Err(Diverged::new(format!(
                    "host call {index} is `{}`, but the program called `{}` then",
                    names(call.function),
                    names(function)
                )));
            }
            if *call.params != *params {
                return Err(Diverged::new(format!(
                    "host call {index}, `{}`, has other arguments than when it was recorded",
                    names(function)
                )));
            }
            Ok(answer(call))
        });
        match found {
            Some(Ok(answer)) => {
                *next += 1;
                Ok(answer)
            }
            Some(Err(diverged)) => Err(diverged),
            None => Err(Diverged {
                message: format!(
                    "the replay made host call {index} (`{}`), past the end of the recording",
                    names(function)
                ),
                past_the_end: true,
            }),
        }
    }

    /// The recorded answer to a call that is recorded only sometimes (a
    /// drop, recorded only when it failed): if the replay's next recorded
    /// call is this one, it is taken and `answer` reads it; else `None`,
    /// and the cursor stays.
    pub fn replay_if<R>(
        recording: &Recording,
        next: &mut usize,
        function: u16,
        params: &[i64],
        answer: impl FnOnce(&Call) -> R,
    ) -> Option<R> {
        let answer = recording.with_call(*next, |call| {
            (call.function == function && *call.params == *params).then(|| answer(call))
        })??;
        *next += 1;
        Some(answer)
    }
}
