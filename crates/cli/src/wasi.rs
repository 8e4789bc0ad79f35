//! The WASI environment a program runs in, built from the run options.

use std::path::Path;

use anyhow::{Result, bail};
use wasmtime::error::Context as _;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::cli::{GuestArgs, RunArgs};
use crate::options::Settings;

/// Builds the guest's WASI context: arguments, environment, preopened
/// directories, the network `-S` allows (none by default), and the
/// process's own stdio. The same context serves core modules (preview 1)
/// and components (preview 2).
pub fn context(options: &RunArgs, settings: &Settings) -> Result<WasiP1Ctx> {
    build(options, settings, true)
}

/// Like `context`, with an empty stdin: under `wasmdebug debug` the
/// terminal is LLDB's, and a program reading it would take LLDB's input.
pub fn context_without_stdin(options: &RunArgs, settings: &Settings) -> Result<WasiP1Ctx> {
    build(options, settings, false)
}

fn build(options: &RunArgs, settings: &Settings, stdin: bool) -> Result<WasiP1Ctx> {
    let mut builder = WasiCtxBuilder::new();
    if stdin {
        builder.inherit_stdin();
    }
    builder.inherit_stdout().inherit_stderr();
    match &options.argv0 {
        Some(argv0) => builder.arg(argv0),
        None => builder.arg(program_name(options.program())),
    };
    for arg in options.args() {
        let Some(arg) = arg.to_str() else {
            bail!("program argument `{}` is not valid UTF-8", arg.display());
        };
        builder.arg(arg);
    }
    // `--env` overrides an inherited value.
    if settings.inherit_env {
        for (name, value) in std::env::vars_os() {
            if options
                .guest
                .envs
                .iter()
                .any(|var| name == var.name.as_str())
            {
                continue;
            }
            match (name.to_str(), value.to_str()) {
                (Some(name), Some(value)) => builder.env(name, value),
                _ => bail!(
                    "environment variable `{}` is not valid UTF-8",
                    name.display()
                ),
            };
        }
    }
    add_guest_args(&mut builder, &options.guest)?;
    // As in `wasmtime run`: inherit-network opens every address to TCP and
    // UDP; the other switches then narrow or widen that.
    if settings.inherit_network {
        builder.inherit_network();
        builder.allow_tcp(true).allow_udp(true);
    }
    if let Some(enable) = settings.allow_ip_name_lookup {
        builder.allow_ip_name_lookup(enable);
    }
    if let Some(enable) = settings.tcp {
        builder.allow_tcp(enable);
    }
    if let Some(enable) = settings.udp {
        builder.allow_udp(enable);
    }
    Ok(builder.build_p1())
}

/// Gives the guest `--env`'s variables and `--dir`'s directories: what
/// `run` and `serve` both take.
pub fn add_guest_args(builder: &mut WasiCtxBuilder, guest: &GuestArgs) -> Result<()> {
    for var in &guest.envs {
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
    for dir in &guest.dirs {
        builder
            .preopened_dir(&dir.host, &dir.guest, FsPerms::ReadWrite)
            .with_context(|| format!("cannot open directory `{}` for --dir", dir.host.display()))?;
    }
    Ok(())
}

/// argv[0]: the program file's name, as other runtimes pass it.
fn program_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}
