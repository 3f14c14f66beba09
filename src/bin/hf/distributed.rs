//! `hf render --distributed slurm|local`: the flags and the glue that
//! plans, runs the chunks (on the cluster, or in this process) and
//! assembles.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use hf::distributed::{Runner, SlurmOptions};
use hf::RenderOptions;

use crate::plan::ChunkingArgs;
use crate::progress::Progress;

/// Where `--distributed` runs the chunks.
#[derive(Clone, Copy, ValueEnum)]
pub enum Backend {
    /// A Slurm array job on the cluster SLURM_CONF names.
    Slurm,
    /// Every chunk in this process, one after another (a check that
    /// chunking changes nothing).
    Local,
}

/// Flags of `hf render` for a distributed render.
#[derive(Args)]
pub struct DistributedArgs {
    /// Split the render into chunks rendered by this backend.
    #[arg(long)]
    distributed: Option<Backend>,
    #[command(flatten)]
    chunking: ChunkingArgs,
    /// Slurm partition (default: the cluster's default).
    #[arg(long)]
    partition: Option<String>,
    /// The plan folder (default: OUTPUT's name + .hf-plan beside it); must
    /// be on storage every node sees.
    #[arg(long)]
    plan_dir: Option<PathBuf>,
    /// Times the failed chunks are resubmitted.
    #[arg(long, default_value_t = 2)]
    resubmits: u32,
    /// In-process retries of a chunk's browser failure before its task fails.
    #[arg(long, default_value_t = 1)]
    chunk_retries: u32,
    /// CPUs each chunk task asks Slurm for.
    #[arg(long, default_value_t = 2)]
    cpus_per_task: u32,
}

impl DistributedArgs {
    /// The flag given without `--distributed`, if any.
    fn stray_flag(&self) -> Option<&'static str> {
        [
            (self.chunking.given(), "--chunks/--chunk-frames"),
            (self.partition.is_some(), "--partition"),
            (self.plan_dir.is_some(), "--plan-dir"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// Run a distributed render when `--distributed` was given: Some(exit code).
/// `perf_json`: where `--perf-json` writes the render's perf summary
/// (wall time, packages; the stages ran in the chunks).
pub fn run(
    args: &DistributedArgs,
    opts: &RenderOptions,
    verbose: bool,
    perf_json: Option<&std::path::Path>,
) -> Option<i32> {
    let Some(backend) = args.distributed else {
        return args
            .stray_flag()
            .map(|f| crate::fail_usage(&format!("{f} needs --distributed slurm|local")));
    };
    let chunking = match args.chunking.resolve() {
        Ok(c) => c,
        Err(m) => return Some(crate::fail_usage(&m)),
    };
    let plan_dir = args.plan_dir.clone().unwrap_or_else(|| {
        let mut name = opts.output.file_name().unwrap_or_default().to_os_string();
        name.push(".hf-plan");
        opts.output.with_file_name(name)
    });
    let plan_dir = match std::path::absolute(&plan_dir) {
        Ok(p) => p,
        Err(e) => return Some(crate::fail(&hf::Error::io(&plan_dir, e))),
    };
    let runner = match backend {
        Backend::Local => Runner::InProcess {
            retries: args.chunk_retries,
        },
        Backend::Slurm => Runner::Slurm(SlurmOptions {
            partition: args.partition.clone(),
            resubmits: args.resubmits,
            chunk_retries: args.chunk_retries,
            cpus_per_task: args.cpus_per_task,
            hf: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("hf")),
            poll: Duration::from_millis(500),
            cancel: opts.cancel.clone(),
        }),
    };
    let progress = match backend {
        Backend::Slurm => Progress::scheduled(verbose),
        Backend::Local => Progress::new(verbose),
    };
    let result = hf::distributed::render_distributed(opts, &plan_dir, chunking, &runner, &|e| {
        progress.event(e)
    });
    progress.finish();
    Some(match result {
        Ok(done) => {
            eprintln!(
                "wrote {} ({} frames in {} chunks, plan {}, {:.1} s)",
                done.report.output.display(),
                done.report.frames,
                done.rounds.first().map_or(0, |r| r.len()),
                plan_dir.display(),
                done.report.perf.stages.total as f64 / 1000.0
            );
            crate::render::write_perf(perf_json, &done.report.perf)
        }
        Err(e) => crate::fail(&e),
    })
}
