//! `<video>` elements: hf decodes the source itself and shows, at every
//! output frame, the source frame predicted from data-start, media start,
//! playback rate and looping (a short non-looping video holds its last
//! frame). Each check compares the decoded render with the source frame by
//! PSNR, and with the neighbouring source frames, so a frame off by one
//! fails.

mod common;

use common::frames::{self, assert_blank, region_psnr};
use common::{channel_slice, fixture, render_input, rendered_fixture, tone_amplitude, Rendered};
use hf::decode::YuvFrame;

/// A scratch composition folder: `index.html` from `html`, plus copies of
/// `media` (file name in the folder, source path).
fn scratch(html: &str, media: &[(&str, std::path::PathBuf)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    for (name, from) in media {
        std::fs::copy(from, dir.path().join(name))
            .unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
    }
    std::fs::write(dir.path().join("index.html"), html).expect("cannot write index.html");
    dir
}

/// `counter.mp4` of the video-loop-hold fixture: 30 frames, frame n shows n.
fn counter() -> (&'static str, std::path::PathBuf) {
    (
        "counter.mp4",
        fixture("video-loop-hold").join("counter.mp4"),
    )
}

/// Every frame of a source video, in order.
fn source_frames(path: &std::path::Path) -> Vec<YuvFrame> {
    let (_, frames) = hf::decode::decode_video(path, &|_| true)
        .unwrap_or_else(|e| panic!("expected {} to decode, saw: {e}", path.display()));
    frames.into_iter().map(|(_, f)| f).collect()
}

/// Output frame `k` of a 30 fps render shows source frame `want` at `at`
/// ([`frames::assert_shows`]); returns the PSNR.
fn assert_shows(
    r: &Rendered,
    what: &str,
    k: u64,
    at: (u32, u32),
    src: &[YuvFrame],
    want: usize,
) -> f64 {
    frames::assert_shows(r, what, 30.0, k, at, src, want).0
}

#[test]
fn looping_and_held_videos_show_the_predicted_source_frames() {
    let r = rendered_fixture("video-loop-hold");
    let src = source_frames(&fixture("video-loop-hold").join("counter.mp4"));
    assert_eq!(src.len(), 30, "counter.mp4 should have 30 frames");
    let mut worst = f64::INFINITY;
    // #loop: media start 0.5 s = source frame 15; frames 15..29 repeat.
    for k in [0u64, 1, 7, 14, 15, 16, 29, 30, 44, 45, 61, 100, 119] {
        let want = 15 + (k % 15) as usize;
        worst = worst.min(assert_shows(r, "#loop", k, (0, 0), &src, want));
    }
    // #hold: from 0.5 s at rate 2, so two source frames per output frame,
    // then the last frame holds until the clip ends at 3.5 s.
    for k in [15u64, 16, 20, 29, 30, 31, 45, 60, 104] {
        let want = (2 * (k - 15)).min(29) as usize;
        worst = worst.min(assert_shows(r, "#hold", k, (320, 0), &src, want));
    }
    for k in [0u64, 14, 105, 119] {
        assert_blank(r, "#hold outside 0.5..3.5 s", k, (320, 0));
    }
    eprintln!("video-loop-hold: least PSNR against the predicted source frame {worst:.2} dB");
    // Every video is muted and has no data-has-audio: nothing is mixed, so
    // the output has no audio stream.
    assert!(
        r.audio.is_empty() && r.probe.audio_duration_s.is_none(),
        "expected no audio from muted videos, saw {} samples",
        r.audio.len()
    );
    assert_eq!(
        r.report
            .compiled_html
            .matches("data-has-audio=\"false\"")
            .count(),
        3,
        "expected the compiled HTML to state data-has-audio=\"false\" on all three videos"
    );
}

#[test]
fn a_video_in_a_sub_composition_follows_its_card_and_is_cut_by_the_host() {
    let r = rendered_fixture("sub-composition-video");
    let src = source_frames(&fixture("sub-composition-video").join("media/scene.mp4"));
    assert_eq!(src.len(), 90, "scene.mp4 should have 90 frames");
    let mut worst = f64::INFINITY;
    // The card starts at 1 s and the video 0.5 s into the card: frame k
    // shows source frame k - 45 until the host ends at 3.5 s (frame 105).
    for k in [45u64, 46, 60, 75, 90, 104] {
        worst = worst.min(assert_shows(
            r,
            "#scene",
            k,
            (40, 40),
            &src,
            (k - 45) as usize,
        ));
    }
    for k in [0u64, 30, 44, 105, 119] {
        assert_blank(r, "#scene outside 1.5..3.5 s", k, (40, 40));
    }
    eprintln!("sub-composition-video: least PSNR against the predicted source frame {worst:.2} dB");

    // Sound: the video's own 660 Hz (amplitude 0.25) plays only while the
    // video shows; the parent's 220 Hz bed (0.125 at volume 0.5) throughout.
    let tone =
        |from: f64, to: f64, hz: f64| tone_amplitude(&channel_slice(&r.audio, 0, from, to), hz);
    for (from, to) in [(0.1, 1.4), (3.6, 3.95)] {
        let a = tone(from, to, 660.0);
        assert!(
            a < 0.01,
            "expected no 660 Hz video sound in {from}..{to} s, saw amplitude {a:.4}"
        );
    }
    let inside = tone(1.6, 3.4, 660.0);
    assert!(
        (inside - 0.25).abs() < 0.025,
        "expected the video's 660 Hz at amplitude 0.25 in 1.6..3.4 s, saw {inside:.4}"
    );
    for (from, to) in [(0.1, 1.4), (1.6, 3.4), (3.6, 3.95)] {
        let bed = tone(from, to, 220.0);
        assert!(
            (bed - 0.0625).abs() < 0.008,
            "expected the 220 Hz bed at amplitude 0.0625 in {from}..{to} s, saw {bed:.4}"
        );
    }
}

#[test]
fn the_card_rendered_on_its_own_shows_what_it_shows_nested() {
    let nested = rendered_fixture("sub-composition-video");
    let alone = render_input(
        "card-standalone",
        &fixture("sub-composition-video").join("compositions/card.html"),
        |_| {},
    );
    assert_eq!(
        alone.frames.len(),
        90,
        "expected the card's own 3 s at 30 fps, saw {} frames",
        alone.frames.len()
    );
    // Nested, the card starts at 1 s: its local frame k is output frame
    // k + 30. The video region must match while both show the video.
    let src = source_frames(&fixture("sub-composition-video").join("media/scene.mp4"));
    for k in [15u64, 16, 40, 74] {
        assert_shows(&alone, "#scene alone", k, (40, 40), &src, (k - 15) as usize);
        let crop = |f: &YuvFrame| {
            let mut out = YuvFrame {
                width: 320,
                height: 180,
                y: Vec::new(),
                u: Vec::new(),
                v: Vec::new(),
            };
            for row in 0..180 {
                let at = ((40 + row) * f.width + 40) as usize;
                out.y.extend_from_slice(&f.y[at..at + 320]);
            }
            for row in 0..90 {
                let at = ((20 + row) * f.chroma_width() + 20) as usize;
                out.u.extend_from_slice(&f.u[at..at + 160]);
                out.v.extend_from_slice(&f.v[at..at + 160]);
            }
            out
        };
        let p = region_psnr(alone.frame(k), (40, 40), &crop(nested.frame(k + 30)));
        assert!(
            p >= 40.0,
            "card frame {k} alone should match nested frame {} (PSNR {p:.2} dB < 40)",
            k + 30
        );
    }
    // The declared default alone, the host's value nested.
    assert!(alone.report.compiled_html.contains(">Scene A<"));
    assert!(nested.report.compiled_html.contains(">Scene B<"));
    // Without a host, the video's sound plays from 0.5 s to the card's end.
    let a = tone_amplitude(&channel_slice(&alone.audio, 0, 0.6, 2.9), 660.0);
    assert!(
        (a - 0.25).abs() < 0.025,
        "expected the card's video sound at amplitude 0.25 alone, saw {a:.4}"
    );
}

#[test]
fn a_bad_playback_rate_names_the_video() {
    let dir = scratch(
        r#"<div data-composition-id="r" data-width="320" data-height="180" data-duration="1">
<video id="fast" src="counter.mp4" data-playback-rate="9" muted></video></div>"#,
        &[counter()],
    );
    let err = hf::compile::compile(dir.path(), &Default::default()).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.exit_code(), 3, "{msg}");
    assert!(
        msg.contains("index.html")
            && msg.contains("<video id=\"fast\"")
            && msg.contains("data-playback-rate=\"9\" must lie in 0.1..=5"),
        "expected the error to name the file, the element and the range, saw: {msg}"
    );
}

#[test]
fn a_media_clip_without_a_duration_lasts_the_rest_of_its_source_even_when_looping() {
    let dir = scratch(
        r#"<div data-composition-id="d" data-width="320" data-height="180" data-duration="4" data-no-timeline>
<video id="plain" src="counter.mp4" data-start="1" data-media-start="0.5" muted></video>
<video id="looping" src="counter.mp4" loop data-start="1" data-media-start="0.5" muted></video>
<video id="slow" src="counter.mp4" data-start="1" data-playback-rate="0.5" muted></video>
<video id="long" src="counter.mp4" loop data-start="1" data-duration="2" muted></video></div>"#,
        &[counter()],
    );
    let comp = hf::compile::compile(dir.path(), &Default::default())
        .unwrap_or_else(|e| panic!("expected the composition to compile, saw: {e}"));
    let ends: Vec<(String, f64)> = comp.videos.iter().map(|v| (v.id.clone(), v.end)).collect();
    let want = [
        ("plain", 1.5),
        ("looping", 1.5),
        ("slow", 3.0),
        ("long", 3.0),
    ];
    for ((id, end), (want_id, want_end)) in ends.iter().zip(want) {
        assert_eq!(id, want_id);
        assert!(
            (end - want_end).abs() < 1e-9,
            "expected #{id} to end at {want_end} s, saw {end} s"
        );
    }
    assert!(comp.html.contains(r#"id="looping""#) && comp.html.contains(r#"data-end="1.5""#));
}

#[test]
fn a_source_that_stops_decoding_fails_the_render_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // The first 60 % of counter.mp4: the header still says 30 frames, but
    // the data runs out part-way.
    let full = std::fs::read(fixture("video-loop-hold").join("counter.mp4")).unwrap();
    std::fs::write(dir.path().join("cut.mp4"), &full[..full.len() * 6 / 10]).unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        r#"<div data-composition-id="t" data-width="320" data-height="180" data-duration="1" data-no-timeline>
<video id="cut" src="cut.mp4" muted></video></div>"#,
    )
    .unwrap();
    let output = dir.path().join("out.mp4");
    let mut opts = hf::RenderOptions::new(dir.path(), &output);
    opts.offline = true;
    let err = hf::render(&opts, &|_| {}).expect_err("a source that cannot be decoded must fail");
    let msg = err.to_string();
    assert_eq!(
        err.exit_code(),
        5,
        "expected a media error (exit 5), saw: {msg}"
    );
    assert!(
        msg.contains("cut.mp4"),
        "expected the error to name cut.mp4, saw: {msg}"
    );
    assert!(!output.exists(), "expected no output after a failed render");
}

#[test]
fn a_video_may_name_its_file_in_a_source_child() {
    let dir = scratch(
        r#"<div data-composition-id="s" data-width="320" data-height="180" data-duration="0.5" data-no-timeline>
<video id="v" muted style="position:absolute;left:0;top:0"><source src="counter.mp4" type="video/mp4"></video></div>"#,
        &[counter()],
    );
    let r = render_input("source-child", dir.path(), |_| {});
    assert!(
        !r.report.compiled_html.contains("<source"),
        "expected the <source> child removed so Chrome never loads it"
    );
    let src = source_frames(&fixture("video-loop-hold").join("counter.mp4"));
    for k in [0u64, 7, 14] {
        assert_shows(&r, "<source> video", k, (0, 0), &src, k as usize);
    }
}

#[test]
fn a_clip_deep_into_a_long_source_shows_the_same_frames_after_seeking() {
    // 6 s with B-frames and a keyframe every second, a white square moving
    // 7 px a frame so neighbouring frames differ; the clip starts 4.2 s in,
    // so hf seeks.
    let dir = tempfile::tempdir().unwrap();
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y"])
        .args(["-f", "lavfi", "-i", "color=c=0x1d3557:s=320x180:r=30:d=6"])
        .args(["-f", "lavfi", "-i", "color=c=0xf1faee:s=40x40:r=30:d=6"])
        .args([
            "-filter_complex",
            "[0][1]overlay=x='mod(n*7,280)':y=70:eval=frame,\
             scale=out_color_matrix=bt709:out_range=tv,format=yuv420p",
        ])
        .args(["-colorspace", "bt709", "-c:v", "libx264", "-crf", "12"])
        .args(["-bf", "2", "-g", "30"])
        .arg(dir.path().join("long.mp4"))
        .output()
        .expect("the ffmpeg CLI must be installed for this test");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    std::fs::write(
        dir.path().join("index.html"),
        r#"<div data-composition-id="deep" data-width="320" data-height="180" data-duration="1" data-no-timeline>
<video id="v" src="long.mp4" data-media-start="4.2" muted style="position:absolute;left:0;top:0"></video></div>"#,
    )
    .unwrap();
    let r = render_input("deep-seek", dir.path(), |_| {});
    let src = source_frames(&dir.path().join("long.mp4"));
    assert_eq!(src.len(), 180);
    for k in [0u64, 1, 10, 29] {
        assert_shows(&r, "deep clip", k, (0, 0), &src, 126 + k as usize);
    }
}

#[test]
fn data_var_src_picks_the_file_hf_decodes() {
    let dir = scratch(
        r#"<html data-composition-variables='[{"id":"clip","type":"string","default":"counter.mp4"}]'>
<body style="margin:0"><div data-composition-id="vs" data-width="320" data-height="180" data-duration="0.5" data-no-timeline>
<video id="v" src="counter.mp4" data-var-src="clip" muted style="position:absolute;left:0;top:0"></video></div></body></html>"#,
        &[
            counter(),
            (
                "scene.mp4",
                fixture("sub-composition-video").join("media/scene.mp4"),
            ),
        ],
    );
    let r = render_input("var-src", dir.path(), |opts| {
        opts.variables = Some(serde_json::json!({ "clip": "scene.mp4" }));
    });
    assert!(
        r.report
            .compiled_html
            .contains(r#"data-hf-src="scene.mp4""#)
            && !r.report.compiled_html.contains(r#" src="scene.mp4""#),
        "expected the bound file on data-hf-src only, so Chrome never loads it"
    );
    let scene = source_frames(&fixture("sub-composition-video").join("media/scene.mp4"));
    for k in [0u64, 5, 14] {
        assert_shows(&r, "data-var-src video", k, (0, 0), &scene, k as usize);
    }
}
