//! The debuggee's state machine: a program that the debugger pauses,
//! inspects and resumes.
//!
//! The program runs inside `run::run` as an async Wasmtime call, a future
//! (`ProgramFuture`). At a debug event the handler parks it (`handler`), and
//! each request is a closure run with the paused store by polling that
//! future on the debugger's own thread: two fiber switches, no thread
//! hand-off. A `continue` runs here for one slice (`slice`) and only a
//! longer run moves the future to the runner thread (`runner`), which
//! leaves the debugger free to wait on its socket (and to interrupt).

use std::any::Any;
use std::sync::Arc;
use std::task::{Context, Waker};

use anyhow::{Result, anyhow};
use wasmtime::{Engine, Module};

use super::breakpoints::{self, Edit};
use super::frames::Paused;
use super::handler::{Mailbox, Mode, Order, Panicked, Stop};
use super::runner::{Polled, ProgramFuture, Readiness, Returned, Runner};
use super::slice::{self, SliceTimer};
use super::watch::{Kind, Range};

/// The exit status reported after `kill`, as for a native process killed
/// by SIGKILL.
pub const KILLED_EXIT_STATUS: i32 = 137;

/// How to resume a paused program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeMode {
    Continue,
    Step,
}

/// The state as the debugger sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum StateView {
    Paused(Stop),
    Running,
    Exited(i32),
}

/// Why a call on the execution failed.
#[derive(Debug)]
pub enum Failure {
    /// The call needs the program paused, and it is running.
    NotPaused,
    /// The program has ended.
    Exited,
    /// Running in reverse without a complete recording, or changing a past
    /// position (see `timeline`).
    History,
    /// Wasmtime failed, or panicked, serving the call; nothing changed and
    /// the program stays paused.
    Runtime(String),
    /// Our own machinery broke; the debugger cannot go on.
    Broken(anyhow::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NotPaused => write!(f, "the program is running"),
            Failure::Exited => write!(f, "the program has ended"),
            Failure::History => write!(f, "the recorded history cannot serve this"),
            Failure::Runtime(message) => write!(f, "{message}"),
            Failure::Broken(error) => write!(f, "{error:#}"),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Failure {
        Failure::Broken(error)
    }
}

/// The debuggee's state machine.
///
/// ```text
///   start ──▶ Paused ──resume(step), or resume(continue) within
///               │  ▲      a slice: (polled here) ──▶ Paused
///               │  │
///   resume(continue)  └── runner thread returns the program at a stop
///   past a slice, │
///   or a step in  │
///   a host call   │
///               ▼  │
///             Running ──program ends──▶ Exited(status)
///   kill: Paused | Running ──▶ Exited(137)
/// ```
///
/// `Paused` holds the program future here, parked in the debug handler;
/// `Running` means the runner thread has it. Every method says in which
/// states it may be called; in others it fails with `NotPaused` or
/// `Exited` and changes nothing.
pub struct Execution<T: 'static> {
    engine: Engine,
    /// A replay of the program (see `timeline`): its watchpoints follow
    /// their modules into its store rather than hold the live store's
    /// instances.
    replay: bool,
    mailbox: Arc<Mailbox<T>>,
    state: State,
    runner: Runner<T>,
    slices: SliceTimer,
}

enum State {
    Paused(ProgramFuture, Stop),
    Running,
    Exited(i32),
}

impl<T: Send + 'static> Execution<T> {
    /// Starts `program`, whose stores `handler::prepare_store` sets up with
    /// `mailbox`, and runs it to its first instruction, where it pauses
    /// with `Stop::Entry`. An error means the program could not start (for
    /// example a missing import).
    pub fn start(
        engine: &Engine,
        program: ProgramFuture,
        mailbox: Arc<Mailbox<T>>,
    ) -> Result<Execution<T>> {
        let expiry = mailbox.clone();
        let epoch = engine.clone();
        let mut execution = Execution {
            engine: engine.clone(),
            replay: false,
            // At a slice's end the program is told to yield, through the
            // epoch every loop and function entry checks.
            slices: SliceTimer::spawn(slice::SLICE, move || {
                expiry.end_slice();
                epoch.increment_epoch();
            })?,
            mailbox,
            state: State::Exited(0),
            runner: Runner::spawn()?,
        };
        match execution.runner.poll_here(program, &execution.mailbox) {
            // The first event is a single step's; to the debugger it is
            // the start.
            Polled::Paused(program, _) => execution.state = State::Paused(program, Stop::Entry),
            Polled::Ended(ending) => execution.state = State::Exited(ending?.exit_status()),
            // Blocked in a host call before running any Wasm: let the
            // runner finish that.
            Polled::Waiting(program) => execution.run_on_runner(program)?,
        }
        Ok(execution)
    }

    /// Starts a replay of the program (see `timeline`), as `start` does.
    pub fn start_replay(
        engine: &Engine,
        program: ProgramFuture,
        mailbox: Arc<Mailbox<T>>,
    ) -> Result<Execution<T>> {
        let mut execution = Execution::start(engine, program, mailbox)?;
        execution.replay = true;
        Ok(execution)
    }

    /// Resumes and waits until the program pauses or ends. Paused only.
    pub fn run(&mut self, how: ResumeMode) -> Result<StateView, Failure> {
        self.resume(how)?;
        Ok(self.wait()?)
    }

    /// Waits until the program is paused or has ended, and says which.
    /// Any state.
    fn wait(&mut self) -> Result<StateView> {
        loop {
            match self.state()? {
                StateView::Running => {
                    let returned = self.runner.take_blocking()?;
                    self.take_back(returned)?;
                }
                state => return Ok(state),
            }
        }
    }

    /// Tells the debugger another reason for the current stop (a replay
    /// that reached this position stopped for that reason). Paused only.
    pub fn set_stop(&mut self, stop: Stop) {
        if let State::Paused(_, current) = &mut self.state {
            *current = stop;
        }
    }

    /// The breakpoints set, with their counts, for a replay to get. Any
    /// state.
    pub fn breakpoints(&self) -> Vec<(Module, u32, usize)> {
        self.mailbox.breakpoints().list()
    }

    /// The watchpoints set, with their counts, for a replay to get. Any
    /// state.
    pub fn watchpoints(&self) -> Vec<(Range, Kind, usize)> {
        self.mailbox.watches().list()
    }

    /// Whether the debugger set a breakpoint at `pc` of the module with
    /// this id. Any state.
    pub fn has_breakpoint(&self, module: u64, pc: u32) -> bool {
        self.mailbox.breakpoints().contains(module, pc)
    }

    /// The current state, collecting the program from the runner thread if
    /// it has stopped there. Any state.
    pub fn state(&mut self) -> Result<StateView> {
        if let State::Running = self.state
            && let Some(returned) = self.runner.try_take()?
        {
            self.take_back(returned)?;
        }
        Ok(match &self.state {
            State::Paused(_, stop) => StateView::Paused(stop.clone()),
            State::Running => StateView::Running,
            State::Exited(status) => StateView::Exited(*status),
        })
    }

    /// Ready whenever the program is not running, for this run and every
    /// later one. Any state.
    pub fn readiness(&self) -> Readiness {
        self.runner.readiness()
    }

    /// Runs `request` with the paused program, and returns what it
    /// returned; the execution's own failures come back in the request's
    /// error type. Paused only.
    pub fn with_paused<R, E>(
        &mut self,
        request: impl FnOnce(&mut Paused<'_, T>) -> Result<R, E> + Send + 'static,
    ) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<Failure> + Send + 'static,
    {
        self.check_paused()?;
        let State::Paused(program, _) = &mut self.state else {
            return Err(Failure::NotPaused.into());
        };
        self.mailbox.post(Order::Request(Box::new(move |paused| {
            Box::new(request(paused)) as Box<dyn Any + Send>
        })));
        // The handler runs the request and parks again, so this poll always
        // comes back pending.
        let mut cx = Context::from_waker(Waker::noop());
        if program.as_mut().poll(&mut cx).is_ready() {
            return Err(Failure::from(anyhow!("the program ended while paused")).into());
        }
        let reply = self.mailbox.take_reply();
        match reply.map(|reply| reply.downcast::<Result<R, E>>()) {
            Some(Ok(reply)) => *reply,
            Some(Err(reply)) if reply.is::<Panicked>() => {
                Err(Failure::Runtime("Wasmtime panicked serving a request".to_string()).into())
            }
            _ => Err(Failure::from(anyhow!("the debug handler did not answer a request")).into()),
        }
    }

    /// Adds or removes one reference to the breakpoint at `pc`, an
    /// instruction boundary of `module`. Paused only.
    pub fn edit_breakpoint(&mut self, module: &Module, pc: u32, add: bool) -> Result<(), Failure> {
        self.check_paused()?;
        let edits = match add {
            true => self.mailbox.breakpoints().add(module, pc),
            false => self.mailbox.breakpoints().remove(module, pc),
        };
        self.apply(edits)
    }

    /// Adds or removes one reference to a watchpoint. Paused only.
    pub fn edit_watchpoint(&mut self, range: Range, kind: Kind, add: bool) -> Result<(), Failure> {
        self.check_paused()?;
        let mut watches = self.mailbox.watches();
        // In a replay, no store number is the watchpoint's: it follows.
        let store = match self.replay {
            true => u64::MAX,
            false => self.mailbox.store_number(),
        };
        match add {
            true => watches.add(range, kind, store),
            false => watches.remove(&range, kind),
        }
        Ok(())
    }

    /// Leaves `Paused`: a step runs here and pauses again at once; a
    /// continue runs here for one slice and then, if still running, on the
    /// runner thread (as does a step that waits on a host call). Paused only.
    pub fn resume(&mut self, how: ResumeMode) -> Result<(), Failure> {
        self.check_paused()?;
        let watching = !self.mailbox.watches().is_empty();
        let mode = match how {
            ResumeMode::Step => Mode::Step,
            ResumeMode::Continue if watching => Mode::Watch,
            ResumeMode::Continue => Mode::Run,
        };
        let single_steps = mode.single_steps();
        if self.mailbox.mode().single_steps() != single_steps {
            // Switching modes patches the code, so only do it on a change.
            let edits = self.mailbox.breakpoints().single_step(single_steps);
            self.apply(edits)?;
        }
        self.mailbox.set_mode(mode);
        if mode == Mode::Watch {
            let mailbox = self.mailbox.clone();
            self.with_paused(move |paused| {
                mailbox.watches().refresh(&mut paused.store);
                Ok::<_, Failure>(())
            })?;
        }
        let State::Paused(program, _) = std::mem::replace(&mut self.state, State::Running) else {
            return Err(anyhow!("the program left `Paused` while resuming").into());
        };
        self.mailbox.resume();
        let polled = match how {
            ResumeMode::Step => self.runner.poll_here(program, &self.mailbox),
            // Starts here, and moves to the runner thread if it outlasts a
            // slice (see `slice`).
            ResumeMode::Continue => {
                let (runner, mailbox) = (&self.runner, &self.mailbox);
                self.slices.run(|| runner.poll_here(program, mailbox))
            }
        };
        match polled {
            Polled::Paused(program, stop) => self.state = State::Paused(program, stop),
            Polled::Ended(ending) => self.state = State::Exited(ending?.exit_status()),
            Polled::Waiting(program) => self.run_on_runner(program)?,
        }
        Ok(())
    }

    /// Asks a running program to pause at its next epoch check, which
    /// every loop and function entry has. Does nothing unless running.
    pub fn interrupt(&mut self) {
        if let State::Running = self.state {
            self.mailbox.interrupt();
            self.engine.increment_epoch();
        }
    }

    /// The number of the program's current store (see
    /// `Mailbox::store_number`); a paused program is in that store. Any
    /// state.
    pub fn store_number(&self) -> u64 {
        self.mailbox.store_number()
    }

    /// Whether every throw stops the program, or only one that nothing
    /// catches. Any state.
    pub fn stop_at_throws(&self, every: bool) {
        self.mailbox.set_stop_at_throws(every);
    }

    /// Ends the program for good. Any state.
    pub fn kill(&mut self) {
        match std::mem::replace(&mut self.state, State::Exited(KILLED_EXIT_STATUS)) {
            // Dropping a parked program unwinds its stack and frees the store.
            State::Paused(program, _) => drop(program),
            // The runner's program traps at its next epoch check; what the
            // runner gives back then is dropped unread.
            State::Running => {
                self.mailbox.kill();
                self.runner.abandon();
                self.engine.increment_epoch();
            }
            State::Exited(status) => self.state = State::Exited(status),
        }
    }

    /// Lets the program run to its end without pausing again, and returns
    /// its exit status. Used once the debugger is gone. Any state.
    pub fn finish(mut self) -> Result<i32> {
        self.mailbox.detach();
        loop {
            if let StateView::Exited(status) = self.wait()? {
                return Ok(status);
            }
            // Paused. Events no longer pause the program, but breakpoints
            // would still cost a handler call each: remove them.
            let edits = self.mailbox.breakpoints().clear();
            self.apply(edits).map_err(cannot_finish)?;
            self.mailbox.watches().clear();
            self.resume(ResumeMode::Continue).map_err(cannot_finish)?;
        }
    }

    /// Fails unless the program is paused.
    fn check_paused(&mut self) -> Result<(), Failure> {
        match self.state()? {
            StateView::Paused(_) => Ok(()),
            StateView::Running => Err(Failure::NotPaused),
            StateView::Exited(_) => Err(Failure::Exited),
        }
    }

    /// Applies breakpoint `edits` to the paused program.
    fn apply(&mut self, edits: Vec<Edit>) -> Result<(), Failure> {
        if edits.is_empty() {
            return Ok(());
        }
        self.with_paused(move |paused| {
            breakpoints::apply(&mut paused.store, edits)
                .map_err(|error| Failure::Runtime(format!("cannot edit breakpoints: {error:#}")))
        })
    }

    fn run_on_runner(&mut self, program: ProgramFuture) -> Result<()> {
        self.state = State::Running;
        self.runner.run(program, self.mailbox.clone())
    }

    /// Takes the program back from the runner thread.
    fn take_back(&mut self, returned: Returned) -> Result<()> {
        self.state = match returned {
            Returned::Paused(program, stop) => State::Paused(program, stop),
            Returned::Ended(ending) => State::Exited(ending?.exit_status()),
        };
        Ok(())
    }
}

fn cannot_finish(failure: Failure) -> anyhow::Error {
    anyhow!("cannot run the program to its end: {failure}")
}
