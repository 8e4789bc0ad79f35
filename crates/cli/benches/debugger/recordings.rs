//! Recordings to a file: what `run --record` costs a plain run, how large a recording is, and how fast `wasmdebug replay` runs.

use super::*;

/// `wasmdebug run`, recorded into `recording` if given; the program and
/// its options are the caller's to add.
pub fn run_command(recording: Option<&Path>) -> Command {
    let mut command = Command::new(wasmdebug());
    command.arg("run");
    if let Some(recording) = recording {
        command.arg("--record").arg(recording);
    }
    command
}

/// The medians of `cat` over a 32 MiB file (a host call per KiB read and
/// per KiB written): a plain run, `run --record`, and `wasmdebug replay` of
/// that recording, in milliseconds; and the recording's size in bytes.
pub fn cat_times(debuggee: &Path) -> (f64, f64, f64, f64) {
    let dir = time_travel::input_dir();
    let recording = dir.join("cat.wdrec");
    let dir_option = format!("{}::/data", dir.display());
    let run = |record: bool| {
        let mut command = run_command(record.then_some(&*recording));
        command
            .args(["--dir", &dir_option])
            .arg(debuggee)
            .args(["cat", "/data/input.bin"]);
        runs::median_run_time(command)
    };
    let plain = run(false);
    let recorded = run(true);
    let size = std::fs::metadata(&recording).map_or(f64::NAN, |file| file.len() as f64);
    let mut replay = Command::new(wasmdebug());
    replay.arg("replay").arg(&recording).arg(debuggee);
    (plain, recorded, runs::median_run_time(replay), size)
}

/// The size in bytes of a recording of `history clock 100000`: a program
/// that reads little but asks the clock for the time 100,000 times.
pub fn clock_recording_size(history: &Path) -> f64 {
    let recording = time_travel::input_dir().join("clock.wdrec");
    let mut command = Command::new(wasmdebug());
    command
        .arg("run")
        .arg("--record")
        .arg(&recording)
        .arg(history)
        .args(["clock", "100000"]);
    runs::median_run_time(command);
    std::fs::metadata(&recording).map_or(f64::NAN, |file| file.len() as f64)
}

/// The medians of `history floats 20000000`, float arithmetic and no host
/// call, as a plain run and as `run --record`, whose engine canonicalizes
/// NaNs (so that a recording replays with the same values anywhere): what
/// that costs float code, in milliseconds.
pub fn floats_times(history: &Path) -> (f64, f64) {
    let recording = time_travel::input_dir().join("floats.wdrec");
    let run = |record: bool| {
        let mut command = run_command(record.then_some(&*recording));
        command.arg(history).args(["floats", "20000000"]);
        runs::median_run_time(command)
    };
    (run(false), run(true))
}
