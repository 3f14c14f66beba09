//! `hf render --distributed`: the three steps in one call. Plan into a
//! folder, render every chunk (in this process one after another, or as a
//! Slurm array job), assemble; the report is a render's report, so the
//! harness scores a distributed render exactly as an in-process one.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use super::chunk::{render_chunk, ChunkOptions, ChunkOutcome};
use super::join::assemble;
use super::make::make;
use super::plan::Chunking;
use super::slurm::{self, SlurmOptions};
use crate::config::{FrameRange, RenderOptions};
use crate::error::{Error, Result};
use crate::events::{Event, EventSink};
use crate::perf::{PerfSummary, StageTimes};
use crate::pipeline::RenderReport;

/// Where the chunks run.
#[derive(Debug, Clone)]
pub enum Runner {
    /// In this process, one after another, each retried in-process this
    /// many times after a browser failure.
    InProcess {
        /// `render-chunk --retries`.
        retries: u32,
    },
    /// As one Slurm array job on the cluster `SLURM_CONF` names.
    Slurm(SlurmOptions),
}

/// What a distributed render produced.
#[derive(Debug, Clone)]
pub struct DistributedReport {
    /// The render's report (perf holds the wall time and the packages).
    pub report: RenderReport,
    /// The state each chunk ended in, per submission round (one round for
    /// an in-process run).
    pub rounds: Vec<BTreeMap<usize, String>>,
}

/// Plan `opts` into `plan_dir`, run its chunks with `runner`, assemble
/// into `opts.output`.
pub fn render_distributed(
    opts: &RenderOptions,
    plan_dir: &Path,
    chunking: Chunking,
    runner: &Runner,
    events: EventSink<'_>,
) -> Result<DistributedReport> {
    let t0 = Instant::now();
    if let Some(r) = opts.frames {
        return Err(Error::Input {
            what: format!("--frames {r}"),
            message: "a distributed render renders every frame; leave --frames out".into(),
        });
    }
    let made = make(opts, plan_dir, chunking, events)?;
    let plan = &made.plan;
    let rounds = match runner {
        Runner::InProcess { retries } => {
            let chunk_opts = ChunkOptions {
                chrome: opts.chrome.clone(),
                npm_dir: opts.npm_dir.clone(),
                retries: *retries,
                cancel: opts.cancel.clone(),
            };
            vec![in_process(
                plan_dir,
                plan.chunks.len(),
                &chunk_opts,
                events,
            )?]
        }
        Runner::Slurm(s) => slurm::run_chunks(plan_dir, plan, s, events)?,
    };
    let assembled = assemble(plan_dir, &opts.output, events)?;
    let chrome_version = assembled
        .chunks
        .first()
        .map(|c| c.chrome.clone())
        .unwrap_or_default();
    let total_ms = t0.elapsed().as_millis() as u64;
    let perf = PerfSummary {
        hf_version: crate::VERSION.into(),
        frames: plan.frames,
        fps: plan.fps.to_string(),
        width: plan.width,
        height: plan.height,
        quality: plan.render.quality.to_string(),
        route: "distributed".into(),
        stages: StageTimes {
            total: total_ms,
            ..StageTimes::default()
        },
        frames_per_second: plan.frames as f64 / (total_ms.max(1) as f64 / 1000.0),
        packages: made.packages.clone(),
        ..PerfSummary::default()
    };
    let report = RenderReport {
        output: assembled.output,
        compiled_html: made.compiled_html.clone(),
        width: plan.width,
        height: plan.height,
        fps: plan.fps,
        frames: plan.frames,
        range: FrameRange {
            first: 0,
            last: plan.frames.saturating_sub(1),
        },
        duration: plan.duration,
        chrome_version,
        warnings: Vec::new(),
        perf,
    };
    Ok(DistributedReport { report, rounds })
}

/// Every chunk in this process, in order, reported as chunk events.
fn in_process(
    dir: &Path,
    count: usize,
    opts: &ChunkOptions,
    events: EventSink<'_>,
) -> Result<BTreeMap<usize, String>> {
    let mut states = BTreeMap::new();
    for index in 0..count {
        let say = |state: &str| {
            events(Event::Chunk {
                index,
                state: state.into(),
                round: 1,
            })
        };
        say("RUNNING");
        let state = match render_chunk(dir, index, opts, events) {
            Ok(ChunkOutcome::Rendered { .. }) => "COMPLETED",
            Ok(ChunkOutcome::Kept) => "KEPT",
            Err(e) => {
                say("FAILED");
                return Err(e);
            }
        };
        say(state);
        states.insert(index, state.to_owned());
    }
    Ok(states)
}
