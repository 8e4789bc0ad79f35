//! Building the programs measured: the C and Rust debuggees and the HTTP handler.

use super::*;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

pub fn build_c_debuggee() -> PathBuf {
    // 16 MiB of memory from the start, so that the memory read covers 8 MiB
    // of real memory in the largest packets.
    build_c("debuggee", "-Wl,--initial-memory=16777216")
}

/// `examples/c/NAME.c` built (debug, -O0) with the linker flag `link`,
/// as `debuggees/bench-NAME-c.wasm`.
pub fn build_c(name: &str, link: &str) -> PathBuf {
    let output = target_dir().join(format!("debuggees/bench-{name}-c.wasm"));
    std::fs::create_dir_all(output.parent().unwrap()).unwrap();
    let status = Command::new("clang")
        .args(["--target=wasm32-wasi", "-g", "-O0", link])
        .arg("-o")
        .arg(&output)
        .arg(workspace_root().join(format!("examples/c/{name}.c")))
        .status()
        .expect("clang runs");
    assert!(status.success());
    output
}

/// `examples/rust` built (debug, as a user debugs it) for `target`.
pub fn build_rust_debuggee(target: &str) -> PathBuf {
    build_rust("wasmdebug-example", target);
    target_dir().join(target).join("debug/debuggee.wasm")
}

/// `examples/http-handler`, the `serve` tests' handler, built (debug).
pub fn build_http_handler() -> PathBuf {
    build_rust("wasmdebug-http-handler", "wasm32-wasip2");
    target_dir().join("wasm32-wasip2/debug/wasmdebug_http_handler.wasm")
}

/// Builds one of the workspace's example packages, debug, for `target`.
pub fn build_rust(package: &str, target: &str) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "--quiet", "-p", package, "--target", target])
        .arg("--target-dir")
        .arg(target_dir())
        .status()
        .expect("cargo runs");
    assert!(status.success());
}
