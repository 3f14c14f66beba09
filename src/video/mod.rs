//! Video stage: decode, with FFmpeg, exactly the source frames the
//! composition shows, and store them as JPEG files the capture stage
//! serves to the page. Chrome never decodes or plays a `<video>`: before
//! each capture the runtime paints the frame hf chose, so every frame of
//! the output shows the source frame predicted from media start, playback
//! rate and looping, whatever the browser's media pipeline would do.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use image::ImageEncoder;

use crate::compile::VideoClip;
use crate::config::Fps;
use crate::error::{Error, Result};

/// URL path prefix of extracted frames: `/__hf/video/<key>/<frame>.jpg`.
pub const URL_PREFIX: &str = "/__hf/video/";

/// The extracted frames of one render, and the lookup from an output frame
/// to the source frames it shows. Deleting it deletes the files.
#[derive(Debug)]
pub struct VideoFrames {
    dir: tempfile::TempDir,
    clips: Vec<VideoClip>,
    fps: Fps,
    total: u64,
}

impl VideoFrames {
    /// The folder the frames are in (served under [`URL_PREFIX`]).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `(video key, frame URL)` for every video showing at output frame
    /// `frame`: what the runtime paints before that frame is captured.
    pub fn shown_at(&self, frame: u64) -> Vec<(usize, String)> {
        let t = self.fps.frame_time(frame);
        self.clips
            .iter()
            .filter_map(|c| {
                c.source_frame_at(t)
                    .map(|n| (c.key, format!("{URL_PREFIX}{}/{n}.png", c.key)))
            })
            .collect()
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
        }))
    }

    /// Decode every source frame some output frame shows; returns how many
    /// were written. Each video's source is decoded once, front to back.
    pub fn extract(&self) -> Result<u64> {
        let mut written = 0;
        for clip in &self.clips {
            let needed: BTreeSet<u64> = (0..self.total)
                .filter_map(|f| clip.source_frame_at(self.fps.frame_time(f)))
                .collect();
            if needed.is_empty() {
                continue;
            }
            let out = self.dir.path().join(clip.key.to_string());
            std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
            written += write_frames(clip, &needed, &out)?;
        }
        Ok(written)
    }
}

fn write_frames(clip: &VideoClip, needed: &BTreeSet<u64>, out: &Path) -> Result<u64> {
    let mut written = 0;
    let info = crate::decode::decode_video_each(
        &clip.src,
        &|i| needed.contains(&i),
        &mut |index, frame| {
            let path: PathBuf = out.join(format!("{index}.png"));
            let rgb = frame.to_rgb();
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
            let writer = std::io::BufWriter::new(file);
            image::codecs::png::PngEncoder::new_with_quality(
                writer,
                image::codecs::png::CompressionType::Fast,
                image::codecs::png::FilterType::Sub,
            )
            .write_image(
                rgb.as_raw(),
                rgb.width(),
                rgb.height(),
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|e| Error::media(&path, format!("cannot write a video frame: {e}")))?;
            written += 1;
            Ok(())
        },
    )?;
    // The container's frame count can be an estimate: a frame the lookup
    // wants but the decoder never produced would show as a blank box.
    if let Some(&missing) = needed.iter().find(|&&n| n >= info.video_frames) {
        return Err(Error::media(
            &clip.src,
            format!(
                "<video id=\"{}\"> needs source frame {missing}, but only {} frames decode",
                clip.id, info.video_frames
            ),
        ));
    }
    Ok(written)
}
