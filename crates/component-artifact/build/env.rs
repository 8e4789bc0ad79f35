//! Reading the environment, with the rerun-if line cargo needs for each variable.

use std::path::PathBuf;

use crate::failure::Failure;

/// A variable the user may set. Cargo reruns the build script when it
/// changes. Empty counts as unset, as for most of cargo's own variables.
pub fn var(name: &str) -> Option<String> {
    rerun_if_changed(name);
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

pub fn rerun_if_changed(name: &str) {
    println!("cargo::rerun-if-env-changed={name}");
}

/// A variable cargo always sets for build scripts.
pub fn cargo_var(name: &str) -> Result<String, Failure> {
    std::env::var(name).map_err(|_| Failure::plain(format!("cargo did not set {name}")))
}

pub fn cargo_path(name: &str) -> Result<PathBuf, Failure> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .ok_or_else(|| Failure::plain(format!("cargo did not set {name}")))
}
