//! Painting as the reference renderer paints, checked on real frames:
//!
//! - a Google Fonts `@import` placed after another rule is ignored by the
//!   browser, yet the family it names is still drawn, because hf declares
//!   it from the page's font stacks (`tests/compositions/font-late-import`
//!   against `font-late-import-control`, which asks for the same face by a
//!   `<link>`, and against a family found nowhere);
//! - a `<video>`'s picture fills its padding box, its own background colour
//!   and box-shadow are not drawn, and without a CSS height it takes the
//!   source's aspect ratio (the transparent poster compile gives it), on a
//!   scratch composition over `counter.mp4` (320x180).
//!
//! Every render is offline: Montserrat comes from the cache `hf fetch`
//! filled (`scripts/setup.sh`).

mod common;

use common::{fixture, render_input, rendered, Rendered};
use hf::decode::YuvFrame;

/// Luma below this is ink (black text, the dark video picture); above it,
/// the white page (limited range: black 16, white 235).
const INK: u8 = 128;

/// Leftmost and rightmost columns holding ink, and the number of ink
/// pixels: where the text starts and ends, and how heavy it is.
fn ink(f: &YuvFrame) -> (Option<u32>, Option<u32>, usize) {
    let col_has = |x: u32| (0..f.height).any(|y| f.luma_at(x, y) < INK);
    let left = (0..f.width).find(|&x| col_has(x));
    let right = (0..f.width).rev().find(|&x| col_has(x));
    let count = f.y.iter().filter(|&&l| l < INK).count();
    (left, right, count)
}

#[test]
fn a_family_named_only_by_an_ignored_late_google_import_is_still_drawn() {
    let late = rendered("font-late-import");
    let control = rendered("font-late-import-control");

    // The same page with the text in a family found nowhere: the fallback
    // the late import drew before hf declared its family from the stacks.
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    let html = std::fs::read_to_string(common::composition("font-late-import").join("index.html"))
        .expect("cannot read font-late-import/index.html");
    std::fs::write(dir.path().join("index.html"), html).unwrap();
    let css = std::fs::read_to_string(common::composition("font-late-import").join("style.css"))
        .expect("cannot read font-late-import/style.css");
    assert!(
        css.contains("'Montserrat', sans-serif"),
        "style.css should name Montserrat"
    );
    std::fs::write(
        dir.path().join("style.css"),
        css.replace(
            "'Montserrat', sans-serif",
            "'HF Nonexistent Sans', sans-serif",
        ),
    )
    .unwrap();
    let fallback = render_input("font-late-import-fallback", dir.path(), |_| {});

    for r in [late, control, &fallback] {
        assert_eq!(r.frames.len(), 3, "{}: frames", r.name);
        let (l, _, n) = ink(r.frame(0));
        assert!(
            l.is_some() && n > 1000,
            "{}: expected text drawn on frame 0, saw {n} ink pixels",
            r.name
        );
    }

    // Montserrat 500 either way: byte-identical frames.
    common::assert_same_frames(late, control, "late @import vs <link> of Montserrat 500");

    let (best, worst) = (0..3)
        .map(|n| common::luma_psnr(late, &fallback, n))
        .fold((0.0f64, f64::INFINITY), |(b, w), p| (b.max(p), w.min(p)));
    let (ll, lr, ln) = ink(late.frame(0));
    let (fl, fr, fnn) = ink(fallback.frame(0));
    eprintln!(
        "late import = control on 3/3 frames; vs the fallback PSNR {worst:.2}..{best:.2} dB; \
         ink x {ll:?}..{lr:?} ({ln} px) in Montserrat, {fl:?}..{fr:?} ({fnn} px) in the fallback"
    );
    assert!(
        best < 30.0,
        "Montserrat vs the fallback: PSNR up to {best:.2} dB, expected them to differ"
    );
    assert!(
        lr.zip(fr).is_some_and(|(a, b)| a.abs_diff(b) > 4),
        "the text ends at x={lr:?} (late import) and x={fr:?} (fallback): the same width"
    );

    // Montserrat came from npm, and no warning says it was missing.
    for r in [late, control] {
        common::assert_resolved(r, "@fontsource/montserrat@");
        assert!(
            !r.report.warnings.iter().any(|w| w.contains("Montserrat")),
            "{}: expected no warning about Montserrat, saw {:?}",
            r.name,
            r.report.warnings
        );
    }
    assert!(
        fallback
            .report
            .warnings
            .iter()
            .any(|w| w.contains("HF Nonexistent Sans")),
        "the fallback's warning names the family: {:?}",
        fallback.report.warnings
    );
}

/// RGB of pixel (x, y) on frame `n`.
fn rgb(r: &Rendered, n: u64, x: u32, y: u32) -> [u8; 3] {
    r.pixel(n, x, y)
}

/// True for a pixel close to the counter's dark blue background
/// (0x1d3557 = rgb(29, 53, 87)).
fn is_picture_blue([r, g, b]: [u8; 3]) -> bool {
    r.abs_diff(29) <= 30 && g.abs_diff(53) <= 30 && b.abs_diff(87) <= 30
}

/// True for a red pixel (the video's background colour, if painted).
fn is_red([r, g, b]: [u8; 3]) -> bool {
    r > 150 && g < 100 && b < 100
}

/// The bright square of source frame `f`: (left, top, right, bottom),
/// inclusive, as the luma above [`INK`] on the rows / columns through it.
fn bright_square(f: &YuvFrame, x0: u32, y0: u32, x1: u32, y1: u32) -> (u32, u32, u32, u32) {
    let bright = |x: u32, y: u32| f.luma_at(x, y) > INK;
    let mut cells = (x0..x1).flat_map(|x| (y0..y1).map(move |y| (x, y)));
    let first = cells
        .find(|&(x, y)| bright(x, y))
        .expect("a bright square in the region");
    let (mut l, mut t, mut r, mut b) = (first.0, first.1, first.0, first.1);
    for x in x0..x1 {
        for y in y0..y1 {
            if bright(x, y) {
                l = l.min(x);
                t = t.min(y);
                r = r.max(x);
                b = b.max(y);
            }
        }
    }
    (l, t, r, b)
}

#[test]
fn a_video_paints_its_picture_over_the_padding_box_without_background_or_shadow() {
    let counter = fixture("video-loop-hold").join("counter.mp4");
    let info = hf::decode::probe(&counter)
        .unwrap_or_else(|e| panic!("expected counter.mp4 to probe, saw: {e}"));
    let (src_w, src_h) = (info.width, info.height);
    assert_eq!((src_w, src_h), (320, 180), "counter.mp4's size");

    // 800x340 white page at 30 fps, 0.1 s (frames 0..2).
    // #auto: left 40, top 40, width 50% (400 px), no height: with the
    //   source's aspect its box is 400 x 225 (40..440 x 40..265). Its hard
    //   black shadow (0 20px 0 20px) would cover 20..460 x 40..305, its red
    //   background any part of the box the picture leaves.
    // #padded: left 480, top 40, content 240 x 135, padding 10, a 4 px green
    //   border, object-fit fill, red background: border box 480..748 x
    //   40..203, padding box 484..744 x 44..199 (260 x 155).
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    std::fs::copy(&counter, dir.path().join("counter.mp4")).unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>
  html, body { margin: 0; padding: 0; background: #ffffff; overflow: hidden; }
  #root { position: relative; width: 800px; height: 340px; overflow: hidden; background: #ffffff; }
  video { position: absolute; display: block; }
  #auto { left: 40px; top: 40px; width: 50%; box-shadow: 0 20px 0 20px #000000;
          background-color: red; object-fit: contain; }
  #padded { left: 480px; top: 40px; width: 240px; height: 135px; padding: 10px;
            border: 4px solid #00ff00; background-color: red; object-fit: fill; }
</style></head><body>
<div id="root" data-composition-id="paint" data-width="800" data-height="340"
     data-duration="0.1" data-fps="30" data-no-timeline>
  <video id="auto" src="counter.mp4" muted></video>
  <video id="padded" src="counter.mp4" muted></video>
</div></body></html>"#,
    )
    .unwrap();
    let r = render_input("video-paint", dir.path(), |_| {});
    assert_eq!(r.frames.len(), 3, "frames");
    let f = r.frame(0);
    let img = r.rgb(0);
    let src = {
        let (_, frames) = hf::decode::decode_video(&counter, &|i| i == 0)
            .unwrap_or_else(|e| panic!("expected counter.mp4 to decode, saw: {e}"));
        frames.into_iter().next().expect("source frame 0").1
    };

    // #auto, height: rows covered by the picture in a column clear of the
    // square and the digit (source x 272 → 40 + 272·1.25 = 380).
    let (box_x, box_y, box_w) = (40u32, 40u32, 400u32);
    let want_h = f64::from(box_w) * f64::from(src_h) / f64::from(src_w);
    let col = 380;
    let dark_rows: Vec<u32> = (0..f.height).filter(|&y| f.luma_at(col, y) < INK).collect();
    let (top, bottom) = (dark_rows[0], *dark_rows.last().unwrap());
    eprintln!(
        "#auto: column x={col} is dark on {} rows ({top}..={bottom}); expected {want_h} \
         (400·180/320) from y={box_y}",
        dark_rows.len()
    );
    assert!(
        (dark_rows.len() as f64 - want_h).abs() <= 1.0,
        "#auto: the picture covers {} rows of column {col} ({top}..={bottom}), expected \
         width·src_h/src_w = {want_h} ±1",
        dark_rows.len()
    );
    assert!(
        top.abs_diff(box_y) <= 1 && bottom - top + 1 == dark_rows.len() as u32,
        "#auto: expected one run of picture rows from y={box_y}, saw {top}..={bottom} \
         over {} rows",
        dark_rows.len()
    );
    // …and width: the picture spans the box on a row clear of the square
    // and the digit (source y 160 → 40 + 160·1.25 = 240).
    let row = 240;
    let dark_cols: Vec<u32> = (0..470).filter(|&x| f.luma_at(x, row) < INK).collect();
    eprintln!(
        "#auto: row y={row} is dark on {} columns ({}..={})",
        dark_cols.len(),
        dark_cols[0],
        dark_cols.last().unwrap()
    );
    assert!(
        dark_cols.len().abs_diff(box_w as usize) <= 1 && dark_cols[0].abs_diff(box_x) <= 1,
        "#auto: expected the picture across x={box_x}..{} on row {row}, saw {} columns from {}",
        box_x + box_w,
        dark_cols.len(),
        dark_cols[0]
    );
    // The picture is scaled by contain at 400/320 = 1.25: the source's
    // bright square lands at box + 1.25·its source position.
    let (sl, st, sr, sb) = bright_square(&src, 0, 0, 100, 80);
    let (ol, ot, or, ob) = bright_square(f, box_x, box_y, box_x + 150, box_y + 110);
    let scale = f64::from(box_w) / f64::from(src_w);
    let want_l = f64::from(box_x) + f64::from(sl) * scale;
    let want_t = f64::from(box_y) + f64::from(st) * scale;
    eprintln!(
        "#auto: source square {sl},{st}..{sr},{sb}; drawn at {ol},{ot}..{or},{ob}, expected \
         left {want_l:.1}, top {want_t:.1}"
    );
    assert!(
        (f64::from(ol) - want_l).abs() <= 2.0 && (f64::from(ot) - want_t).abs() <= 2.0,
        "#auto: the source's square at ({sl},{st}) should be drawn at ({want_l:.1},{want_t:.1}) \
         (contain, scale {scale}), saw ({ol},{ot})"
    );

    // No shadow: where the hard black shadow would be, the page is white.
    let mut shadow = Vec::new();
    for (x, y) in [
        (25, 60),
        (30, 150),
        (30, 290),
        (450, 60),
        (455, 150),
        (450, 290),
        (100, 275),
        (240, 285),
        (380, 300),
    ] {
        let px = rgb(&r, 0, x, y);
        if common::classify(px) != common::Colour::White {
            shadow.push(format!("({x},{y}): {}", common::describe(px)));
        }
    }
    assert!(
        shadow.is_empty(),
        "#auto: expected white where its box-shadow would be, saw:\n  {}",
        shadow.join("\n  ")
    );

    // No background colour anywhere: not one red pixel in the frame.
    let red: Vec<(u32, u32)> = img
        .enumerate_pixels()
        .filter(|(_, _, p)| is_red(p.0))
        .map(|(x, y, _)| (x, y))
        .collect();
    assert!(
        red.is_empty(),
        "expected no red (the videos' background-color) in the frame, saw {} red pixels, \
         first {:?}",
        red.len(),
        red.iter().take(5).collect::<Vec<_>>()
    );

    // #padded: the border is drawn, and 5 px inside it (in the padding,
    // outside the content box) the picture shows.
    let border = rgb(&r, 0, 482, 120);
    assert_eq!(
        common::classify(border),
        common::Colour::Green,
        "#padded: expected its green border at (482,120), saw {}",
        common::describe(border)
    );
    let mut wrong = Vec::new();
    for (x, y) in [
        (489, 121),
        (739, 121),
        (614, 49),
        (614, 194),
        (489, 49),
        (739, 194),
    ] {
        let px = rgb(&r, 0, x, y);
        eprintln!(
            "#padded: 5 px inside the border at ({x},{y}): {}",
            common::describe(px)
        );
        if !is_picture_blue(px) {
            wrong.push(format!("({x},{y}): {}", common::describe(px)));
        }
    }
    assert!(
        wrong.is_empty(),
        "#padded: expected the picture's dark blue 5 px inside the border (in the padding), \
         saw:\n  {}",
        wrong.join("\n  ")
    );
    // Fill stretches the picture over the padding box (260 x 155 at
    // 484,44), not the content box (240 x 135 at 494,54): the square says
    // which.
    let (pl, pt, _, _) = bright_square(f, 484, 44, 560, 110);
    let (sx, sy) = (260.0 / f64::from(src_w), 155.0 / f64::from(src_h));
    let want = (484.0 + f64::from(sl) * sx, 44.0 + f64::from(st) * sy);
    let content = (494.0 + f64::from(sl) * 0.75, 54.0 + f64::from(st) * 0.75);
    eprintln!(
        "#padded: square drawn at ({pl},{pt}); padding-box fill predicts ({:.1},{:.1}), \
         content-box fill ({:.1},{:.1})",
        want.0, want.1, content.0, content.1
    );
    assert!(
        (f64::from(pl) - want.0).abs() <= 2.0 && (f64::from(pt) - want.1).abs() <= 2.0,
        "#padded: the square should be at ({:.1},{:.1}) (fill over the padding box), saw \
         ({pl},{pt})",
        want.0,
        want.1
    );
}
