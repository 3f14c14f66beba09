//! Encode stage: JPEG screenshots in, H.264 (libx264, in-process through
//! ffmpeg-next) out, with the pre-mixed AAC audio interleaved into the same
//! MP4. Frames arrive through a channel and never touch the disk.
//!
//! Colour: Chrome's JPEGs are sRGB stored as full-range BT.601 YCbCr. They
//! are decoded to RGB and converted to limited-range BT.709 YUV 4:2:0, so
//! the stream's BT.709 tags tell the truth.

mod audio;
mod convert;

use std::path::{Path, PathBuf};

use ff::{codec, encoder, format, frame, Dictionary, Packet, Rational};
use ffmpeg_next as ff;

use crate::config::{Fps, Quality};
use crate::error::{Error, Result};
pub use audio::AUDIO_RATE;
use convert::RgbToYuv;

/// What the encoder needs to know up front.
#[derive(Debug, Clone)]
pub struct EncodeSettings {
    /// Frame width in pixels (even).
    pub width: u32,
    /// Frame height in pixels (even).
    pub height: u32,
    /// Output frame rate.
    pub fps: Fps,
    /// x264 preset and CRF.
    pub quality: Quality,
    /// Total frames that will be pushed (fixes the audio length).
    pub frames: u64,
}

/// An open MP4 being written: push frames in order, then [`finish`].
///
/// [`finish`]: VideoEncoder::finish
pub struct VideoEncoder {
    path: PathBuf,
    octx: format::context::Output,
    video: encoder::Video,
    video_stream: usize,
    video_tb: Rational,
    convert: RgbToYuv,
    yuv: frame::Video,
    pushed: i64,
    audio: Option<audio::AudioTrack>,
    /// Time spent decoding JPEGs, converting colour, and in x264.
    pub timings: EncodeTimings,
}

/// Where the encoder's time goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeTimings {
    /// JPEG decoding.
    pub jpeg_decode: std::time::Duration,
    /// RGB to YUV.
    pub convert: std::time::Duration,
    /// x264 and muxing.
    pub x264: std::time::Duration,
}

fn fferr(path: &Path, what: &str, e: ff::Error) -> Error {
    Error::media(path, format!("{what}: {e}"))
}

impl VideoEncoder {
    /// Create `path` (an MP4, normally a temporary name) and open x264 and,
    /// when `audio` is given (interleaved stereo f32 at 48 kHz), AAC.
    pub fn create(path: &Path, s: &EncodeSettings, audio: Option<&[f32]>) -> Result<Self> {
        crate::decode::init();
        let mut octx =
            format::output_as(path, "mp4").map_err(|e| fferr(path, "cannot create MP4", e))?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);

        let x264 = encoder::find_by_name("libx264")
            .ok_or_else(|| Error::media(path, "FFmpeg was built without libx264"))?;
        let mut enc = codec::context::Context::new_with_codec(x264)
            .encoder()
            .video()
            .map_err(|e| fferr(path, "cannot create the H.264 encoder", e))?;
        let tb = Rational::new(s.fps.den as i32, s.fps.num as i32);
        enc.set_width(s.width);
        enc.set_height(s.height);
        enc.set_format(format::Pixel::YUV420P);
        enc.set_time_base(tb);
        enc.set_frame_rate(Some(Rational::new(s.fps.num as i32, s.fps.den as i32)));
        enc.set_max_b_frames(0);
        enc.set_colorspace(ff::color::Space::BT709);
        enc.set_color_range(ff::color::Range::MPEG);
        // SAFETY: plain field writes on an encoder context not yet opened.
        unsafe {
            let ctx = enc.as_mut_ptr();
            (*ctx).color_primaries = ff::ffi::AVColorPrimaries::AVCOL_PRI_BT709;
            (*ctx).color_trc = ff::ffi::AVColorTransferCharacteristic::AVCOL_TRC_BT709;
        }
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut opts = Dictionary::new();
        opts.set("preset", s.quality.x264_preset());
        opts.set("crf", &s.quality.crf().to_string());
        let params = if s.quality == Quality::Draft {
            "aq-mode=3:colorprim=bt709:transfer=bt709:colormatrix=bt709"
        } else {
            "aq-mode=3:aq-strength=0.8:deblock=1,1:colorprim=bt709:transfer=bt709:colormatrix=bt709"
        };
        opts.set("x264-params", params);
        let video = enc
            .open_with(opts)
            .map_err(|e| fferr(path, "cannot open libx264", e))?;
        let video_stream = {
            let mut ost = octx
                .add_stream(x264)
                .map_err(|e| fferr(path, "cannot add the video stream", e))?;
            ost.set_parameters(&video);
            ost.set_time_base(tb);
            ost.set_avg_frame_rate(Rational::new(s.fps.num as i32, s.fps.den as i32));
            ost.index()
        };

        let mut audio = match audio {
            Some(samples) => Some(audio::AudioTrack::open(
                path,
                &mut octx,
                global_header,
                samples,
                s,
            )?),
            None => None,
        };

        let mut header = Dictionary::new();
        header.set("movflags", "+faststart");
        octx.write_header_with(header)
            .map_err(|e| fferr(path, "cannot write the MP4 header", e))?;
        let video_tb = octx
            .stream(video_stream)
            .map(|st| st.time_base())
            .unwrap_or(tb);
        if let Some(a) = audio.as_mut() {
            a.set_stream_time_base(&octx);
        }
        let mut yuv = frame::Video::new(format::Pixel::YUV420P, s.width, s.height);
        yuv.set_color_space(ff::color::Space::BT709);
        yuv.set_color_range(ff::color::Range::MPEG);
        Ok(Self {
            path: path.to_path_buf(),
            octx,
            video,
            video_stream,
            video_tb,
            convert: RgbToYuv::new(s.width, s.height)
                .map_err(|e| fferr(path, "cannot set up colour conversion", e))?,
            yuv,
            pushed: 0,
            audio,
            timings: EncodeTimings::default(),
        })
    }

    /// Decode a JPEG screenshot and encode it as the next frame.
    pub fn push_jpeg(&mut self, jpeg: &[u8]) -> Result<()> {
        let t = std::time::Instant::now();
        let rgb = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)
            .map_err(|e| Error::media(&self.path, format!("Chrome sent an unreadable JPEG: {e}")))?
            .into_rgb8();
        if rgb.width() != self.yuv.width() || rgb.height() != self.yuv.height() {
            return Err(Error::media(
                &self.path,
                format!(
                    "Chrome captured {}x{} instead of {}x{}",
                    rgb.width(),
                    rgb.height(),
                    self.yuv.width(),
                    self.yuv.height()
                ),
            ));
        }
        let t2 = std::time::Instant::now();
        self.timings.jpeg_decode += t2 - t;
        self.convert
            .run(&rgb, &mut self.yuv)
            .map_err(|e| fferr(&self.path, "colour conversion failed", e))?;
        self.timings.convert += t2.elapsed();
        self.push_current()
    }

    /// Encode the previous frame again: Chrome reported no change, so the
    /// decode and colour conversion are skipped.
    pub fn push_repeat(&mut self) -> Result<()> {
        if self.pushed == 0 {
            return Err(Error::media(
                &self.path,
                "no frame to repeat before the first frame",
            ));
        }
        self.push_current()
    }

    fn push_current(&mut self) -> Result<()> {
        let t = std::time::Instant::now();
        self.yuv.set_pts(Some(self.pushed));
        self.pushed += 1;
        self.video
            .send_frame(&self.yuv)
            .map_err(|e| fferr(&self.path, "x264 refused a frame", e))?;
        let r = self.drain_video();
        self.timings.x264 += t.elapsed();
        r
    }

    fn drain_video(&mut self) -> Result<()> {
        let mut pkt = Packet::empty();
        let enc_tb = self.video.time_base();
        while self.video.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(self.video_stream);
            pkt.rescale_ts(enc_tb, self.video_tb);
            let until = pkt.dts().or(pkt.pts()).unwrap_or(0);
            if let Some(a) = &mut self.audio {
                a.write_until(&mut self.octx, until, self.video_tb)
                    .map_err(|e| fferr(&self.path, "cannot write audio", e))?;
            }
            pkt.write_interleaved(&mut self.octx)
                .map_err(|e| fferr(&self.path, "cannot write video", e))?;
        }
        Ok(())
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.pushed as u64
    }

    /// Flush x264, write the remaining audio and the MP4 trailer (with
    /// `+faststart`, which moves the index to the front).
    pub fn finish(mut self) -> Result<()> {
        self.video
            .send_eof()
            .map_err(|e| fferr(&self.path, "cannot flush x264", e))?;
        self.drain_video()?;
        if let Some(a) = &mut self.audio {
            a.write_until(&mut self.octx, i64::MAX, self.video_tb)
                .map_err(|e| fferr(&self.path, "cannot write audio", e))?;
        }
        self.octx
            .write_trailer()
            .map_err(|e| fferr(&self.path, "cannot finish the MP4", e))
    }
}
