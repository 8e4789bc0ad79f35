//! The HTTP side of `serve`: accepting connections (hyper, HTTP/1.1 with
//! keep-alive, as `wasmtime serve`) and handing each request to the
//! handler loop as an `Exchange`.

use std::convert::Infallible;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// How many requests may wait for the handler loop (while a debugger has
/// the server paused, say) before connections wait to hand theirs over.
const QUEUE: usize = 128;

/// One request, and where its response goes.
pub struct Exchange {
    pub request: Request<Incoming>,
    pub reply: oneshot::Sender<Response<HyperOutgoingBody>>,
}

impl Exchange {
    /// Answers 500 without running the handler.
    pub fn fail(self) {
        let _ = self
            .reply
            .send(error_response(StatusCode::INTERNAL_SERVER_ERROR));
    }
}

/// Starts accepting connections on `listener`, on the current Tokio
/// runtime, and says so on stderr (a line tests and scripts wait for).
pub fn start(listener: std::net::TcpListener) -> Result<mpsc::Receiver<Exchange>> {
    listener
        .set_nonblocking(true)
        .context("cannot set up the HTTP listener")?;
    let listener = TcpListener::from_std(listener).context("cannot set up the HTTP listener")?;
    let addr = listener
        .local_addr()
        .context("cannot set up the HTTP listener")?;
    let (sender, receiver) = mpsc::channel(QUEUE);
    tokio::spawn(accept(listener, sender));
    eprintln!("Serving HTTP on http://{addr}/");
    Ok(receiver)
}

async fn accept(listener: TcpListener, requests: mpsc::Sender<Exchange>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, requests.clone()));
            }
            Err(error) => {
                // Out of file descriptors, say: back off rather than spin.
                eprintln!("warning: cannot accept an HTTP connection: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

async fn connection(stream: TcpStream, requests: mpsc::Sender<Exchange>) {
    let service = service_fn(move |request| {
        let requests = requests.clone();
        async move { Ok::<_, Infallible>(exchange(request, &requests).await) }
    });
    let served = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = served {
        eprintln!("warning: HTTP connection failed: {error}");
    }
}

/// Hands `request` to the handler loop and waits for its response.
async fn exchange(
    request: Request<Incoming>,
    requests: &mpsc::Sender<Exchange>,
) -> Response<HyperOutgoingBody> {
    let (reply, response) = oneshot::channel();
    if requests.send(Exchange { request, reply }).await.is_err() {
        return error_response(StatusCode::SERVICE_UNAVAILABLE);
    }
    // The handler loop always answers; a dropped reply means it is gone.
    response
        .await
        .unwrap_or_else(|_| error_response(StatusCode::SERVICE_UNAVAILABLE))
}

/// A response with `status` and its reason as the body.
pub fn error_response(status: StatusCode) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(format!("{status}\n")))
        .map_err(|never: Infallible| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}
