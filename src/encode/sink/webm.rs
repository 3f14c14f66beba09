//! WebM: VP9 through libvpx with its alpha plane kept (yuva420p, stream
//! tagged `alpha_mode=1`), and Opus at 48 kHz.

use std::path::Path;

use ffmpeg_next::format::Pixel;

use super::av::{AvSink, VideoSpec};
use crate::config::{Quality, RateControl};
use crate::encode::audio::AudioCodec;
use crate::encode::EncodeSettings;
use crate::error::Result;

/// VP9 settings per quality preset: (CRF, deadline, cpu-used).
fn preset(q: Quality) -> (u32, &'static str, u32) {
    match q {
        Quality::Draft => (40, "realtime", 8),
        Quality::Standard => (31, "good", 4),
        Quality::High => (24, "good", 4),
    }
}

/// Open a WebM sink.
pub(super) fn open(path: &Path, s: &EncodeSettings, audio: Option<&[f32]>) -> Result<AvSink> {
    let (crf, deadline, cpu_used) = preset(s.output.quality);
    let mut options = vec![
        ("deadline", deadline.to_owned()),
        ("cpu-used", cpu_used.to_string()),
        ("row-mt", "1".to_owned()),
        ("auto-alt-ref", "0".to_owned()),
    ];
    let bit_rate = match s.output.rate {
        Some(RateControl::Bitrate(b)) => Some(b),
        Some(RateControl::Crf(c)) => {
            options.push(("crf", c.to_string()));
            Some(0)
        }
        // Constant quality: CRF with a bitrate of 0.
        None => {
            options.push(("crf", crf.to_string()));
            Some(0)
        }
    };
    let spec = VideoSpec {
        container: "webm",
        encoder: "libvpx-vp9",
        pixel: Pixel::YUVA420P,
        options,
        bit_rate,
        gop: s.output.gop.unwrap_or(0),
        codec_tag: None,
        stream_metadata: vec![("alpha_mode", "1")],
        header: Vec::new(),
        audio: AudioCodec::Opus,
    };
    AvSink::open(path, s, spec, audio)
}
