//! Pitch-preserving time stretch for clips played at a rate other than 1.
//! A browser keeps the pitch of an `<audio>` or `<video>` whose
//! `playbackRate` changes (`preservesPitch` is on by default), and so does
//! the reference renderer, so what an author heard in a preview is a voice
//! sped up, not raised. FFmpeg's `atempo` does the stretching; one stage
//! takes factors from 0.5 to 2, so other rates run through a chain.

use std::path::Path;

use ffmpeg::filter;
use ffmpeg::format::sample::{Sample, Type as SampleType};
use ffmpeg::util::frame::Audio as AvFrame;
use ffmpeg::ChannelLayout;
use ffmpeg_next as ffmpeg;

use crate::encode::AUDIO_RATE;
use crate::error::{Error, Result};

/// Samples per frame fed to the graph.
const CHUNK: usize = 4096;

/// The `atempo` stages whose product is `rate`, each within 0.5..=2.
pub fn atempo_chain(rate: f64) -> Vec<f64> {
    let mut left = rate;
    let mut stages = Vec::new();
    while left > 2.0 {
        stages.push(2.0);
        left /= 2.0;
    }
    while left < 0.5 {
        stages.push(0.5);
        left /= 0.5;
    }
    stages.push(left);
    stages
}

/// `src` (interleaved stereo `f32` at [`AUDIO_RATE`]) played at `rate`
/// source seconds per output second, pitch kept. `path` names the source
/// in errors.
pub fn stretch(src: &[f32], rate: f64, path: &Path) -> Result<Vec<f32>> {
    let err = |what: &str, e: ffmpeg::Error| {
        Error::media(
            path,
            format!("cannot stretch the audio to rate {rate}: {what}: {e}"),
        )
    };
    let mut graph = filter::Graph::new();
    let find = |name: &str| {
        filter::find(name).ok_or_else(|| Error::media(path, format!("FFmpeg has no {name} filter")))
    };
    let args = format!(
        "sample_rate={AUDIO_RATE}:sample_fmt=flt:channel_layout=stereo:time_base=1/{AUDIO_RATE}"
    );
    graph
        .add(&find("abuffer")?, "in", &args)
        .map_err(|e| err("abuffer", e))?;
    graph
        .add(&find("abuffersink")?, "out", "")
        .map_err(|e| err("abuffersink", e))?;
    let chain: Vec<String> = atempo_chain(rate)
        .iter()
        .map(|f| format!("atempo={f:.6}"))
        .collect();
    let spec = format!(
        "{},aformat=sample_fmts=flt:channel_layouts=stereo",
        chain.join(",")
    );
    graph
        .output("in", 0)
        .and_then(|p| p.input("out", 0))
        .and_then(|p| p.parse(&spec))
        .map_err(|e| err(&spec, e))?;
    graph.validate().map_err(|e| err("validate", e))?;

    let mut out = Vec::with_capacity((src.len() as f64 / rate) as usize + CHUNK * 2);
    let mut pts = 0i64;
    for chunk in src.chunks(CHUNK * 2) {
        let samples = chunk.len() / 2;
        let mut frame = AvFrame::new(
            Sample::F32(SampleType::Packed),
            samples,
            ChannelLayout::STEREO,
        );
        frame.set_rate(AUDIO_RATE);
        frame.set_pts(Some(pts));
        pts += samples as i64;
        let bytes = frame.data_mut(0);
        for (dst, v) in bytes.chunks_exact_mut(4).zip(chunk) {
            dst.copy_from_slice(&v.to_ne_bytes());
        }
        feed(&mut graph, Some(&frame)).map_err(|e| err("feed", e))?;
        drain(&mut graph, &mut out);
    }
    feed(&mut graph, None).map_err(|e| err("flush", e))?;
    drain(&mut graph, &mut out);
    Ok(out)
}

fn feed(
    graph: &mut filter::Graph,
    frame: Option<&AvFrame>,
) -> std::result::Result<(), ffmpeg::Error> {
    let Some(mut ctx) = graph.get("in") else {
        return Err(ffmpeg::Error::Bug);
    };
    let mut source = ctx.source();
    match frame {
        Some(f) => source.add(f),
        None => source.flush(),
    }
}

/// Move every frame the sink has ready into `out`.
fn drain(graph: &mut filter::Graph, out: &mut Vec<f32>) {
    let Some(mut ctx) = graph.get("out") else {
        return;
    };
    let mut frame = AvFrame::empty();
    while ctx.sink().frame(&mut frame).is_ok() {
        let n = frame.samples() * 2;
        out.extend(
            frame.data(0)[..n * 4]
                .chunks_exact(4)
                .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_stay_within_one_stage_range() {
        for rate in [0.1, 0.25, 0.7, 1.5, 3.0, 5.0] {
            let chain = atempo_chain(rate);
            assert!(
                chain.iter().all(|f| (0.5..=2.0).contains(f)),
                "{rate}: {chain:?}"
            );
            let product: f64 = chain.iter().product();
            assert!((product - rate).abs() < 1e-9, "{rate}: {product}");
        }
    }

    /// A 1 kHz tone at rate 2 lasts half as long and keeps its pitch
    /// (counted by zero crossings), where a tape would double it.
    #[test]
    fn double_rate_halves_the_length_and_keeps_the_pitch() {
        ffmpeg::init().expect("FFmpeg initialises");
        let rate = f64::from(AUDIO_RATE);
        let tone: Vec<f32> = (0..AUDIO_RATE as usize)
            .flat_map(|i| {
                let v = (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / rate).sin() as f32 * 0.5;
                [v, v]
            })
            .collect();
        let out = stretch(&tone, 2.0, Path::new("tone")).expect("atempo runs");
        let frames = out.len() / 2;
        assert!(
            (frames as i64 - 24_000).abs() < 1_200,
            "expected about 24000 frames, saw {frames}"
        );
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        let mid = &left[frames / 4..frames * 3 / 4];
        let crossings = mid.windows(2).filter(|w| w[0] <= 0.0 && w[1] > 0.0).count();
        let hz = crossings as f64 / (mid.len() as f64 / rate);
        assert!((hz - 1000.0).abs() < 20.0, "expected 1000 Hz, saw {hz:.1}");
    }
}
