//! The command language: one command per debugger argument, parsed before any of them runs.

use crate::misbehave::Misbehaviour;
use crate::wasmdebug::debugger::debuggee::{Access, MemoryRange};

/// One command; see the crate documentation for what each prints.
#[derive(Debug)]
pub enum Command {
    State,
    Wait,
    Continue,
    Resume,
    Step(u32),
    ReverseContinue,
    ReverseStep,
    CanReverse,
    Interrupt,
    Kill,
    StopAtThrows(bool),
    Sleep(u64),
    Modules,
    BytecodeMagic(u32),
    Instances,
    FuncStart(String),
    Instructions(String, u32),
    InstructionAt(u32, u32),
    Find(String, String),
    Break(String),
    BreakAt(String, String),
    Unbreak(String),
    BreakPc(u32, u32),
    UnbreakPc(u32, u32),
    Frames(u32),
    Pc,
    Local(u32, u32),
    Operand(u32, u32),
    MemorySize(u32, u32),
    Read(u32, u32, u64, u32),
    Write(u32, u32, u64, Vec<u8>),
    ReadLocalPointer(u32, u32, u32),
    WriteLocalPointer(u32, u32, Vec<u8>),
    Global(u32, u32),
    SetGlobal(u32, u32, Literal),
    TableSize(u32, u32),
    Watch(Access, MemoryRange),
    Unwatch(Access, MemoryRange),
    Table(u32, u32, u64),
    Misbehave(Misbehaviour),
    /// The runtime's `listen=ADDR` under `-g`; we do not listen.
    Listen,
}

/// A value written by the script, as `i32:N` or `i64:N` (N decimal, signed or not).
#[derive(Debug, Clone, Copy)]
pub enum Literal {
    I32(u32),
    I64(u64),
}

/// Parses every argument, so a typo stops the script before it touches the debuggee.
pub fn parse(args: &[String]) -> Result<Vec<Command>, String> {
    args.iter()
        .enumerate()
        .map(|(i, arg)| {
            parse_command(arg).map_err(|why| format!("command {} `{arg}`: {why}", i + 1))
        })
        .collect()
}

fn parse_command(text: &str) -> Result<Command, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((&name, operands)) = words.split_first() else {
        return Err("empty command".into());
    };
    let want = |count: usize| {
        if operands.len() == count {
            Ok(())
        } else {
            Err(format!("`{name}` takes {count} operand(s)"))
        }
    };
    let n32 = |i: usize| {
        number(operands[i])
            .and_then(|n| u32::try_from(n).map_err(|_| format!("`{}` is too large", operands[i])))
    };
    let n64 = |i: usize| number(operands[i]);
    let command = match name {
        "state" => want(0).map(|()| Command::State),
        "wait" => want(0).map(|()| Command::Wait),
        "continue" => want(0).map(|()| Command::Continue),
        "resume" => want(0).map(|()| Command::Resume),
        "step" if operands.is_empty() => Ok(Command::Step(1)),
        "step" => want(1).and_then(|()| Ok(Command::Step(n32(0)?))),
        "reverse-continue" => want(0).map(|()| Command::ReverseContinue),
        "reverse-step" => want(0).map(|()| Command::ReverseStep),
        "can-reverse" => want(0).map(|()| Command::CanReverse),
        "interrupt" => want(0).map(|()| Command::Interrupt),
        "kill" => want(0).map(|()| Command::Kill),
        "stop-at-throws" => want(1).and_then(|()| match operands[0] {
            "on" => Ok(Command::StopAtThrows(true)),
            "off" => Ok(Command::StopAtThrows(false)),
            other => Err(format!("`{other}` is neither `on` nor `off`")),
        }),
        "sleep" => want(1).and_then(|()| Ok(Command::Sleep(n64(0)?))),
        "modules" => want(0).map(|()| Command::Modules),
        "bytecode-magic" => want(1).and_then(|()| Ok(Command::BytecodeMagic(n32(0)?))),
        "instances" => want(0).map(|()| Command::Instances),
        "func-start" => want(1).map(|()| Command::FuncStart(operands[0].into())),
        "instructions" => {
            want(2).and_then(|()| Ok(Command::Instructions(operands[0].into(), n32(1)?)))
        }
        "find" => want(2).map(|()| Command::Find(operands[0].into(), operands[1].into())),
        "instruction-at" => code_location(operands).map(|(m, pc)| Command::InstructionAt(m, pc)),
        "break" => want(1).map(|()| Command::Break(operands[0].into())),
        "break-at" => want(2).map(|()| Command::BreakAt(operands[0].into(), operands[1].into())),
        "unbreak" => want(1).map(|()| Command::Unbreak(operands[0].into())),
        "break-pc" => code_location(operands).map(|(m, pc)| Command::BreakPc(m, pc)),
        "unbreak-pc" => code_location(operands).map(|(m, pc)| Command::UnbreakPc(m, pc)),
        "frames" if operands.is_empty() => Ok(Command::Frames(u32::MAX)),
        "frames" => want(1).and_then(|()| Ok(Command::Frames(n32(0)?))),
        "pc" => want(0).map(|()| Command::Pc),
        "local" => want(2).and_then(|()| Ok(Command::Local(n32(0)?, n32(1)?))),
        "operand" => want(2).and_then(|()| Ok(Command::Operand(n32(0)?, n32(1)?))),
        "memory-size" => want(2).and_then(|()| Ok(Command::MemorySize(n32(0)?, n32(1)?))),
        "read" => want(4).and_then(|()| Ok(Command::Read(n32(0)?, n32(1)?, n64(2)?, n32(3)?))),
        "write" => {
            want(4).and_then(|()| Ok(Command::Write(n32(0)?, n32(1)?, n64(2)?, hex(operands[3])?)))
        }
        "read-local-pointer" => {
            want(3).and_then(|()| Ok(Command::ReadLocalPointer(n32(0)?, n32(1)?, n32(2)?)))
        }
        "write-local-pointer" => want(3).and_then(|()| {
            Ok(Command::WriteLocalPointer(
                n32(0)?,
                n32(1)?,
                hex(operands[2])?,
            ))
        }),
        "global" => want(2).and_then(|()| Ok(Command::Global(n32(0)?, n32(1)?))),
        "set-global" => {
            want(3).and_then(|()| Ok(Command::SetGlobal(n32(0)?, n32(1)?, literal(operands[2])?)))
        }
        "watch" => {
            want(5).and_then(|()| Ok(Command::Watch(access(operands[0])?, range(operands)?)))
        }
        "unwatch" => {
            want(5).and_then(|()| Ok(Command::Unwatch(access(operands[0])?, range(operands)?)))
        }
        "table-size" => want(2).and_then(|()| Ok(Command::TableSize(n32(0)?, n32(1)?))),
        "table" => want(3).and_then(|()| Ok(Command::Table(n32(0)?, n32(1)?, n64(2)?))),
        "misbehave" => Misbehaviour::parse(operands).map(Command::Misbehave),
        _ if name.starts_with("listen=") => want(0).map(|()| Command::Listen),
        _ => Err(format!("unknown command `{name}`")),
    }?;
    Ok(command)
}

/// A code location, written as printed (`M:0xPC`) or as two operands `M PC`.
fn code_location(operands: &[&str]) -> Result<(u32, u32), String> {
    let (module, pc) = match operands {
        [location] => location
            .split_once(':')
            .ok_or_else(|| format!("`{location}` is not `M:PC`"))?,
        [module, pc] => (*module, *pc),
        _ => return Err("expected `M:PC` or `M PC`".into()),
    };
    let small = |text: &str| {
        number(text).and_then(|n| u32::try_from(n).map_err(|_| format!("`{text}` is too large")))
    };
    Ok((small(module)?, small(pc)?))
}

/// A decimal or `0x` hexadecimal number.
fn number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(digits) => u64::from_str_radix(digits, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not a number"))
}

fn hex(text: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("`{text}` is not an even number of hex digits");
    if !text.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|byte| u8::from_str_radix(byte, 16).ok())
                .ok_or_else(bad)
        })
        .collect()
}

fn literal(text: &str) -> Result<Literal, String> {
    let bad = || format!("`{text}` is not `i32:N` or `i64:N`");
    let (kind, digits) = text.split_once(':').ok_or_else(bad)?;
    // Negative numbers are written as such and stored as their two's complement.
    let value: i128 = digits.parse().map_err(|_| bad())?;
    match kind {
        "i32" if (i32::MIN as i128..=u32::MAX as i128).contains(&value) => {
            Ok(Literal::I32(value as u32))
        }
        "i64" if (i64::MIN as i128..=u64::MAX as i128).contains(&value) => {
            Ok(Literal::I64(value as u64))
        }
        _ => Err(bad()),
    }
}

fn access(text: &str) -> Result<Access, String> {
    match text {
        "read" => Ok(Access::Read),
        "write" => Ok(Access::Write),
        "read-write" => Ok(Access::ReadWrite),
        _ => Err(format!("`{text}` is not `read`, `write` or `read-write`")),
    }
}

/// `KIND INSTANCE MEMORY ADDRESS LENGTH`: the range of a watch command.
fn range(operands: &[&str]) -> Result<MemoryRange, String> {
    let small = |text: &str| {
        number(text).and_then(|n| u32::try_from(n).map_err(|_| format!("`{text}` is too large")))
    };
    Ok(MemoryRange {
        instance: small(operands[1])?,
        memory: small(operands[2])?,
        address: number(operands[3])?,
        length: number(operands[4])?,
    })
}
