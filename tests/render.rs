//! End-to-end renders through the library: each test composition in
//! `tests/compositions/` is rendered (once per composition, shared between
//! tests), decoded, and checked against what its header comment says a
//! viewer must observe.

mod common;

use common::{
    bar_length, channel_slice, classify, describe, first_column, mostly, onset, pixel, rendered,
    rising_zero_crossings, rms, Colour, Rendered, AUDIO_CHANNELS, AUDIO_RATE,
};
use hf::{Event, Stage, Workers};

/// Every test composition runs at 30 fps.
const FPS: u64 = 30;

/// Frames in a composition of `seconds` at [`FPS`].
fn frames_for(seconds: f64) -> u64 {
    (seconds * FPS as f64).round() as u64
}

/// The frame at which composition time `t` is first shown.
fn frame_at(t: f64) -> u64 {
    (t * FPS as f64).round() as u64
}

/// Assert the stream headers and decoded frames describe a `w`x`h`,
/// 30/1 fps video of `frames` frames.
fn assert_video_shape(r: &Rendered, (w, h): (u32, u32), frames: u64) {
    let name = &r.name;
    assert_eq!(
        (r.probe.width, r.probe.height),
        (w, h),
        "`{name}`: expected a {w}x{h} video from probe, saw {}x{}",
        r.probe.width,
        r.probe.height
    );
    assert_eq!(
        r.probe.frame_rate,
        (FPS as i32, 1),
        "`{name}`: expected frame rate {FPS}/1 from probe, saw {}/{}",
        r.probe.frame_rate.0,
        r.probe.frame_rate.1
    );
    assert_eq!(
        r.probe.video_frames, frames,
        "`{name}`: expected {frames} frames from probe, saw {}",
        r.probe.video_frames
    );
    assert_eq!(
        r.decoded.video_frames, frames,
        "`{name}`: expected {frames} decoded frames, saw {}",
        r.decoded.video_frames
    );
    assert_eq!(
        r.frames.len() as u64,
        frames,
        "`{name}`: expected {frames} frames kept by the decoder, saw {}",
        r.frames.len()
    );
    let expected_s = frames as f64 / FPS as f64;
    assert!(
        (r.probe.video_duration_s - expected_s).abs() < 1e-3,
        "`{name}`: expected a video stream of {expected_s} s, saw {} s",
        r.probe.video_duration_s
    );
    assert_eq!(
        (r.report.width, r.report.height, r.report.frames),
        (w, h, frames),
        "`{name}`: expected the render report to say {w}x{h}, {frames} frames, saw {}x{}, {} frames",
        r.report.width,
        r.report.height,
        r.report.frames
    );
    for (n, f) in r.frames.iter().enumerate() {
        assert_eq!(
            (f.width, f.height),
            (w, h),
            "`{name}`: expected frame {n} to be {w}x{h}, saw {}x{}",
            f.width,
            f.height
        );
    }
}

// ---- set-colour -------------------------------------------------------

#[test]
fn set_colour_is_60_frames_of_320x240_at_30_fps_without_warnings() {
    let r = rendered("set-colour");
    assert_video_shape(r, (320, 240), frames_for(2.0));
    assert!(
        r.report.warnings.is_empty(),
        "expected no warnings rendering set-colour offline, saw {:?}",
        r.report.warnings
    );
    assert_eq!(
        r.probe.audio_duration_s, None,
        "expected no audio stream for a composition without <audio>, saw {:?} s",
        r.probe.audio_duration_s
    );
    let started: Vec<Stage> = r
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StageStarted { stage } => Some(*stage),
            _ => None,
        })
        .collect();
    let all = [
        Stage::Compile,
        Stage::Probe,
        Stage::Audio,
        Stage::Capture,
        Stage::Encode,
        Stage::Assemble,
    ];
    for stage in all {
        assert!(
            started.contains(&stage),
            "expected a StageStarted event for {stage:?}, saw stages {started:?}"
        );
    }
}

#[test]
fn set_colour_turns_from_red_to_blue_exactly_at_frame_30() {
    let r = rendered("set-colour");
    let switch = frame_at(1.0);
    let total = frames_for(2.0);
    // The explicit frames around the switch first, for a clear message…
    for (n, want) in [
        (0, Colour::Red),
        (switch - 1, Colour::Red),
        (switch, Colour::Blue),
        (total - 1, Colour::Blue),
    ] {
        let seen = r.pixel(n, 160, 120);
        assert_eq!(
            classify(seen),
            want,
            "set-colour frame {n}: expected pixel (160,120) {want}, saw {}",
            describe(seen)
        );
    }
    // …then every frame, at the centre and at two corners ("any pixel").
    let expected = |n: u64| {
        if n < switch {
            Colour::Red
        } else {
            Colour::Blue
        }
    };
    for xy in [(160, 120), (0, 0), (319, 239)] {
        r.assert_colours(xy, 0..total, expected);
    }
}

// ---- linear-box -------------------------------------------------------

/// The box's left edge at frame `f`: x = 200 * f / 60.
fn box_left(f: u64) -> f64 {
    200.0 * f as f64 / 60.0
}

#[test]
fn linear_box_left_edge_is_at_200_f_over_60() {
    let r = rendered("linear-box");
    assert_video_shape(r, (320, 240), frames_for(2.0));
    let white = |px| classify(px) == Colour::White;
    let mut wrong = Vec::new();
    for f in [0, 15, 30, 45, 59] {
        let img = r.rgb(f);
        let want = box_left(f);
        match first_column(&img, 120, white) {
            Some(x) if (f64::from(x) - want).abs() <= 1.0 => {
                // The box is 40 px wide: the white run from its edge too.
                let run = (x..img.width())
                    .take_while(|&c| white(pixel(&img, c, 120)))
                    .count();
                if !(39..=41).contains(&run) {
                    wrong.push(format!(
                        "frame {f}: expected a white run of 40 +-1 px from x = {x}, saw {run} px"
                    ));
                }
            }
            Some(x) => wrong.push(format!(
                "frame {f}: expected the first white column on row 120 at {want:.2} +-1, saw {x}"
            )),
            None => wrong.push(format!(
                "frame {f}: expected the first white column on row 120 at {want:.2} +-1, \
                 saw no white pixel on the row"
            )),
        }
        for y in [20, 220] {
            if let Some(x) = first_column(&img, y, |px| classify(px) != Colour::Black) {
                wrong.push(format!(
                    "frame {f}: expected row {y} all black, saw {} at x = {x}",
                    describe(pixel(&img, x, y))
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "linear-box is not where the tween puts it:\n  {}",
        wrong.join("\n  ")
    );
}

// ---- clip-window ------------------------------------------------------

#[test]
fn clip_window_green_clip_shows_on_frames_30_to_59_only() {
    let r = rendered("clip-window");
    let total = frames_for(3.0);
    assert_video_shape(r, (320, 240), total);
    // Clip g: data-start 1, data-duration 1 -> visible while 1 <= t < 2.
    let (g_in, g_out) = (frame_at(1.0), frame_at(2.0));
    let expected = |n: u64| {
        if (g_in..g_out).contains(&n) {
            Colour::Green
        } else {
            Colour::Black
        }
    };
    // The boundaries named in the composition, then every frame.
    r.assert_colours((200, 200), [g_in - 1, g_in, g_out - 1, g_out], expected);
    r.assert_colours((200, 200), [0, 10, 45, 75, 89], expected);
    r.assert_colours((200, 200), 0..total, expected);
}

#[test]
fn clip_window_relative_start_clip_shows_on_frames_75_to_89() {
    let r = rendered("clip-window");
    let total = frames_for(3.0);
    let (g_in, g_out) = (frame_at(1.0), frame_at(2.0));
    // Clip after: data-start "g + 0.5" = g's end + 0.5 = 2.5, duration 0.5.
    let (a_in, a_out) = (frame_at(2.0 + 0.5), frame_at(2.5 + 0.5));
    let expected = |n: u64| {
        if (a_in..a_out).contains(&n) {
            Colour::White
        } else if (g_in..g_out).contains(&n) {
            Colour::Green
        } else {
            Colour::Black
        }
    };
    r.assert_colours((50, 50), [a_in - 1, a_in, a_out - 1], expected);
    r.assert_colours((50, 50), 0..total, expected);
}

// ---- raf-clock --------------------------------------------------------

/// Bar width at frame `f`: floor(f * 100 / 30) px (100 px per second).
fn bar_width(f: u64) -> u32 {
    (f * 100 / FPS) as u32
}

#[test]
fn raf_clock_bars_advance_one_frame_per_frame() {
    let r = rendered("raf-clock");
    let total = frames_for(2.0);
    assert_video_shape(r, (320, 240), total);
    let named = [0, 1, 2, 15, 30, 59];
    let mut wrong = Vec::new();
    // The frames the composition names first, then all the others.
    for f in named
        .into_iter()
        .chain((0..total).filter(|f| !named.contains(f)))
    {
        let img = r.rgb(f);
        let want = bar_width(f);
        for (clock, row, channel) in [
            ("performance.now() (red)", 5, 0),
            ("Date.now() (blue)", 15, 2),
        ] {
            let seen = bar_length(&img, row, mostly(channel));
            if seen.abs_diff(want) > 1 {
                wrong.push(format!(
                    "frame {f}: expected the {clock} bar on row {row} to be {want} +-1 px, saw {seen} px"
                ));
            }
        }
        for y in [24, 120, 239] {
            if let Some(x) = first_column(&img, y, |px| classify(px) != Colour::Black) {
                wrong.push(format!(
                    "frame {f}: expected row {y} all black, saw {} at x = {x}",
                    describe(pixel(&img, x, y))
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "raf-clock: page clocks do not follow composition time ({} problems):\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
}

// ---- audio-two-clips --------------------------------------------------

/// Clip placement from the composition: (start, end, volume).
const CLIP1: (f64, f64, f64) = (0.5, 1.3, 1.0);
const CLIP2: (f64, f64, f64) = (2.0, 2.8, 0.5);
/// Seconds skipped around every clip edge (AAC pre-echo, ringing).
const EDGE: f64 = 0.03;
/// Audio duration of the composition.
const AUDIO_COMP_S: f64 = 3.0;

fn audio_render() -> &'static Rendered {
    let r = rendered("audio-two-clips");
    assert!(
        !r.audio.is_empty(),
        "expected audio-two-clips to have an audio stream, but it decoded to no samples"
    );
    r
}

#[test]
fn audio_clips_start_at_their_data_start() {
    let r = audio_render();
    let tolerance = 1.0 / FPS as f64;
    let threshold = 0.05;
    let mut wrong = Vec::new();
    for ch in 0..usize::from(AUDIO_CHANNELS) {
        // Clip 2 is searched from halfway through the gap before it.
        for (clip, start, search_from) in
            [(1, CLIP1.0, 0.0), (2, CLIP2.0, (CLIP1.1 + CLIP2.0) / 2.0)]
        {
            match onset(&r.audio, ch, search_from, threshold) {
                Some(t) if (t - start).abs() <= tolerance => {}
                Some(t) => wrong.push(format!(
                    "channel {ch}: expected clip {clip} to start at {start} s +-{tolerance:.4} s, \
                     first |sample| > {threshold} at {t:.4} s"
                )),
                None => wrong.push(format!(
                    "channel {ch}: expected clip {clip} to start at {start} s, \
                     saw no |sample| > {threshold} after {search_from} s"
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "audio onsets are off:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn audio_second_clip_is_6_db_below_the_first_and_both_are_440_hz() {
    let r = audio_render();
    let want_db = 20.0 * (CLIP2.2 / CLIP1.2).log10();
    for ch in 0..usize::from(AUDIO_CHANNELS) {
        let c1 = channel_slice(&r.audio, ch, CLIP1.0 + EDGE, CLIP1.1 - EDGE);
        let c2 = channel_slice(&r.audio, ch, CLIP2.0 + EDGE, CLIP2.1 - EDGE);
        let (rms1, rms2) = (rms(&c1), rms(&c2));
        // tone440.wav is a 0.5-amplitude sine: RMS 0.5/sqrt(2) at volume 1.
        let want_rms1 = 0.5 / 2f64.sqrt() * CLIP1.2;
        assert!(
            (rms1 - want_rms1).abs() < 0.05 * want_rms1,
            "channel {ch}: expected clip 1 RMS {want_rms1:.4} +-5 %, saw {rms1:.4}"
        );
        let db = 20.0 * (rms2 / rms1).log10();
        assert!(
            (db - want_db).abs() <= 0.5,
            "channel {ch}: expected clip 2 / clip 1 = {want_db:.2} dB +-0.5 dB, \
             saw {db:.2} dB (RMS {rms2:.4} / {rms1:.4})"
        );
        for (clip, s) in [(1, &c1), (2, &c2)] {
            let seconds = s.len() as f64 / f64::from(AUDIO_RATE);
            let want = 440.0 * seconds;
            let seen = rising_zero_crossings(s) as f64;
            assert!(
                (seen - want).abs() <= 3.0,
                "channel {ch}: expected clip {clip} to be 440 Hz ({want:.1} rising zero \
                 crossings in {seconds:.3} s, +-3), saw {seen}"
            );
        }
    }
}

#[test]
fn audio_is_silent_outside_the_clips() {
    let r = audio_render();
    let gaps = [(0.0, CLIP1.0), (CLIP1.1, CLIP2.0), (CLIP2.1, AUDIO_COMP_S)];
    let mut wrong = Vec::new();
    for ch in 0..usize::from(AUDIO_CHANNELS) {
        for (from, to) in gaps {
            // The very start has no clip edge to skip.
            let from = if from == 0.0 { 0.0 } else { from + EDGE };
            let s = channel_slice(&r.audio, ch, from, to - EDGE);
            let level = rms(&s);
            if s.is_empty() || level >= 1e-3 {
                wrong.push(format!(
                    "channel {ch}, {from:.2}..{:.2} s: expected silence (RMS < 1e-3 over \
                     {} samples), saw RMS {level:.5}",
                    to - EDGE,
                    s.len()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "audio is not silent between clips:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn audio_lasts_exactly_as_long_as_the_video() {
    let r = audio_render();
    let frames = frames_for(AUDIO_COMP_S);
    assert_video_shape(r, (160, 120), frames);
    assert_eq!(
        (r.probe.audio_sample_rate, r.probe.audio_channels),
        (Some(AUDIO_RATE), Some(AUDIO_CHANNELS)),
        "expected a {AUDIO_RATE} Hz stereo audio stream, saw {:?} Hz, {:?} channels",
        r.probe.audio_sample_rate,
        r.probe.audio_channels
    );
    let video_s = frames as f64 / FPS as f64;
    let decoded_s = r.audio_seconds();
    assert!(
        (decoded_s - video_s).abs() <= 1.0 / FPS as f64,
        "expected {decoded_s:.4} s of decoded audio to equal frames/fps = {video_s:.4} s \
         within one frame"
    );
    let audio_s = r
        .probe
        .audio_duration_s
        .expect("expected probe to report an audio stream, saw none");
    assert!(
        (audio_s - r.probe.video_duration_s).abs() <= 0.05,
        "expected probe's audio duration {audio_s:.4} s to equal its video duration {:.4} s \
         within 0.05 s",
        r.probe.video_duration_s
    );
    // The composition has no visuals: every frame is black.
    r.assert_colours((80, 60), 0..frames, |_| Colour::Black);
}

// ---- determinism ------------------------------------------------------

#[test]
fn determinism_two_renders_give_identical_frames() {
    let first = rendered("determinism");
    let total = frames_for(2.0);
    assert_video_shape(first, (320, 240), total);
    first.assert_colours((160, 120), 0..total, |_| Colour::Red);
    let second = common::render_fresh("determinism", |_| {});
    common::assert_same_frames(first, &second, "two renders with the same options");
}

#[test]
fn determinism_sequential_and_parallel_routes_agree() {
    let seq = common::render_fresh("determinism", |o| o.workers = Workers::Fixed(1));
    let par = common::render_fresh("determinism", |o| o.workers = Workers::Fixed(2));
    assert_eq!(
        (
            seq.report.perf.route.as_str(),
            par.report.perf.route.as_str()
        ),
        ("sequential", "parallel"),
        "expected --workers 1 to capture sequentially and --workers 2 in parallel, \
         saw routes {:?} and {:?}",
        seq.report.perf.route,
        par.report.perf.route
    );
    common::assert_same_frames(&seq, &par, "one worker against two");
}

#[test]
fn linear_box_renders_identically_twice() {
    let first = rendered("linear-box");
    let second = common::render_fresh("linear-box", |_| {});
    common::assert_same_frames(first, &second, "two renders with the same options");
}

// ---- invalid compositions through the library --------------------------

#[test]
fn bad_compositions_fail_in_compile_with_a_composition_error() {
    let cases = [
        "bad-no-root",
        "bad-negative-duration",
        "bad-zero-duration",
        "bad-nonnumeric-duration",
        "bad-unknown-clip",
        "bad-cycle",
    ];
    let mut wrong = Vec::new();
    for name in cases {
        let dir = tempfile::tempdir().expect("cannot create a temp folder");
        let output = dir.path().join("out.mp4");
        let mut opts = hf::RenderOptions::new(common::composition(name), &output);
        opts.offline = true;
        let events = std::sync::Mutex::new(Vec::new());
        let result = hf::render(&opts, &|e| events.lock().unwrap().push(e));
        let events = events.into_inner().unwrap();
        let index = common::composition(name)
            .join("index.html")
            .canonicalize()
            .expect("composition index.html exists");
        match result {
            Ok(_) => wrong.push(format!(
                "{name}: expected an error, saw a successful render"
            )),
            Err(e) => {
                if !matches!(&e, hf::Error::Composition { file, .. } if *file == index) {
                    wrong.push(format!(
                        "{name}: expected Error::Composition naming {}, saw {e:?}",
                        index.display()
                    ));
                }
                if e.exit_code() != 3 {
                    wrong.push(format!(
                        "{name}: expected exit code 3, saw {}",
                        e.exit_code()
                    ));
                }
            }
        }
        if events
            .iter()
            .any(|e| matches!(e, Event::StageStarted { stage } if *stage != Stage::Compile))
        {
            wrong.push(format!(
                "{name}: expected the render to stop in compile (no browser), saw events {events:?}"
            ));
        }
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        if !left.is_empty() {
            wrong.push(format!(
                "{name}: expected an empty output folder, saw {left:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "invalid compositions:\n  {}",
        wrong.join("\n  ")
    );
}
