//! Command-line syntax: the `run` subcommand and its implicit form.

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

/// Run WebAssembly programs on Wasmtime, and debug them with LLDB.
///
/// `wasmdebug run program.wasm` and `wasmdebug program.wasm` are the same
/// command: LLDB's Wasm platform launches a runtime with options first and no
/// subcommand, so the implicit form must accept everything `run` does.
#[derive(Parser, Debug)]
#[command(
    name = "wasmdebug",
    version,
    long_version = long_version(),
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: Option<RunArgs>,
}

/// `--version`: ours, and where the built-in debugger component came from.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        #[cfg(feature = "gdbstub")]
        // The component is released with the same version as the CLI.
        let component = format!(
            "gdbstub component {}: {} (sha256 {})",
            env!("CARGO_PKG_VERSION"),
            wasmdebug_component_artifact::SOURCE,
            wasmdebug_component_artifact::SHA256
        );
        #[cfg(not(feature = "gdbstub"))]
        let component = "gdbstub component: none (built without the `gdbstub` feature)".to_string();
        format!("{}\n{component}", env!("CARGO_PKG_VERSION"))
    })
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a WASI program (core module or component), optionally under a debugger.
    Run(RunArgs),
    /// Serve HTTP with a `wasi:http/proxy` component, optionally under a debugger.
    Serve(crate::serve::ServeArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Preopen a host directory, as HOST or HOST::GUEST (GUEST defaults to HOST).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<Preopen>,

    /// Set a guest environment variable; NAME alone passes the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = parse_env)]
    pub envs: Vec<EnvVar>,

    /// Serve the GDB remote protocol (LLDB's Wasm dialect) on [ADDR:]PORT;
    /// the program starts paused. A bare port listens on 127.0.0.1.
    #[arg(short = 'g', long = "gdbstub", value_name = "[ADDR:]PORT")]
    pub gdbstub: Option<String>,

    /// Debugger settings: `debugger=COMPONENT.wasm` runs that debugger
    /// component; each `arg=VALUE` is passed to it.
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    pub debug_options: Vec<String>,

    /// The WebAssembly program: a core module, a component, or their text format.
    #[arg(value_name = "WASM")]
    pub program: PathBuf,

    /// Arguments for the program; put `--` first if they look like options.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<OsString>,
}

/// A directory the guest can open: `host` on this machine, `guest` inside.
#[derive(Clone, Debug)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
}

/// A guest environment variable.
#[derive(Clone, Debug)]
pub struct EnvVar {
    pub name: String,
    pub value: Option<String>,
}

pub fn parse_dir(text: &str) -> Result<Preopen> {
    let (host, guest) = match text.split_once("::") {
        Some((host, guest)) => (host, guest),
        None => (text, text),
    };
    if host.is_empty() || guest.is_empty() {
        bail!("expected HOST or HOST::GUEST");
    }
    Ok(Preopen {
        host: PathBuf::from(host),
        guest: guest.to_string(),
    })
}

pub fn parse_env(text: &str) -> Result<EnvVar> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (text, None),
    };
    if name.is_empty() {
        bail!("expected NAME or NAME=VALUE");
    }
    Ok(EnvVar {
        name: name.to_string(),
        value,
    })
}

/// Parses `-g`'s `[ADDR:]PORT`: a bare port listens on 127.0.0.1; an IPv6
/// address goes in brackets (`[::1]:1234`); `localhost` is 127.0.0.1.
pub fn parse_listen_address(text: &str) -> Result<SocketAddr> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if let Some(Ok(port)) = text.strip_prefix("localhost:").map(str::parse::<u16>) {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    bail!("invalid debugger address `{text}`: expected PORT, IP:PORT or [IPv6]:PORT")
}

/// What the `-D` options ask for.
#[derive(Debug, Default, PartialEq)]
pub struct DebugOptions {
    /// A debugger component to run instead of the built-in one.
    pub debugger: Option<PathBuf>,
    /// Arguments handed to the debugger component, in order.
    pub args: Vec<String>,
}

impl DebugOptions {
    pub fn parse(options: &[String]) -> Result<DebugOptions> {
        let mut parsed = DebugOptions::default();
        for option in options {
            let (key, value) = option
                .split_once('=')
                .with_context(|| format!("invalid -D option `{option}`: expected KEY=VALUE"))?;
            match key {
                "debugger" => parsed.debugger = Some(PathBuf::from(value)),
                "arg" => parsed.args.push(value.to_string()),
                _ => bail!("unknown -D option `{key}`: expected `debugger` or `arg`"),
            }
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<RunArgs, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("wasmdebug").chain(args.iter().copied()))?;
        Ok(match (cli.command, cli.run) {
            (Some(Command::Run(run)), None) | (None, Some(run)) => run,
            other => panic!("unexpected parse {other:?}"),
        })
    }

    #[test]
    fn implicit_and_explicit_run_agree() {
        for args in [
            &["run", "--env", "A=1", "p.wasm", "x", "--flag"][..],
            &["--env", "A=1", "p.wasm", "x", "--flag"][..],
        ] {
            let run = parse(args).unwrap();
            assert_eq!(run.program, PathBuf::from("p.wasm"));
            assert_eq!(run.args, ["x", "--flag"]);
            assert_eq!(run.envs[0].name, "A");
            assert_eq!(run.envs[0].value.as_deref(), Some("1"));
        }
    }

    #[test]
    fn gdbstub_port_may_be_attached() {
        // LLDB's launcher writes `-g127.0.0.1:PORT`.
        let run = parse(&["-g127.0.0.1:1234", "p.wasm"]).unwrap();
        assert_eq!(run.gdbstub.as_deref(), Some("127.0.0.1:1234"));
    }

    #[test]
    fn double_dash_separates_guest_options() {
        let run = parse(&["p.wasm", "--", "--dir", "x"]).unwrap();
        assert_eq!(run.args, ["--dir", "x"]);
        assert!(run.dirs.is_empty());
    }

    #[test]
    fn dir_mapping() {
        let run = parse(&["--dir", "/tmp::/data", "--dir", ".", "p.wasm"]).unwrap();
        assert_eq!(run.dirs[0].host, PathBuf::from("/tmp"));
        assert_eq!(run.dirs[0].guest, "/data");
        assert_eq!(run.dirs[1].guest, ".");
        assert!(parse(&["--dir", "::x", "p.wasm"]).is_err());
    }

    #[test]
    fn listen_addresses() {
        let check = |text: &str, expected: Option<&str>| {
            let parsed = parse_listen_address(text).ok().map(|addr| addr.to_string());
            assert_eq!(parsed.as_deref(), expected, "{text}");
        };
        check("1234", Some("127.0.0.1:1234"));
        check("0", Some("127.0.0.1:0"));
        check("127.0.0.1:1234", Some("127.0.0.1:1234"));
        check("0.0.0.0:9", Some("0.0.0.0:9"));
        check("[::1]:1234", Some("[::1]:1234"));
        check("localhost:77", Some("127.0.0.1:77"));
        check("65536", None);
        check("::1:1234", None);
        check("somehost:1234", None);
        check("127.0.0.1", None);
        check("", None);
    }

    #[test]
    fn debug_options() {
        let options = [
            "debugger=d.wasm".to_string(),
            "arg=a".into(),
            "arg=b=c".into(),
        ];
        let parsed = DebugOptions::parse(&options).unwrap();
        assert_eq!(parsed.debugger, Some(PathBuf::from("d.wasm")));
        assert_eq!(parsed.args, ["a", "b=c"]);
        assert!(DebugOptions::parse(&["nope".into()]).is_err());
        assert!(DebugOptions::parse(&["color=red".into()]).is_err());
    }
}
