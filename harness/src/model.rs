//! The results of a harness run, as plain data: the scorer fills them in,
//! the report, JUnit and JSON writers read them. Shared by every part of
//! `hf-regress` so that none of them reaches into another.

use image::RgbImage;
use serde::Serialize;

/// How one fixture ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// A check failed: a regression (exit 1).
    Fail,
    /// The fixture could not be run: invalid meta.json, render error,
    /// harness fault (exit 2).
    Error,
    /// No golden yet: run with `--update` (exit 3).
    MissingGolden,
    /// `--update` wrote pending goldens for this fixture.
    Updated,
}

/// One of the 100 visual checkpoints.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    /// 0..100.
    pub index: usize,
    /// Composition time in seconds.
    pub time_s: f64,
    /// Decoded frame index compared.
    pub frame: u64,
    /// PSNR in dB; `f64::INFINITY` for identical frames (serialised as null).
    #[serde(serialize_with = "ser_db")]
    pub psnr: f64,
    /// SSIM, computed only at failed checkpoints.
    pub ssim: Option<f64>,
    /// psnr >= threshold.
    pub passed: bool,
}

/// The expected and actual frames at a failed checkpoint, kept in memory
/// for the report to write as PNGs with a diff heat-map.
#[derive(Debug, Clone)]
pub struct FailedFrame {
    /// Which checkpoint (index into `VisualResult::checkpoints`).
    pub checkpoint: usize,
    /// Golden frame.
    pub expected: RgbImage,
    /// Rendered frame.
    pub actual: RgbImage,
}

/// The visual comparison.
#[derive(Debug, Clone, Serialize)]
pub struct VisualResult {
    /// minPsnr of the fixture.
    pub threshold_db: f64,
    /// maxFrameFailures of the fixture.
    pub max_failures: usize,
    /// All checkpoints, in time order.
    pub checkpoints: Vec<Checkpoint>,
    /// Checkpoints below the threshold.
    pub failed: usize,
    /// Lowest PSNR (inf when all identical).
    #[serde(serialize_with = "ser_db")]
    pub min_psnr: f64,
    /// Median PSNR.
    #[serde(serialize_with = "ser_db")]
    pub median_psnr: f64,
    /// failed <= max_failures.
    pub passed: bool,
    /// Up to 10 failed checkpoints with their frames.
    #[serde(skip)]
    pub failed_frames: Vec<FailedFrame>,
}

/// The audio comparison.
#[derive(Debug, Clone, Serialize)]
pub struct AudioResult {
    /// Best Pearson correlation of the RMS envelopes over the lag range.
    pub correlation: f64,
    /// Lag (in envelope windows of 1024 samples at 16 kHz) at the best
    /// correlation; positive = rendered is late.
    pub lag_windows: i64,
    /// minAudioCorrelation.
    pub threshold: f64,
    /// maxAudioLagWindows.
    pub max_lag_windows: i64,
    /// Residual RMS in dBFS when the fixture asks for it.
    pub residual_rms_db: Option<f64>,
    /// maxAudioResidualRmsDb.
    pub residual_threshold_db: Option<f64>,
    /// All audio checks passed.
    pub passed: bool,
    /// Envelope of the render (for the overlay plot).
    pub rendered_envelope: Vec<f32>,
    /// Envelope of the golden.
    pub golden_envelope: Vec<f32>,
}

/// The alpha-plane comparison (formats with alpha).
#[derive(Debug, Clone, Serialize)]
pub struct AlphaResult {
    /// Checkpoints compared.
    pub checkpoints: usize,
    /// Checkpoints whose alpha PSNR is below minPsnr.
    pub failed: usize,
    /// Lowest alpha PSNR (inf when all identical).
    #[serde(serialize_with = "ser_db")]
    pub min_psnr: f64,
    /// failed <= maxFrameFailures.
    pub passed: bool,
}

/// One check's outcome, in the order the checks ran.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    /// The check's name (`compiled`, `parity`, `visual`, `alpha`, `audio`).
    pub name: String,
    /// It found nothing wrong.
    pub passed: bool,
}

/// The compiled-HTML snapshot comparison.
#[derive(Debug, Clone, Serialize)]
pub struct CompiledCheck {
    /// No errors.
    pub passed: bool,
    /// Differences that fail the fixture.
    pub errors: Vec<String>,
    /// Differences worth a look that do not fail it.
    pub warnings: Vec<String>,
}

/// Video and audio stream durations of the render.
#[derive(Debug, Clone, Serialize)]
pub struct StreamParity {
    /// Video stream seconds.
    pub video_s: f64,
    /// Audio stream seconds (None without audio).
    pub audio_s: Option<f64>,
    /// Within 0.5 s (or no audio).
    pub passed: bool,
}

/// How the render went.
#[derive(Debug, Clone, Serialize)]
pub struct RenderStats {
    /// Wall seconds of the render.
    pub seconds: f64,
    /// Frames rendered.
    pub frames: u64,
    /// Frames per wall second.
    pub frames_per_second: f64,
    /// The renderer's own perf summary.
    pub perf: hf::PerfSummary,
}

/// One fixture's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureResult {
    /// Fixture name (its folder).
    pub name: String,
    /// One line from meta.json.
    pub description: String,
    /// Tags from meta.json.
    pub tags: Vec<String>,
    /// The outcome.
    pub verdict: Verdict,
    /// Why it did not pass, one line each (empty on pass).
    pub reasons: Vec<String>,
    /// Compiled-HTML check.
    pub compiled: Option<CompiledCheck>,
    /// Stream duration parity.
    pub parity: Option<StreamParity>,
    /// Visual PSNR check.
    pub visual: Option<VisualResult>,
    /// Audio envelope check.
    pub audio: Option<AudioResult>,
    /// Alpha-plane check (None when neither side has alpha).
    pub alpha: Option<AlphaResult>,
    /// Every check that ran, with its outcome.
    pub checks: Vec<CheckOutcome>,
    /// The render.
    pub render: Option<RenderStats>,
    /// Seconds spent scoring (decode + compare), to weigh against render.
    pub scoring_seconds: f64,
    /// Differences between the golden's environment and this one
    /// (Chromium, FFmpeg, fonts): they, not the code, may explain a failure.
    pub provenance_drift: Vec<String>,
    /// With --update: paths of the pending golden files written.
    pub pending: Vec<String>,
    /// What the run could not honour or check (a reference-layout field
    /// hf ignores, a golden without compiled HTML): said, not failed.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl FixtureResult {
    /// A passing result with the fixture's identity and nothing run yet;
    /// the run fills in what it checks.
    pub fn new(name: impl Into<String>, description: String, tags: Vec<String>) -> Self {
        Self {
            name: name.into(),
            description,
            tags,
            verdict: Verdict::Pass,
            reasons: Vec::new(),
            compiled: None,
            parity: None,
            visual: None,
            audio: None,
            alpha: None,
            checks: Vec::new(),
            render: None,
            scoring_seconds: 0.0,
            provenance_drift: Vec::new(),
            pending: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// RFC 3339 start time.
    pub started: String,
    /// Wall seconds.
    pub seconds: f64,
    /// Fixtures run at once.
    pub jobs: usize,
    /// Was this an --update run.
    pub update: bool,
    /// Per fixture, in name order.
    pub fixtures: Vec<FixtureResult>,
    /// Environment of this run, for the report header.
    pub environment: Vec<(String, String)>,
}

fn ser_db<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else {
        s.serialize_none()
    }
}
