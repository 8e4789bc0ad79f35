//! The built-in debugger component's bytes, for embedding in `wasmdebug`, and where they came from.
//!
//! The build script gets them: built from the sibling `gdbstub-component`
//! crate inside the wasmdebug workspace, otherwise the release pinned in
//! `pin.toml` (downloaded, or a file named by `WASMDEBUG_GDBSTUB_WASM`),
//! checked against its SHA-256. See this crate's README.

use std::fmt;

/// The gdbstub debugger component (a wasm32-wasip2 component of the debug
/// world). Empty when [`SOURCE`] is [`Source::None`].
pub static COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/wasmdebug-gdbstub.wasm"));

/// Where [`COMPONENT`] came from.
pub const SOURCE: Source = Source::from_name(env!("WASMDEBUG_COMPONENT_SOURCE"));

/// The SHA-256 of [`COMPONENT`], lowercase hex (as `sha256sum` prints it);
/// empty when there is no component.
pub const SHA256: &str = env!("WASMDEBUG_COMPONENT_SHA256");

/// Where the embedded component came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Built from the sibling crate of the wasmdebug source workspace.
    Workspace,
    /// Downloaded from the pinned release (or a mirror) and verified.
    Download,
    /// Read from the file `WASMDEBUG_GDBSTUB_WASM` named.
    File,
    /// None: a docs.rs build.
    None,
}

impl Source {
    /// Parses the name the build script writes.
    const fn from_name(name: &str) -> Source {
        match name.as_bytes() {
            b"workspace" => Source::Workspace,
            b"download" => Source::Download,
            b"file" => Source::File,
            _ => Source::None,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Workspace => "built from the workspace",
            Source::Download => "downloaded release",
            Source::File => "local file (WASMDEBUG_GDBSTUB_WASM)",
            Source::None => "none",
        })
    }
}
