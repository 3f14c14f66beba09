//! Assemble stage: the output appears atomically. The encoder writes to a
//! temporary file beside the target; only a finished MP4 is renamed into
//! place, and an unfinished one is removed whatever the reason.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A temporary output that becomes the real one on [`commit`], and is
/// deleted if dropped before.
///
/// [`commit`]: PendingOutput::commit
#[derive(Debug)]
pub struct PendingOutput {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl PendingOutput {
    /// Prepare to write `target`: create its folder and pick a temporary
    /// name in it (same file system, so the final rename is atomic).
    pub fn new(target: &Path) -> Result<Self> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output.mp4".into());
        let temp = dir.join(format!(".{name}.hf-{}.partial.mp4", std::process::id()));
        Ok(Self {
            temp,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// The temporary path to write to.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Move the finished file into place.
    pub fn commit(mut self) -> Result<PathBuf> {
        std::fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Write `bytes` to `path` atomically (see [`crate::sys::write_atomic`]),
/// for small side outputs such as compiled HTML and perf JSON; the error
/// names the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::sys::write_atomic(path, bytes).map_err(|e| Error::io(path, e))
}
