//! Command-line tests of the built `hf-regress` binary, each in a fresh
//! temporary repository root.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary repository root with fixtures.
struct Root {
    dir: tempfile::TempDir,
}

impl Root {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fixtures")).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Add a fixture with a valid meta.json and `tags`.
    fn fixture(&self, name: &str, tags: &[&str]) -> PathBuf {
        let meta = serde_json::json!({
            "name": name,
            "description": format!("{name} test"),
            "tags": tags,
            "minPsnr": 30,
            "maxFrameFailures": 0,
            "minAudioCorrelation": 0.9,
            "maxAudioLagWindows": 4,
            "renderConfig": { "fps": 30 }
        });
        self.fixture_with_meta(name, &meta.to_string())
    }

    /// Add a fixture with this exact meta.json text.
    fn fixture_with_meta(&self, name: &str, meta: &str) -> PathBuf {
        let dir = self.path().join("fixtures").join(name);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("src/index.html"),
            r#"<div id="root" data-composition-id="main" data-width="64" data-height="48" data-duration="1"></div>"#,
        )
        .unwrap();
        std::fs::write(dir.join("meta.json"), meta).unwrap();
        dir
    }

    /// Record a render time in the fixture's golden.json (for --shard).
    fn render_seconds(&self, name: &str, secs: f64) {
        let dir = self.path().join("golden").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let prov = serde_json::json!({
            "hf_version": "0.1.0", "git_commit": "x", "chromium": "c", "ffmpeg": "f",
            "fonts": "h", "fps": "30", "frames": 30, "duration_s": 1.0,
            "date": "2025-01-01T00:00:00Z", "render_seconds": secs
        });
        std::fs::write(dir.join("golden.json"), prov.to_string()).unwrap();
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_hf-regress"));
        c.arg("--root").arg(self.path()).args(args).env_remove("CI");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn lines(o: &Output) -> Vec<String> {
    stdout(o).lines().map(str::to_owned).collect()
}

#[test]
fn list_applies_names_tag_filters_and_shards() {
    let root = Root::new();
    root.fixture("alpha", &["text"]);
    root.fixture("beta", &["slow", "audio"]);
    root.fixture("gamma", &["audio"]);
    root.fixture("delta", &[]);

    let all = root.run(&["--list"]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    assert_eq!(lines(&all), ["alpha", "beta", "delta", "gamma"]);

    let o = root.run(&["--list", "--exclude-tags", "slow,text"]);
    assert_eq!(lines(&o), ["delta", "gamma"]);
    let o = root.run(&[
        "--list",
        "--exclude-tags",
        "slow",
        "--exclude-tags",
        "audio",
    ]);
    assert_eq!(lines(&o), ["alpha", "delta"]);
    let o = root.run(&["--list", "gamma", "alpha"]);
    assert_eq!(lines(&o), ["alpha", "gamma"]);

    // beta is known to be slow: it gets a shard of its own.
    root.render_seconds("beta", 500.0);
    root.render_seconds("alpha", 10.0);
    let one = lines(&root.run(&["--list", "--shard", "1/2"]));
    let two = lines(&root.run(&["--list", "--shard", "2/2"]));
    assert_eq!(one, ["beta"]);
    assert_eq!(two, ["alpha", "delta", "gamma"]);
    // Shards apply after the other filters.
    // alpha 10 s, delta and gamma 60 s (never rendered): delta, then
    // gamma on the lighter shard, then alpha back on the first.
    let o = root.run(&["--list", "--exclude-tags", "slow", "--shard", "1/2"]);
    assert_eq!(lines(&o), ["alpha", "delta"]);
    let o = root.run(&["--list", "--exclude-tags", "slow", "--shard", "2/2"]);
    assert_eq!(lines(&o), ["gamma"]);
    assert_eq!(
        root.run(&["--list", "--shard", "3/2"]).status.code(),
        Some(2)
    );
}

#[test]
fn invalid_meta_exits_2_naming_file_and_field() {
    let root = Root::new();
    root.fixture("fine", &[]);
    let meta = r#"{"name": "broken", "description": "", "tags": [], "minPsnr": -5,
        "maxFrameFailures": 0, "minAudioCorrelation": 0.9, "maxAudioLagWindows": 4,
        "renderConfig": {"fps": 30, "format": "avi"}}"#;
    root.fixture_with_meta("broken", meta);

    let o = root.run(&["broken"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("fixtures/broken/meta.json"), "{err}");
    assert!(
        err.contains("`minPsnr`") && err.contains("`renderConfig.format`"),
        "{err}"
    );
    assert!(err.contains("broken  ERROR"), "{err}");
    // The run still wrote its results for the report.
    let reports = root.path().join("reports");
    assert!(reports.join("latest/index.html").is_file());
    assert!(reports.join("latest/run.json").is_file());

    // --list shows it, with the problem on stderr: never silently dropped.
    let o = root.run(&["--list"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(lines(&o), ["broken", "fine"]);
    assert!(stderr(&o).contains("invalid fixture: "));
    assert!(stderr(&o).contains("fixtures/broken/meta.json"));
}

#[test]
fn json_events_one_object_per_line() {
    let root = Root::new();
    root.fixture_with_meta("broken", "{ not json");
    let o = root.run(&[
        "--json",
        "--report",
        root.path().join("out").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let events: Vec<serde_json::Value> = lines(&o)
        .iter()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["run_start", "fixture_start", "fixture_done", "summary"]
    );
    assert_eq!(events[2]["verdict"], "error");
    assert!(events[2]["reasons"][0]
        .as_str()
        .unwrap()
        .contains("invalid JSON"));
    assert_eq!(events[3]["exit_code"], 2);
    assert!(events[3]["report"].as_str().unwrap().contains("out"));
}

#[test]
fn bad_flags_unknown_fixtures_and_ci_updates_exit_2() {
    let root = Root::new();
    root.fixture("alpha", &[]);

    let o = root.run(&["--mode", "sideways"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--mode"), "{}", stderr(&o));

    let o = root.run(&["nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown fixture \"nope\""),
        "{}",
        stderr(&o)
    );

    let o = root.cmd(&["--update"]).env("CI", "true").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("CI"), "{}", stderr(&o));

    let o = root.run(&["--sequential", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn help_documents_the_exit_codes() {
    let o = Root::new().run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = stdout(&o);
    for needle in [
        "Exit codes:",
        "0  every fixture passed",
        "1  a regression",
        "2  the harness",
        "3  a golden is missing",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn review_accept_reject_with_nothing_pending() {
    let root = Root::new();
    root.fixture("alpha", &[]);
    let o = root.run(&["review"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("no pending goldens"));
    let o = root.run(&["accept", "alpha"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("alpha: no pending golden"),
        "{}",
        stderr(&o)
    );
    let o = root.run(&["reject"]);
    assert_eq!(o.status.code(), Some(0));
    // Run options make no sense with a subcommand: refused, not ignored.
    let o = root.run(&["--update", "accept"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_closed_stdout_exits_0_quietly() {
    let root = Root::new();
    let template =
        std::fs::read_to_string(root.fixture("template", &[]).join("meta.json")).unwrap();
    // Enough names to overflow a pipe buffer (64 KiB).
    for i in 0..1500 {
        let name = format!("fixture-with-a-rather-long-name-number-{i:05}");
        let dir = root.path().join("fixtures").join(&name);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/index.html"), "<div></div>").unwrap();
        std::fs::write(dir.join("meta.json"), template.replace("template", &name)).unwrap();
    }
    let mut child = root
        .cmd(&["--list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// A 64x48 still of `colour`, 0.5 s (meta.json renders it at 30 fps):
/// renders in about a second, so the whole golden lifecycle can run for
/// real.
fn still(root: &Root, colour: &str) {
    let html = format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><style>
html, body {{ margin: 0; background: #000; overflow: hidden; }}
#root {{ position: relative; width: 64px; height: 48px; background: {colour}; }}
</style></head><body>
<div id="root" data-composition-id="still" data-width="64" data-height="48"
     data-duration="0.5" data-start="0" data-fps="10" data-no-timeline></div>
</body></html>"#
    );
    let dir = root.fixture("still", &["tiny"]);
    std::fs::write(dir.join("src/index.html"), html).unwrap();
}

#[test]
fn golden_lifecycle_missing_update_accept_pass_fail() {
    let root = Root::new();
    still(&root, "#3366cc");
    let golden = root.path().join("golden/still");

    // No golden yet: the render runs, the verdict says what to do, exit 3.
    let o = root.run(&["still"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("still  MISSING GOLDEN"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("run hf-regress --update still"));

    // --update writes pending files only.
    let o = root.run(&["--update", "still"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for f in ["output.mp4", "compiled.html", "golden.json"] {
        assert!(golden.join(format!("{f}.pending")).is_file(), "{f}.pending");
        assert!(
            !golden.join(f).exists(),
            "{f} must not be written by --update"
        );
    }
    let o = root.run(&["review"]);
    let text = stdout(&o);
    assert!(
        text.contains("still  pending from") && text.contains("15 frames at 30 fps"),
        "{text}"
    );
    assert!(text.contains("report of the last --update run:"), "{text}");

    let o = root.run(&["accept", "still"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(golden.join("output.mp4").is_file() && !golden.join("output.mp4.pending").exists());
    let prov: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden.join("golden.json")).unwrap())
            .unwrap();
    assert_eq!(prov["frames"], 15);
    assert!(
        prov["chromium"].as_str().unwrap().contains("Chrome"),
        "{prov}"
    );
    assert!(prov["render_seconds"].as_f64().unwrap() > 0.0);

    // Same composition: pass, exit 0, with a report and a JUnit file.
    let junit = root.path().join("junit.xml");
    let o = root.run(&["--junit", junit.to_str().unwrap(), "--keep-temp"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("still  PASS  100/100 ≥ 30 dB"), "{err}");
    assert!(root.path().join("reports/latest/index.html").is_file());
    assert!(std::fs::read_to_string(&junit).unwrap().contains("still"));
    let kept = err
        .lines()
        .find_map(|l| l.strip_prefix("still: temp files kept in "))
        .expect("--keep-temp prints the temp dir");
    assert!(Path::new(kept).join("output.mp4").is_file());
    assert!(Path::new(kept).join("compiled.html").is_file());
    std::fs::remove_dir_all(kept).unwrap();

    // Another colour: a regression, exit 1, the reason on stderr and in JSON.
    still(&root, "#cc6633");
    let o = root.run(&["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("still  FAIL  0/100 ≥ 30 dB"),
        "{}",
        stderr(&o)
    );
    let done: serde_json::Value = lines(&o)
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "fixture_done")
        .unwrap();
    assert_eq!(done["verdict"], "fail");
    assert!(done["reasons"][0]
        .as_str()
        .unwrap()
        .starts_with("visual: 100 of 100 checkpoints"));
    let visual = lines(&o)
        .iter()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["event"] == "visual_done")
        .unwrap();
    assert_eq!(visual["checkpoints"].as_array().unwrap().len(), 100);
    assert!(visual["min_psnr"].as_f64().unwrap() < 30.0);

    // --update over an old golden records old-vs-new figures for review;
    // reject leaves the accepted golden as it was.
    let before = std::fs::read(golden.join("output.mp4")).unwrap();
    assert_eq!(root.run(&["--update"]).status.code(), Some(0));
    let text = stdout(&root.run(&["review"]));
    assert!(
        text.contains("new vs old: min") && text.contains("100 checkpoints below minPsnr"),
        "{text}"
    );
    assert_eq!(root.run(&["reject", "still"]).status.code(), Some(0));
    assert_eq!(std::fs::read(golden.join("output.mp4")).unwrap(), before);
    assert!(!golden.join("output.mp4.pending").exists());
}

#[test]
fn distributed_simulated_mode_scores_a_chunked_render_against_the_same_golden() {
    let root = Root::new();
    still(&root, "#3366cc");
    assert_eq!(root.run(&["--update", "still"]).status.code(), Some(0));
    assert_eq!(root.run(&["accept", "still"]).status.code(), Some(0));
    let o = root.run(&[
        "--mode",
        "distributed-simulated",
        "--chunks",
        "3",
        "--keep-temp",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("still  PASS  100/100"), "{err}");
    let kept = err
        .lines()
        .find_map(|l| l.strip_prefix("still: temp files kept in "))
        .expect("--keep-temp prints the temp dir");
    let chunks = Path::new(kept).join("plan/chunks");
    let sidecars = std::fs::read_dir(&chunks)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .count();
    assert_eq!(sidecars, 3, "three chunks rendered in {}", chunks.display());
    std::fs::remove_dir_all(kept).unwrap();
    still(&root, "#cc6633");
    let o = root.run(&["--mode", "distributed-simulated"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = root.run(&["--mode", "distributed-simulated", "--update"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("in-process renders only"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_broken_fixture_does_not_stop_the_others_and_error_outranks_missing() {
    let root = Root::new();
    still(&root, "#3366cc");
    root.fixture_with_meta("broken", r#"{"name": "broken"}"#);
    let o = root.run(&["--jobs", "2"]);
    let err = stderr(&o);
    // Error (2) outranks a missing golden (3) in the exit code.
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("broken  ERROR"), "{err}");
    assert!(err.contains("still  MISSING GOLDEN"), "{err}");
    assert!(err.contains("2 fixtures in"), "{err}");
}
