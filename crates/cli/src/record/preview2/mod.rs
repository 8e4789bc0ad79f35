//! A component's WASI preview 2 imports, recorded and replayed.
//!
//! Every WASI host trait a component's command world imports is
//! implemented here by `P2`, a view of the store data. Live, a method calls
//! Wasmtime's own implementation and records the value it returned; in a
//! replay it hands back the recorded value, and the host is never touched.
//! Unlike preview 1, a preview 2 host function never writes guest memory:
//! the canonical ABI lowers its value, so the value is the whole answer
//! (`answer`). A resource the host made is answered with its number in the
//! host's table, which a replay hands back and never looks up. Dropping a
//! resource is recorded only when it fails (a failed drop traps the
//! program); otherwise the guest drops the same resources in a replay,
//! which has nothing to free.

mod answer;
mod interfaces;

use std::io::Write;

use wasmtime::component::{HasData, Linker, Resource};
use wasmtime_wasi::p1::WasiP1Ctx;

use super::call::{Call, Outcome};
use super::recorded::{Recorded, ShownStreams};
use super::recording::{Diverged, Tape};
use answer::{Answer, Failure};
use interfaces::Function;
pub use interfaces::NAMES;

/// A component linker whose WASI functions record or replay, by the
/// store's tape.
pub fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<Recorded>> {
    let mut linker = Linker::new(engine);
    interfaces::add_to_linker(&mut linker)?;
    Ok(linker)
}

/// The store data as the WASI host traits see it, for one call.
pub struct P2<'a> {
    wasi: &'a mut WasiP1Ctx,
    tape: &'a mut Tape,
    shown: &'a mut ShownStreams,
}

struct Recorder;

impl HasData for Recorder {
    type Data<'a> = P2<'a>;
}

fn view(data: &mut Recorded) -> P2<'_> {
    P2 {
        wasi: &mut data.wasi,
        tape: &mut data.tape,
        shown: &mut data.shown_streams,
    }
}

impl P2<'_> {
    /// In a replay, the recorded answer to this call (or the trap of a
    /// replay that went another way); live, `None`.
    fn replayed<T: Answer, E: Failure>(
        &mut self,
        function: Function,
        params: &[i64],
    ) -> Option<Result<T, E>> {
        let Tape::Replay {
            recording, next, ..
        } = &mut *self.tape
        else {
            return None;
        };
        let index = *next;
        let answer = Tape::replay(
            recording,
            next,
            function as u16,
            params,
            name,
            answered::<Result<T, E>>,
        );
        Some(match answer {
            Ok(Some(answer)) => answer,
            Ok(None) => Err(E::trap(wasmtime::Error::new(Diverged::new(format!(
                "host call {index} (`{}`) was recorded with another kind of answer",
                name(function as u16)
            ))))),
            Err(diverged) => Err(E::trap(wasmtime::Error::new(diverged))),
        })
    }

    /// Live, appends the call and its answer to the recording, if any.
    fn record<R: Answer>(&mut self, function: Function, params: &[i64], answer: &R) {
        if let Tape::Record(recording) = &*self.tape {
            recording.append(Call {
                function: function as u16,
                params: params.into(),
                outcome: Outcome::Answered(answer::encode(answer)),
            });
        }
    }

    fn is_replay(&self) -> bool {
        matches!(self.tape, Tape::Replay { .. })
    }

    /// Whether this is a replay that shows the program's output.
    fn shows_output(&self) -> bool {
        matches!(self.tape, Tape::Replay { shown: true, .. })
    }

    /// A drop in a replay: the live run's failure if the next recorded
    /// call is this drop's, else done.
    fn replayed_drop(&mut self, params: &[i64]) -> wasmtime::Result<()> {
        let Tape::Replay {
            recording, next, ..
        } = &mut *self.tape
        else {
            return Ok(());
        };
        let function = Function::resource_drop_failed as u16;
        let failure = Tape::replay_if(
            recording,
            next,
            function,
            params,
            answered::<wasmtime::Result<()>>,
        );
        match failure {
            None => Ok(()),
            Some(Some(failure)) => failure,
            Some(None) => Err(wasmtime::Error::new(Diverged::new(
                "a failed drop was recorded with another kind of answer".to_string(),
            ))),
        }
    }

    /// A live drop's outcome: recorded if it failed.
    fn record_drop(&mut self, params: &[i64], outcome: &wasmtime::Result<()>) {
        if outcome.is_err() {
            self.record(Function::resource_drop_failed, params, outcome);
        }
    }

    /// In a replay that shows output, prints what the program wrote to its
    /// stdout or stderr.
    fn show(&self, stream: &Resource<wasmtime_wasi::p2::DynOutputStream>, contents: &[u8]) {
        if !self.shows_output() {
            return;
        }
        // Output shown as the program wrote it: a failed print is not its.
        if self.shown.stdout.contains(&stream.rep()) {
            let _ = std::io::stdout().write_all(contents);
        } else if self.shown.stderr.contains(&stream.rep()) {
            let _ = std::io::stderr().write_all(contents);
        }
    }
}

/// A recorded call's answer, if it is a component call's answer of type `R`.
fn answered<R: Answer>(call: &Call) -> Option<R> {
    match &call.outcome {
        Outcome::Answered(bytes) => answer::decode(bytes),
        _ => None,
    }
}

/// The name a recorded preview 2 call has in a recording.
fn name(function: u16) -> &'static str {
    NAMES.get(usize::from(function)).copied().unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wasmtime_wasi::WasiCtxBuilder;

    use crate::program::Program;
    use crate::record::{self, Recorded, Recording};
    use crate::run::Ending;

    /// A command component that reads the monotonic clock twice.
    const CLOCK_TWICE: &str = r#"
        (component
          (import "wasi:clocks/monotonic-clock@0.2.0"
            (instance $clock (export "now" (func (result u64)))))
          (core func $now (canon lower (func $clock "now")))
          (core module $m
            (import "clock" "now" (func $now (result i64)))
            (func (export "run") (result i32)
              (drop (call $now)) (drop (call $now)) (i32.const 0)))
          (core instance $i (instantiate $m (with "clock" (instance (export "now" (func $now))))))
          (func $run (result (result)) (canon lift (core func $i "run")))
          (instance $r (export "run" (func $run)))
          (export "wasi:cli/run@0.2.0" (instance $r)))"#;

    /// A command component that drops its stdout stream while a pollable
    /// of it lives: the host refuses, and the program traps.
    const DROP_REFUSED: &str = r#"
          (component
            (import "wasi:io/poll@0.2.0" (instance $poll
              (export "pollable" (type (sub resource)))))
            (alias export $poll "pollable" (type $pollable))
            (import "wasi:io/streams@0.2.0" (instance $streams
              (alias outer 1 $pollable (type $p))
              (export "pollable" (type (eq $p)))
              (export "output-stream" (type $os (sub resource)))
              (export "[method]output-stream.subscribe" (func (param "self" (borrow $os)) (result (own 0))))
            ))
            (alias export $streams "output-stream" (type $output-stream))
            (import "wasi:cli/stdout@0.2.0" (instance $stdout
              (alias outer 1 $output-stream (type $os))
              (export "output-stream" (type (eq $os)))
              (export "get-stdout" (func (result (own 1))))))
            (core func $get (canon lower (func $stdout "get-stdout")))
            (core func $subscribe (canon lower (func $streams "[method]output-stream.subscribe")))
            (core func $drop (canon resource.drop $output-stream))
            (core module $m
              (import "host" "get" (func $get (result i32)))
              (import "host" "subscribe" (func $subscribe (param i32) (result i32)))
              (import "host" "drop" (func $drop (param i32)))
              (func (export "run") (result i32) (local $s i32)
                (local.set $s (call $get))
                (drop (call $subscribe (local.get $s)))
                (call $drop (local.get $s))
                (i32.const 0)))
            (core instance $i (instantiate $m (with "host" (instance
              (export "get" (func $get)) (export "subscribe" (func $subscribe)) (export "drop" (func $drop))))))
            (func $run (result (result)) (canon lift (core func $i "run")))
            (instance $r (export "run" (func $run)))
            (export "wasi:cli/run@0.2.0" (instance $r)))"#;

    fn run(engine: &wasmtime::Engine, program: &Program, data: Recorded) -> (Ending, Recorded) {
        let (linkers, _) = record::linkers(engine, program).unwrap();
        record::run_to_end(engine, program, &linkers, data).unwrap()
    }

    /// `wat`'s component run live and recorded: its engine, the program,
    /// the recording and how the run ended.
    fn recorded_run(wat: &str) -> (wasmtime::Engine, Program, Arc<Recording>, Ending) {
        let engine = crate::program::engine(false, &Default::default()).unwrap();
        let component = wasmtime::component::Component::new(&engine, wat).unwrap();
        let program = Program::Component(component);
        let recording = Recording::new(1 << 20);
        let live = Recorded::live(WasiCtxBuilder::new().build_p1(), Some(recording.clone()));
        let (ending, _) = run(&engine, &program, live);
        (engine, program, recording, ending)
    }

    #[test]
    fn a_replay_answers_every_call_and_says_when_it_runs_past_the_recording() {
        let (engine, program, recording, ending) = recorded_run(CLOCK_TWICE);
        assert!(matches!(ending, Ending::Exited(0)), "{ending:?}");

        let (ending, replay) = run(&engine, &program, Recorded::replay(recording, false));
        assert!(matches!(ending, Ending::Exited(0)), "{ending:?}");
        assert_eq!(replay.replayed(), Some(2));

        let empty = Recorded::replay(Recording::of(Vec::new()), false);
        let (ending, _) = run(&engine, &program, empty);
        let Ending::Trapped(error) = ending else {
            panic!("{ending:?}");
        };
        let diverged = error.downcast_ref::<record::Diverged>().expect("diverged");
        assert!(diverged.is_past_the_end(), "{diverged}");
        assert!(
            diverged.to_string().contains("monotonic_clock_now"),
            "{diverged}"
        );
    }

    #[test]
    fn a_drop_the_host_refused_traps_the_replay_too() {
        let (engine, program, recording, ending) = recorded_run(DROP_REFUSED);
        let Ending::Trapped(live_trap) = ending else {
            panic!("{ending:?}");
        };
        assert!(format!("{live_trap:#}").contains("resource has children"));

        let (ending, replay) = run(&engine, &program, Recorded::replay(recording, false));
        let Ending::Trapped(replayed_trap) = ending else {
            panic!("{ending:?}");
        };
        assert!(replayed_trap.downcast_ref::<record::Diverged>().is_none());
        assert!(format!("{replayed_trap:#}").contains("resource has children"));
        // get-stdout, subscribe, and the drop that failed.
        assert_eq!(replay.replayed(), Some(3));
    }
}
