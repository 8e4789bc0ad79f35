//! The event loop: accepts clients one after another, and moves bytes between each and its conversation.
//!
//! One client at a time is served; another that connects meanwhile is
//! answered with an error and closed. Between clients the program is
//! either paused, waiting for the next (after a client vanished), or runs
//! on unattended (after a detach, or from the start under `--no-wait`)
//! until a client comes, which stops it where it is, or until it ends.

use gdbstub::stub::state_machine::GdbStubStateMachine;
use wasip2::io::poll::Pollable;

use super::Debugger;
use super::conversation::{Conversation, End, Machine};
use super::resume::Event;
use crate::inferior::Inferior;
use crate::net::{Client, Listener};
use crate::wasmdebug::debugger::console;
use crate::wasmdebug::debugger::debuggee::{Debuggee, ResumeMode, State};

/// Serves clients on `listen` until one kills the program, or it ends.
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
    console::listening(
        &addr.to_string(),
        &format!("lldb -o 'process connect --plugin wasm connect://{addr}'"),
    );
    // Running at the start means `--no-wait`: nobody is waited for.
    let mut unattended = debugger.inferior.get_mut().is_running();
    loop {
        let client = match (unattended, debugger.inferior.get_mut().state()) {
            // A short program can end before anyone comes.
            (_, State::Exited(_)) => return Ok(()),
            (true, _) => match attend(debugger, &listener, ready)? {
                Some(client) => client,
                None => return Ok(()),
            },
            (false, _) => listener.accept()?,
        };
        unattended = false;
        let end = run(&client, Conversation::new(debugger), &listener, ready)?;
        match end {
            // The program runs on, and the next client may come.
            Some(End::Detached) => {
                debugger.clear_breakpoints();
                debugger.clear_watchpoints();
                debugger.clear_catch_throw();
                debugger.detach();
                client.close();
                unattended = true;
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
                debugger.clear_watchpoints();
                debugger.clear_catch_throw();
                if !debugger.pause(ready) {
                    return Ok(());
                }
            }
        }
    }
}

/// While the program runs with no client: waits for one, and pauses the
/// program for it, or for the program to end (`None`). Stops on the way (a
/// trap, an exception) are passed over, as they would be without a
/// debugger.
fn attend(
    debugger: &mut Debugger,
    listener: &Listener,
    ready: &Pollable,
) -> Result<Option<Client>, String> {
    loop {
        let woken = wasip2::io::poll::poll(&[listener.acceptable(), ready]);
        if woken.contains(&0) {
            let client = listener.accept()?;
            return Ok(debugger.pause(ready).then_some(client));
        }
        let inferior = debugger.inferior.get_mut();
        match inferior.state() {
            State::Exited(_) => return Ok(None),
            // Fails only if the program has ended meanwhile, which the next
            // turn sees.
            State::Paused(_) => {
                let _ = inferior.resume(ResumeMode::Continue);
            }
            State::Running => {}
        }
    }
}

/// Answers a client that comes while another is served with an error, and
/// hangs up on it.
fn turn_away(listener: &Listener) -> Result<(), String> {
    let client = listener.accept()?;
    let peer = client
        .peer()
        .map_or_else(|| "a client".to_string(), |addr| addr.to_string());
    console::print(&format!(
        "Turned away {peer}: another debugger is attached (one at a time)"
    ));
    // The error reply to whatever it asks first; errno EBUSY.
    let _ = client.send(b"$E10#a6");
    client.close();
    Ok(())
}

/// Whether `client` has hung up, given a moment to say so (bytes it sent
/// meanwhile join `input`): a newcomer may be the next client of one that
/// just left, its hang-up still on the way.
fn hung_up(client: &Client, input: &mut Vec<u8>) -> bool {
    const GRACE_NS: u64 = 20_000_000;
    let grace = wasip2::clocks::monotonic_clock::subscribe_duration(GRACE_NS);
    let woken = wasip2::io::poll::poll(&[client.readable(), &grace]);
    woken.contains(&0) && client.read_ready(input).is_err()
}

/// Serves one client until the session ends (`None`: the client vanished).
fn run(
    client: &Client,
    mut talk: Conversation<'_>,
    listener: &Listener,
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
                        exception: Some(description),
                        ..
                    } = &event
                    {
                        console::print(&format!("Program stopped: {description}"));
                    }
                    talk.report(machine, event)?
                } else {
                    // Wait for whichever comes first: the client, the
                    // program (whose event the next turn reports), or
                    // another client.
                    let woken =
                        wasip2::io::poll::poll(&[client.readable(), ready, listener.acceptable()]);
                    // The client first: if it hung up, the newcomer is
                    // the next client, not one to turn away.
                    if woken.contains(&0) && client.read_ready(&mut input).is_err() {
                        return Ok(None);
                    }
                    if woken.contains(&2) {
                        if hung_up(client, &mut input) {
                            return Ok(None);
                        }
                        turn_away(listener)?;
                    }
                    match woken.contains(&0) {
                        true => talk.take_input(machine, &input)?,
                        false => machine,
                    }
                }
            }
            // Only the client can move an idle stub.
            idle => {
                let woken = wasip2::io::poll::poll(&[client.readable(), listener.acceptable()]);
                if woken.contains(&0) && client.read_ready(&mut input).is_err() {
                    return Ok(None);
                }
                if woken.contains(&1) {
                    if hung_up(client, &mut input) {
                        return Ok(None);
                    }
                    turn_away(listener)?;
                }
                match woken.contains(&0) {
                    true => talk.take_input(idle, &input)?,
                    false => idle,
                }
            }
        };
        input.clear();
        if talk.flush(|bytes| client.send(bytes)).is_err() {
            return Ok(None);
        }
    }
}

impl Debugger {
    /// After `D`: let the program run on.
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
