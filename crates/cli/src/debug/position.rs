//! Where a paused program is in its run, in terms that a replay of the run
//! can recognize: the time travel's coordinates.
//!
//! The clock is the store's fuel. Wasmtime counts it per instruction but
//! writes it to the store only at calls, returns and its periodic fuel
//! checks (at most `FUEL_WINDOW` apart), so at a stop it says which stretch
//! of call-free code the program is in, and it is the same in a replay at
//! the same point. Inside one stretch a loop can pass the same pc many
//! times with the same clock; those passes differ in the frame's values
//! or memory, which `Fingerprint` hashes. Two passes that agree on all of
//! it are the same state of a loop that makes no progress, and showing
//! either is true.

use wasmtime::{AsContextMut, Module, Val};

use super::frames::Paused;

/// The fuel between two of Wasmtime's periodic fuel checks: the longest a
/// stretch of call-free code goes without the clock moving.
pub const FUEL_WINDOW: u64 = 10_000;

/// The fuel a debuggee store starts with: enough never to run out.
pub const FUEL: u64 = u64::MAX;

/// The place and clock of a stop, before the costlier fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Here {
    /// Fuel left, as last written to the store.
    pub clock: u64,
    /// The innermost frame's module (its id in the engine) and pc.
    pub module: u64,
    pub pc: u32,
}

/// Where the paused program is, and the innermost frame's module, or
/// `None` when it has no Wasm frame.
pub fn here<T>(paused: &mut Paused<'_, T>) -> wasmtime::Result<Option<(Here, Module)>> {
    let clock = paused.store.get_fuel()?;
    let Some(frame) = paused.frame(0)? else {
        return Ok(None);
    };
    let store = &mut paused.store;
    let Some((_, pc)) = frame.wasm_function_index_and_pc(store.as_context_mut())? else {
        return Ok(None);
    };
    let instance = frame.instance(store.as_context_mut())?;
    let module = instance.module(&*store).clone();
    let here = Here {
        clock,
        module: module.debug_index_in_engine(),
        pc: pc.raw(),
    };
    Ok(Some((here, module)))
}

/// A hash of everything a call-free stretch of code can change, in two
/// parts, the cheap one first: the innermost frame's locals and operands
/// and its instance's globals; then its instance's memories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub frame: u64,
    pub memory: u64,
}

/// The fingerprint's first part (see `Fingerprint`).
pub fn frame_fingerprint<T>(paused: &mut Paused<'_, T>) -> wasmtime::Result<u64> {
    let mut hash = Hash::default();
    let Some(frame) = paused.frame(0)? else {
        return Ok(0);
    };
    let store = &mut paused.store;
    for index in 0..frame.num_locals(store.as_context_mut())? {
        hash.value(&frame.local(store.as_context_mut(), index)?);
    }
    for index in 0..frame.num_stacks(store.as_context_mut())? {
        hash.value(&frame.stack(store.as_context_mut(), index)?);
    }
    let instance = frame.instance(store.as_context_mut())?;
    let mut index = 0;
    while let Some(global) = instance.debug_global(store.as_context_mut(), index) {
        hash.value(&global.get(store.as_context_mut()));
        index += 1;
    }
    Ok(hash.0)
}

/// The fingerprint's second part (see `Fingerprint`).
pub fn memory_fingerprint<T>(paused: &mut Paused<'_, T>) -> wasmtime::Result<u64> {
    let mut hash = Hash::default();
    let Some(frame) = paused.frame(0)? else {
        return Ok(0);
    };
    let store = &mut paused.store;
    let instance = frame.instance(store.as_context_mut())?;
    let mut index = 0;
    while let Some(memory) = instance.debug_memory(store.as_context_mut(), index) {
        hash.bytes(memory.data(&*store));
        index += 1;
    }
    Ok(hash.0)
}

/// A fast, non-cryptographic hash (a multiply-rotate over 8-byte words):
/// it only has to tell a loop's passes apart.
#[derive(Default)]
struct Hash(u64);

impl Hash {
    fn word(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.word(bytes.len() as u64);
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut array = [0; 8];
            array.copy_from_slice(word);
            self.word(u64::from_le_bytes(array));
        }
        for &byte in words.remainder() {
            self.word(u64::from(byte));
        }
    }

    fn value(&mut self, value: &Val) {
        match value {
            Val::I32(value) => self.word(*value as u32 as u64),
            Val::I64(value) => self.word(*value as u64),
            Val::F32(bits) => self.word(u64::from(*bits)),
            Val::F64(bits) => self.word(*bits),
            Val::V128(bits) => {
                let bits = bits.as_u128();
                self.word(bits as u64);
                self.word((bits >> 64) as u64);
            }
            // A reference's identity is not comparable across stores; its
            // presence is.
            other => self.word(u64::from(other.ref_().is_some_and(|r| !r.is_null()))),
        }
    }
}
