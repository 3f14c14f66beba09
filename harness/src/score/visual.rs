//! The visual comparison: PSNR at 100 checkpoints, computed on decoded
//! yuv420p exactly as FFmpeg's `psnr` filter computes `psnr_avg`, with SSIM
//! beside it at the checkpoints that fail.
//!
//! Checkpoints come from frame *counts*, never container durations: an AAC
//! track padded past the last video frame must not move a checkpoint past
//! the end of the video.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;

use hf::decode::{self, YuvFrame};
use image::GrayImage;

use super::ScoreError;
use crate::model::{Checkpoint, FailedFrame, VisualResult};

/// Checkpoints per comparison.
pub const CHECKPOINTS: usize = 100;

/// Failed checkpoints whose frames are kept for the report.
pub const KEEP_FAILED_FRAMES: usize = 10;

/// Where a checkpoint falls: its time and the decoded frame index compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Planned {
    /// 0..100.
    pub index: usize,
    /// Seconds.
    pub time_s: f64,
    /// Decode-order frame index, always < the smaller frame count.
    pub frame: u64,
}

/// The 100 checkpoints over the frames both videos have:
/// `span = (min_frames − 1) / fps`, `t_i = span · i / 100`,
/// `n_i = round(t_i · fps)` clamped to `min_frames − 1`. Empty when either
/// video has no frames or the rate is unknown.
pub fn checkpoints(frames_a: u64, frames_b: u64, fps: f64) -> Vec<Planned> {
    let min = frames_a.min(frames_b);
    if min == 0 || fps.is_nan() || fps <= 0.0 {
        return Vec::new();
    }
    let span = (min - 1) as f64 / fps;
    (0..CHECKPOINTS)
        .map(|i| {
            let time_s = span * i as f64 / CHECKPOINTS as f64;
            let frame = ((time_s * fps).round().max(0.0) as u64).min(min - 1);
            Planned {
                index: i,
                time_s,
                frame,
            }
        })
        .collect()
}

/// PSNR of two yuv420p frames as FFmpeg's `psnr` filter reports `psnr_avg`:
/// total squared error over Y, U and V divided by the total number of
/// samples, `10·log10(255² / mse)`; `+inf` when identical. `None` when the
/// sizes differ.
pub fn psnr(a: &YuvFrame, b: &YuvFrame) -> Option<f64> {
    if (a.width, a.height) != (b.width, b.height) {
        return None;
    }
    let sse = |x: &[u8], y: &[u8]| -> u64 {
        x.iter()
            .zip(y)
            .map(|(&p, &q)| {
                let d = u64::from(p.abs_diff(q));
                d * d
            })
            .sum()
    };
    let total = sse(&a.y, &b.y) + sse(&a.u, &b.u) + sse(&a.v, &b.v);
    let samples = (a.y.len() + a.u.len() + a.v.len()) as f64;
    if total == 0 {
        return Some(f64::INFINITY);
    }
    let mse = total as f64 / samples;
    Some(10.0 * (255.0f64 * 255.0 / mse).log10())
}

/// SSIM of the luma planes (image-compare's MSSIM); `None` when the sizes
/// differ or the frame is too small for its window.
pub fn ssim_luma(a: &YuvFrame, b: &YuvFrame) -> Option<f64> {
    let ga = GrayImage::from_raw(a.width, a.height, a.y.clone())?;
    let gb = GrayImage::from_raw(b.width, b.height, b.y.clone())?;
    image_compare::gray_similarity_structure(&image_compare::Algorithm::MSSIMSimple, &ga, &gb)
        .ok()
        .map(|s| s.score)
}

/// Both videos decoded once: scores by frame index, and the decoded frame
/// counts (render, golden).
struct Scored {
    scores: BTreeMap<u64, FrameScore>,
    frames: (u64, u64),
}

/// What one frame pair scored.
struct FrameScore {
    psnr: f64,
    ssim: Option<f64>,
    /// (expected, actual) RGB, only for the first failing frames.
    rgb: Option<(image::RgbImage, image::RgbImage)>,
}

/// Compare `rendered` with `golden` at the checkpoints. `threshold` is
/// minPsnr, `max_failures` maxFrameFailures. The second value holds notes
/// for the verdict (size or frame-count mismatch).
pub fn compare(
    rendered: &Path,
    golden: &Path,
    threshold: f64,
    max_failures: usize,
) -> Result<(VisualResult, Vec<String>), ScoreError> {
    let r_info = decode::probe(rendered)?;
    let g_info = decode::probe(golden)?;
    let fps = if g_info.fps() > 0.0 {
        g_info.fps()
    } else {
        r_info.fps()
    };
    let mut notes = Vec::new();
    if (r_info.width, r_info.height) != (g_info.width, g_info.height) {
        notes.push(format!(
            "frame size differs: render {}x{}, golden {}x{} (every checkpoint fails)",
            r_info.width, r_info.height, g_info.width, g_info.height
        ));
    }
    if r_info.frame_rate != g_info.frame_rate {
        notes.push(format!(
            "frame rate differs: render {}/{}, golden {}/{}",
            r_info.frame_rate.0, r_info.frame_rate.1, g_info.frame_rate.0, g_info.frame_rate.1
        ));
    }

    // Container frame counts are almost always right; when decoding finds
    // otherwise, plan again with the decoded counts and, if that moves a
    // checkpoint, decode once more.
    let mut counts = (r_info.video_frames, g_info.video_frames);
    let mut attempt = 0;
    let (plan, scores) = loop {
        let plan = checkpoints(counts.0, counts.1, fps);
        let Scored {
            scores,
            frames: decoded,
        } = score_frames(rendered, golden, &plan, threshold)?;
        let replanned = checkpoints(decoded.0, decoded.1, fps);
        if replanned == plan || attempt == 1 {
            counts = decoded;
            break (plan, scores);
        }
        counts = decoded;
        attempt += 1;
    };
    if counts.0 != counts.1 {
        notes.push(format!(
            "frame count differs: render {}, golden {}",
            counts.0, counts.1
        ));
    }
    if plan.is_empty() {
        notes.push(format!(
            "nothing to compare: render has {} frames, golden {}",
            counts.0, counts.1
        ));
    }

    let mut checkpoints = Vec::with_capacity(plan.len());
    let mut failed_frames = Vec::new();
    let mut kept_rgb = std::collections::HashSet::new();
    for p in &plan {
        let s = scores.get(&p.frame);
        let psnr = s.map_or(0.0, |s| s.psnr);
        let passed = psnr >= threshold;
        checkpoints.push(Checkpoint {
            index: p.index,
            time_s: p.time_s,
            frame: p.frame,
            psnr,
            ssim: if passed { None } else { s.and_then(|s| s.ssim) },
            passed,
        });
        if let Some((expected, actual)) = s.and_then(|s| s.rgb.as_ref()) {
            if !passed && failed_frames.len() < KEEP_FAILED_FRAMES && kept_rgb.insert(p.frame) {
                failed_frames.push(FailedFrame {
                    checkpoint: p.index,
                    expected: expected.clone(),
                    actual: actual.clone(),
                });
            }
        }
    }
    let failed = checkpoints.iter().filter(|c| !c.passed).count() + usize::from(plan.is_empty());
    let mut sorted: Vec<f64> = checkpoints.iter().map(|c| c.psnr).collect();
    sorted.sort_by(f64::total_cmp);
    let min_psnr = sorted.first().copied().unwrap_or(0.0);
    let median_psnr = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    Ok((
        VisualResult {
            threshold_db: threshold,
            max_failures,
            checkpoints,
            failed,
            min_psnr,
            median_psnr,
            passed: failed <= max_failures,
            failed_frames,
        },
        notes,
    ))
}

/// Decode both videos once, in two threads, comparing the planned frames
/// as they arrive (only a few golden frames are in flight, never all 100).
/// Returns the score per frame index and the decoded frame counts.
fn score_frames(
    rendered: &Path,
    golden: &Path,
    plan: &[Planned],
    threshold: f64,
) -> Result<Scored, ScoreError> {
    let wanted: std::collections::BTreeSet<u64> = plan.iter().map(|p| p.frame).collect();
    let keep = |i: u64| wanted.contains(&i);
    let mut scores = BTreeMap::new();
    let mut rgb_kept = 0;
    let (tx, rx) = mpsc::sync_channel::<(u64, YuvFrame)>(2);
    std::thread::scope(|s| {
        let golden_job = s.spawn(|| {
            let tx = tx;
            decode::decode_video_each(golden, &keep, &mut |i, f| {
                // The receiver hangs up when the render ran out of frames.
                tx.send((i, f)).map_err(|_| hf::Error::Cancelled)
            })
        });
        let rendered_info = decode::decode_video_each(rendered, &keep, &mut |i, actual| {
            let expected = loop {
                match rx.recv() {
                    Ok((gi, f)) if gi == i => break Some(f),
                    Ok((gi, _)) if gi < i => continue,
                    Ok(_) | Err(_) => break None,
                }
            };
            let Some(expected) = expected else {
                return Ok(());
            };
            let psnr = psnr(&expected, &actual).unwrap_or(0.0);
            let failed = psnr < threshold;
            let ssim = if failed {
                ssim_luma(&expected, &actual)
            } else {
                None
            };
            let rgb = (failed && rgb_kept < KEEP_FAILED_FRAMES).then(|| {
                rgb_kept += 1;
                (expected.to_rgb(), actual.to_rgb())
            });
            scores.insert(i, FrameScore { psnr, ssim, rgb });
            Ok(())
        });
        drop(rx);
        let golden_info = golden_job
            .join()
            .map_err(|_| ScoreError::Panic("golden decoder"))?;
        let rendered_frames = rendered_info?.video_frames;
        let golden_frames = match golden_info {
            Ok(info) => info.video_frames,
            // Stopped early because the render had fewer frames: count again.
            Err(hf::Error::Cancelled) => decode::decode_video(golden, &|_| false)?.0.video_frames,
            Err(e) => return Err(e.into()),
        };
        Ok(Scored {
            scores,
            frames: (rendered_frames, golden_frames),
        })
    })
}

#[cfg(test)]
#[path = "visual_tests.rs"]
mod tests;

/// PSNR at the checkpoints as a [`super::Check`].
pub struct VisualCheck;

impl super::Check for VisualCheck {
    fn name(&self) -> &'static str {
        "visual"
    }

    fn run(
        &self,
        input: &super::Inputs<'_>,
        result: &mut crate::model::FixtureResult,
    ) -> Result<Vec<String>, ScoreError> {
        let meta = input.meta;
        let (v, notes) = compare(
            &input.rendered.video,
            &input.golden.video,
            meta.min_psnr,
            meta.max_frame_failures,
        )?;
        input.reporter.visual_done(input.name, &v);
        let mut reasons = Vec::new();
        if !v.passed {
            let worst = v
                .checkpoints
                .iter()
                .min_by(|a, b| a.psnr.total_cmp(&b.psnr));
            let ssim = worst
                .and_then(|c| c.ssim)
                .map_or(String::new(), |s| format!(" (SSIM {s:.3})"));
            reasons.push(format!(
                "visual: {} of {} checkpoints below {} dB (at most {} allowed); worst {} dB{} at {:.2} s",
                v.failed,
                v.checkpoints.len(),
                v.threshold_db,
                v.max_failures,
                crate::progress::db(v.min_psnr),
                ssim,
                worst.map_or(0.0, |c| c.time_s),
            ));
            reasons.extend(notes.into_iter().map(|n| format!("visual: {n}")));
        }
        result.visual = Some(v);
        Ok(reasons)
    }
}
