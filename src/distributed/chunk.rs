//! `hf render-chunk`: render one chunk of a plan. The chunk index comes
//! from the command line or from the scheduler's environment; the plan is
//! refused unless its inputs and environment match this machine; the
//! chunk is written atomically with a sidecar (`chunk-NNNNN.json`) that
//! records its frames and hash, so a verified chunk is kept on a re-run and
//! assembly can tell a whole chunk from a missing or damaged one.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::environment::Environment;
use super::plan::{hash_tree, sha256_file, sha256_hex, Plan, SOURCE_DIR};
use crate::config::{Format, FrameRange, RenderOptions};
use crate::error::{Error, Result};
use crate::events::{Event, EventSink};

/// The variables `--chunk-from-env` reads, in order: hf's own, then Slurm
/// array jobs, Kubernetes Indexed Jobs and AWS Batch array jobs (all
/// 0-based).
pub const INDEX_VARIABLES: [&str; 4] = [
    "HF_CHUNK_INDEX",
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// The folder inside the plan folder that holds the chunks.
pub const CHUNKS_DIR: &str = "chunks";

/// The chunk index from the first of [`INDEX_VARIABLES`] that `get` finds.
pub fn index_from_env(get: impl Fn(&str) -> Option<String>) -> Result<usize> {
    for var in INDEX_VARIABLES {
        if let Some(v) = get(var) {
            return v.trim().parse().map_err(|_| Error::Input {
                what: format!("--chunk-from-env ({var}={v})"),
                message: "not a chunk index (a non-negative integer)".into(),
            });
        }
    }
    Err(Error::Input {
        what: "--chunk-from-env".into(),
        message: format!("none of {} is set", INDEX_VARIABLES.join(", ")),
    })
}

/// The file (or, for a png-sequence or GIF, folder) name of chunk `index`.
fn chunk_name(plan: &Plan, index: usize) -> String {
    match plan.output().format {
        Format::PngSequence | Format::Gif => format!("chunk-{index:05}"),
        f => format!("chunk-{index:05}.{}", f.name()),
    }
}

/// Where chunk `index` lives in the plan folder.
pub fn chunk_path(dir: &Path, plan: &Plan, index: usize) -> PathBuf {
    dir.join(CHUNKS_DIR).join(chunk_name(plan, index))
}

/// The sidecar of chunk `index`.
pub fn sidecar_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(CHUNKS_DIR).join(format!("chunk-{index:05}.json"))
}

/// What a finished chunk records beside itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// Chunk index.
    pub index: usize,
    /// First frame (inclusive).
    pub start: u64,
    /// End frame (exclusive).
    pub end: u64,
    /// Video frames in the chunk (packets, or PNG files).
    pub frames: u64,
    /// sha256 of the chunk file (of its file listing for a folder).
    pub sha256: String,
    /// The plan it was rendered for.
    pub plan_hash: String,
    /// Chrome's product string on the machine that rendered it.
    #[serde(default)]
    pub chrome: String,
}

fn chunk_err(path: PathBuf, index: usize, message: impl Into<String>) -> Error {
    Error::Chunk {
        index,
        path,
        message: message.into(),
    }
}

/// sha256 of a chunk: of the file, or of a folder's `path hash` listing.
pub fn chunk_hash(path: &Path) -> Result<String> {
    if !path.is_dir() {
        return sha256_file(path);
    }
    let listing: String = hash_tree(path)?
        .iter()
        .map(|(p, h)| format!("{p} {h}\n"))
        .collect();
    Ok(sha256_hex(listing.as_bytes()))
}

/// Check that chunk `index` is present and whole: its sidecar belongs to
/// this plan and range, and the file's frames and hash are what it says.
pub fn verify_chunk(dir: &Path, plan: &Plan, index: usize) -> Result<Sidecar> {
    let [start, end] = plan.chunk(index)?;
    let path = chunk_path(dir, plan, index);
    let err = |m: String| chunk_err(path.clone(), index, m);
    if !path.exists() {
        return Err(err(
            "missing: render it with `hf render-chunk PLAN --chunk I`".into(),
        ));
    }
    let side = sidecar_path(dir, index);
    let text = std::fs::read_to_string(&side)
        .map_err(|_| err("has no sidecar (incomplete): render it again".into()))?;
    let car: Sidecar = serde_json::from_str(&text)
        .map_err(|e| err(format!("sidecar is unreadable ({e}): render it again")))?;
    if car.plan_hash != plan.plan_hash || car.start != start || car.end != end {
        return Err(err("was rendered for another plan: render it again".into()));
    }
    if car.frames != end - start {
        return Err(err(format!(
            "holds {} frames, not {}",
            car.frames,
            end - start
        )));
    }
    if chunk_hash(&path)? != car.sha256 {
        return Err(err(
            "is corrupt (its hash differs from its sidecar's): render it again".into(),
        ));
    }
    Ok(car)
}

/// Count the video frames of a chunk: the video packets of a file (one
/// per frame: no B-frames), or the PNG files of a folder.
pub fn count_frames(path: &Path) -> Result<u64> {
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        return Ok(entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".png"))
            .count() as u64);
    }
    crate::decode::init();
    let mut ictx = ffmpeg_next::format::input(&path)
        .map_err(|e| Error::media(path, format!("cannot open: {e}")))?;
    let index = ictx
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .map(|s| s.index())
        .ok_or_else(|| Error::media(path, "no video stream"))?;
    Ok(ictx.packets().filter(|(s, _)| s.index() == index).count() as u64)
}

/// How a chunk render ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ChunkOutcome {
    /// Rendered now, after this many attempts.
    Rendered {
        /// 1 when the first attempt succeeded.
        attempts: u32,
    },
    /// A verified chunk was already there and was kept.
    Kept,
}

/// Options of one chunk render beyond the plan.
#[derive(Debug, Clone, Default)]
pub struct ChunkOptions {
    /// Chrome binary (its version must match the plan's).
    pub chrome: Option<PathBuf>,
    /// npm packages folder for CDN URLs.
    pub npm_dir: Option<PathBuf>,
    /// In-process retries after a browser failure.
    pub retries: u32,
    /// Stop when set (Ctrl-C).
    pub cancel: Option<Arc<AtomicBool>>,
}

/// The render options of chunk `[start, end)`: the plan's frozen flags,
/// its copied source, the frames of the chunk, video only, one closed GOP.
fn chunk_render_options(
    dir: &Path,
    plan: &Plan,
    index: usize,
    [start, end]: [u64; 2],
    opts: &ChunkOptions,
) -> RenderOptions {
    debug_assert!(end > start);
    let mut r = RenderOptions::new(
        dir.join(SOURCE_DIR).join(&plan.entry),
        chunk_path(dir, plan, index),
    );
    r.quality = plan.render.quality;
    r.variables = plan.render.variables.clone();
    r.strict_variables = plan.render.strict_variables;
    r.offline = plan.render.offline;
    r.damage_aware = plan.render.damage_aware;
    r.cdp_timeout = Duration::from_secs_f64(plan.render.cdp_timeout_s);
    r.ready_timeout = Duration::from_secs_f64(plan.render.ready_timeout_s);
    r.fps = Some(plan.fps);
    // A root without data-duration renders the length the plan inferred.
    r.duration = Some(plan.duration);
    r.chrome = opts.chrome.clone();
    r.npm_dir = opts.npm_dir.clone();
    r.cancel = opts.cancel.clone();
    r.frames = Some(FrameRange {
        first: start,
        last: end - 1,
    });
    r.video_only = true;
    r.output_settings = plan.output().settings(gop_length(plan));
    if plan.output().format == Format::Gif {
        // A GIF's palette is made from every frame at once: its chunks are
        // the lossless frames, and assembly encodes the GIF from them.
        r.output_settings.format = Some(Format::PngSequence);
    }
    r
}

/// The GOP every chunk is encoded with: the longest chunk's length, so
/// each chunk is one GOP and all of them share one set of encoder
/// parameters (a shorter last chunk included).
fn gop_length(plan: &Plan) -> u32 {
    let longest = plan.chunks.iter().map(|[a, b]| b - a).max().unwrap_or(1);
    u32::try_from(longest).unwrap_or(u32::MAX)
}

/// Refuse the plan unless this machine renders it as the planning one
/// did: the plan's own hash, its copied inputs, then the environment (hf,
/// Chromium, FFmpeg, fonts and the package set this machine resolves).
pub fn check_plan(dir: &Path, opts: &ChunkOptions) -> Result<Plan> {
    let plan = Plan::load(dir)?;
    plan.verify_inputs(dir)?;
    let r = chunk_render_options(dir, &plan, 0, plan.chunk(0)?, opts);
    // Quietly: the render compiles again and reports its own warnings.
    let (_, used) = crate::pipeline::compile_resolved(&r, &|_| {})?;
    let here = Environment::detect(opts.chrome.as_deref()).with_packages(&used);
    plan.verify_environment(dir, &here)?;
    Ok(plan)
}

/// Render chunk `index` of the plan in `dir` (see the module docs).
pub fn render_chunk(
    dir: &Path,
    index: usize,
    opts: &ChunkOptions,
    events: EventSink<'_>,
) -> Result<ChunkOutcome> {
    let plan = Plan::load(dir)?;
    let range = plan.chunk(index)?;
    let plan = check_plan(dir, opts)?;
    remove_stale_temps(dir, &plan, index);
    if verify_chunk(dir, &plan, index).is_ok() {
        return Ok(ChunkOutcome::Kept);
    }
    let mut attempt = 0;
    let chrome = loop {
        attempt += 1;
        match render_once(dir, &plan, index, range, opts, events) {
            Ok(chrome) => break chrome,
            Err(
                e @ (Error::Browser { .. } | Error::BrowserLost { .. } | Error::Timeout { .. }),
            ) if attempt <= opts.retries => {
                events(Event::Warning {
                    message: format!("chunk {index}: attempt {attempt} failed, retrying: {e}"),
                });
            }
            Err(e) => return Err(e),
        }
    };
    write_sidecar(dir, &plan, index, range, chrome)?;
    Ok(ChunkOutcome::Rendered { attempts: attempt })
}

/// Count and hash the finished chunk and write its sidecar atomically.
fn write_sidecar(
    dir: &Path,
    plan: &Plan,
    index: usize,
    [start, end]: [u64; 2],
    chrome: String,
) -> Result<()> {
    let path = chunk_path(dir, plan, index);
    let frames = count_frames(&path)?;
    if frames != end - start {
        return Err(chunk_err(
            path,
            index,
            format!("rendered {frames} frames, not {}", end - start),
        ));
    }
    let car = Sidecar {
        index,
        start,
        end,
        frames,
        sha256: chunk_hash(&path)?,
        plan_hash: plan.plan_hash.clone(),
        chrome,
    };
    let json = serde_json::to_vec_pretty(&car)
        .map_err(|e| chunk_err(path, index, format!("cannot write the sidecar: {e}")))?;
    crate::assemble::write_atomic(&sidecar_path(dir, index), &json)
}

/// A hook the fault tests use: `HF_TEST_FAIL_CHUNK=I` fails the first
/// attempt of chunk I with a browser error, as a crashed Chrome would,
/// once per plan folder (the marker `chunks/.failed-once-I` remembers it).
fn injected_failure(dir: &Path, index: usize) -> Option<Error> {
    let want = std::env::var("HF_TEST_FAIL_CHUNK").ok()?;
    if want.trim().parse::<usize>().ok()? != index {
        return None;
    }
    let marker = dir.join(CHUNKS_DIR).join(format!(".failed-once-{index}"));
    if marker.exists() {
        return None;
    }
    std::fs::write(&marker, b"").ok()?;
    Some(Error::Browser {
        message: format!("chunk {index}: injected browser failure (HF_TEST_FAIL_CHUNK)"),
        evidence: Box::default(),
    })
}

/// One attempt; returns Chrome's product string.
fn render_once(
    dir: &Path,
    plan: &Plan,
    index: usize,
    range: [u64; 2],
    opts: &ChunkOptions,
    events: EventSink<'_>,
) -> Result<String> {
    let chunks = dir.join(CHUNKS_DIR);
    std::fs::create_dir_all(&chunks).map_err(|e| Error::io(&chunks, e))?;
    // An old sidecar would vouch for the new file: remove it first.
    let side = sidecar_path(dir, index);
    if side.exists() {
        std::fs::remove_file(&side).map_err(|e| Error::io(&side, e))?;
    }
    if let Some(e) = injected_failure(dir, index) {
        return Err(e);
    }
    let r = chunk_render_options(dir, plan, index, range, opts);
    crate::render(&r, events).map(|report| report.chrome_version)
}

/// Remove the temporaries a killed render of this chunk left behind (the
/// render writes `.NAME.hf-PID.partial` and renames it when complete).
fn remove_stale_temps(dir: &Path, plan: &Plan, index: usize) {
    let prefix = format!(".{}.hf-", chunk_name(plan, index));
    let Ok(entries) = std::fs::read_dir(dir.join(CHUNKS_DIR)) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let p = e.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_set_variable_wins() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let got = |pairs| index_from_env(env(pairs));
        assert_eq!(got(&[("SLURM_ARRAY_TASK_ID", "3")]).ok(), Some(3));
        assert_eq!(
            got(&[("JOB_COMPLETION_INDEX", "5"), ("HF_CHUNK_INDEX", "1")]).ok(),
            Some(1)
        );
        assert_eq!(
            got(&[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("AWS_BATCH_JOB_ARRAY_INDEX", "7")
            ])
            .ok(),
            Some(2)
        );
        assert_eq!(got(&[("AWS_BATCH_JOB_ARRAY_INDEX", "7")]).ok(), Some(7));
        let e = got(&[]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            e.contains("HF_CHUNK_INDEX") && e.contains("AWS_BATCH_JOB_ARRAY_INDEX"),
            "{e}"
        );
        let e = got(&[("HF_CHUNK_INDEX", "x")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("HF_CHUNK_INDEX=x"), "{e}");
    }
}
