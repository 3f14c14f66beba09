//! Distributed rendering against the in-process render, with real renders
//! decoded by the `ffmpeg` tool: plan → every chunk → assemble gives the
//! same frames (framemd5, lossless H.264 so any pixel change shows) and
//! the same audio samples for 1, 3 and 8 chunks; ProRes (intra-only),
//! png-sequence and GIF chunk exactly too. Then the faults, each through
//! the `hf` binary: a chunk that fails once and is retried, a chunk killed
//! mid-render, a missing or corrupt chunk at assembly, a tampered plan and
//! an environment mismatch, each ending in an identical result or a named
//! refusal with its exit code.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{apply_fixture_config, fixture, framemd5};
use hf::distributed::{render_distributed, Chunking, Runner};
use hf::RenderOptions;

/// The test options for fixture `name` (or `compositions/NAME`): its frame rate and variables,
/// offline, lossless H.264 (so equal frames decode to equal bytes).
fn options(name: &str, out: &Path) -> RenderOptions {
    // A name with a slash is a test composition (tests/compositions/NAME).
    let mut opts = match name.strip_prefix("compositions/") {
        Some(c) => RenderOptions::new(common::composition(c), out),
        None => {
            let mut o = RenderOptions::new(fixture(name), out);
            apply_fixture_config(name, &mut o);
            o
        }
    };
    opts.offline = true;
    if out.extension().is_some_and(|e| e == "mp4") {
        opts.output_settings.crf = Some(0);
    }
    opts
}

/// What a render decodes to: one MD5 per frame, and the audio samples.
#[derive(Debug, PartialEq)]
struct Decoded {
    frames: Vec<String>,
    audio: Vec<f32>,
}

fn decode(out: &Path) -> Decoded {
    let (video, audio) = if out.is_dir() {
        (out.join("frame_%06d.png"), out.join("audio.wav"))
    } else {
        (out.to_path_buf(), out.to_path_buf())
    };
    let audio = if out.is_dir() && !audio.exists() {
        Vec::new()
    } else {
        hf::decode::decode_audio(&audio, 48_000, 2).unwrap_or_default()
    };
    Decoded {
        frames: framemd5(&video),
        audio,
    }
}

fn in_process(name: &str, dir: &Path, file: &str) -> Decoded {
    let out = dir.join(file);
    let report = hf::render(&options(name, &out), &|_| {});
    assert!(report.is_ok(), "in-process render of {name}: {report:?}");
    decode(&out)
}

fn distributed(name: &str, dir: &Path, file: &str, chunks: u64) -> Decoded {
    let out = dir.join(format!("{chunks}-{file}"));
    let plan = dir.join(format!("plan-{chunks}"));
    let done = render_distributed(
        &options(name, &out),
        &plan,
        Chunking::Count(chunks),
        &Runner::InProcess { retries: 0 },
        &|_| {},
    );
    let done = done.unwrap_or_else(|e| panic!("{name} in {chunks} chunks: {e}"));
    let states: Vec<&String> = done.rounds[0].values().collect();
    assert!(
        states.iter().all(|s| *s == "COMPLETED"),
        "{name}: every chunk rendered, saw {states:?}"
    );
    decode(&out)
}

/// Fixture `name` in 1, 3 and 8 chunks decodes exactly as the in-process
/// render does.
fn assert_chunking_changes_nothing(name: &str, file: &str) {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let want = in_process(name, tmp.path(), file);
    assert!(!want.frames.is_empty(), "{name}: the render has frames");
    for chunks in [1, 3, 8] {
        let got = distributed(name, tmp.path(), file, chunks);
        assert_eq!(
            got.frames.len(),
            want.frames.len(),
            "{name} in {chunks} chunks: frame count"
        );
        let differ: Vec<usize> = (0..want.frames.len())
            .filter(|&i| got.frames[i] != want.frames[i])
            .collect();
        assert!(
            differ.is_empty(),
            "{name} in {chunks} chunks: frames {differ:?} differ from the in-process render"
        );
        assert_eq!(
            got.audio.len(),
            want.audio.len(),
            "{name} in {chunks} chunks: audio length"
        );
        assert!(
            got.audio == want.audio,
            "{name} in {chunks} chunks: audio samples differ"
        );
        eprintln!(
            "{name}: {chunks} chunk(s): {} frames framemd5-equal, {} audio samples equal",
            got.frames.len(),
            got.audio.len()
        );
    }
}

#[test]
fn audio_media_start_is_the_same_in_1_3_and_8_chunks() {
    assert_chunking_changes_nothing("audio-media-start", "out.mp4");
}

#[test]
fn raf_ball_and_waapi_cards_are_the_same_in_1_3_and_8_chunks() {
    // raf-ball integrates its state frame by frame: a chunk that starts
    // mid-way must still show the closed-form position.
    assert_chunking_changes_nothing("raf-ball", "out.mp4");
    assert_chunking_changes_nothing("waapi-cards", "out.mp4");
}

#[test]
fn video_and_sub_composition_fixtures_are_the_same_in_1_3_and_8_chunks() {
    assert_chunking_changes_nothing("video-loop-hold", "out.mp4");
    assert_chunking_changes_nothing("sub-composition-video", "out.mp4");
}

#[test]
fn an_inferred_length_is_frozen_by_the_plan_for_every_chunk() {
    // No data-duration on the root: the plan infers the length once and
    // each chunk renders the plan's frames (no inference per chunk).
    assert_chunking_changes_nothing("compositions/inferred-gsap", "out.mp4");
}

#[test]
fn prores_png_sequence_and_gif_chunk_exactly() {
    assert_chunking_changes_nothing("format-mov-prores", "out.mov");
    assert_chunking_changes_nothing("format-png-sequence", "frames");
    // A GIF's chunks are lossless frames; assembly makes the one palette.
    assert_chunking_changes_nothing("format-gif", "out.gif");
}

// ---- faults, through the hf binary ----

const FAULTS: &str = "audio-media-start";

fn hf(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hf"))
        .args(args)
        .envs(env.iter().copied())
        .env("CI", "1")
        .output()
        .expect("hf runs")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// The in-process render the fault tests compare with (rendered once).
fn reference() -> &'static Decoded {
    static REF: OnceLock<(tempfile::TempDir, Decoded)> = OnceLock::new();
    &REF.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let d = in_process(FAULTS, tmp.path(), "reference.mp4");
        (tmp, d)
    })
    .1
}

/// A fresh plan of the fault fixture in `dir/plan`, lossless, in 3 chunks.
fn plan(dir: &Path) -> PathBuf {
    let plan = dir.join("plan");
    let o = hf(
        &[
            "plan",
            s(&fixture(FAULTS)),
            "--out",
            s(&plan),
            "--chunks",
            "3",
            "--crf",
            "0",
            "--fps",
            "30",
        ],
        &[],
    );
    assert!(o.status.success(), "hf plan: {}", text(&o));
    plan
}

fn chunk(plan: &Path, i: usize, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let i = i.to_string();
    let mut args = vec!["render-chunk", s(plan), "--chunk", &i];
    args.extend_from_slice(extra);
    hf(&args, env)
}

fn assemble(plan: &Path, out: &Path) -> Output {
    hf(&["assemble", s(plan), "-o", s(out)], &[])
}

fn render_all(plan: &Path) {
    for i in 0..3 {
        let o = chunk(plan, i, &[], &[]);
        assert!(o.status.success(), "chunk {i}: {}", text(&o));
    }
}

fn assert_same_as_reference(out: &Path, what: &str) {
    let got = decode(out);
    let want = reference();
    assert!(
        got == *want,
        "{what}: the assembled render differs from the in-process one \
         ({} vs {} frames, {} vs {} samples)",
        got.frames.len(),
        want.frames.len(),
        got.audio.len(),
        want.audio.len()
    );
}

#[test]
fn a_chunk_that_fails_once_is_retried_in_process_and_the_result_is_identical() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let plan = plan(tmp.path());
    let fail = [("HF_TEST_FAIL_CHUNK", "1")];
    let o = chunk(&plan, 1, &["--retries", "0"], &fail);
    assert_eq!(o.status.code(), Some(4), "no retries left: {}", text(&o));
    assert!(
        !plan.join("chunks/chunk-00001.mp4").exists(),
        "a failed chunk leaves no file"
    );
    let side = plan.join("chunks/.failed-once-1");
    std::fs::remove_file(&side).expect("the hook's marker");
    let o = chunk(&plan, 1, &["--retries", "1"], &fail);
    let err = text(&o);
    assert!(o.status.success(), "retried: {err}");
    assert!(
        err.contains("chunk 1: attempt 1 failed, retrying") && err.contains("(2 attempts)"),
        "the retry is reported: {err}"
    );
    for i in [0, 2] {
        assert!(chunk(&plan, i, &[], &[]).status.success());
    }
    // Idempotent: a verified chunk is kept, untouched.
    let path = plan.join("chunks/chunk-00001.mp4");
    let before = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    let o = chunk(&plan, 1, &[], &[]);
    assert!(
        text(&o).contains("already rendered and verified; kept"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::metadata(&path).and_then(|m| m.modified()).ok(),
        before
    );
    let out = tmp.path().join("out.mp4");
    let o = assemble(&plan, &out);
    assert!(o.status.success(), "assemble: {}", text(&o));
    assert_same_as_reference(&out, "after a retry");
}

#[test]
fn a_chunk_killed_mid_render_leaves_no_chunk_and_assembly_names_it() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let plan = plan(tmp.path());
    render_all(&plan);
    let victim = plan.join("chunks/chunk-00001.mp4");
    std::fs::remove_file(&victim).expect("chunk 1 to remove");
    std::fs::remove_file(plan.join("chunks/chunk-00001.json")).expect("its sidecar");
    // Kill it once its temporary file exists: encoding has begun.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hf"))
        .args(["render-chunk", s(&plan), "--chunk", "1"])
        .env("CI", "1")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("hf runs");
    let started = Instant::now();
    let temp = loop {
        let found = std::fs::read_dir(plan.join("chunks"))
            .expect("the chunks folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains(".chunk-00001.mp4.hf-"));
        if let Some(p) = found {
            break p;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the chunk's temporary file never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().expect("kill hf");
    let _ = child.wait();
    assert!(!victim.exists(), "no chunk file after the kill");
    assert!(!plan.join("chunks/chunk-00001.json").exists(), "no sidecar");
    let out = tmp.path().join("out.mp4");
    let o = assemble(&plan, &out);
    assert_eq!(o.status.code(), Some(9), "{}", text(&o));
    assert!(
        text(&o).contains("chunk 1 (") && text(&o).contains("missing"),
        "{}",
        text(&o)
    );
    assert!(!out.exists(), "no output from a refused assembly");
    let o = chunk(&plan, 1, &[], &[]);
    assert!(o.status.success(), "re-render: {}", text(&o));
    assert!(!temp.exists(), "the killed render's temporary is removed");
    assert!(assemble(&plan, &out).status.success());
    assert_same_as_reference(&out, "after a killed chunk");
}

#[test]
fn missing_and_corrupt_chunks_are_named_at_assembly() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let plan = plan(tmp.path());
    for i in [0, 1] {
        assert!(chunk(&plan, i, &[], &[]).status.success());
    }
    let out = tmp.path().join("out.mp4");
    let o = assemble(&plan, &out);
    assert_eq!(o.status.code(), Some(9), "{}", text(&o));
    assert!(
        text(&o).contains("chunk 2 (") && text(&o).contains("chunk-00002.mp4): missing"),
        "{}",
        text(&o)
    );
    assert!(chunk(&plan, 2, &[], &[]).status.success());
    let path = plan.join("chunks/chunk-00000.mp4");
    let mut bytes = std::fs::read(&path).expect("chunk 0");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, bytes).expect("write chunk 0");
    let o = assemble(&plan, &out);
    assert_eq!(o.status.code(), Some(9), "{}", text(&o));
    assert!(
        text(&o).contains("chunk 0 (") && text(&o).contains("corrupt"),
        "{}",
        text(&o)
    );
    // render-chunk replaces a corrupt chunk; the result is identical.
    assert!(chunk(&plan, 0, &[], &[]).status.success());
    assert!(assemble(&plan, &out).status.success());
    assert_same_as_reference(&out, "after a corrupt chunk was rendered again");
}

#[test]
fn a_tampered_plan_or_input_is_refused_by_name() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let plan = plan(tmp.path());
    let file = plan.join("plan.json");
    let original = std::fs::read_to_string(&file).expect("plan.json");
    let edited = original.replacen("\"crf\": 0", "\"crf\": 1", 1);
    assert_ne!(edited, original, "the plan names its CRF");
    std::fs::write(&file, &edited).expect("edit plan.json");
    for o in [
        chunk(&plan, 0, &[], &[]),
        assemble(&plan, &tmp.path().join("o.mp4")),
    ] {
        assert_eq!(o.status.code(), Some(8), "{}", text(&o));
        assert!(text(&o).contains("plan_hash"), "{}", text(&o));
    }
    std::fs::write(&file, &original).expect("restore plan.json");
    let html = plan.join("src/index.html");
    let page = std::fs::read_to_string(&html).expect("the copied page");
    std::fs::write(&html, page.replacen("<body", "<body data-x=\"1\"", 1)).expect("edit");
    let o = chunk(&plan, 0, &[], &[]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(
        text(&o).contains("index.html: content differs"),
        "{}",
        text(&o)
    );
    assert!(!plan.join("chunks/chunk-00000.mp4").exists());
}

#[test]
fn another_environment_is_refused_naming_what_differs() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let plan = plan(tmp.path());
    // The same Chrome behind a wrapper that reports another version.
    let wrapper = tmp.path().join("chrome");
    let real = hf::capture::browser::DEFAULT_CHROME;
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n[ \"$1\" = --version ] && {{ echo 'Chromium 999.0.0.1'; exit 0; }}\nexec {real} \"$@\"\n"
        ),
    )
    .expect("write the wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let o = chunk(&plan, 0, &["--chrome", s(&wrapper)], &[]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(
        text(&o).contains("here Chromium 999.0.0.1")
            && text(&o).contains("Chromium: plan Chromium"),
        "{}",
        text(&o)
    );
    assert!(!plan.join("chunks/chunk-00000.mp4").exists());
    let o = hf(
        &["render-chunk", s(&plan), "--chunk-from-env"],
        &[("HF_CHUNK_INDEX", "7")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("chunk 7: out of range"), "{}", text(&o));
}

#[test]
fn distributed_flags_are_checked_before_anything_renders() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let input = fixture(FAULTS);
    let out = tmp.path().join("o.mp4");
    let o = hf(&["render", s(&input), "-o", s(&out), "--chunks", "2"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--chunks/--chunk-frames needs --distributed"),
        "{}",
        text(&o)
    );
    let o = hf(
        &[
            "render",
            s(&input),
            "-o",
            s(&out),
            "--distributed",
            "local",
            "--frames",
            "0-5",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--frames 0-5"), "{}", text(&o));
    let plan = plan(tmp.path());
    let o = assemble(&plan, &tmp.path().join("o.webm"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("the plan renders mp4"), "{}", text(&o));
    assert!(!out.exists());
}
