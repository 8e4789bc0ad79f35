//! Shared test helpers: building the example debuggees and running the CLI.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
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

/// The example programs of `examples/`, in each form we run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Debuggee {
    /// `examples/c/debuggee.c`, a core module built with clang.
    C,
    /// `examples/rust`, built for wasm32-wasip1: a core module.
    RustModule,
    /// `examples/rust`, built for wasm32-wasip2: a component.
    RustComponent,
}

impl Debuggee {
    pub const ALL: [Debuggee; 3] = [Debuggee::C, Debuggee::RustModule, Debuggee::RustComponent];

    /// The built program, building it on first use.
    pub fn path(self) -> &'static Path {
        static C: OnceLock<PathBuf> = OnceLock::new();
        static RUST_MODULE: OnceLock<PathBuf> = OnceLock::new();
        static RUST_COMPONENT: OnceLock<PathBuf> = OnceLock::new();
        match self {
            Debuggee::C => C.get_or_init(build_c),
            Debuggee::RustModule => RUST_MODULE.get_or_init(|| build_rust("wasm32-wasip1")),
            Debuggee::RustComponent => RUST_COMPONENT.get_or_init(|| build_rust("wasm32-wasip2")),
        }
    }

    /// The source file, for finding lines by their `MARK:` comments.
    pub fn source(self) -> PathBuf {
        match self {
            Debuggee::C => workspace_root().join("examples/c/debuggee.c"),
            Debuggee::RustModule | Debuggee::RustComponent => {
                workspace_root().join("examples/rust/src/main.rs")
            }
        }
    }

    /// The line holding the marker comment `MARK:<name>`.
    pub fn line_of(self, name: &str) -> u32 {
        let marker = format!("MARK:{name}");
        let source = std::fs::read_to_string(self.source()).expect("example source is readable");
        let index = source
            .lines()
            .position(|line| line.contains(&marker))
            .unwrap_or_else(|| panic!("no {marker} in {:?}", self.source()));
        index as u32 + 1
    }
}

fn build_c() -> PathBuf {
    let out_dir = target_dir().join("debuggees");
    std::fs::create_dir_all(&out_dir).expect("create target/debuggees");
    let output = out_dir.join("debuggee-c.wasm");
    // Build next to the final name and rename, so concurrent test processes
    // never see a half-written file.
    let partial = out_dir.join(format!("debuggee-c.wasm.{}", std::process::id()));
    let source = workspace_root().join("examples/c/debuggee.c");
    let status = Command::new("clang")
        .args(["--target=wasm32-wasi", "-g", "-O0", "-o"])
        .arg(&partial)
        .arg(&source)
        .status()
        .expect("clang runs (install clang lld wasi-libc libclang-rt-dev-wasm32)");
    assert!(status.success(), "clang failed to build {source:?}");
    std::fs::rename(&partial, &output).expect("rename built C debuggee");
    output
}

fn build_rust(target: &str) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "-p",
            "wasmdebug-example",
            "--target",
            target,
        ])
        .arg("--target-dir")
        .arg(target_dir())
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo failed to build the Rust example for {target}"
    );
    target_dir().join(target).join("debug/debuggee.wasm")
}

/// The `wasmdebug` binary under test.
pub fn wasmdebug() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasmdebug"))
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
