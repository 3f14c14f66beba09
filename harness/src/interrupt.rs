//! Two-stage Ctrl-C: the first stops dispatching new fixtures and lets the
//! running ones finish (their verdicts are still worth having); the second
//! cancels the running renders (hf kills Chrome and removes partial output);
//! a third exits at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

static PRESSES: AtomicUsize = AtomicUsize::new(0);
static CANCEL: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag every render gets as `RenderOptions::cancel`.
pub fn cancel_flag() -> Arc<AtomicBool> {
    Arc::clone(CANCEL.get_or_init(|| Arc::new(AtomicBool::new(false))))
}

/// True after the first Ctrl-C: start no more fixtures.
pub fn stop_requested() -> bool {
    PRESSES.load(Ordering::Relaxed) > 0
}

/// Stop dispatching and cancel running renders, as two presses would
/// (used when the `--json` reader goes away).
pub fn cancel_all() {
    PRESSES.fetch_max(2, Ordering::Relaxed);
    cancel_flag().store(true, Ordering::Relaxed);
}

extern "C" fn on_sigint(_: libc::c_int) {
    // Only atomics here: they are async-signal-safe. The Arc inside CANCEL
    // was created by `install`, so `get` does not allocate.
    let before = PRESSES.fetch_add(1, Ordering::Relaxed);
    if before >= 1 {
        if let Some(flag) = CANCEL.get() {
            flag.store(true, Ordering::Relaxed);
        }
    }
    if before >= 2 {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

/// Install the SIGINT handler (once, before any render starts).
pub fn install() {
    let _ = cancel_flag();
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: the handler only touches atomics and calls _exit.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}
