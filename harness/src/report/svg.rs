//! Geometry of the report's inline SVG plots, computed here so the template
//! only places ready-made numbers and path strings (and stays readable), and
//! so the plotting rules (where infinities go, how axes scale) are tested.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::{AudioResult, Checkpoint, VisualResult};

/// Seconds per audio envelope window: 1024 samples at 16 kHz.
pub const WINDOW_S: f64 = 1024.0 / 16_000.0;

/// Envelopes longer than this are reduced (keeping each bucket's peak) so a
/// ten-minute fixture does not put ten thousand points in the page.
const MAX_ENVELOPE_POINTS: usize = 1000;

/// The drawing area shared by both plots, in SVG user units.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Frame {
    /// Whole SVG width.
    pub width: f64,
    /// Whole SVG height.
    pub height: f64,
    /// X of the y axis.
    pub left: f64,
    /// Right edge of the plot area.
    pub right: f64,
    /// Top of the value scale.
    pub top: f64,
    /// Y of the x axis.
    pub bottom: f64,
}

const FRAME: Frame = Frame {
    width: 760.0,
    height: 250.0,
    left: 52.0,
    right: 744.0,
    top: 40.0,
    bottom: 214.0,
};

/// Row above the value scale where identical (infinite-PSNR) checkpoints
/// sit, so they read as "better than any number" without squashing the scale.
pub const INF_Y: f64 = 20.0;

/// A labelled position on an axis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tick {
    /// X for the time axis, Y for the value axis.
    pub pos: f64,
    /// Text shown beside it.
    pub label: String,
}

/// One checkpoint's dot, with a hover title (SVG `<title>`, no JS needed).
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
    /// CSS class: `pass`, `inf` or `fail`.
    pub class: &'static str,
    /// Tooltip text.
    pub title: String,
}

/// PSNR per checkpoint over composition time.
#[derive(Debug, Clone, Serialize)]
pub struct PsnrPlot {
    /// Drawing area.
    pub frame: Frame,
    /// Path through every checkpoint in time order.
    pub line: String,
    /// One dot per checkpoint.
    pub points: Vec<Point>,
    /// Y of the dashed threshold line.
    pub threshold_y: f64,
    /// Its label.
    pub threshold_label: String,
    /// Y of the infinity row (labelled "∞").
    pub inf_y: f64,
    /// Seconds.
    pub x_ticks: Vec<Tick>,
    /// dB.
    pub y_ticks: Vec<Tick>,
}

/// The golden and rendered RMS envelopes overlaid.
#[derive(Debug, Clone, Serialize)]
pub struct EnvelopePlot {
    /// Drawing area.
    pub frame: Frame,
    /// Path of the golden envelope.
    pub golden: String,
    /// Path of the rendered envelope.
    pub rendered: String,
    /// Seconds.
    pub x_ticks: Vec<Tick>,
    /// RMS.
    pub y_ticks: Vec<Tick>,
}

/// Lays out the PSNR plot: x is checkpoint time, y is dB from 0 to ten above
/// the best finite value (or the threshold); infinities go to the top row.
pub fn psnr_plot(v: &VisualResult) -> PsnrPlot {
    let f = FRAME;
    let finite_max = v
        .checkpoints
        .iter()
        .map(|c| c.psnr)
        .filter(|p| p.is_finite())
        .fold(v.threshold_db.max(0.0), f64::max);
    let y_max = ((finite_max + 10.0) / 10.0).ceil() * 10.0;
    let y_of = |db: f64| f.bottom - db.clamp(0.0, y_max) / y_max * (f.bottom - f.top);

    let t_last = v.checkpoints.iter().map(|c| c.time_s).fold(0.0, f64::max);
    let t_max = if t_last > 0.0 { t_last } else { 1.0 };
    let x_of = |t: f64| f.left + t.clamp(0.0, t_max) / t_max * (f.right - f.left);

    let points: Vec<Point> = v
        .checkpoints
        .iter()
        .map(|c| Point {
            x: round1(x_of(c.time_s)),
            y: round1(if c.psnr == f64::INFINITY {
                INF_Y
            } else if c.psnr.is_nan() {
                f.bottom
            } else {
                y_of(c.psnr)
            }),
            class: point_class(c),
            title: format!(
                "#{} · {:.2} s · frame {} · {}",
                c.index,
                c.time_s,
                c.frame,
                db_label(c.psnr)
            ),
        })
        .collect();
    let line = path(points.iter().map(|p| (p.x, p.y)));
    PsnrPlot {
        frame: f,
        line,
        points,
        threshold_y: round1(y_of(v.threshold_db)),
        threshold_label: format!("threshold {} dB", trim(v.threshold_db)),
        inf_y: INF_Y,
        x_ticks: ticks(0.0, t_max, 8, " s")
            .into_iter()
            .map(|(t, label)| Tick {
                pos: round1(x_of(t)),
                label,
            })
            .collect(),
        y_ticks: ticks(0.0, y_max, 5, "")
            .into_iter()
            .map(|(db, label)| Tick {
                pos: round1(y_of(db)),
                label,
            })
            .collect(),
    }
}

/// Lays out both envelopes on one scale: x is seconds (64 ms per window),
/// y is RMS from 0 to the louder of the two.
pub fn envelope_plot(a: &AudioResult) -> EnvelopePlot {
    let f = FRAME;
    let peak = a
        .golden_envelope
        .iter()
        .chain(&a.rendered_envelope)
        .map(|&v| f64::from(v))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let y_max = if peak > 0.0 { nice_ceil(peak) } else { 1.0 };
    let windows = a
        .golden_envelope
        .len()
        .max(a.rendered_envelope.len())
        .max(2);
    let t_max = (windows - 1) as f64 * WINDOW_S;
    let series = |env: &[f32]| {
        let step = env.len().div_ceil(MAX_ENVELOPE_POINTS).max(1);
        path(env.chunks(step).enumerate().map(|(i, bucket)| {
            let v = bucket.iter().map(|&v| f64::from(v)).fold(0.0, f64::max);
            let t = (i * step) as f64 * WINDOW_S;
            let x = f.left + t / t_max * (f.right - f.left);
            let y = f.bottom - v.clamp(0.0, y_max) / y_max * (f.bottom - f.top);
            (round1(x), round1(y))
        }))
    };
    EnvelopePlot {
        frame: f,
        golden: series(&a.golden_envelope),
        rendered: series(&a.rendered_envelope),
        x_ticks: ticks(0.0, t_max, 8, " s")
            .into_iter()
            .map(|(t, label)| Tick {
                pos: round1(f.left + t / t_max * (f.right - f.left)),
                label,
            })
            .collect(),
        y_ticks: ticks(0.0, y_max, 4, "")
            .into_iter()
            .map(|(v, label)| Tick {
                pos: round1(f.bottom - v / y_max * (f.bottom - f.top)),
                label,
            })
            .collect(),
    }
}

/// A PSNR as the page shows it: "∞" for identical frames.
pub fn db_label(db: f64) -> String {
    if db == f64::INFINITY {
        "∞ dB".into()
    } else {
        format!("{db:.2} dB")
    }
}

fn point_class(c: &Checkpoint) -> &'static str {
    if !c.passed {
        "fail"
    } else if c.psnr == f64::INFINITY {
        "inf"
    } else {
        "pass"
    }
}

/// `M x,y L x,y …`, one command per point.
fn path(points: impl Iterator<Item = (f64, f64)>) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        let sep = if i == 0 { "" } else { " " };
        let _ = write!(d, "{sep}{cmd}{x},{y}");
    }
    d
}

/// Round numbers from `lo` to `hi`, about `target` of them, with labels.
fn ticks(lo: f64, hi: f64, target: usize, unit: &str) -> Vec<(f64, String)> {
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    let mut out = Vec::new();
    let mut i = (lo / step).ceil() as i64;
    while (i as f64) * step <= hi + step * 1e-9 && out.len() < 50 {
        let v = i as f64 * step;
        out.push((v, format!("{v:.decimals$}{unit}")));
        i += 1;
    }
    out
}

/// The smallest 1, 2 or 5 × 10ⁿ that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powi(raw.log10().floor() as i32);
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// Rounds a maximum up to a value the axis can label cleanly.
fn nice_ceil(v: f64) -> f64 {
    let step = nice_step(v / 4.0);
    (v / step).ceil() * step
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A threshold as written in meta.json: no trailing zeros ("30", "0.95").
pub fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visual(psnrs: &[f64], threshold: f64) -> VisualResult {
        let checkpoints = psnrs
            .iter()
            .enumerate()
            .map(|(i, &p)| Checkpoint {
                index: i,
                time_s: i as f64 * 0.1,
                frame: i as u64 * 3,
                psnr: p,
                ssim: None,
                passed: p >= threshold,
            })
            .collect();
        VisualResult {
            threshold_db: threshold,
            max_failures: 0,
            checkpoints,
            failed: 0,
            min_psnr: 0.0,
            median_psnr: 0.0,
            passed: true,
            failed_frames: Vec::new(),
        }
    }

    #[test]
    fn one_path_point_per_checkpoint() {
        let psnrs: Vec<f64> = (0..100).map(|i| 30.0 + f64::from(i % 7)).collect();
        let plot = psnr_plot(&visual(&psnrs, 32.0));
        assert_eq!(plot.points.len(), 100);
        assert_eq!(plot.line.matches(['M', 'L']).count(), 100);
        assert!(plot.line.starts_with("M52,"));
        assert_eq!(plot.points.iter().filter(|p| p.class == "fail").count(), 30);
    }

    #[test]
    fn infinities_sit_on_the_top_row_above_every_finite_value() {
        let plot = psnr_plot(&visual(&[f64::INFINITY, 45.0, f64::INFINITY, 20.0], 30.0));
        let ys: Vec<f64> = plot.points.iter().map(|p| p.y).collect();
        assert_eq!((ys[0], ys[2]), (INF_Y, INF_Y));
        assert_eq!(plot.points[0].class, "inf");
        assert!(ys[1] >= FRAME.top && ys[3] > ys[1]);
        assert_eq!(plot.points[3].class, "fail");
        assert!(plot.points[0].title.contains('∞'));
    }

    #[test]
    fn y_axis_reaches_ten_above_the_best_finite_value() {
        let plot = psnr_plot(&visual(&[41.0, 38.0], 30.0));
        assert_eq!(plot.y_ticks.last().map(|t| t.label.as_str()), Some("60"));
        assert_eq!(plot.y_ticks.last().map(|t| t.pos), Some(FRAME.top));
        // Threshold 30 of 60 dB: halfway up the scale.
        let mid = (FRAME.top + FRAME.bottom) / 2.0;
        assert!((plot.threshold_y - mid).abs() < 0.1);
        assert_eq!(plot.threshold_label, "threshold 30 dB");
        // All identical: the scale still shows the threshold.
        let all_inf = psnr_plot(&visual(&[f64::INFINITY; 3], 35.0));
        assert!(all_inf.threshold_y > FRAME.top);
    }

    #[test]
    fn envelopes_share_a_scale_and_time_axis() {
        let a = AudioResult {
            correlation: 0.99,
            lag_windows: 0,
            threshold: 0.9,
            max_lag_windows: 2,
            residual_rms_db: None,
            residual_threshold_db: None,
            passed: true,
            rendered_envelope: vec![0.0, 0.5, 0.25],
            golden_envelope: vec![0.0; 5000],
        };
        let plot = envelope_plot(&a);
        assert_eq!(plot.rendered.matches('L').count(), 2);
        assert!(plot.golden.matches('L').count() < MAX_ENVELOPE_POINTS);
        assert!(plot.rendered.starts_with("M52,214 L52.1,"));
        assert_eq!(plot.x_ticks[0].label, "0 s");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(0.13), 0.2);
        assert_eq!(nice_step(7.0), 10.0);
        let t = ticks(0.0, 1.0, 4, "");
        let labels: Vec<&str> = t.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["0.0", "0.5", "1.0"]);
        assert_eq!(nice_ceil(0.37), 0.4);
    }
}
