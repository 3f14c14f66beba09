//! The frame sink: the one seam between capture and every output format.
//! Capture streams frames in order into a [`FrameSink`] (push a frame,
//! repeat the last one, finish); each container or codec family is one
//! implementation in a file of its own, so the next format is one file
//! and one arm in [`open`].

mod av;
mod gif;
mod mov;
mod mp4;
mod png_seq;
mod stills;
mod webm;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

pub use png_seq::frame_name;
pub use stills::Still;

use super::{EncodeSettings, EncodeTimings};
use crate::config::Format;
use crate::error::{Error, Result};

/// Where captured frames go, one frame at a time and in order.
///
/// `index` is the composition frame number (0-based), so a sink that names
/// files by frame (png-sequence) names them the same in a range render as
/// in a full one.
pub trait FrameSink: Send {
    /// Take the next frame: a screenshot as Chrome sent it (JPEG, or PNG
    /// when the format keeps alpha). Shared so a sink may keep it (GIF).
    fn push(&mut self, index: u64, image: &Arc<Vec<u8>>) -> Result<()>;

    /// The next frame is identical to the last one pushed (Chrome reported
    /// no damage): sinks skip decoding it.
    fn repeat(&mut self, index: u64) -> Result<()>;

    /// Flush, write the audio and the trailer. The file (or folder) is then
    /// complete under its temporary name; the caller renames it.
    fn finish(self: Box<Self>) -> Result<()>;

    /// Where the time went so far.
    fn timings(&self) -> EncodeTimings;
}

/// Open the sink for `settings.output.format`, writing to `path` (a
/// temporary name). `audio` is the mix cut to the rendered frames
/// (interleaved stereo f32 at 48 kHz); formats without audio ignore it.
pub fn open(
    path: &Path,
    settings: &EncodeSettings,
    audio: Option<&[f32]>,
) -> Result<Box<dyn FrameSink>> {
    crate::decode::init();
    Ok(match settings.output.format {
        Format::Mp4 => Box::new(mp4::open(path, settings, audio)?),
        Format::Webm => Box::new(webm::open(path, settings, audio)?),
        Format::Mov => Box::new(mov::open(path, settings, audio)?),
        Format::PngSequence => Box::new(png_seq::PngSequence::open(path, settings, audio)?),
        Format::Gif => Box::new(gif::Gif::open(path, settings)),
    })
}

/// Open a sink that writes the given frames as single PNG files (`hf
/// snapshot`): RGBA when the frame has any transparency, else RGB.
pub fn stills(stills: Vec<Still>) -> Box<dyn FrameSink> {
    Box::new(stills::Stills::new(stills))
}

/// A decoded screenshot.
pub(crate) enum Decoded {
    /// From a JPEG (opaque).
    Rgb(image::RgbImage),
    /// From a PNG, straight alpha.
    Rgba(image::RgbaImage),
}

impl Decoded {
    /// Straight RGBA (opaque for a JPEG).
    pub(crate) fn into_rgba(self) -> image::RgbaImage {
        match self {
            Self::Rgb(i) => image::DynamicImage::ImageRgb8(i).into_rgba8(),
            Self::Rgba(i) => i,
        }
    }

    /// RGB, alpha dropped (formats without alpha capture JPEG anyway).
    pub(crate) fn into_rgb(self) -> image::RgbImage {
        match self {
            Self::Rgb(i) => i,
            Self::Rgba(i) => image::DynamicImage::ImageRgba8(i).into_rgb8(),
        }
    }
}

/// Decode a screenshot (its format sniffed from its first bytes), check its
/// size, and add the time to `timings.jpeg_decode`.
pub(crate) fn decode(
    path: &Path,
    bytes: &[u8],
    (width, height): (u32, u32),
    timings: &mut EncodeTimings,
) -> Result<Decoded> {
    let t = Instant::now();
    let img = image::load_from_memory(bytes)
        .map_err(|e| Error::media(path, format!("Chrome sent an unreadable screenshot: {e}")))?;
    if (img.width(), img.height()) != (width, height) {
        return Err(Error::media(
            path,
            format!(
                "Chrome captured {}x{} instead of {width}x{height}",
                img.width(),
                img.height()
            ),
        ));
    }
    let out = match img {
        image::DynamicImage::ImageRgb8(i) => Decoded::Rgb(i),
        image::DynamicImage::ImageRgba8(i) => Decoded::Rgba(i),
        other if other.color().has_alpha() => Decoded::Rgba(other.into_rgba8()),
        other => Decoded::Rgb(other.into_rgb8()),
    };
    timings.jpeg_decode += t.elapsed();
    Ok(out)
}

/// The error for a repeat before any frame.
pub(crate) fn nothing_to_repeat(path: &Path) -> Error {
    Error::media(path, "no frame to repeat before the first frame")
}
