//! Audio decoding to interleaved `f32` at a caller-chosen rate and channel
//! count: the renderer mixes its sources at 48 kHz stereo, the harness
//! compares envelopes at 16 kHz mono. swresample does the conversion so the
//! result matches what `ffmpeg -ar R -ac C` would produce.

use std::path::Path;

use ffmpeg::format::sample::{Sample, Type as SampleType};
use ffmpeg::media::Type;
use ffmpeg::software::resampling;
use ffmpeg::util::frame::Audio as AvFrame;
use ffmpeg::ChannelLayout;
use ffmpeg_next as ffmpeg;

use super::open;
use crate::error::{Error, Result};

/// Decode the first audio stream of `path` to packed `f32` samples,
/// interleaved, at `sample_rate` Hz with `channels` channels (1 = mono
/// downmix, 2 = stereo). A mono source is copied to every output channel
/// at full level, as browsers play a mono `<audio>` (swresample's default
/// matrix would spread it at -3 dB). A file without an audio stream gives
/// `Ok(empty)`: silence is a valid answer for a video without sound.
pub fn decode_audio(path: &Path, sample_rate: u32, channels: u16) -> Result<Vec<f32>> {
    if sample_rate == 0 || channels == 0 {
        return Err(Error::media(
            path,
            format!("cannot decode audio to {sample_rate} Hz with {channels} channels"),
        ));
    }
    let mut input = open(path)?;
    let Some(stream) = input.streams().best(Type::Audio) else {
        return Ok(Vec::new());
    };
    let index = stream.index();
    let ctx = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| Error::media(path, format!("cannot read the audio codec parameters: {e}")))?;
    let mut decoder = ctx
        .decoder()
        .audio()
        .map_err(|e| Error::media(path, format!("cannot open the audio decoder: {e}")))?;

    let mut out = Resample {
        path,
        rate: sample_rate,
        channels,
        layout: ChannelLayout::default(i32::from(channels)),
        swr: None,
        samples: Vec::new(),
    };
    super::pump(&mut input, index, path, "audio", &mut decoder, |d| {
        out.drain(d)
    })?;
    out.flush()?;
    Ok(out.samples)
}

/// The conversion state of one decode.
struct Resample<'a> {
    path: &'a Path,
    rate: u32,
    channels: u16,
    layout: ChannelLayout,
    /// Built from the first frame (decoders only know their real format
    /// then); rebuilt, after flushing, if a later frame changes it.
    swr: Option<resampling::Context>,
    samples: Vec<f32>,
}

impl Resample<'_> {
    /// Receive and convert every frame the decoder has ready.
    fn drain(&mut self, decoder: &mut ffmpeg::decoder::Audio) -> Result<()> {
        let mut frame = AvFrame::empty();
        loop {
            match decoder.receive_frame(&mut frame) {
                Ok(()) => self.convert(&mut frame)?,
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(e) => return Err(Error::media(self.path, format!("cannot decode audio: {e}"))),
            }
        }
    }

    /// Resample one decoded frame and append its output.
    fn convert(&mut self, frame: &mut AvFrame) -> Result<()> {
        // Sources with an unknown layout (plain PCM WAV) report an empty
        // mask; swresample then refuses the frame as "changed", so name
        // the default layout for the channel count on both sides.
        if frame.channel_layout().is_empty() {
            frame.set_channel_layout(ChannelLayout::default(i32::from(frame.channels())));
        }
        let def = (frame.format(), frame.channel_layout(), frame.rate());
        // Mono in: resample to mono and duplicate in `append`.
        let swr_layout = if frame.channels() == 1 {
            ChannelLayout::MONO
        } else {
            self.layout
        };
        let stale = self.swr.as_ref().is_none_or(|s| {
            let i = s.input();
            (i.format, i.channel_layout, i.rate) != def
        });
        if stale {
            self.flush()?;
            let swr = resampling::Context::get(
                def.0,
                def.1,
                def.2,
                Sample::F32(SampleType::Packed),
                swr_layout,
                self.rate,
            )
            .map_err(|e| {
                Error::media(
                    self.path,
                    format!("cannot resample {:?} at {} Hz: {e}", def.0, def.2),
                )
            })?;
            self.swr = Some(swr);
        }
        let swr = self.swr.as_mut().expect("resampler set above");
        let buffered = swr.delay().map_or(0, |d| d.output.max(0) as usize);
        let capacity = buffered
            + (frame.samples() as u64 * u64::from(self.rate) / u64::from(def.2.max(1))) as usize
            + 32;
        let mut out = AvFrame::new(Sample::F32(SampleType::Packed), capacity, swr_layout);
        swr.run(frame, &mut out)
            .map_err(|e| Error::media(self.path, format!("cannot resample audio: {e}")))?;
        self.append(&out);
        Ok(())
    }

    /// Drain what the resampler still holds (its filter delay).
    fn flush(&mut self) -> Result<()> {
        let Some(mut swr) = self.swr.take() else {
            return Ok(());
        };
        let layout = swr.output().channel_layout;
        loop {
            let mut out = AvFrame::new(Sample::F32(SampleType::Packed), 4096, layout);
            swr.flush(&mut out)
                .map_err(|e| Error::media(self.path, format!("cannot flush the resampler: {e}")))?;
            if out.samples() == 0 {
                return Ok(());
            }
            self.append(&out);
        }
    }

    /// Append a packed f32 frame's samples, copying a mono frame to every
    /// output channel.
    fn append(&mut self, out: &AvFrame) {
        let in_channels = usize::from(out.channels().max(1));
        let bytes = &out.data(0)[..out.samples() * in_channels * 4];
        let values = bytes
            .chunks_exact(4)
            .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
        if in_channels == 1 && self.channels > 1 {
            let copies = usize::from(self.channels);
            self.samples
                .extend(values.flat_map(|v| std::iter::repeat_n(v, copies)));
        } else {
            self.samples.extend(values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testmedia;
    use super::*;

    fn peak(s: &[f32]) -> f32 {
        s.iter().fold(0.0f32, |m, v| m.max(v.abs()))
    }

    #[test]
    fn resamples_a_wav_to_16k_mono() {
        let s = decode_audio(&testmedia::dir().join("sine.wav"), 16000, 1).unwrap();
        // 1 s of audio; swresample's filter may shift the count by a few.
        assert!((s.len() as i64 - 16000).abs() <= 16, "{} samples", s.len());
        let p = peak(&s);
        assert!((p - 0.5).abs() < 0.02, "peak {p}");
        // A 1 kHz sine at 16 kHz has 1000 zero-crossing pairs per second.
        let crossings = s.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        assert!((995..=1005).contains(&crossings), "{crossings}");
    }

    #[test]
    fn upsamples_to_48k_stereo_interleaved() {
        let s = decode_audio(&testmedia::dir().join("sine.wav"), 48000, 2).unwrap();
        assert!((s.len() as i64 - 96000).abs() <= 64, "{} samples", s.len());
        // Mono source: both channels carry the same signal.
        assert!(s.chunks_exact(2).all(|c| (c[0] - c[1]).abs() < 1e-6));
        assert!((peak(&s) - 0.5).abs() < 0.02);
    }

    #[test]
    fn decodes_aac_from_mp4_and_empty_without_audio() {
        let s = decode_audio(&testmedia::dir().join("v.mp4"), 16000, 1).unwrap();
        assert!((s.len() as i64 - 16000).abs() < 1100, "{} samples", s.len());
        assert!(peak(&s) > 0.05);
        let none = decode_audio(&testmedia::dir().join("mute.mp4"), 16000, 1).unwrap();
        assert!(none.is_empty());
    }
}
