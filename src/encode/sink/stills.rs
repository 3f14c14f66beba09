//! Stills (`hf snapshot`): chosen frames written as single PNG files,
//! RGBA when the frame has any transparency, else RGB.

use std::path::PathBuf;
use std::sync::Arc;

use super::FrameSink;
use crate::encode::EncodeTimings;
use crate::error::{Error, Result};

/// One still to write: composition frame `index` to `path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Still {
    /// Composition frame (0-based).
    pub index: u64,
    /// Where the PNG goes (written atomically).
    pub path: PathBuf,
}

pub(super) struct Stills {
    stills: Vec<Still>,
    last: Option<Arc<Vec<u8>>>,
    timings: EncodeTimings,
}

impl Stills {
    pub(super) fn new(stills: Vec<Still>) -> Self {
        Self {
            stills,
            last: None,
            timings: EncodeTimings::default(),
        }
    }

    fn write(&mut self, index: u64, image: &Arc<Vec<u8>>) -> Result<()> {
        let targets: Vec<PathBuf> = self
            .stills
            .iter()
            .filter(|s| s.index == index)
            .map(|s| s.path.clone())
            .collect();
        for path in targets {
            let t = std::time::Instant::now();
            let rgba = image::load_from_memory(image)
                .map_err(|e| Error::media(&path, format!("unreadable screenshot: {e}")))?
                .into_rgba8();
            self.timings.jpeg_decode += t.elapsed();
            let opaque = rgba.pixels().all(|p| p.0[3] == 255);
            let mut bytes = Vec::new();
            let encoded = if opaque {
                image::DynamicImage::ImageRgba8(rgba).into_rgb8().write_to(
                    &mut std::io::Cursor::new(&mut bytes),
                    image::ImageFormat::Png,
                )
            } else {
                rgba.write_to(
                    &mut std::io::Cursor::new(&mut bytes),
                    image::ImageFormat::Png,
                )
            };
            encoded.map_err(|e| Error::media(&path, format!("cannot encode the PNG: {e}")))?;
            crate::assemble::write_atomic(&path, &bytes)?;
        }
        self.last = Some(Arc::clone(image));
        Ok(())
    }
}

impl FrameSink for Stills {
    fn push(&mut self, index: u64, image: &Arc<Vec<u8>>) -> Result<()> {
        self.write(index, image)
    }

    fn repeat(&mut self, index: u64) -> Result<()> {
        let last = self
            .last
            .clone()
            .ok_or_else(|| Error::media("snapshot", "no frame to repeat"))?;
        self.write(index, &last)
    }

    fn finish(self: Box<Self>) -> Result<()> {
        Ok(())
    }

    fn timings(&self) -> EncodeTimings {
        self.timings
    }
}
