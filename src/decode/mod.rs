//! Decoding media back into pixels and samples, with libav* through
//! `ffmpeg-next`: the renderer's audio stage reads its sources here, and the
//! regression harness decodes renders and goldens to score them. One module,
//! so both sides agree on frame indices, pixel formats and resampling.
//!
//! Frame indices are *decode output order* (0, 1, 2, … as frames leave the
//! decoder), the same numbering as FFmpeg's `select='eq(n,N)'`, so a frame
//! picked here is the frame `ffmpeg` would pick.

mod alpha;
mod audio;
pub mod rgb;
mod video;

use std::path::Path;
use std::sync::Once;

use ffmpeg::format::context::Input;
use ffmpeg::media::Type;
use ffmpeg_next as ffmpeg;

use crate::error::{Error, Result};

pub use alpha::{decode_alpha_each, AlphaPlane};
pub use audio::decode_audio;
pub use video::{decode_video, decode_video_each, decode_video_from, YuvFrame};

/// What a media file holds, as far as hf cares.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaInfo {
    /// Width of the first video stream in pixels (0 without video).
    pub width: u32,
    /// Height of the first video stream in pixels (0 without video).
    pub height: u32,
    /// The video stream's `avg_frame_rate` as num/den ((0, 1) without video).
    pub frame_rate: (i32, i32),
    /// Video frames: from [`probe`], the container's frame count when it
    /// stores one (MP4/MOV) or else the number of video packets; from
    /// [`decode_video`], the frames actually decoded.
    pub video_frames: u64,
    /// Video stream duration in seconds (stream `duration × time_base`, or
    /// frames / fps when the stream has no duration).
    pub video_duration_s: f64,
    /// Audio stream duration in seconds, `None` without audio. Falls back to
    /// the container duration when the stream has none.
    pub audio_duration_s: Option<f64>,
    /// Sample rate of the first audio stream.
    pub audio_sample_rate: Option<u32>,
    /// Channel count of the first audio stream.
    pub audio_channels: Option<u16>,
    /// The video's YUV was made with the BT.601 matrix: tagged so (470BG,
    /// SMPTE 170M, FCC), or untagged and under 720 lines, as FFmpeg and
    /// browsers assume. Otherwise BT.709.
    pub bt601: bool,
}

impl MediaInfo {
    /// The frame rate as a float (0 when unknown).
    pub fn fps(&self) -> f64 {
        let (num, den) = self.frame_rate;
        if num <= 0 || den <= 0 {
            0.0
        } else {
            f64::from(num) / f64::from(den)
        }
    }
}

/// Initialise libav* once per process. `ffmpeg_next::init` is cheap but
/// not meant to race with itself.
pub(crate) fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Registration cannot fail on FFmpeg >= 4; the Result is historical.
        let _ = ffmpeg::init();
        // libav* prints encoder statistics and muxer notes on stderr;
        // hf reports through its own events and errors instead.
        ffmpeg::log::set_level(ffmpeg::log::Level::Error);
    });
}

/// The FFmpeg version string libav* was built as (e.g. `5.1.6-0+deb12u1`),
/// recorded in golden provenance: a decoder change can shift pixels.
pub fn ffmpeg_version() -> String {
    init();
    // SAFETY: av_version_info returns a pointer to a static NUL-terminated
    // string owned by libavutil (never freed, never null in practice; we
    // check anyway).
    let ptr = unsafe { ffmpeg::ffi::av_version_info() };
    if ptr.is_null() {
        return format!("libavutil {}", ffmpeg::util::version());
    }
    // SAFETY: non-null, NUL-terminated, 'static (see above).
    unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Feed every packet of stream `index` to `decoder`, calling `drain` after
/// each packet and once more after the end-of-stream flush. Shared by the
/// audio and video decoders so both treat a corrupt packet (skipped) and a
/// read error (fatal) the same way.
fn pump<D>(
    input: &mut Input,
    index: usize,
    path: &Path,
    what: &str,
    decoder: &mut D,
    mut drain: impl FnMut(&mut D) -> Result<()>,
) -> Result<()>
where
    D: std::ops::DerefMut<Target = ffmpeg::decoder::Opened>,
{
    let mut packet = ffmpeg::Packet::empty();
    loop {
        match packet.read(input) {
            Ok(()) => {
                if packet.stream() != index {
                    continue;
                }
                decoder
                    .send_packet(&packet)
                    .map_err(|e| Error::media(path, format!("cannot decode {what}: {e}")))?;
                drain(decoder)?;
            }
            Err(ffmpeg::Error::Eof) => break,
            Err(ffmpeg::Error::InvalidData) => {}
            Err(e) => return Err(Error::media(path, format!("cannot read packets: {e}"))),
        }
    }
    decoder
        .send_eof()
        .map_err(|e| Error::media(path, format!("cannot flush the {what} decoder: {e}")))?;
    drain(decoder)
}

/// Read the stream headers of `path` without decoding. Files without video
/// (a WAV, say) are fine: the video fields are zero.
pub fn probe(path: &Path) -> Result<MediaInfo> {
    let mut input = open(path)?;
    let mut info = stream_info(&input);
    if let Some(index) = input.streams().best(Type::Video).map(|s| s.index()) {
        let stored = input.stream(index).map(|s| s.frames()).unwrap_or(0);
        info.video_frames = if stored > 0 {
            stored as u64
        } else {
            count_packets(&mut input, index, path)?
        };
        if info.video_duration_s <= 0.0 && info.fps() > 0.0 {
            info.video_duration_s = info.video_frames as f64 / info.fps();
        }
    }
    Ok(info)
}

/// Open a container, with FFmpeg's message on failure.
pub(crate) fn open(path: &Path) -> Result<Input> {
    init();
    ffmpeg::format::input(&path).map_err(|e| Error::media(path, format!("cannot open: {e}")))
}

/// Everything but the frame count, from the stream headers.
pub(crate) fn stream_info(input: &Input) -> MediaInfo {
    let mut info = MediaInfo {
        width: 0,
        height: 0,
        frame_rate: (0, 1),
        video_frames: 0,
        video_duration_s: 0.0,
        audio_duration_s: None,
        audio_sample_rate: None,
        audio_channels: None,
        bt601: false,
    };
    let container_s = (input.duration() > 0)
        .then(|| input.duration() as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE));
    if let Some(stream) = input.streams().best(Type::Video) {
        let params = stream.parameters();
        // SAFETY: AVCodecParameters of an open stream; plain field reads.
        let (w, h, space) = unsafe {
            let p = params.as_ptr();
            ((*p).width, (*p).height, (*p).color_space)
        };
        info.width = w.max(0) as u32;
        info.height = h.max(0) as u32;
        info.bt601 = match ffmpeg::util::color::Space::from(space) {
            ffmpeg::util::color::Space::BT470BG
            | ffmpeg::util::color::Space::SMPTE170M
            | ffmpeg::util::color::Space::FCC => true,
            ffmpeg::util::color::Space::Unspecified => info.height > 0 && info.height < 720,
            _ => false,
        };
        let rate = stream.avg_frame_rate();
        info.frame_rate = (rate.numerator(), rate.denominator());
        info.video_duration_s = stream_seconds(stream.duration(), stream.time_base());
    }
    if let Some(stream) = input.streams().best(Type::Audio) {
        let params = stream.parameters();
        // SAFETY: as above. `ch_layout` exists from FFmpeg 5.1 on, the
        // oldest version hf supports.
        let (rate, channels) = unsafe {
            let p = params.as_ptr();
            ((*p).sample_rate, (*p).ch_layout.nb_channels)
        };
        info.audio_sample_rate = (rate > 0).then_some(rate as u32);
        info.audio_channels = (channels > 0).then_some(channels as u16);
        let secs = stream_seconds(stream.duration(), stream.time_base());
        info.audio_duration_s = Some(if secs > 0.0 {
            secs
        } else {
            container_s.unwrap_or(0.0)
        });
    }
    info
}

/// `duration × time_base`, or 0 when the stream does not say.
/// The presentation times (seconds from the stream's start, ascending) of
/// every frame of a variable-frame-rate video stream, read from its packets
/// without decoding; None for a constant-rate stream (its `r_frame_rate`
/// equals its `avg_frame_rate`), whose frame n is simply at n / fps. A
/// screen recording drops and stretches frames, so counting them at the
/// average rate would drift; the video stage picks frames by these times.
pub fn frame_times(path: &Path) -> Result<Option<Vec<f64>>> {
    let mut input = open(path)?;
    let Some(stream) = input.streams().best(Type::Video) else {
        return Ok(None);
    };
    let as_f64 = |r: ffmpeg::Rational| {
        if r.denominator() == 0 {
            0.0
        } else {
            f64::from(r.numerator()) / f64::from(r.denominator())
        }
    };
    let (real, avg) = (as_f64(stream.rate()), as_f64(stream.avg_frame_rate()));
    if real <= 0.0 || avg <= 0.0 || (real - avg).abs() <= real * 1e-3 {
        return Ok(None);
    }
    let index = stream.index();
    let tb = as_f64(stream.time_base());
    let start = stream.start_time();
    let start = if start == ffmpeg::ffi::AV_NOPTS_VALUE {
        0
    } else {
        start
    };
    let mut times = Vec::new();
    for (s, packet) in input.packets() {
        if s.index() != index {
            continue;
        }
        if let Some(ts) = packet.pts().or(packet.dts()) {
            times.push((ts - start) as f64 * tb);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(Some(times))
}

fn stream_seconds(duration: i64, tb: ffmpeg::Rational) -> f64 {
    if duration <= 0 || tb.denominator() == 0 {
        0.0
    } else {
        duration as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
    }
}

/// Count the packets of stream `index` by demuxing (no decoding): one video
/// packet is one frame for every codec hf writes or reads.
fn count_packets(input: &mut Input, index: usize, path: &Path) -> Result<u64> {
    let mut n = 0;
    let mut packet = ffmpeg::Packet::empty();
    loop {
        match packet.read(input) {
            Ok(()) => {
                if packet.stream() == index {
                    n += 1;
                }
            }
            Err(ffmpeg::Error::Eof) => return Ok(n),
            // A demuxer resyncs past a corrupt packet; so do we.
            Err(ffmpeg::Error::InvalidData) => {}
            Err(e) => return Err(Error::media(path, format!("cannot read packets: {e}"))),
        }
    }
}

#[cfg(test)]
pub(crate) mod testmedia {
    //! Tiny media files made with the `ffmpeg` CLI, once per test process.
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::OnceLock;

    /// Run `ffmpeg -y <args>` in `dir` (arguments split on whitespace),
    /// panicking with its stderr on failure.
    pub fn ffmpeg(dir: &Path, args: &str) {
        let out = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y"])
            .args(args.split_whitespace())
            .current_dir(dir)
            .output()
            .expect("the ffmpeg CLI must be installed for these tests");
        assert!(
            out.status.success(),
            "ffmpeg {args} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A directory holding `v.mp4` (64x48 testsrc, 10 fps, 10 frames,
    /// yuv420p x264, with a 440 Hz stereo AAC track), `sine.wav` (1 s of
    /// 1 kHz at 0.5 amplitude, 44.1 kHz mono s16), `rgb.mkv` (rgb24 in
    /// FFV1: a non-yuv420p source) and `mute.mp4` (video only).
    pub fn dir() -> &'static Path {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        DIR.get_or_init(|| {
            let dir = tempfile::Builder::new()
                .prefix("hf-decode-test-")
                .tempdir()
                .expect("tempdir")
                .keep();
            let testsrc = "-f lavfi -i testsrc=size=64x48:rate=10";
            let x264 = "-pix_fmt yuv420p -c:v libx264 -preset ultrafast";
            ffmpeg(
                &dir,
                &format!(
                    "{testsrc} -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 {x264} \
                     -c:a aac -ac 2 -shortest v.mp4"
                ),
            );
            ffmpeg(
                &dir,
                "-f lavfi -i aevalsrc=0.5*sin(2*PI*1000*t):s=44100:d=1 -c:a pcm_s16le sine.wav",
            );
            ffmpeg(
                &dir,
                &format!("{testsrc} -frames:v 4 -pix_fmt rgb24 -c:v ffv1 rgb.mkv"),
            );
            ffmpeg(&dir, &format!("{testsrc} -frames:v 5 {x264} mute.mp4"));
            dir
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_reads_video_and_audio_streams() {
        let info = probe(&testmedia::dir().join("v.mp4")).unwrap();
        assert_eq!((info.width, info.height), (64, 48));
        assert_eq!(info.frame_rate, (10, 1));
        assert_eq!(info.video_frames, 10);
        assert!((info.video_duration_s - 1.0).abs() < 1e-6, "{info:?}");
        let audio = info.audio_duration_s.unwrap();
        assert!((audio - 1.0).abs() < 0.05, "{info:?}");
        assert_eq!(info.audio_sample_rate, Some(48000));
        assert_eq!(info.audio_channels, Some(2));
    }

    #[test]
    fn probe_handles_audio_only_and_video_only_files() {
        let wav = probe(&testmedia::dir().join("sine.wav")).unwrap();
        assert_eq!((wav.width, wav.height, wav.video_frames), (0, 0, 0));
        assert!(
            (wav.audio_duration_s.unwrap() - 1.0).abs() < 1e-3,
            "{wav:?}"
        );
        assert_eq!(wav.audio_sample_rate, Some(44100));
        assert_eq!(wav.audio_channels, Some(1));

        let mute = probe(&testmedia::dir().join("mute.mp4")).unwrap();
        assert_eq!(mute.video_frames, 5);
        assert_eq!(mute.audio_duration_s, None);
        // Matroska stores no frame count: the packets are counted.
        let mkv = probe(&testmedia::dir().join("rgb.mkv")).unwrap();
        assert_eq!(mkv.video_frames, 4);
    }

    #[test]
    fn probe_errors_name_the_file() {
        let err = probe(Path::new("/nonexistent/x.mp4")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/nonexistent/x.mp4"), "{msg}");
        assert!(matches!(err, Error::Media { .. }));
    }

    #[test]
    fn ffmpeg_version_is_reported() {
        let v = ffmpeg_version();
        assert!(!v.is_empty());
        assert!(
            v.chars().next().unwrap().is_ascii_digit() || v.starts_with('n'),
            "{v}"
        );
    }
}
