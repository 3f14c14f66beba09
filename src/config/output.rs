//! Output settings: which container and codec a render writes, the
//! encoder's rate control, and the frame range. Validated once, before any
//! stage runs, so every mistake is an exit-2 error that names its flag.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Quality;
use crate::error::{Error, Result};

/// An output format: one frame sink each (`src/encode/sink/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// H.264 (or H.265 with `--codec h265`) and AAC in MP4 (the default).
    #[default]
    Mp4,
    /// VP9 with alpha and Opus in WebM.
    Webm,
    /// ProRes 4444 with alpha and AAC in QuickTime.
    Mov,
    /// A folder of RGBA PNGs, `frame_000001.png`…, and `audio.wav`.
    PngSequence,
    /// An animated GIF (no audio).
    Gif,
}

impl Format {
    /// Every format, for messages and tests.
    pub const ALL: [Format; 5] = [
        Self::Mp4,
        Self::Webm,
        Self::Mov,
        Self::PngSequence,
        Self::Gif,
    ];

    /// The `--format` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Webm => "webm",
            Self::Mov => "mov",
            Self::PngSequence => "png-sequence",
            Self::Gif => "gif",
        }
    }

    /// The format an output name implies: its extension, or a folder
    /// (png-sequence) when it has none. `Err` holds an unknown extension.
    pub fn from_path(path: &Path) -> std::result::Result<Self, String> {
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            return Ok(Self::PngSequence);
        };
        match ext.to_ascii_lowercase().as_str() {
            "mp4" => Ok(Self::Mp4),
            "webm" => Ok(Self::Webm),
            "mov" => Ok(Self::Mov),
            "gif" => Ok(Self::Gif),
            other => Err(other.to_owned()),
        }
    }

    /// The format keeps an alpha channel: the page's default background is
    /// then transparent and frames are captured as PNG instead of JPEG.
    pub fn keeps_alpha(self) -> bool {
        !matches!(self, Self::Mp4)
    }

    /// The format carries the audio mix (png-sequence beside it as WAV).
    pub fn has_audio(self) -> bool {
        !matches!(self, Self::Gif)
    }

    /// The output is a folder rather than a file.
    pub fn is_folder(self) -> bool {
        matches!(self, Self::PngSequence)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                format!("unknown format {s:?}: expected mp4, webm, mov, png-sequence or gif")
            })
    }
}

/// The video codec of an MP4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// libx264, yuv420p.
    #[default]
    H264,
    /// libx265, yuv420p, tagged `hvc1` so QuickTime and browsers play it.
    H265,
}

impl FromStr for Codec {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "h264" => Ok(Self::H264),
            "h265" | "hevc" => Ok(Self::H265),
            other => Err(format!("unknown codec {other:?}: expected h264 or h265")),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::H264 => "h264",
            Self::H265 => "h265",
        })
    }
}

/// Frames `first..=last` of the composition, both inclusive and 0-based:
/// frame k is the page at k·den/num seconds, exactly the frame k of a full
/// render. Written `A-B` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameRange {
    /// First frame rendered.
    pub first: u64,
    /// Last frame rendered (inclusive).
    pub last: u64,
}

impl FrameRange {
    /// Number of frames in the range.
    pub fn len(self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a range holds at least its first frame.
    pub fn is_empty(self) -> bool {
        false
    }

    /// Check the range against a composition of `total` frames.
    pub fn validate(self, total: u64) -> Result<Self> {
        let bad = |message: String| Error::Input {
            what: format!("--frames {self}"),
            message,
        };
        if self.first > self.last {
            return Err(bad(format!(
                "the range is reversed: write the first frame first ({}-{})",
                self.last, self.first
            )));
        }
        if self.last >= total {
            return Err(bad(format!(
                "the composition has {total} frames (0-{}); frame {} is outside it",
                total.saturating_sub(1),
                self.last
            )));
        }
        Ok(self)
    }
}

impl fmt::Display for FrameRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl FromStr for FrameRange {
    type Err = String;
    /// `A-B` (or `A` for one frame); reversal is checked by
    /// [`FrameRange::validate`] so its message can name both ends.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let parse = |v: &str| {
            v.trim().parse::<u64>().map_err(|_| {
                format!("invalid frame range {s:?}: expected A-B with 0-based frame numbers")
            })
        };
        let (first, last) = match s.split_once('-') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => (parse(s)?, parse(s)?),
        };
        Ok(Self { first, last })
    }
}

/// What the caller asks of the output; [`OutputSettings::resolve`] checks
/// it against the output path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputSettings {
    /// `--format`; None = from the output's extension.
    pub format: Option<Format>,
    /// `--codec` (mp4 only); None = H.264.
    pub codec: Option<Codec>,
    /// `--crf`: constant quality instead of the preset's.
    pub crf: Option<u32>,
    /// `--video-bitrate` in bits per second, instead of a CRF.
    pub video_bitrate: Option<u64>,
    /// `--preset` for x264 / x265 instead of the quality's.
    pub preset: Option<String>,
    /// `--gif-loop`: 0 loops forever, N plays N+1 times.
    pub gif_loop: u16,
    /// Chunk mode for concatenation by stream copy: a closed GOP of this
    /// many frames starting with an IDR frame, no scene-cut keyframes, no
    /// B-frames, headers repeated on every keyframe.
    pub gop: Option<u32>,
}

/// How the encoder spends bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateControl {
    /// Constant rate factor (CRF for x264/x265/VP9).
    Crf(u32),
    /// Average bitrate in bits per second.
    Bitrate(u64),
}

/// Validated output settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The container family.
    pub format: Format,
    /// MP4's codec (H.264 for every other format's purposes).
    pub codec: Codec,
    /// The quality preset the other fields default from.
    pub quality: Quality,
    /// `Some` when `--crf` or `--video-bitrate` overrode the preset.
    pub rate: Option<RateControl>,
    /// x264/x265 preset name.
    pub preset: String,
    /// GIF loop count.
    pub gif_loop: u16,
    /// Chunk-mode GOP length.
    pub gop: Option<u32>,
}

const X26X_PRESETS: [&str; 10] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

impl OutputSettings {
    /// Check the settings against `output` and each other; every refusal is
    /// an [`Error::Input`] naming the flag.
    pub fn resolve(&self, output: &Path, quality: Quality) -> Result<Output> {
        let input = |what: &str, message: String| Error::Input {
            what: what.to_owned(),
            message,
        };
        let out_flag = format!("--output {}", output.display());
        let from_path = Format::from_path(output);
        let format = match (self.format, from_path) {
            (_, Err(ext)) => {
                return Err(input(
                    &out_flag,
                    format!(
                        "unknown extension .{ext}: use .mp4, .webm, .mov, .gif or a folder \
                         name without extension (png-sequence)"
                    ),
                ))
            }
            (None, Ok(f)) => f,
            // A name without extension takes whatever --format says.
            (Some(f), Ok(_)) if output.extension().is_none() => f,
            (Some(f), Ok(g)) if f == g => f,
            (Some(f), Ok(g)) => {
                return Err(input(
                    &format!("--format {f}"),
                    format!("the output {} names a {g} file", output.display()),
                ))
            }
        };
        if format.is_folder() && output.is_file() {
            return Err(input(
                &out_flag,
                "is an existing file; a png-sequence is written as a folder".into(),
            ));
        }
        if !format.is_folder() && output.is_dir() {
            return Err(input(
                &out_flag,
                format!("is an existing folder; {format} is written as a file"),
            ));
        }
        let codec = match (self.codec, format) {
            (None, _) => Codec::H264,
            (Some(c), Format::Mp4) => c,
            (Some(c), f) => {
                return Err(input(
                    &format!("--codec {c}"),
                    format!("only mp4 takes a codec; {f} has its own"),
                ))
            }
        };
        let rate = match (self.crf, self.video_bitrate) {
            (Some(_), Some(_)) => {
                return Err(input(
                    "--crf",
                    "cannot be used with --video-bitrate: choose one".into(),
                ))
            }
            (Some(c), None) => Some(RateControl::Crf(c)),
            (None, Some(b)) => Some(RateControl::Bitrate(b)),
            (None, None) => None,
        };
        if let Some(r) = rate {
            let flag = match r {
                RateControl::Crf(_) => "--crf",
                RateControl::Bitrate(_) => "--video-bitrate",
            };
            if !matches!(format, Format::Mp4 | Format::Webm) {
                return Err(input(
                    flag,
                    format!("applies to mp4 and webm only; {format} has no rate control"),
                ));
            }
            if let RateControl::Crf(c) = r {
                let max = if format == Format::Webm { 63 } else { 51 };
                if c > max {
                    return Err(input(flag, format!("must lie in 0..={max}, got {c}")));
                }
            }
        }
        let preset = match &self.preset {
            None => quality.x264_preset().to_owned(),
            Some(p) if format != Format::Mp4 => {
                return Err(input(
                    &format!("--preset {p}"),
                    format!("applies to x264 and x265 (mp4) only, not {format}"),
                ))
            }
            Some(p) if X26X_PRESETS.contains(&p.as_str()) => p.clone(),
            Some(p) => {
                return Err(input(
                    &format!("--preset {p}"),
                    format!(
                        "unknown preset: expected one of {}",
                        X26X_PRESETS.join(", ")
                    ),
                ))
            }
        };
        if self.gop == Some(0) {
            return Err(input(
                "gop",
                "a chunk GOP must hold at least one frame".into(),
            ));
        }
        Ok(Output {
            format,
            codec,
            quality,
            rate,
            preset,
            gif_loop: self.gif_loop,
            gop: self.gop,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(s: &OutputSettings, path: &str) -> Result<Output> {
        s.resolve(Path::new(path), Quality::Standard)
    }

    #[test]
    fn format_follows_the_extension_or_the_flag() {
        let d = OutputSettings::default();
        assert_eq!(resolve(&d, "a.webm").unwrap().format, Format::Webm);
        assert_eq!(resolve(&d, "a.MOV").unwrap().format, Format::Mov);
        assert_eq!(resolve(&d, "frames").unwrap().format, Format::PngSequence);
        let gif = OutputSettings {
            format: Some(Format::Gif),
            ..Default::default()
        };
        assert_eq!(resolve(&gif, "anim").unwrap().format, Format::Gif);
        let e = resolve(&gif, "a.mp4").unwrap_err().to_string();
        assert!(e.contains("--format gif") && e.contains("mp4"), "{e}");
        let e = resolve(&d, "a.avi").unwrap_err().to_string();
        assert!(e.contains("--output a.avi") && e.contains(".avi"), "{e}");
    }

    #[test]
    fn conflicting_flags_name_the_flag() {
        let both = OutputSettings {
            crf: Some(20),
            video_bitrate: Some(1_000_000),
            ..Default::default()
        };
        assert!(resolve(&both, "a.mp4")
            .unwrap_err()
            .to_string()
            .contains("--crf"));
        let codec = OutputSettings {
            codec: Some(Codec::H265),
            ..Default::default()
        };
        let e = resolve(&codec, "a.gif").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--codec h265"), "{e}");
        assert_eq!(resolve(&codec, "a.mp4").unwrap().codec, Codec::H265);
    }

    #[test]
    fn frame_ranges_parse_and_validate() {
        let r: FrameRange = "10-19".parse().unwrap();
        assert_eq!((r.first, r.last, r.len()), (10, 19, 10));
        assert!(r.validate(20).is_ok());
        assert!(r
            .validate(19)
            .unwrap_err()
            .to_string()
            .contains("--frames 10-19"));
        let rev: FrameRange = "9-3".parse().unwrap();
        assert!(rev
            .validate(20)
            .unwrap_err()
            .to_string()
            .contains("reversed"));
        assert!("a-b".parse::<FrameRange>().is_err());
    }
}
