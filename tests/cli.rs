//! The `hf` command line: exit codes, error messages and clean-up for bad
//! inputs, and one successful render with `--perf-json`.
//!
//! Every run gets a sandbox: its own output folder and its own `TMPDIR`
//! (where hf puts Chrome's profile). Chrome processes are told apart from
//! those of concurrent tests by that `TMPDIR`, which they inherit in their
//! environment and name in `--user-data-dir`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `hf` binary cargo built for these tests.
const HF: &str = env!("CARGO_BIN_EXE_hf");

/// Exit code for bad arguments or input paths (`hf --help`).
const EXIT_USAGE: i32 = 2;
/// Exit code for an invalid composition (`hf --help`).
const EXIT_COMPOSITION: i32 = 3;

/// A private output folder and `TMPDIR` for one `hf` run.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("hf-cli-test-")
            .tempdir()
            .expect("cannot create a sandbox folder");
        std::fs::create_dir(root.path().join("tmp")).expect("cannot create the sandbox TMPDIR");
        std::fs::create_dir(root.path().join("out"))
            .expect("cannot create the sandbox output folder");
        Self { root }
    }

    /// `TMPDIR` for the hf child.
    fn tmp(&self) -> PathBuf {
        self.root.path().join("tmp")
    }

    /// The folder outputs go to.
    fn out(&self) -> PathBuf {
        self.root.path().join("out")
    }

    /// `hf` with `args`, its `TMPDIR` in the sandbox.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(HF);
        cmd.args(args)
            .env("TMPDIR", self.tmp())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Run `hf` with `args` to completion.
    fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("expected to start {HF}, saw: {e}"))
    }

    /// Live (not zombie) processes started under this sandbox.
    fn processes(&self) -> Vec<Proc> {
        processes_under(&self.tmp())
    }

    /// Assert that no process started under this sandbox is still alive,
    /// allowing two seconds for processes killed with SIGKILL to go.
    fn assert_no_processes_left(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut left = self.processes();
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
            left = self.processes();
        }
        assert!(
            left.is_empty(),
            "{what}: expected no Chrome (or other) process left from this run, saw {left:#?}"
        );
    }

    /// Names of the entries of `dir`.
    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("expected to list {}, saw: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// Assert that a failed run left nothing: no output, no partial file,
    /// no Chrome profile, no process.
    fn assert_clean_after_failure(&self, what: &str, output: &Path) {
        assert!(
            !output.exists(),
            "{what}: expected no output at {} after a failure, but it exists",
            output.display()
        );
        let out = Self::entries(&self.out());
        assert!(
            out.is_empty(),
            "{what}: expected an empty output folder (no .partial file), saw {out:?}"
        );
        let tmp = Self::entries(&self.tmp());
        assert!(
            tmp.is_empty(),
            "{what}: expected an empty TMPDIR (no Chrome profile left), saw {tmp:?}"
        );
        self.assert_no_processes_left(what);
    }
}

/// A process found in `/proc`.
#[derive(Debug)]
#[allow(dead_code)] // read through Debug in assertion messages
struct Proc {
    pid: u32,
    comm: String,
    state: char,
    cmdline: String,
}

/// Live processes whose environment has `TMPDIR=<tmp>` or whose command
/// line mentions `tmp` (Chrome's `--user-data-dir`). Processes that exit
/// while being read are skipped.
fn processes_under(tmp: &Path) -> Vec<Proc> {
    let tmp = tmp.to_string_lossy().into_owned();
    let env_entry = format!("TMPDIR={tmp}");
    let me = std::process::id();
    let mut found = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let base = entry.path();
        let Ok(stat) = std::fs::read_to_string(base.join("stat")) else {
            continue;
        };
        // "pid (comm) S ...": comm may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_owned();
        let state = stat[close + 1..].trim_start().chars().next().unwrap_or('?');
        if state == 'Z' || state == 'X' {
            continue;
        }
        let cmdline = std::fs::read(base.join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let in_env = std::fs::read(base.join("environ"))
            .map(|b| b.split(|&c| c == 0).any(|kv| kv == env_entry.as_bytes()))
            .unwrap_or(false);
        if in_env || cmdline.contains(&tmp) {
            found.push(Proc {
                pid,
                comm,
                state,
                cmdline: cmdline.chars().take(200).collect(),
            });
        }
    }
    found
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Assert the error output has no panic in it.
fn assert_no_panic(what: &str, err: &str) {
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{what}: expected an error message, not a panic; stderr was:\n{err}"
    );
}

/// Whole words of `text`: runs of letters, digits, '.', '-' and '_'.
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .filter(|w| !w.is_empty())
        .collect()
}

// ---- invalid compositions ---------------------------------------------

/// Render bad composition `name` and check exit code 3, a one-paragraph
/// error naming its index.html and every word of `problem`, and a clean
/// sandbox afterwards.
fn check_bad_composition(name: &str, problem: &[&str]) {
    let sb = Sandbox::new();
    let input = common::composition(name);
    let output = sb.out().join("bad.mp4");
    let out = sb.run(&[
        "render",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--offline",
    ]);
    let err = stderr(&out);
    let what = format!("hf render {name}");
    assert_no_panic(&what, &err);
    assert_eq!(
        code(&out),
        Some(EXIT_COMPOSITION),
        "{what}: expected exit code {EXIT_COMPOSITION} (invalid composition), saw {:?}; stderr:\n{err}",
        code(&out)
    );

    let text = err.trim();
    assert!(
        text.starts_with("error: ") && text.matches("error:").count() == 1,
        "{what}: expected one message starting with \"error: \", saw:\n{text}"
    );
    assert!(
        !text.contains("\n\n"),
        "{what}: expected the error to be one paragraph (no blank line), saw:\n{text}"
    );
    let index = input.join("index.html");
    let canonical = index
        .canonicalize()
        .expect("the composition's index.html exists");
    assert!(
        text.contains(&*index.to_string_lossy()) || text.contains(&*canonical.to_string_lossy()),
        "{what}: expected the error to name {}, saw:\n{text}",
        canonical.display()
    );
    let seen = words(text);
    for word in problem {
        assert!(
            seen.contains(word),
            "{what}: expected the error to mention {word:?}, saw:\n{text}"
        );
    }
    sb.assert_clean_after_failure(&what, &output);
}

#[test]
fn bad_no_root_names_data_composition_id() {
    check_bad_composition("bad-no-root", &["data-composition-id"]);
}

#[test]
fn bad_no_duration_names_data_duration() {
    check_bad_composition("bad-no-duration", &["data-duration"]);
}

#[test]
fn bad_negative_duration_names_minus_2() {
    check_bad_composition("bad-negative-duration", &["data-duration", "-2"]);
}

#[test]
fn bad_zero_duration_names_0() {
    check_bad_composition("bad-zero-duration", &["data-duration", "0"]);
}

#[test]
fn bad_nonnumeric_duration_names_abc() {
    check_bad_composition("bad-nonnumeric-duration", &["data-duration", "abc"]);
}

#[test]
fn bad_unknown_clip_names_x_and_nosuch() {
    check_bad_composition("bad-unknown-clip", &["x", "nosuch"]);
}

#[test]
fn bad_cycle_names_the_cycle_through_a_and_b() {
    check_bad_composition("bad-cycle", &["cycle", "a", "b"]);
}

// ---- bad arguments ----------------------------------------------------

/// Run `hf render <args>` expecting exit code 2 with an error that
/// mentions every string in `mentions`, and nothing left behind.
fn check_usage_error(what: &str, args: &[&str], output: &Path, mentions: &[&str]) {
    let sb_args: Vec<&str> = std::iter::once("render")
        .chain(args.iter().copied())
        .collect();
    let sb = Sandbox::new();
    let out = sb.run(&sb_args);
    let err = stderr(&out);
    assert_no_panic(what, &err);
    assert_eq!(
        code(&out),
        Some(EXIT_USAGE),
        "{what}: expected exit code {EXIT_USAGE}, saw {:?}; stderr:\n{err}",
        code(&out)
    );
    assert!(
        err.trim_start().starts_with("error:"),
        "{what}: expected stderr to start with \"error:\", saw:\n{err}"
    );
    for m in mentions {
        assert!(
            err.contains(m),
            "{what}: expected the error to mention {m:?}, saw:\n{err}"
        );
    }
    assert!(
        !output.exists(),
        "{what}: expected no output at {} after a failure, but it exists",
        output.display()
    );
    sb.assert_no_processes_left(what);
}

fn set_colour() -> String {
    common::composition("set-colour")
        .to_string_lossy()
        .into_owned()
}

/// An output path in a private folder (bad-argument runs never write it).
fn scratch_output(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("cannot create a temp folder");
    let path = dir.path().join(name);
    (dir, path)
}

#[test]
fn missing_input_folder_exits_2_naming_the_path() {
    let (dir, output) = scratch_output("out.mp4");
    let missing = dir.path().join("no-such-composition");
    let missing_s = missing.to_string_lossy().into_owned();
    check_usage_error(
        "hf render <missing folder>",
        &[&missing_s, "-o", output.to_str().unwrap()],
        &output,
        &[&missing_s],
    );
}

#[test]
fn variables_that_are_not_an_object_exit_2() {
    let (_dir, output) = scratch_output("out.mp4");
    check_usage_error(
        "hf render --variables '[1]'",
        &[
            &set_colour(),
            "-o",
            output.to_str().unwrap(),
            "--variables",
            "[1]",
        ],
        &output,
        &["--variables"],
    );
}

#[test]
fn decimal_fps_is_refused_with_exit_2() {
    let (_dir, output) = scratch_output("out.mp4");
    check_usage_error(
        "hf render --fps 29.97",
        &[
            &set_colour(),
            "-o",
            output.to_str().unwrap(),
            "--fps",
            "29.97",
        ],
        &output,
        &["--fps", "29.97"],
    );
}

/// Run `hf render set-colour -o <output> <args>` and return (exit code,
/// stderr), checking it did not panic and left no Chrome behind.
fn bad_render(what: &str, output: &Path, args: &[&str]) -> (Option<i32>, String) {
    let sb = Sandbox::new();
    let output_s = output.to_string_lossy().into_owned();
    let mut full = vec!["render", "-o", &output_s];
    let comp = set_colour();
    full.insert(1, &comp);
    full.extend_from_slice(args);
    let out = sb.run(&full);
    let err = stderr(&out);
    assert_no_panic(what, &err);
    sb.assert_no_processes_left(what);
    eprintln!("{what}: exit {:?}: {}", code(&out), err.trim());
    (code(&out), err)
}

#[test]
fn bad_output_settings_exit_2_naming_the_flag() {
    let cases: [(&str, &str, &[&str], &[&str]); 7] = [
        ("unknown extension", "out.avi", &[], &["--output", ".avi"]),
        (
            "--format disagrees",
            "out.mp4",
            &["--format", "webm"],
            &["--format webm", "mp4"],
        ),
        (
            "--crf with --video-bitrate",
            "out.mp4",
            &["--crf", "20", "--video-bitrate", "5M"],
            &["--crf", "--video-bitrate"],
        ),
        (
            "--codec with gif",
            "out.gif",
            &["--codec", "h265"],
            &["--codec h265", "gif"],
        ),
        (
            "--preset with webm",
            "out.webm",
            &["--preset", "slow"],
            &["--preset slow", "webm"],
        ),
        (
            "--frames reversed",
            "out.mp4",
            &["--frames", "20-10"],
            &["--frames 20-10", "reversed"],
        ),
        (
            "--frames outside",
            "out.mp4",
            &["--frames", "50-60"],
            &["--frames 50-60", "60 frames", "0-59"],
        ),
    ];
    for (what, name, args, mentions) in cases {
        let (dir, output) = scratch_output(name);
        let (code, err) = bad_render(what, &output, args);
        assert_eq!(code, Some(EXIT_USAGE), "{what}: stderr:\n{err}");
        assert!(err.trim_start().starts_with("error:"), "{what}: {err}");
        for m in mentions {
            assert!(err.contains(m), "{what}: expected {m:?} in:\n{err}");
        }
        let left = Sandbox::entries(dir.path());
        assert!(
            left.is_empty(),
            "{what}: expected nothing written, saw {left:?}"
        );
    }
}

#[test]
fn png_sequence_onto_an_existing_file_exits_2() {
    let (_dir, output) = scratch_output("frames");
    std::fs::write(&output, b"not a folder").expect("write the file");
    let (code, err) = bad_render(
        "png-sequence onto a file",
        &output,
        &["--format", "png-sequence"],
    );
    assert_eq!(code, Some(EXIT_USAGE), "{err}");
    assert!(
        err.contains("--output") && err.contains("existing file"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&output).expect("still there"),
        b"not a folder"
    );
}

// ---- success ----------------------------------------------------------

#[test]
fn render_set_colour_writes_mp4_and_perf_json() {
    let sb = Sandbox::new();
    let output = sb.out().join("out.mp4");
    let perf = sb.out().join("perf.json");
    let mut child = sb
        .command(&[
            "render",
            &set_colour(),
            "-o",
            output.to_str().unwrap(),
            "--perf-json",
            perf.to_str().unwrap(),
            "--offline",
        ])
        .spawn()
        .unwrap_or_else(|e| panic!("expected to start {HF}, saw: {e}"));
    // Drain stderr on a thread so hf never blocks on a full pipe, and watch
    // for this run's Chrome meanwhile: seeing it proves the process scan
    // that the failure tests rely on finds Chrome at all.
    let mut pipe = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut pipe, &mut s).ok();
        s
    });
    let mut chrome_seen = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("cannot wait for hf") {
            break status;
        }
        let chromes = sb
            .processes()
            .iter()
            .filter(|p| p.comm.starts_with("chromium"))
            .count();
        chrome_seen = chrome_seen.max(chromes);
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = reader.join().expect("stderr reader thread");
    assert_no_panic("hf render set-colour", &err);
    assert_eq!(
        status.code(),
        Some(0),
        "expected hf render set-colour to exit 0, saw {:?}; stderr:\n{err}",
        status.code()
    );
    assert!(
        chrome_seen > 0,
        "expected to see this run's Chrome processes in /proc while it rendered, saw none \
         (the process scan is broken, so the no-Chrome-left checks prove nothing)"
    );
    sb.assert_no_processes_left("hf render set-colour");
    let tmp = Sandbox::entries(&sb.tmp());
    assert!(
        tmp.is_empty(),
        "expected hf to remove its Chrome profile from TMPDIR, saw {tmp:?}"
    );
    let out = Sandbox::entries(&sb.out());
    assert_eq!(
        out,
        vec!["out.mp4".to_string(), "perf.json".to_string()],
        "expected exactly out.mp4 and perf.json in the output folder, saw {out:?}"
    );

    let text = std::fs::read_to_string(&perf)
        .unwrap_or_else(|e| panic!("expected {} to be readable, saw: {e}", perf.display()));
    let json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("expected the perf JSON to parse, saw {e} in:\n{text}"));
    let total = json["stages"]["total"].as_u64();
    assert!(
        total.is_some_and(|t| t > 0),
        "expected stages.total > 0 in the perf JSON, saw {:?} in:\n{text}",
        json["stages"]["total"]
    );
    // set-colour is 2 s at 30 fps.
    let frames = 2 * 30;
    assert_eq!(
        json["frames"].as_u64(),
        Some(frames),
        "expected frames = {frames} in the perf JSON, saw {:?}",
        json["frames"]
    );

    let info = hf::decode::probe(&output).unwrap_or_else(|e| {
        panic!(
            "expected {} to be a readable MP4, saw: {e}",
            output.display()
        )
    });
    assert_eq!(
        (info.width, info.height, info.video_frames),
        (320, 240, frames),
        "expected a 320x240 MP4 of {frames} frames, saw {}x{} with {} frames",
        info.width,
        info.height,
        info.video_frames
    );
}

#[test]
fn ctrl_c_stops_the_render_with_exit_130_and_leaves_nothing() {
    let sandbox = Sandbox::new();
    let output = sandbox.out().join("interrupted.mp4");
    let many_cuts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/many-cuts");
    let child = sandbox
        .command(&[
            "render",
            &many_cuts.to_string_lossy(),
            "-o",
            &output.to_string_lossy(),
            "--offline",
        ])
        .spawn()
        .unwrap_or_else(|e| panic!("expected to start {HF}, saw: {e}"));
    // Wait until Chrome is up, so the interrupt lands mid-render.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sandbox.processes().len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: sends SIGINT to the hf child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child
        .wait_with_output()
        .expect("expected hf to exit after SIGINT");
    let err = stderr(&out);
    assert_eq!(
        code(&out),
        Some(130),
        "expected exit 130 after Ctrl-C, saw {:?}; stderr:\n{err}",
        code(&out)
    );
    assert!(
        err.contains("cancelled"),
        "expected the error to say the render was cancelled, saw:\n{err}"
    );
    assert_no_panic("Ctrl-C", &err);
    sandbox.assert_clean_after_failure("Ctrl-C", &output);
}
