//! The `wasmtime run` flags users carry over (`--invoke`, `--argv0`,
//! `--preload`, `-W`, `-S`, `-C`, `-O`, `-D`), the compiled-code cache's
//! bound, and the compile progress report: each case one `check`.

mod calls;
mod compiles;
mod groups;
#[path = "../support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use support::{Debuggee, output, stderr, stdout, test_debugger, wasmdebug};

/// A scratch directory of this test's own under the target directory.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = support::target_dir().join("test-scratch/flags").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Writes a WAT program into the shared scratch directory, by name.
fn wat(name: &str, text: &str) -> String {
    let dir = support::target_dir().join("test-scratch/flags/programs");
    std::fs::create_dir_all(&dir).expect("create program dir");
    let path = dir.join(format!("{name}.wat"));
    std::fs::write(&path, text).expect("write program");
    path.to_string_lossy().into_owned()
}

fn path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Runs `wasmdebug ARGS` and checks its exit status, its stdout (exactly,
/// when given) and that its stderr contains `stderr`.
fn check(args: &[&str], status: i32, expected_stdout: Option<&str>, expected_stderr: &str) {
    let out = output(wasmdebug().args(args));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(status), "{args:?}\n{err}");
    if let Some(expected) = expected_stdout {
        assert_eq!(stdout(&out), expected, "{args:?}\n{err}");
    }
    assert!(
        err.contains(expected_stderr),
        "{args:?}: expected {expected_stderr:?} in\n{err}"
    );
}

/// A command-line error: exit status 2 and clap's message style.
fn check_usage(args: &[&str], expected_stderr: &str) {
    check(args, 2, Some(""), expected_stderr);
    let out = output(wasmdebug().args(args));
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(err.contains("For more information, try '--help'."), "{err}");
}

/// A module whose exports `--invoke` calls.
const ADD: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.div (local.get 0) (f64.const 2)))
  (func (export "pair") (param i64) (result i64 i32) (local.get 0) (i32.const -1))
  (func (export "trap") unreachable))"#;
