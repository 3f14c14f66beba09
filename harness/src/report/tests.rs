//! End-to-end checks of the report writer on a small synthetic run.

use image::{Rgb, RgbImage};

use super::*;
use crate::model::{Checkpoint, FailedFrame, FixtureResult, Verdict, VisualResult};

fn fixture(name: &str, verdict: Verdict) -> FixtureResult {
    FixtureResult {
        verdict,
        scoring_seconds: 0.5,
        ..FixtureResult::new(name, "a <b>bold</b> claim".into(), vec!["text".into()])
    }
}

fn run(fixtures: Vec<FixtureResult>) -> RunSummary {
    RunSummary {
        started: "2025-01-01T00:00:00Z".into(),
        seconds: 12.5,
        jobs: 2,
        update: false,
        fixtures,
        environment: vec![("chromium".into(), "131 & <co>".into())],
    }
}

fn failing_visual(expected: RgbImage, actual: RgbImage) -> VisualResult {
    let checkpoints = (0..100)
        .map(|i| Checkpoint {
            index: i,
            time_s: i as f64 / 10.0,
            frame: i as u64 * 3,
            psnr: if i == 7 { 18.5 } else { f64::INFINITY },
            ssim: (i == 7).then_some(0.91),
            passed: i != 7,
        })
        .collect();
    VisualResult {
        threshold_db: 30.0,
        max_failures: 0,
        checkpoints,
        failed: 1,
        min_psnr: 18.5,
        median_psnr: f64::INFINITY,
        passed: false,
        failed_frames: vec![FailedFrame {
            checkpoint: 7,
            expected,
            actual,
        }],
    }
}

#[test]
fn names_and_text_are_escaped() {
    let run = run(vec![fixture("<script>alert(1)</script>", Verdict::Fail)]);
    let slugs = slugs(&run);
    let html = render(&view::page(&run, &slugs, &[])).expect("renders");
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(html.contains("a &lt;b&gt;bold&lt;&#x2f;b&gt; claim"));
    assert!(html.contains("131 &amp; &lt;co&gt;"));
    assert!(html.contains(r##"href="#fx-_script_alert_1___script_""##));
}

#[test]
fn slugs_are_safe_and_unique() {
    let run = run(vec![
        fixture("a/b", Verdict::Pass),
        fixture("a_b", Verdict::Pass),
        fixture("..", Verdict::Pass),
        fixture("index.html", Verdict::Pass),
    ]);
    assert_eq!(slugs(&run), ["a_b", "a_b-2", "fixture..", "index.html-2"]);
}

#[test]
fn report_folder_holds_the_page_and_the_triptych() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let expected = RgbImage::from_fn(960, 540, |x, y| Rgb([(x / 4) as u8, (y / 3) as u8, 128]));
    let mut actual = expected.clone();
    for y in 100..140 {
        for x in 200..240 {
            actual.put_pixel(x, y, Rgb([255, 255, 255]));
        }
    }
    let mut bad = fixture("gsap-letters", Verdict::Fail);
    bad.visual = Some(failing_visual(expected.clone(), actual));
    let mut odd = fixture("odd-size", Verdict::Fail);
    odd.visual = Some(failing_visual(expected, RgbImage::new(10, 10)));
    let run = run(vec![bad, odd, fixture("many-cuts", Verdict::Pass)]);

    let index = write_report(tmp.path(), &run).expect("writes");
    assert_eq!(index, tmp.path().join("index.html"));
    let html = fs::read_to_string(&index).expect("index");
    for kind in ["expected", "actual", "diff"] {
        let rel = format!("gsap-letters/cp07-{kind}.png");
        assert!(html.contains(&format!("src=\"{}\"", rel.replace('/', "&#x2f;"))));
        let img = image::open(tmp.path().join(&rel)).expect("png").to_rgb8();
        assert_eq!(img.dimensions(), (480, 270));
    }
    assert!(!tmp.path().join("odd-size/cp07-diff.png").exists());
    assert!(html.contains("sizes differ (expected 960×540, actual 10×10)"));
    assert!(!tmp.path().join("many-cuts").exists());
    assert!(html.contains("1600 of 518400 px differ"));
}

#[cfg(unix)]
#[test]
fn latest_link_is_relative_and_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("reports");
    for stamp in ["one", "two"] {
        let dir = root.join(stamp);
        fs::create_dir_all(&dir).expect("mkdir");
        update_latest(&root, &dir).expect("link");
        assert_eq!(
            fs::read_link(root.join("latest")).expect("link"),
            Path::new(stamp)
        );
    }
    let elsewhere = tmp.path().join("other/run");
    fs::create_dir_all(&elsewhere).expect("mkdir");
    update_latest(&root, &elsewhere).expect("link");
    assert_eq!(
        fs::read_link(root.join("latest")).expect("link"),
        Path::new("../other/run")
    );
    assert!(root.join("latest").is_dir());
    assert_eq!(fs::read_dir(&root).expect("ls").count(), 3);
}

#[test]
fn drift_every_fixture_shares_is_said_once_above_the_table() {
    let chromium =
        "Chromium: golden HeadlessChrome/156.0.8078.108, now HeadlessChrome/156.0.8078.114";
    let mut fixtures: Vec<FixtureResult> = ["a", "b", "c"]
        .iter()
        .map(|n| {
            let mut f = fixture(n, Verdict::Pass);
            f.provenance_drift = vec![chromium.into()];
            f
        })
        .collect();
    fixtures[2]
        .provenance_drift
        .push("fonts: golden 1234abcd, now 5678ef01".into());
    let run = run(fixtures);
    let slugs = slugs(&run);
    let html = render(&view::page(&run, &slugs, &[])).expect("renders");
    let seen = html.matches("156.0.8078.108").count();
    assert_eq!(
        seen, 1,
        "expected the shared Chromium drift once, saw it {seen} times"
    );
    assert!(html.contains("Provenance drift shared by every drifted fixture"));
    assert_eq!(
        html.matches("fonts: golden 1234abcd").count(),
        2,
        "row and card keep c's own drift"
    );
}

#[test]
fn a_single_drifted_fixture_keeps_its_drift_in_its_row() {
    let mut drifted = fixture("a", Verdict::Pass);
    drifted.provenance_drift = vec!["FFmpeg: golden 5.1, now 6.0".into()];
    let run = run(vec![drifted, fixture("b", Verdict::Pass)]);
    let slugs = slugs(&run);
    let html = render(&view::page(&run, &slugs, &[])).expect("renders");
    assert!(!html.contains("shared by every drifted fixture"));
    assert_eq!(html.matches("FFmpeg: golden 5.1, now 6.0").count(), 2);
}
