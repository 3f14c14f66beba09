//! `hf`: the command line over the hf library. Parses arguments, draws
//! progress, maps errors to exit codes; all the work is in the library.

mod progress;
mod render;
mod snapshot;

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
  130  interrupted (Ctrl-C)";

#[derive(Parser)]
#[command(name = "hf", version, about = "Render HTML animation compositions to video", after_help = EXIT_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a composition to MP4, WebM, MOV, GIF or a PNG sequence.
    Render(render::RenderArgs),
    /// Write the frames shown at given times as PNG files.
    Snapshot(snapshot::SnapshotArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Render(args) => render::run(args),
        Command::Snapshot(args) => snapshot::run(args),
    };
    std::process::exit(code);
}
