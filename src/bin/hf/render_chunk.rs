//! `hf render-chunk`: render one chunk of a plan, on whatever machine a
//! scheduler started this on.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Args;
use hf::distributed::{chunk, ChunkOptions, ChunkOutcome};

use crate::progress::Progress;

/// Arguments of `hf render-chunk`.
#[derive(Args)]
pub struct RenderChunkArgs {
    /// The plan folder (from `hf plan`).
    plan: PathBuf,
    /// The chunk to render (0-based).
    #[arg(
        long,
        required_unless_present = "chunk_from_env",
        conflicts_with = "chunk_from_env"
    )]
    chunk: Option<usize>,
    /// Take the index from HF_CHUNK_INDEX, SLURM_ARRAY_TASK_ID,
    /// JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX (first set wins).
    #[arg(long)]
    chunk_from_env: bool,
    /// Retry a browser failure this many times in-process.
    #[arg(long, default_value_t = 1)]
    retries: u32,
    /// Chrome binary (its version must match the plan's).
    #[arg(long)]
    chrome: Option<PathBuf>,
    /// Folder of npm packages served for CDN URLs.
    #[arg(long)]
    npm_dir: Option<PathBuf>,
    /// Print every stage.
    #[arg(short, long)]
    verbose: bool,
}

/// Render the chunk; returns the process exit code.
pub fn run(args: RenderChunkArgs) -> i32 {
    let index = match args.chunk {
        Some(i) => i,
        None => match chunk::index_from_env(|k| std::env::var(k).ok()) {
            Ok(i) => i,
            Err(e) => return crate::fail(&e),
        },
    };
    let cancel = Arc::new(AtomicBool::new(false));
    crate::render::install_ctrlc(Arc::clone(&cancel));
    let opts = ChunkOptions {
        chrome: args.chrome,
        npm_dir: args.npm_dir,
        retries: args.retries,
        cancel: Some(cancel),
    };
    let progress = Progress::new(args.verbose);
    let result = hf::distributed::render_chunk(&args.plan, index, &opts, &|e| progress.event(e));
    progress.finish();
    match result {
        Ok(ChunkOutcome::Kept) => {
            eprintln!("chunk {index}: already rendered and verified; kept");
            0
        }
        Ok(ChunkOutcome::Rendered { attempts }) => {
            eprintln!(
                "chunk {index}: rendered into {} ({attempts} attempt{})",
                args.plan.join(chunk::CHUNKS_DIR).display(),
                if attempts == 1 { "" } else { "s" }
            );
            0
        }
        Err(e) => crate::fail(&e),
    }
}
