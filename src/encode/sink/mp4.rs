//! MP4: H.264 through libx264 (the default) or H.265 through libx265
//! (yuv420p, tagged `hvc1` so Apple players and browsers accept it), with
//! AAC. Alpha is dropped: frames are captured as JPEG.

use std::path::Path;

use ffmpeg_next::format::Pixel;

use super::av::{AvSink, VideoSpec};
use crate::config::{Codec, Quality, RateControl};
use crate::encode::audio::AudioCodec;
use crate::encode::EncodeSettings;
use crate::error::Result;

const BT709: &str = "colorprim=bt709:transfer=bt709:colormatrix=bt709";

/// The x265 CRF a quality preset maps to: x264's plus 4, which spends
/// about as many bits for the same look.
fn x265_crf(q: Quality) -> u32 {
    u32::from(q.crf()) + 4
}

/// Open an MP4 sink.
pub(super) fn open(path: &Path, s: &EncodeSettings, audio: Option<&[f32]>) -> Result<AvSink> {
    let out = &s.output;
    let h265 = out.codec == Codec::H265;
    let mut options = vec![("preset", out.preset.clone())];
    let default_crf = if h265 {
        x265_crf(out.quality)
    } else {
        u32::from(out.quality.crf())
    };
    let bit_rate = match out.rate {
        Some(RateControl::Bitrate(b)) => Some(b),
        Some(RateControl::Crf(c)) => {
            options.push(("crf", c.to_string()));
            None
        }
        None => {
            options.push(("crf", default_crf.to_string()));
            None
        }
    };
    let mut params: Vec<String> = Vec::new();
    if h265 {
        params.push("log-level=error:bframes=0".into());
    } else if out.quality == Quality::Draft && out.preset == "ultrafast" {
        params.push("aq-mode=3".into());
    } else {
        params.push("aq-mode=3:aq-strength=0.8:deblock=1,1".into());
    }
    params.push(BT709.into());
    if let Some(g) = out.gop {
        // Chunks concatenated by stream copy: every chunk opens on an IDR
        // frame, GOPs are closed and of one length, and the parameter sets
        // repeat so each chunk decodes on its own.
        params.push(format!(
            "keyint={g}:min-keyint={g}:scenecut=0:open-gop=0:repeat-headers=1"
        ));
    }
    let key = if h265 { "x265-params" } else { "x264-params" };
    options.push((key, params.join(":")));
    let spec = VideoSpec {
        container: "mp4",
        encoder: if h265 { "libx265" } else { "libx264" },
        pixel: Pixel::YUV420P,
        options,
        bit_rate,
        gop: out.gop.unwrap_or(0),
        codec_tag: h265.then_some(*b"hvc1"),
        stream_metadata: Vec::new(),
        header: vec![("movflags", "+faststart")],
        audio: AudioCodec::Aac,
    };
    AvSink::open(path, s, spec, audio)
}
