//! Scoring a render against its golden, in process: compiled-HTML timing,
//! stream parity, PSNR at checkpoints (with SSIM where it fails), and the
//! audio envelope. Each check is a function of files on disk, so the runner
//! can report each as it finishes and `--update` can reuse the visual and
//! audio checks to measure new against old.

pub mod audio;
pub mod compiled;
pub mod parity;
pub mod visual;

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
}
