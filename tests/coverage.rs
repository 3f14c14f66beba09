//! Behaviour coverage for the bundled fixtures: each fixture under
//! `fixtures/<name>/src` is rendered (once per fixture, shared between
//! tests, with its `meta.json` frame rate and variables), decoded, and
//! checked against what its header comment says a viewer must observe.
//! Also: variable override warnings and strict failures (library and CLI),
//! and the missing-font warning (`tests/compositions/missing-font`).

mod common;

use std::process::{Command, Stdio};

use common::{
    bar_length, channel_slice, classify, describe, first_column, fixture, mostly, pixel,
    render_fixture_fresh, render_fresh, rendered_fixture, rising_zero_crossings, rms,
    tone_amplitude, Colour, Rendered, AUDIO_CHANNELS, AUDIO_RATE,
};
use image::RgbImage;
use serde_json::json;

/// The `hf` binary cargo built for these tests.
const HF: &str = env!("CARGO_BIN_EXE_hf");

/// Composition time of frame `f` at `fps` frames per second.
fn time_of(f: u64, fps: u64) -> f64 {
    f as f64 / fps as f64
}

/// Assert the render is `w`x`h` with `frames` frames (report, probe and
/// decoded frames agree).
fn assert_shape(r: &Rendered, (w, h): (u32, u32), frames: u64) {
    let name = &r.name;
    assert_eq!(
        (r.report.width, r.report.height, r.report.frames),
        (w, h, frames),
        "`{name}`: expected the report to say {w}x{h}, {frames} frames, saw {}x{}, {} frames",
        r.report.width,
        r.report.height,
        r.report.frames
    );
    assert_eq!(
        (r.probe.width, r.probe.height),
        (w, h),
        "`{name}`: expected a {w}x{h} video from probe, saw {}x{}",
        r.probe.width,
        r.probe.height
    );
    assert_eq!(
        r.frames.len() as u64,
        frames,
        "`{name}`: expected {frames} decoded frames, saw {}",
        r.frames.len()
    );
}

/// The run of pixels on row `y` satisfying `pred` that starts at the first
/// such pixel: `(first column, end column exclusive)`.
fn run_on_row(img: &RgbImage, y: u32, pred: impl Fn([u8; 3]) -> bool) -> Option<(u32, u32)> {
    let first = first_column(img, y, &pred)?;
    let end = (first..img.width())
        .find(|&x| !pred(pixel(img, x, y)))
        .unwrap_or(img.width());
    Some((first, end))
}

/// Fail with every collected problem, if any.
fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what} ({} problems):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

// ---- font-variant-numeric ------------------------------------------------

/// The counter text at frame `f` (24 fps): floor(t * 10), three digits.
fn counter_text(f: u64) -> String {
    format!("{:03}", f * 10 / 24)
}

/// Right edge of a counter box holding `ones` proportional "1"s among its
/// three digits (`ones` = 0 for the tabular box): 40 px + the advances.
fn counter_right(ones: usize) -> f64 {
    40.0 + (3.0 * 1425.0 - ones as f64 * 272.0) / 2048.0 * 80.0
}

#[test]
fn font_variant_numeric_tabular_counter_never_changes_width() {
    let r = rendered_fixture("font-variant-numeric");
    let total = 72;
    assert_shape(r, (480, 270), total);
    let font_warnings: Vec<&String> = r
        .report
        .warnings
        .iter()
        .filter(|w| w.contains("font family"))
        .collect();
    assert!(
        font_warnings.is_empty(),
        "expected no font warning for the shipped font \"HF Counter\", saw {font_warnings:?}"
    );

    let mut problems = Vec::new();
    let mut tab_edges = Vec::new();
    let mut prop_seen_narrow = 0;
    for f in 0..total {
        let img = r.rgb(f);
        let text = counter_text(f);
        let ones = text.matches('1').count();
        // Row 30: blue background of the tabular box, above the glyphs.
        match run_on_row(&img, 30, mostly(2)) {
            Some((first, end)) => {
                tab_edges.push((f, end));
                let want = counter_right(0);
                if first.abs_diff(40) > 1 || (f64::from(end) - want).abs() > 2.0 {
                    problems.push(format!(
                        "frame {f} (\"{text}\"): expected the tabular (blue) box at x = 40 .. \
                         {want:.2} +-2, saw {first} .. {end}"
                    ));
                }
            }
            None => problems.push(format!(
                "frame {f}: expected the blue tabular box on row 30, saw no blue pixel"
            )),
        }
        // Row 150: red background of the proportional box (the control:
        // it proves the shipped font, with its proportional "1", is used).
        match run_on_row(&img, 150, mostly(0)) {
            Some((first, end)) => {
                let want = counter_right(ones);
                if ones > 0 && f64::from(end) < counter_right(0) - 5.0 {
                    prop_seen_narrow += 1;
                }
                if first.abs_diff(40) > 1 || (f64::from(end) - want).abs() > 2.0 {
                    problems.push(format!(
                        "frame {f} (\"{text}\", {ones} proportional \"1\"): expected the \
                         proportional (red) box at x = 40 .. {want:.2} +-2, saw {first} .. {end}"
                    ));
                }
            }
            None => problems.push(format!(
                "frame {f}: expected the red proportional box on row 150, saw no red pixel"
            )),
        }
    }
    let lo = tab_edges.iter().map(|&(_, e)| e).min().unwrap_or(0);
    let hi = tab_edges.iter().map(|&(_, e)| e).max().unwrap_or(0);
    if hi - lo > 1 {
        let changes: Vec<String> = tab_edges
            .windows(2)
            .filter(|w| w[0].1 != w[1].1)
            .map(|w| format!("frame {}: {} -> {}", w[1].0, w[0].1, w[1].1))
            .collect();
        problems.push(format!(
            "expected the tabular box's right edge at one x on every frame, saw {lo} .. {hi}: {}",
            changes.join(", ")
        ));
    }
    if prop_seen_narrow == 0 {
        problems.push(
            "expected the proportional box to be narrower on frames whose text holds a \"1\" \
             (the shipped font's proportional digit), but it never was"
                .into(),
        );
    }
    assert_no_problems(
        "font-variant-numeric: counter widths do not follow tabular-nums",
        &problems,
    );
}

// ---- variables-prod ------------------------------------------------------

#[test]
fn variables_prod_box_and_swatch_show_the_override_colour() {
    let r = rendered_fixture("variables-prod");
    assert_shape(r, (640, 360), 48);
    let var_warnings: Vec<&String> = r
        .report
        .warnings
        .iter()
        .filter(|w| w.contains("variable"))
        .collect();
    assert!(
        var_warnings.is_empty(),
        "expected no variable warnings for meta.json's declared overrides, saw {var_warnings:?}"
    );
    // Box: var(--accent). Swatch: getVariables().accent from script.
    r.assert_colours((140, 250), 0..48, |_| Colour::Green);
    r.assert_colours((350, 250), 0..48, |_| Colour::Green);
    r.assert_colours((500, 250), 0..48, |_| Colour::Black);
}

#[test]
fn variables_prod_text_bindings_show_the_override_text() {
    let r = rendered_fixture("variables-prod");
    let html = &r.report.compiled_html;
    for (want, id) in [("LAUNCH DAY", "title"), ("Now shipping v2", "subtitle")] {
        assert!(
            html.contains(&format!("{want}</div>")),
            "expected the compiled HTML to bind #{id} to the override \"{want}\", but it is \
             not there; compiled HTML:\n{html}"
        );
    }
    for default in [">Hello<", ">Default subtitle<"] {
        assert!(
            !html.contains(default),
            "expected the default text {default} to be replaced in the compiled HTML; \
             compiled HTML:\n{html}"
        );
    }
    // On screen: "LAUNCH DAY" at 48 px reaches far further right than
    // "Hello" would (about x = 200).
    let img = r.rgb(0);
    let right = (40..90)
        .filter_map(|y| {
            (0..img.width())
                .rev()
                .find(|&x| classify(pixel(&img, x, y)) == Colour::White)
        })
        .max();
    assert!(
        matches!(right, Some(x) if x > 300),
        "expected the title row (y 40..89) to show \"LAUNCH DAY\" reaching past x = 300, \
         saw the rightmost white pixel at {right:?}"
    );
}

#[test]
fn variables_undeclared_override_warns_and_keeps_defaults() {
    let r = render_fixture_fresh("variables-prod", |opts| {
        opts.variables = Some(json!({ "nosuch": "x" }));
    });
    assert!(
        r.report
            .warnings
            .iter()
            .any(|w| w.contains("variable \"nosuch\" is not declared")),
        "expected a warning naming the undeclared variable \"nosuch\", saw {:?}",
        r.report.warnings
    );
    // No accent override: the box keeps the declared default, red.
    r.assert_colours((140, 250), [0, 24, 47], |_| Colour::Red);
    r.assert_colours((350, 250), [0, 24, 47], |_| Colour::Red);
}

#[test]
fn variables_undeclared_override_fails_with_strict_variables_naming_the_key() {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    let output = dir.path().join("out.mp4");
    let mut opts = hf::RenderOptions::new(fixture("variables-prod"), &output);
    opts.offline = true;
    opts.variables = Some(json!({ "title": "Fine", "nosuch": "x" }));
    opts.strict_variables = true;
    match hf::render(&opts, &|_| {}) {
        Ok(report) => panic!(
            "expected strict_variables to refuse the undeclared \"nosuch\", but the render \
             succeeded with warnings {:?}",
            report.warnings
        ),
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("nosuch"),
                "expected the strict-variables error to name \"nosuch\", saw: {message}"
            );
            assert!(
                !message.contains("\"title\""),
                "expected the error not to blame the declared \"title\", saw: {message}"
            );
            assert_eq!(
                e.exit_code(),
                2,
                "expected a bad-input error (exit code 2), saw exit code {} for: {message}",
                e.exit_code()
            );
        }
    }
    assert!(
        !output.exists(),
        "expected no output after a refused render, saw {}",
        output.display()
    );
}

#[test]
fn cli_variables_flag_warns_on_undeclared_key_and_strict_exits_2() {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    let input = fixture("variables-prod");
    let input = input.to_str().expect("non-UTF-8 fixture path");
    let run = |strict: bool, output: &std::path::Path| {
        let mut cmd = Command::new(HF);
        cmd.args(["render", input, "-o"])
            .arg(output)
            .args(["--offline", "--variables", r#"{"nosuch": 1}"#])
            .stdin(Stdio::null());
        if strict {
            cmd.arg("--strict-variables");
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("expected to start {HF}, saw: {e}"))
    };

    let strict_out = dir.path().join("strict.mp4");
    let out = run(true, &strict_out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected --strict-variables with an undeclared key to exit 2, saw {:?}; stderr:\n{err}",
        out.status.code()
    );
    assert!(
        err.contains("nosuch"),
        "expected the --strict-variables error to name \"nosuch\"; stderr:\n{err}"
    );
    assert!(
        !strict_out.exists(),
        "expected no output after the refused render"
    );

    let lax_out = dir.path().join("lax.mp4");
    let out = run(false, &lax_out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected an undeclared --variables key to render anyway (exit 0), saw {:?}; \
         stderr:\n{err}",
        out.status.code()
    );
    assert!(
        err.contains("warning") && err.contains("variable \"nosuch\" is not declared"),
        "expected a warning naming the undeclared variable \"nosuch\"; stderr:\n{err}"
    );
    assert!(lax_out.is_file(), "expected {} to exist", lax_out.display());
}

#[test]
fn cli_variables_file_is_read_and_the_flag_wins_per_key() {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    let file = dir.path().join("vars.json");
    std::fs::write(&file, r##"{"accent": "#0000ff", "title": "FROM FILE"}"##)
        .expect("cannot write vars.json");
    let output = dir.path().join("out.mp4");
    let compiled = dir.path().join("compiled.html");
    let out = Command::new(HF)
        .args(["render"])
        .arg(fixture("variables-prod"))
        .arg("-o")
        .arg(&output)
        .arg("--variables-file")
        .arg(&file)
        .args(["--variables", r#"{"title": "FROM FLAG"}"#, "--offline"])
        .arg("--compiled-html")
        .arg(&compiled)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("expected to start {HF}, saw: {e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{err}");
    let html = std::fs::read_to_string(&compiled).expect("the compiled HTML was not written");
    assert!(
        html.contains(">FROM FLAG<") && !html.contains(">FROM FILE<"),
        "expected --variables to win over --variables-file for \"title\""
    );
    // The accent comes from the file alone: var(--accent) and the scripted
    // swatch are blue on the first frame.
    let (_, frames) = hf::decode::decode_video(&output, &|i| i == 0)
        .unwrap_or_else(|e| panic!("expected {} to decode, saw: {e}", output.display()));
    let rgb = frames[0].1.to_rgb();
    for (x, y) in [(140, 250), (350, 250)] {
        let px = pixel(&rgb, x, y);
        assert_eq!(
            classify(px),
            Colour::Blue,
            "expected the file's accent (blue) at ({x},{y}), saw {}",
            describe(px)
        );
    }
}

// ---- missing font --------------------------------------------------------

#[test]
fn missing_font_family_is_named_in_a_warning() {
    let r = render_fresh("missing-font", |_| {});
    assert_shape(&r, (320, 240), 30);
    let want = "font family \"HF Nonexistent Sans\" is not available";
    assert!(
        r.report.warnings.iter().any(|w| w.contains(want)),
        "expected a warning containing `{want}`, saw {:?}",
        r.report.warnings
    );
    let warned = r
        .events
        .iter()
        .any(|e| matches!(e, hf::Event::Warning { message } if message.contains(want)));
    assert!(
        warned,
        "expected the font warning to be sent as an Event::Warning too (the CLI prints \
         warnings from events); saw events {:?}",
        r.events
            .iter()
            .filter(|e| matches!(e, hf::Event::Warning { .. }))
            .collect::<Vec<_>>()
    );
}

#[test]
fn cli_render_prints_the_missing_font_warning() {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    let output = dir.path().join("out.mp4");
    let input = common::composition("missing-font");
    let out = Command::new(HF)
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .arg("--offline")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("expected to start {HF}, saw: {e}"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected hf render missing-font to succeed, saw {:?}; stderr:\n{err}",
        out.status.code()
    );
    let want = "font family \"HF Nonexistent Sans\" is not available";
    assert!(
        err.contains("warning") && err.contains(want),
        "expected `hf render` to print a warning containing `{want}`; stderr:\n{err}"
    );
}

// ---- css-spinner ---------------------------------------------------------

/// Margin (px) by which the point (px, py) lies inside the 80x80 square
/// centred at (160, 100) rotated clockwise by `deg`: positive inside,
/// negative outside (an L-infinity distance, never more than the true one).
fn square_margin(px: f64, py: f64, deg: f64) -> f64 {
    let (dx, dy) = (px - 160.0, py - 100.0);
    let (s, c) = deg.to_radians().sin_cos();
    let u = dx * c + dy * s;
    let v = -dx * s + dy * c;
    40.0 - u.abs().max(v.abs())
}

#[test]
fn css_spinner_square_rotates_one_turn_per_second() {
    let r = rendered_fixture("css-spinner");
    let total = 60;
    assert_shape(r, (320, 240), total);
    // Points 44..52 px from the centre in several directions: inside the
    // square at some angles only. Direction a is clockwise from straight up.
    let mut points = Vec::new();
    for a in [
        0.0f64, 20.0, 45.0, 70.0, 110.0, 160.0, 200.0, 250.0, 300.0, 340.0,
    ] {
        for radius in [44.0, 48.0, 52.0] {
            let (s, c) = a.to_radians().sin_cos();
            let x = (160.0 + radius * s).floor() as u32;
            let y = (100.0 - radius * c).floor() as u32;
            points.push((x, y));
        }
    }
    let mut problems = Vec::new();
    let (mut inside, mut outside) = (0, 0);
    for f in 0..total {
        let deg = 360.0 * (time_of(f, 30) % 1.0);
        let img = r.rgb(f);
        for &(x, y) in &points {
            let margin = square_margin(f64::from(x) + 0.5, f64::from(y) + 0.5, deg);
            let want = if margin > 2.0 {
                inside += 1;
                Colour::White
            } else if margin < -2.0 {
                outside += 1;
                Colour::Black
            } else {
                continue;
            };
            let seen = pixel(&img, x, y);
            if classify(seen) != want {
                problems.push(format!(
                    "frame {f} (rotation {deg:.0} deg): expected pixel ({x},{y}) {want} \
                     (margin {margin:.1} px), saw {}",
                    describe(seen)
                ));
            }
        }
    }
    assert!(
        inside > 50 && outside > 50,
        "test set-up: expected many inside and outside checks, saw {inside} and {outside}"
    );
    assert_no_problems(
        "css-spinner: the square is not at rotation 360 * (t mod 1) deg",
        &problems,
    );
}

#[test]
fn css_transition_started_by_a_timer_follows_composition_time() {
    let r = render_fresh("css-transition", |_| {});
    assert_shape(&r, (320, 240), 90);
    let mut wrong = Vec::new();
    for f in [0u64, 14, 15, 20, 30, 40, 45, 60, 89] {
        let t = time_of(f, 30);
        let want = 200.0 * ((t - 0.5) / 1.0).clamp(0.0, 1.0);
        let seen = first_column(&r.rgb(f), 120, |p| classify(p) == Colour::White);
        match seen {
            Some(x) if (f64::from(x) - want).abs() <= 1.0 => {}
            other => wrong.push(format!(
                "frame {f}: left edge {other:?}, expected {want:.1}"
            )),
        }
    }
    assert!(
        wrong.is_empty(),
        "the transitioning box is off:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn css_spinner_bar_grows_150_px_per_second() {
    let r = rendered_fixture("css-spinner");
    let mut problems = Vec::new();
    // Frame 30 (t = 1 s: 150 px) first, then every frame.
    for f in std::iter::once(30).chain(0..60) {
        let img = r.rgb(f);
        let want = 5 * f as u32;
        let seen = bar_length(&img, 210, mostly(1));
        if seen.abs_diff(want) > 2 {
            problems.push(format!(
                "frame {f}: expected the green bar on row 210 to be {want} +-2 px, saw {seen} px"
            ));
        }
        if let Some(x) = (0..100).find(|&x| classify(pixel(&img, x, 230)) != Colour::Black) {
            problems.push(format!(
                "frame {f}: expected row 230 black, saw {} at x = {x}",
                describe(pixel(&img, x, 230))
            ));
        }
    }
    assert_no_problems(
        "css-spinner: the CSS width animation is not at 300 * t / 2 px",
        &problems,
    );
}

// ---- raf-ball ------------------------------------------------------------

/// Closed-form ball centre x at time t (see the fixture's comment).
fn ball_x(t: f64) -> f64 {
    let u = 28.0 + 360.0 * t;
    let p = u.rem_euclid(592.0);
    12.0 + if p <= 296.0 { p } else { 592.0 - p }
}

#[test]
fn raf_ball_follows_the_closed_form_bounce() {
    let r = rendered_fixture("raf-ball");
    let total = 60;
    assert_shape(r, (320, 240), total);
    let named = [0, 10, 20, 22, 30, 40, 47, 50, 59];
    let mut problems = Vec::new();
    for f in named
        .into_iter()
        .chain((0..total).filter(|f| !named.contains(f)))
    {
        let img = r.rgb(f);
        let want = ball_x(time_of(f, 30));
        match run_on_row(&img, 120, mostly(0)) {
            Some((first, end)) => {
                let centre = f64::from(first + end) / 2.0;
                let width = end - first;
                if (centre - want).abs() > 2.0 || width.abs_diff(24) > 2 {
                    problems.push(format!(
                        "frame {f}: expected the ball centred at x = {want:.2} +-2 (24 +-2 px \
                         wide) on row 120, saw a red run {first} .. {end} (centre {centre:.1})"
                    ));
                }
            }
            None => problems.push(format!(
                "frame {f}: expected the ball at x = {want:.2} on row 120, saw no red pixel"
            )),
        }
    }
    assert_no_problems(
        "raf-ball: the rAF-integrated ball leaves its closed-form path",
        &problems,
    );
}

#[test]
fn raf_ball_callbacks_run_once_per_frame() {
    let r = rendered_fixture("raf-ball");
    let mut problems = Vec::new();
    for f in 0..60u64 {
        let img = r.rgb(f);
        let want = 2 * (f as u32 + 1);
        let seen = bar_length(&img, 1, mostly(2));
        if seen.abs_diff(want) > 1 {
            problems.push(format!(
                "frame {f}: expected the call-count bar on row 1 to be {want} px ({} calls), \
                 saw {seen} px (about {} calls)",
                f + 1,
                seen / 2
            ));
        }
    }
    assert_no_problems(
        "raf-ball: requestAnimationFrame callbacks do not run exactly once per frame",
        &problems,
    );
}

// ---- waapi-cards ---------------------------------------------------------

/// A test on one pixel's colour.
type PixelTest = dyn Fn([u8; 3]) -> bool;

/// Left edge of card `i` at time t (see the fixture's comment).
fn card_left(i: usize, t: f64) -> f64 {
    let started = if i < 3 { 0.25 * i as f64 } else { 1.0 };
    20.0 + 200.0 * (t - started).clamp(0.0, 1.0)
}

#[test]
fn waapi_cards_move_as_their_animations_say() {
    let r = rendered_fixture("waapi-cards");
    let total = 60;
    assert_shape(r, (320, 240), total);
    let white = |px: [u8; 3]| classify(px) == Colour::White;
    let cards: [(&str, u32, Box<PixelTest>); 4] = [
        ("red card 0", 35, Box::new(mostly(0))),
        ("green card 1", 90, Box::new(mostly(1))),
        ("blue card 2", 145, Box::new(mostly(2))),
        ("white card 3 (timer-started)", 200, Box::new(white)),
    ];
    let named = [0, 15, 30, 37, 45, 59];
    let mut problems = Vec::new();
    for f in named
        .into_iter()
        .chain((0..total).filter(|f| !named.contains(f)))
    {
        let img = r.rgb(f);
        let t = time_of(f, 30);
        for (i, (what, row, pred)) in cards.iter().enumerate() {
            let want = card_left(i, t);
            match run_on_row(&img, *row, pred) {
                Some((first, end)) => {
                    if (f64::from(first) - want).abs() > 2.0 || (end - first).abs_diff(40) > 2 {
                        problems.push(format!(
                            "frame {f}: expected the {what} at x = {want:.2} +-2, 40 +-2 px \
                             wide, on row {row}; saw {first} .. {end}"
                        ));
                    }
                }
                None => problems.push(format!(
                    "frame {f}: expected the {what} at x = {want:.2} on row {row}, saw none"
                )),
            }
        }
    }
    assert_no_problems(
        "waapi-cards: element.animate() does not follow composition time",
        &problems,
    );
}

// ---- timed-descendant-visibility -------------------------------------------

#[test]
fn timed_child_shows_only_inside_its_parents_window() {
    let r = rendered_fixture("timed-descendant-visibility");
    let total = 90;
    assert_shape(r, (320, 240), total);
    let both = |n: u64| (30..60).contains(&n);
    let green = |n: u64| {
        if both(n) {
            Colour::Green
        } else {
            Colour::Black
        }
    };
    // The frames the brief names (20: child open, parent closed; 35, 50:
    // both open; 65: parent closed again), the edges, then every frame.
    r.assert_colours((70, 70), [20, 35, 50, 65], green);
    r.assert_colours((70, 70), [29, 30, 59, 60], green);
    r.assert_colours((70, 70), 0..total, green);
}

#[test]
fn untimed_child_follows_its_timed_parent() {
    let r = rendered_fixture("timed-descendant-visibility");
    r.assert_colours((230, 70), 0..90, |n| {
        if (30..60).contains(&n) {
            Colour::Blue
        } else {
            Colour::Black
        }
    });
}

#[test]
fn data_hidden_clip_never_shows() {
    let r = rendered_fixture("timed-descendant-visibility");
    for xy in [(160, 180), (115, 145), (205, 215)] {
        r.assert_colours(xy, 0..90, |_| Colour::Black);
    }
}

// ---- audio-media-start ---------------------------------------------------

/// Seconds skipped at every clip edge (AAC pre-echo, ringing).
const EDGE: f64 = 0.03;
/// RMS of a 0.5-amplitude sine.
const TONE_RMS: f64 = 0.353_553_390_593_273_8;

fn audio_fixture() -> &'static Rendered {
    let r = rendered_fixture("audio-media-start");
    assert_shape(r, (160, 120), 90);
    assert!(
        r.audio_seconds() >= 3.0 - 0.02,
        "expected about 3 s of audio, decoded {:.3} s",
        r.audio_seconds()
    );
    r
}

#[test]
fn audio_media_start_and_trim_pick_the_right_part_of_the_source() {
    let r = audio_fixture();
    let mut problems = Vec::new();
    // (from, to, frequency that must dominate, what)
    let tones = [
        (0.0, 1.0, 880.0, "clip a (data-media-start 1.0)"),
        (1.2, 1.7, 440.0, "clip b (trimmed to 0.5 s)"),
        (2.0, 2.5, 440.0, "clip c alone"),
    ];
    for ch in 0..usize::from(AUDIO_CHANNELS) {
        for (from, to, freq, what) in tones {
            let s = channel_slice(&r.audio, ch, from + EDGE, to - EDGE);
            let other = if freq == 440.0 { 880.0 } else { 440.0 };
            let (a, b) = (tone_amplitude(&s, freq), tone_amplitude(&s, other));
            if a < 0.45 || b > 0.02 * a {
                problems.push(format!(
                    "channel {ch}, {from} .. {to} s ({what}): expected {freq} Hz at amplitude \
                     0.5 and no {other} Hz, saw {freq} Hz at {a:.4}, {other} Hz at {b:.4}"
                ));
            }
            let seconds = s.len() as f64 / f64::from(AUDIO_RATE);
            let crossings = rising_zero_crossings(&s) as f64;
            if (crossings / seconds - freq).abs() > 3.0 / seconds {
                problems.push(format!(
                    "channel {ch}, {from} .. {to} s ({what}): expected {freq} Hz by zero \
                     crossings ({:.1} +-3 in {seconds:.3} s), saw {crossings}",
                    freq * seconds
                ));
            }
            let level = rms(&s);
            if (level - TONE_RMS).abs() > 0.05 * TONE_RMS {
                problems.push(format!(
                    "channel {ch}, {from} .. {to} s ({what}): expected RMS {TONE_RMS:.4} +-5 %, \
                     saw {level:.4}"
                ));
            }
        }
        for (from, to, why) in [
            (1.0, 1.2, "between clips a and b"),
            (1.7, 2.0, "after clip b's trimmed end"),
        ] {
            let s = channel_slice(&r.audio, ch, from + EDGE, to - EDGE);
            let level = rms(&s);
            if s.is_empty() || level >= 1e-3 {
                problems.push(format!(
                    "channel {ch}, {from} .. {to} s ({why}): expected silence (RMS < 1e-3), \
                     saw RMS {level:.5} over {} samples",
                    s.len()
                ));
            }
        }
    }
    assert_no_problems(
        "audio-media-start: clips do not play the expected part of tones.wav",
        &problems,
    );
}

#[test]
fn audio_quarter_volume_clip_mixes_12_db_under_the_overlapped_clip() {
    let r = audio_fixture();
    for ch in 0..usize::from(AUDIO_CHANNELS) {
        let alone = channel_slice(&r.audio, ch, 2.0 + EDGE, 2.5 - EDGE);
        let mixed = channel_slice(&r.audio, ch, 2.5 + EDGE, 3.0 - EDGE);
        let (a440, a880) = (tone_amplitude(&mixed, 440.0), tone_amplitude(&mixed, 880.0));
        let ratio = a880 / a440;
        assert!(
            (ratio - 0.25).abs() <= 0.025,
            "channel {ch}, 2.5 .. 3.0 s: expected clip d (880 Hz, volume 0.25) at 0.25 x clip \
             c's 440 Hz amplitude +-10 %, saw 880 Hz {a880:.4} / 440 Hz {a440:.4} = {ratio:.3}"
        );
        assert!(
            (a440 - 0.5).abs() <= 0.025,
            "channel {ch}, 2.5 .. 3.0 s: expected clip c's 440 Hz to keep amplitude 0.5 under \
             the overlap, saw {a440:.4}"
        );
        let want = (1.0f64 + 0.25 * 0.25).sqrt();
        let seen = rms(&mixed) / rms(&alone);
        assert!(
            (seen - want).abs() <= 0.02,
            "channel {ch}: expected RMS(2.5 .. 3.0 s) / RMS(2.0 .. 2.5 s) = {want:.4} +-0.02 \
             (a quarter-volume tone added), saw {seen:.4}"
        );
    }
}
