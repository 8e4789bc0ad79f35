//! Build failures, reported as `cargo::error=` lines that say what failed and every way out.

use std::path::Path;

use crate::fetch::Problem;
use crate::pin::Pin;

pub struct Failure {
    /// What failed, one line.
    what: String,
    /// What the user can do about it, one line each.
    ways_out: Vec<String>,
}

impl Failure {
    pub fn plain(what: impl Into<String>) -> Failure {
        Failure {
            what: what.into(),
            ways_out: Vec::new(),
        }
    }

    pub fn io(context: String, error: std::io::Error) -> Failure {
        Failure::plain(format!("{context}: {error}"))
    }

    pub fn local_mismatch(file: &Path, expected: &str, actual: &str) -> Failure {
        Failure {
            what: format!(
                "WASMDEBUG_GDBSTUB_WASM file {} has SHA-256 {actual}, but this version of \
                 wasmdebug expects {expected}; nothing was embedded",
                file.display()
            ),
            ways_out: vec![
                "use the `wasmdebug-gdbstub-VERSION.wasm` asset of this very release".into(),
                "or set WASMDEBUG_GDBSTUB_SKIP_VERIFY=1 to embed this file anyway (a component \
                 you built or trust yourself)"
                    .into(),
            ],
        }
    }

    pub fn offline(url: &str, pin: &Pin) -> Failure {
        Failure {
            what: format!(
                "the gdbstub component must be downloaded from {url}, but \
                 CARGO_NET_OFFLINE forbids the network"
            ),
            ways_out: ways_out(pin),
        }
    }

    pub fn download(url: &str, problem: Problem, pin: &Pin) -> Failure {
        let what = match problem {
            Problem::Mismatch { actual } => format!(
                "the gdbstub component from {url} has SHA-256 {actual}, but this version of \
                 wasmdebug expects {}; it was discarded, nothing was embedded",
                pin.sha256
            ),
            problem => format!("cannot download the gdbstub component from {url}: {problem}"),
        };
        Failure {
            what,
            ways_out: ways_out(pin),
        }
    }

    /// Prints the failure for cargo, which then fails the build: one
    /// `cargo::error=` per line, as a directive cannot span lines.
    pub fn report(&self) {
        println!("cargo::error={}", self.what);
        for way in &self.ways_out {
            println!("cargo::error=way out: {way}");
        }
    }
}

/// Every way to get a working build when the release cannot be fetched.
fn ways_out(pin: &Pin) -> Vec<String> {
    let repository = std::env::var("CARGO_PKG_REPOSITORY").unwrap_or_default();
    vec![
        "allow network access (CARGO_NET_OFFLINE unset), or set \
         WASMDEBUG_GDBSTUB_URL to a mirror of the file"
            .into(),
        format!(
            "download {} yourself and set WASMDEBUG_GDBSTUB_WASM=/path/to/{} (its SHA-256 must be {})",
            pin.url, pin.file_name, pin.sha256
        ),
        format!(
            "build from the git repository, which builds the component from source: \
             `cargo install --git {repository} wasmdebug --features gdbstub`"
        ),
        "or drop the `gdbstub` feature: wasmdebug then runs programs but has no built-in \
         debugger (`-D debugger=` still works)"
            .into(),
    ]
}
