//! What a request sees of the paused program: its store, and the Wasm
//! frames of its stack, walked only as deep as requests ask.

use wasmtime::{AsContext, AsContextMut, FrameHandle, Instance, Module, StoreContextMut};

use super::panics::contain;

/// The paused program, as the debug handler hands it to each request.
pub struct Paused<'a, T: 'static> {
    pub store: StoreContextMut<'a, T>,
    frames: Vec<FrameHandle>,
    walk: Option<FrameWalk>,
    /// Paused at a stack overflow: the innermost frame is a call that
    /// overflowed in its prologue, before it wrote its state slots.
    overflowed: bool,
}

impl<'a, T> Paused<'a, T> {
    pub fn new(store: StoreContextMut<'a, T>, overflowed: bool) -> Paused<'a, T> {
        Paused {
            store,
            frames: Vec::new(),
            walk: None,
            overflowed,
        }
    }

    /// The first `count` Wasm frames of the paused stack, counted across
    /// all its activations (fewer if the stack is shallower), innermost
    /// first. Walks no deeper than that, so a stop that only needs the pc
    /// costs one frame, not the whole stack.
    pub fn frames(&mut self, count: usize) -> wasmtime::Result<&[FrameHandle]> {
        let store = &mut self.store;
        let walk = match &mut self.walk {
            Some(walk) => walk,
            None => self
                .walk
                .insert(FrameWalk::new(store.as_context_mut(), self.overflowed)),
        };
        while self.frames.len() < count {
            match walk.next(store.as_context_mut())? {
                Some(frame) => self.frames.push(frame),
                None => break,
            }
        }
        Ok(&self.frames[..count.min(self.frames.len())])
    }

    /// Wasm frame `index` of the paused stack, 0 being the innermost.
    pub fn frame(&mut self, index: u32) -> wasmtime::Result<Option<FrameHandle>> {
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        Ok(self.frames(index.saturating_add(1))?.get(index).cloned())
    }
}

/// The innermost Wasm frame of a stack stopped at a debug event, as the
/// handler sees it before deciding whether to pause.
pub struct Innermost {
    pub frame: FrameHandle,
    pub instance: Instance,
    pub module: Module,
    pub pc: u32,
}

/// The innermost Wasm frame, or `None` if Wasmtime cannot tell (or panics
/// trying).
pub fn innermost<T>(store: &mut StoreContextMut<'_, T>) -> Option<Innermost> {
    contain(|| {
        let frame = store.debug_exit_frames().next()?;
        let (_, pc) = frame
            .wasm_function_index_and_pc(store.as_context_mut())
            .ok()??;
        let instance = frame.instance(store.as_context_mut()).ok()?;
        let module = instance.module(store.as_context()).clone();
        Some(Innermost {
            frame,
            instance,
            module,
            pc: pc.raw(),
        })
    })
    .ok()?
}

/// A walk down the paused stack's Wasm frames: each activation's frames
/// from its innermost outwards, skipping trampolines (no Wasm function).
///
/// Wasmtime 48 reads a frame's instance from a slot the frame writes on
/// entry and panics when it finds null there ("null vmctx in debug state
/// slot"). So the walk starts above a call that overflowed the stack in its
/// prologue (its slot is unwritten, possibly stale rather than null), and
/// it reads each frame's instance under `contain`: a frame that panics ends
/// the walk there, with a line on stderr, and the frames inside it stay
/// usable.
struct FrameWalk {
    /// The exit frames of the activations not walked yet, outermost first.
    exits: Vec<FrameHandle>,
    next: Option<FrameHandle>,
    /// How many Wasm frames the walk has given.
    given: usize,
}

impl FrameWalk {
    fn new<T>(mut store: StoreContextMut<'_, T>, overflowed: bool) -> FrameWalk {
        let mut walk = FrameWalk {
            exits: Vec::new(),
            next: None,
            given: 0,
        };
        match contain(|| store.debug_exit_frames().collect::<Vec<_>>()) {
            Ok(exits) => walk.exits = exits,
            Err(message) => eprintln!("error: Wasmtime panicked finding the stack: {message}"),
        }
        walk.exits.reverse();
        if overflowed && let Some(innermost) = walk.exits.pop() {
            // `parent` only unwinds; it never reads the frame's slots.
            match contain(|| innermost.parent(store.as_context_mut())) {
                Ok(Ok(parent)) => walk.next = parent,
                Ok(Err(_)) | Err(_) => walk.exits.clear(),
            }
        }
        walk
    }

    fn next<T>(
        &mut self,
        mut store: StoreContextMut<'_, T>,
    ) -> wasmtime::Result<Option<FrameHandle>> {
        loop {
            let Some(frame) = self.next.take().or_else(|| self.exits.pop()) else {
                return Ok(None);
            };
            let step = contain(|| -> wasmtime::Result<_> {
                let parent = frame.parent(store.as_context_mut())?;
                let is_wasm = frame
                    .wasm_function_index_and_pc(store.as_context_mut())?
                    .is_some();
                if is_wasm {
                    // What every request asks of a frame first.
                    frame.instance(store.as_context_mut())?;
                }
                Ok((parent, is_wasm))
            });
            let (parent, is_wasm) = match step {
                Ok(step) => step?,
                Err(message) => {
                    eprintln!(
                        "error: the stack walk stops at frame {}: Wasmtime panicked: {message}",
                        self.given
                    );
                    self.exits.clear();
                    return Ok(None);
                }
            };
            self.next = parent;
            if is_wasm {
                self.given += 1;
                return Ok(Some(frame));
            }
        }
    }
}
