//! The debuggee's execution: a Wasmtime store running the program as a
//! future that the debugger pauses, inspects and resumes.
//!
//! The program runs inside `run::run` as an async Wasmtime call. When it
//! reaches a debug event, our `DebugHandler` parks it (the future returns
//! `Pending` with the Wasm stack intact) and then serves requests, each a
//! closure run with the store, until told to resume. Requests are handed
//! over by polling that future on the debugger's own thread, so inspecting
//! a paused program costs two fiber switches, not a thread hand-off. A
//! `continue` runs here for one slice (see `slice`) and only a longer run
//! moves the future to the runner thread, which leaves the debugger free to
//! wait on its socket (and to interrupt) meanwhile.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use anyhow::{Result, bail};
use wasmtime::{
    AsContextMut, DebugEvent, DebugHandler, Engine, FrameHandle, Module, StoreContextMut,
};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;

use super::breakpoints::{self, Breakpoints, Edit};
use super::panics::contain;
use super::slice::{self, SliceTimer};
use crate::run::Ending;

/// The exit status reported after `kill`, as for a native process killed
/// by SIGKILL.
pub const KILLED_EXIT_STATUS: i32 = 137;

/// The program, running as a future: it completes when the program ends.
pub type Program = Pin<Box<dyn Future<Output = Result<Ending>> + Send>>;

/// Why the program paused.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    Entry,
    Breakpoint,
    Step,
    Interrupted,
    Trap(String),
    Exception,
}

/// What a request sees while the program is paused: the store, and the
/// Wasm frames of the paused stack, found as deep as requests have needed.
pub struct Paused<'a> {
    pub store: StoreContextMut<'a, WasiP1Ctx>,
    frames: Vec<FrameHandle>,
    walk: Option<FrameWalk>,
    /// Paused at a stack overflow: the innermost frame is a call that
    /// overflowed in its prologue, before it wrote its state slots.
    overflowed: bool,
}

impl Paused<'_> {
    /// The first `count` Wasm frames of the paused stack, counted across
    /// all its activations (fewer if the stack is shallower), innermost
    /// first. Walks no deeper than that, so a stop that only needs the pc
    /// costs one frame, not the whole stack.
    pub fn frames(&mut self, count: usize) -> wasmtime::Result<&[FrameHandle]> {
        let store = &mut self.store;
        let walk = match &mut self.walk {
            Some(walk) => walk,
            None => self
                .walk
                .insert(FrameWalk::new(store.as_context_mut(), self.overflowed)),
        };
        while self.frames.len() < count {
            match walk.next(store.as_context_mut())? {
                Some(frame) => self.frames.push(frame),
                None => break,
            }
        }
        Ok(&self.frames[..count.min(self.frames.len())])
    }

    /// Wasm frame `index` of the paused stack, 0 being the innermost.
    pub fn frame(&mut self, index: u32) -> wasmtime::Result<Option<FrameHandle>> {
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        Ok(self.frames(index.saturating_add(1))?.get(index).cloned())
    }
}

/// A walk down the paused stack's Wasm frames: each activation's frames
/// from its innermost outwards, skipping trampolines (no Wasm function).
///
/// Wasmtime 48 reads a frame's instance from a slot the frame writes on
/// entry and panics when it finds null there ("null vmctx in debug state
/// slot"). So the walk starts above a call that overflowed the stack in its
/// prologue (its slot is unwritten, possibly stale rather than null), and
/// it reads each frame's instance under `contain`: a frame that panics ends
/// the walk there, with a line on stderr, and the frames inside it stay
/// usable.
struct FrameWalk {
    /// The exit frames of the activations not walked yet, outermost first.
    exits: Vec<FrameHandle>,
    next: Option<FrameHandle>,
    /// How many Wasm frames the walk has given.
    given: usize,
}

impl FrameWalk {
    fn new(mut store: StoreContextMut<'_, WasiP1Ctx>, overflowed: bool) -> FrameWalk {
        let mut walk = FrameWalk {
            exits: Vec::new(),
            next: None,
            given: 0,
        };
        match contain(|| store.debug_exit_frames().collect::<Vec<_>>()) {
            Ok(exits) => walk.exits = exits,
            Err(message) => eprintln!("error: Wasmtime panicked finding the stack: {message}"),
        }
        walk.exits.reverse();
        if overflowed && let Some(innermost) = walk.exits.pop() {
            // `parent` only unwinds; it never reads the frame's slots.
            match contain(|| innermost.parent(store.as_context_mut())) {
                Ok(Ok(parent)) => walk.next = parent,
                Ok(Err(_)) | Err(_) => walk.exits.clear(),
            }
        }
        walk
    }

    fn next(
        &mut self,
        mut store: StoreContextMut<'_, WasiP1Ctx>,
    ) -> wasmtime::Result<Option<FrameHandle>> {
        loop {
            let Some(frame) = self.next.take().or_else(|| self.exits.pop()) else {
                return Ok(None);
            };
            let step = contain(|| -> wasmtime::Result<_> {
                let parent = frame.parent(store.as_context_mut())?;
                let is_wasm = frame
                    .wasm_function_index_and_pc(store.as_context_mut())?
                    .is_some();
                if is_wasm {
                    // What every request asks of a frame first.
                    frame.instance(store.as_context_mut())?;
                }
                Ok((parent, is_wasm))
            });
            let (parent, is_wasm) = match step {
                Ok(step) => step?,
                Err(message) => {
                    eprintln!(
                        "error: the stack walk stops at frame {}: Wasmtime panicked: {message}",
                        self.given
                    );
                    self.exits.clear();
                    return Ok(None);
                }
            };
            self.next = parent;
            if is_wasm {
                self.given += 1;
                return Ok(Some(frame));
            }
        }
    }
}

/// The reply to a request whose closure panicked.
struct Panicked;

type Request = Box<dyn FnOnce(&mut Paused<'_>) -> Box<dyn Any + Send> + Send>;

/// What the debugger wants next from a paused program.
enum Order {
    /// Run this with the store and leave the reply in the mailbox.
    Inspect(Request),
    /// Return from the debug handler: the program runs on.
    Resume,
}

/// The meeting point of the debugger and the debug handler.
#[derive(Default)]
struct Mailbox {
    slots: Mutex<Slots>,
    /// Set by `interrupt`, taken by the handler at the next epoch change.
    interrupt: AtomicBool,
    /// Set by `kill`: the program traps at its next epoch check.
    killed: AtomicBool,
    /// Set when the debugger is gone: events no longer pause the program.
    detached: AtomicBool,
    /// Set when a continue's slice on the debugger's thread runs out: the
    /// program yields at its next epoch check, to go on on the runner.
    slice_over: AtomicBool,
}

#[derive(Default)]
struct Slots {
    /// Why the program is paused; `None` while it runs.
    stop: Option<Stop>,
    order: Option<Order>,
    reply: Option<Box<dyn Any + Send>>,
    /// Whether the store is in single-step mode.
    stepping: bool,
}

impl Mailbox {
    fn slots(&self) -> MutexGuard<'_, Slots> {
        lock(&self.slots)
    }
}

/// Pauses the program at debug events and serves the debugger's requests.
#[derive(Clone)]
struct Handler(Arc<Mailbox>);

impl Handler {
    /// The stop this event means, or `None` for events that do not pause.
    fn stop_for(
        &self,
        store: &mut StoreContextMut<'_, WasiP1Ctx>,
        event: &DebugEvent<'_>,
    ) -> Option<Stop> {
        let mailbox = &self.0;
        if mailbox.detached.load(Ordering::Relaxed) || mailbox.killed.load(Ordering::Relaxed) {
            return None;
        }
        match event {
            // In single-step mode every instruction raises this event.
            DebugEvent::Breakpoint if mailbox.slots().stepping => Some(Stop::Step),
            // A site patched for another module's breakpoint runs on.
            DebugEvent::Breakpoint => breakpoints::is_set(store).then_some(Stop::Breakpoint),
            DebugEvent::EpochYield => mailbox
                .interrupt
                .swap(false, Ordering::Relaxed)
                .then_some(Stop::Interrupted),
            DebugEvent::Trap(trap) => Some(Stop::Trap(trap.to_string())),
            // `proc_exit` and `wasi:cli/exit` unwind as host errors; they
            // end the program normally and are not worth a stop.
            DebugEvent::HostcallError(error) if error.downcast_ref::<I32Exit>().is_some() => None,
            DebugEvent::HostcallError(error) => Some(Stop::Trap(format!("{error:#}"))),
            DebugEvent::Exception(_) => Some(Stop::Exception),
        }
    }
}

impl DebugHandler for Handler {
    type Data = WasiP1Ctx;

    fn handle(
        &self,
        mut store: StoreContextMut<'_, WasiP1Ctx>,
        event: DebugEvent<'_>,
    ) -> impl Future<Output = ()> + Send {
        let stop = self.stop_for(&mut store, &event);
        let overflowed = matches!(event, DebugEvent::Trap(wasmtime::Trap::StackOverflow));
        let mailbox = self.0.clone();
        async move {
            let Some(stop) = stop else { return };
            mailbox.slots().stop = Some(stop);
            let mut paused = Paused {
                store,
                frames: Vec::new(),
                walk: None,
                overflowed,
            };
            loop {
                // Pending until the debugger posts an order and polls us.
                let order = std::future::poll_fn(|_| match mailbox.slots().order.take() {
                    Some(order) => Poll::Ready(order),
                    None => Poll::Pending,
                })
                .await;
                match order {
                    Order::Inspect(request) => {
                        let reply = contain(|| request(&mut paused)).unwrap_or_else(|message| {
                            eprintln!("error: a debugger request panicked: {message}");
                            Box::new(Panicked)
                        });
                        mailbox.slots().reply = Some(reply);
                    }
                    Order::Resume => {
                        mailbox.slots().stop = None;
                        return;
                    }
                }
            }
        }
    }
}

/// How to resume a paused program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeMode {
    Continue,
    Step,
}

/// Why a request could not be served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateError {
    NotPaused,
    Exited,
    /// Wasmtime panicked serving it (the panic is on stderr); the program
    /// stays paused.
    Panicked,
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
/// `Running` means the runner thread has it.
pub struct Execution {
    engine: Engine,
    mailbox: Arc<Mailbox>,
    state: State,
    runner: Runner,
    slices: SliceTimer,
    breakpoints: Breakpoints,
    /// The continue under way, if any, for `Readiness` to watch.
    current_run: Arc<Mutex<Option<Arc<Handoff>>>>,
}

enum State {
    Paused(Program),
    Running(Arc<Handoff>),
    Exited(i32),
}

impl Execution {
    /// Starts `program` (made with a store from `store_for_debugging`) and
    /// runs it to its first instruction, where it pauses with
    /// `Stop::Entry`. An error means the program could not start (for
    /// example a missing import).
    pub fn start(engine: &Engine, program: Program, mailbox: DebugMailbox) -> Result<Execution> {
        let DebugMailbox(mailbox) = mailbox;
        let mut execution = Execution {
            engine: engine.clone(),
            slices: end_slices_with_a_yield(engine, &mailbox)?,
            mailbox,
            state: State::Exited(0),
            runner: Runner::spawn()?,
            breakpoints: Breakpoints::default(),
            current_run: Arc::default(),
        };
        // The store starts in single-step mode, so the first instruction
        // that runs raises the first event.
        execution.mailbox.slots().stepping = true;
        match poll_here(program, &execution.mailbox, &execution.runner.io) {
            Polled::Paused(program) => {
                execution.mailbox.slots().stop = Some(Stop::Entry);
                execution.state = State::Paused(program);
            }
            Polled::Ended(ending) => execution.state = State::Exited(ending?.exit_status()),
            // Blocked in a host call before running any Wasm: let the
            // runner finish that.
            Polled::Waiting(program) => execution.run_on_runner(program),
        }
        Ok(execution)
    }

    /// The current state, collecting the program from the runner thread if
    /// it has stopped there. Any state.
    pub fn state(&mut self) -> Result<StateView, anyhow::Error> {
        if let State::Running(handoff) = &self.state {
            let Some(outcome) = handoff.take() else {
                return Ok(StateView::Running);
            };
            *lock(&self.current_run) = None;
            self.state = match outcome {
                Returned::Paused(program) => State::Paused(program),
                Returned::Ended(ending) => State::Exited(ending?.exit_status()),
            };
        }
        Ok(match &self.state {
            State::Paused(_) => {
                StateView::Paused(self.mailbox.slots().stop.clone().unwrap_or(Stop::Step))
            }
            State::Running(_) => StateView::Running,
            State::Exited(status) => StateView::Exited(*status),
        })
    }

    /// A handle that tells, whenever it is asked, whether the program is
    /// running: it follows later resumes too.
    pub fn readiness(&self) -> Readiness {
        Readiness(self.current_run.clone())
    }

    /// Runs `request` with the paused store. Paused only.
    pub fn inspect<R: Send + 'static>(
        &mut self,
        request: impl FnOnce(&mut Paused<'_>) -> R + Send + 'static,
    ) -> Result<std::result::Result<R, StateError>> {
        self.state()?;
        let program = match &mut self.state {
            State::Paused(program) => program,
            State::Running(_) => return Ok(Err(StateError::NotPaused)),
            State::Exited(_) => return Ok(Err(StateError::Exited)),
        };
        self.mailbox.slots().order = Some(Order::Inspect(Box::new(move |paused| {
            Box::new(request(paused)) as Box<dyn Any + Send>
        })));
        // The handler runs the request and parks again, so this poll always
        // comes back pending.
        let mut cx = Context::from_waker(Waker::noop());
        if program.as_mut().poll(&mut cx).is_ready() {
            bail!("the program ended while paused");
        }
        let reply = self.mailbox.slots().reply.take();
        match reply.map(|reply| reply.downcast::<R>()) {
            Some(Ok(reply)) => Ok(Ok(*reply)),
            Some(Err(reply)) if reply.is::<Panicked>() => Ok(Err(StateError::Panicked)),
            _ => bail!("the debug handler did not answer a request"),
        }
    }

    /// Adds or removes one reference to the breakpoint at `pc`, an
    /// instruction boundary of `module`. Paused only.
    pub fn edit_breakpoint(
        &mut self,
        module: &Module,
        pc: u32,
        add: bool,
    ) -> Result<std::result::Result<(), StateError>> {
        match self.state()? {
            StateView::Paused(_) => {}
            StateView::Running => return Ok(Err(StateError::NotPaused)),
            StateView::Exited(_) => return Ok(Err(StateError::Exited)),
        }
        let edits = match add {
            true => self.breakpoints.add(module, pc),
            false => self.breakpoints.remove(module, pc),
        };
        self.apply(edits)
    }

    /// Applies `edits` to the paused store.
    fn apply(&mut self, edits: Vec<Edit>) -> Result<std::result::Result<(), StateError>> {
        if edits.is_empty() {
            return Ok(Ok(()));
        }
        let applied = self.inspect(move |paused| {
            breakpoints::apply(&mut paused.store, edits).map_err(|error| format!("{error:#}"))
        })?;
        match applied {
            Ok(Ok(())) => Ok(Ok(())),
            Ok(Err(message)) => bail!("cannot edit breakpoints: {message}"),
            Err(error) => Ok(Err(error)),
        }
    }

    /// Leaves `paused`: a step runs here and pauses again at once; a
    /// continue runs here for one slice and then, if still running, on the
    /// runner thread (as does a step that waits on a host call). Paused only.
    pub fn resume(&mut self, mode: ResumeMode) -> Result<std::result::Result<(), StateError>> {
        match self.state()? {
            StateView::Paused(_) => {}
            StateView::Running => return Ok(Err(StateError::NotPaused)),
            StateView::Exited(_) => return Ok(Err(StateError::Exited)),
        }
        let stepping = mode == ResumeMode::Step;
        if self.mailbox.slots().stepping != stepping {
            // Switching modes patches the code, so only do it on a change.
            if let Err(error) = self.apply(self.breakpoints.single_step(stepping))? {
                return Ok(Err(error));
            }
            self.mailbox.slots().stepping = stepping;
        }
        let State::Paused(_) = self.state else {
            return Ok(Err(StateError::NotPaused));
        };
        let State::Paused(program) = std::mem::replace(&mut self.state, State::Exited(0)) else {
            unreachable!("checked just above");
        };
        self.mailbox.interrupt.store(false, Ordering::Relaxed);
        // A slice that ran out just as the last run stopped must not make
        // this one yield.
        self.mailbox.slice_over.store(false, Ordering::Relaxed);
        self.mailbox.slots().order = Some(Order::Resume);
        let polled = match mode {
            ResumeMode::Step => poll_here(program, &self.mailbox, &self.runner.io),
            // Starts here, and moves to the runner thread if it outlasts a
            // slice (see `slice`).
            ResumeMode::Continue => self
                .slices
                .run(|| poll_here(program, &self.mailbox, &self.runner.io)),
        };
        match polled {
            Polled::Paused(program) => self.state = State::Paused(program),
            Polled::Ended(ending) => self.state = State::Exited(ending?.exit_status()),
            Polled::Waiting(program) => self.run_on_runner(program),
        }
        Ok(Ok(()))
    }

    /// Asks a running program to pause at its next epoch check, which
    /// every loop and function entry has. Does nothing unless running.
    pub fn interrupt(&mut self) {
        if let State::Running(_) = self.state {
            self.mailbox.interrupt.store(true, Ordering::Relaxed);
            self.engine.increment_epoch();
        }
    }

    /// Ends the program for good.
    pub fn kill(&mut self) {
        match std::mem::replace(&mut self.state, State::Exited(KILLED_EXIT_STATUS)) {
            // Dropping a parked program unwinds its stack and frees the store.
            State::Paused(program) => drop(program),
            // The runner's program traps at its next epoch check; whatever
            // it returns is dropped there.
            State::Running(handoff) => {
                *lock(&self.current_run) = None;
                self.mailbox.killed.store(true, Ordering::Relaxed);
                handoff.abandon();
                self.engine.increment_epoch();
            }
            State::Exited(status) => self.state = State::Exited(status),
        }
    }

    /// Lets the program run to its end without pausing again, and returns
    /// how it ended. Used once the debugger is gone.
    pub fn finish(mut self) -> Result<i32> {
        self.mailbox.detached.store(true, Ordering::Relaxed);
        loop {
            match self.state()? {
                StateView::Exited(status) => return Ok(status),
                StateView::Paused(_) => {
                    // Events no longer pause the program, but breakpoints
                    // would still cost a handler call each: remove them.
                    let edits = self.breakpoints.clear();
                    self.apply(edits)?
                        .map_err(|error| anyhow::anyhow!("cannot clear breakpoints: {error:?}"))?;
                    let _ = self.resume(ResumeMode::Continue)?;
                }
                StateView::Running => {
                    if let State::Running(handoff) = &self.state {
                        handoff.wait_blocking();
                    }
                }
            }
        }
    }

    fn run_on_runner(&mut self, program: Program) {
        let handoff = Arc::new(Handoff::default());
        // Published before the runner starts, so a pollable asked for now
        // already waits on this run.
        *lock(&self.current_run) = Some(handoff.clone());
        self.runner
            .run(program, self.mailbox.clone(), handoff.clone());
        self.state = State::Running(handoff);
    }
}

/// The state as the debugger sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum StateView {
    Paused(Stop),
    Running,
    Exited(i32),
}

/// The slice timer for continues: at a slice's end the program is told to
/// yield, through the epoch every loop and function entry checks.
fn end_slices_with_a_yield(engine: &Engine, mailbox: &Arc<Mailbox>) -> Result<SliceTimer> {
    let engine = engine.clone();
    let mailbox = mailbox.clone();
    SliceTimer::spawn(slice::SLICE, move || {
        mailbox.slice_over.store(true, Ordering::Relaxed);
        engine.increment_epoch();
    })
}

/// The mailbox a debugging store's handler reports to; made together with
/// the store, consumed by `Execution::start`.
pub struct DebugMailbox(Arc<Mailbox>);

/// Configures `store` for debugging: the debug handler, epoch-based
/// interrupts, and single-step mode so the first instruction pauses.
pub fn prepare_store(store: &mut wasmtime::Store<WasiP1Ctx>) -> Result<DebugMailbox> {
    let mailbox = Arc::new(Mailbox::default());
    store.set_debug_handler(Handler(mailbox.clone()));
    // The engine's epoch only moves on `interrupt`, `kill` and the end of a
    // continue's slice; a deadline of one tick means the next check after
    // any of them raises an event.
    store.set_epoch_deadline(1);
    let killed = mailbox.clone();
    store.epoch_deadline_callback(move |_| {
        if killed.killed.load(Ordering::Relaxed) {
            wasmtime::bail!("killed by the debugger");
        }
        // A yield leaves the program future pending without a stop, which
        // is what hands it to the runner thread.
        if killed.slice_over.swap(false, Ordering::Relaxed) {
            return Ok(wasmtime::UpdateDeadline::Yield(1));
        }
        Ok(wasmtime::UpdateDeadline::Continue(1))
    });
    match store.edit_breakpoints() {
        Some(mut edit) => edit.single_step(true)?,
        None => bail!("the engine was not configured for guest debugging"),
    }
    Ok(DebugMailbox(mailbox))
}

enum Polled {
    /// Parked in the debug handler.
    Paused(Program),
    /// Waiting on something outside Wasm (a host call's I/O).
    Waiting(Program),
    Ended(Result<Ending>),
}

/// Polls the program once on this thread, in the context of its I/O
/// runtime (`io`), which its host calls may need.
fn poll_here(mut program: Program, mailbox: &Mailbox, io: &tokio::runtime::Handle) -> Polled {
    let mut cx = Context::from_waker(Waker::noop());
    let poll = {
        let _context = io.enter();
        program.as_mut().poll(&mut cx)
    };
    match poll {
        Poll::Ready(ending) => Polled::Ended(ending),
        Poll::Pending if mailbox.slots().stop.is_some() => Polled::Paused(program),
        Poll::Pending => Polled::Waiting(program),
    }
}

/// The runner thread's answer: the program, back at a stop, or its end.
enum Returned {
    Paused(Program),
    Ended(Result<Ending>),
}

/// Where the runner thread leaves the program for the debugger.
#[derive(Default)]
struct Handoff {
    returned: Mutex<Option<Returned>>,
    done: AtomicBool,
    abandoned: AtomicBool,
    waker: Mutex<Option<Waker>>,
    ready: std::sync::Condvar,
}

impl Handoff {
    fn put(&self, returned: Returned) {
        if self.abandoned.load(Ordering::Relaxed) {
            return;
        }
        {
            // `done` changes under the lock `wait_blocking` checks it under,
            // so its wake-up cannot slip between the check and the wait.
            let mut slot = lock(&self.returned);
            *slot = Some(returned);
            self.done.store(true, Ordering::Release);
        }
        if let Some(waker) = lock(&self.waker).take() {
            waker.wake();
        }
        self.ready.notify_all();
    }

    fn take(&self) -> Option<Returned> {
        lock(&self.returned).take()
    }

    fn abandon(&self) {
        self.abandoned.store(true, Ordering::Relaxed);
    }

    fn poll_done(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        *lock(&self.waker) = Some(cx.waker().clone());
        // Check again: `put` may have run before the waker was stored.
        if self.done.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn wait_blocking(&self) {
        let mut returned = lock(&self.returned);
        while !self.done.load(Ordering::Acquire) {
            returned = self
                .ready
                .wait(returned)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// Locks `mutex`. A panic while holding one of these locks is a bug
/// elsewhere; the data is plain values, so carry on with them.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Tells when the program is not running: ready at once unless the runner
/// thread has it (a continue past its slice, or a step waiting on a host
/// call).
pub struct Readiness(Arc<Mutex<Option<Arc<Handoff>>>>);

impl Readiness {
    pub async fn ready(&self) {
        let current = lock(&self.0).clone();
        if let Some(handoff) = current {
            std::future::poll_fn(|cx| handoff.poll_done(cx)).await;
        }
    }
}

/// The thread that runs the program during a long `continue`, and the
/// Tokio runtime the program's WASI runs on, whichever thread polls it.
///
/// The runtime's own worker drives the program's I/O and timers, so they
/// work wherever the program is polled and whether or not a debugger is
/// still there (the debugger's runtime only runs while it waits). It lives
/// on the runner thread and ends with it, outside any async context.
struct Runner {
    jobs: mpsc::Sender<(Program, Arc<Mailbox>, Arc<Handoff>)>,
    io: tokio::runtime::Handle,
}

impl Runner {
    fn spawn() -> Result<Runner> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("debuggee-io")
            .enable_io()
            .enable_time()
            .build()?;
        let io = runtime.handle().clone();
        let (jobs, queue) = mpsc::channel::<(Program, Arc<Mailbox>, Arc<Handoff>)>();
        std::thread::Builder::new()
            .name("debuggee".into())
            .spawn(move || {
                for (program, mailbox, handoff) in queue {
                    handoff.put(run_until_stop(program, &mailbox, runtime.handle()));
                }
            })?;
        Ok(Runner { jobs, io })
    }

    fn run(&self, program: Program, mailbox: Arc<Mailbox>, handoff: Arc<Handoff>) {
        if let Err(mpsc::SendError((_, _, handoff))) = self.jobs.send((program, mailbox, handoff)) {
            // It only exits when we drop the sender, or on a panic.
            handoff.put(Returned::Ended(Err(anyhow::anyhow!(
                "the thread that runs the program is gone"
            ))));
        }
    }
}

/// Polls the program until it parks at a stop or ends.
fn run_until_stop(
    mut program: Program,
    mailbox: &Mailbox,
    io: &tokio::runtime::Handle,
) -> Returned {
    let mut parked = false;
    let ending = io.block_on(std::future::poll_fn(|cx| match program.as_mut().poll(cx) {
        Poll::Ready(ending) => Poll::Ready(Some(ending)),
        Poll::Pending if mailbox.slots().stop.is_some() => {
            parked = true;
            Poll::Ready(None)
        }
        Poll::Pending => Poll::Pending,
    }));
    match ending {
        Some(ending) => Returned::Ended(ending),
        None if parked => Returned::Paused(program),
        None => unreachable!("poll_fn returns None only when parked"),
    }
}
