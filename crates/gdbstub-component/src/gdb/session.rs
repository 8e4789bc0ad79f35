//! The event loop: accepts clients one after another, and moves bytes between each and its conversation.

use gdbstub::stub::state_machine::GdbStubStateMachine;
use wasip2::io::poll::Pollable;

use super::Debugger;
use super::conversation::{Conversation, End, Machine};
use super::resume::Event;
use crate::inferior::Inferior;
use crate::net::{Client, Listener};
use crate::wasmdebug::debugger::console;
use crate::wasmdebug::debugger::debuggee::{Debuggee, ResumeMode, State};

/// Serves clients on `listen` until one detaches or kills, or the program ends.
pub fn serve(debuggee: Debuggee, listen: std::net::SocketAddr) -> Result<(), String> {
    // The host's pollable answers for the state at each poll, so one serves
    // every run.
    let ready = debuggee.subscribe();
    let mut debugger = Debugger::new(Inferior::new(Box::new(debuggee)));
    let served = serve_clients(&mut debugger, &ready, listen);
    // A pollable is a child of its resource and must go first.
    drop(ready);
    served
}

fn serve_clients(
    debugger: &mut Debugger,
    ready: &Pollable,
    listen: std::net::SocketAddr,
) -> Result<(), String> {
    let listener = Listener::bind(listen)?;
    let addr = listener.local_addr()?;
    console::print(&format!("Debugger listening on {addr}"));
    console::print(&format!(
        "Connect with: lldb -o 'process connect --plugin wasm connect://{addr}'"
    ));
    loop {
        let client = listener.accept()?;
        let end = run(&client, Conversation::new(debugger), ready)?;
        match end {
            Some(End::Detached) => {
                debugger.clear_breakpoints();
                debugger.detach();
                client.close();
                return Ok(());
            }
            Some(End::Killed) => {
                client.close();
                debugger.kill();
                return Ok(());
            }
            Some(End::Exited) => {
                client.close();
                return Ok(());
            }
            // The client hung up without a word; wait for the next one.
            None => {
                drop(client);
                // Breakpoints the next client does not know about would only
                // stop it by surprise.
                debugger.clear_breakpoints();
                if !debugger.pause(ready) {
                    return Ok(());
                }
            }
        }
    }
}

/// Serves one client until the session ends (`None`: the client vanished).
fn run(
    client: &Client,
    mut talk: Conversation<'_>,
    ready: &Pollable,
) -> Result<Option<End>, String> {
    let mut input = Vec::with_capacity(64 * 1024);
    let mut machine = talk.start()?;
    loop {
        if let Some(end) = Conversation::end(&machine) {
            let _ = talk.flush(|bytes| client.send(bytes));
            return Ok(Some(end));
        }
        machine = match machine {
            GdbStubStateMachine::Running(gdb) => {
                let machine: Machine = gdb.into();
                // A step is over by the time `resume` returns, so look
                // before waiting: a step then costs no poll.
                if let Some(event) = talk.debugger.event() {
                    if let Event::Stopped {
                        trap: Some(description),
                        ..
                    } = &event
                    {
                        console::print(&format!("Program trapped: {description}"));
                    }
                    talk.report(machine, event)?
                } else {
                    // Wait for whichever comes first: the client or the
                    // program (whose event the next turn reports).
                    let ready = wasip2::io::poll::poll(&[client.readable(), ready]);
                    if !ready.contains(&0) {
                        machine
                    } else if client.read_ready(&mut input).is_err() {
                        return Ok(None);
                    } else {
                        talk.take_input(machine, &input)?
                    }
                }
            }
            // Only the client can move an idle stub.
            idle => {
                if client.read_blocking(&mut input).is_err() {
                    return Ok(None);
                }
                talk.take_input(idle, &input)?
            }
        };
        input.clear();
        if talk.flush(|bytes| client.send(bytes)).is_err() {
            return Ok(None);
        }
    }
}

impl Debugger {
    /// After `D`: let the program run to its end.
    fn detach(&mut self) {
        let inferior = self.inferior.get_mut();
        if !inferior.is_running() {
            // Fails only if the program has ended already.
            let _ = inferior.resume(ResumeMode::Continue);
        }
    }

    fn kill(&mut self) {
        self.inferior.get_mut().kill();
    }

    /// With no client, keeps the program paused (`ready` is the debuggee's
    /// pollable). Returns whether it is still alive.
    fn pause(&mut self, ready: &Pollable) -> bool {
        let inferior = self.inferior.get_mut();
        if inferior.is_running() {
            inferior.interrupt();
            ready.block();
        }
        !matches!(inferior.state(), State::Exited(_))
    }
}
