//! The runtime's adapters, seek protocols and readiness, checked on real
//! frames: every position below is predicted from the animation's own
//! parameters and measured on the decoded video (±2 px). Each check prints
//! `predicted → measured` so a run with `--nocapture` shows the figures.

mod common;

use std::time::Duration;

use common::{classify, first_column, rendered_fixture, Colour, Rendered};
use hf::{Error, Workers};

/// Print one measured figure (shown with `--nocapture`): the predicted and
/// measured values are what the lead quotes, so they go to stdout on purpose.
macro_rules! figure {
    ($($arg:tt)*) => {{
        #[allow(clippy::print_stdout)]
        {
            println!($($arg)*);
        }
    }};
}

/// The tolerance on every measured edge.
const TOLERANCE: f64 = 2.0;

/// Check that the first column on row `y` whose colour is `colour` is at
/// `predict(f)` (±2 px) on each frame of `frames`; a predicted 0 may also
/// read as the box starting at the left edge. Prints every figure and
/// returns the mismatches.
fn edges(
    r: &Rendered,
    what: &str,
    (y, colour): (u32, Colour),
    frames: impl IntoIterator<Item = u64>,
    predict: impl Fn(u64) -> f64,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let mut worst = 0.0f64;
    let mut line = Vec::new();
    for f in frames {
        let want = predict(f);
        let seen = first_column(&r.rgb(f), y, |px| classify(px) == colour);
        match seen {
            Some(x) => {
                let err = (f64::from(x) - want).abs();
                worst = worst.max(err);
                line.push(format!("f{f} {want:.1}→{x}"));
                if err > TOLERANCE {
                    wrong.push(format!(
                        "{what}: frame {f}: expected the {colour} edge on row {y} at {want:.1} \
                         ±{TOLERANCE}, saw {x}"
                    ));
                }
            }
            None => wrong.push(format!(
                "{what}: frame {f}: expected a {colour} edge on row {y} at {want:.1}, saw none"
            )),
        }
    }
    figure!(
        "{what} (row {y}, predicted→measured px, worst error {worst:.1}): {}",
        line.join(", ")
    );
    wrong
}

fn assert_none(wrong: Vec<String>) {
    assert!(wrong.is_empty(), "\n  {}", wrong.join("\n  "));
}

fn assert_frames(r: &Rendered, frames: u64) {
    assert_eq!(
        r.frames.len() as u64,
        frames,
        "expected `{}` to have {frames} frames, saw {}",
        r.name,
        r.frames.len()
    );
}

const SAMPLE: [u64; 7] = [0, 10, 20, 30, 40, 50, 59];

// ---- bundled fixtures ----------------------------------------------------

#[test]
fn animejs_instances_on_hf_anime_are_seeked_to_composition_time() {
    let r = rendered_fixture("animejs-box");
    assert_frames(r, 60);
    let mut wrong = edges(
        r,
        "anime.animate white box",
        (120, Colour::White),
        SAMPLE,
        |f| 200.0 * f as f64 / 60.0,
    );
    wrong.extend(edges(
        r,
        "anime timeline red box",
        (190, Colour::Red),
        SAMPLE,
        |f| (100.0 * (f as f64 - 30.0) / 30.0).max(0.0),
    ));
    assert_none(wrong);
}

#[test]
fn lottie_web_follows_composition_time_and_sets_the_inferred_length() {
    let r = rendered_fixture("lottie-box");
    // 60 Lottie frames at 30 fps: 2 s, with no data-duration on the root.
    assert_frames(r, 60);
    let mut wrong = edges(
        r,
        "lottie white square",
        (120, Colour::White),
        SAMPLE,
        |f| 200.0 * f as f64 / 60.0,
    );
    for f in [0, 29, 30, 59] {
        let want = if f < 30 { Colour::Black } else { Colour::Green };
        let seen = classify(r.pixel(f, 160, 210));
        figure!("lottie hold keyframe: frame {f} pixel (160,210) predicted {want} → {seen}");
        if seen != want {
            wrong.push(format!(
                "lottie bar: frame {f}: expected {want}, saw {seen}"
            ));
        }
    }
    assert_none(wrong);
}

#[test]
fn three_js_draws_from_hf_seek_after_waituntil_with_its_texture_loaded() {
    let r = rendered_fixture("three-box");
    assert_frames(r, 60);
    // Frame 0 is red: the texture was loaded before it (DefaultLoadingManager).
    let mut wrong = edges(
        r,
        "three.js textured plane",
        (120, Colour::Red),
        SAMPLE,
        |f| 200.0 * f as f64 / 60.0,
    );
    for f in [0, 29, 30, 59] {
        let want = if f < 30 { Colour::Black } else { Colour::White };
        let seen = classify(r.pixel(f, 160, 230));
        figure!("three.js bar: frame {f} pixel (160,230) predicted {want} → {seen}");
        if seen != want {
            wrong.push(format!(
                "three.js bar: frame {f}: expected {want}, saw {seen}"
            ));
        }
    }
    assert_none(wrong);
}

#[test]
fn a_frame_adapter_sets_length_and_state_in_any_capture_order() {
    // Three workers: frames are sought out of order across browsers.
    let r = common::render_fixture_fresh("frame-adapter-box", |o| o.workers = Workers::Fixed(3));
    assert_frames(&r, 60);
    let mut wrong = edges(
        &r,
        "frame adapter white box",
        (120, Colour::White),
        SAMPLE,
        |f| 200.0 * f as f64 / 60.0,
    );
    for f in [3, 17, 38, 59] {
        let want = 4 * (f % 10) as u32;
        let img = r.rgb(f);
        let seen = first_column(&img, 210, |px| classify(px) != Colour::Blue).unwrap_or(320);
        figure!("frame adapter bar: frame {f} predicted {want} px → {seen} px");
        if (f64::from(seen) - f64::from(want)).abs() > TOLERANCE {
            wrong.push(format!(
                "frame adapter bar: frame {f}: expected {want} px, saw {seen}"
            ));
        }
    }
    let init = classify(r.pixel(0, 5, 5));
    figure!("frame adapter init(context.fps == 30) marker: predicted red → {init}");
    if init != Colour::Red {
        wrong.push(format!(
            "init: expected the red marker (context.fps 30), saw {init}"
        ));
    }
    assert_none(wrong);
}

// ---- seek protocols and readiness ----------------------------------------

#[test]
fn a_page_supplied_window_hf_protocol_is_driven_and_gives_the_length() {
    let r = common::rendered("page-protocol");
    assert_frames(r, 45);
    assert_none(edges(
        r,
        "window.__hf.seek box",
        (120, Colour::White),
        [0, 15, 30, 44],
        |f| 100.0 * f as f64 / 30.0,
    ));
}

#[test]
fn timelines_registered_as_an_array_bind_to_the_root() {
    let r = common::rendered("timelines-array");
    assert_frames(r, 60);
    assert_none(edges(
        r,
        "__timelines = [tl] box",
        (120, Colour::White),
        SAMPLE,
        |f| 200.0 * f as f64 / 60.0,
    ));
}

#[test]
fn a_raf_page_without_data_no_timeline_renders_without_waiting_for_one() {
    let r = common::rendered("raf-no-flag");
    assert_frames(r, 30);
    let timeline_warnings: Vec<_> = r
        .report
        .warnings
        .iter()
        .filter(|w| w.contains("timeline"))
        .collect();
    assert!(
        timeline_warnings.is_empty(),
        "expected no timeline warning for a rAF-driven page, saw {timeline_warnings:?}"
    );
    assert_none(edges(
        r,
        "rAF box",
        (120, Colour::White),
        [0, 10, 20, 29],
        |f| 200.0 * f as f64 / 30.0,
    ));
}

#[test]
fn a_root_without_data_duration_runs_as_long_as_its_longest_timeline() {
    let r = common::rendered("inferred-gsap");
    // Timeline 0.2 + 1 s = 1.2 s = 36 frames; the 0.5 s clip is shorter.
    assert_frames(r, 36);
    figure!("inferred-gsap: predicted 36 frames → {}", r.frames.len());
    assert!(
        r.report
            .warnings
            .iter()
            .any(|w| w.contains("no data-duration") && w.contains("1.2 s")),
        "expected a warning saying the 1.2 s length was inferred, saw {:?}",
        r.report.warnings
    );
    assert_none(edges(
        r,
        "inferred-gsap box",
        (120, Colour::White),
        [0, 6, 15, 30, 35],
        |f| 200.0 * ((f as f64 / 30.0 - 0.2).clamp(0.0, 1.0)),
    ));
    r.assert_colours((5, 5), 0..36, |f| {
        if f < 15 {
            Colour::Red
        } else {
            Colour::Black
        }
    });
}

#[test]
fn a_same_origin_iframe_follows_composition_time() {
    let r = common::rendered("iframe-clock");
    assert_frames(r, 60);
    let at = |f: u64| 100.0 * f as f64 / 30.0;
    let mut wrong = edges(r, "iframe rAF box", (40, Colour::Red), SAMPLE, at);
    wrong.extend(edges(
        r,
        "iframe CSS animation box",
        (120, Colour::Green),
        SAMPLE,
        at,
    ));
    wrong.extend(edges(r, "iframe GSAP box", (200, Colour::Blue), SAMPLE, at));
    assert_none(wrong);
}

#[test]
fn a_waituntil_promise_that_never_settles_times_out_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let mut opts = hf::RenderOptions::new(common::composition("seek-wait-timeout"), &out);
    opts.offline = true;
    opts.workers = Workers::Fixed(1);
    opts.cdp_timeout = Duration::from_secs(3);
    let err = match hf::render(&opts, &|_| {}) {
        Ok(_) => panic!("expected a never-settling waitUntil promise to fail the render"),
        Err(e) => e,
    };
    let text = err.to_string();
    figure!(
        "seek-wait-timeout error: {}",
        text.lines().next().unwrap_or_default()
    );
    assert!(
        matches!(err, Error::Timeout { .. }),
        "expected a timeout, saw: {text}"
    );
    for needle in ["frame 15", "hf-seek waitUntil()", "index.html:"] {
        assert!(
            text.contains(needle),
            "expected the error to name {needle:?}, saw: {text}"
        );
    }
    assert!(!out.exists(), "expected no output after the failure");
}

#[test]
fn a_frame_adapter_breaking_the_contract_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let mut opts = hf::RenderOptions::new(common::composition("frame-adapter-bad"), &out);
    opts.offline = true;
    let err = match hf::render(&opts, &|_| {}) {
        Ok(_) => panic!("expected a frame adapter with a NaN length to fail the render"),
        Err(e) => e,
    };
    let text = err.to_string();
    for needle in ["frame adapter \"broken\"", "getDurationFrames()", "finite"] {
        assert!(
            text.contains(needle),
            "expected the error to name {needle:?}, saw: {text}"
        );
    }
}
