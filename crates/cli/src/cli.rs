//! Command-line syntax: `run` and its implicit form, `serve`, and the flags
//! they share, each declared once.

use std::ffi::{OsStr, OsString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::options::{self, List, Settings};

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
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The implicit `run`; not read when there is a subcommand.
    #[command(flatten)]
    pub run: RunArgs,
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
    Serve(ServeArgs),
    /// Run a recorded program again (`run --record`): the same path, the
    /// same output, the same exit status, with no host access at all; with
    /// -g, under a debugger, which can run it in reverse.
    Replay(ReplayArgs),
    /// Debug a WASI program: start it paused and run LLDB, connected to it.
    ///
    /// `run`'s options work as for `run`, except those a debugger refuses,
    /// `-g` (the debugger listens on a loopback port the system picks) and `-D debugger=`. The program's
    /// stdin is empty: the terminal is LLDB's. Exit status: the program's when
    /// it ended while LLDB ran; 137 when LLDB killed it or quit first (the
    /// program is then stopped); 1 when no LLDB with the Wasm plugin is found.
    Debug(DebugCommandArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub guest: GuestArgs,

    /// Call this export instead of the program's entry point, with the
    /// program's arguments as its arguments, and print its results. For a
    /// component, a call in WAVE syntax: `name(1, "two")`.
    #[arg(long, value_name = "FUNCTION")]
    pub invoke: Option<String>,

    /// The program's `argv[0]` (default: the program file's name).
    #[arg(long, value_name = "NAME")]
    pub argv0: Option<String>,

    /// Instantiate a core module first and offer its exports as imports
    /// from module NAME.
    #[arg(long = "preload", value_name = "NAME=PATH", value_parser = parse_preload)]
    pub preloads: Vec<Preload>,

    #[command(flatten)]
    pub debugging: DebugArgs,

    /// Record everything the program gets from outside (clocks, random
    /// bytes, stdin, files, sockets) into FILE as it runs, for `wasmdebug
    /// replay`. A core module only, and not under a debugger.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Wasm execution: fuel=N, timeout=DURATION, max-memory-size=BYTES,
    /// max-wasm-stack=BYTES, and proposal switches such as simd=n or tail-call.
    #[arg(short = 'W', long = "wasm", value_name = "KEY[=VALUE][,..]", value_parser = options::wasm,
          long_help = options::long_help::<options::Wasm>("Wasm execution"))]
    pub wasm: Vec<List<options::Wasm>>,

    /// WASI: cli, inherit-env, inherit-network, allow-ip-name-lookup, tcp, udp (each y or n).
    #[arg(short = 'S', long = "wasi", value_name = "KEY[=VALUE][,..]", value_parser = options::wasi,
          long_help = options::long_help::<options::Wasi>("WASI"))]
    pub wasi: Vec<List<options::Wasi>>,

    /// Code generation: cache=y|n, cache-config=FILE.
    #[arg(short = 'C', long = "codegen", value_name = "KEY[=VALUE][,..]", value_parser = options::codegen,
          long_help = options::long_help::<options::Codegen>("Code generation"))]
    pub codegen: Vec<List<options::Codegen>>,

    /// Optimization: opt-level=0|1|2|s.
    #[arg(short = 'O', long = "optimize", value_name = "KEY=VALUE[,..]", value_parser = options::optimize,
          long_help = options::long_help::<options::Optimize>("Optimization"))]
    pub optimize: Vec<List<options::Optimize>>,

    /// The WebAssembly program (a core module, a component, or their text
    /// format), then its arguments; put `--` first if they look like options.
    #[arg(value_name = "WASM", required = true, trailing_var_arg = true)]
    pub program_and_args: Vec<OsString>,
}

impl RunArgs {
    /// The program file.
    pub fn program(&self) -> &Path {
        // clap requires one value.
        Path::new(
            self.program_and_args
                .first()
                .map_or(OsStr::new(""), |first| first),
        )
    }

    /// The program's arguments. Everything after the program is one, even
    /// `--help`; a `--` right after the program only separates.
    pub fn args(&self) -> &[OsString] {
        match self.program_and_args.get(1..).unwrap_or_default() {
            [first, rest @ ..] if first == "--" => rest,
            args => args,
        }
    }

    /// The options that shape a plain run's store, which the debug host
    /// does not take (yet): the first one given, if any.
    pub fn not_served_under_a_debugger(&self, settings: &Settings) -> Option<&'static str> {
        [
            (self.invoke.is_some(), "--invoke"),
            (!self.preloads.is_empty(), "--preload"),
            (settings.fuel.is_some(), "-W fuel"),
            (settings.timeout.is_some(), "-W timeout"),
            (settings.max_memory_size.is_some(), "-W max-memory-size"),
            (!settings.cli, "-S cli=n"),
        ]
        .into_iter()
        .find_map(|(given, option)| given.then_some(option))
    }

    /// What the option groups ask for.
    pub fn settings(&self) -> Settings {
        Settings::default()
            .with(&self.wasm)
            .with(&self.wasi)
            .with(&self.codegen)
            .with(&self.optimize)
            .with(&self.debugging.debug)
    }
}

/// `wasmdebug replay`: a recording, and where its program is.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub debugging: DebugArgs,

    /// The recording (`run --record FILE`).
    #[arg(value_name = "RECORDING")]
    pub recording: PathBuf,

    /// The recorded program (default: the recorded file name, next to the
    /// recording). It must be the very program recorded.
    #[arg(value_name = "WASM")]
    pub program: Option<PathBuf>,
}

/// `wasmdebug debug`: LLDB's options, then `run`'s.
#[derive(Args, Debug)]
pub struct DebugCommandArgs {
    /// The LLDB to run (default: $WASMDEBUG_LLDB, else `lldb` on PATH); it
    /// needs the Wasm plugin (LLDB 23 or newer).
    #[arg(long, value_name = "PATH")]
    pub lldb: Option<PathBuf>,

    /// An LLDB command to run once connected, as lldb's -o; repeat for more,
    /// run in order.
    #[arg(short = 'o', long = "one-line", value_name = "COMMAND")]
    pub commands: Vec<String>,

    /// Quit LLDB after the -o commands, as lldb's --batch.
    #[arg(short = 'b', long)]
    pub batch: bool,

    #[command(flatten)]
    pub run: RunArgs,
}

/// The default `serve --addr`: port 8080 as `wasmtime serve`, but on
/// loopback, so a handler under development is not reachable from the
/// network unless asked.
const DEFAULT_SERVE_ADDR: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to serve HTTP on.
    #[arg(long, value_name = "ADDR:PORT", default_value_t = DEFAULT_SERVE_ADDR)]
    pub addr: SocketAddr,

    /// WASI: `cli` also gives the handler the `wasi:cli` imports
    /// (environment, filesystem...), as with `wasmtime serve -S cli`.
    #[arg(short = 'S', long = "wasi", value_name = "cli[=y|n]", value_parser = options::serve_wasi)]
    pub wasi: Vec<List<options::Wasi>>,

    #[command(flatten)]
    pub guest: GuestArgs,

    #[command(flatten)]
    pub debugging: DebugArgs,

    /// The component: it must export `wasi:http/incoming-handler`.
    #[arg(value_name = "COMPONENT")]
    pub component: PathBuf,
}

impl ServeArgs {
    /// What `-D` asks for (serve has no other group that shapes settings).
    pub fn settings(&self) -> Settings {
        Settings::default().with(&self.debugging.debug)
    }

    /// Whether `-S` asks for the `wasi:cli` imports: off unless asked, as
    /// in `wasmtime serve`.
    pub fn cli_imports(&self) -> bool {
        self.wasi
            .iter()
            .flat_map(|list| &list.0)
            .fold(false, |cli, option| match option {
                options::Wasi::Cli(enable) => *enable,
                _ => cli,
            })
    }
}

/// What the guest sees of the host, for `run` and `serve` alike (a server
/// sees it with `-S cli`).
#[derive(Args, Clone, Debug)]
pub struct GuestArgs {
    /// Preopen a host directory, as HOST or HOST::GUEST (GUEST defaults to HOST).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub dirs: Vec<Preopen>,

    /// Set a guest environment variable; NAME alone passes the host's value.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = parse_env)]
    pub envs: Vec<EnvVar>,
}

/// The debugger flags, for `run` and `serve` alike.
#[derive(Args, Debug)]
pub struct DebugArgs {
    /// Serve the GDB remote protocol (LLDB's Wasm dialect) on [ADDR:]PORT;
    /// the program starts paused (a server serves one request at a time).
    /// A bare port listens on 127.0.0.1.
    #[arg(short = 'g', long = "gdbstub", value_name = "[ADDR:]PORT", value_parser = parse_listen_address)]
    pub gdbstub: Option<SocketAddr>,

    /// With -g: start the program at once instead of paused; a debugger may
    /// attach whenever it likes, and the program stops where it is then.
    #[arg(long = "no-wait", requires = "gdbstub")]
    pub no_wait: bool,

    /// Debugger settings: `debugger=COMPONENT.wasm` runs that debugger
    /// component; each `arg=VALUE` is passed to it.
    #[arg(short = 'D', long = "debug", value_name = "KEY=VALUE[,..]", value_parser = options::debug,
          long_help = options::long_help::<options::Debug>("Debugger settings"))]
    pub debug: Vec<List<options::Debug>>,
}

impl DebugArgs {
    /// Whether the program runs under a debugger: `-g`, or `-D debugger=`
    /// in `settings`.
    pub fn wanted(&self, settings: &Settings) -> bool {
        self.gdbstub.is_some() || settings.debugger.is_some()
    }
}

/// A module to instantiate before the program: `name` is the import
/// module name its exports satisfy.
#[derive(Clone, Debug)]
pub struct Preload {
    pub name: String,
    pub path: PathBuf,
}

fn parse_preload(text: &str) -> Result<Preload> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok(Preload {
            name: name.to_string(),
            path: PathBuf::from(path),
        }),
        _ => bail!("expected NAME=PATH"),
    }
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

fn parse_dir(text: &str) -> Result<Preopen> {
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

fn parse_env(text: &str) -> Result<EnvVar> {
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
fn parse_listen_address(text: &str) -> Result<SocketAddr> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<RunArgs, clap::Error> {
        let cli = Cli::try_parse_from(std::iter::once("wasmdebug").chain(args.iter().copied()))?;
        Ok(match cli.command {
            Some(Command::Run(run)) => run,
            None => cli.run,
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
            assert_eq!(run.program(), Path::new("p.wasm"));
            assert_eq!(run.args(), ["x", "--flag"]);
            assert_eq!(run.guest.envs[0].name, "A");
            assert_eq!(run.guest.envs[0].value.as_deref(), Some("1"));
        }
    }

    #[test]
    fn serve_takes_the_shared_flags_and_cli_alone_of_s() {
        let parse = |args: &[&str]| -> Result<ServeArgs, clap::Error> {
            let args = ["wasmdebug", "serve"].iter().chain(args);
            match Cli::try_parse_from(args)?.command {
                Some(Command::Serve(serve)) => Ok(serve),
                other => panic!("unexpected parse {other:?}"),
            }
        };
        let serve = parse(&[
            "--dir",
            "/tmp::/data",
            "--env",
            "A=1",
            "-g",
            "9",
            "--no-wait",
            "h.wasm",
        ])
        .unwrap();
        assert_eq!(serve.guest.dirs[0].guest, "/data");
        assert_eq!(serve.guest.envs[0].name, "A");
        assert_eq!(
            serve.debugging.gdbstub,
            Some("127.0.0.1:9".parse().unwrap())
        );
        assert!(serve.debugging.no_wait && !serve.cli_imports());
        assert!(parse(&["-S", "cli", "h.wasm"]).unwrap().cli_imports());
        assert!(
            !parse(&["-S", "cli", "-S", "cli=n", "h.wasm"])
                .unwrap()
                .cli_imports()
        );
        let error = parse(&["-S", "tcp", "h.wasm"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(parse(&["--no-wait", "h.wasm"]).is_err());
    }

    #[test]
    fn gdbstub_port_may_be_attached() {
        // LLDB's launcher writes `-g127.0.0.1:PORT`.
        let run = parse(&["-g127.0.0.1:1234", "p.wasm"]).unwrap();
        assert_eq!(
            run.debugging.gdbstub,
            Some("127.0.0.1:1234".parse().unwrap())
        );
    }

    #[test]
    fn no_wait_needs_a_debugger_address() {
        assert!(
            parse(&["--no-wait", "-g", "1234", "p.wasm"])
                .unwrap()
                .debugging
                .no_wait
        );
        assert!(parse(&["--no-wait", "p.wasm"]).is_err());
    }

    #[test]
    fn double_dash_separates_guest_options() {
        let run = parse(&["p.wasm", "--", "--dir", "x"]).unwrap();
        assert_eq!(run.args(), ["--dir", "x"]);
        assert!(run.guest.dirs.is_empty());
    }

    #[test]
    fn dir_mapping() {
        let run = parse(&["--dir", "/tmp::/data", "--dir", ".", "p.wasm"]).unwrap();
        assert_eq!(run.guest.dirs[0].host, PathBuf::from("/tmp"));
        assert_eq!(run.guest.dirs[0].guest, "/data");
        assert_eq!(run.guest.dirs[1].guest, ".");
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
    fn program_options_after_the_program_are_its_own() {
        let run = parse(&["p.wasm", "--version", "--help"]).unwrap();
        assert_eq!(run.args(), ["--version", "--help"]);
    }

    #[test]
    fn option_groups_repeat_and_the_last_value_wins() {
        let run = parse(&[
            "-W",
            "fuel=5,simd=n",
            "--wasm",
            "fuel=7",
            "-Darg=a,arg=b",
            "p.wasm",
        ])
        .unwrap();
        let settings = run.settings();
        assert_eq!(settings.fuel, Some(7));
        assert_eq!(settings.proposals, [(options::Proposal::Simd, false)]);
        assert_eq!(settings.debugger_args, ["a", "b"]);
    }
}
