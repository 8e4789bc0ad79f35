//! A server as the debuggee: every request runs in the one debug store, and
//! the debugger can stop the server between requests.
//!
//! The program future is the server's loop, which handles one request at a
//! time in the same store, so breakpoints, the inventory and the indices the
//! debugger was given hold for every request (the store's instances grow by
//! one component instance per request). Between requests the loop waits in
//! the host, where no epoch check runs: `Between::next` waits for the next
//! request or for a call from the debugger, and parks there itself when it
//! is an `interrupt`: a stop with no frames.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use anyhow::Result;
use tokio::sync::mpsc;
use wasmtime::component::Component;
use wasmtime::{AsContextMut, Engine, Store};

use super::execution::{Execution, KILLED_EXIT_STATUS};
use super::frames::Paused;
use super::handler::{self, Mailbox, Stop, park};
use super::inventory::Inventory;
use super::{DebuggerSetup, debug};
use crate::run::Ending;

/// What the server loop needs from the debugger between requests.
pub struct Between<T: 'static> {
    mailbox: Arc<Mailbox<T>>,
}

impl<T: Send + 'static> Between<T> {
    /// Parks at the server's start (`stop.entry`, no frames: no request
    /// has run yet) until the debugger resumes.
    pub async fn entry(&self, store: &mut Store<T>) {
        let paused = Paused::new(store.as_context_mut(), false);
        park(&self.mailbox, Stop::Entry, paused).await;
    }

    /// The next request, or `None` once the debugger has killed the server
    /// (or `requests` has ended). An `interrupt` meanwhile parks here, with
    /// `stop.interrupted` and no frames.
    pub async fn next<R>(
        &self,
        store: &mut Store<T>,
        requests: &mut mpsc::Receiver<R>,
    ) -> Option<R> {
        loop {
            if self.mailbox.is_killed() {
                return None;
            }
            if self.mailbox.take_interrupt() {
                let paused = Paused::new(store.as_context_mut(), false);
                park(&self.mailbox, Stop::Interrupted, paused).await;
                continue;
            }
            // A call left over from a run that already stopped (an
            // interrupt the epoch check took) wakes us for nothing: the
            // flags above decide.
            let mut called = pin!(self.mailbox.called());
            let mut request = pin!(requests.recv());
            let woken = std::future::poll_fn(|cx| {
                if let Poll::Ready(request) = request.as_mut().poll(cx) {
                    return Poll::Ready(Some(request));
                }
                called.as_mut().poll(cx).map(|()| None)
            })
            .await;
            if let Some(request) = woken {
                return request;
            }
        }
    }
}

/// Debugs a server, and returns the exit status for the process. `server`
/// is its loop, given the store (set up for debugging, with `component`
/// registered so breakpoints patch every instance of it) and `Between`; it
/// returns `Ok` once `Between::next` says the server is over.
pub fn serve<T, F>(
    engine: &Engine,
    mut store: Store<T>,
    component: &Component,
    setup: DebuggerSetup,
    server: impl FnOnce(Store<T>, Between<T>) -> F,
) -> Result<i32>
where
    T: Send + 'static,
    F: Future<Output = Result<()>> + Send + 'static,
{
    let mailbox = handler::prepare_store(&mut store)?;
    store.debug_register_component(component)?;
    let between = Between {
        mailbox: mailbox.clone(),
    };
    let server = server(store, between);
    let program = Box::pin(async move {
        server.await?;
        Ok(Ending::Exited(KILLED_EXIT_STATUS))
    });
    // The handler is a component: its core modules get names of their own.
    let inventory = Inventory::new(setup.program_name.clone(), true);
    debug(
        Execution::start(engine, program, mailbox)?,
        inventory,
        setup,
    )
}
