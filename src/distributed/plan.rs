//! The plan model: `plan.json`, the frozen description of one render that
//! every chunk worker and the assembly step read. It is versioned, carries
//! a content hash of every input and a fingerprint of the environment that
//! made it, and a hash over itself so an edited plan is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::environment::Environment;
use crate::config::{Codec, Format, Fps, Output, OutputSettings, Quality, RateControl};
use crate::error::{Error, Result};

/// The plan format this hf writes. A plan of a version it does not know
/// is refused by name (older versions are read when a reader for them
/// exists; version 1 is the first).
pub const PLAN_VERSION: u32 = 1;

/// The plan's file name inside the plan folder.
pub const PLAN_FILE: &str = "plan.json";

/// The folder inside the plan folder holding the copied composition, so a
/// chunk worker needs only the plan folder on its shared storage.
pub const SOURCE_DIR: &str = "src";

/// The pre-mixed audio inside the plan folder: interleaved stereo 32-bit
/// float little-endian samples at [`crate::encode::AUDIO_RATE`].
pub const AUDIO_FILE: &str = "audio.f32";

/// `plan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Plan format version ([`PLAN_VERSION`] when written by this hf).
    pub version: u32,
    /// The composition's HTML file, relative to the plan's `src/` folder.
    pub entry: PathBuf,
    /// Output width in pixels.
    pub width: u32,
    /// Output height in pixels.
    pub height: u32,
    /// Frame rate.
    pub fps: Fps,
    /// Frames in the whole render.
    pub frames: u64,
    /// Composition duration in seconds.
    pub duration: f64,
    /// The render flags every chunk uses.
    pub render: FrozenRender,
    /// The encoder settings every chunk uses, so chunks concatenate
    /// without re-encoding.
    pub encoder: FrozenEncoder,
    /// The output format and the encoder flags as given (`--format`,
    /// `--codec`, `--crf`, `--video-bitrate`, `--preset`, `--gif-loop`),
    /// which every chunk passes to the encoder exactly as an in-process
    /// render would. Absent in plans written before formats were chunked:
    /// those are H.264 MP4 with the quality's settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<FrozenOutput>,
    /// The chunks, in order, as half-open frame ranges `[start, end)`:
    /// chunk `i` renders frames `start` up to but not including `end`.
    /// The ranges are contiguous and cover `0..frames`.
    pub chunks: Vec<[u64; 2]>,
    /// sha256 of every file under `src/`, by path relative to it (media
    /// included): a chunk worker refuses a plan whose files differ.
    pub inputs: BTreeMap<String, String>,
    /// The pre-mixed audio, when the composition has any.
    pub audio: Option<AudioMix>,
    /// What made the plan: a worker on a different environment refuses it.
    pub environment: Environment,
    /// sha256 of this plan's canonical JSON with this field empty; a plan
    /// edited after `hf plan` wrote it no longer matches.
    pub plan_hash: String,
}

/// Render flags frozen into the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenRender {
    /// Encoder preset and JPEG quality.
    pub quality: Quality,
    /// Variable overrides as given to `hf plan`.
    pub variables: Option<serde_json::Value>,
    /// Undeclared or mistyped overrides are errors.
    pub strict_variables: bool,
    /// Block external requests that are not known CDN packages.
    pub offline: bool,
    /// Reuse a frame when Chrome reports no damage.
    pub damage_aware: bool,
    /// Time limit of one browser call, seconds.
    pub cdp_timeout_s: f64,
    /// Time limit for the page to become ready, seconds.
    pub ready_timeout_s: f64,
}

/// The output flags frozen into the plan (see [`Plan::output`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FrozenOutput {
    /// The container.
    pub format: Format,
    /// MP4's codec.
    #[serde(default)]
    pub codec: Codec,
    /// `--crf`, when given.
    #[serde(default)]
    pub crf: Option<u32>,
    /// `--video-bitrate` in bits per second, when given.
    #[serde(default)]
    pub video_bitrate: Option<u64>,
    /// `--preset`, when given.
    #[serde(default)]
    pub preset: Option<String>,
    /// `--gif-loop`.
    #[serde(default)]
    pub gif_loop: u16,
}

impl FrozenOutput {
    /// The output settings of chunk mode: these flags, each chunk one
    /// closed GOP of `gop` frames.
    pub fn settings(&self, gop: u32) -> OutputSettings {
        OutputSettings {
            format: Some(self.format),
            codec: Some(self.codec).filter(|_| self.format == Format::Mp4),
            crf: self.crf,
            video_bitrate: self.video_bitrate,
            preset: self.preset.clone(),
            gif_loop: self.gif_loop,
            gop: Some(gop),
        }
    }
}

/// Encoder settings frozen into the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenEncoder {
    /// Always `libx264`.
    pub codec: String,
    /// x264 preset.
    pub preset: String,
    /// x264 constant rate factor.
    pub crf: u8,
    /// Pixel format of the stream.
    pub pixel_format: String,
    /// B-frames (0: every chunk's packets are in display order).
    pub b_frames: u32,
    /// Every chunk is one closed GOP set starting with an IDR frame.
    pub closed_gop: bool,
}

impl FrozenEncoder {
    /// The settings this hf uses for `quality` (H.264 MP4).
    pub fn for_quality(quality: Quality) -> Self {
        Self {
            codec: "libx264".into(),
            preset: quality.x264_preset().into(),
            crf: quality.crf(),
            pixel_format: "yuv420p".into(),
            b_frames: 0,
            closed_gop: true,
        }
    }

    /// A description of the encoder `out` uses (the sinks hold the exact
    /// options; this is what a reader of `plan.json` sees).
    pub fn for_output(out: &Output) -> Self {
        let mut e = Self::for_quality(out.quality);
        e.preset = out.preset.clone();
        if let Some(RateControl::Crf(c)) = out.rate {
            e.crf = u8::try_from(c).unwrap_or(u8::MAX);
        }
        let (codec, pixel) = match (out.format, out.codec) {
            (Format::Mp4, Codec::H264) => ("libx264", "yuv420p"),
            (Format::Mp4, Codec::H265) => ("libx265", "yuv420p"),
            (Format::Webm, _) => ("libvpx-vp9", "yuva420p"),
            (Format::Mov, _) => ("prores_ks", "yuva444p10le"),
            (Format::PngSequence, _) => ("png", "rgba"),
            (Format::Gif, _) => ("gif", "pal8"),
        };
        e.codec = codec.into();
        e.pixel_format = pixel.into();
        e
    }
}

/// The audio mixed once by `hf plan`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioMix {
    /// File name inside the plan folder ([`AUDIO_FILE`]).
    pub file: String,
    /// sha256 of that file.
    pub sha256: String,
    /// Interleaved samples (two per stereo frame).
    pub samples: u64,
}

/// How to split the frames into chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunking {
    /// This many chunks of near-equal length (fewer if there are fewer frames).
    Count(u64),
    /// Chunks of this many frames (the last may be shorter).
    Frames(u64),
}

/// Split `0..total` into contiguous half-open ranges.
pub fn chunk_ranges(total: u64, chunking: Chunking) -> Vec<[u64; 2]> {
    let size = match chunking {
        Chunking::Count(n) => total.div_ceil(n.clamp(1, total.max(1))),
        Chunking::Frames(f) => f.max(1),
    }
    .max(1);
    (0..total.div_ceil(size))
        .map(|i| [i * size, ((i + 1) * size).min(total)])
        .collect()
}

/// Hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex sha256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    Ok(hex(&h.finalize()))
}

/// sha256 of every regular file under `dir` (dot-files and dot-folders
/// left out), keyed by `/`-separated relative path.
pub fn hash_tree(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            // Follow symlinks: the render reads what they point at.
            let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let key = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(key, sha256_file(&path)?);
            }
        }
    }
    Ok(out)
}

/// The differences between two input listings, one line per file.
pub fn input_differences(
    planned: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (path, hash) in planned {
        match found.get(path) {
            None => out.push(format!("{path}: missing")),
            Some(h) if h != hash => out.push(format!("{path}: content differs")),
            Some(_) => {}
        }
    }
    for path in found.keys().filter(|p| !planned.contains_key(*p)) {
        out.push(format!("{path}: not in the plan"));
    }
    out
}

impl Plan {
    /// The plan file of a plan folder.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(PLAN_FILE)
    }

    /// The hash this plan should carry in `plan_hash`.
    pub fn compute_hash(&self) -> String {
        let mut copy = self.clone();
        copy.plan_hash = String::new();
        // serde_json maps are ordered (BTreeMap), struct fields fixed:
        // the same plan always serialises to the same bytes.
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        sha256_hex(&bytes)
    }

    /// Fill in `plan_hash` and write `plan.json` atomically.
    pub fn write(&mut self, dir: &Path) -> Result<()> {
        self.plan_hash = self.compute_hash();
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::plan(Self::path(dir), format!("cannot serialise: {e}")))?;
        crate::assemble::write_atomic(&Self::path(dir), &json)
    }

    /// Read and check a plan folder's `plan.json`: its version, its shape
    /// and its hash. Does not look at inputs or the environment.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = Self::path(dir);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::plan(&path, format!("not valid JSON: {e}")))?;
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if v == u64::from(PLAN_VERSION) => {}
            Some(v) => {
                return Err(Error::plan(
                    &path,
                    format!(
                        "plan version {v} is not one this hf ({}) reads (it reads version {PLAN_VERSION}); \
                         make the plan again with this hf, or use the hf that made it",
                        crate::VERSION
                    ),
                ))
            }
            None => return Err(Error::plan(&path, "no \"version\" field: not an hf plan")),
        }
        let plan: Self = serde_json::from_value(value)
            .map_err(|e| Error::plan(&path, format!("malformed: {e}")))?;
        let want = plan.compute_hash();
        if plan.plan_hash != want {
            return Err(Error::plan(
                &path,
                format!(
                    "plan_hash {} does not match its contents ({want}): the file was changed \
                     after `hf plan` wrote it; make the plan again",
                    plan.plan_hash
                ),
            ));
        }
        plan.check_chunks(&path)?;
        Ok(plan)
    }

    fn check_chunks(&self, path: &Path) -> Result<()> {
        let mut next = 0;
        for (i, [a, b]) in self.chunks.iter().enumerate() {
            if *a != next || b <= a {
                return Err(Error::plan(
                    path,
                    format!("chunk {i} [{a}, {b}) does not follow on from frame {next}"),
                ));
            }
            next = *b;
        }
        if next != self.frames {
            return Err(Error::plan(
                path,
                format!("chunks end at frame {next}, not at {}", self.frames),
            ));
        }
        Ok(())
    }

    /// Check that the plan's copied inputs are what the plan hashed.
    pub fn verify_inputs(&self, dir: &Path) -> Result<()> {
        let src = dir.join(SOURCE_DIR);
        let found = hash_tree(&src)?;
        let diff = input_differences(&self.inputs, &found);
        if !diff.is_empty() {
            return Err(Error::plan(
                dir,
                format!(
                    "the inputs under {} differ from those the plan hashed: {}",
                    src.display(),
                    diff.join("; ")
                ),
            ));
        }
        if let Some(audio) = &self.audio {
            let p = dir.join(&audio.file);
            let h = sha256_file(&p)?;
            if h != audio.sha256 {
                return Err(Error::plan(
                    dir,
                    format!("{}: content differs from the plan's hash", audio.file),
                ));
            }
        }
        Ok(())
    }

    /// Check that this machine renders as the plan's did.
    pub fn verify_environment(&self, dir: &Path, here: &Environment) -> Result<()> {
        let diff = self.environment.differences(here);
        if diff.is_empty() {
            return Ok(());
        }
        Err(Error::plan(
            dir,
            format!(
                "made on a different environment; {}. Render every chunk where the plan was made, \
                 or make the plan again here",
                diff.join("; ")
            ),
        ))
    }

    /// The output flags (H.264 MP4 defaults for a plan that has none).
    pub fn output(&self) -> FrozenOutput {
        self.output.clone().unwrap_or_default()
    }

    /// The frame range of chunk `index`, or an error naming the valid range.
    pub fn chunk(&self, index: usize) -> Result<[u64; 2]> {
        self.chunks.get(index).copied().ok_or_else(|| Error::Input {
            what: format!("chunk {index}"),
            message: format!(
                "out of range: the plan has {} chunks (0 to {})",
                self.chunks.len(),
                self.chunks.len().saturating_sub(1)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_all_frames_contiguously() {
        assert_eq!(
            chunk_ranges(10, Chunking::Count(3)),
            vec![[0, 4], [4, 8], [8, 10]]
        );
        assert_eq!(chunk_ranges(8, Chunking::Count(8)).len(), 8);
        assert_eq!(chunk_ranges(3, Chunking::Count(8)).len(), 3);
        assert_eq!(
            chunk_ranges(10, Chunking::Frames(4)),
            vec![[0, 4], [4, 8], [8, 10]]
        );
        assert_eq!(chunk_ranges(120, Chunking::Count(1)), vec![[0, 120]]);
    }

    #[test]
    fn input_differences_name_each_file() {
        let a: BTreeMap<_, _> = [
            ("a.html".to_string(), "1".to_string()),
            ("b.png".into(), "2".into()),
        ]
        .into();
        let b: BTreeMap<_, _> = [
            ("a.html".to_string(), "9".to_string()),
            ("c.mp4".into(), "3".into()),
        ]
        .into();
        assert_eq!(
            input_differences(&a, &b),
            vec![
                "a.html: content differs",
                "b.png: missing",
                "c.mp4: not in the plan"
            ]
        );
    }
}
