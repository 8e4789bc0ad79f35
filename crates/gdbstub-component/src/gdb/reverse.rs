//! Reverse continue and reverse step (`bc`, `bs`), offered only where the runtime records the program.
//!
//! The stop a reverse run ends in is reported like any other (`resume`):
//! a breakpoint or watchpoint hit, or the start of the history
//! (`replaylog:begin`, which LLDB shows as the history boundary).

use gdbstub::target::ext::base::reverse_exec::{ReverseCont, ReverseStep};

use super::{Debugger, Refusal};
use crate::wasmdebug::debugger::debuggee::{Error, ResumeMode};

impl Debugger {
    /// Runs the program backwards. Never an error for gdbstub: LLDB ends
    /// the session on an error reply to `bc`, so a refused request leaves
    /// the program where it is and the stop reply says why.
    fn reverse(&mut self, mode: ResumeMode) {
        self.reverse_refused = self.start(mode).err();
    }

    /// Why the last reverse request was refused, once: the description of
    /// the stop reply that answers it.
    pub(super) fn reverse_refusal(&mut self) -> Option<String> {
        let why = match self.reverse_refused.take()? {
            Error::History => "nothing is recorded",
            Error::Internal => "the runtime failed",
            _ => "the runtime refused",
        };
        Some(format!("cannot run in reverse: {why}"))
    }
}

impl ReverseCont<()> for Debugger {
    fn reverse_cont(&mut self) -> Result<(), Refusal> {
        self.reverse(ResumeMode::ReverseContinue);
        Ok(())
    }
}

impl ReverseStep<()> for Debugger {
    fn reverse_step(&mut self, _tid: ()) -> Result<(), Refusal> {
        self.reverse(ResumeMode::ReverseStep);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use gdbstub::stub::state_machine::GdbStubStateMachine;

    use crate::fuzz::model::{Model, World};
    use crate::gdb::conversation::{Conversation, Machine};
    use crate::gdb::{Debugger, packets};
    use crate::inferior::Inferior;
    use crate::wasmdebug::debugger::debuggee::{State, Stop};

    fn debugger(model: &Model) -> Debugger {
        Debugger::new(Inferior::new(Box::new(model.clone())))
    }

    /// Sends `requests` in turn to a debugger of `model` and returns the
    /// body of every reply. Whenever the program runs, `program` plays it
    /// (it may stop it), and the stop is reported as the session does.
    fn converse(model: &Model, requests: &[&str], program: impl Fn(&mut World)) -> Vec<String> {
        converse_with(&mut debugger(model), model, requests, program)
    }

    fn converse_with(
        debugger: &mut Debugger,
        model: &Model,
        requests: &[&str],
        program: impl Fn(&mut World),
    ) -> Vec<String> {
        let mut talk = Conversation::new(debugger);
        let mut machine = talk.start().unwrap();
        for request in requests {
            machine = talk
                .take_input(machine, &packets::frame(request.as_bytes()))
                .unwrap();
            if let GdbStubStateMachine::Running(gdb) = machine {
                let runs = matches!(model.0.borrow().state, State::Running);
                if runs {
                    program(&mut model.0.borrow_mut());
                }
                let running: Machine = gdb.into();
                machine = match talk.debugger.event() {
                    Some(event) => talk.report(running, event).unwrap(),
                    None => running,
                };
            }
        }
        let mut out = Vec::new();
        talk.flush(|bytes| {
            out.extend_from_slice(bytes);
            Ok::<(), ()>(())
        })
        .unwrap();
        bodies(&out)
    }

    /// The bodies of the packets in `out`, acks left out.
    fn bodies(out: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = out;
        while let Some(start) = rest.iter().position(|&b| b == b'$') {
            let end = start + rest[start..].iter().position(|&b| b == b'#').unwrap();
            found.push(String::from_utf8_lossy(&rest[start + 1..end]).into_owned());
            rest = &rest[end + 3..];
        }
        found
    }

    /// The pc field of a stop reply at the model's innermost frame.
    fn pc_field() -> String {
        let pc = crate::addr::code(0, 8).unwrap();
        let hex: String = pc
            .to_le_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("00:{hex};")
    }

    fn hex(text: &str) -> String {
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    fn nothing(_: &mut World) {}

    #[test]
    fn offers_reverse_execution_only_where_the_runtime_records() {
        for recording in [false, true] {
            let mut model = Model::new(1, 64, 0);
            if recording {
                model = model.recording();
            }
            let replies = converse(&model, &["qSupported:swbreak+;xmlRegisters=i386"], nothing);
            let features: Vec<&str> = replies[0].split(';').collect();
            for feature in ["ReverseContinue+", "ReverseStep+"] {
                assert_eq!(features.contains(&feature), recording, "{replies:?}");
            }
        }
    }

    #[test]
    fn reverse_packets_are_unsupported_where_the_runtime_does_not_record() {
        let model = Model::new(1, 64, 0);
        assert_eq!(converse(&model, &["bc", "bs"], nothing), ["", ""]);
        assert!(matches!(model.0.borrow().state, State::Paused(Stop::Entry)));
    }

    #[test]
    fn reverse_continue_to_the_start_is_the_history_boundary() {
        let model = Model::new(1, 64, 0).recording();
        let replies = converse(&model, &["bc"], nothing);
        assert_eq!(replies, [format!("T05replaylog:begin;{}", pc_field())]);
    }

    #[test]
    fn reverse_continue_stops_at_an_earlier_breakpoint() {
        let model = Model::new(1, 64, 0).recording();
        let set = format!("Z0,{:x},1", crate::addr::code(0, 8).unwrap());
        let program = |world: &mut World| {
            world.state = State::Paused(Stop::Breakpoint);
        };
        let replies = converse(&model, &[&set, "c", "bc"], program);
        let stop = format!("T05thread:01;swbreak:;{}", pc_field());
        assert_eq!(replies, ["OK".to_string(), stop.clone(), stop]);
    }

    #[test]
    fn reverse_step_goes_back_one_instruction_then_hits_the_start() {
        let model = Model::new(1, 64, 0).recording();
        let replies = converse(&model, &["s", "bs", "bs"], nothing);
        let step = format!("T05thread:01;{}", pc_field());
        let start = format!("T05replaylog:begin;{}", pc_field());
        assert_eq!(replies, [step.clone(), step, start]);
    }

    #[test]
    fn a_diverged_replay_stops_with_its_message() {
        let model = Model::new(1, 64, 0).recording();
        let program = |world: &mut World| {
            world.state = State::Paused(Stop::Diverged("another host call".into()));
        };
        let replies = converse(&model, &["c"], program);
        let description = hex("replay diverged: another host call");
        assert_eq!(
            replies,
            [format!(
                "T05thread:01;{}reason:exception;description:{description};",
                pc_field()
            )]
        );
    }

    #[test]
    fn the_stop_query_tells_a_history_boundary_and_a_divergence() {
        let model = Model::new(1, 64, 0).recording();
        let replies = converse(&model, &["bc", "?"], nothing);
        assert_eq!(
            replies[1],
            format!("T05thread:01;{}replaylog:begin;", pc_field())
        );
        model.0.borrow_mut().state = State::Paused(Stop::Diverged("ran past the end".into()));
        let replies = converse(&model, &["?"], nothing);
        let description = hex("replay diverged: ran past the end");
        assert_eq!(
            replies,
            [format!(
                "T05thread:01;{}reason:exception;description:{description};",
                pc_field()
            )]
        );
    }

    /// LLDB ends the session on an error reply to `bc`.
    #[test]
    fn a_refused_reverse_run_is_a_stop_that_says_why() {
        for request in ["bc", "bs"] {
            let model = Model::new(1, 64, 0).recording();
            let mut debugger = debugger(&model);
            // The runtime said it records, then refuses anyway.
            model.0.borrow_mut().can_reverse = false;
            let replies = converse_with(&mut debugger, &model, &[request], nothing);
            let description = hex("cannot run in reverse: nothing is recorded");
            assert_eq!(
                replies,
                [format!(
                    "T05thread:01;{}reason:exception;description:{description};",
                    pc_field()
                )],
                "{request}"
            );
            assert!(matches!(model.0.borrow().state, State::Paused(Stop::Entry)));
        }
    }

    #[test]
    fn the_past_cannot_be_written() {
        let model = Model::new(1, 64, 16).recording();
        // A forward run returns to the present.
        let program = |world: &mut World| {
            world.position = world.present;
            world.state = State::Paused(Stop::Interrupted);
        };
        let requests = ["s", "bs", "M0,1:ff", "c", "M0,1:ff"];
        let replies = converse(&model, &requests, program);
        assert_eq!(replies[2], "E1e", "{replies:?}");
        assert_eq!(replies[4], "OK");
        assert_eq!(model.0.borrow().writes, [(0, 0, 1)]);
    }
}
