//! The debugger's breakpoints, and keeping Wasmtime's code patches true to them.
//!
//! Wasmtime 48 patches breakpoints into compiled code, looking sites up by
//! module-relative pc in one table per compiled artifact. A component's core
//! modules share one artifact, so a breakpoint at pc X patches the site at X
//! in every one of them, and two operations then get the shared patches
//! wrong: removing a breakpoint unpatches the other modules' breakpoints at
//! the same pc, and leaving single-step mode re-patches module by module,
//! so the last module's breakpoints decide every site. (The details, and a
//! reproduction: `docs/upstream/component-breakpoints.md`.)
//!
//! So after either of those we re-arm: every breakpoint leaves Wasmtime's
//! set and comes back, which patches each of its pcs again. Patched sites
//! in other modules are stops nobody asked for; the debug handler asks
//! `is_set` and runs on past them. Core modules take the same path, where
//! the re-arm costs a few table lookups.

use std::collections::BTreeMap;

use wasmtime::{AsContext, AsContextMut, Module, ModulePC, StoreContextMut};

use super::frames::Innermost;

/// One change to Wasmtime's breakpoint state.
pub enum Edit {
    Add(Module, u32),
    Remove(Module, u32),
    SingleStep(bool),
}

/// The breakpoints the debugger set, by (module id in the engine,
/// instruction pc), with how many times each was added. Wasmtime holds one
/// reference to each, whatever its count, so its own bookkeeping of
/// redirected pcs never sees a pc added twice.
#[derive(Default)]
pub struct Breakpoints {
    set: BTreeMap<(u64, u32), (Module, usize)>,
}

impl Breakpoints {
    /// Every breakpoint, with how many times it was added: what a replay
    /// of the program gets.
    pub fn list(&self) -> Vec<(Module, u32, usize)> {
        self.set
            .iter()
            .map(|(&(_, pc), (module, count))| (module.clone(), pc, *count))
            .collect()
    }

    /// Whether a breakpoint is set at `pc` of the module with this id.
    pub fn contains(&self, module: u64, pc: u32) -> bool {
        self.set.contains_key(&(module, pc))
    }

    /// Adds one reference to the breakpoint at `pc`, an instruction
    /// boundary of `module`, and returns what Wasmtime must do.
    pub fn add(&mut self, module: &Module, pc: u32) -> Vec<Edit> {
        let key = (module.debug_index_in_engine(), pc);
        let (_, count) = self.set.entry(key).or_insert((module.clone(), 0));
        *count += 1;
        match *count {
            1 => vec![Edit::Add(module.clone(), pc)],
            _ => Vec::new(),
        }
    }

    /// Takes one reference away (none if it is not set), and returns what
    /// Wasmtime must do: for the last one, remove it and re-arm the rest.
    pub fn remove(&mut self, module: &Module, pc: u32) -> Vec<Edit> {
        let key = (module.debug_index_in_engine(), pc);
        let Some((_, count)) = self.set.get_mut(&key) else {
            return Vec::new();
        };
        *count -= 1;
        if *count > 0 {
            return Vec::new();
        }
        self.set.remove(&key);
        let mut edits = vec![Edit::Remove(module.clone(), pc)];
        edits.extend(self.rearm(Vec::new()));
        edits
    }

    /// What Wasmtime must do to enter or leave single-step mode with these
    /// breakpoints kept.
    pub fn single_step(&self, enabled: bool) -> Vec<Edit> {
        match enabled {
            true => vec![Edit::SingleStep(true)],
            false => self.rearm(vec![Edit::SingleStep(false)]),
        }
    }

    /// What Wasmtime must do to bring a fresh store to these breakpoints,
    /// in single-step mode or not.
    pub fn arm(&self, single_step: bool) -> Vec<Edit> {
        let mode = single_step.then_some(Edit::SingleStep(true));
        mode.into_iter().chain(self.each(Edit::Add)).collect()
    }

    /// Forgets every breakpoint, and returns what Wasmtime must do.
    pub fn clear(&mut self) -> Vec<Edit> {
        let set = std::mem::take(&mut self.set);
        set.into_iter()
            .map(|((_, pc), (module, _))| Edit::Remove(module, pc))
            .collect()
    }

    /// Every breakpoint out of Wasmtime's set, then `between`, then every
    /// breakpoint back in: each pc is patched afresh.
    fn rearm(&self, between: Vec<Edit>) -> Vec<Edit> {
        self.each(Edit::Remove)
            .chain(between)
            .chain(self.each(Edit::Add))
            .collect()
    }

    /// `edit` of every breakpoint.
    fn each(&self, edit: fn(Module, u32) -> Edit) -> impl Iterator<Item = Edit> + '_ {
        self.set
            .iter()
            .map(move |(&(_, pc), (module, _))| edit(module.clone(), pc))
    }
}

/// Applies `edits` to a store that is not running (paused, or not started)
/// in one editing session, so the code is re-published once.
pub fn apply<T>(store: &mut StoreContextMut<'_, T>, edits: Vec<Edit>) -> wasmtime::Result<()> {
    if edits.is_empty() {
        return Ok(());
    }
    let Some(mut session) = store.as_context_mut().edit_breakpoints() else {
        wasmtime::bail!("the engine was not configured for guest debugging");
    };
    for edit in edits {
        match edit {
            Edit::Add(module, pc) => session.add_breakpoint(&module, ModulePC::new(pc))?,
            Edit::Remove(module, pc) => session.remove_breakpoint(&module, ModulePC::new(pc))?,
            Edit::SingleStep(enabled) => session.single_step(enabled)?,
        }
    }
    Ok(())
}

/// Whether Wasmtime holds a breakpoint where the innermost frame, `here`,
/// is. False at a site patched for another module's breakpoint (see above).
pub fn is_set<T>(store: &mut StoreContextMut<'_, T>, here: &Innermost) -> bool {
    let (module, pc) = (here.module.debug_index_in_engine(), here.pc);
    match store.as_context().breakpoints() {
        Some(mut set) => {
            set.any(|point| point.pc.raw() == pc && point.module.debug_index_in_engine() == module)
        }
        None => false,
    }
}
