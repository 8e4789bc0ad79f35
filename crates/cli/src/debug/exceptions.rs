//! Whether a thrown Wasm exception will be caught, known at the throw.
//!
//! Wasmtime raises `DebugEvent::Exception` at the throw, before it looks
//! for a handler, so a debugger that stops only at exceptions nothing
//! catches must make that search itself. Wasmtime's search (48.0.8,
//! `vm/throw.rs`) covers the innermost activation only: its frames from the
//! innermost out, and in each the handlers around the frame's pc, innermost
//! first, each `try_table`'s clauses in order. We make the same search over
//! the bytecode: the `try_table` blocks around the throw, and around the
//! call each outer frame waits in.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use wasmparser::{Catch, Operator};
use wasmtime::{AsContextMut, ExnRef, Module, StoreContextMut, Tag};

use super::bytecode;
use super::panics::contain;

/// What a thrown exception will meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Caught,
    Uncaught,
    /// Wasmtime could not show the stack (the reason is on stderr).
    Unknown,
}

/// A `try_table` block: the pcs its body spans and its catch clauses.
struct TryBlock {
    body: Range<u32>,
    catches: Vec<Catch>,
}

/// The `try_table` blocks of each module that threw or caught so far, by
/// module id in the engine: read from the bytecode once per module.
#[derive(Default)]
pub struct Handlers {
    by_module: HashMap<u64, Arc<Vec<TryBlock>>>,
}

impl Handlers {
    /// What `exception`, thrown by the innermost frame of `store`'s paused
    /// stack, will meet.
    pub fn fate<T>(&mut self, store: &mut StoreContextMut<'_, T>, exception: &ExnRef) -> Fate {
        match contain(|| self.search(store, exception)) {
            Ok(Ok(true)) => Fate::Caught,
            Ok(Ok(false)) => Fate::Uncaught,
            Ok(Err(error)) => {
                eprintln!("error: cannot tell whether an exception is caught: {error:#}");
                Fate::Unknown
            }
            Err(message) => {
                eprintln!("error: Wasmtime panicked looking for an exception's handler: {message}");
                Fate::Unknown
            }
        }
    }

    fn search<T>(
        &mut self,
        store: &mut StoreContextMut<'_, T>,
        exception: &ExnRef,
    ) -> wasmtime::Result<bool> {
        let thrown = exception.tag(&mut *store)?;
        let mut next = store.debug_exit_frames().next();
        while let Some(frame) = next {
            if let Some((_, pc)) = frame.wasm_function_index_and_pc(&mut *store)?
                && let Some(module) = frame.module(store.as_context_mut())?
            {
                let blocks = self.blocks(module);
                let instance = frame.instance(&mut *store)?;
                for block in enclosing(&blocks, pc.raw()) {
                    for catch in &block.catches {
                        let tag = match *catch {
                            Catch::All { .. } | Catch::AllRef { .. } => return Ok(true),
                            Catch::One { tag, .. } | Catch::OneRef { tag, .. } => tag,
                        };
                        let caught = instance
                            .debug_tag(&mut *store, tag)
                            .is_some_and(|tag| Tag::eq(&tag, &thrown, &*store));
                        if caught {
                            return Ok(true);
                        }
                    }
                }
            }
            next = frame.parent(&mut *store)?;
        }
        Ok(false)
    }

    fn blocks(&mut self, module: &Module) -> Arc<Vec<TryBlock>> {
        self.by_module
            .entry(module.debug_index_in_engine())
            .or_insert_with(|| Arc::new(try_blocks(module.debug_bytecode().unwrap_or_default())))
            .clone()
    }
}

/// The blocks whose body holds `pc`, innermost first.
fn enclosing(blocks: &[TryBlock], pc: u32) -> Vec<&TryBlock> {
    let mut around: Vec<&TryBlock> = blocks
        .iter()
        .filter(|block| block.body.contains(&pc))
        .collect();
    // Nested bodies start later.
    around.sort_by_key(|block| std::cmp::Reverse(block.body.start));
    around
}

/// Every `try_table` block of a module. Empty if the bytecode does not
/// parse (Wasmtime compiled it, so it does).
fn try_blocks(bytecode: &[u8]) -> Vec<TryBlock> {
    let mut blocks = Vec::new();
    for operators in bytecode::function_bodies(bytecode) {
        // The open blocks, the function's own first: a `try_table`'s start
        // and clauses, `None` for the other kinds.
        let mut open: Vec<Option<(u32, Vec<Catch>)>> = vec![None];
        for (operator, offset) in operators {
            match operator {
                Operator::TryTable { try_table } => {
                    open.push(Some((offset + 1, try_table.catches)));
                }
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    open.push(None)
                }
                Operator::End => {
                    if let Some(Some((start, catches))) = open.pop() {
                        blocks.push(TryBlock {
                            body: start..offset,
                            catches,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_blocks_around_a_pc_innermost_first() {
        let module = wat::parse_str(
            r#"(module
                (tag $a) (tag $b)
                (func
                  (block $out
                    (try_table (catch $a $out)
                      (block $mid
                        (try_table (catch_all $mid)
                          (throw $b)))))
                  (throw $a)))"#,
        )
        .unwrap();
        let blocks = try_blocks(&module);
        assert_eq!(blocks.len(), 2);
        let throws: Vec<u32> = throw_offsets(&module);
        let [inner_throw, outer_throw] = throws[..] else {
            panic!("two throws: {throws:?}");
        };
        let around = enclosing(&blocks, inner_throw);
        assert_eq!(around.len(), 2);
        assert_eq!(around[0].catches, [Catch::All { label: 0 }]);
        assert_eq!(around[1].catches, [Catch::One { tag: 0, label: 0 }]);
        assert!(enclosing(&blocks, outer_throw).is_empty());
    }

    #[test]
    fn unparsable_bytecode_has_no_blocks() {
        assert!(try_blocks(b"\0asm\x01\0\0\0\x0a\xff").is_empty());
    }

    fn throw_offsets(module: &[u8]) -> Vec<u32> {
        bytecode::function_bodies(module)
            .flatten()
            .filter(|(operator, _)| matches!(operator, Operator::Throw { .. }))
            .map(|(_, offset)| offset)
            .collect()
    }
}
