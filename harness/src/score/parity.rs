//! Stream duration parity: the render's audio and video streams must end
//! together. A muxer that truncates one of them (the reference renderer's
//! `-shortest` bug) passes every other check.

use hf::decode::MediaInfo;

use crate::model::StreamParity;

/// Largest allowed gap between the stream durations, seconds.
pub const MAX_DRIFT_S: f64 = 0.5;

/// Check the render's stream durations (skipped, i.e. passed, without audio).
pub fn check(info: &MediaInfo) -> StreamParity {
    let passed = info
        .audio_duration_s
        .is_none_or(|a| (a - info.video_duration_s).abs() <= MAX_DRIFT_S);
    StreamParity {
        video_s: info.video_duration_s,
        audio_s: info.audio_duration_s,
        passed,
    }
}

/// The verdict reason for a failed check.
pub fn reason(p: &StreamParity) -> String {
    format!(
        "stream parity: video {:.3} s, audio {:.3} s (more than {MAX_DRIFT_S} s apart)",
        p.video_s,
        p.audio_s.unwrap_or(0.0)
    )
}

/// Stream parity as a [`super::Check`].
pub struct ParityCheck;

impl super::Check for ParityCheck {
    fn name(&self) -> &'static str {
        "parity"
    }

    fn run(
        &self,
        input: &super::Inputs<'_>,
        result: &mut crate::model::FixtureResult,
    ) -> Result<Vec<String>, super::ScoreError> {
        let mut info = hf::decode::probe(&input.rendered.video)?;
        if input.rendered.audio != input.rendered.video {
            // A png-sequence: its audio is the WAV beside the frames.
            info.audio_duration_s = match input.rendered.audio.is_file() {
                true => hf::decode::probe(&input.rendered.audio)?.audio_duration_s,
                false => None,
            };
            let fps = input.meta.render.fps.map_or(30.0, |f| f.as_f64());
            info.video_duration_s = info.video_frames as f64 / fps;
        }
        let p = check(&info);
        let reasons = if p.passed {
            Vec::new()
        } else {
            vec![reason(&p)]
        };
        result.parity = Some(p);
        Ok(reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(video: f64, audio: Option<f64>) -> MediaInfo {
        MediaInfo {
            width: 8,
            height: 8,
            frame_rate: (30, 1),
            video_frames: (video * 30.0) as u64,
            video_duration_s: video,
            audio_duration_s: audio,
            audio_sample_rate: audio.map(|_| 48_000),
            audio_channels: audio.map(|_| 2),
            bt601: false,
        }
    }

    #[test]
    fn parity_within_half_a_second() {
        assert!(check(&info(4.0, Some(4.02))).passed);
        assert!(check(&info(4.0, Some(3.5))).passed);
        assert!(!check(&info(4.0, Some(3.4))).passed);
        assert!(!check(&info(4.0, Some(4.6))).passed);
        assert!(check(&info(4.0, None)).passed);
        assert!(reason(&check(&info(4.0, Some(2.0)))).contains("video 4.000 s, audio 2.000 s"));
    }
}
