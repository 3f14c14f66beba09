//! What a run shows while it goes: one human line per fixture state change
//! on stderr (plus an overall bar when stderr is a terminal), and with
//! `--json` one JSON object per event on stdout for machines. Shared by all
//! worker threads; every method takes `&self`.

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use crate::model::{AudioResult, FixtureResult, RenderStats, Verdict, VisualResult};

/// The run's progress display and event stream.
pub struct Reporter {
    json: bool,
    bar: Option<ProgressBar>,
    total: usize,
    started: AtomicUsize,
    stdout_closed: AtomicBool,
}

impl Reporter {
    /// `total` fixtures will run. The bar is drawn only when stderr is a
    /// terminal, so CI logs get plain lines.
    pub fn new(json: bool, total: usize) -> Self {
        let bar = io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        Self {
            json,
            bar,
            total,
            started: AtomicUsize::new(0),
            stdout_closed: AtomicBool::new(false),
        }
    }

    /// True once a `--json` consumer closed stdout (`| head`): the run
    /// stops dispatching and exits 0 quietly, like ripgrep.
    pub fn stdout_closed(&self) -> bool {
        self.stdout_closed.load(Ordering::Relaxed)
    }

    /// A human line on stderr, above the bar when there is one.
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _ = writeln!(io::stderr().lock(), "{text}");
            }
        }
    }

    /// One JSON event on stdout (with `--json`).
    pub fn event(&self, event: &str, fields: Value) {
        if !self.json || self.stdout_closed() {
            return;
        }
        let mut obj = json!({ "event": event });
        if let (Some(o), Value::Object(f)) = (obj.as_object_mut(), fields) {
            o.extend(f);
        }
        let mut out = io::stdout().lock();
        let res = serde_json::to_writer(&mut out, &obj)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush());
        if res.is_err() {
            // Whatever the error (EPIPE above all), nobody is reading:
            // stop dispatching and cancel the renders in flight.
            self.stdout_closed.store(true, Ordering::Relaxed);
            crate::interrupt::cancel_all();
        }
    }

    /// A fixture was picked up; returns its 1-based position.
    pub fn fixture_start(&self, name: &str) -> usize {
        let pos = self.started.fetch_add(1, Ordering::Relaxed) + 1;
        self.event(
            "fixture_start",
            json!({ "fixture": name, "index": pos, "total": self.total }),
        );
        pos
    }

    /// A state change within a fixture (`rendering…`, `scoring…`).
    pub fn state(&self, pos: usize, name: &str, state: &str) {
        self.line(&format!("[{pos}/{}] {name}  {state}", self.total));
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{name} {state}"));
        }
    }

    /// Frames captured so far: only moves the bar's message.
    pub fn render_progress(&self, name: &str, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{name} rendering {done}/{total}"));
        }
    }

    /// The render finished.
    pub fn render_done(&self, name: &str, stats: &RenderStats) {
        self.event(
            "render_done",
            json!({ "fixture": name, "seconds": stats.seconds, "frames": stats.frames,
                    "frames_per_second": stats.frames_per_second }),
        );
    }

    /// The visual comparison finished.
    pub fn visual_done(&self, name: &str, v: &VisualResult) {
        self.event(
            "visual_done",
            json!({ "fixture": name, "passed": v.passed, "failed": v.failed,
                    "threshold_db": v.threshold_db, "min_psnr": v.min_psnr,
                    "median_psnr": v.median_psnr, "checkpoints": v.checkpoints }),
        );
    }

    /// The audio comparison finished.
    pub fn audio_done(&self, name: &str, a: &AudioResult) {
        self.event(
            "audio_done",
            json!({ "fixture": name, "passed": a.passed, "correlation": a.correlation,
                    "lag_windows": a.lag_windows, "residual_rms_db": a.residual_rms_db }),
        );
    }

    /// A fixture ended: its verdict line, and the event.
    pub fn fixture_done(&self, r: &FixtureResult) {
        self.line(&verdict_line(r));
        for reason in r.reasons.iter().take(8) {
            self.line(&format!("    {reason}"));
        }
        if r.reasons.len() > 8 {
            self.line(&format!(
                "    … and {} more (see the report)",
                r.reasons.len() - 8
            ));
        }
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        self.event(
            "fixture_done",
            json!({ "fixture": r.name, "verdict": r.verdict, "reasons": r.reasons,
                    "provenance_drift": r.provenance_drift, "pending": r.pending,
                    "render_seconds": r.render.as_ref().map(|s| s.seconds),
                    "scoring_seconds": r.scoring_seconds }),
        );
    }

    /// Clear the bar before the summary.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `many-cuts  PASS  100/100 ≥ 40 dB (min inf)  audio 0.998 lag 0  render 8.1 s  score 0.4 s`
pub fn verdict_line(r: &FixtureResult) -> String {
    let mut s = format!("{}  {}", r.name, verdict_word(r.verdict));
    if let Some(v) = &r.visual {
        let ok = v.checkpoints.len() - v.checkpoints.iter().filter(|c| !c.passed).count();
        // With --update the figures compare the new render with the old golden.
        let vs = if r.verdict == Verdict::Updated {
            "  new vs old:"
        } else {
            ""
        };
        s += &format!(
            "{vs}  {ok}/{} ≥ {} dB (min {})",
            v.checkpoints.len(),
            v.threshold_db,
            db(v.min_psnr)
        );
    }
    if let Some(a) = &r.audio {
        s += &format!("  audio {:.3} lag {}", a.correlation, a.lag_windows);
    }
    if let Some(render) = &r.render {
        s += &format!("  render {:.1} s", render.seconds);
    }
    if r.scoring_seconds > 0.0 {
        s += &format!("  score {:.1} s", r.scoring_seconds);
    }
    match r.verdict {
        Verdict::MissingGolden => s += &format!("  (run hf-regress --update {})", r.name),
        Verdict::Updated => s += "  (pending: hf-regress review, then accept or reject)",
        _ => {}
    }
    if !r.provenance_drift.is_empty() {
        s += &format!(
            "  [environment differs from the golden: {}]",
            r.provenance_drift.join("; ")
        );
    }
    s
}

/// Upper-case verdict for the human line.
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR",
        Verdict::MissingGolden => "MISSING GOLDEN",
        Verdict::Updated => "UPDATED",
    }
}

/// dB with one decimal, `inf` for identical.
pub fn db(v: f64) -> String {
    if v.is_infinite() && v > 0.0 {
        "inf".into()
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Checkpoint;

    fn result() -> FixtureResult {
        FixtureResult {
            visual: Some(VisualResult {
                threshold_db: 40.0,
                max_failures: 0,
                checkpoints: (0..100)
                    .map(|i| Checkpoint {
                        index: i,
                        time_s: 0.0,
                        frame: 0,
                        psnr: f64::INFINITY,
                        ssim: None,
                        passed: true,
                    })
                    .collect(),
                failed: 0,
                min_psnr: f64::INFINITY,
                median_psnr: f64::INFINITY,
                passed: true,
                failed_frames: vec![],
            }),
            scoring_seconds: 0.42,
            provenance_drift: vec!["FFmpeg: golden 5.1, now 6.0".into()],
            ..FixtureResult::new("many-cuts", String::new(), Vec::new())
        }
    }

    #[test]
    fn verdict_line_reads_like_the_issue() {
        let line = verdict_line(&result());
        assert!(
            line.starts_with("many-cuts  PASS  100/100 ≥ 40 dB (min inf)  score 0.4 s"),
            "{line}"
        );
        assert!(
            line.ends_with("[environment differs from the golden: FFmpeg: golden 5.1, now 6.0]")
        );
    }

    #[test]
    fn json_serialises_infinity_as_null() {
        let r = result();
        let v = serde_json::to_value(r.visual.as_ref().unwrap()).unwrap();
        assert!(v["min_psnr"].is_null() && v["checkpoints"][0]["psnr"].is_null());
    }
}
