//! A scripted debugger component: runs its arguments as commands against the debuggee, one output line each.
//!
//! Every command prints `<command> -> <result>` through the console, so a
//! test matches the line that starts with the command it wrote. A failed
//! debug-world call prints `error: <kind>` (`error: not-paused`, …) and the
//! script goes on; other failures print `error: <why>`.
//!
//! | command | result |
//! |---|---|
//! | `state`, `wait` | `paused(entry)`, `paused(trap(…))`, `paused(watchpoint(write 0x400+4 write))` (watching, range, what touched it), `running`, `exited(7)`; `wait` blocks until not running |
//! | `continue` | resumes, waits, then prints the state |
//! | `reverse-continue`, `reverse-step` | runs backwards (to the last breakpoint or watchpoint hit, or one instruction), waits, then prints the state: `paused(breakpoint)`, `paused(step)`, `paused(history-start)` at the start of the recording, `paused(diverged(…))` |
//! | `can-reverse` | `true` or `false` |
//! | `resume` | resumes without waiting: `ok` |
//! | `step [N]` | N single steps (stopping early if the program stops otherwise): `paused(step) at M:0xPC` |
//! | `interrupt`, `kill`, `sleep MS` | `ok` |
//! | `stop-at-throws on\|off` | `ok`; with `on` every throw stops the program, `paused(exception(caught))` or `paused(exception(uncaught))` |
//! | `modules` | `N: #0 NAME (SIZE bytes), …` |
//! | `bytecode-magic M` | the first four bytes of module M in hex |
//! | `instances` | `N: #0 module M, memories A, globals B, tables C, functions D, …` |
//! | `func-start NAME` | `func F body M:0xBODY code M:0xCODE` (body's first byte, first instruction) |
//! | `instructions NAME K` | offsets of the first K instructions: `M:0xA M:0xB …` |
//! | `find NAME OP` | where function NAME's first OP instruction (wasmparser's name, `Throw`) is: `M:0xPC` |
//! | `instruction-at M:PC` | wasmparser's name of the operator there (`Unreachable`) |
//! | `break NAME`, `unbreak NAME` | adds/removes a breakpoint at the body's first byte: `ok M:0xBODY` |
//! | `break-at NAME OP` | adds a breakpoint at function NAME's first OP instruction: `ok M:0xPC` |
//! | `break-pc M:PC`, `unbreak-pc M:PC` | `ok` |
//! | `frames [MAX]` | `#0 func F (NAME) at M:0xPC, instance I, locals L, operands O \| #1 …` (the innermost MAX frames; all without MAX) |
//! | `pc` | the innermost frame's location, `M:0xPC` |
//! | `local F I`, `operand F I`, `global I G` | a value: `i32:-5`, `i64:7`, `f32:0xBITS`, `f64:0xBITS`, `v128:0xHI_LO`, `null-ref`, `non-null-ref` |
//! | `set-global I G i32:N` / `i64:N` | `ok` |
//! | `memory-size I M` | `SIZE bytes, page PAGE` |
//! | `read I M ADDR LEN` | the bytes in hex |
//! | `write I M ADDR HEX` | `ok` |
//! | `read-local-pointer F L LEN`, `write-local-pointer F L HEX` | like `read`/`write` at the address in local L of frame F, in memory 0 of the frame's instance |
//! | `table-size I T`, `table I T INDEX` | the size; an element as a value |
//! | `watch KIND I M ADDR LEN`, `unwatch KIND I M ADDR LEN` | adds/removes a watchpoint (KIND `read`, `write` or `read-write`) on LEN bytes at ADDR of memory M of instance I: `ok` |
//! | `listen=ADDR` (what the runtime passes under `-g`) | `not listening` |
//! | `misbehave trap\|loop\|alloc\|files\|env\|connect IP:PORT` | what the sandbox allowed (`loop` and `alloc` print as they go and never return; `trap` traps) |
//!
//! Numbers are decimal or `0x` hexadecimal; a code location is written as
//! printed, `M:0xPC`, or as two operands `M PC`. A malformed script is refused as a
//! whole, before any command runs, with `Err`.

mod misbehave;
mod module;
mod script;

use std::collections::BTreeMap;

use module::{Function, Module};
use script::{Command, Literal};
use wasip2::io::poll::Pollable;
use wasmdebug::debugger::console::print;
use wasmdebug::debugger::debuggee::{
    Access, Catcher, CodeLocation, Error, Frame, ResumeMode, State, Stop, Value,
};

wit_bindgen::generate!({
    path: "../cli/wit",
    world: "debugger",
    with: { "wasi:io/poll@0.2.12": wasip2::io::poll },
});

struct TestDebugger;

impl Guest for TestDebugger {
    fn debug(debuggee: Debuggee, args: Vec<String>) -> Result<(), String> {
        let commands = script::parse(&args)?;
        let mut session = Session {
            not_running: debuggee.subscribe(),
            debuggee,
            modules: BTreeMap::new(),
        };
        for (text, command) in args.iter().zip(commands) {
            let result = match session.run(command) {
                Ok(result) => result,
                Err(Failure::Call(error)) => format!("error: {}", error_name(error)),
                Err(Failure::Other(why)) => format!("error: {why}"),
            };
            print(&format!("{text} -> {result}"));
        }
        Ok(())
    }
}

export!(TestDebugger);

/// Why a command failed: a debug-world call's error, or the debugger's own.
enum Failure {
    Call(Error),
    Other(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Call(error)
    }
}

impl From<String> for Failure {
    fn from(why: String) -> Failure {
        Failure::Other(why)
    }
}

struct Session {
    /// One pollable for the whole session: the debug world promises that it
    /// follows every run, and `wait` relies on that.
    not_running: Pollable,
    debuggee: Debuggee,
    /// Parsed bytecode by module index; module indices never change.
    modules: BTreeMap<u32, Module>,
}

impl Session {
    fn run(&mut self, command: Command) -> Result<String, Failure> {
        let d = &self.debuggee;
        Ok(match command {
            Command::State => state_text(&d.state()),
            Command::Wait => {
                self.wait();
                state_text(&self.debuggee.state())
            }
            Command::Continue => {
                d.resume(ResumeMode::Continue)?;
                self.wait();
                state_text(&self.debuggee.state())
            }
            Command::Resume => {
                d.resume(ResumeMode::Continue)?;
                "ok".into()
            }
            Command::ReverseContinue => {
                d.resume(ResumeMode::ReverseContinue)?;
                self.wait();
                state_text(&self.debuggee.state())
            }
            Command::ReverseStep => {
                d.resume(ResumeMode::ReverseStep)?;
                self.wait();
                state_text(&self.debuggee.state())
            }
            Command::CanReverse => d.can_reverse().to_string(),
            Command::Step(count) => {
                for _ in 0..count {
                    self.debuggee.resume(ResumeMode::Step)?;
                    self.wait();
                    if !matches!(self.debuggee.state(), State::Paused(Stop::Step)) {
                        break;
                    }
                }
                let state = self.debuggee.state();
                match state {
                    State::Paused(_) => format!("{} at {}", state_text(&state), self.pc()?),
                    _ => state_text(&state),
                }
            }
            Command::Interrupt => {
                d.interrupt();
                "ok".into()
            }
            Command::Kill => {
                d.kill();
                "ok".into()
            }
            Command::StopAtThrows(every) => {
                d.stop_at_throws(every);
                "ok".into()
            }
            Command::Sleep(ms) => {
                wasip2::clocks::monotonic_clock::subscribe_duration(ms * 1_000_000).block();
                "ok".into()
            }
            Command::Modules => {
                let modules = d.modules()?;
                let list: Vec<String> = modules
                    .iter()
                    .enumerate()
                    .map(|(i, m)| format!("#{i} {} ({} bytes)", m.name, m.size))
                    .collect();
                format!("{}: {}", modules.len(), list.join(", "))
            }
            Command::BytecodeMagic(module) => {
                let bytes = d.bytecode(module)?;
                hex(bytes.get(..4).unwrap_or(&bytes))
            }
            Command::Instances => {
                let instances = d.instances()?;
                let list: Vec<String> = instances
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        format!(
                            "#{i} module {}, memories {}, globals {}, tables {}, functions {}",
                            x.module, x.memories, x.globals, x.tables, x.functions
                        )
                    })
                    .collect();
                format!("{}: {}", instances.len(), list.join(", "))
            }
            Command::FuncStart(name) => {
                let (m, function) = self.function(&name)?;
                format!(
                    "func {} body {} code {}",
                    function.index,
                    location(m, function.body),
                    location(m, function.code)
                )
            }
            Command::Instructions(name, count) => {
                let (m, function) = self.function(&name)?;
                let offsets = self.modules[&m].instructions(&function, count as usize)?;
                let list: Vec<String> = offsets.iter().map(|pc| location(m, *pc)).collect();
                list.join(" ")
            }
            Command::Find(name, operator) => {
                let (m, function) = self.function(&name)?;
                location(m, self.modules[&m].find_instruction(&function, &operator)?)
            }
            Command::InstructionAt(m, pc) => self.module(m)?.instruction_at(pc)?,
            Command::Break(name) => {
                let (module, function) = self.function(&name)?;
                let pc = function.body;
                self.debuggee.add_breakpoint(CodeLocation { module, pc })?;
                format!("ok {}", location(module, pc))
            }
            Command::BreakAt(name, operator) => {
                let (module, function) = self.function(&name)?;
                let pc = self.modules[&module].find_instruction(&function, &operator)?;
                self.debuggee.add_breakpoint(CodeLocation { module, pc })?;
                format!("ok {}", location(module, pc))
            }
            Command::Unbreak(name) => {
                let (module, function) = self.function(&name)?;
                let pc = function.body;
                self.debuggee
                    .remove_breakpoint(CodeLocation { module, pc })?;
                format!("ok {}", location(module, pc))
            }
            Command::BreakPc(module, pc) => {
                d.add_breakpoint(CodeLocation { module, pc })?;
                "ok".into()
            }
            Command::UnbreakPc(module, pc) => {
                d.remove_breakpoint(CodeLocation { module, pc })?;
                "ok".into()
            }
            Command::Frames(max) => {
                let frames = d.frames(max)?;
                let mut list = Vec::new();
                for (i, frame) in frames.iter().enumerate() {
                    list.push(self.frame_text(i, frame));
                }
                list.join(" | ")
            }
            Command::Pc => self.pc()?,
            Command::Local(frame, index) => value_text(&d.local(frame, index)?),
            Command::Operand(frame, index) => value_text(&d.operand(frame, index)?),
            Command::MemorySize(instance, memory) => {
                let (size, page) = d.memory_size(instance, memory)?;
                format!("{size} bytes, page {page}")
            }
            Command::Read(instance, memory, address, length) => {
                hex(&d.read_memory(instance, memory, address, length)?)
            }
            Command::Write(instance, memory, address, bytes) => {
                d.write_memory(instance, memory, address, &bytes)?;
                "ok".into()
            }
            Command::ReadLocalPointer(frame, local, length) => {
                let (instance, address) = self.local_pointer(frame, local)?;
                hex(&self.debuggee.read_memory(instance, 0, address, length)?)
            }
            Command::WriteLocalPointer(frame, local, bytes) => {
                let (instance, address) = self.local_pointer(frame, local)?;
                self.debuggee.write_memory(instance, 0, address, &bytes)?;
                "ok".into()
            }
            Command::Global(instance, global) => value_text(&d.get_global(instance, global)?),
            Command::SetGlobal(instance, global, literal) => {
                let value = match literal {
                    Literal::I32(n) => Value::I32(n),
                    Literal::I64(n) => Value::I64(n),
                };
                d.set_global(instance, global, value)?;
                "ok".into()
            }
            Command::Watch(access, range) => {
                d.add_watchpoint(range, access)?;
                "ok".into()
            }
            Command::Unwatch(access, range) => {
                d.remove_watchpoint(range, access)?;
                "ok".into()
            }
            Command::TableSize(instance, table) => d.table_size(instance, table)?.to_string(),
            Command::Table(instance, table, index) => {
                value_text(&d.get_table(instance, table, index)?)
            }
            Command::Misbehave(misbehaviour) => misbehaviour.run(),
            Command::Listen => "not listening".into(),
        })
    }

    /// Blocks until the debuggee is not running.
    fn wait(&self) {
        self.not_running.block();
    }

    /// The innermost frame's location.
    fn pc(&self) -> Result<String, Failure> {
        let frames = self.debuggee.frames(1)?;
        let frame = frames.first().ok_or_else(|| "no frames".to_string())?;
        Ok(location(frame.location.module, frame.location.pc))
    }

    fn frame_text(&mut self, level: usize, frame: &Frame) -> String {
        // A module we cannot read or parse costs only the name.
        let name = self
            .module(frame.location.module)
            .ok()
            .and_then(|module| module.name(frame.function))
            .unwrap_or_else(|| "?".into());
        format!(
            "#{level} func {} ({name}) at {}, instance {}, locals {}, operands {}",
            frame.function,
            location(frame.location.module, frame.location.pc),
            frame.instance,
            frame.locals,
            frame.operands
        )
    }

    /// The instance of `frame` and the address held in its local `local`.
    fn local_pointer(&self, frame: u32, local: u32) -> Result<(u32, u64), Failure> {
        let frames = self.debuggee.frames(frame.saturating_add(1))?;
        let instance = frames.get(frame as usize).ok_or(Error::BadIndex)?.instance;
        let address = match self.debuggee.local(frame, local)? {
            Value::I32(address) => u64::from(address),
            Value::I64(address) => address,
            other => {
                return Err(format!("local holds {}, not an address", value_text(&other)).into());
            }
        };
        Ok((instance, address))
    }

    /// Module `index`, fetched and parsed on first use.
    fn module(&mut self, index: u32) -> Result<&Module, Failure> {
        if !self.modules.contains_key(&index) {
            let bytes = self.debuggee.bytecode(index)?;
            let module = Module::parse(bytes).map_err(|why| format!("module {index}: {why}"))?;
            self.modules.insert(index, module);
        }
        Ok(&self.modules[&index])
    }

    /// The first defined function called `name` and its module's index,
    /// searching the modules in order.
    fn function(&mut self, name: &str) -> Result<(u32, Function), Failure> {
        let count = self.debuggee.modules()?.len() as u32;
        for index in 0..count {
            if let Some(function) = self.module(index)?.find(name) {
                return Ok((index, function.clone()));
            }
        }
        Err(format!("no function `{name}`").into())
    }
}

fn location(module: u32, pc: u32) -> String {
    format!("{module}:{pc:#x}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Read => "read",
        Access::Write => "write",
        Access::ReadWrite => "read-write",
    }
}

fn error_name(error: Error) -> &'static str {
    match error {
        Error::NotPaused => "not-paused",
        Error::Exited => "exited",
        Error::BadIndex => "bad-index",
        Error::OutOfBounds => "out-of-bounds",
        Error::TypeMismatch => "type-mismatch",
        Error::Internal => "internal",
        Error::History => "history",
    }
}

fn state_text(state: &State) -> String {
    match state {
        State::Paused(stop) => format!("paused({})", stop_text(stop)),
        State::Running => "running".into(),
        State::Exited(status) => format!("exited({status})"),
    }
}

fn stop_text(stop: &Stop) -> String {
    match stop {
        Stop::Entry => "entry".into(),
        Stop::Breakpoint => "breakpoint".into(),
        Stop::Step => "step".into(),
        Stop::Interrupted => "interrupted".into(),
        Stop::Trap(description) => format!("trap({description})"),
        Stop::Watchpoint(hit) => format!(
            "watchpoint({} {:#x}+{} {})",
            access_name(hit.watching),
            hit.range.address,
            hit.range.length,
            access_name(hit.touched)
        ),
        Stop::Exception(Catcher::Caught) => "exception(caught)".into(),
        Stop::Exception(Catcher::Uncaught) => "exception(uncaught)".into(),
        Stop::Exception(Catcher::Unknown) => "exception(unknown)".into(),
        Stop::HistoryStart => "history-start".into(),
        Stop::Diverged(message) => format!("diverged({message})"),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::I32(n) => format!("i32:{}", *n as i32),
        Value::I64(n) => format!("i64:{}", *n as i64),
        Value::F32(bits) => format!("f32:{bits:#010x}"),
        Value::F64(bits) => format!("f64:{bits:#018x}"),
        Value::V128((low, high)) => format!("v128:0x{high:016x}{low:016x}"),
        Value::NullRef => "null-ref".into(),
        Value::NonNullRef => "non-null-ref".into(),
    }
}
