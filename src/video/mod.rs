//! Video stage: decode, with FFmpeg, exactly the source frames the
//! composition shows, and store them as PNG files the capture stage serves
//! to the page. Chrome never decodes or plays a
//! `<video>`: before each capture the runtime paints the frame hf chose,
//! so every output frame shows the source frame predicted from media
//! start, playback rate and looping, whatever the browser's media pipeline
//! would do.
//!
//! The stage runs beside capture, one decoder per clip (`extract.rs`), and
//! keeps a bounded window of frames: a decoder writes a frame only when an
//! output frame within [`VideoFrames::new`]'s `ahead` positions of the
//! encoder will show it, and a frame's file is deleted once every output
//! frame that shows it is encoded. Memory and disk stay flat however long
//! the composition is, and a capture retry still finds its frames: only
//! frames not yet encoded are captured again.

mod extract;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::compile::VideoClip;
use crate::config::Fps;
use crate::error::{Error, Result};

/// URL path prefix of extracted frames: `/__hf/video/<key>/<frame>.png`.
pub const URL_PREFIX: &str = "/__hf/video/";

/// One needed source frame of a clip and the output positions (indices
/// into the render's frame order) that show it.
#[derive(Debug, Clone, Copy)]
struct Need {
    frame: u64,
    first: u64,
    last: u64,
    /// The lowest `first` of this frame and every later needed frame of
    /// the clip: a decoder waits only when nothing it has still to decode
    /// is needed soon (a looping clip that starts mid-source needs its
    /// early frames last).
    soonest: u64,
}

/// The extracted frames of one render, and the lookup from an output frame
/// to the source frames it shows. Dropping it deletes the files.
#[derive(Debug)]
pub struct VideoFrames {
    dir: tempfile::TempDir,
    clips: Vec<VideoClip>,
    fps: Fps,
    /// Per clip, ascending by frame.
    needs: Vec<Vec<Need>>,
    /// Output positions a decoder may run ahead of the encoder.
    ahead: u64,
    /// Per clip: one past the highest source frame written. Frames are
    /// written in source order, so every needed frame below it exists
    /// (or was shown already and deleted).
    written_upto: Vec<AtomicU64>,
    /// Output positions the encoder has taken.
    encoded: AtomicU64,
    /// Files on disk, by the last position that shows them.
    live: Mutex<BTreeSet<(u64, usize, u64)>>,
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
    /// Set up the frames of `videos` for the output frames `order`
    /// (ascending) at `fps`, with decoders running at most `ahead` output
    /// positions past the encoder (at least the capture's reorder window,
    /// or capture would wait for a frame no decoder may write): an empty
    /// temporary folder, filled by [`VideoFrames::extract`]. None when
    /// there are no videos.
    pub fn new(videos: &[VideoClip], fps: Fps, order: &[u64], ahead: u64) -> Result<Option<Self>> {
        if videos.is_empty() {
            return Ok(None);
        }
        let dir = tempfile::Builder::new()
            .prefix("hf-video-")
            .tempdir()
            .map_err(|e| Error::io("a temporary folder for video frames", e))?;
        for clip in videos {
            let d = dir.path().join(clip.key.to_string());
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
        }
        Ok(Some(Self {
            needs: videos.iter().map(|c| needs(c, fps, order)).collect(),
            dir,
            clips: videos.to_vec(),
            fps,
            ahead,
            written_upto: videos.iter().map(|_| AtomicU64::new(0)).collect(),
            encoded: AtomicU64::new(0),
            live: Mutex::new(BTreeSet::new()),
            ended: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        }))
    }

    /// The folder the frames are in (served under [`URL_PREFIX`]).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where the page loads source frame `frame` of video `key`.
    fn url(key: usize, frame: u64) -> String {
        format!("{URL_PREFIX}{key}/{frame}.png")
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
                    url: Self::url(c.key, n),
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

    /// The encoder has taken the first `positions` output frames: delete
    /// the files no later frame shows, and let the decoders move on.
    pub fn encoded(&self, positions: u64) {
        let before = self.encoded.fetch_max(positions, Ordering::AcqRel);
        if positions > before {
            self.sweep();
        }
    }

    /// Delete the files of frames that every showing of is encoded.
    fn sweep(&self) {
        let positions = self.encoded.load(Ordering::Acquire);
        let Ok(mut live) = self.live.lock() else {
            return;
        };
        while let Some(&(last, key, frame)) = live.first() {
            if last >= positions {
                break;
            }
            live.pop_first();
            // A file that is already gone is what we wanted.
            let _ = std::fs::remove_file(self.file(key, frame));
        }
    }

    /// Ask a running [`VideoFrames::extract`] to stop soon.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    fn file(&self, key: usize, frame: u64) -> std::path::PathBuf {
        self.dir
            .path()
            .join(key.to_string())
            .join(format!("{frame}.png"))
    }
}

/// The source frames `clip` shows over `order`, with the positions that
/// show each.
fn needs(clip: &VideoClip, fps: Fps, order: &[u64]) -> Vec<Need> {
    let mut by_frame: std::collections::BTreeMap<u64, (u64, u64)> = Default::default();
    for (pos, &f) in order.iter().enumerate() {
        if let Some(n) = clip.source_frame_at(fps.frame_time(f), fps.as_f64()) {
            let pos = pos as u64;
            let e = by_frame.entry(n).or_insert((pos, pos));
            e.1 = pos;
        }
    }
    let mut out: Vec<Need> = by_frame
        .into_iter()
        .map(|(frame, (first, last))| Need {
            frame,
            first,
            last,
            soonest: first,
        })
        .collect();
    let mut soonest = u64::MAX;
    for n in out.iter_mut().rev() {
        soonest = soonest.min(n.first);
        n.soonest = soonest;
    }
    out
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

    /// Output frames 0..n, all of them.
    fn all(n: u64) -> Vec<u64> {
        (0..n).collect()
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
        let frames = VideoFrames::new(&[clip(0.5, 1.5, 10)], Fps::int(10), &all(15), 1000)
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

    /// Waits until `frames`'s folder holds exactly `want`, or panics.
    fn wait_files(frames: &VideoFrames, want: &[&str]) {
        for _ in 0..500 {
            if files(frames) == want {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(files(frames), want);
    }

    #[test]
    fn decoders_stay_within_the_window_and_encoded_frames_are_deleted() {
        // One source frame per output frame; decoders may run 2 positions
        // past the encoder.
        let frames = VideoFrames::new(&[clip(0.0, 1.0, 10)], Fps::int(10), &all(10), 2)
            .unwrap()
            .unwrap();
        std::thread::scope(|s| {
            let extract = s.spawn(|| frames.extract());
            wait_files(&frames, &["0.png", "1.png"]);
            std::thread::sleep(std::time::Duration::from_millis(100));
            assert_eq!(files(&frames), ["0.png", "1.png"], "the window holds");
            frames.encoded(1);
            wait_files(&frames, &["1.png", "2.png"]);
            frames.encoded(10);
            assert_eq!(extract.join().unwrap().unwrap(), 10);
        });
        wait_files(&frames, &[]);
    }

    #[test]
    fn a_stopped_render_ends_a_waiting_decoder() {
        let frames = VideoFrames::new(&[clip(0.0, 1.0, 10)], Fps::int(10), &all(10), 1)
            .unwrap()
            .unwrap();
        std::thread::scope(|s| {
            let extract = s.spawn(|| frames.extract());
            wait_files(&frames, &["0.png"]);
            frames.stop();
            assert!(matches!(extract.join().unwrap(), Err(Error::Cancelled)));
        });
    }

    #[test]
    fn stops_decoding_after_the_last_needed_frame() {
        // Only source frames 0..=2 are shown: the decode stops there.
        let frames = VideoFrames::new(&[clip(0.0, 0.3, 10)], Fps::int(10), &all(10), 1000)
            .unwrap()
            .unwrap();
        assert_eq!(frames.extract().unwrap(), 3);
        assert_eq!(files(&frames), ["0.png", "1.png", "2.png"]);
    }

    #[test]
    fn a_source_shorter_than_its_header_claims_is_an_error_naming_the_frame() {
        let frames = VideoFrames::new(&[clip(0.0, 2.0, 20)], Fps::int(10), &all(20), 1000)
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
            let frames = VideoFrames::new(&[c], Fps::int(10), &all(1), 1000)
                .unwrap()
                .unwrap();
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
