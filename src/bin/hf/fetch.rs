//! `hf fetch`: fill the package cache with everything compositions need
//! (CDN scripts at their exact versions, fonts), and print what resolved.

use std::path::PathBuf;

use clap::Args;
use hf::packages::{prepare, Cache, Packages};

/// Arguments of `hf fetch`.
#[derive(Args)]
pub struct FetchArgs {
    /// Composition folders, fixture folders (with src/), or HTML files.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Only check the cache: fetch nothing, fail on what is missing or
    /// corrupted.
    #[arg(long)]
    offline: bool,
    /// Folder of npm packages used before the cache (default: HF_NPM_DIR or
    /// the source tree's tools/npm/node_modules).
    #[arg(long)]
    npm_dir: Option<PathBuf>,
    /// Print only warnings and errors.
    #[arg(short, long)]
    quiet: bool,
}

/// Fetch for every input; returns the process exit code (the first
/// failure's, after trying every input).
#[allow(
    clippy::print_stdout,
    reason = "the resolved set is hf fetch's output, for scripts to read"
)]
pub fn run(args: FetchArgs) -> i32 {
    let npm_dir = args.npm_dir.clone().unwrap_or_else(hf::default_npm_dir);
    let mut code = 0;
    for input in &args.inputs {
        let packages = Packages::new(
            Cache::at(Cache::default_root()),
            Some(npm_dir.clone()),
            args.offline,
            format!("hf fetch {}", input.display()),
        );
        match prepare::fetch(input, &packages) {
            Ok(done) => {
                for w in &done.warnings {
                    eprintln!("warning: {}: {w}", input.display());
                }
                if args.quiet {
                    continue;
                }
                println!("{}:", input.display());
                for p in &done.used {
                    println!(
                        "  {} {} ({})",
                        p.package,
                        p.integrity,
                        p.requested.join(", ")
                    );
                }
                for f in &done.fonts {
                    println!("  font {f}");
                }
            }
            Err(e) => {
                eprintln!("error: {}: {e}", input.display());
                if code == 0 {
                    code = e.exit_code();
                }
            }
        }
    }
    code
}
