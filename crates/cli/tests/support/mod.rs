//! Shared test helpers: building the example debuggees and running the CLI.

#![allow(dead_code)] // each test binary uses its own subset

pub mod http;
pub mod lldb;
pub mod packet;
pub mod pattern;
pub mod piped;
pub mod rsp;
pub mod wasm;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::OnceLock;

/// The workspace's top directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The target directory this test run builds into, shared by every nested
/// build so registry crates compile once.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// A scratch directory of the calling test's own under the target
/// directory, emptied first.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The example programs of `examples/`, in each form we run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Debuggee {
    /// `examples/c/debuggee.c`, a core module built with clang.
    C,
    /// `examples/rust`, built for wasm32-wasip1: a core module.
    RustModule,
    /// `examples/rust`, built for wasm32-wasip2: a component.
    RustComponent,
    /// `examples/c/recurse.c`, recursion to a given depth, with an 8 MiB
    /// shadow stack. Not one of `ALL`: it has one mode of its own.
    Recursion,
    /// `examples/c/history.c`, the time-travel debuggee. Not one of `ALL`:
    /// its modes are its own.
    History,
}

impl Debuggee {
    pub const ALL: [Debuggee; 3] = [Debuggee::C, Debuggee::RustModule, Debuggee::RustComponent];

    /// The built program, building it on first use.
    pub fn path(self) -> &'static Path {
        static C: OnceLock<PathBuf> = OnceLock::new();
        static RUST_MODULE: OnceLock<PathBuf> = OnceLock::new();
        static RUST_COMPONENT: OnceLock<PathBuf> = OnceLock::new();
        static RECURSION: OnceLock<PathBuf> = OnceLock::new();
        static HISTORY: OnceLock<PathBuf> = OnceLock::new();
        match self {
            Debuggee::C => C.get_or_init(|| build_c("debuggee", &[])),
            Debuggee::Recursion => {
                RECURSION.get_or_init(|| build_c("recurse", &["-Wl,-z,stack-size=8388608"]))
            }
            Debuggee::History => HISTORY.get_or_init(|| build_c("history", &[])),
            Debuggee::RustModule => RUST_MODULE.get_or_init(|| build_rust("wasm32-wasip1")),
            Debuggee::RustComponent => RUST_COMPONENT.get_or_init(|| build_rust("wasm32-wasip2")),
        }
    }

    /// The source file, for finding lines by their `MARK:` comments.
    pub fn source(self) -> PathBuf {
        match self {
            Debuggee::C => workspace_root().join("examples/c/debuggee.c"),
            Debuggee::Recursion => workspace_root().join("examples/c/recurse.c"),
            Debuggee::History => workspace_root().join("examples/c/history.c"),
            Debuggee::RustModule | Debuggee::RustComponent => {
                workspace_root().join("examples/rust/src/main.rs")
            }
        }
    }

    /// The line holding the marker comment `MARK:<name>`.
    pub fn line_of(self, name: &str) -> u32 {
        marked_line(&self.source(), &format!("MARK:{name}"))
    }
}

/// The number of the line of `source` that holds `marker`.
pub fn marked_line(source: &Path, marker: &str) -> u32 {
    let text = std::fs::read_to_string(source).expect("example source is readable");
    let index = text
        .lines()
        .position(|line| line.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} in {source:?}"));
    index as u32 + 1
}

/// Builds `examples/c/<name>.c`, with `flags` added to clang's.
fn build_c(name: &str, flags: &[&str]) -> PathBuf {
    let out_dir = target_dir().join("debuggees");
    std::fs::create_dir_all(&out_dir).expect("create target/debuggees");
    let output = out_dir.join(format!("{name}-c.wasm"));
    // Build next to the final name and rename, so concurrent test processes
    // never see a half-written file.
    let partial = out_dir.join(format!("{name}-c.wasm.{}", std::process::id()));
    let source = workspace_root().join(format!("examples/c/{name}.c"));
    let status = Command::new("clang")
        .args(["--target=wasm32-wasi", "-g", "-O0"])
        .args(flags)
        .arg("-o")
        .arg(&partial)
        .arg(&source)
        .status()
        .expect("clang runs (install clang lld wasi-libc libclang-rt-dev-wasm32)");
    assert!(status.success(), "clang failed to build {source:?}");
    std::fs::rename(&partial, &output).expect("rename built C debuggee");
    output
}

fn build_rust(target: &str) -> PathBuf {
    cargo_build("wasmdebug-example", target, Profile::Debug);
    target_dir().join(target).join("debug/debuggee.wasm")
}

#[derive(Clone, Copy, PartialEq)]
enum Profile {
    Debug,
    Release,
}

/// Builds a workspace package for a Wasm target into the shared target
/// directory, so registry crates compile once for every test binary.
fn cargo_build(package: &str, target: &str, profile: Profile) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace_root())
        .args(["build", "--quiet", "-p", package, "--target", target])
        .arg("--target-dir")
        .arg(target_dir());
    if profile == Profile::Release {
        command.arg("--release");
    }
    let status = command.status().expect("cargo runs");
    assert!(
        status.success(),
        "cargo failed to build {package} for {target}"
    );
}

/// `examples/http-handler`, a `wasi:http/proxy` component built for
/// wasm32-wasip2 (debug, with DWARF) on first use.
pub fn http_handler() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        cargo_build("wasmdebug-http-handler", "wasm32-wasip2", Profile::Debug);
        target_dir().join("wasm32-wasip2/debug/wasmdebug_http_handler.wasm")
    })
}

/// A real program this project did not write: hexyl, a hex viewer from
/// crates.io, at this exact version.
pub const HEXYL_VERSION: &str = "0.17.0";

/// hexyl built from crates.io for wasm32-wasip1, debug (with DWARF), with
/// its own lock file, on first use. It is pinned, so a copy left by an
/// earlier run is this build: only the first run on a machine builds it
/// (about 20 s cold) and needs the registry.
pub fn hexyl() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| install_hexyl("wasm32-wasip1", &["--locked"]))
}

/// hexyl built for wasm32-wasip2: a component (wasi:cli/run). Its lock
/// file pins a rustix that predates wasip2, so this build resolves its
/// dependencies afresh (the newest compatible versions).
pub fn hexyl_component() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| install_hexyl("wasm32-wasip2", &[]))
}

/// Another real program: ripgrep, a search tool that walks a directory, at
/// this exact version.
pub const RIPGREP_VERSION: &str = "15.2.0";

/// ripgrep built from crates.io for wasm32-wasip1, debug, with its own lock
/// file, on first use (about 40 s cold; its code takes as long again to
/// compile for debugging, once: the compiled-code cache keeps it).
pub fn ripgrep() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        install(
            "ripgrep",
            RIPGREP_VERSION,
            "rg",
            "wasm32-wasip1",
            &["--locked"],
        )
    })
}

fn install_hexyl(target: &str, options: &[&str]) -> PathBuf {
    install("hexyl", HEXYL_VERSION, "hexyl", target, options)
}

/// `cargo install`s a crates.io program for `target`, debug, once: a copy
/// left by an earlier run is this build.
fn install(
    crate_name: &str,
    version: &str,
    binary: &str,
    target: &str,
    options: &[&str],
) -> PathBuf {
    let out_dir = target_dir().join("realworld");
    let output = out_dir.join(format!("{crate_name}-{version}-{target}.wasm"));
    if output.exists() {
        return output;
    }
    // Installed into a root of this process's own, then renamed into
    // place, so concurrent test processes never see a half-written file
    // (they share cargo's build lock on `out_dir`).
    let root = out_dir.join(format!(
        "install.{crate_name}.{target}.{}",
        std::process::id()
    ));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["install", "--quiet", "--debug"])
        .args(options)
        .args(["--target", target, "--root"])
        .arg(&root)
        .arg("--target-dir")
        .arg(&out_dir)
        .arg(format!("{crate_name}@{version}"))
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo failed to install {crate_name}@{version} for {target}"
    );
    std::fs::rename(root.join(format!("bin/{binary}.wasm")), &output)
        .expect("rename the built program");
    let _ = std::fs::remove_dir_all(&root);
    output
}

/// The `wasmdebug` binary under test, with a compiled-code cache of its
/// own under the target directory rather than the user's.
pub fn wasmdebug() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmdebug"));
    command.env("WASMDEBUG_CACHE_DIR", target_dir().join("test-cache"));
    command
}

/// Runs `command` to completion and returns what it printed and its status.
pub fn output(command: &mut Command) -> Output {
    command.output().expect("wasmdebug runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The built-in debugger component (`crates/gdbstub-component`), built for
/// wasm32-wasip2 in release mode on first use.
pub fn gdbstub_component() -> &'static Path {
    static COMPONENT: OnceLock<PathBuf> = OnceLock::new();
    COMPONENT.get_or_init(|| {
        cargo_build(
            "wasmdebug-gdbstub-component",
            "wasm32-wasip2",
            Profile::Release,
        );
        target_dir().join("wasm32-wasip2/release/wasmdebug_gdbstub_component.wasm")
    })
}

/// The scripted test debugger component (`crates/test-debugger`), built on
/// first use. Optimized, it is a tenth of the size and compiles in a
/// fraction of the time at every run.
pub fn test_debugger() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        cargo_build("wasmdebug-test-debugger", "wasm32-wasip2", Profile::Release);
        target_dir().join("wasm32-wasip2/release/wasmdebug_test_debugger.wasm")
    })
}

/// Like `output`, but kills the command if it has not ended within `limit`
/// and panics with what it printed, so a hung debuggee fails one test
/// instead of stalling the run.
pub fn output_within(command: &mut Command, limit: std::time::Duration) -> Output {
    use std::io::Read;
    use std::process::Stdio;

    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wasmdebug runs");
    // Drain both pipes on their own threads so a chatty child never blocks.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for wasmdebug") {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let output = Output {
        status: status.unwrap_or_default(),
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    assert!(
        status.is_some(),
        "{command:?} did not end within {limit:?}\nstdout:\n{}\nstderr:\n{}",
        self::stdout(&output),
        self::stderr(&output)
    );
    output
}

/// The compiled-code files in a cache directory, sorted.
pub fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|list| {
            list.filter_map(Result::ok)
                .map(|entry| entry.path())
                .collect()
        })
        .unwrap_or_default();
    entries.retain(|path| path.extension().is_some_and(|ext| ext == "cwasm"));
    entries.sort();
    entries
}

/// The address in the CLI's `Debugger listening on ADDR` line, if `line`
/// is that line.
pub fn listening_address(line: &str) -> Option<&str> {
    line.trim().strip_prefix("Debugger listening on ")
}

/// A `wasmdebug run -g 127.0.0.1:0 -D debugger=<the gdbstub component>` in
/// the background, with its stderr line by line.
pub struct Served {
    child: std::process::Child,
    /// Where the debugger listens, from its `Debugger listening on` line.
    pub addr: String,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Served {
    pub fn start(debuggee: Debuggee, args: &[&str]) -> Served {
        Served::start_program(debuggee.path(), args)
    }

    /// Like `start`, for any program file.
    pub fn start_program(program: &Path, args: &[&str]) -> Served {
        use std::io::BufRead;
        let mut child = wasmdebug()
            .arg("run")
            .args(["-g", "127.0.0.1:0", "-D"])
            .arg(format!("debugger={}", gdbstub_component().display()))
            .arg(program)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("wasmdebug starts");
        let pipe = child.stderr.take().expect("piped stderr");
        let (lines, stderr) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut served = Served {
            child,
            addr: String::new(),
            stderr,
        };
        let line = served.wait_line("Debugger listening on ");
        served.addr = listening_address(&line).unwrap_or_default().to_string();
        let connect = served.wait_line("Connect with: ");
        assert!(
            connect.contains(&format!("connect://{}", served.addr)),
            "{connect}"
        );
        served
    }

    /// Waits for a stderr line containing `text`.
    pub fn wait_line(&self, text: &str) -> String {
        loop {
            match self.stderr.recv_timeout(std::time::Duration::from_secs(60)) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => continue,
                Err(e) => panic!("no stderr line with {text:?}: {e}"),
            }
        }
    }

    /// Waits for the CLI to end; returns its exit status and stdout.
    pub fn finish(mut self) -> (Option<i32>, String) {
        use std::io::Read;
        let status = self.child.wait().expect("wasmdebug ends");
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            let _ = out.read_to_string(&mut stdout);
        }
        (status.code(), stdout)
    }
}

impl Served {
    /// The CLI's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child process, killed when dropped, so that a failing test leaves
/// nothing running.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU time (user + system) of process `pid`, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // The fields after the command name, which ends with the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("a command name in /proc/PID/stat")
        .1
        .split_whitespace()
        .collect();
    let ticks = |index: usize| fields[index].parse::<u64>().expect("a tick count");
    ticks(11) + ticks(12)
}
