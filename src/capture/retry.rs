//! When a capture attempt fails, what to do next.
//!
//! - A browser that died (crash, killed, connection closed) gets one retry
//!   at the same worker count: such deaths are usually transient.
//! - Otherwise the worker count halves (floor 1) and only missing frames
//!   are captured again.
//! - An attempt that delivered no frame stops the render: retrying would
//!   only repeat it. So does any failure with a single worker that was not
//!   a browser death (a page that hangs in `seek` hangs every time).

use crate::error::Error;

/// Retry state across attempts.
#[derive(Debug, Clone)]
pub struct Policy {
    workers: u32,
    transient_used: bool,
    attempts: u32,
}

/// Attempts after which a render gives up regardless.
const MAX_ATTEMPTS: u32 = 6;

impl Policy {
    /// Start with `workers` browsers.
    pub fn new(workers: u32) -> Self {
        Self {
            workers: workers.max(1),
            transient_used: false,
            attempts: 1,
        }
    }

    /// Workers for the next attempt.
    pub fn workers(&self) -> u32 {
        self.workers
    }

    /// Decide after a failed attempt that delivered `progress` frames.
    /// `Err(())` means stop and report the error.
    #[allow(clippy::result_unit_err)]
    pub fn decide(&mut self, progress: u64, error: &Error) -> Result<(), ()> {
        self.attempts += 1;
        if progress == 0 || self.attempts > MAX_ATTEMPTS {
            return Err(());
        }
        let died = is_browser_death(error);
        if died && !self.transient_used {
            self.transient_used = true;
            return Ok(());
        }
        if self.workers > 1 {
            self.workers = (self.workers / 2).max(1);
            return Ok(());
        }
        if died {
            return Ok(());
        }
        Err(())
    }
}

/// True when the error says the browser went away rather than misbehaved:
/// the typed [`Error::BrowserLost`], decided where the failure was seen.
pub fn is_browser_death(error: &Error) -> bool {
    matches!(error, Error::BrowserLost { .. })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Evidence;

    fn death() -> Error {
        Error::BrowserLost {
            message: "HeadlessExperimental.beginFrame failed: connection closed".into(),
            evidence: Box::new(Evidence {
                exit_status: Some("signal: 9 (SIGKILL)".into()),
                ..Evidence::default()
            }),
        }
    }

    fn hang() -> Error {
        Error::Timeout {
            what: "seeking frame 31".into(),
            seconds: 3.0,
            evidence: Box::default(),
        }
    }

    #[test]
    fn a_death_gets_one_retry_at_the_same_count_then_halves() {
        let mut p = Policy::new(4);
        assert!(p.decide(10, &death()).is_ok());
        assert_eq!(p.workers(), 4);
        assert!(p.decide(10, &death()).is_ok());
        assert_eq!(p.workers(), 2);
        assert!(p.decide(10, &hang()).is_ok());
        assert_eq!(p.workers(), 1);
        assert!(p.decide(10, &hang()).is_err());
    }

    #[test]
    fn a_browser_error_that_is_not_a_death_halves_at_once() {
        // Chrome answered (an exception, a bad parameter): not transient,
        // whatever words its message holds.
        let answered = Error::Browser {
            message: "Runtime.evaluate threw: connection closed by the page".into(),
            evidence: Box::default(),
        };
        let mut p = Policy::new(4);
        assert!(p.decide(10, &answered).is_ok());
        assert_eq!(p.workers(), 2);
    }

    #[test]
    fn no_progress_stops() {
        let mut p = Policy::new(4);
        assert!(p.decide(0, &death()).is_err());
    }

    #[test]
    fn a_hang_with_one_worker_stops_at_once() {
        let mut p = Policy::new(1);
        assert!(p.decide(30, &hang()).is_err());
    }
}
