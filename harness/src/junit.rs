//! JUnit XML for CI systems: one test case per fixture, so a regression shows
//! up in the CI's own test view with its reasons, next to the HTML report.

use std::io;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::model::{FixtureResult, RunSummary, Verdict};

/// Writes the run as JUnit XML: suite `hf-regress`, one case per fixture
/// (classname `fixtures`), timed as render plus scoring. A failed check is a
/// `failure` (a regression to look at); an error or a missing golden is an
/// `error` (the fixture could not be judged), matching the exit codes.
/// Written through a temporary sibling and a rename, so CI never reads half
/// a file.
pub fn write_junit(path: &Path, run: &RunSummary) -> io::Result<()> {
    let xml = to_xml(run)?;
    hf::sys::write_atomic(path, xml.as_bytes())
}

fn to_xml(run: &RunSummary) -> io::Result<String> {
    let mut suite = TestSuite::new("hf-regress");
    suite.set_time(secs(run.seconds));
    suite.add_property(("started", run.started.as_str()));
    suite.add_property(("mode", if run.update { "update" } else { "check" }));
    for (k, v) in &run.environment {
        suite.add_property((k.as_str(), v.as_str()));
    }
    suite.add_test_cases(run.fixtures.iter().map(case));
    let mut report = Report::new("hf-regress");
    report.set_time(secs(run.seconds));
    report.add_test_suite(suite);
    report.to_string().map_err(io::Error::other)
}

fn case(fx: &FixtureResult) -> TestCase {
    let reasons = fx.reasons.join("; ");
    let status = match fx.verdict {
        Verdict::Pass | Verdict::Updated => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(or(reasons, "a check failed"))
                .set_type("regression")
                .set_description(failed_checks(fx).join("\n"));
            s
        }
        Verdict::Error | Verdict::MissingGolden => {
            let (ty, default) = match fx.verdict {
                Verdict::MissingGolden => ("missing_golden", "no golden: run with --update"),
                _ => ("error", "the fixture could not be run"),
            };
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(or(reasons, default)).set_type(ty);
            s
        }
    };
    let render_s = fx.render.as_ref().map_or(0.0, |r| r.seconds);
    let mut tc = TestCase::new(fx.name.as_str(), status);
    tc.set_classname("fixtures")
        .set_time(secs(render_s + fx.scoring_seconds));
    if !fx.pending.is_empty() {
        tc.set_system_out(format!("pending goldens:\n{}", fx.pending.join("\n")));
    }
    tc
}

/// One line per check that failed, with the numbers a reader needs to judge
/// how far off it was without opening the HTML report.
fn failed_checks(fx: &FixtureResult) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = fx.compiled.as_ref().filter(|c| !c.passed) {
        out.push(format!("compiled HTML differs: {}", c.errors.join("; ")));
    }
    if let Some(p) = fx.parity.as_ref().filter(|p| !p.passed) {
        let audio = p
            .audio_s
            .map_or_else(|| "none".into(), |a| format!("{a:.3} s"));
        out.push(format!(
            "stream parity: video {:.3} s, audio {audio}",
            p.video_s
        ));
    }
    if let Some(v) = fx.visual.as_ref().filter(|v| !v.passed) {
        let below: Vec<String> = v
            .checkpoints
            .iter()
            .filter(|c| !c.passed)
            .map(|c| format!("{:.2}s={:.2}dB", c.time_s, c.psnr))
            .collect();
        out.push(format!(
            "visual: {}/{} checkpoints below {} dB (max {} allowed), min {:.2} dB: {}",
            v.failed,
            v.checkpoints.len(),
            v.threshold_db,
            v.max_failures,
            v.min_psnr,
            below.join(", ")
        ));
    }
    if let Some(a) = fx.audio.as_ref().filter(|a| !a.passed) {
        let mut line = format!(
            "audio: correlation {:.4} (min {}), lag {} windows (max {})",
            a.correlation, a.threshold, a.lag_windows, a.max_lag_windows
        );
        if let (Some(r), Some(t)) = (a.residual_rms_db, a.residual_threshold_db) {
            line.push_str(&format!(", residual {r:.1} dBFS (max {t} dBFS)"));
        }
        out.push(line);
    }
    out
}

fn or(s: String, default: &str) -> String {
    if s.is_empty() {
        default.to_string()
    } else {
        s
    }
}

/// Seconds from the model as a Duration; negative or NaN become zero rather
/// than a panic.
fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn fx(name: &str, verdict: Verdict, reasons: &[&str]) -> FixtureResult {
        FixtureResult {
            verdict,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            scoring_seconds: 1.25,
            ..FixtureResult::new(name, String::new(), Vec::new())
        }
    }

    fn sample() -> RunSummary {
        RunSummary {
            started: "2025-01-01T00:00:00Z".into(),
            seconds: 3.0,
            jobs: 1,
            update: false,
            fixtures: vec![
                fx("ok", Verdict::Pass, &[]),
                fx("new", Verdict::Updated, &[]),
                fx("worse <&>", Verdict::Fail, &["psnr low", "audio late"]),
                fx("broken", Verdict::Error, &["render failed"]),
                fx("fresh", Verdict::MissingGolden, &[]),
            ],
            environment: vec![("ffmpeg".into(), "7.1".into())],
        }
    }

    #[test]
    fn one_case_per_fixture_with_failures_and_errors() {
        let xml = to_xml(&sample()).expect("xml");
        assert_eq!(xml.matches("<testcase ").count(), 5);
        assert_eq!(xml.matches("<failure").count(), 1);
        assert_eq!(xml.matches("<error").count(), 2);
        assert!(xml.contains(r#"message="psnr low; audio late""#));
        assert!(xml.contains("worse &lt;&amp;&gt;"));

        let parsed = Report::deserialize_from_str(&xml).expect("parses back");
        let suite = &parsed.test_suites[0];
        assert_eq!(suite.name.as_str(), "hf-regress");
        assert_eq!((suite.tests, suite.failures, suite.errors), (5, 1, 2));
        let case = &suite.test_cases[2];
        assert_eq!(
            case.classname.as_ref().map(|c| c.as_str()),
            Some("fixtures")
        );
        assert_eq!(case.time, Some(Duration::from_millis(1250)));
    }

    #[test]
    fn written_atomically_without_leftovers() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("junit.xml");
        write_junit(&path, &sample()).expect("first");
        write_junit(&path, &sample()).expect("overwrite");
        let names: Vec<_> = fs::read_dir(tmp.path()).expect("ls").flatten().collect();
        assert_eq!(names.len(), 1);
        assert!(fs::read_to_string(&path)
            .expect("read")
            .starts_with("<?xml"));
    }
}
