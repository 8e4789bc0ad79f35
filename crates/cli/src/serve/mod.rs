//! `wasmdebug serve`: an HTTP server whose requests a `wasi:http/proxy`
//! component handles, as `wasmtime serve` does, plain or under a debugger.
//!
//! Every request gets a fresh store and instance. Plain, requests run
//! concurrently. Under a debugger, the server's loop is the debuggee (see
//! `debug::server`): requests run one at a time, in one debug session, so
//! a breakpoint stops every request.

mod front;
mod proxy;

use std::net::TcpListener;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use crate::cache::Cache;
use crate::cli::ServeArgs;
use crate::debug::{self, DebuggerSetup};
use crate::program::{self, Program};
use proxy::Handler;

/// Serves until the server fails, or the debugger kills it; returns the
/// exit status for the process.
pub fn serve(args: &ServeArgs) -> Result<i32> {
    let settings = args.settings();
    let cache = Cache::new(&settings)?;
    let debugging = args.debugging.wanted(&settings);
    // A server's inputs are not recorded: its engine needs no clock.
    let mut engine_settings = args.settings();
    engine_settings.time_travel = false;
    let engine = program::engine(debugging, &engine_settings)?;
    let component = match Program::load(&engine, &args.component, &cache, debugging)? {
        Program::Component(component) => component,
        Program::Module(_) => bail!(
            "`{}` is a core module: serve needs a component of the wasi:http/proxy world",
            args.component.display()
        ),
    };
    let wasi = proxy::WasiSettings::new(&args.guest)?;
    let handler = Arc::new(
        Handler::new(&engine, &component, args.cli_imports(), wasi)
            .with_context(|| format!("cannot serve `{}`", args.component.display()))?,
    );
    let listener = TcpListener::bind(args.addr)
        .with_context(|| format!("cannot serve HTTP on {}", args.addr))?;
    match debugging {
        false => serve_plain(handler, listener),
        true => {
            let setup = DebuggerSetup::new(&args.debugging, &settings, cache, &args.component)?;
            debug::server::serve(&engine, &component, setup, |control| async move {
                let mut requests = front::start(listener)?;
                let mut store = control.prepare(handler.store()?)?;
                control.entry(&mut store).await;
                while let Some(exchange) = control.next(&mut store, &mut requests).await {
                    store = match handler.store().and_then(|fresh| control.prepare(fresh)) {
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
