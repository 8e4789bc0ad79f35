//! A cache of compiled code, so that programs (plain or with debug
//! instrumentation) and the debugger component compile once rather than at
//! every start, in a directory kept within a size bound.
//!
//! Entries live in `$WASMDEBUG_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmdebug`,
//! else `~/.cache/wasmdebug`, or where `-C cache-config=FILE` (Wasmtime's
//! format) says. Each is named by a SHA-256 of the binary's bytes and of the
//! engine's compatibility hash, which covers every engine setting, so plain
//! and instrumented builds, or builds with other `-W`/`-O` settings, never
//! mix. Entries are stored uncompressed and memory-mapped when loaded:
//! Wasmtime's own cache compresses them, and that made a warm start of a
//! large program ten times slower (BENCHMARKS.md).
//!
//! The cache is only ever a shortcut: any failure to read or write it falls
//! back to compiling. Loading an entry trusts it as native code, like
//! Wasmtime's own cache, so the directory must be as private as the user's
//! home.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Engine, Module};

use crate::options::Settings;
use crate::progress::{self, Job};

/// Where entries go and how much of them to keep.
pub struct Cache {
    /// `None` when the cache is off.
    dir: Option<PathBuf>,
    limits: Limits,
}

/// Wasmtime's cache limits, which `-C cache-config` files set: past either
/// soft limit, the least recently used entries go until the rest fit in the
/// given percentages of the limits.
#[derive(Clone, Copy, Debug)]
struct Limits {
    total_bytes: u64,
    files: u64,
    bytes_percent_kept: u8,
    files_percent_kept: u8,
}

impl Limits {
    fn of(config: &wasmtime::CacheConfig) -> Limits {
        Limits {
            total_bytes: config.files_total_size_soft_limit(),
            files: config.file_count_soft_limit(),
            bytes_percent_kept: config.files_total_size_limit_percent_if_deleting(),
            files_percent_kept: config.file_count_limit_percent_if_deleting(),
        }
    }
}

impl Cache {
    /// The cache `-C` asks for: off with `cache=n` or an empty
    /// `WASMDEBUG_CACHE_DIR`; configured by `cache-config=FILE`.
    pub fn new(settings: &Settings) -> Result<Cache> {
        if let Some(file) = &settings.cache_config {
            let config = wasmtime::CacheConfig::from_file(Some(file))
                .map_err(anyhow::Error::from)
                .with_context(|| format!("invalid cache configuration `{}`", file.display()))?;
            return Ok(Cache {
                dir: settings
                    .cache
                    .then(|| config.directory().cloned())
                    .flatten(),
                limits: Limits::of(&config),
            });
        }
        Ok(Cache {
            dir: if settings.cache { default_dir() } else { None },
            limits: Limits::of(&wasmtime::CacheConfig::new()),
        })
    }

    /// Compiles a component, or loads the result of an earlier compilation.
    pub fn component(
        &self,
        engine: &Engine,
        bytes: &[u8],
        job: Job<'_>,
    ) -> wasmtime::Result<Component> {
        self.compile(
            engine,
            bytes,
            job,
            // SAFETY: the file is one `store` wrote (see the module docs for
            // the trust this places in the cache directory), and its name
            // binds it to these bytes and this engine's settings.
            |path| unsafe { Component::deserialize_file(engine, path) },
            || Component::new(engine, bytes),
            Component::serialize,
        )
    }

    /// Compiles a debugger component, or loads the result of an earlier
    /// compilation.
    pub fn debugger(&self, engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
        let job = Job {
            name: "the debugger component",
            for_debugging: false,
        };
        self.component(engine, bytes, job)
    }

    /// Compiles a core module, or loads the result of an earlier compilation.
    pub fn module(&self, engine: &Engine, bytes: &[u8], job: Job<'_>) -> wasmtime::Result<Module> {
        self.compile(
            engine,
            bytes,
            job,
            // SAFETY: as for `component`.
            |path| unsafe { Module::deserialize_file(engine, path) },
            || Module::new(engine, bytes),
            Module::serialize,
        )
    }

    fn compile<T>(
        &self,
        engine: &Engine,
        bytes: &[u8],
        job: Job<'_>,
        load: impl Fn(&Path) -> wasmtime::Result<T>,
        compile: impl FnOnce() -> wasmtime::Result<T>,
        serialize: impl FnOnce(&T) -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<T> {
        let path = self.dir.as_ref().map(|dir| entry_path(dir, engine, bytes));
        if let Some(path) = &path
            && path.exists()
            && let Ok(compiled) = load(path)
        {
            touch(path);
            return Ok(compiled);
        }
        let report = progress::compiling(&job, bytes, self.dir.is_some());
        let compiled = compile()?;
        if let Some(report) = report {
            report.finish();
        }
        if let (Some(path), Ok(serialized)) = (&path, serialize(&compiled)) {
            // What was just stored, mapped from its file: a debug store
            // takes its own copy of the whole image, and one of a mapped
            // file is a private mapping, where one of compiled code in
            // memory is a copy (3 ms for the example handler's 7.5 MB,
            // at every request `serve -g` serves).
            if self.store(path, &serialized)
                && let Ok(loaded) = load(path)
            {
                return Ok(loaded);
            }
        }
        Ok(compiled)
    }

    /// Writes an entry whole or not at all (into a temporary file, then
    /// renamed), then prunes the directory back within its limits. Whether
    /// the entry was written.
    fn store(&self, path: &Path, serialized: &[u8]) -> bool {
        let Some(dir) = path.parent() else {
            return false;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return false;
        }
        let partial = path.with_extension(format!("partial.{}", std::process::id()));
        if std::fs::write(&partial, serialized).is_err() || std::fs::rename(&partial, path).is_err()
        {
            let _ = std::fs::remove_file(&partial);
            return false;
        }
        prune(dir, self.limits);
        true
    }
}

fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WASMDEBUG_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir).join("wasmdebug"));
    }
    let home = std::env::var_os("HOME").filter(|home| !home.is_empty())?;
    Some(PathBuf::from(home).join(".cache/wasmdebug"))
}

fn entry_path(dir: &Path, engine: &Engine, bytes: &[u8]) -> PathBuf {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut digest = Sha256::new();
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    digest.update(engine_hash.finish().to_le_bytes());
    digest.update(bytes);
    dir.join(format!("{:x}.cwasm", digest.finalize()))
}

/// Marks an entry as just used: pruning goes by modification time.
fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Past either limit, removes the least recently used entries until the
/// rest fit in the kept percentages, as Wasmtime's cache does.
fn prune(dir: &Path, limits: Limits) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = listing
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "cwasm"))
        .filter_map(|entry| {
            let metadata = entry.metadata().ok()?;
            Some((metadata.modified().ok()?, metadata.len(), entry.path()))
        })
        .collect();
    let total: u64 = entries.iter().map(|(_, size, _)| size).sum();
    if total <= limits.total_bytes && entries.len() as u64 <= limits.files {
        return;
    }
    let keep_bytes = limits.total_bytes / 100 * u64::from(limits.bytes_percent_kept);
    let keep_files = limits.files * u64::from(limits.files_percent_kept) / 100;
    entries.sort_by_key(|(used, _, _)| std::cmp::Reverse(*used));
    let mut kept_bytes = 0;
    for (index, (_, size, path)) in entries.iter().enumerate() {
        kept_bytes += size;
        if kept_bytes > keep_bytes || index as u64 >= keep_files {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prunes_least_recently_used_entries_past_a_limit() {
        let dir = std::env::temp_dir().join(format!("wasmdebug-prune-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let now = SystemTime::now();
        for (age, name) in [(4, "a"), (3, "b"), (2, "c"), (1, "d")] {
            let path = dir.join(format!("{name}.cwasm"));
            std::fs::write(&path, [0; 100]).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(now - std::time::Duration::from_secs(age))
                .unwrap();
        }
        std::fs::write(dir.join("other.txt"), [0; 1000]).unwrap();
        let names = || {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let limits = |total_bytes, files| Limits {
            total_bytes,
            files,
            bytes_percent_kept: 70,
            files_percent_kept: 70,
        };
        prune(&dir, limits(400, 10));
        assert_eq!(names().len(), 5, "within the limits, nothing goes");
        prune(&dir, limits(300, 10));
        assert_eq!(names(), ["c.cwasm", "d.cwasm", "other.txt"]);
        prune(&dir, limits(1000, 1));
        assert_eq!(names(), ["other.txt"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
