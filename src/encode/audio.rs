//! The audio track: the mixed audio is encoded up front into packets (AAC,
//! Opus or PCM, whichever the container takes), which are then interleaved
//! with the video as it is produced. Also writes the mix alone as a WAV,
//! the audio of a png-sequence.

use std::collections::VecDeque;
use std::path::Path;

use ff::{codec, encoder, format, frame, ChannelLayout, Packet, Rational};
use ffmpeg_next as ff;

use crate::config::Fps;
use crate::error::{Error, Result};

/// Sample rate of the mix and of every audio track hf writes.
pub const AUDIO_RATE: u32 = 48_000;

/// The audio codecs the sinks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioCodec {
    /// AAC-LC at 192 kb/s (MP4, MOV).
    Aac,
    /// Opus at 128 kb/s, 48 kHz (WebM).
    Opus,
    /// 16-bit PCM (WAV beside a png-sequence).
    PcmS16,
}

impl AudioCodec {
    fn encoder(self) -> Option<ff::Codec> {
        match self {
            Self::Aac => encoder::find(codec::Id::AAC),
            Self::Opus => encoder::find_by_name("libopus"),
            Self::PcmS16 => encoder::find(codec::Id::PCM_S16LE),
        }
    }

    fn sample_format(self) -> format::Sample {
        use format::sample::Type;
        match self {
            Self::Aac => format::Sample::F32(Type::Planar),
            Self::Opus => format::Sample::F32(Type::Packed),
            Self::PcmS16 => format::Sample::I16(Type::Packed),
        }
    }

    fn bit_rate(self) -> usize {
        match self {
            Self::Aac => 192_000,
            Self::Opus => 128_000,
            Self::PcmS16 => 0,
        }
    }
}

/// The encoded mix, waiting to be interleaved.
pub(crate) struct AudioTrack {
    stream: usize,
    enc_tb: Rational,
    stream_tb: Rational,
    packets: VecDeque<Packet>,
}

/// Samples (per channel) in `frames` frames at `fps`: the exact length of
/// the video, so audio and video end together.
pub fn samples_for(frames: u64, fps: Fps) -> usize {
    (u128::from(frames) * u128::from(AUDIO_RATE) * u128::from(fps.den) / u128::from(fps.num))
        as usize
}

impl AudioTrack {
    /// Add a `codec` stream to `octx` and encode `samples` (interleaved
    /// stereo f32, already cut to the render's frames) into packets,
    /// trimmed or padded to exactly `total` samples per channel.
    pub(crate) fn open(
        path: &Path,
        octx: &mut format::context::Output,
        codec: AudioCodec,
        samples: &[f32],
        total: usize,
    ) -> Result<Self> {
        let err = |what: &str, e: ff::Error| Error::media(path, format!("{what}: {e}"));
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let found = codec
            .encoder()
            .ok_or_else(|| Error::media(path, format!("FFmpeg has no {codec:?} encoder")))?;
        let mut enc = codec::context::Context::new_with_codec(found)
            .encoder()
            .audio()
            .map_err(|e| err("cannot create the audio encoder", e))?;
        enc.set_rate(AUDIO_RATE as i32);
        enc.set_channel_layout(ChannelLayout::STEREO);
        // SAFETY: field write on an unopened context (FFmpeg 5 reads the
        // legacy channel count alongside the layout).
        unsafe {
            (*enc.as_mut_ptr()).channels = 2;
        }
        enc.set_format(codec.sample_format());
        if codec.bit_rate() > 0 {
            enc.set_bit_rate(codec.bit_rate());
        }
        let tb = Rational::new(1, AUDIO_RATE as i32);
        enc.set_time_base(tb);
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut enc = enc
            .open_as(found)
            .map_err(|e| err("cannot open the audio encoder", e))?;
        let stream = {
            let mut ost = octx
                .add_stream(found)
                .map_err(|e| err("cannot add the audio stream", e))?;
            ost.set_parameters(&enc);
            ost.set_time_base(tb);
            ost.index()
        };

        let frame_size = match enc.frame_size() {
            0 => 1024,
            n => n as usize,
        };
        let mut packets = VecDeque::new();
        let mut pos = 0usize;
        let mut pkt = Packet::empty();
        let mut drain = |enc: &mut encoder::Audio, packets: &mut VecDeque<Packet>| {
            while enc.receive_packet(&mut pkt).is_ok() {
                pkt.set_stream(stream);
                packets.push_back(std::mem::replace(&mut pkt, Packet::empty()));
            }
        };
        while pos < total {
            // Opus takes only whole frames: the last one is padded with
            // silence (its packet's duration still ends at `total`).
            let n = if codec == AudioCodec::Opus {
                frame_size
            } else {
                frame_size.min(total - pos)
            };
            let mut f = frame::Audio::new(enc.format(), n, ChannelLayout::STEREO);
            f.set_rate(AUDIO_RATE);
            let sample = |i: usize, ch: usize| {
                if pos + i < total {
                    samples.get((pos + i) * 2 + ch).copied().unwrap_or(0.0)
                } else {
                    0.0
                }
            };
            fill(&mut f, codec, n, sample);
            f.set_pts(Some(pos as i64));
            enc.send_frame(&f)
                .map_err(|e| err("the audio encoder refused a frame", e))?;
            drain(&mut enc, &mut packets);
            pos += n;
        }
        enc.send_eof()
            .map_err(|e| err("cannot flush the audio encoder", e))?;
        drain(&mut enc, &mut packets);
        Ok(Self {
            stream,
            enc_tb: tb,
            stream_tb: tb,
            packets,
        })
    }

    /// Rescale the packets to the stream's time base, which the muxer may
    /// change when it writes the header.
    pub(crate) fn set_stream_time_base(&mut self, octx: &format::context::Output) {
        if let Some(st) = octx.stream(self.stream) {
            self.stream_tb = st.time_base();
        }
        let (enc_tb, stream_tb) = (self.enc_tb, self.stream_tb);
        for p in &mut self.packets {
            p.rescale_ts(enc_tb, stream_tb);
        }
    }

    /// Write every pending packet whose time is at or before `until`
    /// (expressed in `tb`), so the file interleaves audio and video.
    pub(crate) fn write_until(
        &mut self,
        octx: &mut format::context::Output,
        until: i64,
        tb: Rational,
    ) -> std::result::Result<(), ff::Error> {
        while let Some(p) = self.packets.front() {
            let t = p.dts().or(p.pts()).unwrap_or(0);
            if until != i64::MAX
                && compare(t, self.stream_tb, until, tb) == std::cmp::Ordering::Greater
            {
                break;
            }
            if let Some(p) = self.packets.pop_front() {
                p.write_interleaved(octx)?;
            }
        }
        Ok(())
    }
}

/// Write `n` samples per channel into `f` in the codec's sample layout.
fn fill(f: &mut frame::Audio, codec: AudioCodec, n: usize, sample: impl Fn(usize, usize) -> f32) {
    match codec {
        AudioCodec::Aac => {
            for ch in 0..2 {
                for (i, out) in f.plane_mut::<f32>(ch).iter_mut().enumerate().take(n) {
                    *out = sample(i, ch);
                }
            }
        }
        AudioCodec::Opus => {
            let data = f.data_mut(0);
            for i in 0..n * 2 {
                let v = sample(i / 2, i % 2).to_le_bytes();
                data[i * 4..i * 4 + 4].copy_from_slice(&v);
            }
        }
        AudioCodec::PcmS16 => {
            let data = f.data_mut(0);
            for i in 0..n * 2 {
                let v = (sample(i / 2, i % 2).clamp(-1.0, 1.0) * 32767.0).round() as i16;
                data[i * 2..i * 2 + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
    }
}

/// Write the mix as a 16-bit stereo WAV of exactly `total` samples per
/// channel (the audio beside a png-sequence).
pub fn write_wav(path: &Path, samples: &[f32], total: usize) -> Result<()> {
    crate::decode::init();
    let err = |what: &str, e: ff::Error| Error::media(path, format!("{what}: {e}"));
    let mut octx =
        format::output_as(path, "wav").map_err(|e| err("cannot create the WAV file", e))?;
    let mut track = AudioTrack::open(path, &mut octx, AudioCodec::PcmS16, samples, total)?;
    octx.write_header()
        .map_err(|e| err("cannot write the WAV header", e))?;
    track.set_stream_time_base(&octx);
    track
        .write_until(&mut octx, i64::MAX, Rational::new(1, 1))
        .map_err(|e| err("cannot write audio", e))?;
    octx.write_trailer()
        .map_err(|e| err("cannot finish the WAV file", e))
}

fn compare(a: i64, atb: Rational, b: i64, btb: Rational) -> std::cmp::Ordering {
    // a*atb vs b*btb in exact integer arithmetic.
    let l = i128::from(a) * i128::from(atb.numerator()) * i128::from(btb.denominator());
    let r = i128::from(b) * i128::from(btb.numerator()) * i128::from(atb.denominator());
    l.cmp(&r)
}
