//! Surviving panics: Wasmtime's while it serves a request, and the poisoned
//! locks any panic leaves behind.

use std::panic::AssertUnwindSafe;
use std::sync::{LockResult, Mutex, MutexGuard, PoisonError};

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

/// What a lock (or a wait on a condition variable) gives, whether or not a
/// panic poisoned it: the debug host's locks guard plain values, which a
/// panic elsewhere cannot leave half-changed.
pub fn recover<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

/// Locks `mutex`, poisoned or not (see `recover`).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    recover(mutex.lock())
}
