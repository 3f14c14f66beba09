//! Tests of the envelope correlation on synthetic signals with known lags.

use super::*;
use crate::testutil::ffmpeg;

/// Deterministic pseudo-random values in [0, 1) (no rand dependency).
fn noise(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32) / (1u64 << 24) as f32
        })
        .collect()
}

/// An envelope of bursts: loud for 3 windows every 11, quiet otherwise,
/// with a little noise so no lag is flat.
fn bursts(n: usize) -> Vec<f32> {
    let jitter = noise(7, n);
    (0..n)
        .map(|i| if i % 11 < 3 { 0.5 } else { 0.05 } + 0.01 * jitter[i])
        .collect()
}

/// `x` delayed by `d` windows (positive: later), padded with quiet.
fn delayed(x: &[f32], d: i64) -> Vec<f32> {
    let n = x.len() as i64;
    (0..n)
        .map(|i| {
            if (0..n).contains(&(i - d)) {
                x[(i - d) as usize]
            } else {
                0.05
            }
        })
        .collect()
}

#[test]
fn finds_a_late_and_an_early_render() {
    let golden = bursts(200);
    for (d, method) in [
        (7, Method::Direct),
        (-7, Method::Direct),
        (7, Method::Fft),
        (-5, Method::Fft),
    ] {
        let rendered = delayed(&golden, d);
        let c = correlate(&rendered, &golden, 20, method);
        assert_eq!(c.lag, d, "{method:?}");
        assert!(c.correlation > 0.99, "{c:?}");
    }
    // Out of the search range: the best in range is much worse.
    let c = correlate(&delayed(&golden, 7), &golden, 3, Method::Direct);
    assert!(c.lag.abs() <= 3 && c.correlation < 0.8, "{c:?}");
}

#[test]
fn identical_envelopes_correlate_at_lag_zero() {
    let e = bursts(100);
    assert_eq!(
        correlate(&e, &e, 10, Method::Direct),
        Correlation {
            correlation: 1.0,
            lag: 0
        }
    );
}

#[test]
fn silence_and_empty_envelopes_pass_at_lag_zero() {
    let silent = vec![0.0f32; 100];
    let one = Correlation {
        correlation: 1.0,
        lag: 0,
    };
    assert_eq!(correlate(&silent, &silent, 10, Method::Direct), one);
    assert_eq!(correlate(&[], &bursts(50), 10, Method::Direct), one);
    assert_eq!(correlate(&bursts(50), &[], 10, Method::Direct), one);
    // One side silent, the other not: zero variance on one side is -1.
    assert_eq!(
        correlate(&silent, &bursts(100), 2, Method::Direct).correlation,
        -1.0
    );
    // Both flat but not silent (a steady tone): the shapes agree.
    let flat = vec![0.3f32; 100];
    assert_eq!(correlate(&flat, &flat, 2, Method::Fft).correlation, 1.0);
}

#[test]
fn lags_with_32_or_fewer_windows_of_overlap_are_not_chosen() {
    // A perfect match at lag 10 has 40 − 10 = 30 windows of overlap.
    let golden = noise(1, 40);
    let mut rendered = noise(2, 40);
    rendered[10..].copy_from_slice(&golden[..30]);
    let c = correlate(&rendered, &golden, 12, Method::Direct);
    assert_ne!(c.lag, 10, "{c:?}");
    assert!(c.correlation < 0.9, "{c:?}");
    // At lag 7 the overlap is 33 windows: chosen.
    let mut rendered = noise(3, 40);
    rendered[7..].copy_from_slice(&golden[..33]);
    let c = correlate(&rendered, &golden, 12, Method::Direct);
    assert_eq!(c.lag, 7);
    assert!(c.correlation > 0.999, "{c:?}");
    // Every lag too short: -1.
    assert_eq!(
        correlate(&noise(4, 20), &noise(5, 20), 3, Method::Direct).correlation,
        -1.0
    );
}

#[test]
fn fft_and_direct_agree_on_every_lag_choice() {
    for seed in 0..20 {
        let a = noise(seed, 300 + seed as usize * 7);
        let b = noise(seed + 100, 280);
        let d = correlate(&a, &b, 50, Method::Direct);
        let f = correlate(&a, &b, 50, Method::Fft);
        assert!(
            (d.correlation - f.correlation).abs() < 1e-9,
            "{d:?} vs {f:?}"
        );
        assert_eq!(d.lag, f.lag);
    }
}

#[test]
fn envelope_windows_and_rms() {
    assert!(envelope(&[0.5; WINDOW - 1]).is_empty());
    assert_eq!(envelope(&[0.5; WINDOW]).len(), 1);
    // 16 000 samples: windows at 0, 1024, …, 13 312 (fully inside).
    let e = envelope(&vec![0.5f32; 16_000]);
    assert_eq!(e.len(), (16_000 - WINDOW) / HOP + 1);
    assert!(e.iter().all(|&v| (v - 0.5).abs() < 1e-6));
    let sine: Vec<f32> = (0..WINDOW)
        .map(|i| (i as f32 * 2.0 * std::f32::consts::PI / 64.0).sin())
        .collect();
    assert!((envelope(&sine)[0] - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-4);
}

#[test]
fn residual_rms_in_dbfs() {
    let a = vec![0.5f32; 1000];
    assert_eq!(residual_rms_db(&a, &a), f64::NEG_INFINITY);
    assert!((residual_rms_db(&a, &vec![0.0; 1000]) - 20.0 * 0.5f64.log10()).abs() < 1e-9);
    // Lengths differ: the common part only.
    assert_eq!(residual_rms_db(&a, &a[..10]), f64::NEG_INFINITY);
}

#[test]
fn compare_finds_a_shifted_track_in_real_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Clicks of noise every 0.5 s over 6 s; the render is 0.384 s late
    // (6 windows of 64 ms).
    let src = "anoisesrc=d=6:c=white:r=16000:a=0.5,volume='lt(mod(t,0.5),0.1)':eval=frame";
    ffmpeg(d, &format!("-f lavfi -i {src} -c:a pcm_s16le golden.wav"));
    ffmpeg(
        d,
        "-i golden.wav -af adelay=384,atrim=0:6 -c:a pcm_s16le late.wav",
    );
    let t = AudioThresholds {
        min_correlation: 0.9,
        max_lag_windows: 10,
        max_residual_db: Some(-30.0),
    };
    let (same, reasons) = compare(&d.join("golden.wav"), &d.join("golden.wav"), t).unwrap();
    assert!(same.passed && reasons.is_empty(), "{reasons:?}");
    assert_eq!((same.correlation, same.lag_windows), (1.0, 0));
    assert_eq!(same.residual_rms_db, Some(f64::NEG_INFINITY));

    let (late, reasons) = compare(&d.join("late.wav"), &d.join("golden.wav"), t).unwrap();
    assert_eq!(late.lag_windows, 6, "{late:?}");
    assert!(late.correlation > 0.95, "{}", late.correlation);
    // Shifted samples leave a large residual: that check fails.
    assert!(!late.passed);
    assert!(
        reasons.iter().any(|r| r.contains("residual")),
        "{reasons:?}"
    );
}
