//! Watchpoints: stopping right after an instruction touches watched memory.
//!
//! Nothing in Wasmtime watches memory, so while a watchpoint is set a
//! `continue` runs in single-step mode and the debug handler looks at each
//! instruction before it runs (`Watches::check`), in the host: no network
//! round trip per instruction. An instruction whose decoded access
//! (`accesses`) overlaps a watched range is reported at the next event,
//! once it has run. Write watchpoints also compare the watched bytes with
//! a copy at every event, which catches what no decoded instruction shows:
//! a host call filling a buffer, an atomic read-modify-write.

use std::collections::HashMap;
use std::sync::Arc;

use wasmtime::{AsContext, AsContextMut, FrameHandle, Instance, StoreContextMut};

use super::accesses::{self, Access, Size};
use super::frames::Innermost;
use super::panics::contain;

/// What a watchpoint waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Read,
    Write,
    ReadWrite,
}

/// A watched range of one instance's memory, as the debugger set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub instance: Instance,
    /// The number of the store the instance lives in.
    pub store: u64,
    /// The instance's module, by id in the engine: in a later store the
    /// watchpoint follows the newest instance of it.
    pub module: u64,
    /// In the instance's memory index space.
    pub memory: u32,
    pub address: u64,
    pub length: u64,
}

/// A watchpoint that went off: its range, and how the memory was touched
/// (`Read` or `Write`).
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub range: Range,
    pub kind: Kind,
    pub access: Kind,
}

struct Watchpoint {
    range: Range,
    kind: Kind,
    /// How many times the debugger set it.
    count: usize,
    /// The watched bytes as of the last event, for write watchpoints.
    copy: Vec<u8>,
    /// The instance whose memory it watches in the current store: the one
    /// it was set on, or, in a later store, the newest instance of the same
    /// module; `None` until the store has one.
    watched: Option<Instance>,
}

/// The watchpoints set, and what checking them needs.
#[derive(Default)]
pub struct Watches {
    set: Vec<Watchpoint>,
    /// Decoded memory accesses, by module id in the engine.
    accesses: HashMap<u64, Arc<HashMap<u32, Vec<Access>>>>,
    /// An access found before its instruction ran, reported after.
    pending: Option<Hit>,
}

impl Watches {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Every watchpoint, with how many times it was set: what a replay of
    /// the program gets.
    pub fn list(&self) -> Vec<(Range, Kind, usize)> {
        self.set
            .iter()
            .map(|watch| (watch.range, watch.kind, watch.count))
            .collect()
    }

    /// The program has moved to a new store (a server, to its next
    /// request): each watchpoint follows its module there.
    pub fn enter_store(&mut self) {
        self.pending = None;
        for watch in &mut self.set {
            watch.watched = None;
            watch.copy.clear();
        }
    }

    /// Gives each watchpoint that has no instance in the current store the
    /// newest instance of its module there, if there is one yet, and copies
    /// its bytes.
    fn follow<T>(&mut self, store: &mut StoreContextMut<'_, T>) {
        if self.set.iter().all(|watch| watch.watched.is_some()) {
            return;
        }
        let instances =
            contain(|| store.as_context_mut().debug_all_instances()).unwrap_or_default();
        for watch in self.set.iter_mut().filter(|watch| watch.watched.is_none()) {
            let newest = instances.iter().rev().find(|instance| {
                instance.module(&*store).debug_index_in_engine() == watch.range.module
            });
            if let Some(&instance) = newest {
                watch.watched = Some(instance);
                watch.copy = watched_bytes(store, instance, &watch.range);
            }
        }
    }

    /// Adds one reference to a watchpoint; `store` is the number of the
    /// program's current store.
    pub fn add(&mut self, range: Range, kind: Kind, store: u64) {
        match self.find(&range, kind) {
            Some(index) => self.set[index].count += 1,
            None => self.set.push(Watchpoint {
                range,
                kind,
                count: 1,
                copy: Vec::new(),
                watched: (range.store == store).then_some(range.instance),
            }),
        }
    }

    /// Takes one reference away; nothing if it is not set.
    pub fn remove(&mut self, range: &Range, kind: Kind) {
        if let Some(index) = self.find(range, kind) {
            self.set[index].count -= 1;
            if self.set[index].count == 0 {
                self.set.remove(index);
            }
        }
    }

    pub fn clear(&mut self) {
        self.set.clear();
        self.pending = None;
    }

    fn find(&self, range: &Range, kind: Kind) -> Option<usize> {
        self.set
            .iter()
            .position(|watch| watch.range == *range && watch.kind == kind)
    }

    /// Copies the watched bytes afresh: the debugger may have written them
    /// while the program was paused. Call before every resume.
    pub fn refresh<T>(&mut self, store: &mut StoreContextMut<'_, T>) {
        self.pending = None;
        self.follow(store);
        for watch in &mut self.set {
            if let Some(instance) = watch.watched {
                watch.copy = watched_bytes(store, instance, &watch.range);
            }
        }
    }

    /// At an event in single-step mode, before the next instruction runs
    /// (in frame `here`, if Wasmtime could tell): the watchpoint the last
    /// instruction set off, if any.
    pub fn check<T>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        here: Option<&Innermost>,
    ) -> Option<Hit> {
        self.follow(store);
        if let Some(hit) = self.pending.take() {
            self.refresh(store);
            return Some(hit);
        }
        if let Some(hit) = self.changed(store) {
            self.refresh(store);
            return Some(hit);
        }
        self.pending = here.and_then(|here| self.about_to_touch(store, here));
        None
    }

    /// A write watchpoint whose bytes differ from the copy.
    fn changed<T>(&mut self, store: &mut StoreContextMut<'_, T>) -> Option<Hit> {
        self.set
            .iter()
            .filter(|watch| watch.kind != Kind::Read)
            .find(|watch| {
                watch.watched.is_some_and(|instance| {
                    watched_bytes(store, instance, &watch.range) != watch.copy
                })
            })
            .map(|watch| Hit {
                range: watch.range,
                kind: watch.kind,
                access: Kind::Write,
            })
    }

    /// The watchpoint the instruction about to run, in frame `here`,
    /// touches, if any.
    fn about_to_touch<T>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        here: &Innermost,
    ) -> Option<Hit> {
        let Innermost {
            frame,
            instance,
            module,
            pc,
        } = here;
        let table = self
            .accesses
            .entry(module.debug_index_in_engine())
            .or_insert_with(|| {
                let bytecode = module.debug_bytecode().unwrap_or_default();
                Arc::new(accesses::memory_accesses(bytecode))
            })
            .clone();
        for access in table.get(pc)? {
            let (start, length) = operand_range(store, frame, access)?;
            let access_kind = if access.write {
                Kind::Write
            } else {
                Kind::Read
            };
            let touched = self.set.iter().find(|watch| {
                watch.watched.is_some_and(|watched| {
                    watched.debug_index_in_store() == instance.debug_index_in_store()
                }) && watch.range.memory == access.memory
                    && matches!(
                        (watch.kind, access_kind),
                        (Kind::ReadWrite, _)
                            | (Kind::Read, Kind::Read)
                            | (Kind::Write, Kind::Write)
                    )
                    && overlaps(start, length, watch.range.address, watch.range.length)
            });
            if let Some(watch) = touched {
                return Some(Hit {
                    range: watch.range,
                    kind: watch.kind,
                    access: access_kind,
                });
            }
        }
        None
    }
}

/// The address range an access covers, from the frame's operand stack.
fn operand_range<T>(
    store: &mut StoreContextMut<'_, T>,
    frame: &FrameHandle,
    access: &Access,
) -> Option<(u64, u64)> {
    let mut operand = |depth: u32| -> Option<u64> {
        let count = frame.num_stacks(store.as_context_mut()).ok()?;
        let index = count.checked_sub(depth + 1)?;
        match contain(|| frame.stack(store.as_context_mut(), index))
            .ok()?
            .ok()?
        {
            wasmtime::Val::I32(value) => Some(u64::from(value as u32)),
            wasmtime::Val::I64(value) => Some(value as u64),
            _ => None,
        }
    };
    let start = operand(access.address)?.checked_add(access.offset)?;
    let length = match access.size {
        Size::Bytes(length) => length,
        Size::Operand(depth) => operand(depth)?,
    };
    Some((start, length))
}

fn overlaps(start: u64, length: u64, watched: u64, watched_length: u64) -> bool {
    length > 0
        && watched_length > 0
        && start < watched.saturating_add(watched_length)
        && watched < start.saturating_add(length)
}

/// The bytes of `range` in `instance`'s memory that lie inside it (none if
/// it has no such memory).
fn watched_bytes<T>(
    store: &mut StoreContextMut<'_, T>,
    instance: Instance,
    range: &Range,
) -> Vec<u8> {
    let Some(memory) = instance.debug_memory(store.as_context_mut(), range.memory) else {
        return Vec::new();
    };
    let data = memory.data(store.as_context());
    let start = usize::try_from(range.address)
        .unwrap_or(usize::MAX)
        .min(data.len());
    let end = usize::try_from(range.address.saturating_add(range.length))
        .unwrap_or(usize::MAX)
        .min(data.len());
    data[start..end].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_ranges() {
        assert!(overlaps(0, 4, 3, 1));
        assert!(overlaps(3, 1, 0, 4));
        assert!(!overlaps(0, 4, 4, 4));
        assert!(!overlaps(4, 4, 0, 4));
        assert!(!overlaps(0, 0, 0, 4), "an empty access touches nothing");
        assert!(overlaps(u64::MAX - 1, 8, u64::MAX - 1, 1));
    }
}
