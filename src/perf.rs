//! The perf summary of one render: where the time went, as JSON-ready data.

use serde::{Deserialize, Serialize};

/// Milliseconds of wall time per stage. Capture and encode overlap (frames
/// stream from one to the other), so `encode` is the encoder's busy time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    /// Parse, resolve timing, inject runtime.
    pub compile: u64,
    /// Launch Chrome, load, wait for readiness.
    pub probe: u64,
    /// Decode and mix audio.
    pub audio: u64,
    /// Decode the frames `<video>` elements show (0 without videos).
    #[serde(default)]
    pub video: u64,
    /// Capture every frame (wall time of the capture loop).
    pub capture: u64,
    /// Encoder busy time (JPEG decode, colour conversion, x264).
    pub encode: u64,
    /// Flush, mux audio, write the trailer, rename.
    pub assemble: u64,
    /// Whole render.
    pub total: u64,
}

/// One capture attempt, recorded whether it succeeded or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureAttempt {
    /// 1-based attempt number.
    pub attempt: u32,
    /// Browsers used.
    pub workers: u32,
    /// Frames this attempt was asked for.
    pub frames_requested: u64,
    /// Frames it delivered.
    pub frames_done: u64,
    /// Wall time.
    pub ms: u64,
    /// Why it ended early, if it did.
    pub error: Option<String>,
}

/// Milliseconds per frame spent in each step, averaged over the render,
/// to say where the time goes. Capture steps are summed over workers (they
/// run concurrently); encoder steps are on the encoder thread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerFrame {
    /// `__hf.seek(t)` round trip.
    pub seek_ms: f64,
    /// Waiting for the video stage to write a frame the next seek shows
    /// (it runs beside capture).
    #[serde(default)]
    pub video_wait_ms: f64,
    /// The plain BeginFrame that asks Chrome whether anything changed.
    pub damage_check_ms: f64,
    /// The BeginFrame that draws and returns the JPEG (incl. transfer).
    pub screenshot_ms: f64,
    /// Decoding Chrome's JPEG.
    pub jpeg_decode_ms: f64,
    /// RGB to BT.709 YUV 4:2:0.
    pub colour_convert_ms: f64,
    /// libx264 (and muxing).
    pub x264_ms: f64,
    /// Encoder thread waiting for the next frame.
    pub encoder_idle_ms: f64,
}

/// Everything `--perf-json` writes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PerfSummary {
    /// hf version.
    pub hf_version: String,
    /// Frames rendered.
    pub frames: u64,
    /// Output frame rate as a string (`30` or `30000/1001`).
    pub fps: String,
    /// Composition size.
    pub width: u32,
    /// Composition size.
    pub height: u32,
    /// Encoder preset.
    pub quality: String,
    /// Workers used by the first capture attempt.
    pub workers: u32,
    /// Why that many workers.
    pub workers_reason: String,
    /// Capture route: `sequential` or `parallel`, always streaming.
    pub route: String,
    /// Per-stage milliseconds.
    pub stages: StageTimes,
    /// Frames rendered per wall second over the whole render.
    pub frames_per_second: f64,
    /// Frames reused because Chrome reported no damage.
    pub frames_reused: u64,
    /// Every capture attempt.
    pub attempts: Vec<CaptureAttempt>,
    /// Where the time goes, per frame.
    pub per_frame: PerFrame,
    /// Peak resident memory of hf itself plus its Chrome processes, in MiB,
    /// sampled during capture.
    pub peak_rss_mib: f64,
    /// The packages the page ran (CDN scripts, fonts): name@version and
    /// integrity, with the specs that resolved to each.
    #[serde(default)]
    pub packages: Vec<crate::packages::PackageUse>,
}
