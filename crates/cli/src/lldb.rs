//! Finding the LLDB that `wasmdebug debug` runs, checking it has the Wasm plugin, and its command line.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Result, bail};

/// The environment variable naming the LLDB to run when `--lldb` is not given.
pub const LLDB_VARIABLE: &str = "WASMDEBUG_LLDB";

/// What to do about a missing or unfit LLDB, at the end of each such error.
const INSTALL: &str = "install LLDB 23 or newer with its Wasm plugin, e.g. \
    `python3 -m venv V && V/bin/pip install lldb-for-pwndbg`, then pass --lldb V/bin/lldb \
    or set WASMDEBUG_LLDB (README: Install)";

/// An LLDB with the Wasm plugin, and where it was found.
#[derive(Debug)]
pub struct Lldb {
    path: PathBuf,
    origin: Origin,
}

/// Where an LLDB was found, in the order they are looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Flag,
    Variable,
    SearchPath,
}

impl Origin {
    fn describe(self) -> &'static str {
        match self {
            Origin::Flag => "from --lldb",
            Origin::Variable => "from $WASMDEBUG_LLDB",
            Origin::SearchPath => "from PATH",
        }
    }
}

impl Lldb {
    /// The LLDB named by `--lldb` (`flag`), else by `$WASMDEBUG_LLDB`, else
    /// `lldb` on `PATH`, once it has shown it has the Wasm plugin.
    pub fn find(flag: Option<&Path>) -> Result<Lldb> {
        let variable = std::env::var_os(LLDB_VARIABLE).filter(|value| !value.is_empty());
        let (path, origin) = match (flag, variable) {
            (Some(path), _) => (path.to_path_buf(), Origin::Flag),
            (None, Some(value)) => (PathBuf::from(value), Origin::Variable),
            (None, None) => match search_path(std::env::var_os("PATH")) {
                Some(path) => (path, Origin::SearchPath),
                None => bail!(
                    "no LLDB found: --lldb not given, ${LLDB_VARIABLE} not set, \
                     and no `lldb` on PATH; {INSTALL}"
                ),
            },
        };
        let lldb = Lldb { path, origin };
        lldb.check_wasm_plugin()?;
        Ok(lldb)
    }

    /// LLDB, connecting to the debugger on `addr` and then running
    /// `commands`, all as `-o` commands; with `batch`, it quits after them.
    pub fn session(&self, addr: SocketAddr, commands: &[String], batch: bool) -> Command {
        let mut command = Command::new(&self.path);
        if batch {
            command.arg("--batch");
        }
        command
            .arg("-o")
            .arg(format!("process connect --plugin wasm connect://{addr}"));
        for line in commands {
            command.arg("-o").arg(line);
        }
        command
    }

    /// `path (from ORIGIN)`, for messages.
    pub fn describe(&self) -> String {
        format!("`{}` ({})", self.path.display(), self.origin.describe())
    }

    /// Asks LLDB for its version and platforms: an LLDB without the Wasm
    /// plugin lists no `wasm` platform, and cannot connect to our debugger.
    fn check_wasm_plugin(&self) -> Result<()> {
        let output = Command::new(&self.path)
            .args([
                "--batch",
                "--no-lldbinit",
                "-o",
                "version",
                "-o",
                "platform list",
            ])
            .stdin(Stdio::null())
            .output();
        let output = match output {
            Ok(output) => output,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                bail!("no LLDB at {}; {INSTALL}", self.describe())
            }
            Err(error) => bail!("cannot run LLDB at {}: {error}; {INSTALL}", self.describe()),
        };
        let text = String::from_utf8_lossy(&output.stdout);
        if has_wasm_platform(&text) {
            return Ok(());
        }
        let version = version(&text).unwrap_or("LLDB");
        bail!(
            "{version} at {} has no Wasm plugin (`platform list` shows no `wasm`); {INSTALL}",
            self.describe()
        )
    }
}

/// The first `lldb` file in the directories of `PATH`.
fn search_path(path: Option<OsString>) -> Option<PathBuf> {
    std::env::split_paths(&path?)
        .map(|dir| dir.join("lldb"))
        .find(|candidate| candidate.is_file())
}

/// Whether `platform list` output names the Wasm platform: a line
/// `wasm: Platform for debugging Wasm` (not `webinspector-wasm: ...`).
fn has_wasm_platform(text: &str) -> bool {
    text.lines()
        .any(|line| line.trim_start().starts_with("wasm:"))
}

/// `lldb version 14.0.6` from LLDB's `version` output, if it is there.
fn version(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with("lldb version "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_wasm_platform_counts() {
        assert!(has_wasm_platform(
            "Available platforms:\nhost: Local Linux user platform plug-in.\n\
             webinspector-wasm: Platform for debugging Wasm via WebInspector\n\
             wasm: Platform for debugging Wasm\n"
        ));
        assert!(!has_wasm_platform(
            "Available platforms:\nwebinspector-wasm: Platform for debugging Wasm via WebInspector\n\
             remote-wasm-server: something else\n"
        ));
    }

    #[test]
    fn version_line() {
        assert_eq!(
            version("(lldb) version\nlldb version 14.0.6\n(lldb) platform list\n"),
            Some("lldb version 14.0.6")
        );
        assert_eq!(version("Available platforms:\n"), None);
    }

    #[test]
    fn path_search_takes_the_first_file() {
        let root = std::env::temp_dir().join(format!("wasmdebug-lldb-{}", std::process::id()));
        let (empty, first, second) = (root.join("a"), root.join("b"), root.join("c"));
        for dir in [&empty, &first, &second] {
            std::fs::create_dir_all(dir).unwrap();
        }
        // A directory named `lldb` is not a program.
        std::fs::create_dir_all(empty.join("lldb")).unwrap();
        std::fs::write(first.join("lldb"), "").unwrap();
        std::fs::write(second.join("lldb"), "").unwrap();
        let path = std::env::join_paths([&empty, &first, &second]).unwrap();
        assert_eq!(search_path(Some(path)), Some(first.join("lldb")));
        assert_eq!(search_path(None), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
