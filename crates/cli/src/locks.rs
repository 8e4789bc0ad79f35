//! Locks that a panic elsewhere does not poison: every mutex of ours guards plain values.

use std::sync::{LockResult, Mutex, MutexGuard, PoisonError};

/// What a lock (or a wait on a condition variable) gives, whether or not a
/// panic poisoned it: our locks guard plain values, which a
/// panic elsewhere cannot leave half-changed.
pub fn recover<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(PoisonError::into_inner)
}

/// Locks `mutex`, poisoned or not (see `recover`).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    recover(mutex.lock())
}
