//! `hf assemble`: join a plan's rendered chunks into the output.

use std::path::PathBuf;

use clap::Args;

use crate::progress::Progress;

/// Arguments of `hf assemble`.
#[derive(Args)]
pub struct AssembleArgs {
    /// The plan folder whose chunks are all rendered.
    plan: PathBuf,
    /// The output (its extension must match the plan's format; a folder
    /// for a png-sequence).
    #[arg(short, long)]
    output: PathBuf,
}

/// Assemble; returns the process exit code.
pub fn run(args: AssembleArgs) -> i32 {
    let progress = Progress::new(false);
    let result = hf::distributed::assemble(&args.plan, &args.output, &|e| progress.event(e));
    progress.finish();
    match result {
        Ok(done) => {
            eprintln!(
                "assembled {} from {} chunks",
                done.output.display(),
                done.chunks.len()
            );
            0
        }
        Err(e) => crate::fail(&e),
    }
}
