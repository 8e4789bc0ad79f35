//! A server as the debuggee: one debug session over every request, and
//! the debugger can stop the server between requests.
//!
//! The program future is the server's loop, which handles one request at a
//! time, each in a fresh store that `ServerControl::prepare` readies with the
//! debugger's breakpoints and mode: a request that traps cannot spoil the
//! next (Wasmtime refuses to enter a component again in a store where one
//! trapped), and a long session holds one request's memory, not all of
//! them. The debugger learns each request's instances as new ones; those
//! of the previous request are gone once the next one starts.
//!
//! ServerControl requests the loop waits in the host, where no epoch check runs:
//! `ServerControl::next` waits for the next request or for a call from the
//! debugger, and parks there itself when it is an `interrupt`: a stop with
//! no frames.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use anyhow::Result;
use tokio::sync::mpsc;
use wasmtime::component::Component;
use wasmtime::{AsContextMut, Engine, Store};

use super::execution::{Execution, KILLED_EXIT_STATUS};
use super::handler::{self, Mailbox, Stop, park};
use super::inventory::Inventory;
use super::timeline::Timeline;
use super::{DebuggerSetup, debug};
use crate::run::Ending;

/// The debugger's hold on the server loop: it readies each request's
/// store, and parks the loop at its start and between requests.
pub struct ServerControl<T: 'static> {
    mailbox: Arc<Mailbox<T>>,
    component: Component,
}

impl<T: Send + 'static> ServerControl<T> {
    /// Readies a fresh store for the next request (or, the first, for the
    /// wait before any): it becomes the program's current store.
    pub fn prepare(&self, mut store: Store<T>) -> Result<Store<T>> {
        // Registered before it runs, so breakpoints patch the code that
        // will execute.
        store.debug_register_component(&self.component)?;
        handler::prepare_store(&mut store, &self.mailbox)?;
        Ok(store)
    }

    /// Parks at the server's start (`stop.entry`, no frames: no request
    /// has run yet) until the debugger resumes.
    pub async fn entry(&self, store: &mut Store<T>) {
        park(&self.mailbox, Stop::Entry, store.as_context_mut(), false).await;
    }

    /// The next request, or `None` once the debugger has killed the server
    /// (or `requests` has ended). An `interrupt` meanwhile parks here, with
    /// `stop.interrupted` and no frames, in `store`: the last request's.
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
                park(
                    &self.mailbox,
                    Stop::Interrupted,
                    store.as_context_mut(),
                    false,
                )
                .await;
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
/// is its loop, given `ServerControl`, which readies every store it makes for
/// `component`; it returns `Ok` once `ServerControl::next` says the server is
/// over.
pub fn serve<T, F>(
    engine: &Engine,
    component: &Component,
    setup: DebuggerSetup,
    server: impl FnOnce(ServerControl<T>) -> F,
) -> Result<i32>
where
    T: Send + 'static,
    F: Future<Output = Result<()>> + Send + 'static,
{
    let mailbox = Arc::new(Mailbox::new());
    let control = ServerControl {
        mailbox: mailbox.clone(),
        component: component.clone(),
    };
    let server = server(control);
    let program = Box::pin(async move {
        server.await?;
        Ok(Ending::Exited(KILLED_EXIT_STATUS))
    });
    // The handler is a component: its core modules get names of their own.
    let inventory = Inventory::new(setup.program_name.clone(), true);
    // A server's inputs are not recorded: it cannot run in reverse.
    let timeline = Timeline::new(Execution::start(engine, program, mailbox)?, None);
    debug(timeline, inventory, setup)
}
