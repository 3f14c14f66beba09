//! Video decoding into packed yuv420p frames, keeping only the frames a
//! caller asks for: the harness compares 100 checkpoints of a video and
//! must not hold every frame of a 1080p render in memory.

use std::path::Path;

use ffmpeg::codec::threading;
use ffmpeg::format::Pixel;
use ffmpeg::media::Type;
use ffmpeg::software::scaling;
use ffmpeg::util::frame::Video as AvFrame;
use ffmpeg_next as ffmpeg;
use image::RgbImage;

use super::{open, stream_info, MediaInfo};
use crate::error::{Error, Result};

/// One decoded picture as tightly packed yuv420p planes (no stride
/// padding): `y` is `width × height`, `u` and `v` are
/// `ceil(width/2) × ceil(height/2)`. Packed planes make PSNR and pixel
/// probes plain slice arithmetic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YuvFrame {
    /// Luma width in pixels.
    pub width: u32,
    /// Luma height in pixels.
    pub height: u32,
    /// Luma plane, row-major.
    pub y: Vec<u8>,
    /// Cb plane at half resolution (rounded up).
    pub u: Vec<u8>,
    /// Cr plane at half resolution (rounded up).
    pub v: Vec<u8>,
}

impl YuvFrame {
    /// Width of the chroma planes.
    pub fn chroma_width(&self) -> u32 {
        self.width.div_ceil(2)
    }

    /// Height of the chroma planes.
    pub fn chroma_height(&self) -> u32 {
        self.height.div_ceil(2)
    }

    /// Convert to RGB with the BT.709 limited-range matrix (what hf's x264
    /// output and the goldens use), nearest-neighbour chroma. For reports
    /// and SSIM, not for scoring: PSNR is computed on the YUV planes.
    pub fn to_rgb(&self) -> RgbImage {
        self.to_rgb_with(false)
    }

    /// Convert to RGB with the BT.601 matrix when `bt601`, else BT.709
    /// (both limited range): a source video's frames are read with the
    /// matrix they were made with (see `MediaInfo::bt601`).
    pub fn to_rgb_with(&self, bt601: bool) -> RgbImage {
        let mut buf = vec![0u8; self.width as usize * self.height as usize * 3];
        let stride = self.width as usize * 3;
        super::rgb::convert_into(self, bt601, &mut buf, stride);
        RgbImage::from_raw(self.width, self.height, buf)
            .unwrap_or_else(|| RgbImage::new(self.width, self.height))
    }

    /// The luma value at (x, y); panics outside the frame like slice
    /// indexing does.
    pub fn luma_at(&self, x: u32, y: u32) -> u8 {
        assert!(
            x < self.width && y < self.height,
            "({x}, {y}) outside the frame"
        );
        self.y[y as usize * self.width as usize + x as usize]
    }

    /// Copy the planes of a yuv420p `AVFrame`, dropping stride padding.
    fn from_yuv420p(frame: &AvFrame) -> Self {
        let (w, h) = (frame.width(), frame.height());
        let (cw, ch) = (w.div_ceil(2) as usize, h.div_ceil(2) as usize);
        let plane = |i: usize, pw: usize, ph: usize| {
            let stride = frame.stride(i);
            let data = frame.data(i);
            let mut out = Vec::with_capacity(pw * ph);
            for row in 0..ph {
                out.extend_from_slice(&data[row * stride..row * stride + pw]);
            }
            out
        };
        Self {
            width: w,
            height: h,
            y: plane(0, w as usize, h as usize),
            u: plane(1, cw, ch),
            v: plane(2, cw, ch),
        }
    }
}

/// Decode every frame of the first video stream once and return the frames
/// whose decode-order index `keep` accepts, as `(index, frame)` in order.
/// `MediaInfo::video_frames` is the number of frames decoded.
pub fn decode_video(
    path: &Path,
    keep: &dyn Fn(u64) -> bool,
) -> Result<(MediaInfo, Vec<(u64, YuvFrame)>)> {
    let mut kept = Vec::new();
    let info = decode_video_each(path, keep, &mut |index, frame| {
        kept.push((index, frame));
        Ok(())
    })?;
    Ok((info, kept))
}

/// Like [`decode_video`], but hands each kept frame to `on_frame` as soon as
/// it is decoded instead of collecting them, so a caller comparing two
/// videos holds only one side in memory. An error from `on_frame` stops the
/// decode and is returned.
pub fn decode_video_each(
    path: &Path,
    keep: &dyn Fn(u64) -> bool,
    on_frame: &mut dyn FnMut(u64, YuvFrame) -> Result<()>,
) -> Result<MediaInfo> {
    decode(path, None, keep, on_frame).map(|(info, _)| info)
}

/// Like [`decode_video_each`], but starts near source frame `from`: the
/// demuxer seeks to the keyframe at or before it, and each frame is
/// numbered by its timestamp, `round((pts − start) · time_base · fps)`,
/// since frames before the seek point are never counted. A short clip
/// deep into a long source then costs a GOP, not the whole prefix.
/// Returns `Ok(None)` when the stream gives no frame rate, start time or
/// frame timestamps to number by (decode from the start instead).
pub fn decode_video_from(
    path: &Path,
    from: u64,
    keep: &dyn Fn(u64) -> bool,
    on_frame: &mut dyn FnMut(u64, YuvFrame) -> Result<()>,
) -> Result<Option<MediaInfo>> {
    match decode(path, Some(from), keep, on_frame) {
        Ok((info, true)) => Ok(Some(info)),
        Ok((_, false)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Decode from the start (frames counted), or from near `from` (frames
/// numbered by timestamp). The flag is false when `from` was asked for but
/// the stream cannot be numbered by timestamp.
fn decode(
    path: &Path,
    from: Option<u64>,
    keep: &dyn Fn(u64) -> bool,
    on_frame: &mut dyn FnMut(u64, YuvFrame) -> Result<()>,
) -> Result<(MediaInfo, bool)> {
    let mut input = open(path)?;
    let mut info = stream_info(&input);
    let stream = input
        .streams()
        .best(Type::Video)
        .ok_or_else(|| Error::media(path, "no video stream"))?;
    let index = stream.index();
    let tb = stream.time_base();
    let start_pts = stream.start_time();
    let mut ctx = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| Error::media(path, format!("cannot read the video codec parameters: {e}")))?;
    // Frame threads with count 0 = one per core: decoding dominates scoring.
    ctx.set_threading(threading::Config {
        kind: threading::Type::Frame,
        count: 0,
        ..Default::default()
    });
    let mut decoder = ctx
        .decoder()
        .video()
        .map_err(|e| Error::media(path, format!("cannot open the video decoder: {e}")))?;

    let numbering = match from {
        None => Numbering::Count,
        Some(from) => {
            let fps = info.fps();
            let tb_s = f64::from(tb.numerator()) / f64::from(tb.denominator().max(1));
            if fps <= 0.0 || tb_s <= 0.0 || start_pts == ffmpeg::ffi::AV_NOPTS_VALUE {
                return Ok((info, false));
            }
            // Half a frame early, in AV_TIME_BASE units on the container's
            // clock (which includes the stream's start time).
            let target_s = start_pts as f64 * tb_s + (from as f64 - 0.5) / fps;
            let ts = (target_s.max(0.0) * f64::from(ffmpeg::ffi::AV_TIME_BASE)) as i64;
            input
                .seek(ts, ..ts)
                .map_err(|e| Error::media(path, format!("cannot seek to frame {from}: {e}")))?;
            Numbering::Timestamp {
                start_pts,
                seconds_per_tick: tb_s,
                fps,
            }
        }
    };
    let mut state = Decoding {
        path,
        keep,
        on_frame,
        scaler: None,
        next: 0,
        numbering,
        untimed: false,
    };
    let pumped = super::pump(&mut input, index, path, "video", &mut decoder, |d| {
        state.drain(d)
    });
    if state.untimed {
        return Ok((info, false));
    }
    pumped?;
    info.video_frames = state.next;
    if info.video_duration_s <= 0.0 && info.fps() > 0.0 {
        info.video_duration_s = info.video_frames as f64 / info.fps();
    }
    Ok((info, true))
}

/// How decoded frames get their numbers.
#[derive(Debug, Clone, Copy)]
enum Numbering {
    /// In decode output order from the start of the stream.
    Count,
    /// From each frame's timestamp (after a seek).
    Timestamp {
        start_pts: i64,
        seconds_per_tick: f64,
        fps: f64,
    },
}

/// The per-file state of one decode: frame counter and lazy converter.
struct Decoding<'a> {
    path: &'a Path,
    keep: &'a dyn Fn(u64) -> bool,
    on_frame: &'a mut dyn FnMut(u64, YuvFrame) -> Result<()>,
    /// Created on the first kept frame that is not yuv420p, recreated if the
    /// source format or size changes mid-stream.
    scaler: Option<scaling::Context>,
    /// One past the number of the last frame out of the decoder.
    next: u64,
    /// How frames are numbered.
    numbering: Numbering,
    /// A frame had no timestamp to number it by (the decode stopped).
    untimed: bool,
}

impl Decoding<'_> {
    /// Receive every frame the decoder has ready.
    fn drain(&mut self, decoder: &mut ffmpeg::decoder::Video) -> Result<()> {
        let mut frame = AvFrame::empty();
        loop {
            match decoder.receive_frame(&mut frame) {
                Ok(()) => {
                    let index = match self.numbering {
                        Numbering::Count => self.next,
                        Numbering::Timestamp {
                            start_pts,
                            seconds_per_tick,
                            fps,
                        } => match frame.timestamp() {
                            Some(pts) => {
                                let n = ((pts - start_pts) as f64 * seconds_per_tick * fps).round();
                                if n < 0.0 {
                                    continue;
                                }
                                n as u64
                            }
                            None => {
                                self.untimed = true;
                                return Err(Error::Cancelled);
                            }
                        },
                    };
                    self.next = self.next.max(index + 1);
                    if (self.keep)(index) {
                        let yuv = self.convert(&frame)?;
                        (self.on_frame)(index, yuv)?;
                    }
                }
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(e) => return Err(Error::media(self.path, format!("cannot decode video: {e}"))),
            }
        }
    }

    /// The frame as packed yuv420p, through swscale when it is not already.
    fn convert(&mut self, frame: &AvFrame) -> Result<YuvFrame> {
        if frame.format() == Pixel::YUV420P {
            return Ok(YuvFrame::from_yuv420p(frame));
        }
        let (fmt, w, h) = (frame.format(), frame.width(), frame.height());
        let stale = self.scaler.as_ref().is_none_or(|s| {
            let i = s.input();
            (i.format, i.width, i.height) != (fmt, w, h)
        });
        if stale {
            self.scaler = Some(
                scaling::Context::get(fmt, w, h, Pixel::YUV420P, w, h, scaling::Flags::BICUBIC)
                    .map_err(|e| {
                        Error::media(self.path, format!("cannot convert {fmt:?} to yuv420p: {e}"))
                    })?,
            );
        }
        let scaler = self.scaler.as_mut().expect("scaler set above");
        let mut out = AvFrame::empty();
        scaler
            .run(frame, &mut out)
            .map_err(|e| Error::media(self.path, format!("cannot convert to yuv420p: {e}")))?;
        Ok(YuvFrame::from_yuv420p(&out))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testmedia;
    use super::*;

    #[test]
    fn decodes_every_frame_and_keeps_the_asked_ones() {
        let path = testmedia::dir().join("v.mp4");
        let (info, frames) = decode_video(&path, &|i| i % 3 == 0).unwrap();
        assert_eq!(info.video_frames, 10);
        assert_eq!((info.width, info.height), (64, 48));
        let indices: Vec<u64> = frames.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, vec![0, 3, 6, 9]);
        for (_, f) in &frames {
            assert_eq!((f.width, f.height), (64, 48));
            assert_eq!(
                (f.y.len(), f.u.len(), f.v.len()),
                (64 * 48, 32 * 24, 32 * 24)
            );
        }
        // testsrc moves: consecutive kept frames differ.
        assert_ne!(frames[0].1.y, frames[1].1.y);
    }

    #[test]
    fn converts_other_pixel_formats_to_yuv420p() {
        let path = testmedia::dir().join("rgb.mkv");
        let (info, frames) = decode_video(&path, &|_| true).unwrap();
        assert_eq!(info.video_frames, 4);
        assert_eq!(frames.len(), 4);
        let f = &frames[0].1;
        assert_eq!(f.u.len(), 32 * 24);
        // Round trip back to RGB lands near the source colours: testsrc's
        // top-left is not grey, so the chroma is not flat 128.
        let rgb = f.to_rgb();
        assert_eq!(rgb.dimensions(), (64, 48));
        assert!(f.u.iter().any(|&c| c.abs_diff(128) > 20));
    }

    #[test]
    fn to_rgb_uses_bt709_limited_range() {
        let frame = |y: u8, u: u8, v: u8| YuvFrame {
            width: 2,
            height: 2,
            y: vec![y; 4],
            u: vec![u],
            v: vec![v],
        };
        assert_eq!(frame(16, 128, 128).to_rgb().get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(
            frame(235, 128, 128).to_rgb().get_pixel(1, 1).0,
            [255, 255, 255]
        );
        // BT.709 limited red: Y=63, Cb=102, Cr=240.
        let red = frame(63, 102, 240).to_rgb().get_pixel(0, 0).0;
        assert!(red[0] >= 253 && red[1] <= 2 && red[2] <= 2, "{red:?}");
        assert_eq!(frame(200, 128, 128).luma_at(1, 1), 200);
    }

    #[test]
    fn a_file_without_video_is_an_error_naming_it() {
        let path = testmedia::dir().join("sine.wav");
        let err = decode_video(&path, &|_| true).unwrap_err().to_string();
        assert!(
            err.contains("sine.wav") && err.contains("no video stream"),
            "{err}"
        );
    }

    #[test]
    fn seeking_numbers_frames_as_counting_from_the_start_does() {
        // 6 s at 30 fps with B-frames and a keyframe every second.
        let dir = tempfile::tempdir().unwrap();
        testmedia::ffmpeg(
            dir.path(),
            "-f lavfi -i testsrc=size=64x48:rate=30 -t 6 -pix_fmt yuv420p -c:v libx264 \
             -preset ultrafast -bf 2 -g 30 long.mp4",
        );
        let path = dir.path().join("long.mp4");
        let (_, all) = decode_video(&path, &|_| true).unwrap();
        assert_eq!(all.len(), 180);
        for from in [45u64, 70, 90, 151] {
            let mut seen = Vec::new();
            let decoded = std::cell::Cell::new(0u64);
            let keep = |i: u64| {
                decoded.set(decoded.get() + 1);
                (from..from + 5).contains(&i)
            };
            let info = decode_video_from(&path, from, &keep, &mut |i, f| {
                seen.push((i, f));
                Ok(())
            })
            .unwrap()
            .expect("an MP4 has timestamps to number by");
            assert_eq!(info.video_frames, 180, "from {from}");
            let indices: Vec<u64> = seen.iter().map(|(i, _)| *i).collect();
            assert_eq!(indices, (from..from + 5).collect::<Vec<_>>(), "from {from}");
            for (i, f) in &seen {
                assert!(
                    f == &all[*i as usize].1,
                    "frame {i} differs after seeking to {from}"
                );
            }
            // Decoding starts at the last keyframe (one a second) before
            // half a frame ahead of `from`.
            let keyframe = (from - 1) / 30 * 30;
            assert!(
                decoded.get() <= 180 - keyframe + 2,
                "from {from}: {} frames decoded, expected the decode to start near frame {keyframe}",
                decoded.get()
            );
        }
    }
}
