//! `wasmdebug replay`: a recording (`run --record`) run again, on its own
//! or under a debugger, with no host access at all.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::cache::Cache;
use crate::cli::ReplayArgs;
use crate::debug::{self, DebuggerSetup};
use crate::options::{self, Settings};
use crate::program::{self, Program};
use crate::record::{self, Diverged, End, RecordFile, Recorded, Recording};
use crate::run::{self as runner, Ending};

/// The exit status after the end of a recording of an interrupted run, as
/// for the run itself (128 + SIGINT).
const INTERRUPTED: i32 = 130;

/// Replays `args.recording` and returns the exit status: the recorded
/// run's, if the replay ends as it did.
pub fn replay(args: &ReplayArgs) -> Result<i32> {
    let file = RecordFile::read(&args.recording)?;
    let program_path = program_path(args, &file);
    let bytes = std::fs::read(&program_path)
        .with_context(|| format!("cannot read the program `{}`", program_path.display()))?;
    if Sha256::digest(&bytes).as_slice() != file.header.program_sha256 {
        bail!(
            "`{}` is not the program `{}` recorded (their SHA-256 differ)",
            program_path.display(),
            args.recording.display()
        );
    }
    let mut settings = Settings::default();
    for option in &file.header.wasm_options {
        let list = options::wasm(option)
            .map_err(|error| anyhow::anyhow!("the recording's option `-W {option}`: {error}"))?;
        settings = settings.with(&[list]);
    }
    settings = settings.with(&args.debugging.debug);
    settings.deterministic = true;
    let debugging = args.debugging.wanted(&settings);
    let cache = Cache::new(&settings)?;
    let engine = program::engine(debugging, &settings)?;
    let program = Program::load(&engine, &program_path, &cache, debugging)?;
    let (module_linker, names) = record::linker(&engine)?;
    let recording = Recording::of(renumbered(file.calls, &file.header.names, &names)?);
    if debugging {
        let setup = DebuggerSetup::new(&args.debugging, &settings, cache, &program_path)?;
        return debug::run(&engine, &program, debug::Inputs::Recorded(recording), setup);
    }
    let ending = record::run_to_end(
        &engine,
        &program,
        module_linker,
        Recorded::replay(recording, true),
    )?;
    judge(ending, &file.end)
}

/// The program: as given, else the recorded file name next to the recording.
fn program_path(args: &ReplayArgs, file: &RecordFile) -> PathBuf {
    args.program.clone().unwrap_or_else(|| {
        let dir = args.recording.parent().unwrap_or(Path::new(""));
        dir.join(&file.header.program_name)
    })
}

/// The calls with their functions numbered as this wasmdebug numbers them.
fn renumbered(
    mut calls: Vec<record::Call>,
    recorded: &[String],
    ours: &[&str],
) -> Result<Vec<record::Call>> {
    let mut map = Vec::with_capacity(recorded.len());
    for name in recorded {
        match ours.iter().position(|our| our == name) {
            Some(index) => map.push(index as u16),
            None => {
                bail!("the recording uses the WASI function `{name}`, which this wasmdebug lacks")
            }
        }
    }
    for call in &mut calls {
        call.function = map[usize::from(call.function)];
    }
    Ok(calls)
}

/// The exit status of a replay that ended as `ending`, against how the
/// recorded run ended; a replay that ends otherwise is an error.
fn judge(ending: Ending, recorded: &End) -> Result<i32> {
    match (&ending, recorded) {
        (Ending::Exited(status), End::Exited(recorded)) if status == recorded => Ok(*status),
        (Ending::Trapped(error), End::Trapped(_)) if error.downcast_ref::<Diverged>().is_none() => {
            eprintln!("error: {}", runner::describe_trap(error));
            Ok(ending.exit_status())
        }
        (Ending::Trapped(error), End::Interrupted)
            if error
                .downcast_ref::<Diverged>()
                .is_some_and(Diverged::is_past_the_end) =>
        {
            eprintln!("the recording ends here: the recorded run was interrupted (Ctrl-C)");
            Ok(INTERRUPTED)
        }
        (Ending::Trapped(error), _) if error.downcast_ref::<Diverged>().is_some() => {
            bail!("{error:#}")
        }
        (_, recorded) => bail!(
            "the replay diverged: it ended with {}, the recorded run with {}",
            describe(&ending),
            describe_end(recorded)
        ),
    }
}

fn describe(ending: &Ending) -> String {
    match ending {
        Ending::Exited(status) => format!("exit status {status}"),
        Ending::Trapped(error) => format!("a trap ({error:#})"),
    }
}

fn describe_end(end: &End) -> String {
    match end {
        End::Exited(status) => format!("exit status {status}"),
        End::Trapped(trap) => format!("a trap ({})", trap.lines().next().unwrap_or_default()),
        End::Interrupted => "Ctrl-C".to_string(),
    }
}
