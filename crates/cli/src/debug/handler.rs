//! The debug handler: where the paused program meets the debugger.
//!
//! At a debug event that should pause, Wasmtime calls `Handler::handle`
//! with the program's store; the returned future parks (stays pending, the
//! Wasm stack intact) and serves the orders the debugger posts in the
//! `Mailbox`, each time the program's future is polled, until told to
//! resume.

use std::any::Any;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Poll;

use tokio::sync::Notify;

use anyhow::{Result, bail};
use wasmtime::{AsContextMut, DebugEvent, DebugHandler, StoreContextMut};
use wasmtime_wasi::I32Exit;

use super::breakpoints::{self, Breakpoints};
use super::exceptions::{Fate, Handlers};
use super::frames::{Paused, innermost};
use super::panics::contain;
use super::position::{FUEL, FUEL_WINDOW};
use super::watch::{Hit, Watches};
use crate::locks::lock;
use crate::record::Diverged;

/// Why the program paused.
#[derive(Clone, Debug, PartialEq)]
pub enum Stop {
    Entry,
    Breakpoint,
    Step,
    Interrupted,
    Trap(String),
    /// At a throw: of an exception nothing catches, or of any while the
    /// debugger asks to stop at every throw.
    Exception(Fate),
    Watchpoint(Hit),
    /// Running in reverse found no hit: a replay at the program's start.
    HistoryStart,
    /// A replay stopped doing what the recorded program did.
    Diverged(String),
}

impl Stop {
    /// Whether resuming from this stop ends the program: the run's last
    /// position.
    pub fn ends_the_run(&self) -> bool {
        matches!(
            self,
            Stop::Trap(_) | Stop::Exception(Fate::Uncaught) | Stop::Diverged(_)
        )
    }
}

/// How the program runs, and so what its debug events mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// At full speed: only patched breakpoints raise events.
    Run,
    /// In single-step mode, every instruction a stop.
    Step,
    /// In single-step mode, every instruction checked against the
    /// watchpoints (see `watch`).
    Watch,
    /// In single-step mode after an interrupt: the next instruction stops,
    /// as `Stop::Interrupted` (see `Handler::interrupt_at_next_instruction`).
    Interrupt,
}

impl Mode {
    /// Whether Wasmtime must raise an event at every instruction.
    pub fn single_steps(self) -> bool {
        self != Mode::Run
    }
}

/// A closure to run with the paused program; its reply is type-erased to
/// cross the mailbox.
pub type Request<T> = Box<dyn FnOnce(&mut Paused<'_, T>) -> Box<dyn Any + Send> + Send>;

/// What the debugger wants next from a paused program.
pub enum Order<T: 'static> {
    /// Run this with the store and leave the reply in the mailbox.
    Request(Request<T>),
    /// Return from the debug handler: the program runs on.
    Resume,
}

/// The reply to a request whose closure panicked (the panic is on stderr).
pub struct Panicked;

/// The meeting point of the debugger and the debug handler, shared by the
/// two threads the program may run on.
pub struct Mailbox<T: 'static> {
    slots: Mutex<Slots<T>>,
    /// Set by `interrupt`, taken by the handler at the next epoch change.
    interrupt: AtomicBool,
    /// Set by `kill`: the program traps at its next epoch check.
    killed: AtomicBool,
    /// Set when the debugger is gone: events no longer pause the program.
    detached: AtomicBool,
    /// Set while the debugger wants a stop at every throw, caught or not.
    stop_at_throws: AtomicBool,
    /// Where thrown exceptions are caught (see `exceptions`).
    handlers: Mutex<Handlers>,
    /// Set when a continue's slice on the debugger's thread runs out: the
    /// program yields at its next epoch check, to go on on the runner.
    slice_over: AtomicBool,
    /// Set when the program yielded because its slice was over, to tell
    /// that yield from one at a fuel check.
    slice_yield: AtomicBool,
    watches: Mutex<Watches>,
    /// The debugger's breakpoints, which every store the program gets
    /// receives (see `prepare_store`).
    breakpoints: Mutex<Breakpoints>,
    /// How many stores `prepare_store` has readied: the number of the
    /// program's current store. A server gets a fresh store per request.
    stores: AtomicU64,
    /// Notified by `interrupt` and `kill`, for a program that waits in the
    /// host, where no epoch check runs (a server between requests).
    called: Notify,
}

struct Slots<T: 'static> {
    /// Why the program just parked, until whoever polled it takes this
    /// (`take_stop`): the one sign that a pending poll is a stop.
    parked: Option<Stop>,
    order: Option<Order<T>>,
    reply: Option<Box<dyn Any + Send>>,
    mode: Mode,
}

impl<T> Default for Slots<T> {
    fn default() -> Slots<T> {
        // The store starts in single-step mode (see `prepare_store`), so
        // the first instruction pauses.
        Slots {
            parked: None,
            order: None,
            reply: None,
            mode: Mode::Step,
        }
    }
}

impl<T> Mailbox<T> {
    pub fn new() -> Mailbox<T> {
        Mailbox {
            slots: Mutex::default(),
            interrupt: AtomicBool::default(),
            killed: AtomicBool::default(),
            detached: AtomicBool::default(),
            stop_at_throws: AtomicBool::default(),
            handlers: Mutex::default(),
            slice_over: AtomicBool::default(),
            slice_yield: AtomicBool::default(),
            watches: Mutex::default(),
            breakpoints: Mutex::default(),
            stores: AtomicU64::default(),
            called: Notify::new(),
        }
    }

    fn slots(&self) -> MutexGuard<'_, Slots<T>> {
        lock(&self.slots)
    }

    /// Why the program parked in the handler, if it has since this was
    /// last asked: a poll that left the program pending calls this to tell
    /// a stop from a wait.
    pub fn take_stop(&self) -> Option<Stop> {
        self.slots().parked.take()
    }

    pub fn post(&self, order: Order<T>) {
        self.slots().order = Some(order);
    }

    pub fn take_reply(&self) -> Option<Box<dyn Any + Send>> {
        self.slots().reply.take()
    }

    pub fn mode(&self) -> Mode {
        self.slots().mode
    }

    /// Records how the store runs (the caller switched Wasmtime's
    /// single-step mode to match), which tells the handler what its
    /// events mean.
    pub fn set_mode(&self, mode: Mode) {
        self.slots().mode = mode;
    }

    pub fn watches(&self) -> MutexGuard<'_, Watches> {
        lock(&self.watches)
    }

    pub fn breakpoints(&self) -> MutexGuard<'_, Breakpoints> {
        lock(&self.breakpoints)
    }

    /// The number of the program's current store: items of an earlier
    /// store (a server's earlier request) are gone.
    pub fn store_number(&self) -> u64 {
        self.stores.load(Ordering::Relaxed)
    }

    /// Readies a resume: no interrupt or slice expiry left from the last
    /// run may stop this one.
    pub fn resume(&self) {
        self.interrupt.store(false, Ordering::Relaxed);
        self.slice_over.store(false, Ordering::Relaxed);
        self.slice_yield.store(false, Ordering::Relaxed);
        self.post(Order::Resume);
    }

    /// The next epoch change stops the program (see `prepare_store`).
    pub fn interrupt(&self) {
        self.interrupt.store(true, Ordering::Relaxed);
        self.called.notify_one();
    }

    /// The next epoch change traps the program.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Relaxed);
        self.called.notify_one();
    }

    /// How many epoch ticks from now the program's next epoch check should
    /// raise an event: one, or none while an interrupt or a kill is
    /// pending. Each moves the epoch, but it may have moved it before a
    /// deadline was set from it (a server readying the next request's store,
    /// or the callback after another event), which would swallow its tick.
    fn ticks_to_next_check(&self) -> u64 {
        let interrupted =
            self.interrupt.load(Ordering::Relaxed) && !self.detached.load(Ordering::Relaxed);
        let pending = interrupted || self.killed.load(Ordering::Relaxed);
        u64::from(!pending)
    }

    /// Takes a pending interrupt, as the next epoch change would.
    pub fn take_interrupt(&self) -> bool {
        self.interrupt.swap(false, Ordering::Relaxed)
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Relaxed)
    }

    /// Ready once `interrupt` or `kill` has been called since the last
    /// time this was ready (the flags say which).
    pub async fn called(&self) {
        self.called.notified().await;
    }

    /// Whether every throw stops the program, or only one that nothing
    /// catches.
    pub fn set_stop_at_throws(&self, every: bool) {
        self.stop_at_throws.store(every, Ordering::Relaxed);
    }

    /// No event pauses the program from now on.
    pub fn detach(&self) {
        self.detached.store(true, Ordering::Relaxed);
    }

    /// Whether the program's last yield ended its slice.
    pub fn take_slice_yield(&self) -> bool {
        self.slice_yield.swap(false, Ordering::Relaxed)
    }

    /// The next epoch change makes the program yield (see `slice`).
    pub fn end_slice(&self) {
        self.slice_over.store(true, Ordering::Relaxed);
    }
}

/// Pauses the program at debug events and serves the debugger's requests.
struct Handler<T: 'static>(Arc<Mailbox<T>>);

impl<T> Clone for Handler<T> {
    fn clone(&self) -> Handler<T> {
        Handler(self.0.clone())
    }
}

impl<T> Handler<T> {
    /// The stop this event means, or `None` for events that do not pause.
    fn stop_for(&self, store: &mut StoreContextMut<'_, T>, event: &DebugEvent<'_>) -> Option<Stop> {
        let mailbox = &self.0;
        if mailbox.killed.load(Ordering::Relaxed) {
            return None;
        }
        if mailbox.detached.load(Ordering::Relaxed) {
            // A step or an interrupt under way when the debugger left would
            // single-step the rest of the program.
            if mailbox.mode().single_steps() && single_step(mailbox, store, false) {
                mailbox.set_mode(Mode::Run);
            }
            return None;
        }
        match event {
            DebugEvent::Breakpoint => match mailbox.mode() {
                // In single-step mode every instruction raises this event.
                Mode::Step => Some(Stop::Step),
                Mode::Interrupt => Some(Stop::Interrupted),
                // Every instruction: the innermost frame is found once.
                Mode::Watch => {
                    let here = innermost(store);
                    match mailbox.watches().check(store, here.as_ref()) {
                        Some(hit) => Some(Stop::Watchpoint(hit)),
                        None => here
                            .is_some_and(|here| breakpoints::is_set(store, &here))
                            .then_some(Stop::Breakpoint),
                    }
                }
                // A site patched for another module's breakpoint runs on.
                Mode::Run => innermost(store)
                    .is_some_and(|here| breakpoints::is_set(store, &here))
                    .then_some(Stop::Breakpoint),
            },
            DebugEvent::EpochYield if mailbox.take_interrupt() => {
                self.interrupt_at_next_instruction(store)
            }
            DebugEvent::EpochYield => None,
            DebugEvent::Trap(trap) => Some(Stop::Trap(trap.to_string())),
            // `proc_exit` and `wasi:cli/exit` unwind as host errors; they
            // end the program normally and are not worth a stop.
            DebugEvent::HostcallError(error) if error.downcast_ref::<I32Exit>().is_some() => None,
            DebugEvent::HostcallError(error) if error.downcast_ref::<Diverged>().is_some() => {
                Some(Stop::Diverged(error.to_string()))
            }
            DebugEvent::HostcallError(error) => Some(Stop::Trap(format!("{error:#}"))),
            DebugEvent::Exception(exception) => {
                let fate = lock(&mailbox.handlers).fate(store, exception);
                let every = mailbox.stop_at_throws.load(Ordering::Relaxed);
                (every || fate != Fate::Caught).then_some(Stop::Exception(fate))
            }
        }
    }

    /// Wasmtime's pc at an epoch check is not the program's: the check calls
    /// out from a cold block that Cranelift lays out after the function's
    /// code, and the nearest pc the frame table has there is the function's
    /// last instruction, not the loop or call the check guards. So an
    /// interrupt runs on in single-step mode and stops at the next
    /// instruction, whose pc is exact: the loop's body, or the function's
    /// first instruction. Only if that mode cannot be entered does it stop
    /// here.
    fn interrupt_at_next_instruction(&self, store: &mut StoreContextMut<'_, T>) -> Option<Stop> {
        let mailbox = &self.0;
        if !mailbox.mode().single_steps() && !single_step(mailbox, store, true) {
            eprintln!("error: cannot stop at the instruction after an interrupt");
            return Some(Stop::Interrupted);
        }
        mailbox.set_mode(Mode::Interrupt);
        None
    }
}

/// Enters or leaves Wasmtime's single-step mode from inside the handler,
/// with the breakpoints kept; false if Wasmtime failed (or panicked). The
/// caller records the mode that follows.
fn single_step<T>(mailbox: &Mailbox<T>, store: &mut StoreContextMut<'_, T>, enabled: bool) -> bool {
    let edits = mailbox.breakpoints().single_step(enabled);
    matches!(contain(|| breakpoints::apply(store, edits)), Ok(Ok(())))
}

impl<T: Send + 'static> DebugHandler for Handler<T> {
    type Data = T;

    fn handle(
        &self,
        mut store: StoreContextMut<'_, T>,
        event: DebugEvent<'_>,
    ) -> impl Future<Output = ()> + Send {
        let stop = self.stop_for(&mut store, &event);
        let overflowed = matches!(event, DebugEvent::Trap(wasmtime::Trap::StackOverflow));
        let mailbox = self.0.clone();
        async move {
            if let Some(stop) = stop {
                park(&mailbox, stop, store, overflowed).await;
            }
        }
    }
}

/// Parks the program at `stop` and serves the debugger's orders, each time
/// the program's future is polled, until told to resume. The debug handler
/// parks here at debug events, and a server between requests (`server`).
/// `overflowed`: see `Paused`.
pub async fn park<T>(
    mailbox: &Mailbox<T>,
    stop: Stop,
    store: StoreContextMut<'_, T>,
    overflowed: bool,
) {
    let mut paused = Paused::new(store, overflowed);
    mailbox.slots().parked = Some(stop);
    loop {
        // Pending until the debugger posts an order and polls us.
        let order = std::future::poll_fn(|_| match mailbox.slots().order.take() {
            Some(order) => Poll::Ready(order),
            None => Poll::Pending,
        })
        .await;
        match order {
            Order::Request(request) => {
                let reply = contain(|| request(&mut paused)).unwrap_or_else(|message| {
                    eprintln!("error: a debugger request panicked: {message}");
                    Box::new(Panicked)
                });
                mailbox.slots().reply = Some(reply);
            }
            Order::Resume => return,
        }
    }
}

/// Readies `store` for debugging with `mailbox`: the debug handler,
/// epoch-based interrupts, and the debugger's breakpoints and mode (at the
/// start, single-step, so the first instruction pauses). The store becomes
/// the program's current one: call this for each store the program gets.
pub fn prepare_store<T: Send + 'static>(
    store: &mut wasmtime::Store<T>,
    mailbox: &Arc<Mailbox<T>>,
) -> Result<()> {
    if store.edit_breakpoints().is_none() {
        bail!("the engine was not configured for guest debugging");
    }
    // Fuel, where the engine counts it, is the clock that places a stop in
    // the run (see `position`).
    if store.get_fuel().is_ok() {
        store.set_fuel(FUEL)?;
        store.fuel_async_yield_interval(Some(FUEL_WINDOW))?;
    }
    store.set_debug_handler(Handler(mailbox.clone()));
    // The engine's epoch only moves on `interrupt`, `kill` and the end of a
    // continue's slice; a deadline of one tick means the next check after
    // any of them raises an event.
    store.set_epoch_deadline(mailbox.ticks_to_next_check());
    let flags = mailbox.clone();
    store.epoch_deadline_callback(move |_| {
        if flags.killed.load(Ordering::Relaxed) {
            wasmtime::bail!("killed by the debugger");
        }
        let ticks = flags.ticks_to_next_check();
        // A yield leaves the program future pending without a stop, which
        // is what hands it to the runner thread.
        if flags.slice_over.swap(false, Ordering::Relaxed) {
            flags.slice_yield.store(true, Ordering::Relaxed);
            return Ok(wasmtime::UpdateDeadline::Yield(ticks));
        }
        Ok(wasmtime::UpdateDeadline::Continue(ticks))
    });
    let edits = mailbox.breakpoints().arm(mailbox.mode().single_steps());
    breakpoints::apply(&mut store.as_context_mut(), edits)?;
    mailbox.stores.fetch_add(1, Ordering::Relaxed);
    mailbox.watches().enter_store();
    Ok(())
}
