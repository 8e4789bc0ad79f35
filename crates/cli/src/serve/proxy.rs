//! The component side of `serve`: the store a handler runs in, its
//! imports, and one request through `wasi:http/incoming-handler.handle`.

use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, bail};
use hyper::{Response, StatusCode};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView, default_hooks};

use super::front::{Exchange, error_response};
use crate::cli::GuestArgs;
use crate::wasi;

/// The export that makes a component a handler.
const INCOMING_HANDLER: &str = "wasi:http/incoming-handler@0.2";

/// A store's data: WASI, wasi:http, and the resources they share.
pub struct Data {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

impl WasiView for Data {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Data {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: default_hooks(),
        }
    }
}

/// What the handler sees of the host, from `--env` and `--dir`.
pub struct WasiSettings {
    guest: GuestArgs,
}

impl WasiSettings {
    pub fn new(guest: &GuestArgs) -> Result<WasiSettings> {
        let settings = WasiSettings {
            guest: guest.clone(),
        };
        // Opening the directories now reports a bad `--dir` at startup.
        settings.context()?;
        Ok(settings)
    }

    fn context(&self) -> Result<WasiCtx> {
        let mut builder = WasiCtxBuilder::new();
        builder.inherit_stdio();
        wasi::add_guest_args(&mut builder, &self.guest)?;
        Ok(builder.build())
    }
}

/// A component ready to handle requests.
pub struct Handler {
    pre: ProxyPre<Data>,
    wasi: WasiSettings,
}

impl Handler {
    /// Checks that `component` is a handler whose imports we provide: those
    /// of the `wasi:http/proxy` world, and with `cli` all of `wasi:cli`'s.
    pub fn new(
        engine: &Engine,
        component: &Component,
        cli: bool,
        wasi: WasiSettings,
    ) -> Result<Handler> {
        let component_type = component.component_type();
        let mut exports = component_type.exports(engine);
        if !exports.any(|(name, _)| name.starts_with(INCOMING_HANDLER)) {
            bail!(
                "the component does not export `{INCOMING_HANDLER}.x`: only components \
                 of the wasi:http/proxy world can be served"
            );
        }
        let mut linker = Linker::new(engine);
        if cli {
            wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
            wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        } else {
            wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
        }
        let pre = linker.instantiate_pre(component).map_err(|error| {
            let hint = match cli {
                true => "",
                false => " (wasi:cli imports need -S cli)",
            };
            anyhow::anyhow!("{error}{hint}")
        })?;
        Ok(Handler {
            pre: ProxyPre::new(pre)?,
            wasi,
        })
    }

    /// A store for requests.
    pub fn store(&self) -> Result<Store<Data>> {
        let data = Data {
            wasi: self.wasi.context()?,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        };
        Ok(Store::new(self.pre.engine(), data))
    }

    /// Handles one request in `store`: a new instance of the component,
    /// and its `handle`. A handler that traps or fails before it sets a
    /// response gets the client a 500, as `wasmtime serve` does.
    pub async fn handle(&self, store: &mut Store<Data>, exchange: Exchange) {
        let Exchange { request, reply } = exchange;
        // The response goes out as soon as the handler sets it, while the
        // handler may still be writing the body.
        let reply = Arc::new(Mutex::new(Some(reply)));
        let outcome = self.call(store, request, reply.clone()).await;
        let unanswered = take(&reply);
        match outcome {
            Ok(()) if unanswered.is_none() => return,
            Ok(()) => eprintln!("error: the handler returned without setting a response"),
            Err(error) => eprintln!("error: the handler failed: {error:?}"),
        }
        if let Some(reply) = unanswered {
            let _ = reply.send(error_response(StatusCode::INTERNAL_SERVER_ERROR));
        }
    }

    async fn call(
        &self,
        store: &mut Store<Data>,
        request: hyper::Request<hyper::body::Incoming>,
        reply: Arc<Mutex<Option<Reply>>>,
    ) -> wasmtime::Result<()> {
        let mut http = store.data_mut().http();
        let request = http.new_incoming_request(Scheme::Http, request)?;
        let out = http.new_response_outparam_from_callback(move |response| {
            let response = response.unwrap_or_else(|code| {
                eprintln!("error: the handler answered with an error: {code:?}");
                error_response(StatusCode::INTERNAL_SERVER_ERROR)
            });
            if let Some(reply) = take(&reply) {
                let _ = reply.send(response);
            }
        })?;
        let proxy = self.pre.instantiate_async(&mut *store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut *store, request, out)
            .await
    }
}

type Reply = tokio::sync::oneshot::Sender<Response<HyperOutgoingBody>>;

/// The reply, unless it has been sent.
fn take(reply: &Mutex<Option<Reply>>) -> Option<Reply> {
    // Nothing can panic while it is held; a poisoned lock holds good data.
    reply.lock().unwrap_or_else(PoisonError::into_inner).take()
}
