//! An HTTP handler of the `wasi:http/proxy` world for the `wasmdebug serve`
//! tests: it answers `hello PATH`, traps on `/trap`, and loops on `/spin`
//! until a debugger ends it.

use std::io::Write as _;

use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Handler;

wasip2::http::proxy::export!(Handler);

impl wasip2::exports::http::incoming_handler::Guest for Handler {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path = request.path_with_query().unwrap_or_default();
        let text = greeting(&path);
        let response = OutgoingResponse::new(Fields::new());
        let Ok(body) = response.body() else { return };
        ResponseOutparam::set(response_out, Ok(response));
        let Ok(mut out) = body.write() else { return };
        // A failed write means the client is gone: nobody to tell.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        drop(out);
        let _ = OutgoingBody::finish(body, None);
    }
}

/// The answer to a request for `path`; the tests break here.
#[inline(never)]
fn greeting(path: &str) -> String {
    if path == "/trap" {
        // MARK: trap
        std::process::abort();
    }
    if path == "/spin" {
        return format!("spun {} times\n", spin());
    }
    format!("hello {path}\n") // MARK: greeting
}

/// Never set by the handler: only a debugger could end the loop of `spin`.
static mut STOP_SPINNING: bool = false;

/// A loop with no calls in it (in a debug build too), for interrupting a
/// request.
#[inline(never)]
fn spin() -> u64 {
    let mut spins: u64 = 0;
    while !unsafe { STOP_SPINNING } {
        spins += 1; // MARK: spin-body
    }
    spins
}
