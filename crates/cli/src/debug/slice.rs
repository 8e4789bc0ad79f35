//! Time slices for a `continue` that starts on the debugger's own thread.
//!
//! Most continues reach the next breakpoint within microseconds, less than
//! a hand-off to the runner thread and back costs, so a continue first runs
//! where the debugger is. A run still going after one slice is told to
//! yield (the caller's `expire` bumps the engine's epoch) and finishes on
//! the runner thread, so the debugger is back on its socket, able to
//! interrupt, within a slice.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::Result;

use crate::locks::{lock, recover};

/// How long a continue may keep the debugger's thread.
pub const SLICE: Duration = Duration::from_millis(1);

/// A thread that calls `expire` when a slice outlasts its length. It waits
/// on a condition variable between slices, so it costs nothing while the
/// program is paused.
pub struct SliceTimer {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<TimerState>,
    changed: Condvar,
}

#[derive(Default)]
struct TimerState {
    /// The number of the slice under way, if one is.
    current: Option<u64>,
    next: u64,
    closed: bool,
}

impl SliceTimer {
    /// Starts the timer for slices of `length` (`SLICE` but in tests).
    pub fn spawn(length: Duration, expire: impl Fn() + Send + 'static) -> Result<SliceTimer> {
        let shared = Arc::new(Shared::default());
        let timer = shared.clone();
        std::thread::Builder::new()
            .name("slice-timer".into())
            .spawn(move || watch(&timer, length, expire))?;
        Ok(SliceTimer { shared })
    }

    /// Runs `work` as one slice: `expire` is called if it is still running
    /// at the slice's end.
    pub fn run<R>(&self, work: impl FnOnce() -> R) -> R {
        {
            let mut state = lock(&self.shared.state);
            state.current = Some(state.next);
            state.next += 1;
        }
        self.shared.changed.notify_all();
        let result = work();
        lock(&self.shared.state).current = None;
        self.shared.changed.notify_all();
        result
    }
}

impl Drop for SliceTimer {
    fn drop(&mut self) {
        lock(&self.shared.state).closed = true;
        self.shared.changed.notify_all();
    }
}

/// The timer thread: for each slice, waits until it ends or times out.
fn watch(shared: &Shared, length: Duration, expire: impl Fn()) {
    let mut state = lock(&shared.state);
    loop {
        if state.closed {
            return;
        }
        let Some(slice) = state.current else {
            state = recover(shared.changed.wait(state));
            continue;
        };
        let same_slice = |state: &mut TimerState| state.current == Some(slice) && !state.closed;
        let (guard, timeout) =
            recover(shared.changed.wait_timeout_while(state, length, same_slice));
        state = guard;
        if timeout.timed_out() {
            expire();
            // Only one expiry per slice: wait for this one to end.
            state = recover(shared.changed.wait_while(state, same_slice));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn counting_timer(length: Duration) -> (SliceTimer, Arc<AtomicUsize>) {
        let expired = Arc::new(AtomicUsize::new(0));
        let count = expired.clone();
        let timer = SliceTimer::spawn(length, move || {
            count.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        (timer, expired)
    }

    /// Spins until `expired` reaches `count`, failing after ten seconds.
    fn await_count(expired: &AtomicUsize, count: usize) {
        let started = Instant::now();
        while expired.load(Ordering::SeqCst) < count {
            assert!(started.elapsed() < Duration::from_secs(10), "no expiry");
            std::thread::yield_now();
        }
    }

    #[test]
    fn a_slice_that_ends_in_time_never_expires() {
        // Long slices, so that a busy machine cannot stretch one past its end.
        let length = Duration::from_millis(200);
        let (timer, expired) = counting_timer(length);
        for _ in 0..100 {
            timer.run(|| ());
        }
        std::thread::sleep(length * 3);
        assert_eq!(expired.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_long_slice_expires_once_and_not_early() {
        let (timer, expired) = counting_timer(SLICE);
        let started = Instant::now();
        timer.run(|| {
            await_count(&expired, 1);
            assert!(started.elapsed() >= SLICE, "expired early");
            std::thread::sleep(SLICE * 5);
        });
        assert_eq!(expired.load(Ordering::SeqCst), 1);
        // The next slice gets its own expiry.
        timer.run(|| await_count(&expired, 2));
        assert_eq!(expired.load(Ordering::SeqCst), 2);
    }
}
