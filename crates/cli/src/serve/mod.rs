//! `wasmdebug serve`: an HTTP server whose requests a `wasi:http/proxy`
//! component handles, as `wasmtime serve` does, plain or under a debugger.
//!
//! Every request gets a fresh store and instance. Plain, requests run
//! concurrently. Under a debugger, the server's loop is the debuggee (see
//! `debug::server`): requests run one at a time, in one debug session, so
//! a breakpoint stops every request.

mod front;
mod proxy;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::cache::Cache;
use crate::cli::{self, EnvVar, Preopen};
use crate::debug;
use crate::options::{self, List, Settings};
use crate::program::{self, Program};
use proxy::Handler;

/// The default `--addr`: port 8080 as `wasmtime serve`, but on loopback,
/// so a handler under development is not reachable from the network
/// unless asked.
const DEFAULT_ADDR: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address to serve HTTP on.
    #[arg(long, value_name = "ADDR:PORT", default_value_t = DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// WASI options: `cli` also gives the handler the `wasi:cli` imports
    /// (environment, filesystem...), as with `wasmtime serve -S cli`.
    #[arg(short = 'S', value_name = "cli")]
    pub wasi: Vec<String>,

    /// Preopen a host directory, as HOST or HOST::GUEST (seen with `-S cli`).
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = cli::parse_dir)]
    pub dirs: Vec<Preopen>,

    /// Set a guest environment variable; NAME alone passes the host's value
    /// (seen with `-S cli`).
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = cli::parse_env)]
    pub envs: Vec<EnvVar>,

    /// Serve the GDB remote protocol (LLDB's Wasm dialect) on [ADDR:]PORT;
    /// the server starts paused, and serves requests one at a time.
    #[arg(short = 'g', long = "gdbstub", value_name = "[ADDR:]PORT", value_parser = cli::parse_listen_address)]
    pub gdbstub: Option<SocketAddr>,

    /// With -g: serve at once instead of waiting, paused, for a debugger;
    /// one may attach whenever it likes, and stops the server where it is.
    #[arg(long = "no-wait", requires = "gdbstub")]
    pub no_wait: bool,

    /// Debugger settings: `debugger=COMPONENT.wasm` runs that debugger
    /// component; each `arg=VALUE` is passed to it.
    #[arg(short = 'D', long = "debug", value_name = "KEY=VALUE[,..]", value_parser = options::debug)]
    pub debug: Vec<List<options::Debug>>,

    /// The component: it must export `wasi:http/incoming-handler`.
    #[arg(value_name = "COMPONENT")]
    pub component: PathBuf,
}

/// Serves until the server fails, or the debugger kills it; returns the
/// exit status for the process.
pub fn serve(args: &ServeArgs) -> Result<i32> {
    let cli_imports = cli_imports(&args.wasi)?;
    let settings = Settings::new(&[], &[], &[], &[], &args.debug);
    let cache = Cache::new(&settings)?;
    let debugging = args.gdbstub.is_some() || settings.debugger.is_some();
    let engine = program::engine(debugging, &settings)?;
    let component = match Program::load(&engine, &args.component, &cache, debugging)? {
        Program::Component(component) => component,
        Program::Module(_) => bail!(
            "`{}` is a core module: serve needs a component of the wasi:http/proxy world",
            args.component.display()
        ),
    };
    let wasi = proxy::WasiSettings::new(&args.envs, &args.dirs)?;
    let handler = Arc::new(
        Handler::new(&engine, &component, cli_imports, wasi)
            .with_context(|| format!("cannot serve `{}`", args.component.display()))?,
    );
    let listener = TcpListener::bind(args.addr)
        .with_context(|| format!("cannot serve HTTP on {}", args.addr))?;
    match debugging {
        false => serve_plain(handler, listener),
        true => {
            let mut setup = crate::debugger_setup(args.gdbstub, &settings, cache, &args.component)?;
            setup.no_wait = args.no_wait;
            debug::server::serve(&engine, &component, setup, |between| async move {
                let mut requests = front::start(listener)?;
                let mut store = between.prepare(handler.store()?)?;
                between.entry(&mut store).await;
                while let Some(exchange) = between.next(&mut store, &mut requests).await {
                    store = match handler.store().and_then(|fresh| between.prepare(fresh)) {
                        Ok(fresh) => fresh,
                        Err(error) => {
                            eprintln!("error: cannot set up a request's store: {error:#}");
                            exchange.fail();
                            continue;
                        }
                    };
                    handler.handle(&mut store, exchange).await;
                }
                Ok(())
            })
        }
    }
}

/// Without a debugger: a fresh store per request, requests concurrently.
fn serve_plain(handler: Arc<Handler>, listener: TcpListener) -> Result<i32> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the server's I/O runtime")?;
    runtime.block_on(async {
        let mut requests = front::start(listener)?;
        while let Some(exchange) = requests.recv().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                match handler.store() {
                    Ok(mut store) => handler.handle(&mut store, exchange).await,
                    Err(error) => {
                        eprintln!("error: cannot set up a request's store: {error:#}");
                        exchange.fail();
                    }
                }
            });
        }
        bail!("the HTTP listener stopped")
    })
}

/// Whether `-S` asks for the `wasi:cli` imports.
fn cli_imports(options: &[String]) -> Result<bool> {
    let mut cli = false;
    for option in options {
        cli = match option.as_str() {
            "cli" | "cli=y" | "cli=yes" | "cli=true" => true,
            "cli=n" | "cli=no" | "cli=false" => false,
            _ => bail!("unsupported -S option `{option}` for serve: expected `cli`"),
        };
    }
    Ok(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasi_options() {
        assert!(!cli_imports(&[]).unwrap());
        assert!(cli_imports(&["cli".into()]).unwrap());
        assert!(!cli_imports(&["cli".into(), "cli=n".into()]).unwrap());
        assert!(cli_imports(&["http".into()]).is_err());
    }
}
