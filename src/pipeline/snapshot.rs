//! `hf snapshot`: single frames as PNG files, captured exactly as a render
//! captures them (same compile, seek and BeginFrame), over a transparent
//! default background so a transparent page gives an RGBA still.

use std::path::{Path, PathBuf};

use super::{compile_stage, run_job, Job, SinkPlan, Warnings};
use crate::config::RenderOptions;
use crate::encode::sink::Still;
use crate::error::{Error, Result};
use crate::events::EventSink;

/// What a snapshot wrote.
#[derive(Debug, Clone)]
pub struct SnapshotReport {
    /// One PNG per requested time, in the order asked.
    pub files: Vec<PathBuf>,
    /// The composition frame each time fell on.
    pub frames: Vec<u64>,
    /// Chrome's product string.
    pub chrome_version: String,
    /// Warnings raised along the way (also sent as events).
    pub warnings: Vec<String>,
}

/// The file name of the still at `t` seconds.
pub fn still_name(t: f64) -> String {
    format!("snapshot-{t:.3}s.png")
}

/// Write one PNG per time in `times` (seconds) into `dir`. The still at
/// `t` is the frame a render shows at `t`: frame `floor(t · fps)` (with
/// 1e-9 of slack for decimal times), which a render shows from
/// `k / fps` until the next frame. `opts.output` is ignored.
pub fn snapshot(
    opts: &RenderOptions,
    times: &[f64],
    dir: &Path,
    events: EventSink<'_>,
) -> Result<SnapshotReport> {
    let mut warnings = Warnings::new(events);
    let compiled = compile_stage(opts, events, &mut warnings)?;
    let comp = &compiled.comp;
    let total = comp.frame_count();
    let mut frames = Vec::with_capacity(times.len());
    for &t in times {
        let k = (t * comp.fps.as_f64() + 1e-9).floor();
        if !(t.is_finite() && t >= 0.0 && (k as u64) < total) {
            return Err(Error::Input {
                what: format!("--at {t}"),
                message: format!(
                    "the composition lasts {:.3} s ({total} frames at {} fps)",
                    comp.duration, comp.fps
                ),
            });
        }
        frames.push(k as u64);
    }
    let files: Vec<PathBuf> = times.iter().map(|&t| dir.join(still_name(t))).collect();
    let stills = frames
        .iter()
        .zip(&files)
        .map(|(&index, path)| Still {
            index,
            path: path.clone(),
        })
        .collect();
    let mut order = frames.clone();
    order.sort_unstable();
    order.dedup();
    let job = Job {
        order,
        alpha: true,
        audio: false,
        sink: SinkPlan::Stills(stills),
    };
    let staged = run_job(opts, &compiled, job, &mut warnings)?;
    Ok(SnapshotReport {
        files,
        frames,
        chrome_version: staged.chrome_version,
        warnings: warnings.list,
    })
}
