//! `hf plan`: compile the composition once, copy its folder into the plan
//! folder (so workers need nothing but the plan on shared storage), hash
//! every input, mix the audio once, freeze the render and encoder
//! settings, and write `plan.json` atomically, last.

use std::path::Path;

use super::environment::Environment;
use super::plan::{
    chunk_ranges, hash_tree, sha256_file, AudioMix, Chunking, FrozenEncoder, FrozenOutput,
    FrozenRender, Plan, AUDIO_FILE, PLAN_VERSION, SOURCE_DIR,
};
use crate::config::RenderOptions;
use crate::error::{Error, Result};
use crate::events::{Event, EventSink, Stage};
use crate::packages::PackageUse;

/// Make a plan of `opts.input` in the folder `out` (created; an existing
/// plan there is replaced). `opts.output` names the final output (its
/// extension, or `opts.output_settings.format`, picks the format).
pub fn make_plan(
    opts: &RenderOptions,
    out: &Path,
    chunking: Chunking,
    events: EventSink<'_>,
) -> Result<Plan> {
    make(opts, out, chunking, events).map(|m| m.plan)
}

/// What [`make`] produced besides the plan folder.
#[derive(Debug, Clone)]
pub struct Made {
    /// The plan as written.
    pub plan: Plan,
    /// The compiled HTML (what every chunk renders).
    pub compiled_html: String,
    /// The resolved package set the plan records.
    pub packages: Vec<PackageUse>,
}

/// [`make_plan`], also returning the compiled HTML and the package set
/// (for `hf render --distributed`, whose report carries them).
pub fn make(
    opts: &RenderOptions,
    out: &Path,
    chunking: Chunking,
    events: EventSink<'_>,
) -> Result<Made> {
    let output = opts.output_settings.resolve(&opts.output, opts.quality)?;
    let (comp, packages) = crate::pipeline::compile_resolved(opts, events)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let out_abs = out.canonicalize().map_err(|e| Error::io(out, e))?;
    if out_abs.starts_with(&comp.dir) {
        return Err(Error::Input {
            what: format!("--out {}", out.display()),
            message: format!(
                "is inside the composition folder {}, which the plan copies; put the plan elsewhere",
                comp.dir.display()
            ),
        });
    }
    // A stale plan must not be read while this one is being made.
    let old = Plan::path(out);
    if old.exists() {
        std::fs::remove_file(&old).map_err(|e| Error::io(&old, e))?;
    }
    let src = out.join(SOURCE_DIR);
    if src.exists() {
        std::fs::remove_dir_all(&src).map_err(|e| Error::io(&src, e))?;
    }
    copy_tree(&comp.dir, &src)?;
    let entry = comp
        .index
        .strip_prefix(&comp.dir)
        .map_err(|_| {
            Error::plan(
                out,
                format!(
                    "{} is not inside {}",
                    comp.index.display(),
                    comp.dir.display()
                ),
            )
        })?
        .to_path_buf();
    let inputs = hash_tree(&src)?;

    events(Event::StageStarted {
        stage: Stage::Audio,
    });
    let t = std::time::Instant::now();
    let frames = comp.frame_count();
    let audio = match crate::audio::mix(&comp.audio, frames as f64 / comp.fps.as_f64())? {
        Some(mix) => {
            let bytes: Vec<u8> = mix.samples.iter().flat_map(|s| s.to_le_bytes()).collect();
            let path = out.join(AUDIO_FILE);
            crate::assemble::write_atomic(&path, &bytes)?;
            Some(AudioMix {
                file: AUDIO_FILE.into(),
                sha256: sha256_file(&path)?,
                samples: mix.samples.len() as u64,
            })
        }
        None => None,
    };
    events(Event::StageFinished {
        stage: Stage::Audio,
        ms: t.elapsed().as_millis() as u64,
    });

    let mut plan = Plan {
        version: PLAN_VERSION,
        entry,
        width: comp.width,
        height: comp.height,
        fps: comp.fps,
        frames,
        duration: comp.duration,
        render: FrozenRender {
            quality: opts.quality,
            variables: opts.variables.clone(),
            strict_variables: opts.strict_variables,
            offline: opts.offline,
            damage_aware: opts.damage_aware,
            cdp_timeout_s: opts.cdp_timeout.as_secs_f64(),
            ready_timeout_s: opts.ready_timeout.as_secs_f64(),
        },
        encoder: FrozenEncoder::for_output(&output),
        output: Some(FrozenOutput {
            format: output.format,
            codec: output.codec,
            crf: opts.output_settings.crf,
            video_bitrate: opts.output_settings.video_bitrate,
            preset: opts.output_settings.preset.clone(),
            gif_loop: opts.output_settings.gif_loop,
        }),
        chunks: chunk_ranges(frames, chunking),
        inputs,
        audio,
        environment: Environment::detect(opts.chrome.as_deref()).with_packages(&packages),
        plan_hash: String::new(),
    };
    plan.write(out)?;
    Ok(Made {
        plan,
        compiled_html: comp.html,
        packages,
    })
}

/// Copy every file under `from` to `to` (symlinks followed, dot-entries
/// left out, as [`hash_tree`] does).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let dest = to.join(entry.file_name());
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            copy_tree(&path, &dest)?;
        } else if meta.is_file() {
            std::fs::copy(&path, &dest).map_err(|e| Error::io(&dest, e))?;
        }
    }
    Ok(())
}
