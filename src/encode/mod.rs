//! Encode stage: captured screenshots in, the output format out, through a
//! [`sink::FrameSink`] per container or codec family (in-process libav
//! through ffmpeg-next: x264/x265, VP9, ProRes, GIF; or PNG files). Frames
//! arrive through a channel and never touch the disk, except as the PNGs
//! of a png-sequence.
//!
//! Colour: Chrome's JPEGs are sRGB stored as full-range BT.601 YCbCr. They
//! are decoded to RGB and converted to limited-range BT.709 YUV, so the
//! stream's BT.709 tags tell the truth. Alpha, where the format keeps it,
//! is straight (not premultiplied).

pub(crate) mod audio;
mod convert;
pub mod sink;
pub mod stage;

use crate::config::{Fps, FrameRange, Output};
pub use audio::{samples_for, write_wav, AUDIO_RATE};
pub use sink::FrameSink;

/// What the encoder needs to know up front.
#[derive(Debug, Clone)]
pub struct EncodeSettings {
    /// Frame width in pixels (even).
    pub width: u32,
    /// Frame height in pixels (even).
    pub height: u32,
    /// Output frame rate.
    pub fps: Fps,
    /// Format, codec and rate control.
    pub output: Output,
    /// The composition frames that will be pushed (fixes the audio length).
    pub frames: FrameRange,
}

/// Where the encoder's time goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeTimings {
    /// Screenshot decoding (JPEG, or PNG when the format keeps alpha).
    pub jpeg_decode: std::time::Duration,
    /// RGB(A) to the encoder's YUV.
    pub convert: std::time::Duration,
    /// The encoder and muxer (x264, x265, VP9, ProRes, GIF, PNG writes).
    pub x264: std::time::Duration,
}

/// Cut the mix (interleaved stereo at [`AUDIO_RATE`], starting at frame 0)
/// to the window of `frames`: the audio of a range render is the audio a
/// full render plays under those frames.
pub fn cut_audio(samples: &[f32], frames: FrameRange, fps: Fps) -> Vec<f32> {
    let from = samples_for(frames.first, fps) * 2;
    let to = samples_for(frames.last + 1, fps) * 2;
    let mut out: Vec<f32> = samples
        .get(from.min(samples.len())..to.min(samples.len()))
        .unwrap_or_default()
        .to_vec();
    out.resize(to - from, 0.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_is_cut_to_the_frames_window() {
        // 1 s of a ramp at 48 kHz; frames 15..=29 at 30 fps are its second half.
        let samples: Vec<f32> = (0..96_000).map(|i| (i / 2) as f32).collect();
        let cut = cut_audio(
            &samples,
            FrameRange {
                first: 15,
                last: 29,
            },
            Fps::int(30),
        );
        assert_eq!(cut.len(), 48_000);
        assert_eq!(cut[0], 24_000.0);
        assert_eq!(cut[cut.len() - 1], 47_999.0);
    }
}
