//! Render settings: what a caller asks for, validated before any stage runs.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod output;
pub use output::{Codec, Format, FrameRange, Output, OutputSettings, RateControl};

/// A frame rate as a rational number, so NTSC rates like 30000/1001 stay exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fps {
    /// Frames per `den` seconds.
    pub num: u32,
    /// Seconds denominator; 1 for integer rates.
    pub den: u32,
}

impl Fps {
    /// An integer frame rate.
    pub const fn int(n: u32) -> Self {
        Self { num: n, den: 1 }
    }

    /// The rate as a float, for time arithmetic.
    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// Composition time of frame `index`, computed from the rational so that
    /// every worker and route agrees on it to the last bit.
    pub fn frame_time(self, index: u64) -> f64 {
        (index as f64 * f64::from(self.den)) / f64::from(self.num)
    }

    /// Frame count for a duration: round when within 1e-3 of an integer
    /// (so 4 s at 30 fps is 120, not 121 from float noise), else ceil.
    pub fn frame_count(self, duration_s: f64) -> u64 {
        let raw = duration_s * self.as_f64();
        let rounded = raw.round();
        if (raw - rounded).abs() < 1e-3 {
            rounded.max(0.0) as u64
        } else {
            raw.ceil().max(0.0) as u64
        }
    }
}

impl fmt::Display for Fps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Why a frame-rate string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid frame rate {input:?}: {reason}")]
pub struct FpsParseError {
    /// What the caller wrote.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FromStr for Fps {
    type Err = FpsParseError;

    /// Accepts `30` or `30000/1001`. Decimals such as `29.97` are refused
    /// because they are ambiguous (29.97 is not 30000/1001).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| FpsParseError {
            input: s.to_owned(),
            reason,
        };
        let (num, den) = match s.trim().split_once('/') {
            Some((n, d)) => (n.trim(), d.trim()),
            None => (s.trim(), "1"),
        };
        let num: u32 = num
            .parse()
            .map_err(|_| err("expected an integer like 30 or a ratio like 30000/1001"))?;
        let den: u32 = den
            .parse()
            .map_err(|_| err("the denominator must be a positive integer"))?;
        if num == 0 || den == 0 {
            return Err(err("numerator and denominator must be positive"));
        }
        let fps = Self { num, den };
        if !(1.0..=240.0).contains(&fps.as_f64()) {
            return Err(err("the rate must lie between 1 and 240 frames per second"));
        }
        Ok(fps)
    }
}

/// Encoder presets: speed against size, mapped onto x264 preset and CRF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// ultrafast, CRF 28, JPEG capture quality 80: for previews.
    Draft,
    /// medium, CRF 18, JPEG 95: the default.
    #[default]
    Standard,
    /// slow, CRF 15, JPEG 95: for finals and goldens.
    High,
}

impl Quality {
    /// The x264 preset name.
    pub fn x264_preset(self) -> &'static str {
        match self {
            Self::Draft => "ultrafast",
            Self::Standard => "medium",
            Self::High => "slow",
        }
    }

    /// The x264 constant rate factor.
    pub fn crf(self) -> u8 {
        match self {
            Self::Draft => 28,
            Self::Standard => 18,
            Self::High => 15,
        }
    }

    /// JPEG quality Chrome captures at.
    pub fn jpeg_quality(self) -> i64 {
        match self {
            Self::Draft => 80,
            _ => 95,
        }
    }
}

impl FromStr for Quality {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(Self::Draft),
            "standard" => Ok(Self::Standard),
            "high" => Ok(Self::High),
            other => Err(format!(
                "unknown quality {other:?}: expected draft, standard or high"
            )),
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Draft => "draft",
            Self::Standard => "standard",
            Self::High => "high",
        })
    }
}

/// How many browsers capture frames at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Workers {
    /// Derived from cores, memory and frame count.
    #[default]
    Auto,
    /// Exactly this many (clamped to a sane range with a warning).
    Fixed(u32),
}

impl FromStr for Workers {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "auto" {
            return Ok(Self::Auto);
        }
        match s.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(Self::Fixed(n)),
            _ => Err(format!(
                "invalid worker count {s:?}: expected auto or a positive integer"
            )),
        }
    }
}

/// Everything one render needs. Build it with [`RenderOptions::new`] and
/// adjust the public fields.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// A composition folder, a fixture folder whose `src/` holds
    /// `index.html`, or the HTML file itself.
    pub input: PathBuf,
    /// Where the output goes (a file, or a folder for png-sequence);
    /// written under a temporary name, then renamed.
    pub output: PathBuf,
    /// Format, codec and rate control of the output.
    pub output_settings: OutputSettings,
    /// Render only these frames (inclusive, 0-based); None = all of them.
    pub frames: Option<FrameRange>,
    /// Overrides the composition's `data-fps` (default 30).
    pub fps: Option<Fps>,
    /// Encoder preset.
    pub quality: Quality,
    /// Capture parallelism.
    pub workers: Workers,
    /// Variable overrides, injected before any page script runs.
    pub variables: Option<serde_json::Value>,
    /// Undeclared or mistyped variable overrides fail the render.
    pub strict_variables: bool,
    /// Block every external request that is not a known CDN package.
    pub offline: bool,
    /// Chrome binary; defaults to Debian's headless shell.
    pub chrome: Option<PathBuf>,
    /// Where npm packages for CDN URLs are looked up (`node_modules`).
    pub npm_dir: Option<PathBuf>,
    /// Also write the compiled HTML here (the harness keeps it as a golden).
    pub compiled_html_out: Option<PathBuf>,
    /// Time limit for any single browser call (seek, capture, evaluate).
    pub cdp_timeout: Duration,
    /// Time limit for the page to become ready before frame 0.
    pub ready_timeout: Duration,
    /// Reuse the previous frame when Chrome reports no damage.
    pub damage_aware: bool,
    /// The length of a composition whose root has no `data-duration`, when
    /// it is known already: a plan freezes the length it inferred, so every
    /// chunk renders exactly the plan's frames. None = inferred in the
    /// browser; ignored when the root declares its duration.
    pub duration: Option<f64>,
    /// Leave the audio out of the output even when the format carries it:
    /// a distributed chunk holds video only, and assembly muxes the audio
    /// the plan mixed once.
    pub video_only: bool,
    /// Set to true (from a Ctrl-C handler, say) to stop the render; Chrome
    /// is killed and the partial output removed.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl RenderOptions {
    /// Defaults for everything but the two paths. `offline` defaults to on
    /// when the `CI` environment variable is set.
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        Self {
            input: input.into(),
            output: output.into(),
            output_settings: OutputSettings::default(),
            frames: None,
            fps: None,
            quality: Quality::Standard,
            workers: Workers::Auto,
            variables: None,
            strict_variables: false,
            offline: std::env::var_os("CI").is_some(),
            chrome: None,
            npm_dir: None,
            compiled_html_out: None,
            cdp_timeout: Duration::from_secs(30),
            ready_timeout: Duration::from_secs(30),
            damage_aware: true,
            duration: None,
            video_only: false,
            cancel: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fps_parses_integers_and_ratios() {
        assert_eq!("30".parse::<Fps>().unwrap(), Fps::int(30));
        assert_eq!(
            "30000/1001".parse::<Fps>().unwrap(),
            Fps {
                num: 30000,
                den: 1001
            }
        );
        assert!("29.97".parse::<Fps>().is_err());
        assert!("0".parse::<Fps>().is_err());
        assert!("500".parse::<Fps>().is_err());
    }

    #[test]
    fn frame_count_rounds_near_integers_and_ceils_otherwise() {
        let fps = Fps::int(30);
        assert_eq!(fps.frame_count(4.0), 120);
        assert_eq!(fps.frame_count(4.00001), 120);
        assert_eq!(fps.frame_count(5.61), 169);
        assert_eq!(fps.frame_count(0.05), 2);
    }
}
