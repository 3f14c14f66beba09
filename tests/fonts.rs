//! Fonts from `@fontsource`: the same text set three ways — by family name
//! (fixture `font-named-family`), by a Google Fonts link (fixture
//! `font-google-link`) and by an explicit `@font-face` of the same file
//! (`tests/compositions/font-explicit-face`) — gives identical frames, and
//! differs from the fallback (`tests/compositions/font-fallback`). The
//! packages come from the cache `scripts/setup.sh` filled (`hf fetch`);
//! every render is offline.

mod common;

use common::{rendered, rendered_fixture};
use image::RgbImage;

/// Leftmost column on row band 30..80 with a bright (text) pixel.
fn ink_left(img: &RgbImage) -> Option<u32> {
    (0..img.width()).find(|&x| (30..80).any(|y| common::pixel(img, x, y)[1] > 128))
}

/// Rightmost column with a bright pixel: where the text ends.
fn ink_right(img: &RgbImage) -> Option<u32> {
    (0..img.width())
        .rev()
        .find(|&x| (0..img.height()).any(|y| common::pixel(img, x, y)[1] > 128))
}

#[test]
fn three_ways_of_setting_inter_draw_identical_frames_unlike_the_fallback() {
    let named = rendered_fixture("font-named-family");
    let google = rendered_fixture("font-google-link");
    let explicit = rendered("font-explicit-face");
    let fallback = rendered("font-fallback");
    for r in [named, google, explicit, fallback] {
        assert_eq!(r.frames.len(), 30, "{}: frames", r.name);
    }
    for n in 0..30 {
        for other in [google, explicit] {
            let p = common::luma_psnr(named, other, n);
            assert!(
                p.is_infinite(),
                "frame {n}: {} vs {} PSNR {p:.2} dB, expected identical",
                named.name,
                other.name
            );
        }
    }
    let worst = (0..30)
        .map(|n| common::luma_psnr(named, fallback, n))
        .fold(f64::INFINITY, f64::min);
    let best = (0..30)
        .map(|n| common::luma_psnr(named, fallback, n))
        .fold(0.0, f64::max);
    eprintln!("font proof: named = google = explicit on 30/30 frames; vs fallback PSNR {worst:.2}..{best:.2} dB");
    assert!(
        best < 30.0,
        "Inter vs the fallback: PSNR up to {best:.2} dB, expected them to differ"
    );
    let (a, b) = (ink_right(&named.rgb(0)), ink_right(&fallback.rgb(0)));
    eprintln!("text ends at x={a:?} in Inter, x={b:?} in the fallback");
    assert!(
        a.zip(b).is_some_and(|(a, b)| a.abs_diff(b) > 4),
        "the text ends at {a:?} (Inter) and {b:?} (fallback): the same width"
    );
    // Inter is served from npm: the resolved set says so.
    for r in [named, google] {
        common::assert_resolved(r, "@fontsource/inter@");
    }
    assert!(
        fallback
            .report
            .warnings
            .iter()
            .any(|w| w.contains("HF Nonexistent Sans") && w.contains("drawn in")),
        "the fallback's warning names the family and what is drawn: {:?}",
        fallback.report.warnings
    );
}

#[test]
fn the_text_slides_as_its_animation_says() {
    for r in [
        rendered_fixture("font-named-family"),
        rendered_fixture("font-google-link"),
    ] {
        let x0 = ink_left(&r.rgb(0)).expect("text drawn on frame 0");
        // Left 20 px plus the H's side bearing, a few px at 40 px.
        assert!(
            (20..=26).contains(&x0),
            "{}: ink starts at x={x0} on frame 0",
            r.name
        );
        for f in [10u64, 20, 29] {
            let x = ink_left(&r.rgb(f)).expect("text drawn");
            let want = x0 + (120.0 * f as f64 / 30.0).round() as u32;
            assert!(
                x.abs_diff(want) <= 2,
                "{}: frame {f}: ink at x={x}, expected {want}",
                r.name
            );
        }
    }
}
