//! Time travel: the live program, and a past position shown in its place.
//!
//! Nothing of the past is kept but the program's inputs (`recording`). A
//! past position is reached by replaying the run in a fresh store, which
//! gets every host call's result from the recording, up to that position;
//! the replay is then shown instead of the live program, which stays
//! parked where it was (the present). Positions are recognized in a replay
//! by their place, clock and fingerprint (`position`).
//!
//! - Reverse continue: one replay from the start to the current position
//!   notes the stops the debugger's breakpoints and watchpoints make on
//!   the way; a second one, set up the same way, runs to the last of them
//!   (or is shown at its start, the history's start, if there was none).
//! - Reverse step: a replay counts the passes of the current pc before the
//!   current position; a second one runs to the pass before and steps
//!   forward until the instruction before the current position; a third
//!   one stops there.
//! - Forward, from the past: the replay runs on with a hidden breakpoint at
//!   the present; reaching it, the live program takes over, so nothing the
//!   program does happens twice and its output appears once.
//!
//! While the past is shown, the breakpoints and watchpoints the debugger
//! sets go to both, and nothing may change the past (memory, globals).

use std::sync::Arc;

use anyhow::Result;
use wasmtime::Module;

use super::execution::{Execution, Failure, ResumeMode, StateView};
use super::handler::Stop;
use super::position::{self, Fingerprint, Here};
use super::watch::{Kind, Range};
use crate::record::Recording;

/// How to replay the live program's run.
pub struct Replays<T: 'static> {
    pub recording: Arc<Recording>,
    /// A fresh replay of the run, paused at its first instruction.
    pub start: Box<dyn Fn() -> Result<Execution<T>> + Send>,
}

/// The live program, and the past position shown instead of it, if any.
pub struct Timeline<T: 'static> {
    live: Execution<T>,
    past: Option<Execution<T>>,
    replays: Option<Replays<T>>,
    /// Whether the debugger asked to stop at every throw.
    stop_at_throws: bool,
}

/// A position to find in a replay.
#[derive(Clone)]
enum Target {
    /// About to run an instruction: its place and clock, and the state's
    /// fingerprint.
    At {
        here: Here,
        module: Module,
        fingerprint: Fingerprint,
    },
    /// At a throw the program goes on from (the debugger stops at every
    /// throw). A throw moves the clock, so place and clock suffice.
    Throw { here: Here, module: Module },
    /// The run's last position: a trap or an uncaught exception (at this
    /// instruction), or the program's end; `diverged` when it is the end of
    /// a recording that the live program (itself a replay) ran past.
    End {
        at: Option<(Here, Module)>,
        diverged: bool,
    },
}

impl Target {
    /// The instruction a replay watches for: the target's own.
    fn site(&self) -> Option<(&Module, u32)> {
        match self {
            Target::At { here, module, .. }
            | Target::Throw { here, module }
            | Target::End {
                at: Some((here, module)),
                ..
            } => Some((module, here.pc)),
            Target::End { at: None, .. } => None,
        }
    }

    fn is_at_site(&self, here: &Here) -> bool {
        self.site().is_some_and(|(module, pc)| {
            module.debug_index_in_engine() == here.module && pc == here.pc
        })
    }
}

/// What a replay's stop is, against a target.
enum Seen {
    /// The target itself; `hit` if the stop there is also one the debugger
    /// asked for (its breakpoint, a step, a watchpoint).
    Target { hit: bool },
    /// A stop the debugger's breakpoints, watchpoints or throws made, or a
    /// step's.
    Hit,
    /// The hidden breakpoint at the target's site, on another pass.
    Pass,
    /// The replay ended, or went wrong, without reaching the target.
    Lost(String),
}

/// What a replay is set up with.
#[derive(Clone, Copy, PartialEq)]
enum Setup {
    /// The debugger's breakpoints, watchpoints and throw stops.
    Debugger,
    /// Nothing but the target's site.
    Bare,
}

impl<T: Send + 'static> Timeline<T> {
    /// `replays` is `None` for a program whose inputs are not recorded.
    pub fn new(live: Execution<T>, replays: Option<Replays<T>>) -> Timeline<T> {
        Timeline {
            live,
            past: None,
            replays,
            stop_at_throws: false,
        }
    }

    /// The execution the debugger sees: the past one shown, or the live one.
    pub fn current(&mut self) -> &mut Execution<T> {
        self.past.as_mut().unwrap_or(&mut self.live)
    }

    /// The live program, which knows every module and instance so far.
    pub fn live(&mut self) -> &mut Execution<T> {
        &mut self.live
    }

    /// Whether a past position is shown.
    pub fn in_past(&self) -> bool {
        self.past.is_some()
    }

    /// Whether the program can run in reverse: its inputs are recorded,
    /// all of them so far.
    pub fn can_reverse(&self) -> bool {
        self.replays
            .as_ref()
            .is_some_and(|replays| replays.recording.is_complete())
    }

    /// Fails unless the program can run in reverse: without a recording
    /// there is no clock either (see `position`).
    fn check_can_reverse(&self) -> Result<(), Failure> {
        match self.can_reverse() {
            true => Ok(()),
            false => Err(Failure::History),
        }
    }

    /// Gives the live program back, the past forgotten.
    pub fn into_live(self) -> Execution<T> {
        self.live
    }

    /// Adds or removes a breakpoint, in the past shown and the present.
    pub fn edit_breakpoint(&mut self, module: &Module, pc: u32, add: bool) -> Result<(), Failure> {
        if let Some(past) = &mut self.past {
            past.edit_breakpoint(module, pc, add)?;
        }
        self.live.edit_breakpoint(module, pc, add)
    }

    /// Adds or removes a watchpoint, in the past shown and the present.
    pub fn edit_watchpoint(&mut self, range: Range, kind: Kind, add: bool) -> Result<(), Failure> {
        if let Some(past) = &mut self.past {
            past.edit_watchpoint(range, kind, add)?;
        }
        self.live.edit_watchpoint(range, kind, add)
    }

    pub fn stop_at_throws(&mut self, every: bool) {
        self.stop_at_throws = every;
        if let Some(past) = &self.past {
            past.stop_at_throws(every);
        }
        self.live.stop_at_throws(every);
    }

    /// Ends the program; the past goes with it.
    pub fn kill(&mut self) {
        self.past = None;
        self.live.kill();
    }

    /// Resumes forward: the live program, or the replay shown, which hands
    /// over to the live program when it reaches the present.
    pub fn resume(&mut self, how: ResumeMode) -> Result<(), Failure> {
        let Some(past) = &mut self.past else {
            return self.live.resume(how);
        };
        if let StateView::Paused(Stop::Diverged(_)) = past.state()? {
            // Nothing after a divergence is true: back to the present.
            self.past = None;
            return Ok(());
        }
        let present = self.target_of(Which::Live)?;
        let (live, Some(past)) = (&mut self.live, &mut self.past) else {
            return Err(Failure::Broken(anyhow::anyhow!("the past vanished")));
        };
        if let Some((module, pc)) = present.site() {
            past.edit_breakpoint(module, pc, true)?;
        }
        loop {
            let state = past.run(how)?;
            match see(live, past, &state, &present)? {
                Seen::Target { hit } => {
                    // The live program is parked here: it takes over.
                    self.past = None;
                    return match state {
                        StateView::Paused(stop) if how == ResumeMode::Step || hit => {
                            self.live.set_stop(stop);
                            Ok(())
                        }
                        StateView::Paused(_) => self.live.resume(how),
                        _ => Ok(()),
                    };
                }
                Seen::Pass => continue,
                Seen::Hit => return self.remove_site(&present),
                Seen::Lost(why) => {
                    let Some(past) = self.past.take() else {
                        return Ok(());
                    };
                    return self.show_diverged(past, why);
                }
            }
        }
    }

    /// Runs in reverse to the last stop the debugger's breakpoints,
    /// watchpoints or throw stops make before the current position, or to
    /// the start of the history.
    pub fn reverse_continue(&mut self) -> Result<(), Failure> {
        self.check_can_reverse()?;
        let target = self.target_of(Which::Current)?;
        let mut scan = self.replay(&target, Setup::Debugger)?;
        let mut stops = 0;
        let mut last_hit = None;
        let mut state = scan.state()?;
        loop {
            match see(&self.live, &mut scan, &state, &target)? {
                Seen::Target { .. } => break,
                Seen::Hit => last_hit = Some(stops),
                Seen::Pass => {}
                Seen::Lost(why) => return self.show_diverged(scan, why),
            }
            state = scan.run(ResumeMode::Continue)?;
            stops += 1;
        }
        drop(scan);
        let shown = match last_hit {
            None => self.history_start()?,
            Some(stops) => {
                let mut shown = self.replay(&target, Setup::Debugger)?;
                for _ in 0..stops {
                    shown.run(ResumeMode::Continue)?;
                }
                shown
            }
        };
        let hidden = last_hit.is_some();
        self.past = Some(shown);
        match hidden {
            true => self.remove_site(&target),
            false => Ok(()),
        }
    }

    /// Runs in reverse one instruction: to the instruction that ran last
    /// before the current position, or to the start of the history.
    pub fn reverse_step(&mut self) -> Result<(), Failure> {
        self.check_can_reverse()?;
        let target = self.target_of(Which::Current)?;
        if target.site().is_none() {
            self.past = Some(self.history_start()?);
            return Ok(());
        }
        let Some(passes) = self.passes_before(&target)? else {
            return Ok(());
        };
        let from = passes.checked_sub(1);
        // Steps from that pass (or the start) to the instruction before
        // the target.
        let steps = match &target {
            // A throw or a trap happens at an instruction that has not run:
            // the pass that reached it is the instruction before.
            Target::Throw { .. } | Target::End { .. } => from.map(|_| 0),
            Target::At { .. } => {
                let mut walk = self.replay_to_pass(&target, from)?;
                let mut steps = 0_usize;
                loop {
                    let state = walk.state()?;
                    match see(&self.live, &mut walk, &state, &target)? {
                        Seen::Target { .. } => break,
                        Seen::Lost(why) => return self.show_diverged(walk, why),
                        Seen::Hit | Seen::Pass => {}
                    }
                    walk.run(ResumeMode::Step)?;
                    steps += 1;
                }
                steps.checked_sub(1)
            }
        };
        let Some(steps) = steps else {
            self.past = Some(self.history_start()?);
            return Ok(());
        };
        let mut shown = self.replay_to_pass(&target, from)?;
        for _ in 0..steps {
            shown.run(ResumeMode::Step)?;
        }
        self.give_debugger_setup(&mut shown)?;
        shown.set_stop(Stop::Step);
        self.past = Some(shown);
        self.remove_site(&target)
    }

    /// How many times the program was about to run the target's
    /// instruction before the target (the start counts, if it is there).
    /// `None` if the replay diverged, which is then shown.
    fn passes_before(&mut self, target: &Target) -> Result<Option<usize>, Failure> {
        let mut scan = self.replay(target, Setup::Bare)?;
        let mut passes = 0;
        let mut state = scan.state()?;
        loop {
            match see(&self.live, &mut scan, &state, target)? {
                Seen::Target { .. } => return Ok(Some(passes)),
                Seen::Lost(why) => {
                    self.show_diverged(scan, why)?;
                    return Ok(None);
                }
                Seen::Hit | Seen::Pass => {
                    if let Some(here) = here_of(&mut scan)?
                        && target.is_at_site(&here.0)
                    {
                        passes += 1;
                    }
                }
            }
            state = scan.run(ResumeMode::Continue)?;
        }
    }

    /// A bare replay at the `pass`th time (from 0) the program was about to
    /// run the target's instruction, or at its start.
    fn replay_to_pass(
        &mut self,
        target: &Target,
        pass: Option<usize>,
    ) -> Result<Execution<T>, Failure> {
        let mut replay = self.replay(target, Setup::Bare)?;
        let Some(pass) = pass else {
            return Ok(replay);
        };
        let mut seen = 0;
        loop {
            if let Some(here) = here_of(&mut replay)?
                && target.is_at_site(&here.0)
            {
                if seen == pass {
                    return Ok(replay);
                }
                seen += 1;
            }
            if let StateView::Exited(_) | StateView::Paused(Stop::Diverged(_)) =
                replay.run(ResumeMode::Continue)?
            {
                return Err(Failure::History);
            }
        }
    }

    /// A replay shown at the start of the history.
    fn history_start(&mut self) -> Result<Execution<T>, Failure> {
        let mut replay = self.start_replay()?;
        self.give_debugger_setup(&mut replay)?;
        replay.set_stop(Stop::HistoryStart);
        Ok(replay)
    }

    /// Shows `replay`, stopped where it went wrong; the debugger tells the
    /// user why. A replay that ended is no position to show: the present
    /// stays, and the call fails with why.
    fn show_diverged(&mut self, mut replay: Execution<T>, why: String) -> Result<(), Failure> {
        if !matches!(replay.state()?, StateView::Paused(_)) {
            return Err(Failure::Runtime(why));
        }
        replay.set_stop(Stop::Diverged(why));
        self.past = Some(replay);
        Ok(())
    }

    /// Removes the hidden breakpoint at the target's site (a reference of
    /// its own) from the past shown.
    fn remove_site(&mut self, target: &Target) -> Result<(), Failure> {
        if let (Some(past), Some((module, pc))) = (&mut self.past, target.site()) {
            past.edit_breakpoint(module, pc, false)?;
        }
        Ok(())
    }

    /// A fresh replay at the start, set up as asked, with a hidden
    /// breakpoint at the target's site.
    fn replay(&mut self, target: &Target, setup: Setup) -> Result<Execution<T>, Failure> {
        let mut replay = self.start_replay()?;
        if setup == Setup::Debugger {
            self.give_debugger_setup(&mut replay)?;
        }
        if let Target::Throw { .. } = target {
            replay.stop_at_throws(true);
        }
        if let Some((module, pc)) = target.site() {
            replay.edit_breakpoint(module, pc, true)?;
        }
        Ok(replay)
    }

    fn start_replay(&mut self) -> Result<Execution<T>, Failure> {
        let replays = match &self.replays {
            Some(replays) if replays.recording.is_complete() => replays,
            _ => return Err(Failure::History),
        };
        Ok((replays.start)()?)
    }

    /// Gives a replay the debugger's breakpoints, watchpoints and throw
    /// stops.
    fn give_debugger_setup(&mut self, replay: &mut Execution<T>) -> Result<(), Failure> {
        for (module, pc, count) in self.live.breakpoints() {
            for _ in 0..count {
                replay.edit_breakpoint(&module, pc, true)?;
            }
        }
        for (range, kind, count) in self.live.watchpoints() {
            for _ in 0..count {
                replay.edit_watchpoint(range, kind, true)?;
            }
        }
        replay.stop_at_throws(self.stop_at_throws);
        Ok(())
    }

    /// Where the live program, or the execution shown, is.
    fn target_of(&mut self, which: Which) -> Result<Target, Failure> {
        let is_live = matches!(which, Which::Live) || self.past.is_none();
        let execution = match which {
            Which::Live => &mut self.live,
            Which::Current => self.past.as_mut().unwrap_or(&mut self.live),
        };
        let stop = match execution.state()? {
            StateView::Exited(_) => {
                return Ok(Target::End {
                    at: None,
                    diverged: false,
                });
            }
            StateView::Running => return Err(Failure::NotPaused),
            // A replay that went wrong is no position; the live program
            // at the end of its recording (`wasmdebug replay -g`) is one.
            StateView::Paused(Stop::Diverged(_)) if !is_live => return Err(Failure::History),
            StateView::Paused(stop) => stop,
        };
        let found = execution.with_paused(|paused| {
            let Some((here, module)) = position::here(paused).map_err(runtime)? else {
                return Ok(None);
            };
            let fingerprint = Fingerprint {
                frame: position::frame_fingerprint(paused).map_err(runtime)?,
                memory: position::memory_fingerprint(paused).map_err(runtime)?,
            };
            Ok::<_, Failure>(Some((here, module, fingerprint)))
        })?;
        Ok(match (stop, found) {
            (stop, found) if stop.ends_the_run() => Target::End {
                at: found.map(|(here, module, _)| (here, module)),
                diverged: matches!(stop, Stop::Diverged(_)),
            },
            (_, None) => return Err(Failure::History),
            (Stop::Exception(_), Some((here, module, _))) => Target::Throw { here, module },
            (_, Some((here, module, fingerprint))) => Target::At {
                here,
                module,
                fingerprint,
            },
        })
    }
}

/// What `replay`'s state is, against `target`.
fn see<T: Send + 'static>(
    live: &Execution<T>,
    replay: &mut Execution<T>,
    state: &StateView,
    target: &Target,
) -> Result<Seen, Failure> {
    let stop = match state {
        StateView::Exited(_) => {
            return Ok(match target {
                Target::End { .. } => Seen::Target { hit: true },
                _ => Seen::Lost("the replay ended before the position it ran to".to_string()),
            });
        }
        StateView::Running => return Err(Failure::NotPaused),
        StateView::Paused(stop) => stop,
    };
    if let Stop::Diverged(why) = stop {
        // The end of a recording the live program ran past is reached so.
        return Ok(match target {
            Target::End { diverged: true, .. } => Seen::Target { hit: true },
            _ => Seen::Lost(why.clone()),
        });
    }
    if stop.ends_the_run() {
        return Ok(match target {
            Target::End { .. } => Seen::Target { hit: true },
            _ => Seen::Lost("the replay ended where the program went on".to_string()),
        });
    }
    let Some((here, _)) = here_of(replay)? else {
        return Ok(Seen::Hit);
    };
    let is_target = match (target, stop) {
        (Target::Throw { here: there, .. }, Stop::Exception(_)) => here == *there,
        (
            Target::At {
                here: there,
                fingerprint,
                ..
            },
            stop,
        ) if !matches!(stop, Stop::Exception(_)) => {
            // Memory is hashed only where all else matches.
            here == *there
                && frame_fingerprint_of(replay)? == fingerprint.frame
                && memory_fingerprint_of(replay)? == fingerprint.memory
        }
        _ => false,
    };
    // What the debugger asked for, as opposed to the hidden breakpoint
    // and the start.
    let hit = match stop {
        Stop::Breakpoint => live.has_breakpoint(here.module, here.pc),
        Stop::Entry | Stop::HistoryStart => false,
        _ => true,
    };
    Ok(match (is_target, hit) {
        (true, hit) => Seen::Target { hit },
        (false, true) => Seen::Hit,
        (false, false) => Seen::Pass,
    })
}

/// Which execution a target is taken from.
enum Which {
    Live,
    Current,
}

fn here_of<T: Send + 'static>(
    execution: &mut Execution<T>,
) -> Result<Option<(Here, Module)>, Failure> {
    execution.with_paused(|paused| position::here(paused).map_err(runtime))
}

fn frame_fingerprint_of<T: Send + 'static>(execution: &mut Execution<T>) -> Result<u64, Failure> {
    execution.with_paused(|paused| position::frame_fingerprint(paused).map_err(runtime))
}

fn memory_fingerprint_of<T: Send + 'static>(execution: &mut Execution<T>) -> Result<u64, Failure> {
    execution.with_paused(|paused| position::memory_fingerprint(paused).map_err(runtime))
}

fn runtime(error: wasmtime::Error) -> Failure {
    Failure::Runtime(format!("{error:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Program;

    /// Counts calls of `tick` in a global, and before each call reads four
    /// random bytes into memory at 100.
    const PROGRAM: &str = r#"
      (module
        (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (global $ticks (export "ticks") (mut i32) (i32.const 0))
        (func $tick
          global.get $ticks
          i32.const 1
          i32.add
          global.set $ticks)
        (func (export "_start") (local $i i32)
          loop
            i32.const 100
            i32.const 4
            call $random
            drop
            call $tick
            local.get $i
            i32.const 1
            i32.add
            local.tee $i
            i32.const 5
            i32.lt_u
            br_if 0
          end))"#;

    /// `tick`'s first instruction: past the code section's and the body's
    /// headers, found in the bytecode.
    fn tick_pc(module: &Module) -> u32 {
        let bytes = module.debug_bytecode().unwrap();
        // `global.get 0` (0x23 0x00) first appears in `tick`.
        bytes.windows(2).position(|w| w == [0x23, 0x00]).unwrap() as u32
    }

    /// (ticks, the random bytes at 100) as the execution shown sees them.
    fn seen(timeline: &mut Timeline<crate::record::Recorded>) -> (i32, [u8; 4]) {
        timeline
            .current()
            .with_paused(|paused| {
                let instance = paused.store.as_context_mut().debug_all_instances()[0];
                let ticks = instance.debug_global(&mut paused.store, 0).unwrap();
                let ticks = ticks.get(&mut paused.store).unwrap_i32();
                let memory = instance.debug_memory(&mut paused.store, 0).unwrap();
                let mut bytes = [0; 4];
                bytes.copy_from_slice(&memory.data(&paused.store)[100..104]);
                Ok::<_, Failure>((ticks, bytes))
            })
            .unwrap()
    }

    fn stop(timeline: &mut Timeline<crate::record::Recorded>) -> StateView {
        timeline.current().state().unwrap()
    }

    use wasmtime::AsContextMut;

    #[test]
    fn back_hit_by_hit_to_the_start_and_forward_to_the_present() {
        let engine = crate::program::engine(true, &Default::default()).unwrap();
        let module = Module::new(&engine, PROGRAM).unwrap();
        let pc = tick_pc(&module);
        let wasi = wasmtime_wasi::WasiCtxBuilder::new().build_p1();
        let program = Program::Module(module.clone());
        let mut timeline = super::super::start_timeline(
            &engine,
            &program,
            super::super::Inputs::Live(Box::new(wasi)),
            true,
        )
        .unwrap();
        assert!(timeline.can_reverse());
        timeline.edit_breakpoint(&module, pc, true).unwrap();

        // Forward, live: three hits, each after a fresh random read.
        let mut forward = Vec::new();
        for _ in 0..3 {
            timeline.current().run(ResumeMode::Continue).unwrap();
            assert_eq!(stop(&mut timeline), StateView::Paused(Stop::Breakpoint));
            forward.push(seen(&mut timeline));
        }
        assert_eq!(forward.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(!timeline.in_past());

        // Back, hit by hit, then the start.
        timeline.reverse_continue().unwrap();
        assert!(timeline.in_past());
        assert_eq!(stop(&mut timeline), StateView::Paused(Stop::Breakpoint));
        assert_eq!(seen(&mut timeline), forward[1]);
        timeline.reverse_continue().unwrap();
        assert_eq!(seen(&mut timeline), forward[0]);
        timeline.reverse_continue().unwrap();
        assert_eq!(stop(&mut timeline), StateView::Paused(Stop::HistoryStart));
        assert_eq!(seen(&mut timeline), (0, [0; 4]));

        // Forward again: the same values, then the present takes over.
        timeline.resume(ResumeMode::Continue).unwrap();
        assert_eq!(seen(&mut timeline), forward[0]);
        timeline.resume(ResumeMode::Continue).unwrap();
        assert_eq!(seen(&mut timeline), forward[1]);
        timeline.resume(ResumeMode::Continue).unwrap();
        assert!(!timeline.in_past(), "the present is live");
        assert_eq!(stop(&mut timeline), StateView::Paused(Stop::Breakpoint));
        assert_eq!(seen(&mut timeline), forward[2]);
        timeline.current().run(ResumeMode::Continue).unwrap();
        assert_eq!(seen(&mut timeline).0, 3);

        // One instruction back from there is the call of `tick`.
        timeline.reverse_step().unwrap();
        assert_eq!(stop(&mut timeline), StateView::Paused(Stop::Step));
        let here = here_of(timeline.current()).unwrap().unwrap().0;
        assert_ne!(here.pc, pc);
        timeline.resume(ResumeMode::Step).unwrap();
        assert!(!timeline.in_past(), "one step forward is the present");
        let here = here_of(timeline.current()).unwrap().unwrap().0;
        assert_eq!(here.pc, pc);

        timeline.edit_breakpoint(&module, pc, false).unwrap();
        assert_eq!(timeline.into_live().finish().unwrap(), 0);
    }

    #[test]
    fn a_replay_that_diverges_says_so_and_forward_returns_to_the_present() {
        use crate::record::{self, Recorded};

        let engine = crate::program::engine(true, &Default::default()).unwrap();
        let module = Module::new(&engine, PROGRAM).unwrap();
        let pc = tick_pc(&module);
        let program = Program::Module(module.clone());
        let linkers = Arc::new(record::linkers(&engine, &program).unwrap().0);
        let recording = Recording::new(1 << 20);
        let wasi = wasmtime_wasi::WasiCtxBuilder::new().build_p1();
        let live = Recorded::live(wasi, Some(recording.clone()));
        let live = super::super::start_program(&engine, &program, &linkers, live).unwrap();
        // Replays get another recording: one with no calls at all.
        let (engine_for_replays, program_for_replays) = (engine.clone(), program.clone());
        let replays = Replays {
            recording,
            start: Box::new(move || {
                let data = Recorded::replay(Recording::new(1 << 20), false);
                let (engine, program) = (&engine_for_replays, &program_for_replays);
                super::super::start_program(engine, program, &linkers, data)
            }),
        };
        let mut timeline = Timeline::new(live, Some(replays));
        timeline.edit_breakpoint(&module, pc, true).unwrap();
        timeline.current().run(ResumeMode::Continue).unwrap();
        timeline.current().run(ResumeMode::Continue).unwrap();
        let present = seen(&mut timeline);

        timeline.reverse_continue().unwrap();
        match stop(&mut timeline) {
            StateView::Paused(Stop::Diverged(why)) => {
                assert!(why.contains("past the end of the recording"), "{why}")
            }
            other => panic!("not a divergence: {other:?}"),
        }
        // Nothing is shown from a diverged past; forward is the present.
        timeline.resume(ResumeMode::Continue).unwrap();
        assert!(!timeline.in_past());
        assert_eq!(seen(&mut timeline), present);
    }
}
