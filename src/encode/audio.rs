//! The AAC track: the mixed audio is encoded up front into packets, which
//! are then interleaved with the video as it is produced.

use std::collections::VecDeque;
use std::path::Path;

use ff::{codec, encoder, format, frame, ChannelLayout, Packet, Rational};
use ffmpeg_next as ff;

use super::EncodeSettings;
use crate::error::{Error, Result};

/// Sample rate of the mix and of the AAC track.
pub const AUDIO_RATE: u32 = 48_000;

pub(super) struct AudioTrack {
    stream: usize,
    enc_tb: Rational,
    stream_tb: Rational,
    packets: VecDeque<Packet>,
}

impl AudioTrack {
    /// Add an AAC stream to `octx` and encode `samples` (interleaved
    /// stereo f32) into packets, trimmed or padded to exactly the video's
    /// length.
    pub(super) fn open(
        path: &Path,
        octx: &mut format::context::Output,
        global_header: bool,
        samples: &[f32],
        s: &EncodeSettings,
    ) -> Result<Self> {
        let err = |what: &str, e: ff::Error| Error::media(path, format!("{what}: {e}"));
        let aac = encoder::find(codec::Id::AAC)
            .ok_or_else(|| Error::media(path, "FFmpeg has no AAC encoder"))?;
        let mut enc = codec::context::Context::new_with_codec(aac)
            .encoder()
            .audio()
            .map_err(|e| err("cannot create the AAC encoder", e))?;
        enc.set_rate(AUDIO_RATE as i32);
        enc.set_channel_layout(ChannelLayout::STEREO);
        // SAFETY: field write on an unopened context (FFmpeg 5 reads the
        // legacy channel count alongside the layout).
        unsafe {
            (*enc.as_mut_ptr()).channels = 2;
        }
        enc.set_format(format::Sample::F32(format::sample::Type::Planar));
        enc.set_bit_rate(192_000);
        let tb = Rational::new(1, AUDIO_RATE as i32);
        enc.set_time_base(tb);
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut enc = enc
            .open_as(aac)
            .map_err(|e| err("cannot open the AAC encoder", e))?;
        let stream = {
            let mut ost = octx
                .add_stream(aac)
                .map_err(|e| err("cannot add the audio stream", e))?;
            ost.set_parameters(&enc);
            ost.set_time_base(tb);
            ost.index()
        };

        // Exactly frames / fps seconds of audio.
        let total = (s.frames as u128 * u128::from(AUDIO_RATE) * u128::from(s.fps.den)
            / u128::from(s.fps.num)) as usize;
        let frame_size = match enc.frame_size() {
            0 => 1024,
            n => n as usize,
        };
        let mut packets = VecDeque::new();
        let mut pos = 0usize;
        let mut pkt = Packet::empty();
        while pos < total {
            let n = frame_size.min(total - pos);
            let mut f = frame::Audio::new(enc.format(), n, ChannelLayout::STEREO);
            f.set_rate(AUDIO_RATE);
            for ch in 0..2 {
                let plane = f.plane_mut::<f32>(ch);
                for (i, out) in plane.iter_mut().enumerate().take(n) {
                    let idx = (pos + i) * 2 + ch;
                    *out = samples.get(idx).copied().unwrap_or(0.0);
                }
            }
            f.set_pts(Some(pos as i64));
            enc.send_frame(&f)
                .map_err(|e| err("AAC refused a frame", e))?;
            while enc.receive_packet(&mut pkt).is_ok() {
                pkt.set_stream(stream);
                packets.push_back(std::mem::replace(&mut pkt, Packet::empty()));
            }
            pos += n;
        }
        enc.send_eof().map_err(|e| err("cannot flush AAC", e))?;
        while enc.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(stream);
            packets.push_back(std::mem::replace(&mut pkt, Packet::empty()));
        }
        Ok(Self {
            stream,
            enc_tb: tb,
            stream_tb: tb,
            packets,
        })
    }

    pub(super) fn set_stream_time_base(&mut self, octx: &format::context::Output) {
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
    pub(super) fn write_until(
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

fn compare(a: i64, atb: Rational, b: i64, btb: Rational) -> std::cmp::Ordering {
    // a*atb vs b*btb in exact integer arithmetic.
    let l = i128::from(a) * i128::from(atb.numerator()) * i128::from(btb.denominator());
    let r = i128::from(b) * i128::from(btb.numerator()) * i128::from(atb.denominator());
    l.cmp(&r)
}
