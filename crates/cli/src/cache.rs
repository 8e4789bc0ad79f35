//! A cache of compiled code, so that programs (plain or with debug
//! instrumentation) and the debugger component compile once rather than at
//! every start.
//!
//! Entries live in `$WASMDEBUG_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmdebug`,
//! else `~/.cache/wasmdebug`; an empty `WASMDEBUG_CACHE_DIR` turns the cache
//! off. Each is named by a SHA-256 of the binary's bytes and of the engine's
//! compatibility hash, so plain and instrumented builds never mix. The
//! cache is only ever a shortcut: any failure to read or write it falls
//! back to compiling.
//! Loading an entry trusts it as native code, like Wasmtime's own cache,
//! so the directory must be as private as the user's home.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, Module};

/// Compiles a component, or loads the result of an earlier compilation.
pub fn component(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
    let Some(path) = entry_path(engine, bytes) else {
        return Component::new(engine, bytes);
    };
    if path.exists() {
        // SAFETY: the file is one `store` wrote (see the module docs for
        // the trust this places in the cache directory), and its name
        // binds it to these bytes and this engine's settings.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let component = Component::new(engine, bytes)?;
    if let Ok(serialized) = component.serialize() {
        store(&path, &serialized);
    }
    Ok(component)
}

/// Compiles a core module, or loads the result of an earlier compilation.
pub fn module(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Module> {
    let Some(path) = entry_path(engine, bytes) else {
        return Module::new(engine, bytes);
    };
    if path.exists() {
        // SAFETY: as for `component`.
        if let Ok(module) = unsafe { Module::deserialize_file(engine, &path) } {
            return Ok(module);
        }
    }
    let module = Module::new(engine, bytes)?;
    if let Ok(serialized) = module.serialize() {
        store(&path, &serialized);
    }
    Ok(module)
}

fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WASMDEBUG_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir).join("wasmdebug"));
    }
    let home = std::env::var_os("HOME").filter(|home| !home.is_empty())?;
    Some(PathBuf::from(home).join(".cache/wasmdebug"))
}

fn entry_path(engine: &Engine, bytes: &[u8]) -> Option<PathBuf> {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut digest = Sha256::new();
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    digest.update(engine_hash.finish().to_le_bytes());
    digest.update(bytes);
    let name: String = digest
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Some(cache_dir()?.join(format!("{name}.cwasm")))
}

/// Writes an entry whole or not at all: into a temporary file, then renamed.
fn store(path: &PathBuf, serialized: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let partial = path.with_extension(format!("partial.{}", std::process::id()));
    if std::fs::write(&partial, serialized).is_ok() && std::fs::rename(&partial, path).is_ok() {
        return;
    }
    let _ = std::fs::remove_file(&partial);
}
