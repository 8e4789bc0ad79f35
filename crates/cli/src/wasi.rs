//! The WASI environment a program runs in, built from the run options.

use std::path::Path;

use anyhow::{Result, bail};
use wasmtime::error::Context as _;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::cli::RunArgs;

/// Builds the guest's WASI context: arguments, environment, preopened
/// directories, and the process's own stdio. The same context serves core
/// modules (preview 1) and components (preview 2).
pub fn context(options: &RunArgs) -> Result<WasiP1Ctx> {
    let mut builder = WasiCtxBuilder::new();
    builder.inherit_stdio();
    builder.arg(program_name(&options.program));
    for arg in &options.args {
        let Some(arg) = arg.to_str() else {
            bail!("program argument `{}` is not valid UTF-8", arg.display());
        };
        builder.arg(arg);
    }
    for var in &options.envs {
        match &var.value {
            Some(value) => {
                builder.env(&var.name, value);
            }
            // A bare NAME passes the host's value through, if it has one.
            None => {
                if let Ok(value) = std::env::var(&var.name) {
                    builder.env(&var.name, value);
                }
            }
        }
    }
    for dir in &options.dirs {
        builder
            .preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)
            .with_context(|| format!("cannot open directory `{}` for --dir", dir.host.display()))?;
    }
    Ok(builder.build_p1())
}

/// argv[0]: the program file's name, as other runtimes pass it.
fn program_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}
