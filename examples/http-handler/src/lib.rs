//! An HTTP handler of the `wasi:http/proxy` world for the `wasmdebug serve`
//! tests: it answers `hello PATH`, and traps on `/trap`.

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
    format!("hello {path}\n") // MARK: greeting
}
