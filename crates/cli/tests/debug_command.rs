//! `wasmdebug debug` with a stock LLDB, driven through pipes as a user at the
//! prompt would; finding LLDB and refusing one without the Wasm plugin;
//! cargo's runner; and the metadata `cargo binstall` reads.

#![cfg(feature = "gdbstub")]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::lldb::{self, assert_in_order};
use support::piped::Piped;
use support::{Debuggee, output_within, stderr, stdout};

const BASIC_OUTPUT: &str = "factorial(5) = 120\nsum = 110\ncounter = 4\n";

/// How long a whole `wasmdebug debug` run may take.
const LIMIT: Duration = Duration::from_secs(120);

/// `wasmdebug debug ARGS` with the tested LLDB (through $WASMDEBUG_LLDB).
fn debug(args: &[&str]) -> Command {
    let mut command = support::wasmdebug();
    command
        .arg("debug")
        .env("WASMDEBUG_LLDB", lldb::lldb())
        .args(args);
    command
}

#[test]
fn commands_up_front_and_on_stdin_stop_at_main_show_the_backtrace_and_run_to_the_end() {
    let mut command = debug(&["-o", "b main", "-o", "c"]);
    let mut session = Piped::spawn(command.arg(Debuggee::C.path()));
    session.wait_for("stop reason = breakpoint 1.1");
    session.wait_for("`main(argc=1");
    session.send("bt");
    session.wait_for("frame #1");
    session.wait_for("_start");
    session.send("c");
    // The program's output, then LLDB's word of its end.
    session.wait_for(BASIC_OUTPUT);
    session.wait_for("exited with status = 0");
    session.send("quit");
    let (status, _, stderr) = session.finish();
    assert_eq!(status, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn batch_runs_the_commands_and_ends_with_the_program_status() {
    let output = output_within(
        debug(&["--batch", "-o", "b main", "-o", "c", "-o", "bt", "-o", "c"])
            .arg(Debuggee::C.path())
            .args(["exit", "7"]),
        LIMIT,
    );
    let stdout = stdout(&output);
    assert_in_order(
        &stdout,
        &[
            "process connect --plugin wasm connect://127.0.0.1:",
            "stop reason = breakpoint 1.1",
            "`main(argc=3",
            "frame #1",
            "exited with status = 7",
        ],
    );
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
}

#[test]
fn run_options_reach_the_program() {
    let output = output_within(
        debug(&["-b", "-o", "c", "--env", "GREETING=hello"])
            .arg(Debuggee::C.path())
            .args(["env", "GREETING"]),
        LIMIT,
    );
    assert_in_order(
        &stdout(&output),
        &["GREETING=hello\n", "exited with status = 0"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A program that reads its stdin to the end and exits with how many bytes
/// it read.
const STDIN_COUNTER: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $total i32)
    ;; One iovec at 0: 256 bytes at 16; the count read lands at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 256))
    (block $end
      (loop $more
        (br_if $end (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $end (i32.eqz (i32.load (i32.const 8))))
        (local.set $total (i32.add (local.get $total) (i32.load (i32.const 8))))
        (br $more)))
    (call $proc_exit (local.get $total))))
"#;

#[test]
fn the_program_reads_no_stdin_the_terminal_is_lldbs() {
    let program = support::scratch_dir("debug-stdin").join("count-stdin.wat");
    std::fs::write(&program, STDIN_COUNTER).unwrap();
    // Batch mode leaves stdin to whoever reads it: only the program could.
    let mut session = Piped::spawn(debug(&["-b", "-o", "c"]).arg(&program));
    session.send("these bytes are not the program's");
    let (status, stdout, stderr) = session.finish();
    assert_in_order(&stdout, &["exited with status = 0"]);
    assert_eq!(status, Some(0), "{stderr}");
    // The same program under `run` does read them.
    let mut run = support::wasmdebug();
    let mut session = Piped::spawn(run.arg("run").arg(&program));
    session.send("1234");
    let (status, _, stderr) = session.finish();
    assert_eq!(status, Some(5), "{stderr}");
}

#[test]
fn a_program_still_running_when_lldb_quits_is_stopped() {
    // LLDB detaches as it quits; the program would spin on forever.
    let output = output_within(
        debug(&["-b", "-o", "b main", "-o", "c"])
            .arg(Debuggee::C.path())
            .arg("spin"),
        LIMIT,
    );
    let stderr = stderr(&output);
    assert_in_order(&stdout(&output), &["stop reason = breakpoint 1.1"]);
    assert!(
        stderr.contains("the program was stopped: LLDB quit before it ended"),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(137), "{stderr}");
}

#[test]
fn dash_g_is_refused_as_the_system_picks_the_port() {
    let output = output_within(debug(&["-g", "1234"]).arg(Debuggee::C.path()), LIMIT);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("-g is not taken by `wasmdebug debug`"),
        "{}",
        stderr(&output)
    );
}

/// What LLDB 14 (Debian 12's) prints for `--batch -o version -o 'platform
/// list'`: it has no Wasm plugin.
const LLDB_14: &str = "\
(lldb) version
lldb version 14.0.6
(lldb) platform list
Available platforms:
host: Local Linux user platform plug-in.
remote-linux: Remote Linux user platform plug-in.
remote-android: Remote Android user platform plug-in.
remote-freebsd: Remote FreeBSD user platform plug-in.
remote-gdb-server: A platform that uses the GDB remote protocol as the communication transport.
remote-ios: Remote iOS platform plug-in.
remote-macosx: Remote Mac OS X user platform plug-in.
host: Local Mac OS X user platform plug-in.
remote-netbsd: Remote NetBSD user platform plug-in.
remote-openbsd: Remote OpenBSD user platform plug-in.
qemu-user: Platform for debugging binaries under user mode qemu
remote-windows: Remote Windows user platform plug-in.
";

/// A directory holding an `lldb` that answers as LLDB 14 does, whatever it
/// is asked, and an empty one.
fn fake_lldb_dirs(test: &str) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let scratch = support::scratch_dir(test);
    let (fake, empty) = (scratch.join("fake"), scratch.join("empty"));
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::create_dir_all(&empty).unwrap();
    let script = fake.join("lldb");
    std::fs::write(&script, format!("#!/bin/sh\ncat <<'EOF'\n{LLDB_14}EOF\n")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (fake, empty)
}

/// `wasmdebug debug` that finds no usable LLDB: it fails with one line
/// (status 1) holding each of `expected`, and says what to install, before
/// the program runs.
#[track_caller]
fn check_refused(command: &mut Command, expected: &[&str]) {
    let output = output_within(command.arg(Debuggee::C.path()), LIMIT);
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for text in expected
        .iter()
        .chain(&["lldb-for-pwndbg", "LLDB 23 or newer"])
    {
        assert!(stderr.contains(text), "{text:?} in {stderr}");
    }
    assert_eq!(stdout(&output), "");
}

#[test]
fn a_missing_lldb_is_one_line_naming_where_it_looked() {
    let (_, empty) = fake_lldb_dirs("debug-missing-lldb");
    check_refused(
        support::wasmdebug()
            .args(["debug"])
            .env_remove("WASMDEBUG_LLDB")
            .env("PATH", &empty),
        &[
            "--lldb not given",
            "$WASMDEBUG_LLDB not set",
            "no `lldb` on PATH",
        ],
    );
    let missing = empty.join("lldb-23");
    check_refused(
        support::wasmdebug()
            .args(["debug", "--lldb"])
            .arg(&missing)
            .env("WASMDEBUG_LLDB", lldb::lldb()),
        &[&format!("no LLDB at `{}` (from --lldb)", missing.display())],
    );
    check_refused(
        support::wasmdebug()
            .args(["debug"])
            .env("WASMDEBUG_LLDB", &missing),
        &[&format!(
            "no LLDB at `{}` (from $WASMDEBUG_LLDB)",
            missing.display()
        )],
    );
}

#[test]
fn an_lldb_without_the_wasm_plugin_is_one_line_naming_it() {
    let (fake, _) = fake_lldb_dirs("debug-lldb-without-plugin");
    let fake_lldb = fake.join("lldb");
    // On PATH, after the other two places.
    let path =
        std::env::join_paths([fake.as_path(), Path::new("/usr/bin"), Path::new("/bin")]).unwrap();
    let without_plugin = "has no Wasm plugin (`platform list` shows no `wasm`)";
    check_refused(
        support::wasmdebug()
            .args(["debug"])
            .env_remove("WASMDEBUG_LLDB")
            .env("PATH", &path),
        &[
            &format!(
                "lldb version 14.0.6 at `{}` (from PATH)",
                fake_lldb.display()
            ),
            without_plugin,
        ],
    );
    // $WASMDEBUG_LLDB comes before PATH, and --lldb before both.
    let real_lldb_dir = lldb::lldb().parent().unwrap().to_path_buf();
    check_refused(
        support::wasmdebug()
            .args(["debug"])
            .env("WASMDEBUG_LLDB", &fake_lldb)
            .env("PATH", &real_lldb_dir),
        &[
            &format!("at `{}` (from $WASMDEBUG_LLDB)", fake_lldb.display()),
            without_plugin,
        ],
    );
    check_refused(
        support::wasmdebug()
            .args(["debug", "--lldb"])
            .arg(&fake_lldb)
            .env("WASMDEBUG_LLDB", lldb::lldb()),
        &[
            &format!("at `{}` (from --lldb)", fake_lldb.display()),
            without_plugin,
        ],
    );
}

/// A small Rust program in a directory of its own (not this workspace),
/// for wasm32-wasip1, with `runner` as its cargo runner.
fn runner_crate(test: &str, runner: &[&str]) -> PathBuf {
    let dir = support::scratch_dir(test);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join(".cargo")).unwrap();
    // The toolchain that has the Wasm targets.
    std::fs::copy(
        support::workspace_root().join("rust-toolchain.toml"),
        dir.join("rust-toolchain.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"greeter\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() {\n\
         \x20   let args: Vec<String> = std::env::args().skip(1).collect();\n\
         \x20   println!(\"hello, {}\", args.join(\" \"));\n\
         \x20   std::process::exit(3);\n\
         }\n\n\
         #[test]\n\
         fn arithmetic() {\n\
         \x20   assert_eq!(6 * 7, 42);\n\
         }\n",
    )
    .unwrap();
    set_runner(&dir, runner);
    dir
}

/// Writes the crate's `.cargo/config.toml`: wasm32-wasip1 by default, run by
/// `runner` (TOML literal strings: no escapes).
fn set_runner(dir: &Path, runner: &[&str]) {
    let runner: Vec<String> = runner.iter().map(|arg| format!("'{arg}'")).collect();
    std::fs::write(
        dir.join(".cargo/config.toml"),
        format!(
            "[build]\ntarget = \"wasm32-wasip1\"\n\n[target.wasm32-wasip1]\nrunner = [{}]\n",
            runner.join(", ")
        ),
    )
    .unwrap();
}

fn cargo(dir: &Path, args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(dir)
        .arg("--quiet")
        .args(args)
        // Its own target directory: nothing of it among the workspace's.
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env(
            "WASMDEBUG_CACHE_DIR",
            support::target_dir().join("test-cache"),
        )
        .env("WASMDEBUG_LLDB", lldb::lldb());
    command
}

#[test]
fn cargo_run_and_cargo_test_go_through_the_runner() {
    let wasmdebug = env!("CARGO_BIN_EXE_wasmdebug");
    let dir = runner_crate("debug-cargo-runner", &[wasmdebug, "run"]);

    let output = output_within(&mut cargo(&dir, &["run", "--", "from", "cargo"]), LIMIT);
    assert_eq!(
        stdout(&output),
        "hello, from cargo\n",
        "{}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));

    let output = output_within(&mut cargo(&dir, &["test"]), LIMIT);
    assert!(
        stdout(&output).contains("test result: ok. 1 passed"),
        "{}\n{}",
        stdout(&output),
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // `wasmdebug debug` as the runner: LLDB on the program, here in batch.
    set_runner(
        &dir,
        &[
            wasmdebug,
            "debug",
            "-b",
            "-o",
            "b main.rs:3",
            "-o",
            "c",
            "-o",
            "breakpoint disable",
            "-o",
            "c",
        ],
    );
    let output = output_within(&mut cargo(&dir, &["run", "--", "again"]), LIMIT);
    assert_in_order(
        &stdout(&output),
        &[
            "stop reason = breakpoint 1.1",
            "main.rs:3",
            "hello, again\n",
            "exited with status = 3",
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

/// `{ name }` and the like in `template`, replaced by `values`.
fn expand(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("`{` closed by `}`");
        let name = rest[start + 1..end].trim();
        let value = values
            .iter()
            .find(|(known, _)| *known == name)
            .unwrap_or_else(|| panic!("unknown template variable `{name}` in {template}"))
            .1;
        text.push_str(&rest[..start]);
        text.push_str(value);
        rest = &rest[end + 1..];
    }
    text + rest
}

/// The string value of `key` in `[section]` of a TOML file, for the simple
/// `key = "value"` lines these files use.
fn toml_value(path: &Path, section: &str, key: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut in_section = section.is_empty();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == format!("[{section}]");
            continue;
        }
        if let Some((name, value)) = line.split_once('=')
            && in_section
            && name.trim() == key
        {
            return value.trim().trim_matches('"').to_string();
        }
    }
    panic!("no {key} in [{section}] of {}", path.display());
}

#[test]
fn cargo_binstall_finds_the_release_archive() {
    let root = support::workspace_root();
    let manifest = root.join("crates/cli/Cargo.toml");
    let version = toml_value(&root.join("Cargo.toml"), "workspace.package", "version");
    let repo = toml_value(&root.join("Cargo.toml"), "workspace.package", "repository");
    let tag =
        toml_value(&root.join("release.toml"), "", "tag-name").replace("{{version}}", &version);
    let target = "x86_64-unknown-linux-gnu";
    let output = Command::new("bash")
        .arg(root.join("ci/release-name.sh"))
        .args([version.as_str(), target])
        .output()
        .expect("bash runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let name = stdout(&output).trim().to_string();

    // As cargo-binstall fills its templates for this package and target.
    let values = [
        ("name", "wasmdebug"),
        ("version", version.as_str()),
        ("repo", repo.as_str()),
        ("target", target),
        ("bin", "wasmdebug"),
        ("binary-ext", ""),
    ];
    let binstall = "package.metadata.binstall";
    assert_eq!(
        expand(&toml_value(&manifest, binstall, "pkg-url"), &values),
        format!("{repo}/releases/download/{tag}/{name}.tar.gz")
    );
    assert_eq!(
        expand(&toml_value(&manifest, binstall, "bin-dir"), &values),
        format!("{name}/wasmdebug")
    );
    assert_eq!(toml_value(&manifest, binstall, "pkg-fmt"), "tgz");
    // Builds of others, or from source, lack the debugger.
    assert_eq!(
        toml_value(&manifest, binstall, "disabled-strategies"),
        r#"["quick-install", "compile"]"#
    );
}
