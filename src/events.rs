//! Progress events: the library reports what it is doing and never draws.
//! The CLI turns these into bars or plain lines; the harness into JSON.

use serde::Serialize;

/// A pipeline stage, in the order a render runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Parse the HTML, resolve timing, inject the runtime.
    Compile,
    /// Load the page in Chrome, wait until ready, read the duration.
    Probe,
    /// Decode and mix the audio clips.
    Audio,
    /// Decode the source frames `<video>` elements show.
    Video,
    /// Seek and screenshot every frame.
    Capture,
    /// Compress frames with x264.
    Encode,
    /// Mux, finish the container and move it into place.
    Assemble,
}

impl Stage {
    /// Lower-case name, as used in perf JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Compile => "compile",
            Self::Probe => "probe",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Capture => "capture",
            Self::Encode => "encode",
            Self::Assemble => "assemble",
        }
    }
}

/// One thing that happened during a render.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A stage began.
    StageStarted {
        /// Which stage.
        stage: Stage,
    },
    /// A stage ended after `ms` milliseconds of wall time.
    StageFinished {
        /// Which stage.
        stage: Stage,
        /// How long it took.
        ms: u64,
    },
    /// The capture plan was chosen.
    CapturePlanned {
        /// Browsers capturing at once.
        workers: u32,
        /// Why this many (for `--verbose` and the perf JSON).
        reason: String,
        /// Total frames to capture.
        total_frames: u64,
    },
    /// A capture worker's browser is up (its pid lets tools and tests
    /// watch or fault-inject it).
    WorkerStarted {
        /// Attempt number, 1-based.
        attempt: u32,
        /// Worker index within the attempt.
        worker: u32,
        /// Chrome's main process id.
        chrome_pid: u32,
    },
    /// Frames captured so far (all workers together).
    Frame {
        /// Frames done.
        done: u64,
        /// Frames in the render.
        total: u64,
        /// Workers in the current attempt (after any retry shrank them).
        workers: u32,
        /// Overall progress in percent: 25 + 45 × captured fraction.
        percent: f64,
    },
    /// A capture attempt failed and only the missing frames are retried.
    Retry {
        /// Attempt number that starts now (1 was the first).
        attempt: u32,
        /// Workers for this attempt.
        workers: u32,
        /// Frames still missing.
        missing: u64,
        /// The error that ended the previous attempt.
        reason: String,
    },
    /// A chunk of a distributed render changed state on its scheduler.
    Chunk {
        /// Chunk index in the plan.
        index: usize,
        /// The scheduler's state word (`PENDING`, `RUNNING`, `COMPLETED`,
        /// `FAILED`, ...).
        state: String,
        /// Submission round, 1-based (resubmitted failures count up).
        round: u32,
    },
    /// A fact of the render worth a line in a verbose log, not a warning:
    /// a project symlink the file server followed, say.
    Detail {
        /// The message, one line.
        message: String,
    },
    /// Something the user should know that does not stop the render.
    Warning {
        /// The message, one line.
        message: String,
    },
}

/// Where events go. `Send + Sync` so capture workers can report directly.
pub type EventSink<'a> = &'a (dyn Fn(Event) + Send + Sync);
