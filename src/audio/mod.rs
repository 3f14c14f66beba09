//! Audio stage: decode every `<audio>` clip and audible `<video>`, apply its
//! media start, length, rate, looping and volume, place it at its start time, and mix everything to 48 kHz
//! stereo float. The mix lasts exactly as long as the video.

pub mod stretch;

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
        if (clip.rate - 1.0).abs() < 1e-9 {
            place(&mut out, src, clip, total);
            continue;
        }
        // Another rate: the source from the media start, stretched with its
        // pitch kept, then placed at rate 1 (loops wrap the stretched
        // source, which is the same loop played at the rate).
        let skip = ((clip.media_start * f64::from(AUDIO_RATE)).round() as usize * 2).min(src.len());
        let stretched = stretch::stretch(&src[skip..], clip.rate, &clip.src)?;
        let at_rate_one = AudioClip {
            media_start: 0.0,
            rate: 1.0,
            ..clip.clone()
        };
        place(&mut out, &stretched, &at_rate_one, total);
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
/// is not 1 (pitch would follow the rate, as on a tape: [`mix`] stretches
/// such clips first, so they reach here at rate 1), and wraps to the media
/// start when the clip loops.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A stereo source whose left sample n is n (a ramp), so positions read
    /// back directly.
    fn ramp(frames: usize) -> Vec<f32> {
        (0..frames).flat_map(|n| [n as f32, 0.0]).collect()
    }

    fn clip(media_start: f64, rate: f64, looping: bool, seconds: f64) -> AudioClip {
        AudioClip {
            id: "a".into(),
            src: PathBuf::from("a.wav"),
            start: 0.0,
            duration: seconds,
            media_start,
            rate,
            looping,
            volume: 1.0,
        }
    }

    fn left(out: &[f32], i: usize) -> f32 {
        out[2 * i]
    }

    #[test]
    fn rate_two_reads_every_other_sample_and_stops_at_the_end() {
        let src = ramp(1000);
        let mut out = vec![0.0; 2 * 1000];
        place(&mut out, &src, &clip(0.0, 2.0, false, 1.0), 1000);
        assert_eq!(left(&out, 10), 20.0);
        assert_eq!(left(&out, 499), 998.0);
        assert_eq!(left(&out, 600), 0.0, "past the source's end is silence");
    }

    #[test]
    fn half_rate_interpolates_between_samples() {
        let src = ramp(1000);
        let mut out = vec![0.0; 2 * 100];
        place(&mut out, &src, &clip(0.0, 0.5, false, 1.0), 100);
        assert_eq!(left(&out, 10), 5.0);
        assert_eq!(left(&out, 11), 5.5);
    }

    #[test]
    fn looping_wraps_to_the_media_start() {
        let rate = f64::from(AUDIO_RATE);
        let src = ramp(300);
        let mut out = vec![0.0; 2 * 1000];
        // Media start at sample 100: 200 samples play, then again.
        place(&mut out, &src, &clip(100.0 / rate, 1.0, true, 1.0), 1000);
        assert_eq!(left(&out, 0), 100.0);
        assert_eq!(left(&out, 199), 299.0);
        assert_eq!(left(&out, 200), 100.0);
        assert_eq!(left(&out, 450), 150.0);
    }
}
