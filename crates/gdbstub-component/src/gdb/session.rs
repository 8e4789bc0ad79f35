//! The event loop: accepts clients one after another and pumps their packets through gdbstub.

use core::cell::RefCell;
use core::convert::Infallible;
use std::rc::Rc;

use gdbstub::conn::Connection;
use gdbstub::stub::state_machine::GdbStubStateMachine;
use gdbstub::stub::{DisconnectReason, GdbStubBuilder, GdbStubError, SingleThreadStopReason};
use gdbstub::target::TargetError;
use gdbstub::target::ext::base::singlethread::SingleThreadBase;
use gdbstub_arch::wasm::reg::id::WasmRegId;

use super::packets::{self, Frame, Framer};
use super::resume::Event;
use super::{Debugger, Refusal, errno};
use crate::net::{Client, Closed, Listener};
use crate::program::Program;
use crate::wasmdebug::debugger::console;

/// The largest packet we take, and so the largest memory read LLDB asks for
/// at once (it reads up to about half of it, hex doubling the reply).
const PACKET_SIZE: usize = 512 * 1024;

type Machine = GdbStubStateMachine<'static, Debugger, Outbox>;
type StubError = GdbStubError<Refusal, Infallible>;

/// gdbstub's connection: collects what it writes, so that the session sends
/// each batch of replies with one write (WASI sockets keep Nagle's algorithm
/// on, and a reply in several writes would wait for the client's ACKs).
#[derive(Clone, Default)]
struct Outbox(Rc<RefCell<Vec<u8>>>);

impl Outbox {
    fn len(&self) -> usize {
        self.0.borrow().len()
    }

    fn truncate(&self, len: usize) {
        self.0.borrow_mut().truncate(len);
    }

    fn push(&self, bytes: &[u8]) {
        self.0.borrow_mut().extend_from_slice(bytes);
    }

    fn send(&self, client: &Client) -> Result<(), Closed> {
        let mut bytes = self.0.borrow_mut();
        if bytes.is_empty() {
            return Ok(());
        }
        let sent = client.send(&bytes);
        bytes.clear();
        sent
    }
}

impl Connection for Outbox {
    type Error = Infallible;

    #[inline]
    fn write(&mut self, byte: u8) -> Result<(), Infallible> {
        self.0.borrow_mut().push(byte);
        Ok(())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> Result<(), Infallible> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// How a client's session ended.
enum End {
    /// `D`: the program runs on without us.
    Detached,
    /// `k` or `vKill`.
    Killed,
    /// The program ended, and the client has been told.
    Exited,
    /// The client hung up without a word; wait for the next one.
    Gone,
}

/// Serves clients on `listen` until one detaches or kills, or the program ends.
pub fn serve(program: Program, listen: std::net::SocketAddr) -> Result<(), String> {
    let listener = Listener::bind(listen)?;
    let addr = listener.local_addr()?;
    console::print(&format!("Debugger listening on {addr}"));
    console::print(&format!(
        "Connect with: lldb -o 'process connect --plugin wasm connect://{addr}'"
    ));
    let mut debugger = Debugger::new(program);
    loop {
        let client = listener.accept()?;
        let end = Session::new(&client, &mut debugger).run()?;
        match end {
            End::Detached => {
                debugger.clear_breakpoints();
                debugger.clear_watchpoints();
                debugger.detach();
                client.close();
                return Ok(());
            }
            End::Killed => {
                client.close();
                debugger.kill();
                return Ok(());
            }
            End::Exited => {
                client.close();
                return Ok(());
            }
            End::Gone => {
                drop(client);
                // Breakpoints the next client does not know about would only
                // stop it by surprise.
                debugger.clear_breakpoints();
                debugger.clear_watchpoints();
                if !debugger.pause() {
                    return Ok(());
                }
            }
        }
    }
}

/// One client's connection.
struct Session<'a> {
    client: &'a Client,
    debugger: &'a mut Debugger,
    outbox: Outbox,
    framer: Framer,
    input: Vec<u8>,
    /// Whether the client turned acks off (`QStartNoAckMode`).
    no_ack: bool,
    /// The client's last `qSupported`, replayed into a fresh stub.
    supported: Option<Vec<u8>>,
    /// Memory read buffer.
    scratch: Vec<u8>,
}

impl<'a> Session<'a> {
    fn new(client: &'a Client, debugger: &'a mut Debugger) -> Self {
        Session {
            client,
            debugger,
            outbox: Outbox::default(),
            framer: Framer::new(PACKET_SIZE),
            input: Vec::with_capacity(64 * 1024),
            no_ack: false,
            supported: None,
            scratch: Vec::new(),
        }
    }

    fn run(mut self) -> Result<End, String> {
        let mut machine = self.fresh_stub()?;
        loop {
            machine = match machine {
                GdbStubStateMachine::Disconnected(gdb) => {
                    let end = match gdb.get_reason() {
                        DisconnectReason::Disconnect => End::Detached,
                        DisconnectReason::Kill => End::Killed,
                        DisconnectReason::TargetExited(_)
                        | DisconnectReason::TargetTerminated(_) => End::Exited,
                    };
                    let _ = self.outbox.send(self.client);
                    return Ok(end);
                }
                GdbStubStateMachine::Running(gdb) => {
                    let machine: Machine = gdb.into();
                    // A step is over by the time `resume` returns, so look
                    // before waiting: a step then costs no poll.
                    if let Some(event) = self.debugger.event() {
                        self.report(machine, event)?
                    } else {
                        // Wait for whichever comes first: the client or the
                        // program (whose event the next turn reports).
                        let ready = wasip2::io::poll::poll(&[
                            self.client.readable(),
                            self.debugger.program.get_mut().ready(),
                        ]);
                        if !ready.contains(&0) {
                            machine
                        } else if self.client.read_ready(&mut self.input).is_err() {
                            return Ok(End::Gone);
                        } else {
                            self.take_input(machine)?
                        }
                    }
                }
                // Only the client can move an idle stub.
                idle => {
                    if self.client.read_blocking(&mut self.input).is_err() {
                        return Ok(End::Gone);
                    }
                    self.take_input(idle)?
                }
            };
            if self.outbox.send(self.client).is_err() {
                return Ok(End::Gone);
            }
        }
    }

    /// Feeds the bytes read so far to the stub, packet by packet.
    fn take_input(&mut self, mut machine: Machine) -> Result<Machine, String> {
        let input = std::mem::take(&mut self.input);
        for &byte in &input {
            if matches!(machine, GdbStubStateMachine::Disconnected(_)) {
                break;
            }
            let Some(frame) = self.framer.push(byte) else {
                continue;
            };
            let mark = self.outbox.len();
            let (packet, result) = match frame {
                Frame::Packet(packet) => {
                    if let (Some((addr, len)), GdbStubStateMachine::Idle(_)) =
                        (packets::memory_read(packets::body(packet)), &machine)
                    {
                        self.read_memory(addr, len);
                        continue;
                    }
                    let packet = packet.to_vec();
                    let result = feed(machine, self.debugger, &packet);
                    (packet, result)
                }
                Frame::Interrupt => (Vec::new(), feed(machine, self.debugger, &[0x03])),
                Frame::Corrupt => {
                    // Ask for it again; without acks there is no way to.
                    if !self.no_ack {
                        self.outbox.push(b"-");
                    }
                    continue;
                }
                Frame::Oversized => {
                    self.reply_error(errno::EINVAL);
                    continue;
                }
            };
            machine = match result {
                Ok(machine) => {
                    self.note_setup(&packet, &machine);
                    machine
                }
                Err(error) => {
                    log::debug!("request failed: {error}");
                    self.outbox.truncate(mark);
                    let code = error.into_target_error().map_or(errno::EINVAL, |r| r.0);
                    self.reply_error(code);
                    self.fresh_stub()?
                }
            };
        }
        // Keep the buffer's allocation for the next read.
        self.input = input;
        self.input.clear();
        Ok(machine)
    }

    /// Remembers what a fresh stub has to be told again, and answers `vKill`/`k`,
    /// which gdbstub leaves unanswered outside extended mode.
    fn note_setup(&mut self, packet: &[u8], machine: &Machine) {
        let body = packets::body(packet);
        if body.starts_with(b"qSupported") {
            self.supported = Some(packet.to_vec());
        } else if body == b"QStartNoAckMode" {
            self.no_ack = true;
        } else if let GdbStubStateMachine::Disconnected(gdb) = machine
            && gdb.get_reason() == DisconnectReason::Kill
        {
            // vKill wants OK; `k` wants the stop reply of a killed process.
            let reply: &[u8] = if body.starts_with(b"vKill") {
                b"OK"
            } else {
                b"X09"
            };
            self.reply(reply);
        }
    }

    /// Answers `m` without gdbstub, whose replies go out a byte at a time
    /// through `Connection::write`: bulk reads are the one place that shows.
    fn read_memory(&mut self, addr: u64, len: usize) {
        log::trace!("<-- $m{addr:x},{len:x} (answered without gdbstub)");
        // A reply fits our own packet size, like every other.
        let len = len.min(PACKET_SIZE / 2 - 8);
        if self.scratch.len() < len {
            self.scratch.resize(len, 0);
        }
        // Nothing to read is an empty reply, as gdbstub gives.
        let read = match len {
            0 => Ok(0),
            _ => SingleThreadBase::read_addrs(self.debugger, addr, &mut self.scratch[..len]),
        };
        match read {
            Ok(n) => {
                if !self.no_ack {
                    self.outbox.push(b"+");
                }
                packets::hex_packet(&mut self.outbox.0.borrow_mut(), &self.scratch[..n]);
            }
            Err(error) => {
                let code = match error {
                    TargetError::Errno(code) | TargetError::Fatal(Refusal(code)) => code,
                    _ => errno::EINVAL,
                };
                self.reply_error(code);
            }
        }
    }

    fn reply(&self, body: &[u8]) {
        if !self.no_ack {
            self.outbox.push(b"+");
        }
        self.outbox.push(&packets::frame(body));
    }

    fn reply_error(&self, code: u8) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.reply(&[b'E', HEX[(code >> 4) as usize], HEX[(code & 15) as usize]]);
    }

    /// Sends the stop reply for `event`.
    fn report(&mut self, machine: Machine, event: Event) -> Result<Machine, String> {
        let GdbStubStateMachine::Running(gdb) = machine else {
            return Ok(machine);
        };
        let mark = self.outbox.len();
        let result = match event {
            Event::Stopped {
                reason,
                pc: Some(pc),
            } => {
                // LLDB's Wasm plugin wants the pc in every stop reply.
                let pc = pc.to_le_bytes();
                gdb.report_stop_with_regs(
                    self.debugger,
                    reason,
                    &mut core::iter::once((WasmRegId::Pc, &pc[..])),
                )
            }
            Event::Stopped { reason, pc: None } => gdb.report_stop(self.debugger, reason),
            Event::Exited(status) => {
                gdb.report_stop(self.debugger, SingleThreadStopReason::Exited(status))
            }
        };
        match result {
            Ok(machine) => Ok(machine),
            Err(error) => {
                log::debug!("stop reply failed: {error}");
                self.outbox.truncate(mark);
                self.fresh_stub()
            }
        }
    }

    /// A new stub in the state the client has set up: the features it
    /// negotiated, acks on or off, and running if the program is.
    ///
    /// gdbstub ends the session on any packet it cannot parse and on any
    /// target error in a hook that has no error reply; instead of hanging up
    /// on the client we answer with an error and go on with a fresh stub.
    fn fresh_stub(&mut self) -> Result<Machine, String> {
        let stub = GdbStubBuilder::new(self.outbox.clone())
            .packet_buffer_size(PACKET_SIZE)
            .build()
            .map_err(|e| format!("cannot start the GDB stub: {e}"))?;
        let mut machine = stub
            .run_state_machine(self.debugger)
            .map_err(|e| format!("cannot start the GDB stub: {e}"))?;
        let mark = self.outbox.len();
        let mut replay = Vec::new();
        replay.extend(self.supported.clone());
        if self.no_ack {
            replay.push(packets::frame(b"QStartNoAckMode"));
        }
        if self.debugger.program.get_mut().is_running() {
            replay.push(packets::frame(b"c"));
        }
        for packet in &replay {
            machine = feed(machine, self.debugger, packet)
                .map_err(|e| format!("cannot restore the GDB session: {e}"))?;
        }
        self.outbox.truncate(mark);
        Ok(machine)
    }
}

/// Passes one whole packet (or the interrupt byte) to the stub.
fn feed(mut machine: Machine, debugger: &mut Debugger, bytes: &[u8]) -> Result<Machine, StubError> {
    for &byte in bytes {
        machine = match machine {
            GdbStubStateMachine::Idle(gdb) => gdb.incoming_data(debugger, byte)?,
            GdbStubStateMachine::Running(gdb) => gdb.incoming_data(debugger, byte)?,
            GdbStubStateMachine::CtrlCInterrupt(gdb) => settle_interrupt(gdb.into(), debugger)?,
            GdbStubStateMachine::Disconnected(gdb) => return Ok(gdb.into()),
        };
        machine = settle_interrupt(machine, debugger)?;
    }
    Ok(machine)
}

/// Answers a Ctrl-C: a running program is asked to pause, and its stop is
/// reported when it does, like any other.
fn settle_interrupt(machine: Machine, debugger: &mut Debugger) -> Result<Machine, StubError> {
    match machine {
        GdbStubStateMachine::CtrlCInterrupt(gdb) => {
            debugger.interrupt();
            gdb.interrupt_handled(debugger, None::<SingleThreadStopReason<u64>>)
        }
        other => Ok(other),
    }
}

impl Debugger {
    /// After `D`: let the program run to its end.
    fn detach(&mut self) {
        let program = self.program.get_mut();
        if !program.is_running() {
            // Fails only if the program has ended already.
            let _ = program.resume(crate::wasmdebug::debugger::debuggee::ResumeMode::Continue);
        }
    }

    fn kill(&mut self) {
        self.program.get_mut().kill();
    }

    /// With no client, keeps the program paused. Returns whether it is still alive.
    fn pause(&mut self) -> bool {
        let program = self.program.get_mut();
        if program.is_running() {
            program.interrupt();
            program.ready().block();
        }
        !matches!(
            program.state(),
            crate::wasmdebug::debugger::debuggee::State::Exited(_)
        )
    }
}
