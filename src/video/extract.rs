//! The decoders of the video stage: one thread per clip, each decoding its
//! source once, front to back (or from a seek), writing the frames the
//! composition shows as PNG files within the stage's window.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{Need, VideoFrames};
use crate::compile::VideoClip;
use crate::error::{Error, Result};

/// Seek into a source, instead of decoding it from the start, when the
/// first frame a clip shows is at least this many seconds in.
const SEEK_AFTER_S: f64 = 2.0;

impl VideoFrames {
    /// Decode every source frame some output frame shows; returns how many
    /// were written. [`VideoFrames::ready`] follows the progress.
    pub fn extract(&self) -> Result<u64> {
        let result = std::thread::scope(|s| {
            let handles: Vec<_> = (0..self.clips.len())
                .map(|i| s.spawn(move || self.extract_clip(i)))
                .collect();
            let mut written = 0;
            let mut error: Option<Error> = None;
            for (i, h) in handles.into_iter().enumerate() {
                let r = h.join().unwrap_or_else(|_| {
                    Err(Error::media(
                        &self.clips[i].src,
                        "the video frame decoder panicked",
                    ))
                });
                match r {
                    Ok(n) => written += n,
                    // One clip's failure stops the others: its error is
                    // the one to report.
                    Err(e) => {
                        self.stop();
                        if error.as_ref().is_none_or(|k| matches!(k, Error::Cancelled)) {
                            error = Some(e);
                        }
                    }
                }
            }
            error.map_or(Ok(written), Err)
        });
        self.ended.store(true, Ordering::Release);
        result
    }

    fn extract_clip(&self, i: usize) -> Result<u64> {
        let (clip, needs) = (&self.clips[i], &self.needs[i]);
        let Some(first) = needs.first() else {
            return Ok(0);
        };
        // A decoder opens only when its clip is about to be shown.
        self.wait_for_window(first)?;
        let fps = f64::from(clip.source_fps.0) / f64::from(clip.source_fps.1.max(1));
        // A variable-rate source is decoded from the start: its frames are
        // counted, and numbering by timestamp after a seek would not match.
        if fps > 0.0 && first.frame as f64 / fps >= SEEK_AFTER_S && clip.frame_times.is_none() {
            if let Some(written) = self.write_pass(clip, needs, Some(first.frame))? {
                return Ok(written);
            }
            // The timestamps could not number every needed frame (none, or
            // a gap): decode from the start, where frames are counted.
        }
        self.write_pass(clip, needs, None)?.ok_or_else(|| {
            Error::media(
                &clip.src,
                "the decoder gave up without an error (unreachable)",
            )
        })
    }

    /// Wait until an output frame within the window shows `need` or a
    /// later needed frame of its clip.
    fn wait_for_window(&self, need: &Need) -> Result<()> {
        while need.soonest >= self.encoded.load(Ordering::Acquire) + self.ahead {
            if self.stop.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    /// One decode of `clip`'s source writing the `needs`. With `from`, the
    /// decode seeks and numbers frames by timestamp, and returns `Ok(None)`
    /// as soon as that numbering skips a needed frame, before reporting any
    /// frame past it as ready. Files already written are kept, so a page
    /// that is loading one never sees it rewritten.
    fn write_pass(
        &self,
        clip: &VideoClip,
        needs: &[Need],
        from: Option<u64>,
    ) -> Result<Option<u64>> {
        let mut written = 0;
        let mut gap = false;
        let last = needs.last().map_or(0, |n| n.frame);
        let mut next = needs.iter().peekable();
        let mut on_frame = |index: u64, frame: crate::decode::YuvFrame| -> Result<()> {
            if next.peek().is_some_and(|n| n.frame < index) {
                gap = true;
                return Err(Error::Cancelled);
            }
            let Some(need) = next.next() else {
                return Err(Error::Cancelled);
            };
            self.wait_for_window(need)?;
            // A frame every showing of which is encoded (a second pass
            // after a failed seek) is not written again.
            if need.last >= self.encoded.load(Ordering::Acquire) {
                self.write_frame(clip, need, &frame)?;
            }
            written += 1;
            self.written_upto[clip.key].fetch_max(index + 1, Ordering::AcqRel);
            // Nothing after the last needed frame is decoded: stopping the
            // decode is how a short clip of a long source stays cheap.
            if index == last || self.stop.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            Ok(())
        };
        let keep = |i: u64| needs.binary_search_by_key(&i, |n| n.frame).is_ok();
        let decoded = match from {
            Some(first) => crate::decode::decode_video_from(&clip.src, first, &keep, &mut on_frame)
                .map(|o| o.is_some()),
            None => crate::decode::decode_video_each(&clip.src, &keep, &mut on_frame).map(|_| true),
        };
        match decoded {
            Ok(true) | Err(Error::Cancelled) => {}
            Ok(false) => return Ok(None),
            Err(e) => return Err(e),
        }
        if self.stop.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        if gap || (from.is_some() && written < needs.len() as u64) {
            return Ok(None);
        }
        // The container's frame count can be an estimate: a frame the
        // lookup wants but the decoder never produced would show as a
        // blank box.
        if let Some(missing) = next.peek() {
            return Err(Error::media(
                &clip.src,
                format!(
                    "<video id=\"{}\"> needs source frame {}, but the source does not \
                     decode that far ({written} of {} needed frames decoded)",
                    clip.id,
                    missing.frame,
                    needs.len()
                ),
            ));
        }
        Ok(Some(written))
    }

    /// Write one frame's PNG (through a temporary name, so the page never
    /// loads half a file) and register it for deletion.
    fn write_frame(
        &self,
        clip: &VideoClip,
        need: &Need,
        frame: &crate::decode::YuvFrame,
    ) -> Result<()> {
        let path = self.file(clip.key, need.frame);
        if path.is_file() {
            return Ok(());
        }
        let tmp = path.with_extension("part");
        write_png(&tmp, &frame.to_rgb_with(clip.bt601))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        if let Ok(mut live) = self.live.lock() {
            live.insert((need.last, clip.key, need.frame));
        }
        // Encoded while it was written: delete it now.
        self.sweep();
        Ok(())
    }
}

/// Write a lossless PNG, fast: frames are read once, by Chrome, through
/// DevTools (a 1080p BMP, three times the bytes, loads slower than this
/// one encodes and decodes).
fn write_png(path: &std::path::Path, rgb: &image::RgbImage) -> Result<()> {
    use image::ImageEncoder;
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut writer = std::io::BufWriter::new(file);
    image::codecs::png::PngEncoder::new_with_quality(
        &mut writer,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(
        rgb.as_raw(),
        rgb.width(),
        rgb.height(),
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| Error::media(path, format!("cannot write a video frame: {e}")))?;
    std::io::Write::flush(&mut writer).map_err(|e| Error::io(path, e))
}
