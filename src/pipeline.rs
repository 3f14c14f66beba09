//! The orchestrator: runs the stages in order and owns the browsers.

use std::path::PathBuf;

use crate::config::{Fps, RenderOptions};
use crate::error::Result;
use crate::events::EventSink;
use crate::perf::PerfSummary;

/// What a finished render produced.
#[derive(Debug, Clone)]
pub struct RenderReport {
    /// The MP4 written.
    pub output: PathBuf,
    /// The compiled HTML that was rendered (the harness snapshots it).
    pub compiled_html: String,
    /// Composition width in pixels.
    pub width: u32,
    /// Composition height in pixels.
    pub height: u32,
    /// Frame rate used.
    pub fps: Fps,
    /// Frames written.
    pub frames: u64,
    /// Composition duration in seconds.
    pub duration: f64,
    /// Chrome's product string, e.g. `HeadlessChrome/156.0.8078.108`.
    pub chrome_version: String,
    /// Warnings raised along the way (also sent as events).
    pub warnings: Vec<String>,
    /// Where the time went.
    pub perf: PerfSummary,
}

/// Render `opts.input` to `opts.output`, reporting progress to `events`.
pub fn render(opts: &RenderOptions, events: EventSink<'_>) -> Result<RenderReport> {
    let _ = (opts, events);
    todo!("pipeline")
}
