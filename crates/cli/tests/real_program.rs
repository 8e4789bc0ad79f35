//! Real programs this project did not write, debugged as a user would:
//! hexyl (a hex viewer, from crates.io, built by the test setup, as a core
//! module and as a component) and ripgrep (searching a directory of files)
//! under `wasmdebug run`, with and without a stock LLDB attached.

#![cfg(feature = "gdbstub")]

mod support;

use std::path::{Path, PathBuf};

use support::lldb::{self, Runtime};
use support::{output, scratch_dir, stderr, stdout, wasmdebug};

/// The input file's bytes: text, a newline, and bytes of each of hexyl's
/// other classes (NUL, ASCII control, non-ASCII), 17 in all: two lines.
const INPUT: &[u8] = b"Hello, wasm!\n\x00\x01\x02\xff";

/// What hexyl 0.17.0 prints for `INPUT` (box drawing, `┊` panel separators
/// and its symbols for byte classes: multi-byte UTF-8 all through).
const EXPECTED: &str = "\
┌────────┬─────────────────────────┬─────────────────────────┬────────┬────────┐
│00000000│ 48 65 6c 6c 6f 2c 20 77 ┊ 61 73 6d 21 0a 00 01 02 │Hello, w┊asm!_⋄••│
│00000010│ ff                      ┊                         │×       ┊        │
└────────┴─────────────────────────┴─────────────────────────┴────────┴────────┘
";

/// A directory holding `input.bin`, for `--dir` (the guest sees it as
/// `/data`).
fn input_dir(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    std::fs::write(dir.join("input.bin"), INPUT).expect("write input.bin");
    dir
}

/// wasmdebug's options for that directory: `--dir DIR::/data`.
fn options(dir: &Path) -> [String; 2] {
    ["--dir".into(), format!("{}::/data", dir.display())]
}

/// hexyl's arguments: the input file, without colours (hexyl's default is
/// to colour even a pipe).
const ARGS: [&str; 2] = ["--color=never", "/data/input.bin"];

#[test]
fn hexyl_runs_and_prints_its_dump() {
    let dir = input_dir("hexyl-run");
    let out = output(
        wasmdebug()
            .arg("run")
            .args(options(&dir))
            .arg(support::hexyl())
            .args(ARGS),
    );
    assert_eq!(stdout(&out), EXPECTED, "stderr:\n{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn hexyl_breakpoint_by_regex_backtrace_and_arguments() {
    let dir = input_dir("hexyl-lldb");
    let options = options(&dir);
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let plain = output(
        wasmdebug()
            .arg("run")
            .args(&options)
            .arg(support::hexyl())
            .args(ARGS),
    );

    // `Printer::print_byte(&mut self, i: usize, b: u8)` runs once per byte.
    // The regex must match the function's linkage name (`..10print_byte17h..`)
    // as well as its symbol's demangled one: LLDB searches the DWARF by
    // linkage name, and a match found only in the symbol table
    // (`print_byte::h..`) gets no prologue skip, so the arguments would be
    // read before the prologue has stored them.
    let session = lldb::attach(
        Runtime::start(&options, support::hexyl(), &ARGS),
        &[
            "breakpoint set -r 'print_byte[^s_]'",
            "c",
            "bt",
            "frame variable",
            "frame variable *self",
            "c",
            "frame variable",
            "breakpoint delete -f",
            "c",
        ],
        &[],
    );
    session.expect(
        &[
            "Breakpoint 1: where = ",
            "print_byte",
            "stop reason = breakpoint 1.1",
            // bt: the tool's own frames, out to its `main`.
            "frame #0: ",
            "print_byte",
            "frame #1: ",
            "print_bytes",
            "frame #2: ",
            "print_all",
            "frame #3: ",
            "hexyl::run",
            "frame #4: ",
            "hexyl::main",
            // frame variable: the first byte of the input.
            "self = 0x",
            "i = 0",
            "b = 'H'",
            // The printer, read through `self`: as the arguments set it up.
            "show_color = false",
            "border_style = Unicode",
            "panels = 2",
            // The second call: the second byte.
            "stop reason = breakpoint 1.1",
            "self = 0x",
            "i = 1",
            "b = 'e'",
            "exited with status = 0",
        ],
        plain.status.code().expect("plain run exited"),
    );
    assert!(!session.lldb.contains("NULL"), "{}", session.lldb);
    assert_eq!(session.stdout, stdout(&plain));
    assert_eq!(session.stdout, EXPECTED);
}

/// hexyl as a core module and as a component.
fn hexyl_builds() -> [&'static Path; 2] {
    [support::hexyl(), support::hexyl_component()]
}

/// Time travel on a real program: going back one `print_byte` call shows
/// exactly the frame it showed the first time, and going forward again
/// prints nothing twice.
#[test]
fn hexyl_goes_back_one_call_and_shows_it_as_it_was() {
    for hexyl in hexyl_builds() {
        goes_back_one_call_and_shows_it_as_it_was(hexyl);
    }
}

fn goes_back_one_call_and_shows_it_as_it_was(hexyl: &Path) {
    let dir = input_dir("hexyl-reverse");
    let (shown, stdout) = back_one_hit(hexyl, &dir, &ARGS, "print_byte[^s_]", "i b");
    assert!(
        shown[0].contains("i = 1") && shown[0].contains("b = 'e'"),
        "{}",
        shown[0]
    );
    assert_eq!(stdout, EXPECTED);
}

/// Under LLDB, the second and third hits of a breakpoint (by `regex`), then
/// back one hit and forward one, each shown by `frame variable VARIABLES`.
/// Checks that going back shows the second hit exactly as it was, and
/// forward again the third; returns the four and the program's stdout.
fn back_one_hit(
    program: &Path,
    dir: &Path,
    args: &[&str],
    regex: &str,
    variables: &str,
) -> (Vec<String>, String) {
    let options = options(dir);
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let breakpoint = format!("breakpoint set -r '{regex}'");
    let show = format!("frame variable {variables}");
    let session = lldb::attach_python(
        Runtime::start(&options, program, args),
        &[
            &breakpoint,
            "c",
            "c",
            &show,
            "c",
            &show,
            "process continue --reverse",
            &show,
            "process continue -F",
            &show,
            "breakpoint delete -f",
            "c",
        ],
    );
    session.expect(&["exited with status = 0"], 0);
    let shown: Vec<String> = session
        .lldb
        .split(&format!("(lldb) {show}\n"))
        .skip(1)
        .map(|block| block.split("(lldb)").next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(shown.len(), 4, "{}", session.lldb);
    assert_ne!(shown[1], shown[0], "another hit");
    assert_eq!(shown[2], shown[0], "back one hit: as it was");
    assert_eq!(shown[3], shown[1], "forward again: as it was");
    (shown, session.stdout)
}

/// A recording of a real program: hexyl's run recorded, its input file
/// deleted, and the replay prints the same dump.
#[test]
fn hexyl_recorded_then_replayed_without_its_input() {
    for hexyl in hexyl_builds() {
        recorded_then_replayed_without_its_input(hexyl);
    }
}

fn recorded_then_replayed_without_its_input(hexyl: &Path) {
    let dir = input_dir("hexyl-record");
    let recording = dir.join("hexyl.wdrec");
    let options = options(&dir);
    let recorded = output(
        wasmdebug()
            .arg("run")
            .arg("--record")
            .arg(&recording)
            .args(&options)
            .arg(hexyl)
            .args(ARGS),
    );
    assert_eq!(stdout(&recorded), EXPECTED, "{}", stderr(&recorded));
    std::fs::remove_file(dir.join("input.bin")).unwrap();
    let replayed = output(wasmdebug().arg("replay").arg(&recording).arg(hexyl));
    assert_eq!(stdout(&replayed), EXPECTED, "{}", stderr(&replayed));
    assert_eq!(replayed.status.code(), Some(0));
}

/// A directory of three files, two with a match, for ripgrep.
fn haystack(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    std::fs::write(dir.join("a.txt"), "alpha\nneedle one\n").unwrap();
    std::fs::write(dir.join("b.txt"), "needle two\nbeta\n").unwrap();
    std::fs::write(dir.join("c.txt"), "gamma\n").unwrap();
    dir
}

/// ripgrep's arguments: the files in a fixed order, with line numbers.
const RG_ARGS: [&str; 5] = ["--sort", "path", "-n", "needle", "/data"];

const RG_EXPECTED: &str = "/data/a.txt:2:needle one\n/data/b.txt:1:needle two\n";

/// ripgrep reads several files: going back one `search_path` call (one a
/// file) shows exactly the frame it showed the first time, and its output
/// is a plain run's.
#[test]
fn ripgrep_goes_back_one_file_and_shows_it_as_it_was() {
    let dir = haystack("rg-reverse");
    let plain = output(
        wasmdebug()
            .arg("run")
            .args(options(&dir))
            .arg(support::ripgrep())
            .args(RG_ARGS),
    );
    assert_eq!(stdout(&plain), RG_EXPECTED, "{}", stderr(&plain));
    let (shown, stdout) = back_one_hit(
        support::ripgrep(),
        &dir,
        &RG_ARGS,
        "SearchWorker.*search_path",
        "path",
    );
    assert!(shown[0].contains("data_ptr = 0x"), "{}", shown[0]);
    assert_eq!(stdout, RG_EXPECTED);
}

/// ripgrep's search recorded, its files deleted: the replay finds the same
/// lines.
#[test]
fn ripgrep_recorded_then_replayed_without_its_files() {
    let dir = haystack("rg-record");
    let recording = dir.join("rg.wdrec");
    let recorded = output(
        wasmdebug()
            .arg("run")
            .arg("--record")
            .arg(&recording)
            .args(options(&dir))
            .arg(support::ripgrep())
            .args(RG_ARGS),
    );
    assert_eq!(stdout(&recorded), RG_EXPECTED, "{}", stderr(&recorded));
    for file in ["a.txt", "b.txt", "c.txt"] {
        std::fs::remove_file(dir.join(file)).unwrap();
    }
    let replayed = output(
        wasmdebug()
            .arg("replay")
            .arg(&recording)
            .arg(support::ripgrep()),
    );
    assert_eq!(stdout(&replayed), RG_EXPECTED, "{}", stderr(&replayed));
    assert_eq!(replayed.status.code(), Some(0));
}
