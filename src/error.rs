//! The library's error type. Every variant names what the user can act on:
//! the file, the element, the flag, or the evidence from Chrome or FFmpeg.

use std::fmt;
use std::path::PathBuf;

/// Result with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong in a render.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument or input path is unusable (missing folder, bad JSON).
    #[error("{what}: {message}")]
    Input {
        /// The flag or path at fault.
        what: String,
        /// Why, and what to do.
        message: String,
    },
    /// The composition breaks a rule of the format.
    #[error("{}{}: {message}", file.display(), element.as_ref().map(|e| format!(" ({e})")).unwrap_or_default())]
    Composition {
        /// The HTML file.
        file: PathBuf,
        /// The offending element, written as a short selector or tag.
        element: Option<String>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Chrome failed: launch, crash, or a DevTools call that errored.
    #[error("{message}{evidence}")]
    Browser {
        /// What hf was doing.
        message: String,
        /// Command, exit status, stderr tail, page console.
        evidence: Box<Evidence>,
    },
    /// Chrome went away: its process exited, or the DevTools connection
    /// broke. Told apart from [`Error::Browser`] where the failure is seen
    /// (a connection-level DevTools error, or the process's exit status),
    /// because such a death is usually transient and capture retries it.
    #[error("Chrome went away: {message}{evidence}")]
    BrowserLost {
        /// What hf was doing.
        message: String,
        /// Command, exit status, stderr tail, page console.
        evidence: Box<Evidence>,
    },
    /// A browser call took longer than its limit.
    #[error("timed out after {seconds:.1} s: {what}{evidence}")]
    Timeout {
        /// The call and, during capture, the frame.
        what: String,
        /// The limit that was hit.
        seconds: f64,
        /// Page console and Chrome stderr at the time.
        evidence: Box<Evidence>,
    },
    /// FFmpeg could not decode a source or encode the output.
    #[error("{}: {message}", path.display())]
    Media {
        /// The media file involved.
        path: PathBuf,
        /// FFmpeg's words and ours.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A package a CDN URL or font names cannot be had: not in the cache
    /// under `--offline`, a corrupted cache entry under `--offline`, a
    /// tarball whose hash differs from the registry's, npm failing.
    #[error("package {package}: {message}")]
    Package {
        /// `name@version` (or the spec the page wrote).
        package: String,
        /// What is wrong and the command that fixes it.
        message: String,
    },
    /// A distributed plan cannot be used here: unreadable, of an unknown
    /// version, modified after `hf plan`, or made from other inputs or on a
    /// different environment. The message names what differs.
    #[error("plan {}: {message}", plan.display())]
    Plan {
        /// The plan folder or its `plan.json`.
        plan: PathBuf,
        /// What is wrong, naming the field, file or tool.
        message: String,
    },
    /// A chunk of a distributed render is missing, incomplete or corrupt.
    #[error("chunk {index} ({}): {message}", path.display())]
    Chunk {
        /// Chunk index in the plan.
        index: usize,
        /// The chunk file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The cluster scheduler (sbatch, scontrol) failed, or chunks still
    /// failed after every resubmission.
    #[error("{message}{}", evidence.as_ref().map(|e| format!("\n  command: {}\n  exit status: {}\n  stderr: {}", e.command, e.status, e.stderr_tail)).unwrap_or_default())]
    Scheduler {
        /// What failed.
        message: String,
        /// The scheduler command that failed, when one did.
        evidence: Option<Box<CommandEvidence>>,
    },
    /// The render was interrupted (Ctrl-C).
    #[error("render cancelled")]
    Cancelled,
}

/// A subprocess that failed: what ran, how it ended, what it said.
#[derive(Debug, Clone)]
pub struct CommandEvidence {
    /// The command line.
    pub command: String,
    /// Exit status as printed by the OS.
    pub status: String,
    /// The last lines of its stderr.
    pub stderr_tail: String,
}

impl Error {
    /// The exit code `hf` uses for this error; documented in `hf --help`.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Input { .. } => 2,
            Self::Composition { .. } => 3,
            Self::Browser { .. } | Self::BrowserLost { .. } | Self::Timeout { .. } => 4,
            Self::Media { .. } => 5,
            Self::Io { .. } => 6,
            Self::Package { .. } => 7,
            Self::Plan { .. } => 8,
            Self::Chunk { .. } => 9,
            Self::Scheduler { .. } => 10,
            Self::Cancelled => 130,
        }
    }

    /// A time limit hit inside a larger step names that step first
    /// ("capturing frame 12: …"); any other error passes unchanged.
    pub fn in_step(self, step: impl std::fmt::Display) -> Self {
        match self {
            Self::Timeout {
                what,
                seconds,
                evidence,
            } => Self::Timeout {
                what: format!("{step}: {what}"),
                seconds,
                evidence,
            },
            other => other,
        }
    }

    /// Shorthand for an I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for a composition error.
    pub fn composition(
        file: impl Into<PathBuf>,
        element: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Composition {
            file: file.into(),
            element,
            message: message.into(),
        }
    }

    /// Shorthand for a plan error.
    pub fn plan(plan: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Plan {
            plan: plan.into(),
            message: message.into(),
        }
    }

    /// Shorthand for a media error.
    pub fn media(path: impl Into<PathBuf>, message: impl fmt::Display) -> Self {
        Self::Media {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// What a failing browser leaves behind, printed under the error.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The Chrome command line.
    pub command: Option<String>,
    /// How Chrome exited, if it did.
    pub exit_status: Option<String>,
    /// The last lines Chrome wrote to stderr.
    pub stderr_tail: Vec<String>,
    /// The page's last console lines and uncaught exceptions.
    pub console_tail: Vec<String>,
}

impl Evidence {
    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.command.is_none()
            && self.exit_status.is_none()
            && self.stderr_tail.is_empty()
            && self.console_tail.is_empty()
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return Ok(());
        }
        if let Some(status) = &self.exit_status {
            write!(f, "\n  chrome exit status: {status}")?;
        }
        if let Some(cmd) = &self.command {
            write!(f, "\n  chrome command: {cmd}")?;
        }
        if !self.console_tail.is_empty() {
            write!(
                f,
                "\n  page console (last {} lines):",
                self.console_tail.len()
            )?;
            for line in &self.console_tail {
                write!(f, "\n    {line}")?;
            }
        }
        if !self.stderr_tail.is_empty() {
            write!(
                f,
                "\n  chrome stderr (last {} lines):",
                self.stderr_tail.len()
            )?;
            for line in &self.stderr_tail {
                write!(f, "\n    {line}")?;
            }
        }
        Ok(())
    }
}
