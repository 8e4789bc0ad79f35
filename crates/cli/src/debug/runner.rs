//! Where the program runs: polled on the caller's thread, or on the runner
//! thread during a long `continue`; and the Tokio runtime its WASI runs on.
//!
//! The runtime's own worker drives the program's I/O and timers, so they
//! work wherever the program is polled and whether or not a debugger is
//! still there (the debugger's runtime only runs while it waits). It lives
//! on the runner thread and ends with it, outside any async context.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::task::{Context, Poll, Waker};

use anyhow::{Result, anyhow};
use tokio::sync::watch;

use super::handler::{Mailbox, Stop};
use crate::run::Ending;

/// The program, as a future that completes when the program ends. While it
/// is paused, it is parked in the debug handler.
pub type ProgramFuture = Pin<Box<dyn Future<Output = Result<Ending>> + Send>>;

/// Where one poll left the program.
pub enum Polled {
    /// Parked in the debug handler, at this stop.
    Paused(ProgramFuture, Stop),
    /// Waiting on something outside Wasm (a host call's I/O), or told to
    /// yield at the end of a slice.
    Waiting(ProgramFuture),
    Ended(Result<Ending>),
}

/// What the runner thread gives back: the program, parked at a stop, or
/// how it ended.
pub enum Returned {
    Paused(ProgramFuture, Stop),
    Ended(Result<Ending>),
}

type Job<T> = (ProgramFuture, Arc<Mailbox<T>>);

/// The runner thread, its I/O runtime, and whether it has the program.
pub struct Runner<T: 'static> {
    jobs: mpsc::Sender<Job<T>>,
    returns: mpsc::Receiver<Returned>,
    /// True from handing the program over until the runner gives it back
    /// (or the program is killed): what `Readiness` waits on.
    running: Arc<watch::Sender<bool>>,
    io: tokio::runtime::Handle,
}

impl<T: Send + 'static> Runner<T> {
    pub fn spawn() -> Result<Runner<T>> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("debuggee-io")
            .enable_io()
            .enable_time()
            .build()?;
        let io = runtime.handle().clone();
        let (jobs, queue) = mpsc::channel::<Job<T>>();
        let (give_back, returns) = mpsc::channel();
        let running = Arc::new(watch::Sender::new(false));
        let done = running.clone();
        std::thread::Builder::new()
            .name("debuggee".into())
            .spawn(move || {
                for (program, mailbox) in queue {
                    let returned = run_until_stop(program, &mailbox, runtime.handle());
                    // Returned first, so whoever `running` wakes finds it.
                    // After a kill nobody takes it: it is dropped with the
                    // channel.
                    let _ = give_back.send(returned);
                    done.send_replace(false);
                }
            })?;
        Ok(Runner {
            jobs,
            returns,
            running,
            io,
        })
    }

    /// Polls the program once on this thread, in the context of its I/O
    /// runtime, which its host calls may need.
    pub fn poll_here(&self, mut program: ProgramFuture, mailbox: &Mailbox<T>) -> Polled {
        let woken = Arc::new(Woken::default());
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let poll = loop {
            let _context = self.io.enter();
            let poll = program.as_mut().poll(&mut cx);
            // A program that yields at a fuel check (see `position`) asks
            // to be polled again at once; a stop, a wait on I/O or the end
            // of a slice leaves here.
            let woken = woken.0.swap(false, Ordering::Relaxed);
            if poll.is_ready() || !woken || mailbox.take_slice_yield() {
                break poll;
            }
        };
        match poll {
            Poll::Ready(ending) => Polled::Ended(ending),
            Poll::Pending => match mailbox.take_stop() {
                Some(stop) => Polled::Paused(program, stop),
                None => Polled::Waiting(program),
            },
        }
    }

    /// Hands the program to the runner thread, which polls it until it
    /// parks at a stop or ends.
    pub fn run(&self, program: ProgramFuture, mailbox: Arc<Mailbox<T>>) -> Result<()> {
        // Published before the runner starts, so a pollable asked for now
        // already waits on this run.
        self.running.send_replace(true);
        self.jobs
            .send((program, mailbox))
            .map_err(|_| anyhow!("the thread that runs the program is gone"))
    }

    /// What the runner gave back, if it has. Not to be called after
    /// `abandon`.
    pub fn try_take(&self) -> Result<Option<Returned>> {
        match self.returns.try_recv() {
            Ok(returned) => Ok(Some(returned)),
            Err(mpsc::TryRecvError::Empty) => Ok(None),
            Err(mpsc::TryRecvError::Disconnected) => Err(gone()),
        }
    }

    /// Waits for the runner to give the program back.
    pub fn take_blocking(&self) -> Result<Returned> {
        self.returns.recv().map_err(|_| gone())
    }

    /// Forgets the run under way (the program was killed): waiters are
    /// ready now, and what the runner gives back is dropped unread.
    pub fn abandon(&self) {
        self.running.send_replace(false);
    }

    /// Tells whenever asked whether the runner has the program, for this
    /// run and every later one.
    pub fn readiness(&self) -> Readiness {
        Readiness(self.running.subscribe())
    }
}

fn gone() -> anyhow::Error {
    anyhow!("the thread that runs the program is gone")
}

/// A waker that only notes that it was woken.
#[derive(Default)]
struct Woken(AtomicBool);

impl std::task::Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Polls the program until it parks at a stop or ends.
fn run_until_stop<T>(
    mut program: ProgramFuture,
    mailbox: &Mailbox<T>,
    io: &tokio::runtime::Handle,
) -> Returned {
    let ended = io.block_on(std::future::poll_fn(|cx| match program.as_mut().poll(cx) {
        Poll::Ready(ending) => Poll::Ready(Err(ending)),
        Poll::Pending => match mailbox.take_stop() {
            Some(stop) => Poll::Ready(Ok(stop)),
            None => Poll::Pending,
        },
    }));
    match ended {
        Ok(stop) => Returned::Paused(program, stop),
        Err(ending) => Returned::Ended(ending),
    }
}

/// Ready whenever the runner thread does not have the program.
pub struct Readiness(watch::Receiver<bool>);

impl Readiness {
    pub async fn ready(&mut self) {
        // An error means the runner is gone, so it has nothing either.
        let _ = self.0.wait_for(|running| !running).await;
    }
}
