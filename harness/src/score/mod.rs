//! Scoring a render against its golden, in process. Each check is one
//! unit ([`Check`]: a name, a run, an outcome) in a file of its own:
//! compiled-HTML timing, stream parity, PSNR at checkpoints (with SSIM
//! where it fails), the alpha plane at the same checkpoints, and the audio
//! envelope. The next metric is one more file and one line in [`checks`].
//! Each check is a function of files on disk, so the runner can report each
//! as it finishes and `--update` can reuse the visual and audio checks to
//! measure new against old.

pub mod alpha;
pub mod audio;
pub mod compiled;
pub mod parity;
pub mod visual;

use std::path::{Path, PathBuf};

use crate::fixture::Meta;
use crate::model::FixtureResult;
use crate::progress::Reporter;

/// Why a check could not be carried out (as opposed to a check that ran
/// and failed, which is a verdict, not an error).
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// Decoding a video or its audio failed.
    #[error(transparent)]
    Media(#[from] hf::Error),
    /// A decoder thread panicked.
    #[error("the {0} thread panicked")]
    Panic(&'static str),
    /// A golden file could not be read.
    #[error("{}: {message}", path.display())]
    Golden {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
}

/// Where a render's (or golden's) pictures and sound are read from: the
/// same file for containers; a png-sequence's frames through FFmpeg's
/// image2 pattern and its `audio.wav`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// What the video decoder opens.
    pub video: PathBuf,
    /// What the audio decoder opens.
    pub audio: PathBuf,
}

impl Media {
    /// The media of an output at `path` (a file, or a png-sequence folder).
    pub fn of(path: &Path) -> Self {
        if path.is_dir() {
            Self {
                video: path.join("frame_%06d.png"),
                audio: path.join("audio.wav"),
            }
        } else {
            Self {
                video: path.to_path_buf(),
                audio: path.to_path_buf(),
            }
        }
    }
}

/// Everything a check may look at.
pub struct Inputs<'a> {
    /// The fixture's thresholds.
    pub meta: &'a Meta,
    /// The fixture's name, for progress events.
    pub name: &'a str,
    /// The compiled HTML of the render.
    pub rendered_html: &'a str,
    /// The golden compiled HTML (None: the golden has none, the check is
    /// skipped).
    pub golden_html: Option<&'a str>,
    /// The render's media.
    pub rendered: Media,
    /// The golden's media.
    pub golden: Media,
    /// Progress events.
    pub reporter: &'a Reporter,
}

/// One check: run it, record its detail in the result, return the reasons
/// it failed (empty = passed).
pub trait Check: Sync {
    /// Short name, for reports and errors (`visual`, `alpha`, …).
    fn name(&self) -> &'static str;
    /// Run the check.
    fn run(
        &self,
        input: &Inputs<'_>,
        result: &mut FixtureResult,
    ) -> Result<Vec<String>, ScoreError>;
}

/// Every check, in the order they run and are reported.
pub fn checks() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(compiled::CompiledHtmlCheck),
        Box::new(parity::ParityCheck),
        Box::new(visual::VisualCheck),
        Box::new(alpha::AlphaCheck),
        Box::new(audio::AudioCheck),
    ]
}

/// Run every check, collecting the reasons into `result`; an error names
/// the check it came from.
pub fn run_all(input: &Inputs<'_>, result: &mut FixtureResult) -> Result<(), String> {
    for check in checks() {
        let reasons = check
            .run(input, result)
            .map_err(|e| format!("{} check: {e}", check.name()))?;
        result.checks.push(crate::model::CheckOutcome {
            name: check.name().to_owned(),
            passed: reasons.is_empty(),
        });
        result.reasons.extend(reasons);
    }
    Ok(())
}
