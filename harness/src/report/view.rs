//! The report page as template-ready data: every number formatted and every
//! plot laid out here, so the template only arranges strings and the
//! formatting rules (∞, units, what counts as bad) live in one tested place.

use serde::Serialize;

use super::diff::DiffStats;
use super::svg::{self, EnvelopePlot, PsnrPlot};
use crate::model::{
    AudioResult, CompiledCheck, FixtureResult, RenderStats, RunSummary, StreamParity, Verdict,
    VisualResult,
};

/// The pictures written for one failed checkpoint, relative to the report.
#[derive(Debug, Clone)]
pub struct FrameFiles {
    /// Index into the fixture's checkpoints.
    pub checkpoint: usize,
    /// Golden frame PNG.
    pub expected: String,
    /// Rendered frame PNG.
    pub actual: String,
    /// The heat-map PNG and its statistics, or why there is none.
    pub diff: Result<(String, DiffStats), String>,
}

/// Everything the template reads.
#[derive(Debug, Serialize)]
pub struct Page<'a> {
    started: &'a str,
    seconds: String,
    jobs: usize,
    update: bool,
    environment: &'a [(String, String)],
    /// Drift every drifted fixture shares (said once, above the table).
    shared_drift: Vec<&'a str>,
    counts: Vec<Count>,
    fixtures: Vec<FixtureView<'a>>,
}

#[derive(Debug, Serialize)]
struct Count {
    verdict: &'static str,
    label: &'static str,
    n: usize,
}

#[derive(Debug, Serialize)]
struct FixtureView<'a> {
    name: &'a str,
    anchor: String,
    description: &'a str,
    tags: &'a [String],
    verdict: &'static str,
    verdict_label: &'static str,
    reasons: &'a [String],
    /// This fixture's drift less what every fixture shares.
    drift: Vec<&'a str>,
    /// True when the fixture also has the shared drift.
    has_shared_drift: bool,
    pending: &'a [String],
    compiled: Option<&'a CompiledCheck>,
    parity: Option<ParityView>,
    /// Summary-table cells ("—" when the check did not run).
    cells: Cells,
    visual: Option<VisualView>,
    audio: Option<AudioView>,
    perf: Option<PerfView>,
}

#[derive(Debug, Serialize)]
struct Cells {
    failed: String,
    visual_bad: bool,
    min_psnr: String,
    median_psnr: String,
    correlation: String,
    lag: String,
    audio_bad: bool,
    render_s: String,
    fps: String,
}

#[derive(Debug, Serialize)]
struct ParityView {
    video_s: String,
    audio_s: String,
    passed: bool,
}

#[derive(Debug, Serialize)]
struct VisualView {
    threshold: String,
    max_failures: usize,
    failed: usize,
    total: usize,
    passed: bool,
    plot: PsnrPlot,
    rows: Vec<CheckpointRow>,
    frames: Vec<FrameView>,
}

#[derive(Debug, Serialize)]
struct CheckpointRow {
    index: usize,
    time: String,
    frame: u64,
    psnr: String,
    ssim: String,
    passed: bool,
}

#[derive(Debug, Serialize)]
struct FrameView {
    title: String,
    expected: String,
    actual: String,
    diff: Option<String>,
    diff_caption: String,
}

#[derive(Debug, Serialize)]
struct AudioView {
    passed: bool,
    correlation: String,
    correlation_bad: bool,
    threshold: String,
    lag: String,
    lag_bad: bool,
    max_lag: String,
    residual: Option<String>,
    residual_bad: bool,
    plot: EnvelopePlot,
    /// False when neither file has audio: the page says so instead of
    /// drawing an empty plot.
    has_envelopes: bool,
}

#[derive(Debug, Serialize)]
struct PerfView {
    stages: Vec<Stage>,
    facts: Vec<(&'static str, String)>,
    failed_attempts: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Stage {
    name: &'static str,
    ms: u64,
    /// Share of the total, for the little bar beside the number.
    pct: f64,
}

const VERDICTS: [(Verdict, &str, &str); 5] = [
    (Verdict::Pass, "pass", "pass"),
    (Verdict::Fail, "fail", "fail"),
    (Verdict::Error, "error", "error"),
    (Verdict::MissingGolden, "missing_golden", "missing golden"),
    (Verdict::Updated, "updated", "updated"),
];

/// Builds the page. `slugs` and `frames` run parallel to `run.fixtures`:
/// the folder of each fixture and the pictures written for it.
pub fn page<'a>(run: &'a RunSummary, slugs: &[String], frames: &[Vec<FrameFiles>]) -> Page<'a> {
    let shared = shared_drift(&run.fixtures);
    let fixtures = run
        .fixtures
        .iter()
        .enumerate()
        .map(|(i, fx)| {
            let slug = slugs.get(i).map_or("fixture", String::as_str);
            let mut view = fixture(fx, slug, frames.get(i).map_or(&[][..], Vec::as_slice));
            view.has_shared_drift = !shared.is_empty() && !view.drift.is_empty();
            view.drift.retain(|d| !shared.contains(d));
            view
        })
        .collect();
    Page {
        started: &run.started,
        seconds: format!("{:.1}", run.seconds),
        jobs: run.jobs,
        update: run.update,
        environment: &run.environment,
        shared_drift: shared,
        counts: VERDICTS
            .iter()
            .map(|&(v, verdict, label)| Count {
                verdict,
                label,
                n: run.fixtures.iter().filter(|f| f.verdict == v).count(),
            })
            .filter(|c| c.n > 0)
            .collect(),
        fixtures,
    }
}

fn fixture<'a>(fx: &'a FixtureResult, slug: &str, frames: &[FrameFiles]) -> FixtureView<'a> {
    let (_, verdict, verdict_label) = VERDICTS
        .iter()
        .copied()
        .find(|(v, _, _)| *v == fx.verdict)
        .unwrap_or((Verdict::Error, "error", "error"));
    let dash = || "—".to_string();
    let v = fx.visual.as_ref();
    let a = fx.audio.as_ref();
    let r = fx.render.as_ref();
    FixtureView {
        name: &fx.name,
        anchor: format!("fx-{slug}"),
        description: &fx.description,
        tags: &fx.tags,
        verdict,
        verdict_label,
        reasons: &fx.reasons,
        drift: fx.provenance_drift.iter().map(String::as_str).collect(),
        has_shared_drift: false,
        pending: &fx.pending,
        compiled: fx.compiled.as_ref(),
        parity: fx.parity.as_ref().map(parity),
        cells: Cells {
            failed: v.map_or_else(dash, |v| format!("{}/{}", v.failed, v.checkpoints.len())),
            visual_bad: v.is_some_and(|v| !v.passed),
            min_psnr: v.map_or_else(dash, |v| db_short(v.min_psnr)),
            median_psnr: v.map_or_else(dash, |v| db_short(v.median_psnr)),
            correlation: a.map_or_else(dash, |a| format!("{:.3}", a.correlation)),
            lag: a.map_or_else(dash, |a| lag(a.lag_windows)),
            audio_bad: a.is_some_and(|a| !a.passed),
            render_s: r.map_or_else(dash, |r| format!("{:.1}", r.seconds)),
            fps: r.map_or_else(dash, |r| format!("{:.1}", r.frames_per_second)),
        },
        visual: v.map(|v| visual(v, frames)),
        audio: a.map(audio),
        perf: r.map(perf),
    }
}

/// The drift lines that every fixture with any drift has, when more than
/// one fixture drifted: one environment change (a new Chromium, say) seen
/// by the whole suite, which the page says once instead of on every row.
fn shared_drift(fixtures: &[FixtureResult]) -> Vec<&str> {
    let mut drifted = fixtures.iter().filter(|f| !f.provenance_drift.is_empty());
    let Some(first) = drifted.next() else {
        return Vec::new();
    };
    let rest: Vec<&FixtureResult> = drifted.collect();
    if rest.is_empty() {
        return Vec::new();
    }
    first
        .provenance_drift
        .iter()
        .filter(|d| rest.iter().all(|f| f.provenance_drift.contains(d)))
        .map(String::as_str)
        .collect()
}

fn parity(p: &StreamParity) -> ParityView {
    ParityView {
        video_s: format!("{:.3} s", p.video_s),
        audio_s: p
            .audio_s
            .map_or_else(|| "no audio".into(), |s| format!("{s:.3} s")),
        passed: p.passed,
    }
}

fn visual(v: &VisualResult, files: &[FrameFiles]) -> VisualView {
    let frames = files
        .iter()
        .map(|f| {
            let cp = v.checkpoints.get(f.checkpoint);
            let title = cp.map_or_else(
                || format!("checkpoint {}", f.checkpoint),
                |c| {
                    let ssim = c
                        .ssim
                        .map(|s| format!(" · SSIM {s:.4}"))
                        .unwrap_or_default();
                    format!(
                        "checkpoint {} · {:.3} s · frame {} · PSNR {}{ssim}",
                        c.index,
                        c.time_s,
                        c.frame,
                        svg::db_label(c.psnr)
                    )
                },
            );
            let (diff, diff_caption) = match &f.diff {
                Ok((path, s)) => (
                    Some(path.clone()),
                    format!(
                        "diff ×4 · {} of {} px differ ({:.2}%) · max Δ {}",
                        s.changed,
                        s.total,
                        s.changed as f64 * 100.0 / s.total.max(1) as f64,
                        s.max
                    ),
                ),
                Err(note) => (None, note.clone()),
            };
            FrameView {
                title,
                expected: f.expected.clone(),
                actual: f.actual.clone(),
                diff,
                diff_caption,
            }
        })
        .collect();
    VisualView {
        threshold: format!("{} dB", svg::trim(v.threshold_db)),
        max_failures: v.max_failures,
        failed: v.failed,
        total: v.checkpoints.len(),
        passed: v.passed,
        plot: svg::psnr_plot(v),
        rows: v
            .checkpoints
            .iter()
            .map(|c| CheckpointRow {
                index: c.index,
                time: format!("{:.3}", c.time_s),
                frame: c.frame,
                psnr: db_short(c.psnr),
                ssim: c.ssim.map_or_else(String::new, |s| format!("{s:.4}")),
                passed: c.passed,
            })
            .collect(),
        frames,
    }
}

fn audio(a: &AudioResult) -> AudioView {
    AudioView {
        passed: a.passed,
        correlation: format!("{:.4}", a.correlation),
        correlation_bad: a.correlation.is_nan() || a.correlation < a.threshold,
        threshold: format!("min {}", svg::trim(a.threshold)),
        lag: lag(a.lag_windows),
        lag_bad: a.lag_windows.unsigned_abs() > a.max_lag_windows.unsigned_abs(),
        max_lag: format!("max ±{} win", a.max_lag_windows.unsigned_abs()),
        residual: a.residual_rms_db.map(|db| {
            let limit = a
                .residual_threshold_db
                .map(|t| format!(" (max {} dBFS)", svg::trim(t)))
                .unwrap_or_default();
            format!("{db:.1} dBFS{limit}")
        }),
        residual_bad: matches!(
            (a.residual_rms_db, a.residual_threshold_db),
            (Some(r), Some(t)) if r > t || r.is_nan()
        ),
        plot: svg::envelope_plot(a),
        has_envelopes: !a.rendered_envelope.is_empty() || !a.golden_envelope.is_empty(),
    }
}

fn perf(r: &RenderStats) -> PerfView {
    let p = &r.perf;
    let s = &p.stages;
    let total = s.total.max(1) as f64;
    let stages = [
        ("compile", s.compile),
        ("probe", s.probe),
        ("audio", s.audio),
        ("video", s.video),
        ("capture", s.capture),
        ("encode (busy)", s.encode),
        ("assemble", s.assemble),
        ("total", s.total),
    ]
    .into_iter()
    .map(|(name, ms)| Stage {
        name,
        ms,
        pct: ((ms as f64 / total * 100.0).min(100.0) * 10.0).round() / 10.0,
    })
    .collect();
    let facts = vec![
        (
            "frames",
            format!("{} ({} reused)", r.frames, p.frames_reused),
        ),
        ("frames / s", format!("{:.1}", r.frames_per_second)),
        (
            "output",
            format!("{}×{} @ {} fps, {}", p.width, p.height, p.fps, p.quality),
        ),
        ("workers", format!("{} ({})", p.workers, p.workers_reason)),
        ("route", p.route.clone()),
        ("peak RSS", format!("{:.0} MiB", p.peak_rss_mib)),
        ("hf", p.hf_version.clone()),
    ];
    let failed_attempts = p
        .attempts
        .iter()
        .filter_map(|a| {
            a.error.as_ref().map(|e| {
                format!(
                    "attempt {} ({} workers): {}/{} frames in {} ms: {e}",
                    a.attempt, a.workers, a.frames_done, a.frames_requested, a.ms
                )
            })
        })
        .collect();
    PerfView {
        stages,
        facts,
        failed_attempts,
    }
}

/// A PSNR for a table cell: "∞" for identical frames, else two decimals.
fn db_short(db: f64) -> String {
    if db == f64::INFINITY {
        "∞".into()
    } else {
        format!("{db:.2}")
    }
}

/// A lag in envelope windows and milliseconds, signed so "+" reads as late.
fn lag(windows: i64) -> String {
    if windows == 0 {
        return "0 win (0 ms)".into();
    }
    format!(
        "{windows:+} win ({:+.0} ms)",
        windows as f64 * svg::WINDOW_S * 1000.0
    )
}
