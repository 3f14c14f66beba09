//! Helpers shared by hf's integration tests: render a composition from
//! `tests/compositions/` once per test binary, decode the MP4 back into
//! frames and samples, and read pixels, colours, bar lengths and audio
//! levels with the tolerance that JPEG capture and H.264 need.
//!
//! Each test binary uses only part of this module.
#![allow(dead_code)]

pub mod frames;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use hf::decode::{MediaInfo, YuvFrame};
use hf::{Event, RenderOptions, RenderReport};
use image::RgbImage;

/// Sample rate the audio tests decode at (hf mixes at 48 kHz).
pub const AUDIO_RATE: u32 = 48_000;
/// Channels the audio tests decode to (hf mixes in stereo).
pub const AUDIO_CHANNELS: u16 = 2;

/// The folder of test composition `name`.
pub fn composition(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("compositions")
        .join(name)
}

/// The composition folder (`src/`) of bundled fixture `name` under
/// `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    fixture_dir(name).join("src")
}

/// The folder of bundled fixture `name` (holding `meta.json` and `src/`).
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Apply what fixture `name`'s `meta.json` `renderConfig` says about the
/// frame content (frame rate, variables) to `opts`, read by the harness's
/// own parser so the tests render what `hf-regress` renders (the quality
/// stays the test default: these tests check behaviour, not bytes).
pub fn apply_fixture_config(name: &str, opts: &mut RenderOptions) {
    let fixture = hf_regress::fixture::load(&fixture_dir(name), name);
    match &fixture.meta {
        Ok(meta) => meta.render.apply_content(opts),
        Err(e) => panic!("expected fixture `{name}` to be valid, saw: {e}"),
    }
}

/// One finished render, decoded. The MP4 itself is deleted once decoded,
/// so cached renders leave nothing behind in the temp folder.
pub struct Rendered {
    /// The composition's name.
    pub name: String,
    /// What `hf::render` returned.
    pub report: RenderReport,
    /// Events sent during the render, in order.
    pub events: Vec<Event>,
    /// `hf::decode::probe` of the MP4 (stream headers).
    pub probe: MediaInfo,
    /// `MediaInfo` from decoding every video frame.
    pub decoded: MediaInfo,
    /// Every video frame, in decode order (frame n is `frames[n]`).
    pub frames: Vec<YuvFrame>,
    /// The audio track at [`AUDIO_RATE`] Hz, [`AUDIO_CHANNELS`] channels,
    /// interleaved; empty without an audio stream.
    pub audio: Vec<f32>,
}

/// Render composition `name` with the test defaults (offline: GSAP comes
/// from the local npm folder, so no test needs the network), after
/// `configure` adjusts the options, into a fresh temp folder; decode the
/// result and remove the folder.
pub fn render_fresh(name: &str, configure: impl FnOnce(&mut RenderOptions)) -> Rendered {
    render_input(name, &composition(name), configure)
}

/// Render bundled fixture `name` (its `src/` folder) with the test defaults
/// plus its `meta.json` frame rate and variables, after `configure` adjusts
/// the options; decode the result as [`render_fresh`] does.
pub fn render_fixture_fresh(name: &str, configure: impl FnOnce(&mut RenderOptions)) -> Rendered {
    render_input(name, &fixture(name), |opts| {
        apply_fixture_config(name, opts);
        configure(opts);
    })
}

/// Render the composition at `input` (called `name` in messages) with the
/// test defaults (offline), after `configure` adjusts the options, into a
/// fresh temp folder; decode the result and remove the folder.
pub fn render_input(
    name: &str,
    input: &Path,
    configure: impl FnOnce(&mut RenderOptions),
) -> Rendered {
    render_input_watching(name, input, &|_| {}, configure)
}

/// [`render_input`], showing every event to `watch` as it happens (a
/// fault-injection test kills a worker's Chrome from there).
pub fn render_input_watching(
    name: &str,
    input: &Path,
    watch: &(dyn Fn(&Event) + Sync),
    configure: impl FnOnce(&mut RenderOptions),
) -> Rendered {
    let dir = tempfile::Builder::new()
        .prefix(&format!("hf-test-{name}-"))
        .tempdir()
        .expect("cannot create a temp folder for the render");
    let output = dir.path().join("out.mp4");
    let mut opts = RenderOptions::new(input, &output);
    opts.offline = true;
    configure(&mut opts);

    let events = Mutex::new(Vec::new());
    let result = hf::render(&opts, &|e| {
        watch(&e);
        events.lock().unwrap().push(e)
    });
    let events = events.into_inner().unwrap();
    let report = match result {
        Ok(r) => r,
        Err(e) => panic!("expected `{name}` to render, but hf::render failed: {e}"),
    };
    assert_eq!(
        report.output,
        output,
        "expected the report to name the output path {}, saw {}",
        output.display(),
        report.output.display()
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("cannot list the output folder")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["out.mp4".to_string()],
        "expected only out.mp4 in the output folder after rendering `{name}` \
         (no temporary .partial file), saw {left:?}"
    );

    let probe = hf::decode::probe(&output)
        .unwrap_or_else(|e| panic!("expected the MP4 of `{name}` to probe, saw: {e}"));
    let (decoded, frames) = hf::decode::decode_video(&output, &|_| true)
        .unwrap_or_else(|e| panic!("expected the video of `{name}` to decode, saw: {e}"));
    let frames: Vec<YuvFrame> = frames
        .into_iter()
        .enumerate()
        .map(|(i, (index, f))| {
            assert_eq!(
                index, i as u64,
                "expected decode indices 0, 1, 2, … for `{name}`, saw {index} at position {i}"
            );
            f
        })
        .collect();
    let audio = hf::decode::decode_audio(&output, AUDIO_RATE, AUDIO_CHANNELS)
        .unwrap_or_else(|e| panic!("expected the audio of `{name}` to decode, saw: {e}"));
    Rendered {
        name: name.to_owned(),
        report,
        events,
        probe,
        decoded,
        frames,
        audio,
    }
}

/// Composition `name` rendered with the test defaults, once per test
/// binary: concurrent tests asking for the same composition wait for one
/// render, different compositions render in parallel.
pub fn rendered(name: &str) -> &'static Rendered {
    cached(name, || render_fresh(name, |_| {}))
}

/// Bundled fixture `name` rendered as [`render_fixture_fresh`] does with no
/// further options, once per test binary (shared like [`rendered`]).
pub fn rendered_fixture(name: &str) -> &'static Rendered {
    cached(&format!("fixtures/{name}"), || {
        render_fixture_fresh(name, |_| {})
    })
}

/// The render cached under `key`, made by `render` on first use: concurrent
/// callers with the same key wait for one render, different keys render in
/// parallel.
fn cached(key: &str, render: impl FnOnce() -> Rendered) -> &'static Rendered {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static OnceLock<Rendered>>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let cell: &'static OnceLock<Rendered> = cache
        .entry(key.to_owned())
        .or_insert_with(|| Box::leak(Box::new(OnceLock::new())));
    // Render outside the lock, so other compositions need not wait.
    drop(cache);
    cell.get_or_init(render)
}

impl Rendered {
    /// Frame `n`, panicking with the frame count when it does not exist.
    pub fn frame(&self, n: u64) -> &YuvFrame {
        self.frames.get(n as usize).unwrap_or_else(|| {
            panic!(
                "expected `{}` to have a frame {n}, but the video has {} frames",
                self.name,
                self.frames.len()
            )
        })
    }

    /// Frame `n` as RGB (BT.709 limited range, as hf encodes).
    pub fn rgb(&self, n: u64) -> RgbImage {
        self.frame(n).to_rgb()
    }

    /// The RGB value of pixel (x, y) on frame `n`.
    pub fn pixel(&self, n: u64, x: u32, y: u32) -> [u8; 3] {
        pixel(&self.rgb(n), x, y)
    }

    /// Seconds of decoded audio.
    pub fn audio_seconds(&self) -> f64 {
        self.audio.len() as f64 / f64::from(AUDIO_CHANNELS) / f64::from(AUDIO_RATE)
    }

    /// Assert that pixel (x, y) has colour `expected(n)` on every frame in
    /// `frames`, listing every frame that does not.
    pub fn assert_colours(
        &self,
        (x, y): (u32, u32),
        frames: impl IntoIterator<Item = u64>,
        expected: impl Fn(u64) -> Colour,
    ) {
        let mut wrong = Vec::new();
        let mut checked = 0;
        for n in frames {
            let want = expected(n);
            let seen = self.pixel(n, x, y);
            if classify(seen) != want {
                wrong.push(format!(
                    "frame {n}: expected {want}, saw {}",
                    describe(seen)
                ));
            }
            checked += 1;
        }
        assert!(
            wrong.is_empty(),
            "`{}` pixel ({x},{y}) has the wrong colour on {} of {checked} frames:\n  {}",
            self.name,
            wrong.len(),
            wrong.join("\n  ")
        );
    }
}

/// The RGB value of pixel (x, y), panicking with the image size outside.
pub fn pixel(img: &RgbImage, x: u32, y: u32) -> [u8; 3] {
    assert!(
        x < img.width() && y < img.height(),
        "pixel ({x},{y}) is outside the {}x{} frame",
        img.width(),
        img.height()
    );
    img.get_pixel(x, y).0
}

/// A pure colour as the test compositions use them, recognised with room
/// for JPEG and H.264 error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Black,
    White,
    Red,
    Green,
    Blue,
    /// Anything else (an edge, a blend, a wrong colour).
    Other,
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Black => "black",
            Self::White => "white",
            Self::Red => "red",
            Self::Green => "green",
            Self::Blue => "blue",
            Self::Other => "no pure colour",
        };
        f.write_str(s)
    }
}

/// A channel counts as on above this value…
pub const HIGH: u8 = 200;
/// …and as off below this one.
pub const LOW: u8 = 50;

/// A channel clearly on (> [`HIGH`]), clearly off (< [`LOW`]), or neither.
pub fn channel_on(c: u8) -> Option<bool> {
    if c > HIGH {
        Some(true)
    } else if c < LOW {
        Some(false)
    } else {
        None
    }
}

/// PSNR over the luma planes of two renders' frame `n`.
pub fn luma_psnr(a: &Rendered, b: &Rendered, n: u64) -> f64 {
    let (ya, yb) = (&a.frame(n).y, &b.frame(n).y);
    assert_eq!(ya.len(), yb.len(), "{} and {}: frame sizes", a.name, b.name);
    let mse = ya
        .iter()
        .zip(yb)
        .map(|(p, q)| (f64::from(*p) - f64::from(*q)).powi(2))
        .sum::<f64>()
        / ya.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Assert that the render resolved an npm package whose spec starts with
/// `prefix` (`@fontsource/inter@`, say).
pub fn assert_resolved(r: &Rendered, prefix: &str) {
    assert!(
        r.report
            .perf
            .packages
            .iter()
            .any(|p| p.package.starts_with(prefix)),
        "{}: expected {prefix}… in the resolved set, saw {:?}",
        r.name,
        r.report.perf.packages
    );
}

/// Classify an RGB value: each channel must be clearly on (> 200) or
/// clearly off (< 50).
pub fn classify([r, g, b]: [u8; 3]) -> Colour {
    match (channel_on(r), channel_on(g), channel_on(b)) {
        (Some(false), Some(false), Some(false)) => Colour::Black,
        (Some(true), Some(true), Some(true)) => Colour::White,
        (Some(true), Some(false), Some(false)) => Colour::Red,
        (Some(false), Some(true), Some(false)) => Colour::Green,
        (Some(false), Some(false), Some(true)) => Colour::Blue,
        _ => Colour::Other,
    }
}

/// `rgb(r, g, b) (colour)`, for assertion messages.
pub fn describe(px: [u8; 3]) -> String {
    format!("rgb({}, {}, {}) ({})", px[0], px[1], px[2], classify(px))
}

/// The first x on row `y` whose pixel satisfies `pred`.
pub fn first_column(img: &RgbImage, y: u32, pred: impl Fn([u8; 3]) -> bool) -> Option<u32> {
    (0..img.width()).find(|&x| pred(pixel(img, x, y)))
}

/// True when one channel (0 = R, 1 = G, 2 = B) is at least half on and the
/// other two are low. Bars are measured with this rather than with
/// [`classify`]: at a bar's end the 4:2:0 chroma of the last bar pixel is
/// averaged with the black pixel beside it, which dims that pixel's colour
/// to about 60 %; a half threshold keeps the measured length within one
/// pixel of the drawn one.
pub fn mostly(channel: usize) -> impl Fn([u8; 3]) -> bool {
    move |px| {
        (0..3).all(|c| {
            if c == channel {
                px[c] >= 128
            } else {
                px[c] < 100
            }
        })
    }
}

/// Length of the bar that starts at x = 0 on row `y`: the number of
/// consecutive pixels from the left edge that satisfy `pred`.
pub fn bar_length(img: &RgbImage, y: u32, pred: impl Fn([u8; 3]) -> bool) -> u32 {
    first_column(img, y, |px| !pred(px)).unwrap_or(img.width())
}

/// Sample index (per channel) of time `t` seconds.
pub fn sample_at(t: f64) -> usize {
    (t * f64::from(AUDIO_RATE)).round() as usize
}

/// One channel of interleaved samples between `from` and `to` seconds
/// (clamped to what exists).
pub fn channel_slice(samples: &[f32], channel: usize, from: f64, to: f64) -> Vec<f32> {
    let n = samples.len() / usize::from(AUDIO_CHANNELS);
    let (a, b) = (sample_at(from).min(n), sample_at(to).min(n));
    (a..b)
        .map(|i| samples[i * usize::from(AUDIO_CHANNELS) + channel])
        .collect()
}

/// Root mean square of `s` (0 for an empty slice).
pub fn rms(s: &[f32]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    (s.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / s.len() as f64).sqrt()
}

/// Seconds at which the first sample of `channel` at or after `from`
/// seconds exceeds `threshold` in magnitude.
pub fn onset(samples: &[f32], channel: usize, from: f64, threshold: f32) -> Option<f64> {
    let n = samples.len() / usize::from(AUDIO_CHANNELS);
    (sample_at(from)..n)
        .find(|&i| samples[i * usize::from(AUDIO_CHANNELS) + channel].abs() > threshold)
        .map(|i| i as f64 / f64::from(AUDIO_RATE))
}

/// Upward zero crossings in `s`: a sine of f Hz has f per second.
pub fn rising_zero_crossings(s: &[f32]) -> usize {
    s.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count()
}

/// Assert that two renders decoded to byte-identical frames, naming the
/// first frames that differ and by how many luma samples.
pub fn assert_same_frames(a: &Rendered, b: &Rendered, what: &str) {
    assert_eq!(
        a.frames.len(),
        b.frames.len(),
        "{what}: expected both renders of `{}` to have the same frame count, saw {} and {}",
        a.name,
        a.frames.len(),
        b.frames.len()
    );
    let differing: Vec<String> = a
        .frames
        .iter()
        .zip(&b.frames)
        .enumerate()
        .filter(|(_, (fa, fb))| fa != fb)
        .map(|(n, (fa, fb))| {
            let luma = fa.y.iter().zip(&fb.y).filter(|(p, q)| p != q).count();
            let chroma = fa.u.iter().zip(&fb.u).filter(|(p, q)| p != q).count()
                + fa.v.iter().zip(&fb.v).filter(|(p, q)| p != q).count();
            format!("frame {n}: {luma} luma and {chroma} chroma samples differ")
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: expected byte-identical decoded frames for `{}`, but {} of {} frames differ:\n  {}",
        a.name,
        differing.len(),
        a.frames.len(),
        differing.iter().take(10).cloned().collect::<Vec<_>>().join("\n  ")
    );
}

/// Amplitude of the `freq` Hz sinusoid in `s` (one channel at
/// [`AUDIO_RATE`]): 2/N times the magnitude of the single-bin DFT, so a
/// sine of amplitude A that fills `s` gives about A.
pub fn tone_amplitude(s: &[f32], freq: f64) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(AUDIO_RATE);
    let (mut re, mut im) = (0.0, 0.0);
    for (n, &v) in s.iter().enumerate() {
        let phase = w * n as f64;
        re += f64::from(v) * phase.cos();
        im -= f64::from(v) * phase.sin();
    }
    2.0 * (re * re + im * im).sqrt() / s.len() as f64
}

/// Run a tool (ffmpeg, ffprobe), expecting success; its stdout.
pub fn run_tool(cmd: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("expected {cmd} to run, saw: {e}"));
    assert!(
        out.status.success(),
        "expected `{cmd} {}` to succeed, saw: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The frames of `path`, one MD5 per line, as `ffmpeg -f framemd5` gives
/// (for a png-sequence folder, pass its `frame_%06d.png` pattern).
pub fn framemd5(path: &Path) -> Vec<String> {
    let out = run_tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            &path.to_string_lossy(),
            "-map",
            "0:v:0",
            "-f",
            "framemd5",
            "-",
        ],
    );
    String::from_utf8_lossy(&out)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit(',').next().map(|s| s.trim().to_owned()))
        .collect()
}
