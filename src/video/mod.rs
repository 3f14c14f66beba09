//! Video stage: decode, with FFmpeg, exactly the source frames the
//! composition shows, and store them as PNG files the capture stage serves
//! to the page. Chrome never decodes or plays a `<video>`: before each
//! capture the runtime paints the frame hf chose, so every output frame
//! shows the source frame predicted from media start, playback rate and
//! looping, whatever the browser's media pipeline would do. The stage runs
//! beside capture: a worker waits only for the frames its next output
//! frame shows.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use image::ImageEncoder;

use crate::compile::VideoClip;
use crate::config::Fps;
use crate::error::{Error, Result};

/// URL path prefix of extracted frames: `/__hf/video/<key>/<frame>.png`.
pub const URL_PREFIX: &str = "/__hf/video/";

/// The extracted frames of one render, and the lookup from an output frame
/// to the source frames it shows. Deleting it deletes the files.
#[derive(Debug)]
pub struct VideoFrames {
    dir: tempfile::TempDir,
    clips: Vec<VideoClip>,
    fps: Fps,
    total: u64,
    /// Per clip: one past the highest source frame written. Frames are
    /// written in source order, so every needed frame below it exists.
    written_upto: Vec<AtomicU64>,
    /// Extraction ended (finished or failed): nothing more will appear.
    ended: AtomicBool,
    /// Set to stop extraction early (capture failed or was cancelled).
    stop: AtomicBool,
}

/// One video frame an output frame shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The video's key (`data-hf-video`).
    pub key: usize,
    /// The source frame.
    pub frame: u64,
    /// Where the page loads it from.
    pub url: String,
}

impl VideoFrames {
    /// The folder the frames are in (served under [`URL_PREFIX`]).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Every video frame output frame `frame` shows: what the runtime
    /// paints before that frame is captured.
    pub fn shown_at(&self, frame: u64) -> Vec<Shown> {
        let t = self.fps.frame_time(frame);
        self.clips
            .iter()
            .filter_map(|c| {
                c.source_frame_at(t, self.fps.as_f64()).map(|n| Shown {
                    key: c.key,
                    frame: n,
                    url: format!("{URL_PREFIX}{}/{n}.png", c.key),
                })
            })
            .collect()
    }

    /// True once `shown`'s file is written, or once extraction has ended
    /// (the page then asks anyway, and a missing file is an error there).
    pub fn ready(&self, shown: &Shown) -> bool {
        self.ended.load(Ordering::Acquire)
            || self
                .written_upto
                .get(shown.key)
                .is_some_and(|w| w.load(Ordering::Acquire) > shown.frame)
    }

    /// Ask a running [`VideoFrames::extract`] to stop soon.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl VideoFrames {
    /// Set up the frames of `videos` over `total` output frames at `fps`:
    /// an empty temporary folder, filled by [`VideoFrames::extract`].
    /// None when there are no videos.
    pub fn new(videos: &[VideoClip], fps: Fps, total: u64) -> Result<Option<Self>> {
        if videos.is_empty() {
            return Ok(None);
        }
        let dir = tempfile::Builder::new()
            .prefix("hf-video-")
            .tempdir()
            .map_err(|e| Error::io("a temporary folder for video frames", e))?;
        Ok(Some(Self {
            dir,
            clips: videos.to_vec(),
            fps,
            total,
            written_upto: videos.iter().map(|_| AtomicU64::new(0)).collect(),
            ended: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        }))
    }

    /// Decode every source frame some output frame shows; returns how many
    /// were written. Each video's source is decoded once, front to back,
    /// and [`VideoFrames::ready`] follows the progress.
    pub fn extract(&self) -> Result<u64> {
        let result = self.extract_all();
        self.ended.store(true, Ordering::Release);
        result
    }

    fn extract_all(&self) -> Result<u64> {
        let mut written = 0;
        for clip in &self.clips {
            let needed: BTreeSet<u64> = (0..self.total)
                .filter_map(|f| clip.source_frame_at(self.fps.frame_time(f), self.fps.as_f64()))
                .collect();
            if needed.is_empty() {
                continue;
            }
            let out = self.dir.path().join(clip.key.to_string());
            std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
            written += write_frames(clip, &needed, &out, self)?;
        }
        Ok(written)
    }
}

/// Seek into a source, instead of decoding it from the start, when the
/// first frame a clip shows is at least this many seconds in.
const SEEK_AFTER_S: f64 = 2.0;

fn write_frames(
    clip: &VideoClip,
    needed: &BTreeSet<u64>,
    out: &Path,
    progress: &VideoFrames,
) -> Result<u64> {
    let first = needed.first().copied().unwrap_or(0);
    let fps = f64::from(clip.source_fps.0) / f64::from(clip.source_fps.1.max(1));
    // A variable-rate source is decoded from the start: its frames are
    // counted, and numbering by timestamp after a seek would not match.
    if fps > 0.0 && first as f64 / fps >= SEEK_AFTER_S && clip.frame_times.is_none() {
        if let Some(written) = write_pass(clip, needed, out, progress, Some(first))? {
            return Ok(written);
        }
        // The timestamps could not number every needed frame (none, or a
        // gap): decode from the start, where frames are simply counted.
    }
    write_pass(clip, needed, out, progress, None)?.ok_or_else(|| {
        Error::media(
            &clip.src,
            "the decoder gave up without an error (unreachable)",
        )
    })
}

/// One decode of `clip`'s source writing the `needed` frames. With `from`,
/// the decode seeks and numbers frames by timestamp, and returns `Ok(None)`
/// as soon as that numbering skips a needed frame, before reporting any
/// frame past it as ready. Files already written are kept, so a page that
/// is loading one never sees it rewritten.
fn write_pass(
    clip: &VideoClip,
    needed: &BTreeSet<u64>,
    out: &Path,
    progress: &VideoFrames,
    from: Option<u64>,
) -> Result<Option<u64>> {
    let mut written = 0;
    let mut gap = false;
    let last = needed.last().copied().unwrap_or(0);
    let mut next_needed = needed.iter().copied().peekable();
    let mut on_frame = |index: u64, frame: crate::decode::YuvFrame| -> Result<()> {
        if next_needed.peek().is_some_and(|&n| n < index) {
            gap = true;
            return Err(Error::Cancelled);
        }
        next_needed.next();
        let path = out.join(format!("{index}.png"));
        if !path.is_file() {
            write_png(&path, &frame.to_rgb_with(clip.bt601))?;
        }
        written += 1;
        progress.written_upto[clip.key].fetch_max(index + 1, Ordering::AcqRel);
        // Nothing after the last needed frame is decoded: stopping the
        // decode is how a short clip of a long source stays cheap.
        if index == last || progress.stop.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        Ok(())
    };
    let keep = |i: u64| needed.contains(&i);
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
    if progress.stop.load(Ordering::Relaxed) {
        return Err(Error::Cancelled);
    }
    if gap || (from.is_some() && written < needed.len() as u64) {
        return Ok(None);
    }
    // The container's frame count can be an estimate: a frame the lookup
    // wants but the decoder never produced would show as a blank box.
    if written < needed.len() as u64 {
        let missing = needed
            .iter()
            .find(|&&n| !out.join(format!("{n}.png")).is_file())
            .copied()
            .unwrap_or(last);
        return Err(Error::media(
            &clip.src,
            format!(
                "<video id=\"{}\"> needs source frame {missing}, but the source does not \
                 decode that far ({written} of {} needed frames decoded)",
                clip.id,
                needed.len()
            ),
        ));
    }
    Ok(Some(written))
}

/// Write a lossless PNG, fast: frames are read once, by Chrome.
fn write_png(path: &Path, rgb: &image::RgbImage) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::testmedia;

    /// `v.mp4` of the decode tests: 10 frames at 10 fps, 64x48.
    fn clip(media_start: f64, end: f64, frames_claimed: u64) -> VideoClip {
        VideoClip {
            id: "v".into(),
            key: 0,
            src: testmedia::dir().join("v.mp4"),
            start: 0.0,
            end,
            media_start,
            rate: 1.0,
            looping: false,
            source_frames: frames_claimed,
            source_fps: (10, 1),
            source_size: (64, 48),
            bt601: false,
            frame_times: None,
        }
    }

    fn files(frames: &VideoFrames) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(frames.dir().join("0"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_exactly_the_frames_shown_and_names_their_urls() {
        // 1.5 s at 10 fps from media start 0.5 s: source frames 5..=9, then
        // frame 9 holds.
        let frames = VideoFrames::new(&[clip(0.5, 1.5, 10)], Fps::int(10), 15)
            .unwrap()
            .unwrap();
        assert_eq!(frames.extract().unwrap(), 5);
        assert_eq!(
            files(&frames),
            ["5.png", "6.png", "7.png", "8.png", "9.png"]
        );
        let shown = |f| {
            frames
                .shown_at(f)
                .into_iter()
                .map(|s| (s.key, s.frame, s.url))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(2), vec![(0, 7, format!("{URL_PREFIX}0/7.png"))]);
        assert_eq!(
            shown(14),
            vec![(0, 9, format!("{URL_PREFIX}0/9.png"))],
            "the last frame holds"
        );
        assert_eq!(frames.shown_at(15), Vec::new(), "the clip ends at 1.5 s");
    }

    #[test]
    fn stops_decoding_after_the_last_needed_frame() {
        // Only source frames 0..=2 are shown: the decode stops there.
        let frames = VideoFrames::new(&[clip(0.0, 0.3, 10)], Fps::int(10), 10)
            .unwrap()
            .unwrap();
        assert_eq!(frames.extract().unwrap(), 3);
        assert_eq!(files(&frames), ["0.png", "1.png", "2.png"]);
    }

    #[test]
    fn a_source_shorter_than_its_header_claims_is_an_error_naming_the_frame() {
        let frames = VideoFrames::new(&[clip(0.0, 2.0, 20)], Fps::int(10), 20)
            .unwrap()
            .unwrap();
        let err = frames.extract().unwrap_err().to_string();
        assert!(
            err.contains("v.mp4") && err.contains("needs source frame 10"),
            "{err}"
        );
    }

    #[test]
    fn frames_are_read_with_the_matrix_the_source_was_made_with() {
        let dir = tempfile::tempdir().unwrap();
        for (name, matrix, tag) in [
            ("601.mp4", "bt601", "smpte170m"),
            ("709.mp4", "bt709", "bt709"),
        ] {
            testmedia::ffmpeg(
                dir.path(),
                &format!(
                    "-f lavfi -i color=c=0xff8000:s=64x48:r=10:d=0.3 \
                     -vf scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p \
                     -colorspace {tag} -c:v libx264 -qp 0 {name}"
                ),
            );
            let src = dir.path().join(name);
            let info = crate::decode::probe(&src).unwrap();
            assert_eq!(info.bt601, matrix == "bt601", "{name}: {info:?}");
            let mut c = clip(0.0, 0.1, 3);
            c.src = src;
            c.bt601 = info.bt601;
            let frames = VideoFrames::new(&[c], Fps::int(10), 1).unwrap().unwrap();
            frames.extract().unwrap();
            let png = image::open(frames.dir().join("0/0.png")).unwrap().to_rgb8();
            let [r, g, b] = png.get_pixel(32, 24).0;
            let near = |a: u8, e: u8| a.abs_diff(e) <= 3;
            assert!(
                near(r, 255) && near(g, 128) && near(b, 0),
                "{name}: expected orange (255, 128, 0), saw ({r}, {g}, {b})"
            );
        }
    }
}
