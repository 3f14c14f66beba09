//! The alpha check: at the same 100 checkpoints as the visual check, the
//! PSNR of the decoded alpha planes (8-bit straight alpha, +inf when
//! identical) must reach `minPsnr`, with at most `maxFrameFailures` misses.
//! The YUV check cannot see a change of coverage alone; this one can. A
//! render and golden without alpha (mp4) pass; one with and one without
//! fail.

use std::collections::BTreeMap;
use std::path::Path;

use hf::decode::{self, AlphaPlane};

use super::visual::checkpoints;
use super::ScoreError;
use crate::model::{AlphaResult, FixtureResult};

/// PSNR of two alpha planes; None when their sizes differ.
pub fn psnr(a: &AlphaPlane, b: &AlphaPlane) -> Option<f64> {
    if (a.width, a.height) != (b.width, b.height) {
        return None;
    }
    let sse: u64 =
        a.a.iter()
            .zip(&b.a)
            .map(|(&x, &y)| u64::from(x.abs_diff(y)).pow(2))
            .sum();
    if sse == 0 {
        return Some(f64::INFINITY);
    }
    let mse = sse as f64 / a.a.len() as f64;
    Some(10.0 * (255.0f64 * 255.0 / mse).log10())
}

/// The alpha planes of `path` at frames `wanted`, or None without alpha.
fn planes(
    path: &Path,
    wanted: &std::collections::BTreeSet<u64>,
) -> Result<Option<BTreeMap<u64, AlphaPlane>>, ScoreError> {
    let mut out = BTreeMap::new();
    let found = decode::decode_alpha_each(path, &|i| wanted.contains(&i), &mut |i, p| {
        out.insert(i, p);
        Ok(())
    })?;
    Ok(found.map(|_| out))
}

/// The alpha plane as a [`super::Check`].
pub struct AlphaCheck;

impl super::Check for AlphaCheck {
    fn name(&self) -> &'static str {
        "alpha"
    }

    fn run(
        &self,
        input: &super::Inputs<'_>,
        result: &mut FixtureResult,
    ) -> Result<Vec<String>, ScoreError> {
        let r = decode::probe(&input.rendered.video)?;
        let g = decode::probe(&input.golden.video)?;
        let plan = checkpoints(r.video_frames, g.video_frames, 1.0);
        let wanted = plan.iter().map(|p| p.frame).collect();
        let (ra, ga) = (
            planes(&input.rendered.video, &wanted)?,
            planes(&input.golden.video, &wanted)?,
        );
        let (ra, ga) = match (ra, ga) {
            (None, None) => return Ok(Vec::new()),
            (Some(_), None) => {
                return Ok(vec!["alpha: the render has alpha, the golden none".into()])
            }
            (None, Some(_)) => {
                return Ok(vec!["alpha: the golden has alpha, the render none".into()])
            }
            (Some(r), Some(g)) => (r, g),
        };
        let threshold = input.meta.min_psnr;
        let scores: Vec<(f64, f64)> = plan
            .iter()
            .map(|p| {
                let s = match (ra.get(&p.frame), ga.get(&p.frame)) {
                    (Some(a), Some(b)) => psnr(a, b).unwrap_or(0.0),
                    _ => 0.0,
                };
                (p.time_s, s)
            })
            .collect();
        let failed = scores.iter().filter(|(_, s)| *s < threshold).count();
        let worst = scores
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0.0, f64::INFINITY));
        let passed = failed <= input.meta.max_frame_failures;
        result.alpha = Some(AlphaResult {
            checkpoints: scores.len(),
            failed,
            min_psnr: worst.1,
            passed,
        });
        Ok(if passed {
            Vec::new()
        } else {
            vec![format!(
                "alpha: {failed} of {} checkpoints below {threshold} dB (at most {} allowed); \
                 worst {} dB at checkpoint frame {:.0}",
                scores.len(),
                input.meta.max_frame_failures,
                crate::progress::db(worst.1),
                worst.0
            )]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alpha_only_change_scores_low() {
        let a = AlphaPlane {
            width: 4,
            height: 1,
            a: vec![0, 128, 255, 255],
        };
        assert_eq!(psnr(&a, &a), Some(f64::INFINITY));
        let mut b = a.clone();
        b.a[1] = 255;
        // One of four pixels off by 127: 10·log10(255² / (127² / 4)) = 12.1 dB.
        let p = psnr(&a, &b).unwrap();
        assert!((p - 12.07).abs() < 0.01, "{p}");
    }
}
