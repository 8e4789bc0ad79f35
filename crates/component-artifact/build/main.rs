//! Provides the gdbstub component's bytes to `src/lib.rs`, and records where they came from.
//!
//! The first way that applies wins:
//!
//! 1. `DOCS_RS` is set: embed nothing (docs.rs builds have no network).
//! 2. `WASMDEBUG_GDBSTUB_WASM=FILE`: embed that file, if its hash is the
//!    pinned one (or `WASMDEBUG_GDBSTUB_SKIP_VERIFY=1`).
//! 3. In the source workspace: build the sibling component crate.
//! 4. Otherwise (a crates.io download): reuse a verified copy, or fetch the
//!    pinned release (or `WASMDEBUG_GDBSTUB_URL`, a mirror) and verify it.
//!    `CARGO_NET_OFFLINE=true` forbids the fetch.
//!
//! `pin.toml` holds the hash and the release URL. Output, in OUT_DIR:
//! `wasmdebug-gdbstub.wasm` (the bytes to embed), and the environment
//! variables `WASMDEBUG_COMPONENT_SOURCE` and `WASMDEBUG_COMPONENT_SHA256`
//! for `src/lib.rs`.

mod digest;
mod env;
mod failure;
mod fetch;
mod pin;
mod workspace;

use std::fs;
use std::path::{Path, PathBuf};

use crate::failure::Failure;
use crate::pin::Pin;

/// The file `src/lib.rs` embeds, in OUT_DIR.
const EMBEDDED: &str = "wasmdebug-gdbstub.wasm";

/// Where the embedded bytes came from; the names `src/lib.rs` parses.
#[derive(Clone, Copy)]
enum Source {
    None,
    File,
    Workspace,
    Download,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::File => "file",
            Source::Workspace => "workspace",
            Source::Download => "download",
        }
    }
}

/// What the build script knows from cargo.
struct Build {
    manifest_dir: PathBuf,
    out_dir: PathBuf,
    version: String,
}

fn main() {
    // Printing any rerun-if line turns off cargo's default of rerunning on
    // any change in the package, so name our own inputs.
    println!("cargo::rerun-if-changed=build");
    println!("cargo::rerun-if-changed=pin.toml");
    if let Err(failure) = run() {
        failure.report();
    }
}

fn run() -> Result<(), Failure> {
    let build = Build {
        manifest_dir: env::cargo_path("CARGO_MANIFEST_DIR")?,
        out_dir: env::cargo_path("OUT_DIR")?,
        version: env::cargo_var("CARGO_PKG_VERSION")?,
    };
    let embedded = build.out_dir.join(EMBEDDED);
    // A failed build must not leave an earlier build's bytes behind.
    remove_if_present(&embedded)?;

    let (source, bytes) = obtain(&build)?;
    fs::write(&embedded, &bytes)
        .map_err(|error| Failure::io(format!("cannot write {}", embedded.display()), error))?;
    println!(
        "cargo::rustc-env=WASMDEBUG_COMPONENT_SOURCE={}",
        source.name()
    );
    let hash = if bytes.is_empty() {
        String::new()
    } else {
        digest::sha256_hex(&bytes)
    };
    println!("cargo::rustc-env=WASMDEBUG_COMPONENT_SHA256={hash}");
    Ok(())
}

/// Picks the first way of getting the bytes that applies (see the module
/// docs), and gets them.
fn obtain(build: &Build) -> Result<(Source, Vec<u8>), Failure> {
    if env::var("DOCS_RS").is_some() {
        return Ok((Source::None, Vec::new()));
    }
    let pin = Pin::load(&build.manifest_dir.join("pin.toml"), &build.version)?;
    if let Some(file) = env::var("WASMDEBUG_GDBSTUB_WASM") {
        let skip_verify = env::var("WASMDEBUG_GDBSTUB_SKIP_VERIFY").as_deref() == Some("1");
        return local_file(Path::new(&file), &pin, skip_verify).map(|bytes| (Source::File, bytes));
    }
    if let Some(workspace) = workspace::source_workspace(&build.manifest_dir) {
        return workspace_build(&workspace, &build.out_dir).map(|bytes| (Source::Workspace, bytes));
    }
    released(&pin, &build.out_dir).map(|bytes| (Source::Download, bytes))
}

/// Way 2: a file the user supplies, such as a release asset fetched by hand.
fn local_file(file: &Path, pin: &Pin, skip_verify: bool) -> Result<Vec<u8>, Failure> {
    println!("cargo::rerun-if-changed={}", file.display());
    let bytes = fs::read(file).map_err(|error| {
        Failure::io(
            format!("cannot read WASMDEBUG_GDBSTUB_WASM file {}", file.display()),
            error,
        )
    })?;
    let actual = digest::sha256_hex(&bytes);
    if actual != pin.sha256 && !skip_verify {
        return Err(Failure::local_mismatch(file, &pin.sha256, &actual));
    }
    Ok(bytes)
}

/// Way 3: the sibling crate, built by a nested cargo.
fn workspace_build(workspace: &Path, out_dir: &Path) -> Result<Vec<u8>, Failure> {
    for name in workspace::ENV_READ {
        env::rerun_if_changed(name);
    }
    let built = workspace::build_component(workspace, &out_dir.join("component-target"))
        .map_err(Failure::plain)?;
    for source in workspace::sources(&built.with_extension("d")) {
        println!("cargo::rerun-if-changed={}", source.display());
    }
    fs::read(&built).map_err(|error| Failure::io(format!("cannot read {}", built.display()), error))
}

/// Way 4: the pinned release, from a verified copy or the network.
fn released(pin: &Pin, out_dir: &Path) -> Result<Vec<u8>, Failure> {
    let cache_dir = env::var("WASMDEBUG_GDBSTUB_CACHE_DIR").map(PathBuf::from);
    let places: Vec<&Path> = [Some(out_dir), cache_dir.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    for dir in &places {
        if let Some(bytes) = verified_copy(&dir.join(&pin.file_name), &pin.sha256) {
            return Ok(bytes);
        }
    }

    let mirror = env::var("WASMDEBUG_GDBSTUB_URL");
    let url = mirror.clone().unwrap_or_else(|| pin.url.clone());
    if env::var("CARGO_NET_OFFLINE").is_some_and(|value| value == "true" || value == "1") {
        return Err(Failure::offline(&url, pin));
    }
    for name in fetch::ENV_READ {
        env::rerun_if_changed(name);
    }
    let fetched = out_dir.join(&pin.file_name);
    fetch::download(&url, mirror.is_some(), &pin.sha256, &fetched)
        .map_err(|problem| Failure::download(&url, problem, pin))?;
    if let Some(dir) = cache_dir {
        // The cache is a convenience: failing to fill it fails nothing.
        if let Err(error) = fetch::copy_into(&fetched, &dir.join(&pin.file_name)) {
            println!(
                "cargo::warning=cannot store the component in {}: {error}",
                dir.display()
            );
        }
    }
    fs::read(&fetched)
        .map_err(|error| Failure::io(format!("cannot read {}", fetched.display()), error))
}

/// The bytes of `path` if it exists and has the pinned hash. A copy that
/// does not match is ignored (and will be replaced), not an error.
fn verified_copy(path: &Path, sha256: &str) -> Option<Vec<u8>> {
    let bytes = fs::read(path).ok()?;
    (digest::sha256_hex(&bytes) == sha256).then_some(bytes)
}

fn remove_if_present(path: &Path) -> Result<(), Failure> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(Failure::io(
            format!("cannot remove {}", path.display()),
            error,
        )),
        _ => Ok(()),
    }
}
