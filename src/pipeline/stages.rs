//! Stage timing: one clock per stage that reports its start and finish as
//! events, instead of hand-written start/finish pairs at every step.

use std::time::{Duration, Instant};

use crate::events::{Event, EventSink, Stage};

/// Milliseconds of a duration, as the perf summary records them.
pub(crate) fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// A running stage: created with [`StageClock::start`] (which reports
/// `StageStarted`), ended with [`StageClock::finish`] (`StageFinished`).
pub(crate) struct StageClock<'a> {
    events: EventSink<'a>,
    stage: Stage,
    started: Instant,
}

impl<'a> StageClock<'a> {
    /// Report that `stage` started, and start its clock.
    pub(crate) fn start(events: EventSink<'a>, stage: Stage) -> Self {
        events(Event::StageStarted { stage });
        Self {
            events,
            stage,
            started: Instant::now(),
        }
    }

    /// Report the stage finished after its wall time; returns the ms.
    pub(crate) fn finish(self) -> u64 {
        let ms = ms(self.started.elapsed());
        self.finish_with(ms)
    }

    /// Report the stage finished with a time measured elsewhere (a stage
    /// that runs on its own thread, or the encoder's busy time).
    pub(crate) fn finish_with(self, ms: u64) -> u64 {
        (self.events)(Event::StageFinished {
            stage: self.stage,
            ms,
        });
        ms
    }
}

/// Run `f` as `stage`: started, timed, finished. The finish is reported
/// only when `f` succeeds (an error ends the render instead).
pub(crate) fn timed<T, E>(
    events: EventSink<'_>,
    stage: Stage,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<(T, u64), E> {
    let clock = StageClock::start(events, stage);
    let v = f()?;
    Ok((v, clock.finish()))
}
