//! `hf`: the command line over the hf library. Parses arguments, draws
//! progress, maps errors to exit codes; all the work is in the library.

mod fetch;
mod progress;
mod render;

use clap::{Parser, Subcommand};

/// Exit codes, also listed in `hf --help`.
const EXIT_HELP: &str = "\
Exit codes:
  0    success
  2    bad arguments or input path (names the flag or path)
  3    invalid composition (names the file and element)
  4    Chrome failed or timed out (with Chrome's stderr and the page console)
  5    FFmpeg could not decode a source or encode the output
  6    a file could not be read or written
  7    a package (CDN script, font) is not in the cache under --offline, its
       cache entry is corrupted under --offline, or it could not be fetched
       (names the package, the version and the hf fetch command that fixes it)
  130  interrupted (Ctrl-C)";

#[derive(Parser)]
#[command(name = "hf", version, about = "Render HTML animation compositions to video", after_help = EXIT_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a composition to MP4.
    Render(render::RenderArgs),
    /// Fill the package cache with what compositions need (CDN scripts,
    /// fonts), so they render offline.
    Fetch(fetch::FetchArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Render(args) => render::run(args),
        Command::Fetch(args) => fetch::run(args),
    };
    std::process::exit(code);
}
