//! What the container sinks (mp4, webm, mov) share: one libav video
//! encoder, the muxer, the optional audio track interleaved by time, and
//! the colour conversion into the encoder's pixel format. Each format's
//! file only says which encoder, options and tags ([`VideoSpec`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ff::{codec, encoder, format, frame, Dictionary, Packet, Rational};
use ffmpeg_next as ff;

use super::{decode, nothing_to_repeat, FrameSink};
use crate::encode::audio::{samples_for, AudioCodec, AudioTrack};
use crate::encode::convert::{self, RgbToYuv};
use crate::encode::{EncodeSettings, EncodeTimings};
use crate::error::{Error, Result};

/// A format's choice of encoder and container.
pub(super) struct VideoSpec {
    /// libavformat muxer name (`mp4`, `webm`, `mov`).
    pub container: &'static str,
    /// libavcodec encoder name (`libx264`, …).
    pub encoder: &'static str,
    /// The encoder's input pixel format (also picks the colour conversion).
    pub pixel: format::Pixel,
    /// Encoder private options (`preset`, `crf`, `x264-params`, …).
    pub options: Vec<(&'static str, String)>,
    /// Average bitrate, when the caller asked for one.
    pub bit_rate: Option<u64>,
    /// Keyframe interval (0 = the encoder's default).
    pub gop: u32,
    /// Stream codec tag, e.g. `hvc1`.
    pub codec_tag: Option<[u8; 4]>,
    /// Stream metadata, e.g. `alpha_mode=1`.
    pub stream_metadata: Vec<(&'static str, &'static str)>,
    /// Muxer options for the header, e.g. `movflags=+faststart`.
    pub header: Vec<(&'static str, &'static str)>,
    /// The audio codec the container takes.
    pub audio: AudioCodec,
}

enum Convert {
    Yuv420(RgbToYuv),
    Yuva420,
    Yuva444p10,
}

/// A container sink.
pub(super) struct AvSink {
    path: PathBuf,
    size: (u32, u32),
    octx: format::context::Output,
    video: encoder::Video,
    video_stream: usize,
    video_tb: Rational,
    convert: Convert,
    current: frame::Video,
    pushed: i64,
    audio: Option<AudioTrack>,
    what: &'static str,
    timings: EncodeTimings,
}

fn fferr(path: &Path, what: &str, e: ff::Error) -> Error {
    Error::media(path, format!("{what}: {e}"))
}

impl AvSink {
    /// Create `path` and open the encoder of `spec` (and the audio track
    /// when `audio` is given).
    pub(super) fn open(
        path: &Path,
        s: &EncodeSettings,
        spec: VideoSpec,
        audio: Option<&[f32]>,
    ) -> Result<Self> {
        let what = spec.encoder;
        let mut octx = format::output_as(path, spec.container).map_err(|e| {
            fferr(
                path,
                &format!("cannot create the {} file", spec.container),
                e,
            )
        })?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let found = encoder::find_by_name(spec.encoder)
            .ok_or_else(|| Error::media(path, format!("FFmpeg was built without {what}")))?;
        let mut enc = codec::context::Context::new_with_codec(found)
            .encoder()
            .video()
            .map_err(|e| fferr(path, &format!("cannot create the {what} encoder"), e))?;
        let tb = Rational::new(s.fps.den as i32, s.fps.num as i32);
        enc.set_width(s.width);
        enc.set_height(s.height);
        enc.set_format(spec.pixel);
        enc.set_time_base(tb);
        enc.set_frame_rate(Some(Rational::new(s.fps.num as i32, s.fps.den as i32)));
        enc.set_max_b_frames(0);
        if spec.gop > 0 {
            enc.set_gop(spec.gop);
        }
        if let Some(b) = spec.bit_rate {
            enc.set_bit_rate(b as usize);
        }
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
        for (k, v) in &spec.options {
            opts.set(k, v);
        }
        let video = enc
            .open_with(opts)
            .map_err(|e| fferr(path, &format!("cannot open {what}"), e))?;
        let video_stream = {
            let mut ost = octx
                .add_stream(found)
                .map_err(|e| fferr(path, "cannot add the video stream", e))?;
            ost.set_parameters(&video);
            ost.set_time_base(tb);
            ost.set_avg_frame_rate(Rational::new(s.fps.num as i32, s.fps.den as i32));
            if !spec.stream_metadata.is_empty() {
                let mut md = Dictionary::new();
                for (k, v) in &spec.stream_metadata {
                    md.set(k, v);
                }
                ost.set_metadata(md);
            }
            if let Some(tag) = spec.codec_tag {
                // SAFETY: the stream's codec parameters were just set and
                // the header is not written yet.
                unsafe {
                    (*(*ost.as_mut_ptr()).codecpar).codec_tag = u32::from_le_bytes(tag);
                }
            }
            ost.index()
        };
        let mut audio = match audio {
            Some(samples) => Some(AudioTrack::open(
                path,
                &mut octx,
                spec.audio,
                samples,
                samples_for(s.frames.len(), s.fps),
            )?),
            None => None,
        };
        let mut header = Dictionary::new();
        for (k, v) in &spec.header {
            header.set(k, v);
        }
        octx.write_header_with(header)
            .map_err(|e| fferr(path, "cannot write the header", e))?;
        let video_tb = octx
            .stream(video_stream)
            .map(|st| st.time_base())
            .unwrap_or(tb);
        if let Some(a) = audio.as_mut() {
            a.set_stream_time_base(&octx);
        }
        let mut current = frame::Video::new(spec.pixel, s.width, s.height);
        current.set_color_space(ff::color::Space::BT709);
        current.set_color_range(ff::color::Range::MPEG);
        let convert = match spec.pixel {
            format::Pixel::YUVA420P => Convert::Yuva420,
            format::Pixel::YUVA444P10LE => Convert::Yuva444p10,
            _ => Convert::Yuv420(
                RgbToYuv::new(s.width, s.height)
                    .map_err(|e| fferr(path, "cannot set up colour conversion", e))?,
            ),
        };
        Ok(Self {
            path: path.to_path_buf(),
            size: (s.width, s.height),
            octx,
            video,
            video_stream,
            video_tb,
            convert,
            current,
            pushed: 0,
            audio,
            what,
            timings: EncodeTimings::default(),
        })
    }

    fn encode_current(&mut self) -> Result<()> {
        let t = Instant::now();
        self.current.set_pts(Some(self.pushed));
        self.pushed += 1;
        self.video
            .send_frame(&self.current)
            .map_err(|e| fferr(&self.path, &format!("{} refused a frame", self.what), e))?;
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
}

impl FrameSink for AvSink {
    fn push(&mut self, _index: u64, image: &Arc<Vec<u8>>) -> Result<()> {
        let img = decode(&self.path, image, self.size, &mut self.timings)?;
        let t = Instant::now();
        match &mut self.convert {
            Convert::Yuv420(c) => c
                .run(&img.into_rgb(), &mut self.current)
                .map_err(|e| fferr(&self.path, "colour conversion failed", e))?,
            Convert::Yuva420 => convert::rgba_to_yuva420p(&img.into_rgba(), &mut self.current),
            Convert::Yuva444p10 => convert::rgba_to_yuva444p10(&img.into_rgba(), &mut self.current),
        }
        self.timings.convert += t.elapsed();
        self.encode_current()
    }

    fn repeat(&mut self, _index: u64) -> Result<()> {
        if self.pushed == 0 {
            return Err(nothing_to_repeat(&self.path));
        }
        self.encode_current()
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.video
            .send_eof()
            .map_err(|e| fferr(&self.path, &format!("cannot flush {}", self.what), e))?;
        self.drain_video()?;
        if let Some(a) = &mut self.audio {
            a.write_until(&mut self.octx, i64::MAX, self.video_tb)
                .map_err(|e| fferr(&self.path, "cannot write audio", e))?;
        }
        self.octx
            .write_trailer()
            .map_err(|e| fferr(&self.path, "cannot finish the file", e))
    }

    fn timings(&self) -> EncodeTimings {
        self.timings
    }
}
