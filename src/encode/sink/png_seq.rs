//! png-sequence: a folder of RGBA PNGs named `frame_000001.png`… by
//! composition frame (frame k is `frame_{k+1}`, 1-based as in the
//! reference's export, so a range render names its files as a full render
//! does), and the mix beside them as `audio.wav`. The folder is written
//! under a temporary name and renamed whole by the caller.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::{decode, nothing_to_repeat, FrameSink};
use crate::encode::audio::{samples_for, write_wav};
use crate::encode::{EncodeSettings, EncodeTimings};
use crate::error::{Error, Result};

/// The file name of composition frame `index` (0-based).
pub fn frame_name(index: u64) -> String {
    format!("frame_{:06}.png", index + 1)
}

/// The png-sequence sink.
pub(super) struct PngSequence {
    dir: PathBuf,
    size: (u32, u32),
    last: Option<PathBuf>,
    audio: Option<(Vec<f32>, usize)>,
    timings: EncodeTimings,
}

impl PngSequence {
    /// Create the (temporary) folder `dir`.
    pub(super) fn open(dir: &Path, s: &EncodeSettings, audio: Option<&[f32]>) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            size: (s.width, s.height),
            last: None,
            audio: audio.map(|a| (a.to_vec(), samples_for(s.frames.len(), s.fps))),
            timings: EncodeTimings::default(),
        })
    }
}

/// True when `png` is 8-bit RGBA (colour type 6), read from its IHDR.
fn is_rgba8(png: &[u8]) -> bool {
    png.len() > 26 && png.starts_with(b"\x89PNG\r\n\x1a\n") && png[24] == 8 && png[25] == 6
}

impl FrameSink for PngSequence {
    fn push(&mut self, index: u64, image: &Arc<Vec<u8>>) -> Result<()> {
        let path = self.dir.join(frame_name(index));
        let t = Instant::now();
        if is_rgba8(image) {
            // Chrome's PNG is already straight RGBA: written as sent.
            std::fs::write(&path, image.as_slice()).map_err(|e| Error::io(&path, e))?;
        } else {
            let rgba = decode(&path, image, self.size, &mut self.timings)?.into_rgba();
            rgba.save_with_format(&path, image::ImageFormat::Png)
                .map_err(|e| Error::media(&path, format!("cannot write the PNG: {e}")))?;
        }
        self.timings.x264 += t.elapsed();
        self.last = Some(path);
        Ok(())
    }

    fn repeat(&mut self, index: u64) -> Result<()> {
        let last = self
            .last
            .clone()
            .ok_or_else(|| nothing_to_repeat(&self.dir))?;
        let path = self.dir.join(frame_name(index));
        std::fs::copy(&last, &path).map_err(|e| Error::io(&path, e))?;
        self.last = Some(path);
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        if let Some((samples, total)) = &self.audio {
            write_wav(&self.dir.join("audio.wav"), samples, *total)?;
        }
        Ok(())
    }

    fn timings(&self) -> EncodeTimings {
        self.timings
    }
}
