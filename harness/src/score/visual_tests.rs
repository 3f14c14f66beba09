//! Tests of checkpoint selection and of PSNR against FFmpeg's own filter.

use std::path::Path;

use super::*;
use crate::testutil::ffmpeg;

fn assert_valid_plan(plan: &[Planned], min_frames: u64) {
    assert_eq!(plan.len(), CHECKPOINTS);
    assert!(plan.iter().all(|p| p.frame < min_frames), "{plan:?}");
    assert!(plan
        .windows(2)
        .all(|w| w[0].frame <= w[1].frame && w[0].time_s < w[1].time_s));
    assert_eq!(plan[0].frame, 0);
}

#[test]
fn checkpoints_stay_inside_the_shorter_video() {
    // Off by one frame in either order: same plan, bounded by the shorter.
    let a = checkpoints(121, 120, 30.0);
    let b = checkpoints(120, 121, 30.0);
    assert_eq!(a, b);
    assert_valid_plan(&a, 120);
    // The last checkpoint is ~99 % of the span: frame round(119·0.99) = 118.
    assert_eq!(a[99].frame, 118);
    assert!((a[99].time_s - 119.0 / 30.0 * 0.99).abs() < 1e-12);
    // NTSC rate, and tiny videos where checkpoints repeat frames.
    assert_valid_plan(&checkpoints(300, 299, 30000.0 / 1001.0), 299);
    assert_valid_plan(&checkpoints(5, 5, 30.0), 5);
    assert!(checkpoints(1, 1, 30.0).iter().all(|p| p.frame == 0));
    assert!(checkpoints(0, 10, 30.0).is_empty());
    assert!(checkpoints(10, 10, 0.0).is_empty());
}

#[test]
fn aac_padding_does_not_move_checkpoints_past_the_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    // 30 frames at 10 fps (3.0 s) muxed with 3.5 s of AAC: the container
    // and audio durations run past the video, the frame count does not.
    let x264 = "-pix_fmt yuv420p -c:v libx264 -preset ultrafast";
    let video = "-f lavfi -i testsrc=size=64x48:rate=10";
    let audio = "-f lavfi -i sine=frequency=300:sample_rate=48000:duration=3.5";
    ffmpeg(
        dir.path(),
        &format!("{video}:duration=3 {audio} {x264} -c:a aac padded.mp4"),
    );
    ffmpeg(
        dir.path(),
        &format!("{video} -frames:v 29 {x264} short.mp4"),
    );
    let padded = dir.path().join("padded.mp4");
    let short = dir.path().join("short.mp4");
    let info = decode::probe(&padded).unwrap();
    assert_eq!(info.video_frames, 30);
    assert!(info.audio_duration_s.unwrap() > 3.4, "{info:?}");

    let (result, notes) = compare(&padded, &short, 30.0, 0).unwrap();
    let plan: Vec<Planned> = result
        .checkpoints
        .iter()
        .map(|c| Planned {
            index: c.index,
            time_s: c.time_s,
            frame: c.frame,
        })
        .collect();
    assert_valid_plan(&plan, 29);
    // Same source, same encoder: the shared frames are identical.
    assert!(
        result.checkpoints.iter().all(|c| c.psnr > 60.0),
        "{:?}",
        result.checkpoints
    );
    assert!(result.passed);
    assert!(notes
        .iter()
        .any(|n| n.contains("frame count differs: render 30, golden 29")));
}

/// Parse `psnr_avg:<v>` from each line of an FFmpeg psnr stats file.
fn parse_stats(text: &str) -> Vec<f64> {
    text.lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|f| f.strip_prefix("psnr_avg:"))
        })
        .map(|v| {
            if v.starts_with("inf") {
                f64::INFINITY
            } else {
                v.parse().unwrap()
            }
        })
        .collect()
}

/// Our per-frame PSNR against `ffmpeg -lavfi psnr` for `a` vs `b` in `d`.
fn assert_psnr_matches_ffmpeg(d: &Path, a: &str, b: &str) {
    let (_, fa) = decode::decode_video(&d.join(a), &|_| true).unwrap();
    let (_, fb) = decode::decode_video(&d.join(b), &|_| true).unwrap();
    assert_eq!((fa.len(), fb.len()), (10, 10));
    let ours: Vec<f64> = fa
        .iter()
        .zip(&fb)
        .map(|((_, x), (_, y))| psnr(y, x).unwrap())
        .collect();
    ffmpeg(
        d,
        &format!("-i {b} -i {a} -lavfi psnr=stats_file=s.log -f null -"),
    );
    let theirs = parse_stats(&std::fs::read_to_string(d.join("s.log")).unwrap());
    assert_eq!(theirs.len(), 10);
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert!(
            o.is_finite() && *o < 40.0,
            "frame {i}: {o} should be a real difference"
        );
        assert!(
            (o - t).abs() <= 0.01,
            "{b} frame {i}: ours {o:.4}, ffmpeg {t:.2}"
        );
    }
}

#[test]
fn psnr_matches_ffmpegs_psnr_filter_per_frame() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = |size: &str| format!("-f lavfi -i testsrc=size={size}:rate=10 -frames:v 10");
    let degrade = "-vf noise=alls=20:allf=t,hue=h=20";
    // x264 lossless against x264 CRF 30 with noise and a hue shift.
    let x264 = "-pix_fmt yuv420p -c:v libx264";
    ffmpeg(d, &format!("{} {x264} -qp 0 a.mp4", src("64x48")));
    ffmpeg(
        d,
        &format!("{} {degrade} {x264} -crf 30 b.mp4", src("64x48")),
    );
    assert_psnr_matches_ffmpeg(d, "a.mp4", "b.mp4");
    // Odd size (chroma planes round up to 33x25), in FFV1 since x264
    // needs even sizes for yuv420p.
    let ffv1 = "-pix_fmt yuv420p -c:v ffv1";
    ffmpeg(d, &format!("{} {ffv1} a.mkv", src("65x49")));
    ffmpeg(d, &format!("{} {degrade} {ffv1} b.mkv", src("65x49")));
    assert_psnr_matches_ffmpeg(d, "a.mkv", "b.mkv");

    // Identical inputs: +inf on both sides.
    ffmpeg(
        d,
        "-i a.mp4 -i a.mp4 -lavfi psnr=stats_file=same.log -f null -",
    );
    let same = parse_stats(&std::fs::read_to_string(d.join("same.log")).unwrap());
    assert_eq!(same.len(), 10);
    assert!(same.iter().all(|v| v.is_infinite()));
    let (_, fa) = decode::decode_video(&d.join("a.mp4"), &|_| true).unwrap();
    assert!(fa.iter().all(|(_, f)| psnr(f, f) == Some(f64::INFINITY)));
}

#[test]
fn failed_checkpoints_carry_ssim_and_frames_and_size_mismatch_fails_all() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, size, filter) in [
        ("ref.mp4", "64x48", "null"),
        ("shifted.mp4", "64x48", "negate"),
        ("big.mp4", "80x48", "null"),
    ] {
        let src = format!("-f lavfi -i testsrc=size={size}:rate=10 -frames:v 12 -vf {filter}");
        ffmpeg(
            d,
            &format!("{src} -pix_fmt yuv420p -c:v libx264 -preset ultrafast {name}"),
        );
    }
    let (r, notes) = compare(&d.join("shifted.mp4"), &d.join("ref.mp4"), 40.0, 3).unwrap();
    assert_eq!(r.checkpoints.len(), 100);
    assert_eq!(r.failed, 100);
    assert!(!r.passed);
    assert!(r
        .checkpoints
        .iter()
        .all(|c| c.ssim.is_some_and(|s| s < 1.0)));
    // 12 distinct frames are checkpointed; at most 10 are kept, each once.
    assert_eq!(r.failed_frames.len(), KEEP_FAILED_FRAMES);
    assert_eq!(r.failed_frames[0].expected.dimensions(), (64, 48));
    assert!(r.min_psnr < 40.0 && r.min_psnr <= r.median_psnr);
    assert!(notes.is_empty(), "{notes:?}");

    let (r, notes) = compare(&d.join("big.mp4"), &d.join("ref.mp4"), 10.0, 0).unwrap();
    assert_eq!(r.failed, 100);
    assert!(r.checkpoints.iter().all(|c| c.psnr == 0.0 && !c.passed));
    assert!(notes
        .iter()
        .any(|n| n.contains("frame size differs: render 80x48, golden 64x48")));
}
