//! Nested sub-compositions: inlined to depth 3, each child timeline on its
//! host's clock, host windows cutting children, styles scoped, and a
//! sub-composition file rendered on its own behaving as when nested.

mod common;

use common::{classify, fixture, render_fixture_fresh, render_input, Colour, Rendered};

/// The colour at (x, y) of every frame in `frames`, checked against
/// `expect(frame)`; all mismatches are reported together.
fn expect_colours(
    r: &Rendered,
    what: &str,
    (x, y): (u32, u32),
    frames: std::ops::Range<u64>,
    expect: impl Fn(u64) -> Colour,
) {
    let wrong: Vec<String> = frames
        .filter_map(|f| {
            let seen = classify(r.pixel(f, x, y));
            let want = expect(f);
            (seen != want).then(|| format!("frame {f}: expected {want:?}, saw {seen:?}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{what} at ({x},{y}):\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn three_nested_levels_follow_their_hosts_clocks_and_windows() {
    let r = render_fixture_fresh("nested-subcomp-depth-3", |_| {});
    assert_eq!(
        r.frames.len(),
        90,
        "expected 90 frames, saw {}",
        r.frames.len()
    );
    // Scoped styles: level1's `.box { red }` must not reach the parent's .box.
    expect_colours(&r, "parent .box", (20, 20), 0..90, |_| Colour::White);
    // level1's own .box is red while its host (0.5..3.0 s) is visible.
    expect_colours(&r, "level1 .box", (20, 80), 0..90, |f| {
        if f >= 15 {
            Colour::Red
        } else {
            Colour::Black
        }
    });
    // level1's timeline: blue from local 0.5 s = frame 30.
    expect_colours(&r, "level1 flag", (80, 80), 0..90, |f| {
        if f >= 30 {
            Colour::Blue
        } else {
            Colour::Black
        }
    });
    // level2 (1.0..2.5 s): green from local 0.5 s = frame 45, cut at frame 75.
    expect_colours(&r, "level2 flag", (140, 80), 0..90, |f| {
        if (45..75).contains(&f) {
            Colour::Green
        } else {
            Colour::Black
        }
    });
    // level3 (1.25..2.25 s): white from local 0.5 s = 1.75 s, frame 53 (52.5
    // rounds up: the set lands at t >= 1.75), hidden from frame 68.
    expect_colours(&r, "level3 flag", (200, 80), 0..90, |f| {
        if (53..68).contains(&f) {
            Colour::White
        } else {
            Colour::Black
        }
    });
    assert!(
        r.report
            .compiled_html
            .contains("data-composition-file=\"compositions/level3.html\"")
            && !r.report.compiled_html.contains("data-composition-src="),
        "expected every host inlined and marked with data-composition-file"
    );
}

#[test]
fn a_sub_composition_file_renders_on_its_own_as_when_nested() {
    let file = fixture("nested-subcomp-depth-3").join("compositions/level3.html");
    let r = render_input("level3-standalone", &file, |_| {});
    assert_eq!(
        r.frames.len(),
        30,
        "expected level3's own 1 s at 30 fps, saw {}",
        r.frames.len()
    );
    // Nested, the flag turns white 0.5 s after the host starts; alone, 0.5 s
    // after the start: frame 15.
    expect_colours(&r, "level3 flag alone", (200, 80), 0..30, |f| {
        if f >= 15 {
            Colour::White
        } else {
            Colour::Black
        }
    });
}

#[test]
fn each_host_passes_its_own_variable_values() {
    let r = render_input(
        "instance-variables",
        &common::composition("instance-variables"),
        |_| {},
    );
    // Per badge: the CSS-bound half, then the script-bound half.
    for (x, want, how) in [
        (40, Colour::Red, "host #a, var(--tint)"),
        (120, Colour::Red, "host #a, getVariables()"),
        (200, Colour::Blue, "host #b, var(--tint)"),
        (280, Colour::Blue, "host #b, getVariables()"),
    ] {
        expect_colours(&r, how, (x, 60), 0..30, |_| want);
    }
}

#[test]
fn a_host_without_a_duration_lasts_as_long_as_its_child_timeline() {
    let r = render_input(
        "host-timeline-length",
        &common::composition("host-timeline-length"),
        |_| {},
    );
    expect_colours(&r, "child box", (20, 20), 0..90, |f| {
        if (15..45).contains(&f) {
            Colour::Red
        } else {
            Colour::Black
        }
    });
    expect_colours(&r, "child flag", (80, 20), 0..90, |f| {
        if (23..45).contains(&f) {
            Colour::White
        } else {
            Colour::Black
        }
    });
}

#[test]
fn a_host_plays_its_child_from_its_playback_start_at_its_rate() {
    let r = render_input(
        "host-playback",
        &common::composition("host-playback"),
        |_| {},
    );
    // Local time L = 0.5 + (t - 1) * 2 inside the host's 1.0..2.5 s window.
    let mut wrong = Vec::new();
    for f in 0..90u64 {
        let t = f as f64 / 30.0;
        let seen = common::first_column(&r.rgb(f), 30, |p| classify(p) == Colour::White);
        let want = (30..75)
            .contains(&f)
            .then(|| 100.0 * (0.5 + (t - 1.0) * 2.0).min(2.0));
        let ok = match (seen, want) {
            (Some(x), Some(w)) => (f64::from(x) - w).abs() <= 1.0,
            (None, None) => true,
            _ => false,
        };
        if !ok {
            wrong.push(format!("frame {f}: mover at {seen:?}, expected {want:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the mover is off:\n  {}",
        wrong.join("\n  ")
    );
    expect_colours(&r, "child clip #late", (20, 120), 0..90, |f| {
        if (45..53).contains(&f) {
            Colour::Green
        } else {
            Colour::Black
        }
    });
}

/// Centre of the pixels on row `y` (and on column `x`) that satisfy `pred`:
/// ((first + last) / 2 along the row, the same down the column).
fn centre_of(
    img: &image::RgbImage,
    (x, y): (u32, u32),
    pred: impl Fn([u8; 3]) -> bool,
) -> Option<(f64, f64)> {
    let span = |hits: Vec<u32>| Some((f64::from(*hits.first()?) + f64::from(*hits.last()?)) / 2.0);
    let row = (0..img.width()).filter(|&c| pred(common::pixel(img, c, y)));
    let col = (0..img.height()).filter(|&r| pred(common::pixel(img, x, r)));
    Some((span(row.collect())?, span(col.collect())?))
}

#[test]
fn sub_compositions_lay_out_in_their_sized_wrappers_for_the_whole_host_window() {
    let r = render_input(
        "subcomp-layout",
        &common::composition("subcomp-layout"),
        |_| {},
    );
    assert_eq!(
        r.frames.len(),
        30,
        "expected 30 frames, saw {}",
        r.frames.len()
    );
    let mut wrong = Vec::new();
    for f in 0..30u64 {
        let img = r.rgb(f);
        for (what, probe, want, pred) in [
            ("red card", (80, 90), (80.0, 90.0), common::mostly(0)),
            ("green dot", (240, 90), (240.0, 90.0), common::mostly(1)),
        ] {
            let seen = centre_of(&img, probe, pred);
            let ok =
                seen.is_some_and(|(x, y)| (x - want.0).abs() <= 2.0 && (y - want.1).abs() <= 2.0);
            if !ok {
                wrong.push(format!(
                    "frame {f}: {what} centred at {seen:?}, expected {want:?} ±2 px"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "sub-composition layout is off:\n  {}",
        wrong.join("\n  ")
    );
    // The card's root rule styles its wrapper, the label's its own root
    // (the host had no id), and no browser margin shows at the edges.
    expect_colours(&r, "card box", (5, 5), 0..30, |_| Colour::White);
    expect_colours(&r, "label box", (165, 5), 0..30, |_| Colour::Blue);
    expect_colours(&r, "label corner", (318, 178), 0..30, |_| Colour::Blue);
    expect_colours(&r, "card corner", (1, 178), 0..30, |_| Colour::White);
}
