//! The audio comparison: RMS envelopes of 16 kHz mono, their best Pearson
//! correlation over a range of lags, and optionally the RMS of the sample
//! difference at 48 kHz stereo.
//!
//! Envelopes rather than samples, because AAC encoders and resamplers move
//! samples around without changing what anyone hears; the lag search
//! catches a shifted track, the residual check catches a changed mix.

use std::path::Path;

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

use super::ScoreError;
use crate::model::AudioResult;

/// Envelope window, samples at 16 kHz (128 ms).
pub const WINDOW: usize = 2048;
/// Envelope hop, samples at 16 kHz (64 ms).
pub const HOP: usize = 1024;
/// A lag is considered only with more than this many overlapping windows.
pub const MIN_OVERLAP: usize = 32;
/// Residual check: decoded lengths may differ by at most this (seconds).
pub const MAX_RESIDUAL_LENGTH_DIFF_S: f64 = 0.005;
/// Below this every envelope value counts as silence.
const SILENCE: f64 = 1e-9;

/// RMS per window of `WINDOW` samples every `HOP` samples, windows fully
/// inside the signal only (empty when shorter than one window).
pub fn envelope(samples: &[f32]) -> Vec<f32> {
    if samples.len() < WINDOW {
        return Vec::new();
    }
    (0..=(samples.len() - WINDOW) / HOP)
        .map(|w| {
            let win = &samples[w * HOP..w * HOP + WINDOW];
            let sum: f64 = win.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
            (sum / WINDOW as f64).sqrt() as f32
        })
        .collect()
}

/// The best correlation found and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    /// Pearson correlation in [-1, 1].
    pub correlation: f64,
    /// Windows by which the render is late (negative: early).
    pub lag: i64,
}

/// How to compute the cross terms; `Auto` picks by problem size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Choose: direct below [`FFT_ABOVE`] lag×window products, FFT above.
    Auto,
    /// One dot product per lag: O(lags × windows), exact.
    Direct,
    /// All lags at once through one FFT cross-correlation:
    /// O(n log n), rounding error around 1e-12.
    Fft,
}

/// lags × windows above which [`Method::Auto`] uses the FFT. Below it the
/// direct sums take well under 10 ms (120 lags of 8 windows… a 10-minute
/// fixture at ±120 lags is 2.3 M products), so the exact path is used for
/// every fixture we have; the FFT is there for long renders with wide lags.
pub const FFT_ABOVE: usize = 4_000_000;

/// Best Pearson correlation of `rendered` against `golden` over lags
/// `-max_lag..=max_lag`: at lag L, `rendered[max(0,L)+k]` pairs with
/// `golden[max(0,−L)+k]`. Lags with ≤ [`MIN_OVERLAP`] windows of overlap
/// score -1, as do lags where exactly one side has zero variance (both
/// flat scores 1). Either envelope empty, or both silent: 1.0 at lag 0.
/// The first best lag (from -max_lag up) wins ties.
pub fn correlate(rendered: &[f32], golden: &[f32], max_lag: usize, method: Method) -> Correlation {
    let silent = |e: &[f32]| e.iter().all(|&v| f64::from(v) <= SILENCE);
    if rendered.is_empty() || golden.is_empty() || (silent(rendered) && silent(golden)) {
        return Correlation {
            correlation: 1.0,
            lag: 0,
        };
    }
    let r: Vec<f64> = rendered.iter().map(|&v| f64::from(v)).collect();
    let g: Vec<f64> = golden.iter().map(|&v| f64::from(v)).collect();
    let max_lag = max_lag as i64;
    let lags = (2 * max_lag + 1) as usize;
    let method = match method {
        Method::Auto if lags.saturating_mul(r.len().max(g.len())) > FFT_ABOVE => Method::Fft,
        Method::Auto => Method::Direct,
        m => m,
    };
    let cross = match method {
        Method::Fft => Some(cross_fft(&r, &g)),
        _ => None,
    };
    let (pr, pr2) = prefix_sums(&r);
    let (pg, pg2) = prefix_sums(&g);
    let mut best = Correlation {
        correlation: f64::NEG_INFINITY,
        lag: 0,
    };
    for lag in -max_lag..=max_lag {
        let (ro, go) = (lag.max(0) as usize, (-lag).max(0) as usize);
        let n = r.len().saturating_sub(ro).min(g.len().saturating_sub(go));
        let c = if n <= MIN_OVERLAP {
            -1.0
        } else {
            let sum_rg = match &cross {
                Some(c) => c(lag),
                None => r[ro..ro + n]
                    .iter()
                    .zip(&g[go..go + n])
                    .map(|(a, b)| a * b)
                    .sum(),
            };
            pearson(
                n as f64,
                (pr[ro + n] - pr[ro], pr2[ro + n] - pr2[ro]),
                (pg[go + n] - pg[go], pg2[go + n] - pg2[go]),
                sum_rg,
            )
        };
        if c > best.correlation {
            best = Correlation {
                correlation: c,
                lag,
            };
        }
    }
    best
}

/// Pearson correlation from sums: (Σx, Σx²), (Σy, Σy²), Σxy over n pairs.
fn pearson(n: f64, (sx, sxx): (f64, f64), (sy, syy): (f64, f64), sxy: f64) -> f64 {
    let (mx, my) = (sx / n, sy / n);
    let vx = (sxx / n - mx * mx).max(0.0);
    let vy = (syy / n - my * my).max(0.0);
    // Relative floor: one-pass variances of a constant come out as
    // rounding noise around 1e-17 × mean², not exactly 0.
    let flat = |v: f64, ms: f64| v <= 1e-10 * ms + 1e-24;
    match (flat(vx, sxx / n), flat(vy, syy / n)) {
        (true, true) => 1.0,
        (true, false) | (false, true) => -1.0,
        (false, false) => ((sxy / n - mx * my) / (vx * vy).sqrt()).clamp(-1.0, 1.0),
    }
}

/// Running sums of x and x², with a leading 0.
fn prefix_sums(x: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut s = Vec::with_capacity(x.len() + 1);
    let mut s2 = Vec::with_capacity(x.len() + 1);
    let (mut a, mut b) = (0.0, 0.0);
    s.push(0.0);
    s2.push(0.0);
    for &v in x {
        a += v;
        b += v * v;
        s.push(a);
        s2.push(b);
    }
    (s, s2)
}

/// Full cross-correlation `C(L) = Σ_j r[j+L]·g[j]` for every lag, by FFT.
/// Returns a lookup from lag to value.
fn cross_fft(r: &[f64], g: &[f64]) -> impl Fn(i64) -> f64 {
    let size = (r.len() + g.len()).next_power_of_two();
    let mut planner = FftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(size);
    let inv = planner.plan_fft_inverse(size);
    let pad = |x: &[f64]| {
        let mut v: Vec<Complex<f64>> = x.iter().map(|&re| Complex { re, im: 0.0 }).collect();
        v.resize(size, Complex { re: 0.0, im: 0.0 });
        v
    };
    let (mut fr, mut fg) = (pad(r), pad(g));
    fwd.process(&mut fr);
    fwd.process(&mut fg);
    let mut prod: Vec<Complex<f64>> = fr.iter().zip(&fg).map(|(a, b)| a * b.conj()).collect();
    inv.process(&mut prod);
    let scale = size as f64;
    move |lag: i64| prod[lag.rem_euclid(size as i64) as usize].re / scale
}

/// RMS of `a − b` in dBFS over the common length (−∞ when identical).
pub fn residual_rms_db(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    if n == 0 {
        return f64::NEG_INFINITY;
    }
    let sum: f64 = a[..n]
        .iter()
        .zip(&b[..n])
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum();
    let rms = (sum / n as f64).sqrt();
    if rms == 0.0 {
        f64::NEG_INFINITY
    } else {
        20.0 * rms.log10()
    }
}

/// Thresholds from meta.json.
#[derive(Debug, Clone, Copy)]
pub struct AudioThresholds {
    /// minAudioCorrelation.
    pub min_correlation: f64,
    /// maxAudioLagWindows.
    pub max_lag_windows: usize,
    /// maxAudioResidualRmsDb.
    pub max_residual_db: Option<f64>,
}

/// Compare the audio of `rendered` with `golden`. Also fails (with a
/// reason) when exactly one of them has an audio track: an empty envelope
/// alone would correlate as 1.0 and hide a dropped track.
pub fn compare(
    rendered: &Path,
    golden: &Path,
    t: AudioThresholds,
) -> Result<(AudioResult, Vec<String>), ScoreError> {
    let mut reasons = Vec::new();
    let r_has = hf::decode::probe(rendered)?.audio_duration_s.is_some();
    let g_has = hf::decode::probe(golden)?.audio_duration_s.is_some();
    if r_has != g_has {
        reasons.push(if g_has {
            "audio: the golden has an audio track, the render has none".to_owned()
        } else {
            "audio: the render has an audio track, the golden has none".to_owned()
        });
    }
    let r_env = envelope(&hf::decode::decode_audio(rendered, 16_000, 1)?);
    let g_env = envelope(&hf::decode::decode_audio(golden, 16_000, 1)?);
    let best = correlate(&r_env, &g_env, t.max_lag_windows, Method::Auto);
    if best.correlation < t.min_correlation {
        reasons.push(format!(
            "audio: envelope correlation {:.3} < {:.3} (best at lag {} windows)",
            best.correlation, t.min_correlation, best.lag
        ));
    }
    let mut residual = None;
    if let Some(limit) = t.max_residual_db {
        let a = hf::decode::decode_audio(rendered, 48_000, 2)?;
        let b = hf::decode::decode_audio(golden, 48_000, 2)?;
        let diff_s = (a.len() as f64 - b.len() as f64).abs() / 2.0 / 48_000.0;
        if diff_s > MAX_RESIDUAL_LENGTH_DIFF_S {
            reasons.push(format!(
                "audio: residual not measured: the tracks differ in length by {:.1} ms \
                 (> {:.0} ms), so a sample-by-sample difference would be meaningless",
                diff_s * 1000.0,
                MAX_RESIDUAL_LENGTH_DIFF_S * 1000.0
            ));
        } else {
            let db = residual_rms_db(&a, &b);
            if db > limit {
                reasons.push(format!("audio: residual {db:.1} dBFS > {limit:.1} dBFS"));
            }
            residual = Some(db);
        }
    }
    Ok((
        AudioResult {
            correlation: best.correlation,
            lag_windows: best.lag,
            threshold: t.min_correlation,
            max_lag_windows: t.max_lag_windows as i64,
            residual_rms_db: residual,
            residual_threshold_db: t.max_residual_db,
            passed: reasons.is_empty(),
            rendered_envelope: r_env,
            golden_envelope: g_env,
        },
        reasons,
    ))
}

#[cfg(test)]
#[path = "audio_tests.rs"]
mod tests;

/// The audio envelope as a [`super::Check`].
pub struct AudioCheck;

impl super::Check for AudioCheck {
    fn name(&self) -> &'static str {
        "audio"
    }

    fn run(
        &self,
        input: &super::Inputs<'_>,
        result: &mut crate::model::FixtureResult,
    ) -> Result<Vec<String>, ScoreError> {
        let (r, g) = (&input.rendered.audio, &input.golden.audio);
        // A png-sequence of a silent composition has no audio.wav.
        if !r.exists() && !g.exists() {
            return Ok(Vec::new());
        }
        let (a, reasons) = compare(r, g, thresholds(input.meta))?;
        input.reporter.audio_done(input.name, &a);
        result.audio = Some(a);
        Ok(reasons)
    }
}

/// The audio thresholds of a fixture.
pub fn thresholds(meta: &crate::fixture::Meta) -> AudioThresholds {
    AudioThresholds {
        min_correlation: meta.min_audio_correlation,
        max_lag_windows: meta.max_audio_lag_windows,
        max_residual_db: meta.max_audio_residual_rms_db,
    }
}
