//! MOV: ProRes 4444 with alpha (prores_ks, yuva444p10le, vendor `apl0`),
//! and AAC. ProRes is intra-only, so every frame is a keyframe.

use std::path::Path;

use ffmpeg_next::format::Pixel;

use super::av::{AvSink, VideoSpec};
use crate::config::Quality;
use crate::encode::audio::AudioCodec;
use crate::encode::EncodeSettings;
use crate::error::Result;

/// prores_ks quantiser matrix per quality preset: drafts use the proxy
/// matrix, the others let the 4444 profile choose.
fn quant_mat(q: Quality) -> &'static str {
    match q {
        Quality::Draft => "proxy",
        Quality::Standard | Quality::High => "auto",
    }
}

/// Open a MOV sink. prores_ks picks the 4444 profile itself for a pixel
/// format with alpha (its `profile` option is left at `auto`).
pub(super) fn open(path: &Path, s: &EncodeSettings, audio: Option<&[f32]>) -> Result<AvSink> {
    let spec = VideoSpec {
        container: "mov",
        encoder: "prores_ks",
        pixel: Pixel::YUVA444P10LE,
        options: vec![
            ("vendor", "apl0".to_owned()),
            ("alpha_bits", "16".to_owned()),
            ("quant_mat", quant_mat(s.output.quality).to_owned()),
        ],
        bit_rate: None,
        gop: 0,
        codec_tag: None,
        stream_metadata: Vec::new(),
        header: Vec::new(),
        audio: AudioCodec::Aac,
    };
    AvSink::open(path, s, spec, audio)
}
