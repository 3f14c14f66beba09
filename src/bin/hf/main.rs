//! `hf`: the command line over the hf library. Parses arguments, draws
//! progress, maps errors to exit codes; all the work is in the library.

mod assemble;
mod distributed;
mod fetch;
mod plan;
mod progress;
mod render;
mod render_chunk;
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
  7    a package (CDN script, font) is not in the cache under --offline, its
       cache entry is corrupted under --offline, or it could not be fetched
       (names the package, the version and the hf fetch command that fixes it)
  8    a distributed plan was refused (unknown version, edited, other inputs or environment)
  9    a chunk is missing, incomplete or corrupt at assembly
  10   the cluster scheduler failed, or chunks failed after every resubmission
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
    /// Fill the package cache with what compositions need (CDN scripts,
    /// fonts), so they render offline.
    Fetch(fetch::FetchArgs),
    /// Write the frames shown at given times as PNG files.
    Snapshot(snapshot::SnapshotArgs),
    /// Freeze a composition into a plan folder for a distributed render.
    Plan(plan::PlanArgs),
    /// Render one chunk of a plan (on any machine that sees the plan folder).
    RenderChunk(render_chunk::RenderChunkArgs),
    /// Join a plan's rendered chunks into the output, without re-encoding.
    Assemble(assemble::AssembleArgs),
}

/// Print a usage error; exit code 2.
fn fail_usage(message: &str) -> i32 {
    eprintln!("error: {message}");
    2
}

/// Print a library error; its exit code.
fn fail(e: &hf::Error) -> i32 {
    eprintln!("error: {e}");
    e.exit_code()
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Render(args) => render::run(args),
        Command::Fetch(args) => fetch::run(args),
        Command::Snapshot(args) => snapshot::run(args),
        Command::Plan(args) => plan::run(args),
        Command::RenderChunk(args) => render_chunk::run(args),
        Command::Assemble(args) => assemble::run(args),
    };
    std::process::exit(code);
}
