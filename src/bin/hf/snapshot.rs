//! `hf snapshot`: one PNG per requested time, exactly the frame a render
//! shows then. Argument parsing and glue only.

use std::path::PathBuf;

use clap::Args;

use crate::progress::Progress;
use crate::render::PageArgs;

/// Arguments of `hf snapshot`.
#[derive(Args)]
pub struct SnapshotArgs {
    /// Composition, browser and progress settings (as for `hf render`).
    #[command(flatten)]
    page: PageArgs,
    /// Times in seconds, comma-separated (e.g. 0.5,1.25).
    #[arg(long, value_delimiter = ',', required = true)]
    at: Vec<f64>,
    /// Folder the PNGs go to (`snapshot-0.500s.png`, …).
    #[arg(short, long, default_value = ".")]
    output: PathBuf,
}

/// Take the snapshots; returns the process exit code.
pub fn run(args: SnapshotArgs) -> i32 {
    let opts = match args.page.options(&args.output) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let progress = Progress::new(args.page.verbose);
    let result = hf::snapshot(&opts, &args.at, &args.output, &|e| progress.event(e));
    progress.finish();
    match result {
        Ok(report) => {
            for (file, frame) in report.files.iter().zip(&report.frames) {
                eprintln!("wrote {} (frame {frame})", file.display());
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
