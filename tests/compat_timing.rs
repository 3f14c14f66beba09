//! Timing as the reference renderer has it, pinned on rendered frames: GSAP
//! zero-duration sets take effect on frame 0 and at every cut exactly on
//! the frame whose time reaches them, whatever order the workers capture
//! frames in; and `<video>` frames are sampled on the output's frame grid
//! (media start and playback rate off the source grid, and a clip window
//! ending less than half a frame past a grid line repeats its last slot).

mod common;

use common::frames::{assert_blank, assert_shows, region_psnr};
use common::{assert_same_frames, fixture, render_fresh, render_input, Colour, Rendered};
use hf::decode::YuvFrame;
use hf::{Fps, Workers};

// ---------------------------------------------------------------------------
// GSAP cuts
// ---------------------------------------------------------------------------

/// The colours of gsap-cuts' variants v0..v11, as in its `index.html`.
const CUT_COLOURS: [[u8; 3]; 12] = [
    [0xff, 0x00, 0x00],
    [0x00, 0xff, 0x00],
    [0x00, 0x00, 0xff],
    [0xff, 0xff, 0x00],
    [0x00, 0xff, 0xff],
    [0xff, 0x00, 0xff],
    [0xff, 0xff, 0xff],
    [0xff, 0x80, 0x00],
    [0x80, 0x00, 0xff],
    [0x00, 0x80, 0x80],
    [0x80, 0x80, 0x80],
    [0xff, 0x00, 0x80],
];

/// Largest channel error (JPEG capture, 4:2:0 H.264) for a pixel to count
/// as a palette colour; palette entries differ by at least 128 in some
/// channel.
const CUT_TOLERANCE: u8 = 40;

/// What a pixel shows: `Some(i)` for variant i's colour, `None` for black
/// (no variant) or anything else.
fn variant_of(px: [u8; 3]) -> Option<usize> {
    let err = |c: &[u8; 3]| (0..3).map(|i| px[i].abs_diff(c[i])).max().unwrap();
    CUT_COLOURS.iter().position(|c| err(c) <= CUT_TOLERANCE)
}

fn gsap_cuts(workers: u32) -> Rendered {
    let r = render_fresh("gsap-cuts", |o| o.workers = Workers::Fixed(workers));
    assert_eq!(
        r.report.perf.workers, workers,
        "expected gsap-cuts to be captured by {workers} worker(s)"
    );
    r
}

/// Every frame f of `r` shows variant floor(f / 6) at every probed pixel.
fn assert_cuts(r: &Rendered, what: &str) {
    assert_eq!(
        r.frames.len(),
        72,
        "{what}: expected 2.4 s at 30 fps = 72 frames, saw {}",
        r.frames.len()
    );
    let mut wrong = Vec::new();
    let mut worst = 0u8;
    for f in 0..72u64 {
        let want = (f / 6) as usize;
        let img = r.rgb(f);
        for (x, y) in [(160, 120), (20, 20), (300, 220)] {
            let px = common::pixel(&img, x, y);
            let seen = variant_of(px);
            if seen != Some(want) {
                wrong.push(format!(
                    "frame {f} ({x},{y}): expected v{want} {:?}, saw rgb{px:?} = {}",
                    CUT_COLOURS[want],
                    seen.map_or("no variant (black or a blend)".to_owned(), |i| format!(
                        "v{i}"
                    ))
                ));
            } else {
                let c = CUT_COLOURS[want];
                worst = worst.max((0..3).map(|i| px[i].abs_diff(c[i])).max().unwrap());
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{what}: {} of 216 probes show the wrong variant:\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
    eprintln!(
        "{what}: 72 frames x 3 pixels show variant floor(f/6); largest channel error {worst}"
    );
}

/// Cuts made of `tl.set` at positions `i * 0.2` (float noise included):
/// frame 0 shows the set at 0 (it was black when a fresh timeline ignored
/// the seek to its own playhead), each cut lands on frame 6i exactly (the
/// hide of the previous variant too, since earlier variants are stacked
/// above), the last frame holds v11, and one and three workers capturing
/// in different orders give identical frames.
#[test]
fn gsap_sets_at_cut_points_land_on_their_frames_for_one_and_three_workers() {
    let one = gsap_cuts(1);
    assert_cuts(&one, "gsap-cuts, 1 worker");
    let three = gsap_cuts(3);
    assert_cuts(&three, "gsap-cuts, 3 workers");
    assert_same_frames(&one, &three, "1 worker vs 3 workers");
}

// ---------------------------------------------------------------------------
// Video frames on the output grid
// ---------------------------------------------------------------------------

/// A scratch composition folder: `index.html` from `html`, plus
/// `counter.mp4` of the video-loop-hold fixture (30 frames at 30 fps,
/// 320x180, frame n shows n).
fn scratch_with_counter(html: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    std::fs::copy(counter_path(), dir.path().join("counter.mp4"))
        .unwrap_or_else(|e| panic!("cannot copy counter.mp4: {e}"));
    std::fs::write(dir.path().join("index.html"), html).expect("cannot write index.html");
    dir
}

fn counter_path() -> std::path::PathBuf {
    fixture("video-loop-hold").join("counter.mp4")
}

/// Every frame of counter.mp4, in order.
fn counter_frames() -> Vec<YuvFrame> {
    let path = counter_path();
    let (_, frames) = hf::decode::decode_video(&path, &|_| true)
        .unwrap_or_else(|e| panic!("expected {} to decode, saw: {e}", path.display()));
    let frames: Vec<YuvFrame> = frames.into_iter().map(|(_, f)| f).collect();
    assert_eq!(frames.len(), 30, "counter.mp4 should have 30 frames");
    frames
}

/// Running summary of the PSNRs measured by one test.
#[derive(Default)]
struct Tally {
    checked: usize,
    least: f64,
    best_neighbour: f64,
}

impl Tally {
    fn add(&mut self, (p, q): (f64, f64)) {
        if self.checked == 0 {
            self.least = p;
            self.best_neighbour = q;
        } else {
            self.least = self.least.min(p);
            self.best_neighbour = self.best_neighbour.max(q);
        }
        self.checked += 1;
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} frames checked, least PSNR against the predicted source frame {:.2} dB, \
             best neighbour {:.2} dB",
            self.checked, self.least, self.best_neighbour
        );
    }
}

/// At 24 fps a clip with media start 0.05 s is sampled at 0.05 + k/24 s:
/// output frame k shows source frame floor((0.05 + k/24)·30) (k = 2 → 4,
/// where float noise would give 3 without the epsilon), up to k = 22
/// (round(0.95·24) = 23 slots); frame 23 (t = 0.958 s) is past the clip.
#[test]
fn a_24_fps_output_samples_a_media_start_off_the_source_grid() {
    let dir = scratch_with_counter(
        r#"<div data-composition-id="g24" data-width="320" data-height="180" data-duration="1" data-no-timeline>
<video id="v" src="counter.mp4" data-media-start="0.05" muted style="position:absolute;left:0;top:0"></video></div>"#,
    );
    let r = render_input("video-24fps", dir.path(), |o| o.fps = Some(Fps::int(24)));
    assert_eq!(
        r.frames.len(),
        24,
        "expected 1 s at 24 fps = 24 frames, saw {}",
        r.frames.len()
    );
    let src = counter_frames();
    let mut tally = Tally::default();
    let mut seen = Vec::new();
    for k in 0..23u64 {
        let want = ((0.05 + k as f64 / 24.0) * 30.0 + 1e-6).floor() as usize;
        seen.push(want);
        tally.add(assert_shows(
            &r,
            "24 fps, media start 0.05",
            24.0,
            k,
            (0, 0),
            &src,
            want,
        ));
    }
    // The grid the reference samples: 1, 2, 4, 5, 6, 7, 9, … (frames 3, 8,
    // 13, … are skipped, never repeated).
    assert_eq!(&seen[..6], &[1, 2, 4, 5, 6, 7], "predicted source frames");
    assert_eq!(seen[22], 29, "the last slot shows the last source frame");
    assert_blank(&r, "24 fps, media start 0.05, past the clip", 23, (0, 0));
    tally.report("24 fps, media start 0.05");
}

/// At rate 0.5 every source frame shows on two output frames: output
/// frame k shows source frame floor(k/2), for the clip's 2 s (60 frames).
#[test]
fn half_rate_shows_each_source_frame_twice() {
    let dir = scratch_with_counter(
        r#"<div data-composition-id="half" data-width="320" data-height="180" data-duration="2" data-no-timeline>
<video id="v" src="counter.mp4" data-playback-rate="0.5" muted style="position:absolute;left:0;top:0"></video></div>"#,
    );
    let r = render_input("video-half-rate", dir.path(), |_| {});
    assert_eq!(r.frames.len(), 60, "expected 2 s at 30 fps = 60 frames");
    let src = counter_frames();
    let mut tally = Tally::default();
    for k in 0..60u64 {
        tally.add(assert_shows(
            &r,
            "rate 0.5",
            30.0,
            k,
            (0, 0),
            &src,
            (k / 2) as usize,
        ));
    }
    tally.report("rate 0.5");
}

/// A clip window of 0.51 s is 15.3 output frames: 15 slots, so its last
/// visible frame (15, t = 0.5 < 0.51) repeats slot 14 (source frame 14);
/// a window of 0.52 s is 15.6: 16 slots, so frame 15 shows source frame
/// 15. Both are gone from frame 16.
#[test]
fn a_window_ending_under_half_a_frame_past_the_grid_repeats_its_last_slot() {
    let dir = scratch_with_counter(
        r#"<div data-composition-id="w" data-width="640" data-height="180" data-duration="1" data-no-timeline>
<video id="short" src="counter.mp4" data-start="0" data-duration="0.51" muted style="position:absolute;left:0;top:0"></video>
<video id="long" src="counter.mp4" data-start="0" data-duration="0.52" muted style="position:absolute;left:320px;top:0"></video></div>"#,
    );
    let r = render_input("video-window-slots", dir.path(), |_| {});
    assert_eq!(r.frames.len(), 30, "expected 1 s at 30 fps = 30 frames");
    let src = counter_frames();
    let mut short = Tally::default();
    let mut long = Tally::default();
    for k in 0..16u64 {
        short.add(assert_shows(
            &r,
            "0.51 s window",
            30.0,
            k,
            (0, 0),
            &src,
            k.min(14) as usize,
        ));
        long.add(assert_shows(
            &r,
            "0.52 s window",
            30.0,
            k,
            (320, 0),
            &src,
            k as usize,
        ));
    }
    for k in [16u64, 20, 29] {
        assert_blank(&r, "0.51 s window, after it", k, (0, 0));
        assert_blank(&r, "0.52 s window, after it", k, (320, 0));
    }
    // The held slot: frames 14 and 15 of the short clip are the same
    // picture, and frame 15 differs between the two clips.
    let crop_psnr = |a: (u64, (u32, u32)), b: (u64, (u32, u32))| {
        let mut crop = YuvFrame {
            width: 320,
            height: 180,
            y: Vec::new(),
            u: Vec::new(),
            v: Vec::new(),
        };
        let f = r.frame(b.0);
        let (x, y) = b.1;
        for row in 0..180 {
            let at = ((y + row) * f.width + x) as usize;
            crop.y.extend_from_slice(&f.y[at..at + 320]);
        }
        for row in 0..90 {
            let at = ((y / 2 + row) * f.chroma_width() + x / 2) as usize;
            crop.u.extend_from_slice(&f.u[at..at + 160]);
            crop.v.extend_from_slice(&f.v[at..at + 160]);
        }
        region_psnr(r.frame(a.0), a.1, &crop)
    };
    let held = crop_psnr((14, (0, 0)), (15, (0, 0)));
    let apart = crop_psnr((15, (0, 0)), (15, (320, 0)));
    eprintln!(
        "0.51 s window frames 14 vs 15: {held:.2} dB; frame 15 of the 0.51 s vs 0.52 s windows: \
         {apart:.2} dB"
    );
    assert!(
        held >= 40.0,
        "expected the 0.51 s clip's frames 14 and 15 to be the same picture, PSNR {held:.2} dB"
    );
    assert!(
        apart < held - 3.0,
        "expected frame 15 to differ between the 0.51 s and 0.52 s clips, PSNR {apart:.2} dB"
    );
    short.report("0.51 s window");
    long.report("0.52 s window");
}

/// A host whose `data-playback-start` is 0.5 s starts its child half a
/// second in: a video at the child's local 0 is cut at the host's start,
/// and shows the source from 0.5 s in there, not from its first frame (the
/// head the host cuts is skipped, as in the reference).
#[test]
fn a_host_in_point_skips_the_head_of_a_child_video() {
    let dir = scratch_with_counter(
        r#"<div data-composition-id="inpoint" data-width="320" data-height="180" data-duration="1" data-no-timeline>
<div id="h" data-composition-id="child" data-composition-src="compositions/child.html" data-start="0.5" data-playback-start="0.5" data-duration="0.5" style="position:absolute;left:0;top:0"></div></div>"#,
    );
    std::fs::create_dir_all(dir.path().join("compositions")).expect("cannot create compositions/");
    std::fs::write(
        dir.path().join("compositions/child.html"),
        r#"<template><div data-composition-id="child" data-width="320" data-height="180" data-no-timeline>
<video id="cv" src="../counter.mp4" data-start="0" muted style="position:absolute;left:0;top:0"></video></div></template>"#,
    )
    .expect("cannot write the child");
    let r = render_input("video-host-in-point", dir.path(), |_| {});
    assert_eq!(r.frames.len(), 30, "expected 1 s at 30 fps = 30 frames");
    let src = counter_frames();
    let mut tally = Tally::default();
    for k in 15..30u64 {
        tally.add(assert_shows(
            &r,
            "child video",
            30.0,
            k,
            (0, 0),
            &src,
            k as usize,
        ));
    }
    for k in [0u64, 7, 14] {
        assert_blank(&r, "child video before its host", k, (0, 0));
    }
    tally.report("host in-point");
}

/// `muted` silences a video even with `data-has-audio="true"`, as in a
/// browser and in the reference: nothing is mixed, so the output has no
/// audio stream; without `muted` the same video is heard.
#[test]
fn muted_silences_a_video_whatever_data_has_audio_says() {
    let page = |muted: &str| {
        format!(
            r#"<div data-composition-id="m" data-width="160" data-height="90" data-duration="1" data-no-timeline>
<video id="v" src="scene.mp4" data-has-audio="true" {muted} style="position:absolute;left:0;top:0;width:160px;height:90px"></video></div>"#
        )
    };
    let scene = fixture("sub-composition-video").join("media/scene.mp4");
    let render = |name: &str, html: String| {
        let dir = tempfile::tempdir().expect("cannot create a temp folder");
        std::fs::copy(&scene, dir.path().join("scene.mp4")).expect("cannot copy scene.mp4");
        std::fs::write(dir.path().join("index.html"), html).expect("cannot write index.html");
        render_input(name, dir.path(), |_| {})
    };
    let muted = render("video-muted-has-audio", page("muted"));
    assert!(
        muted.audio.is_empty() && muted.probe.audio_duration_s.is_none(),
        "expected no audio from a muted video, saw {} samples",
        muted.audio.len()
    );
    let heard = render("video-has-audio", page(""));
    let level = common::rms(&common::channel_slice(&heard.audio, 0, 0.1, 0.9));
    assert!(
        level > 0.05,
        "expected the unmuted video's sound, saw RMS {level:.4}"
    );
}

/// An `<audio>` at `data-playback-rate="2"` plays its 1 s, 440 Hz tone in
/// half a second and keeps its pitch, as a browser plays it (and the
/// reference mixes it): 440 Hz, not the 880 Hz a tape would give, and
/// silence once the source is used up.
#[test]
fn a_faster_clip_keeps_its_pitch() {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    std::fs::copy(
        common::composition("audio-two-clips").join("tone440.wav"),
        dir.path().join("tone.wav"),
    )
    .expect("cannot copy tone440.wav");
    std::fs::write(
        dir.path().join("index.html"),
        r#"<div data-composition-id="fast" data-width="160" data-height="90" data-duration="1" data-no-timeline>
<audio id="a" src="tone.wav" data-start="0" data-playback-rate="2"></audio></div>"#,
    )
    .expect("cannot write index.html");
    let r = render_input("audio-rate-two", dir.path(), |_| {});
    let left = |from, to| common::channel_slice(&r.audio, 0, from, to);
    let body = left(0.05, 0.45);
    let hz = common::rising_zero_crossings(&body) as f64 / 0.4;
    assert!(
        (hz - 440.0).abs() < 15.0,
        "expected the tone at 440 Hz, saw {hz:.1} Hz"
    );
    let at_440 = common::tone_amplitude(&body, 440.0);
    let at_880 = common::tone_amplitude(&body, 880.0);
    assert!(
        at_440 > 10.0 * at_880,
        "expected 440 Hz to dominate 880 Hz, saw {at_440:.4} vs {at_880:.4}"
    );
    let tail = common::rms(&left(0.55, 0.95));
    assert!(
        tail < 0.01,
        "expected silence after 0.5 s, saw RMS {tail:.4}"
    );
}

/// A sub-composition's script runs after the page's own scripts (the page
/// loads GSAP below the host), so the child's timeline exists and drives
/// its box; the root's own timeline still drives the page.
#[test]
fn sub_composition_scripts_run_after_the_page_scripts() {
    let r = render_fresh("subcomp-late-gsap", |_| {});
    assert_eq!(r.frames.len(), 30, "expected 1 s at 30 fps = 30 frames");
    let step = |at: u64, after: Colour| move |f: u64| if f < at { Colour::Black } else { after };
    r.assert_colours((40, 40), 0..30, step(15, Colour::Green));
    r.assert_colours((120, 40), 0..30, step(20, Colour::Blue));
}

/// A variable-frame-rate source (a screen recording drops frames): the
/// counter with source frames 3, 10, 17 and 24 dropped keeps the others at
/// their own times. Output frame k shows the last frame presented at or
/// before k/30 s: counter frame k, or k − 1 where k was dropped. Counting
/// frames at the average rate instead would drift by one after each drop.
#[test]
fn a_variable_frame_rate_source_shows_frames_by_their_times() {
    let dir = scratch_with_counter(
        r#"<div data-composition-id="vfr" data-width="320" data-height="180" data-duration="1" data-no-timeline>
<video id="v" src="vfr.mp4" muted style="position:absolute;left:0;top:0"></video></div>"#,
    );
    let vfr = dir.path().join("vfr.mp4");
    common::run_tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-i",
            &dir.path().join("counter.mp4").to_string_lossy(),
            "-vf",
            "select='not(eq(mod(n\\,7)\\,3))'",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-qp",
            "0",
            "-pix_fmt",
            "yuv420p",
            &vfr.to_string_lossy(),
        ],
    );
    let info = hf::decode::probe(&vfr).expect("the VFR source probes");
    assert_eq!(
        info.video_frames, 26,
        "expected 4 of 30 frames dropped, saw {info:?}"
    );
    let r = render_input("video-vfr", dir.path(), |_| {});
    assert_eq!(r.frames.len(), 30, "expected 1 s at 30 fps = 30 frames");
    let src = counter_frames();
    let dropped = [3usize, 10, 17, 24];
    let mut tally = Tally::default();
    for k in 0..30usize {
        let want = if dropped.contains(&k) { k - 1 } else { k };
        tally.add(assert_shows(
            &r,
            "VFR counter",
            30.0,
            k as u64,
            (0, 0),
            &src,
            want,
        ));
    }
    tally.report("VFR counter");
}
