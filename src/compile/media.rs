//! `<audio>` and `<video>` elements: their source file, media offset,
//! playback rate, looping and volume, read and checked at compile time so
//! the audio and video stages work from plain numbers.
//!
//! Chrome never plays media: the audio stage mixes every audible clip and
//! the video stage shows decoded frames in place of each `<video>`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::rewrite::VideoStamp;
use super::scan::{Scan, ScannedElement};
use super::timing::{Clock, PendingClip, Window};
use crate::decode::MediaInfo;
use crate::error::{Error, Result};

/// The loudest `data-volume`, +12 dB, as the reference allows.
pub const MAX_VOLUME: f64 = 3.98;

/// Playback rates outside this range are refused, as in the reference.
pub const RATE_RANGE: std::ops::RangeInclusive<f64> = 0.1..=5.0;

/// Audio to mix: an `<audio>` element, or the sound of a `<video>`.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioClip {
    /// Element id.
    pub id: String,
    /// Source file on disk.
    pub src: PathBuf,
    /// Composition time the clip starts at.
    pub start: f64,
    /// Seconds of the clip on the timeline.
    pub duration: f64,
    /// Offset into the source, seconds.
    pub media_start: f64,
    /// Source seconds per composition second (pitch kept, as in a browser).
    pub rate: f64,
    /// Start again from `media_start` when the source runs out.
    pub looping: bool,
    /// Linear gain, 0..=[`MAX_VOLUME`].
    pub volume: f64,
}

/// A `<video>` element as the video stage needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoClip {
    /// Element id.
    pub id: String,
    /// Position among the composition's videos: names its frames.
    pub key: usize,
    /// Source file on disk.
    pub src: PathBuf,
    /// Composition time the clip starts at.
    pub start: f64,
    /// Composition time it stops showing: its own end, cut by every timed
    /// ancestor's window, or the composition's end.
    pub end: f64,
    /// Offset into the source, seconds.
    pub media_start: f64,
    /// Source seconds per composition second.
    pub rate: f64,
    /// Start again from `media_start` when the source runs out; without it
    /// the last frame holds.
    pub looping: bool,
    /// Frames in the source.
    pub source_frames: u64,
    /// Source frame rate, num/den.
    pub source_fps: (i32, i32),
    /// Source picture size.
    pub source_size: (u32, u32),
    /// The source's YUV uses the BT.601 matrix (else BT.709).
    pub bt601: bool,
    /// Frame presentation times of a variable-frame-rate source
    /// ([`crate::decode::frame_times`]); None for a constant-rate one.
    pub frame_times: Option<std::sync::Arc<Vec<f64>>>,
}

impl VideoClip {
    /// The source frame shown at composition time `t` in an output of
    /// `out_fps` frames a second, or None outside the clip. As in the
    /// reference, the source is sampled on the output's frame grid: slot
    /// `k = floor((t - start) · rate · out_fps)` shows the source at
    /// `media_start + k / out_fps`, which is the last source frame at or
    /// before that time. A clip that does not loop has
    /// `round(visible seconds · rate · out_fps)` slots and holds the last
    /// one (so a clip whose window ends less than half a frame past a grid
    /// line repeats its previous picture on its last frame, as the
    /// reference does), and past the source's end holds its last frame; a
    /// looping one wraps after the source's length from `media_start`.
    pub fn source_frame_at(&self, t: f64, out_fps: f64) -> Option<u64> {
        const EPS: f64 = 1e-6;
        if t + EPS < self.start || t + EPS >= self.end || self.source_frames == 0 {
            return None;
        }
        let src_fps = f64::from(self.source_fps.0) / f64::from(self.source_fps.1.max(1));
        let last = self.source_frames - 1;
        let mut local = (t - self.start).max(0.0);
        if self.looping {
            let period = (self.source_frames as f64 / src_fps - self.media_start) / self.rate;
            if period > 0.0 && local + EPS >= period {
                local %= period;
            }
        }
        let mut slot = (local * self.rate * out_fps + 1e-9).floor() as u64;
        if !self.looping {
            let window = (self.end - self.start) * self.rate * out_fps;
            let slots = (window + 0.5 + 1e-9).floor() as u64;
            slot = slot.min(slots.saturating_sub(1));
        }
        let source_time = self.media_start + slot as f64 / out_fps;
        let frame = match &self.frame_times {
            // The last frame presented at or before that time.
            Some(times) => times
                .partition_point(|&p| p <= source_time + EPS)
                .saturating_sub(1) as u64,
            None => (source_time * src_fps + EPS).floor() as u64,
        };
        Some(frame.min(last))
    }
}

/// Resolve the file a media element plays (`bound` wins over `src`):
/// relative to the composition folder, never remote.
pub fn media_src(
    dir: &Path,
    index: &Path,
    el: &ScannedElement,
    bound: Option<&str>,
) -> Result<PathBuf> {
    let src = bound
        .or_else(|| el.attr("src"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            Error::composition(
                index,
                Some(el.describe()),
                "media element has no src attribute and no <source src> child",
            )
        })?;
    let rel = src.trim().trim_start_matches("./").trim_start_matches('/');
    if rel.contains("://") {
        return Err(Error::composition(
            index,
            Some(el.describe()),
            "remote media is not supported; copy the file into the composition folder",
        ));
    }
    let path = dir.join(rel);
    if !path.is_file() {
        return Err(Error::composition(
            index,
            Some(el.describe()),
            format!("src file {} does not exist", path.display()),
        ));
    }
    Ok(path)
}

/// A non-negative number attribute, or `default` when absent.
pub fn number_attr(
    el: &ScannedElement,
    name: &str,
    default: f64,
) -> std::result::Result<f64, String> {
    match el.attr(name) {
        None => Ok(default),
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
            _ => Err(format!("{name}=\"{raw}\" must be a non-negative number")),
        },
    }
}

/// The settings shared by audio and video elements.
#[derive(Debug, Clone, Copy)]
pub struct Playback {
    /// Offset into the source.
    pub media_start: f64,
    /// Playback rate.
    pub rate: f64,
    /// The `loop` attribute.
    pub looping: bool,
    /// `data-volume`.
    pub volume: f64,
}

/// Read `data-playback-start` (or `data-media-start`, read when it is absent),
/// `data-playback-rate`, `loop` and `data-volume`.
pub fn playback(el: &ScannedElement, index: &Path) -> Result<Playback> {
    let bad = |m: String| Error::composition(index, Some(el.describe()), m);
    // The reference reads data-playback-start first.
    let media_start = match el.attr("data-playback-start") {
        Some(_) => number_attr(el, "data-playback-start", 0.0),
        None => number_attr(el, "data-media-start", 0.0),
    }
    .map_err(bad)?;
    let rate = number_attr(el, "data-playback-rate", 1.0).map_err(bad)?;
    if !RATE_RANGE.contains(&rate) {
        return Err(bad(format!(
            "data-playback-rate=\"{rate}\" must lie in {}..={}",
            RATE_RANGE.start(),
            RATE_RANGE.end()
        )));
    }
    let volume = number_attr(el, "data-volume", 1.0).map_err(bad)?;
    if volume > MAX_VOLUME {
        return Err(bad(format!(
            "data-volume=\"{volume}\" must lie in 0..={MAX_VOLUME} (+12 dB)"
        )));
    }
    Ok(Playback {
        media_start,
        rate,
        looping: el.attr("loop").is_some(),
        volume,
    })
}

/// A media element's source, probed, with the element's playback settings.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file.
    pub path: PathBuf,
    /// Its stream headers.
    pub info: MediaInfo,
    /// The element's media start, rate, loop and volume.
    pub play: Playback,
    /// Seconds of the stream the element plays (video or audio).
    len: f64,
    /// A variable-frame-rate video's frame times.
    frame_times: Option<std::sync::Arc<Vec<f64>>>,
}

impl Source {
    /// The clip length of an element without `data-duration`: what is left
    /// of the source after its media start, at its rate. `loop` does not
    /// lengthen it, as in the reference format: looping shows only when an
    /// authored `data-duration` is longer than the source.
    pub fn natural_duration(&self) -> f64 {
        (self.len - self.play.media_start) / self.play.rate
    }
}

/// Probe a media element's source (`bound`: the file a `data-var-src`
/// variable names, which wins over `src`) and read its playback settings,
/// with the media start checked against the source length.
pub fn probe_source(
    dir: &Path,
    index: &Path,
    el: &ScannedElement,
    bound: Option<&str>,
) -> Result<Source> {
    let path = media_src(dir, index, el, bound)?;
    let info = crate::decode::probe(&path)?;
    let play = playback(el, index)?;
    let len = if el.tag == "video" {
        info.video_duration_s
    } else {
        info.audio_duration_s.unwrap_or(0.0)
    };
    if el.tag == "video" && (info.video_frames == 0 || info.fps() <= 0.0) {
        return Err(Error::composition(
            index,
            Some(el.describe()),
            format!("{} has no video frames hf can read", path.display()),
        ));
    }
    if len - play.media_start <= 0.0 {
        return Err(Error::composition(
            index,
            Some(el.describe()),
            format!(
                "the source is {len:.3} s long, not longer than data-media-start ({:.3} s)",
                play.media_start
            ),
        ));
    }
    let frame_times = if el.tag == "video" {
        crate::decode::frame_times(&path)?.map(std::sync::Arc::new)
    } else {
        None
    };
    Ok(Source {
        path,
        info,
        play,
        len,
        frame_times,
    })
}

/// Build the audio clip of an element playing in `window` (already cut by
/// its ancestors).
pub fn audio_clip(id: &str, src: PathBuf, play: Playback, start: f64, end: f64) -> AudioClip {
    AudioClip {
        id: id.to_owned(),
        src,
        start,
        duration: (end - start).max(0.0),
        media_start: play.media_start,
        rate: play.rate,
        looping: play.looping,
        volume: play.volume,
    }
}

/// True when a video's own sound is mixed: `data-has-audio="true"`, or no
/// `data-has-audio` and no `muted` attribute. The source must also have
/// an audio stream.
pub fn video_is_audible(el: &ScannedElement, info: &MediaInfo) -> bool {
    // `muted` always silences, whatever data-has-audio says (as in the
    // reference and in a browser).
    let wanted = el.attr("muted").is_none()
        && el
            .attr("data-has-audio")
            .map(str::trim)
            .is_none_or(|v| v.eq_ignore_ascii_case("true"));
    wanted && info.audio_duration_s.is_some_and(|d| d > 0.0)
}

/// Intersect a window with its timed ancestors' windows; open ends close at
/// the composition's end.
pub fn cut(window: Window, ancestors: &[Window], total: f64) -> (f64, f64) {
    let mut start = window.start;
    let mut end = window.end.unwrap_or(total).min(total);
    for a in ancestors {
        start = start.max(a.start);
        end = end.min(a.end.unwrap_or(total));
    }
    (start, end.max(start))
}

/// The timing compile resolved, as the media pass reads it.
pub(super) struct Timed<'a> {
    /// The read pass.
    pub scan: &'a Scan,
    /// Every clip: scanned element index and authored timing.
    pub pending: &'a [(usize, PendingClip)],
    /// Each clip's absolute window.
    pub windows: &'a [Window],
    /// Scanned element index to index in `pending`.
    pub position: &'a HashMap<usize, usize>,
    /// The clock each clip runs on.
    pub clock_of: &'a [Clock],
    /// The composition's length.
    pub total: f64,
}

/// The media of a composition.
pub(super) struct Media {
    /// What the audio stage mixes.
    pub audio: Vec<AudioClip>,
    /// What the video stage decodes.
    pub videos: Vec<VideoClip>,
    /// What the rewrite writes on each `<video>`, by scanned index.
    pub stamps: HashMap<usize, VideoStamp>,
}

/// Build the audio and video clips from every media element compile
/// probed (`probed`: by scanned index). Timed
/// ancestors cut each window; `data-hidden` on the element or an ancestor
/// hides and silences it; a clip's rate is multiplied by its clock's.
pub(super) fn collect(timed: &Timed<'_>, mut probed: HashMap<usize, Source>) -> Media {
    let mut media = Media {
        audio: Vec::new(),
        videos: Vec::new(),
        stamps: HashMap::new(),
    };
    for (pos, ((el_idx, pc), w)) in timed.pending.iter().zip(timed.windows).enumerate() {
        let Some(Source {
            path,
            info,
            mut play,
            frame_times,
            ..
        }) = probed.remove(el_idx)
        else {
            continue;
        };
        let el = &timed.scan.elements[*el_idx];
        let mut ancestors = Vec::new();
        let mut hidden = el.attr("data-hidden").is_some();
        let mut parent = el.parent;
        while let Some(p) = parent {
            hidden |= timed.scan.elements[p].attr("data-hidden").is_some();
            if let Some(&apos) = timed.position.get(&p) {
                ancestors.push(timed.windows[apos]);
            }
            parent = timed.scan.elements[p].parent;
        }
        let (start, end) = cut(*w, &ancestors, timed.total);
        play.rate *= timed.clock_of[pos].rate;
        // An ancestor that starts later cuts the clip's head: what shows
        // and sounds then is the source that far in, as in the reference
        // (a looping clip keeps its phase from its own media start).
        let head = start - w.start;
        if head > 0.0 && !play.looping {
            play.media_start += head * play.rate;
        }
        let id = pc.id.clone().unwrap_or_default();
        let audible = el.tag == "audio" || video_is_audible(el, &info);
        if el.tag == "video" {
            let key = media.videos.len();
            media.stamps.insert(
                *el_idx,
                VideoStamp {
                    key,
                    width: info.width,
                    height: info.height,
                    has_audio: audible,
                },
            );
            media.videos.push(VideoClip {
                id: id.clone(),
                key,
                src: path.clone(),
                start,
                end: if hidden { start } else { end },
                media_start: play.media_start,
                rate: play.rate,
                looping: play.looping,
                source_frames: info.video_frames,
                source_fps: info.frame_rate,
                source_size: (info.width, info.height),
                bt601: info.bt601,
                frame_times,
            });
        }
        if audible && !hidden && end > start {
            media.audio.push(audio_clip(&id, path, play, start, end));
        }
    }
    media
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(media_start: f64, rate: f64, looping: bool) -> VideoClip {
        VideoClip {
            id: "v".into(),
            key: 0,
            src: PathBuf::from("v.mp4"),
            start: 1.0,
            end: 5.0,
            media_start,
            rate,
            looping,
            source_frames: 30,
            source_fps: (30, 1),
            source_size: (64, 36),
            bt601: false,
            frame_times: None,
        }
    }

    #[test]
    fn frames_follow_media_start_and_rate() {
        let c = clip(0.5, 1.0, false);
        assert_eq!(c.source_frame_at(0.99, 30.0), None);
        assert_eq!(c.source_frame_at(1.0, 30.0), Some(15));
        assert_eq!(c.source_frame_at(1.1, 30.0), Some(18));
        let fast = clip(0.0, 2.0, false);
        assert_eq!(fast.source_frame_at(1.1, 30.0), Some(6));
        assert_eq!(
            fast.source_frame_at(5.0, 30.0),
            None,
            "the end is exclusive"
        );
    }

    #[test]
    fn a_short_video_holds_its_last_frame() {
        let c = clip(0.5, 1.0, false);
        assert_eq!(c.source_frame_at(1.5, 30.0), Some(29));
        assert_eq!(c.source_frame_at(4.9, 30.0), Some(29));
    }

    #[test]
    fn a_looping_video_wraps_to_its_media_start() {
        let c = clip(0.5, 1.0, true);
        // 15 playable frames (15..=29), so 0.5 s after the start it wraps.
        assert_eq!(c.source_frame_at(1.0 + 14.0 / 30.0, 30.0), Some(29));
        assert_eq!(c.source_frame_at(1.5, 30.0), Some(15));
        assert_eq!(c.source_frame_at(1.6, 30.0), Some(18));
    }

    #[test]
    fn the_source_is_sampled_on_the_output_grid() {
        let mut c = clip(0.05, 1.0, false);
        c.start = 0.0;
        c.source_frames = 300;
        // 24 fps out of a 30 fps source: slot 2 shows 0.05 + 2/24 s.
        assert_eq!(c.source_frame_at(2.0 / 24.0, 24.0), Some(4));
        let mut slow = clip(0.0, 0.7, false);
        slow.start = 0.0;
        slow.source_frames = 300;
        // Output frame 5: slot floor(5 · 0.7) = 3, at 3/24 s = source 3.75.
        assert_eq!(slow.source_frame_at(5.0 / 24.0, 24.0), Some(3));
    }

    #[test]
    fn the_last_slot_of_a_window_holds_as_in_the_reference() {
        let mut c = clip(0.0, 1.0, false);
        c.start = 0.0;
        c.end = 10.24;
        c.source_frames = 1800;
        // 10.24 s at 30 fps is 307.2 slots, so 307: frame 307 repeats 306.
        assert_eq!(c.source_frame_at(306.0 / 30.0, 30.0), Some(306));
        assert_eq!(c.source_frame_at(307.0 / 30.0, 30.0), Some(306));
        c.end = 10.25;
        assert_eq!(c.source_frame_at(307.0 / 30.0, 30.0), Some(307));
    }

    #[test]
    fn ancestors_cut_the_window() {
        let w = Window {
            start: 1.0,
            end: None,
        };
        let host = Window {
            start: 0.5,
            end: Some(3.0),
        };
        assert_eq!(cut(w, &[host], 10.0), (1.0, 3.0));
        assert_eq!(cut(w, &[], 4.0), (1.0, 4.0));
    }
}
