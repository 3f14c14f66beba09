//! Assemble stage: the output appears atomically. The sink writes to a
//! temporary file (or, for a png-sequence, a temporary folder) beside the
//! target; only a finished one is renamed into place, and an unfinished
//! one is removed whatever the reason.

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
            .unwrap_or_else(|| "output".into());
        let temp = dir.join(format!(".{name}.hf-{}.partial", std::process::id()));
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

    /// Move the finished file or folder into place. A folder replaces an
    /// existing folder of the same name: the old one is renamed aside
    /// first and deleted after, so the target is never half-written.
    pub fn commit(mut self) -> Result<PathBuf> {
        let old = self.temp.with_extension("old");
        let replacing = self.temp.is_dir() && self.target.is_dir();
        if replacing {
            std::fs::rename(&self.target, &old).map_err(|e| Error::io(&self.target, e))?;
        }
        if let Err(e) = std::fs::rename(&self.temp, &self.target) {
            if replacing {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(Error::io(&self.target, e));
        }
        self.committed = true;
        if replacing {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(self.target.clone())
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        if !self.committed {
            if self.temp.is_dir() {
                let _ = std::fs::remove_dir_all(&self.temp);
            } else {
                let _ = std::fs::remove_file(&self.temp);
            }
        }
    }
}

/// Write `bytes` to `path` atomically (see [`crate::sys::write_atomic`]),
/// for small side outputs such as compiled HTML and perf JSON; the error
/// names the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::sys::write_atomic(path, bytes).map_err(|e| Error::io(path, e))
}
