//! `hf plan`: freeze a composition into a plan folder for a distributed
//! render (chunks rendered anywhere, then `hf assemble`).

use std::path::PathBuf;

use clap::Args;
use hf::distributed::Chunking;
use hf::{Fps, Quality, RenderOptions};

use crate::progress::Progress;

/// Arguments of `hf plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// Composition folder, fixture folder (with src/), or index.html.
    input: PathBuf,
    /// The plan folder to write (on storage every worker sees).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    chunking: ChunkingArgs,
    /// The output format and encoder flags every chunk uses.
    #[command(flatten)]
    encoder: crate::render::EncoderArgs,
    /// Frame rate (default: the composition's data-fps, else 30).
    #[arg(long)]
    fps: Option<Fps>,
    /// Encoder preset: draft, standard or high.
    #[arg(long, default_value = "standard")]
    quality: Quality,
    /// The composition's variable overrides.
    #[command(flatten)]
    variables: crate::render::VariableArgs,
    /// Block every external request that is not a known CDN package.
    #[arg(long)]
    offline: bool,
    /// Chrome binary whose version the plan records.
    #[arg(long)]
    chrome: Option<PathBuf>,
    /// Capture every frame even when Chrome reports no change.
    #[arg(long)]
    no_damage_reuse: bool,
}

/// `--chunks N | --chunk-frames F`, shared with `hf render --distributed`.
#[derive(Args, Clone, Copy)]
#[group(multiple = false)]
pub struct ChunkingArgs {
    /// Split into this many chunks of near-equal length (default 4).
    #[arg(long)]
    chunks: Option<u64>,
    /// Split into chunks of this many frames.
    #[arg(long)]
    chunk_frames: Option<u64>,
}

impl ChunkingArgs {
    /// True when either flag was given.
    pub fn given(self) -> bool {
        self.chunks.is_some() || self.chunk_frames.is_some()
    }

    /// The chunking asked for, or an error naming the flag.
    pub fn resolve(self) -> Result<Chunking, String> {
        match (self.chunks, self.chunk_frames) {
            (Some(0), _) => Err("--chunks must be at least 1".into()),
            (_, Some(0)) => Err("--chunk-frames must be at least 1".into()),
            (Some(n), _) => Ok(Chunking::Count(n)),
            (_, Some(f)) => Ok(Chunking::Frames(f)),
            (None, None) => Ok(Chunking::Count(4)),
        }
    }
}

/// Make the plan; returns the process exit code.
pub fn run(args: PlanArgs) -> i32 {
    let chunking = match args.chunking.resolve() {
        Ok(c) => c,
        Err(m) => return crate::fail_usage(&m),
    };
    // The format comes from --format (default mp4); the name only carries it.
    let name = match args.encoder.format {
        Some(hf::Format::PngSequence) => "frames".to_owned(),
        Some(f) => format!("output.{}", f.name()),
        None => "output.mp4".to_owned(),
    };
    let mut opts = RenderOptions::new(&args.input, args.out.join(name));
    if let Err(m) = args.variables.apply(&mut opts) {
        return crate::fail_usage(&m);
    }
    opts.output_settings = args.encoder.settings();
    opts.fps = args.fps;
    opts.quality = args.quality;
    opts.offline |= args.offline;
    opts.chrome = args.chrome;
    opts.damage_aware = !args.no_damage_reuse;
    let progress = Progress::new(false);
    let result = hf::distributed::make_plan(&opts, &args.out, chunking, &|e| progress.event(e));
    progress.finish();
    match result {
        Ok(plan) => {
            eprintln!(
                "plan {}: {} frames in {} chunks, {} input files{}",
                args.out.display(),
                plan.frames,
                plan.chunks.len(),
                plan.inputs.len(),
                if plan.audio.is_some() {
                    ", audio mixed"
                } else {
                    ""
                }
            );
            0
        }
        Err(e) => crate::fail(&e),
    }
}
