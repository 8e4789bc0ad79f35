//! The modules and instances the debugger has been told about, under the
//! indices it was given: both lists only grow, so an index, once given
//! out, always means the same thing. An instance lives in one of the
//! program's stores; once the program has moved on to another (a server,
//! at its next request), the instance is gone but keeps its index.

use wasmtime::{AsContextMut, Instance, Module};

use super::execution::{Execution, Failure};
use super::frames::Paused;

/// The debugger's view of the program's modules and instances.
pub struct Inventory {
    /// The program's file name (`app.wasm`), which names its modules.
    program: String,
    /// Whether the program is a component, whose core modules each need a
    /// name of their own.
    component: bool,
    modules: Vec<KnownModule>,
    instances: Vec<KnownInstance>,
}

pub struct KnownModule {
    pub module: Module,
    /// Unique in the program, and the same in every session: see `name`.
    pub name: String,
    /// How many functions it imports (counting them walks the import list,
    /// too slow to repeat for every frame).
    imported_functions: u32,
}

/// An instance with its module's index and the sizes of its index spaces.
#[derive(Clone, Copy)]
pub struct KnownInstance {
    pub instance: Instance,
    /// The number of the store it lives in (see `Mailbox::store_number`).
    pub store: u64,
    pub module: u32,
    pub memories: u32,
    pub globals: u32,
    pub tables: u32,
    pub functions: u32,
}

impl Inventory {
    pub fn new(program: String, component: bool) -> Inventory {
        Inventory {
            program,
            component,
            modules: Vec::new(),
            instances: Vec::new(),
        }
    }

    /// Brings both lists up to date with the paused program. Paused only.
    pub fn refresh<T: Send + 'static>(
        &mut self,
        execution: &mut Execution<T>,
    ) -> Result<(), Failure> {
        // The list's newest instances are those of the store it last saw;
        // of those, the one last made (instances are numbered in order).
        let store = execution.store_number();
        let newest = self
            .instances
            .last()
            .filter(|known| known.store == store)
            .map(|known| known.instance.debug_index_in_store());
        let (modules, new_instances) = execution.with_paused(move |paused| {
            let modules = paused.store.as_context_mut().debug_all_modules();
            let instances = paused.store.as_context_mut().debug_all_instances();
            let new_instances: Vec<_> = instances
                .into_iter()
                .filter(|instance| {
                    newest.is_none_or(|newest| instance.debug_index_in_store() > newest)
                })
                .map(|instance| {
                    let module = instance.module(&paused.store).clone();
                    let sizes = index_space_sizes(paused, &instance);
                    (instance, module, sizes)
                })
                .collect();
            Ok::<_, Failure>((modules, new_instances))
        })?;
        for module in &modules {
            self.module_index(module);
        }
        for (instance, module, (memories, globals, tables, functions)) in new_instances {
            let module = self.module_index(&module);
            self.instances.push(KnownInstance {
                instance,
                store,
                module,
                memories,
                globals,
                tables,
                functions,
            });
        }
        Ok(())
    }

    /// The index of `module`, adding it to the list if it is new.
    pub fn module_index(&mut self, module: &Module) -> u32 {
        let id = module.debug_index_in_engine();
        let known = self
            .modules
            .iter()
            .position(|known| known.module.debug_index_in_engine() == id);
        let index = known.unwrap_or_else(|| {
            let name = self.name(module);
            self.modules.push(KnownModule {
                module: module.clone(),
                name,
                imported_functions: imported_functions(module),
            });
            self.modules.len() - 1
        });
        index as u32
    }

    /// The name of the module about to join the list: the program file's
    /// name for a core module program; for a component's core modules, the
    /// file's stem and the module's own name (from its name section, made
    /// file-name safe) or else its index: `app.main.wasm`, `app.module2.wasm`.
    /// LLDB shows it in `image list` and every frame, and takes two modules
    /// of one name for one.
    fn name(&self, module: &Module) -> String {
        if !self.component {
            return self.program.clone();
        }
        let index = self.modules.len();
        let stem = self
            .program
            .rsplit_once('.')
            .map_or(self.program.as_str(), |(stem, _)| stem);
        let own = module
            .name()
            .map(|name| name.strip_suffix(".wasm").unwrap_or(name))
            .map(file_name_safe)
            .filter(|name| !name.is_empty());
        let candidate = match own {
            Some(own) => format!("{stem}.{own}.wasm"),
            None => format!("{stem}.module{index}.wasm"),
        };
        match self.modules.iter().any(|known| known.name == candidate) {
            true => format!("{stem}.module{index}.wasm"),
            false => candidate,
        }
    }

    /// The index of `instance`, of store number `store`, if the list has it.
    pub fn instance_index(&self, instance: Instance, store: u64) -> Option<u32> {
        let id = instance.debug_index_in_store();
        // The newest first: a frame's instance is of the current store.
        let index = self.instances.iter().rposition(|known| {
            known.store == store && known.instance.debug_index_in_store() == id
        })?;
        Some(index as u32)
    }

    pub fn modules(&self) -> &[KnownModule] {
        &self.modules
    }

    pub fn module(&self, index: u32) -> Option<&Module> {
        Some(&self.modules.get(index as usize)?.module)
    }

    /// How many functions module `index` imports: they come first in its
    /// function index space, before the functions it defines.
    pub fn imported_functions(&self, index: u32) -> u32 {
        self.modules
            .get(index as usize)
            .map_or(0, |known| known.imported_functions)
    }

    pub fn instances(&self) -> &[KnownInstance] {
        &self.instances
    }

    pub fn instance(&self, index: u32) -> Option<&KnownInstance> {
        self.instances.get(index as usize)
    }
}

/// `name` with every character a file name might choke on made a `-`.
fn file_name_safe(name: &str) -> String {
    name.chars()
        .map(
            |c| match c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                true => c,
                false => '-',
            },
        )
        .collect()
}

fn imported_functions(module: &Module) -> u32 {
    module
        .imports()
        .filter(|import| matches!(import.ty(), wasmtime::ExternType::Func(_)))
        .count() as u32
}

/// Sizes of an instance's index spaces: memories, globals, tables and
/// functions. Wasmtime answers "is there an item at this index", so find
/// each size by doubling, then bisecting.
fn index_space_sizes<T>(paused: &mut Paused<'_, T>, instance: &Instance) -> (u32, u32, u32, u32) {
    let store = &mut paused.store;
    let memories = count_items(|i| instance.debug_memory(&mut *store, i).is_some());
    let globals = count_items(|i| instance.debug_global(&mut *store, i).is_some());
    let tables = count_items(|i| instance.debug_table(&mut *store, i).is_some());
    let functions = count_items(|i| instance.debug_function(&mut *store, i).is_some());
    (memories, globals, tables, functions)
}

/// The number of items in an index space, given a test for one index.
fn count_items(mut exists: impl FnMut(u32) -> bool) -> u32 {
    if !exists(0) {
        return 0;
    }
    // Invariant: `low` exists, `high` does not (or is past u32's range).
    let mut low: u64 = 0;
    let mut high: u64 = 1;
    while high <= u64::from(u32::MAX) && exists(high as u32) {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if exists(middle as u32) {
            low = middle;
        } else {
            high = middle;
        }
    }
    high as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_safe_names() {
        assert_eq!(file_name_safe("wit-component:shim"), "wit-component-shim");
        assert_eq!(file_name_safe("main_1.x"), "main_1.x");
        assert_eq!(file_name_safe("a b/c"), "a-b-c");
    }

    #[test]
    fn counts_index_spaces_of_any_size() {
        for size in [0u32, 1, 2, 3, 7, 8, 9, 100, 1000, 65_537] {
            let mut probes = 0;
            let counted = count_items(|index| {
                probes += 1;
                index < size
            });
            assert_eq!(counted, size);
            assert!(probes <= 2 * 32 + 2, "{probes} probes for {size}");
        }
    }
}
