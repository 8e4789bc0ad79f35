//! `wasmdebug replay`: a recording (`run --record`) run again, on its own
//! or under a debugger, with no host access at all.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::cache::Cache;
use crate::cli::ReplayArgs;
use crate::debug::{self, DebuggerSetup};
use crate::interrupt::INTERRUPTED;
use crate::options::{self, Settings};
use crate::program::{self, Program};
use crate::record::{self, Diverged, End, RecordFile, Recorded, Recording};
use crate::run::{self as runner, Ending};

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
        // What `run --record` writes, and nothing else: no limit or fuel
        // that the replay's engine would apply differently.
        if !option.starts_with("max-wasm-stack=") {
            bail!("the recording names the option `-W {option}`, which no recording has");
        }
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
    let (linkers, names) = record::linkers(&engine, &program)?;
    let calls = file.calls.len();
    let recording = Recording::of(renumbered(file.calls, &file.header.names, &names)?);
    if debugging {
        if let End::Trapped(trap) = &file.end
            && trap.contains("stack overflow")
        {
            eprintln!(
                "warning: the recorded run overflowed its stack; a debugger's frames are larger, \
                 so under it the overflow comes at another depth"
            );
        }
        let setup = DebuggerSetup::new(&args.debugging, &settings, cache, &program_path)?;
        return debug::run(&engine, &program, debug::Inputs::Recorded(recording), setup);
    }
    let (ending, data) = record::run_to_end(
        &engine,
        &program,
        &linkers,
        Recorded::replay(recording, true),
    )?;
    judge(ending, data.replayed() == Some(calls), &file.end)
}

/// The program: as given, else the recorded file name (a name, never a
/// path) next to the recording.
fn program_path(args: &ReplayArgs, file: &RecordFile) -> PathBuf {
    args.program.clone().unwrap_or_else(|| {
        let dir = args.recording.parent().unwrap_or(Path::new(""));
        let name = Path::new(&file.header.program_name)
            .file_name()
            .unwrap_or_default();
        dir.join(name)
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

/// The exit status of a replay that ended as `ending`, having used every
/// recorded call (`all_calls`) or not, against how the recorded run ended;
/// a replay that ends otherwise is an error.
fn judge(ending: Ending, all_calls: bool, recorded: &End) -> Result<i32> {
    let diverged = match &ending {
        Ending::Trapped(error) => error.downcast_ref::<Diverged>(),
        Ending::Exited(_) => None,
    };
    if let End::Interrupted = recorded {
        // The recorded run stopped at Ctrl-C; the replay runs up to its
        // last call, and on only as far as the next.
        return match diverged {
            Some(diverged) if !diverged.is_past_the_end() => {
                bail!("the replay diverged: {diverged}")
            }
            _ => {
                eprintln!("the recording ends here: the recorded run was interrupted (Ctrl-C)");
                Ok(i32::from(INTERRUPTED))
            }
        };
    }
    if let Some(diverged) = diverged {
        bail!("the replay diverged: {diverged}");
    }
    let same = all_calls
        && match (&ending, recorded) {
            (Ending::Exited(status), End::Exited(recorded)) => status == recorded,
            (Ending::Trapped(error), End::Trapped(trap)) => {
                first_line(&runner::describe_trap(error)) == first_line(trap)
            }
            _ => false,
        };
    if !same {
        bail!(
            "the replay diverged: it ended with {}, the recorded run with {}{}",
            describe(&ending),
            describe_end(recorded),
            if all_calls {
                ""
            } else {
                ", and made fewer calls"
            }
        );
    }
    if let Ending::Trapped(error) = &ending {
        eprintln!("error: {}", runner::describe_trap(error));
    }
    Ok(ending.exit_status())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
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
        End::Trapped(trap) => format!("a trap ({})", first_line(trap)),
        End::Interrupted => "Ctrl-C".to_string(),
    }
}
