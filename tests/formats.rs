//! Every output format, decoded with the `ffprobe` / `ffmpeg` command-line
//! tools (independent of hf's own decoder): codec and pixel format, alpha
//! and colour at known pixels of `alpha-boxes`, and the audio onset of its
//! tone. Also `--frames` against the full render, and snapshots.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{framemd5, run_tool as run};
use hf::{Codec, FrameRange, RenderOptions};

/// ffprobe's `codec_name,pix_fmt` of the first video stream.
fn probe_video(path: &Path) -> String {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,pix_fmt,codec_tag_string",
            "-of",
            "csv=p=0",
            &path.to_string_lossy(),
        ],
    );
    String::from_utf8_lossy(&out).trim().to_owned()
}

/// Frame `n` decoded to straight RGBA by the ffmpeg CLI (VP9 through
/// libvpx, whose decoder keeps the alpha plane).
fn rgba_frame(path: &Path, n: u64) -> image::RgbaImage {
    let p = path.to_string_lossy();
    let mut args: Vec<String> = vec!["-v".into(), "error".into()];
    if p.ends_with(".webm") {
        args.extend(["-c:v".into(), "libvpx-vp9".into()]);
    }
    args.extend(
        [
            "-i",
            &p,
            "-vf",
            &format!("select=eq(n\\,{n})"),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgba",
            "-",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let raw = run("ffmpeg", &refs);
    image::RgbaImage::from_raw(160, 120, raw)
        .unwrap_or_else(|| panic!("expected one 160x120 RGBA frame from {p}"))
}

/// The audio of `path` as interleaved stereo f32 at 48 kHz.
fn audio(path: &Path) -> Vec<f32> {
    let raw = run(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            &path.to_string_lossy(),
            "-f",
            "f32le",
            "-ac",
            "2",
            "-ar",
            "48000",
            "-",
        ],
    );
    raw.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Render `alpha-boxes` with `configure` applied, to `out` (in a folder
/// kept for the test binary's life).
fn render(out: &str, configure: impl FnOnce(&mut RenderOptions)) -> (PathBuf, hf::RenderReport) {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("hf-formats-")
            .tempdir()
            .expect("temp dir")
            .keep()
    });
    let path = dir.join(out);
    let mut opts = RenderOptions::new(common::composition("alpha-boxes"), &path);
    opts.offline = true;
    configure(&mut opts);
    let report = hf::render(&opts, &|_| {})
        .unwrap_or_else(|e| panic!("expected alpha-boxes to render as {out}, saw: {e}"));
    (path, report)
}

fn near(a: [u8; 4], b: [u8; 4], tol: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tol)
}

/// Check the three known pixels of frame 15 (t = 0.5 s).
fn assert_pixels(what: &str, img: &image::RgbaImage, alpha: bool) {
    let px = |x, y| img.get_pixel(x, y).0;
    let (corner, red, blue) = (px(2, 2), px(10 + 45 + 20, 80), px(130, 30));
    let far = px(155, 115);
    eprintln!("{what}: corner {corner:?} far corner {far:?} red box {red:?} blue box {blue:?}");
    if alpha {
        assert_eq!(corner[3], 0, "{what}: the empty corner must be transparent");
        assert_eq!(far[3], 0, "{what}: the far corner must be transparent");
        assert!(near(red, [255, 0, 0, 255], 12), "{what}: red box {red:?}");
        // Straight alpha: the colour stays blue, coverage is half.
        assert!(
            near(blue, [0, 0, 255, 128], 12),
            "{what}: blue box {blue:?}"
        );
    } else {
        assert!(
            near(corner, [255, 255, 255, 255], 6),
            "{what}: corner {corner:?}"
        );
        assert!(near(red, [255, 0, 0, 255], 16), "{what}: red box {red:?}");
        assert!(
            near(blue, [127, 127, 255, 255], 16),
            "{what}: blue box {blue:?}"
        );
    }
}

/// The first time the left channel rises above 0.05 after 0.1 s.
fn assert_onset(what: &str, samples: &[f32]) {
    let onset = common::onset(samples, 0, 0.1, 0.05);
    eprintln!("{what}: audio onset {onset:?} s (tone placed at 0.5 s)");
    let onset = onset.unwrap_or_else(|| panic!("{what}: no tone in the audio"));
    assert!((onset - 0.5).abs() < 0.01, "{what}: onset at {onset} s");
}

#[test]
fn mp4_h264_and_h265() {
    let (path, _) = render("h264.mp4", |_| {});
    assert_eq!(probe_video(&path), "h264,avc1,yuv420p");
    assert_pixels("mp4/h264", &rgba_frame(&path, 15), false);
    assert_onset("mp4/h264", &audio(&path));
    let (path, _) = render("h265.mp4", |o| o.output_settings.codec = Some(Codec::H265));
    assert_eq!(probe_video(&path), "hevc,hvc1,yuv420p");
    assert_pixels("mp4/h265", &rgba_frame(&path, 15), false);
    assert_onset("mp4/h265", &audio(&path));
}

#[test]
fn webm_keeps_straight_alpha_and_opus() {
    let (path, _) = render("out.webm", |_| {});
    // FFmpeg's native VP9 decoder reports the base layer; alpha rides along.
    assert!(
        probe_video(&path).starts_with("vp9,"),
        "{}",
        probe_video(&path)
    );
    assert_pixels("webm", &rgba_frame(&path, 15), true);
    let codec = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=codec_name,sample_rate",
            "-of",
            "csv=p=0",
            &path.to_string_lossy(),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&codec).trim(), "opus,48000");
    assert_onset("webm", &audio(&path));
}

#[test]
fn mov_is_prores_4444_with_alpha() {
    let (path, _) = render("out.mov", |_| {});
    assert_eq!(probe_video(&path), "prores,ap4h,yuva444p12le");
    assert_pixels("mov", &rgba_frame(&path, 15), true);
    assert_onset("mov", &audio(&path));
}

#[test]
fn png_sequence_is_rgba_frames_and_a_wav() {
    let (dir, _) = render("frames", |_| {});
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 31, "{names:?}");
    assert_eq!(names[0], "audio.wav");
    assert_eq!(names[1], "frame_000001.png");
    assert_eq!(names[30], "frame_000030.png");
    let frame = dir.join("frame_000016.png");
    assert_eq!(probe_video(&frame), "png,[0][0][0][0],rgba");
    let img = image::open(&frame).expect("PNG").into_rgba8();
    assert_pixels("png-sequence", &img, true);
    assert_onset("png-sequence", &audio(&dir.join("audio.wav")));
}

#[test]
fn gif_keeps_every_frame_with_a_transparent_index() {
    let (path, report) = render("out.gif", |_| {});
    assert_eq!(probe_video(&path), "gif,[0][0][0][0],bgra");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("gif has no audio")),
        "{:?}",
        report.warnings
    );
    let img = rgba_frame(&path, 15);
    let px = |x, y| img.get_pixel(x, y).0;
    eprintln!(
        "gif: corner {:?} red {:?} blue {:?}",
        px(2, 2),
        px(75, 80),
        px(130, 30)
    );
    assert_eq!(px(2, 2)[3], 0, "the corner is the transparent index");
    assert!(near(px(75, 80), [255, 0, 0, 255], 24));
    // Half coverage is at the palette's alpha threshold: opaque or not,
    // the colour is blue.
    assert!(
        px(130, 30)[2] > 200 && px(130, 30)[0] < 40,
        "{:?}",
        px(130, 30)
    );
    // 30 frames whose delays (3 or 4 cs) add up to exactly 1 s.
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=duration",
            "-of",
            "csv=p=0",
            &path.to_string_lossy(),
        ],
    );
    let delays: Vec<i64> = String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    eprintln!("gif delays (cs): {delays:?}");
    assert_eq!(delays.len(), 30);
    assert_eq!(delays.iter().sum::<i64>(), 100);
}

#[test]
fn frame_range_matches_the_full_render() {
    let lossless = |o: &mut RenderOptions| o.output_settings.crf = Some(0);
    let (full, _) = render("full-lossless.mp4", lossless);
    let (part, report) = render("range-lossless.mp4", |o| {
        lossless(o);
        o.frames = Some(FrameRange {
            first: 10,
            last: 19,
        });
    });
    assert_eq!(report.frames, 10);
    let (full_md5, part_md5) = (framemd5(&full), framemd5(&part));
    eprintln!("framemd5 full[10..20] {:?}", &full_md5[10..20]);
    eprintln!("framemd5 range        {part_md5:?}");
    assert_eq!(full_md5.len(), 30);
    assert_eq!(part_md5, full_md5[10..20].to_vec());

    // The range's audio is the full render's audio under those frames.
    let (seq_full, _) = render("seq-full", |_| {});
    let (seq_part, _) = render("seq-range", |o| {
        o.frames = Some(FrameRange {
            first: 12,
            last: 26,
        })
    });
    let a_full = audio(&seq_full.join("audio.wav"));
    let a_part = audio(&seq_part.join("audio.wav"));
    assert_eq!(a_part.len(), 15 * 1600 * 2);
    assert_eq!(a_part[..], a_full[12 * 1600 * 2..27 * 1600 * 2]);
    for k in 12..=26 {
        let name = format!("frame_{:06}.png", k + 1);
        let a = image::open(seq_full.join(&name)).expect("png").into_rgba8();
        let b = image::open(seq_part.join(&name)).expect("png").into_rgba8();
        assert!(
            a == b,
            "frame {k} of the range differs from the full render"
        );
    }
}

#[test]
fn snapshots_are_the_rendered_frames() {
    let (seq, _) = render("seq-for-snapshot", |_| {});
    let dir = seq.with_file_name("stills");
    let opts = {
        let mut o = RenderOptions::new(common::composition("alpha-boxes"), &dir);
        o.offline = true;
        o
    };
    let report = hf::snapshot(&opts, &[0.5, 0.8], &dir, &|_| {}).expect("snapshot");
    assert_eq!(report.frames, vec![15, 24]);
    for (file, frame) in report.files.iter().zip([15u64, 24]) {
        let still = image::open(file).expect("still");
        assert!(still.color().has_alpha(), "a transparent page gives RGBA");
        let still = still.into_rgba8();
        let shown = image::open(seq.join(format!("frame_{:06}.png", frame + 1)))
            .expect("frame")
            .into_rgba8();
        let red = still.get_pixel(10 + 3 * frame as u32 + 20, 80).0;
        eprintln!(
            "snapshot {} (frame {frame}): red box {red:?}, blue {:?}, corner {:?}",
            file.display(),
            still.get_pixel(130, 30).0,
            still.get_pixel(2, 2).0
        );
        assert!(
            still == shown,
            "the still at frame {frame} differs from the render"
        );
        assert!(near(red, [255, 0, 0, 255], 4));
    }
}
