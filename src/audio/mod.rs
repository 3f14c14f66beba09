//! Audio stage: decode every `<audio>` clip and audible `<video>`, apply its
//! media start, length, rate, looping and volume, place it at its start time, and mix everything to 48 kHz
//! stereo float. The mix lasts exactly as long as the video.

use crate::compile::AudioClip;
use crate::encode::AUDIO_RATE;
use crate::error::Result;

/// The mixed track: interleaved stereo f32 at [`AUDIO_RATE`].
#[derive(Debug, Clone, Default)]
pub struct Mix {
    /// Interleaved L/R samples.
    pub samples: Vec<f32>,
    /// Samples that had to be clipped to ±1 after summing.
    pub clipped: usize,
}

/// Mix `clips` into a track of `total_seconds`. Returns None when there are
/// no clips, so the output has no audio stream at all.
pub fn mix(clips: &[AudioClip], total_seconds: f64) -> Result<Option<Mix>> {
    if clips.is_empty() {
        return Ok(None);
    }
    let rate = f64::from(AUDIO_RATE);
    let total = (total_seconds * rate).round() as usize;
    let mut out = vec![0f32; total * 2];
    // Each source is decoded once, however many clips play it (a click
    // under every cut). `decode_audio` puts a mono source on both sides at
    // full level, so a mono file keeps its loudness.
    let mut decoded: std::collections::HashMap<&std::path::Path, Vec<f32>> =
        std::collections::HashMap::new();
    for clip in clips {
        if !decoded.contains_key(clip.src.as_path()) {
            let samples = crate::decode::decode_audio(&clip.src, AUDIO_RATE, 2)?;
            decoded.insert(clip.src.as_path(), samples);
        }
        let src = &decoded[clip.src.as_path()];
        place(&mut out, src, clip, total);
    }
    let mut clipped = 0;
    for s in &mut out {
        if s.abs() > 1.0 {
            clipped += 1;
            *s = s.clamp(-1.0, 1.0);
        }
    }
    Ok(Some(Mix {
        samples: out,
        clipped,
    }))
}

/// Add one clip to the mix. The source is read at `rate` source seconds per
/// output second, with linear interpolation between samples when the rate
/// is not 1 (pitch follows the rate, as when a tape runs fast), and wraps
/// to the media start when the clip loops.
fn place(out: &mut [f32], src: &[f32], clip: &AudioClip, total: usize) {
    let rate = f64::from(AUDIO_RATE);
    let frames_in = src.len() / 2;
    let skip = (clip.media_start * rate).round() as usize;
    if skip >= frames_in {
        return;
    }
    let playable = (frames_in - skip) as f64;
    let len = (clip.duration * rate).round() as usize;
    let at = (clip.start * rate).round() as usize;
    let gain = clip.volume as f32;
    let sample = |i: usize, side: usize| src[2 * i + side];
    for i in 0..len {
        let o = at + i;
        if o >= total {
            break;
        }
        let mut p = i as f64 * clip.rate;
        if clip.looping {
            p %= playable;
        } else if p > playable - 1.0 {
            break;
        }
        let s = skip + p as usize;
        let frac = (p - p.floor()) as f32;
        let next = if s + 1 < frames_in {
            s + 1
        } else if clip.looping {
            skip
        } else {
            s
        };
        for side in 0..2 {
            let v = sample(s, side) * (1.0 - frac) + sample(next, side) * frac;
            out[2 * o + side] += v * gain;
        }
    }
}
