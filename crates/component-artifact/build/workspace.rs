//! Building the component from the source workspace, reproducibly, with a nested cargo.
//!
//! The nested build has its own target directory: the outer build holds
//! the lock on its own. It gets none of the outer build's flags or profile
//! settings (those are for the host binary) and a fixed release profile
//! tuned for size. Its output depends only on the source and the toolchain:
//! every absolute path a build could embed (workspace, cargo home, sysroot,
//! target directory) is remapped to a fixed name, and nothing else varies
//! (no timestamps in Wasm, one codegen unit).
//!
//! `tests/reproducible.rs` includes this file too, and checks that claim.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPONENT_PACKAGE: &str = "wasmdebug-gdbstub-component";
const COMPONENT_FILE: &str = "wasmdebug_gdbstub_component.wasm";
const TARGET: &str = "wasm32-wasip2";

/// The variables this module reads, for the build script's rerun lines.
#[allow(dead_code)] // the test that includes this file does not need it
pub const ENV_READ: &[&str] = &["CARGO", "RUSTC", "CARGO_HOME", "HOME", "CARGO_NET_OFFLINE"];

/// The workspace root, when this crate sits in the source workspace: the
/// sibling component crate is there, and this is no packaged copy (cargo
/// writes `.cargo_vcs_info.json` into every package it makes).
#[allow(dead_code)]
pub fn source_workspace(manifest_dir: &Path) -> Option<PathBuf> {
    let sibling = manifest_dir.join("../gdbstub-component/Cargo.toml");
    let packaged = manifest_dir.join(".cargo_vcs_info.json");
    (sibling.is_file() && !packaged.exists()).then(|| manifest_dir.join("../.."))
}

/// Builds the component of `workspace` into `target_dir`; returns the path
/// of the `.wasm` (its dep-info file is beside it, extension `.d`).
pub fn build_component(workspace: &Path, target_dir: &Path) -> Result<PathBuf, String> {
    let workspace = canonical(workspace)?;
    std::fs::create_dir_all(target_dir)
        .map_err(|error| format!("cannot create {}: {error}", target_dir.display()))?;
    let target_dir = canonical(target_dir)?;
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args([
            "build",
            "--release",
            "--quiet",
            "--package",
            COMPONENT_PACKAGE,
            "--target",
            TARGET,
            // The workspace's lock file decides the component's dependencies.
            "--locked",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // `--offline` does not reach build scripts; CARGO_NET_OFFLINE does.
    if env::var("CARGO_NET_OFFLINE").is_ok_and(|value| value == "true" || value == "1") {
        command.arg("--offline");
    }
    // The outer build's settings are for the host binary, not for the
    // component: drop them all.
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key == "RUSTFLAGS"
            || key == "CARGO_TARGET_DIR"
            || key == "CARGO_BUILD_TARGET_DIR"
            || key == "CARGO_BUILD_BUILD_DIR"
            || key == "CARGO_BUILD_TARGET"
            || key == "CARGO_BUILD_RUSTFLAGS"
            || key == "CARGO_INCREMENTAL"
            || key.starts_with("CARGO_PROFILE_")
        {
            command.env_remove(key);
        }
    }
    // Small beats fast here: the component is embedded in every binary.
    // `CARGO_ENCODED_RUSTFLAGS` wins over every other source of rustflags.
    command
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            remap_flags(&workspace, &target_dir)?.join("\x1f"),
        )
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .env("CARGO_PROFILE_RELEASE_LTO", "true")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false")
        .env("CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS", "false")
        .env("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "false");

    let output = command
        .output()
        .map_err(|error| format!("cannot run cargo to build the gdbstub component: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("target may not be installed")
            || stderr.contains("can't find crate for `core`")
        {
            return Err(format!(
                "the {TARGET} Rust target is missing; install it with `rustup target add {TARGET}`"
            ));
        }
        return Err(format!(
            "building the gdbstub component failed: {}",
            stderr.trim().replace('\n', " | ")
        ));
    }
    Ok(target_dir.join(TARGET).join("release").join(COMPONENT_FILE))
}

/// `--remap-path-prefix` flags that give every machine-specific path a
/// fixed name. rustc applies the last matching one, so the most specific
/// (longest) prefix goes last: the target directory may sit inside the
/// workspace.
fn remap_flags(workspace: &Path, target_dir: &Path) -> Result<Vec<String>, String> {
    let mut prefixes = vec![
        (workspace.to_path_buf(), "/wasmdebug"),
        (target_dir.to_path_buf(), "/target"),
        (sysroot()?, "/rust-sysroot"),
    ];
    if let Some(cargo_home) = cargo_home() {
        prefixes.push((cargo_home, "/cargo"));
    }
    prefixes.sort_by_key(|(path, _)| path.as_os_str().len());
    Ok(prefixes
        .into_iter()
        .map(|(path, name)| format!("--remap-path-prefix={}={name}", path.display()))
        .collect())
}

/// The sysroot of the rustc the nested cargo will run (`RUSTC` when cargo
/// set it for this build script, else the one on PATH).
fn sysroot() -> Result<PathBuf, String> {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|error| format!("cannot run rustc to find its sysroot: {error}"))?;
    let text = String::from_utf8(output.stdout)
        .map_err(|_| "rustc printed a non-UTF-8 sysroot".to_string())?;
    Ok(PathBuf::from(text.trim()))
}

/// Where registry sources are unpacked, as cargo decides it.
fn cargo_home() -> Option<PathBuf> {
    match env::var_os("CARGO_HOME") {
        Some(home) => Some(PathBuf::from(home)),
        None => env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")),
    }
    .and_then(|path| path.canonicalize().ok())
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    path.canonicalize()
        .map_err(|error| format!("cannot find {}: {error}", path.display()))
}

/// The files the component was built from, as listed in the nested
/// build's dep-info file (empty if it cannot be read: then the build
/// script reruns only when this crate changes).
#[allow(dead_code)]
pub fn sources(dep_info: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        return Vec::new();
    };
    let Some((_, list)) = text.split_once(": ") else {
        return Vec::new();
    };
    // Paths are space-separated, with spaces inside a path escaped.
    let mut paths = Vec::new();
    let mut path = String::new();
    let mut chars = list.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                path.push(' ');
                chars.next();
            }
            ' ' | '\n' => {
                if !path.is_empty() {
                    paths.push(PathBuf::from(std::mem::take(&mut path)));
                }
            }
            c => path.push(c),
        }
    }
    if !path.is_empty() {
        paths.push(PathBuf::from(path));
    }
    paths
}
