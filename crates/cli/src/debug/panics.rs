//! Surviving Wasmtime's panics while it serves a request.

use std::panic::AssertUnwindSafe;

/// Runs `f`, turning a panic into its message, so that a panic inside
/// Wasmtime's debug API fails one request instead of taking down the
/// thread (and with it the debugger, or a runner LLDB waits on forever).
pub fn contain<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let text = payload.downcast_ref::<&str>().map(|text| text.to_string());
        text.or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}
