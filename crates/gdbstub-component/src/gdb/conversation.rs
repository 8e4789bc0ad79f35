//! One client's protocol state: the bytes it sends in, gdbstub's replies out, and no I/O.
//!
//! The session owns the socket and the waiting; everything here is plain
//! code over the target, so the host-side fuzz test drives it directly.

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
use super::resume::{self, Event};
use super::{Debugger, Refusal, errno};

/// The largest packet we take, and so the largest memory read LLDB asks for
/// at once (it reads up to about half of it, hex doubling the reply).
pub const PACKET_SIZE: usize = 512 * 1024;

pub type Machine = GdbStubStateMachine<'static, Debugger, Outbox>;
type StubError = GdbStubError<Refusal, Infallible>;

/// gdbstub's connection: collects what it writes, so that the session sends
/// each batch of replies with one write (WASI sockets keep Nagle's algorithm
/// on, and a reply in several writes would wait for the client's ACKs).
#[derive(Clone, Default)]
pub struct Outbox(Rc<RefCell<Vec<u8>>>);

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `D`: the program runs on without us.
    Detached,
    /// `k` or `vKill`.
    Killed,
    /// The program ended, and the client has been told.
    Exited,
}

/// What one client has set up, and the replies not yet sent.
pub struct Conversation<'a> {
    pub debugger: &'a mut Debugger,
    outbox: Outbox,
    framer: Framer,
    /// Whether the client turned acks off (`QStartNoAckMode`).
    no_ack: bool,
    /// The client's last `qSupported`, replayed into a fresh stub.
    supported: Option<Vec<u8>>,
    /// Memory read buffer.
    scratch: Vec<u8>,
}

impl<'a> Conversation<'a> {
    pub fn new(debugger: &'a mut Debugger) -> Self {
        Conversation {
            debugger,
            outbox: Outbox::default(),
            framer: Framer::new(PACKET_SIZE),
            no_ack: false,
            supported: None,
            scratch: Vec::new(),
        }
    }

    /// Hands the replies so far to `send`, and forgets them either way.
    pub fn flush<E>(&self, send: impl FnOnce(&[u8]) -> Result<(), E>) -> Result<(), E> {
        let mut bytes = self.outbox.0.borrow_mut();
        if bytes.is_empty() {
            return Ok(());
        }
        let sent = send(&bytes);
        bytes.clear();
        sent
    }

    /// How the session ended, once the stub has disconnected.
    pub fn end(machine: &Machine) -> Option<End> {
        let GdbStubStateMachine::Disconnected(gdb) = machine else {
            return None;
        };
        Some(match gdb.get_reason() {
            DisconnectReason::Disconnect => End::Detached,
            DisconnectReason::Kill => End::Killed,
            DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_) => {
                End::Exited
            }
        })
    }

    /// Feeds bytes from the client to the stub, packet by packet.
    pub fn take_input(&mut self, mut machine: Machine, input: &[u8]) -> Result<Machine, String> {
        for &byte in input {
            if matches!(machine, GdbStubStateMachine::Disconnected(_)) {
                break;
            }
            let Some(frame) = self.framer.push(byte) else {
                continue;
            };
            let mark = self.outbox.len();
            let (packet, result) = match frame {
                Frame::Packet(packet) => {
                    let body = packets::body(packet);
                    if packets::bad_write(body) {
                        self.reply_error(errno::EINVAL);
                        continue;
                    }
                    if let (Some((addr, len)), GdbStubStateMachine::Idle(_)) =
                        (packets::memory_read(body), &machine)
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
                    if packets::body(&packet) == b"?" {
                        self.tell_the_stop(mark);
                    }
                    machine
                }
                Err(error) => {
                    log::debug!("request failed: {error}");
                    self.outbox.truncate(mark);
                    let code = error.into_target_error().map_or(errno::EINVAL, |r| r.0);
                    self.reply_error(code);
                    self.start()?
                }
            };
        }
        Ok(machine)
    }

    /// gdbstub answers `?` with SIGTRAP whatever the stop was; this makes
    /// the reply it wrote after `mark` the current stop's: its signal and
    /// stop reason, and the pc, which LLDB's Wasm plugin wants in every
    /// stop reply. A client that connects to a program stopped by a late
    /// attach, a trap, a breakpoint or at the start of its history is told
    /// so.
    fn tell_the_stop(&mut self, mark: usize) {
        let Some(Event::Stopped {
            reason,
            pc,
            exception,
        }) = self.debugger.event()
        else {
            return;
        };
        let written = self.outbox.0.borrow_mut().split_off(mark);
        // An ack may come before the reply.
        let start = written.iter().position(|&b| b == b'$').unwrap_or(0);
        let (ack, reply) = written.split_at(start);
        let body = packets::body(reply);
        let Some(rest) = body.strip_prefix(b"T05") else {
            self.outbox.push(&written);
            return;
        };
        let (signal, mut fields) = resume::stop_fields(&reason);
        let mut amended = format!("T{signal:02x}").into_bytes();
        amended.extend_from_slice(rest);
        if let Some(pc) = pc {
            amended.extend_from_slice(b"00:");
            for byte in pc.to_le_bytes() {
                amended.extend_from_slice(&packets::hex_pair(byte));
            }
            amended.push(b';');
        }
        amended.append(&mut fields);
        if let Some(description) = exception {
            amended.extend(resume::exception_fields(&description));
        }
        self.outbox.push(ack);
        self.outbox.push(&packets::frame(&amended));
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
        let [high, low] = packets::hex_pair(code);
        self.reply(&[b'E', high, low]);
    }

    /// Sends the stop reply for `event`. Running only.
    pub fn report(&mut self, machine: Machine, event: Event) -> Result<Machine, String> {
        let GdbStubStateMachine::Running(gdb) = machine else {
            return Ok(machine);
        };
        let mark = self.outbox.len();
        let mut extra_fields = None;
        let result = match event {
            Event::Stopped {
                reason,
                pc,
                exception,
            } => {
                extra_fields = exception.as_deref().map(resume::exception_fields);
                match pc {
                    // LLDB's Wasm plugin wants the pc in every stop reply.
                    Some(pc) => gdb.report_stop_with_regs(
                        self.debugger,
                        reason,
                        &mut core::iter::once((WasmRegId::Pc, &pc.to_le_bytes()[..])),
                    ),
                    None => gdb.report_stop(self.debugger, reason),
                }
            }
            Event::Exited(status) => {
                gdb.report_stop(self.debugger, SingleThreadStopReason::Exited(status))
            }
        };
        match result {
            Ok(machine) => {
                // gdbstub has no way to add fields to a stop reply: add them
                // to the packet it wrote.
                if let Some(fields) = extra_fields {
                    let reply = self.outbox.0.borrow_mut().split_off(mark);
                    self.outbox.push(&packets::with_fields(&reply, &fields));
                }
                Ok(machine)
            }
            Err(error) => {
                log::debug!("stop reply failed: {error}");
                self.outbox.truncate(mark);
                self.start()
            }
        }
    }

    /// A new stub in the state the client has set up: the features it
    /// negotiated, acks on or off, and running if the program is.
    ///
    /// gdbstub ends the session on any packet it cannot parse and on any
    /// target error in a hook that has no error reply; instead of hanging up
    /// on the client we answer with an error and go on with a fresh stub.
    pub fn start(&mut self) -> Result<Machine, String> {
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
        if self.debugger.inferior.get_mut().is_running() {
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
