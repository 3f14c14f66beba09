//! `hf-regress`: render fixtures, score them against goldens, report.
//!
//! This file is glue: parse the command line and dispatch to one file per
//! subcommand (`run.rs`: render and score; review, accept and reject go
//! straight to the library). The exit-code contract is in `--help`.

mod bisect;
mod run;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use hf_regress::layout::Layout;
use hf_regress::review;
use hf_regress::shard::Shard;

const EXIT_CODES: &str = "\
Exit codes:
  0  every fixture passed (or --update wrote its pending goldens)
  1  a regression: at least one fixture failed its checks
  2  the harness or the environment failed, or a fixture is invalid
     (bad meta.json, render error, bad flag, --update with CI set)
  3  a golden is missing: run with --update, then review and accept
A closed stdout (hf-regress --json | head) exits 0 quietly.

Default --jobs: max(1, cores / 2), and no more than free memory / 1.5 GiB.
One render already keeps two cores busy (Chrome paints while x264
encodes), so more jobs than half the cores only make each render slower.";

/// Render fixtures, compare them with their goldens, report.
#[derive(Debug, Parser)]
#[command(name = "hf-regress", version, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
    /// Repository root (default: the nearest ancestor of the current
    /// directory that has a fixtures/ folder).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The suite's layout: hf (fixtures/ + golden/) or reference
    /// (tests/<name>/ with output/ goldens). Default: detected from --root.
    #[arg(long, global = true, value_name = "LAYOUT", value_parser = ["hf", "reference"])]
    layout: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List pending goldens with their old-vs-new figures.
    Review,
    /// Move pending goldens into place (all pending when none named).
    Accept {
        /// Fixtures to accept.
        fixtures: Vec<String>,
    },
    /// Name the first commit of a stack that changes each fixture's render.
    Bisect(bisect::BisectArgs),
    /// Delete pending goldens (all pending when none named).
    Reject {
        /// Fixtures to reject.
        fixtures: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Fixtures to run (default: all).
    #[arg(value_name = "FIXTURE")]
    pub(crate) fixtures: Vec<String>,
    /// Run one fixture at a time.
    #[arg(long, conflicts_with = "jobs")]
    pub(crate) sequential: bool,
    /// Fixtures at once (see below for the default).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) jobs: Option<u16>,
    /// Write new goldens as pending files next to the current ones.
    #[arg(long)]
    pub(crate) update: bool,
    /// Skip fixtures with any of these tags (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "TAGS")]
    pub(crate) exclude_tags: Vec<String>,
    /// Keep each fixture's temp dir and print its path.
    #[arg(long)]
    pub(crate) keep_temp: bool,
    /// How to render: in-process (hf::render), distributed-simulated (plan,
    /// every chunk in this process, assemble) or slurm (the chunks as an
    /// array job on the cluster SLURM_CONF names).
    #[arg(long, default_value = "in-process", value_parser = ["in-process", "distributed-simulated", "slurm"])]
    pub(crate) mode: String,
    /// Chunks per fixture in the distributed modes.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) chunks: u64,
    /// Report root; the run writes DIR/<timestamp>/index.html.
    #[arg(long, value_name = "DIR")]
    pub(crate) report: Option<PathBuf>,
    /// Also write a JUnit XML file.
    #[arg(long, value_name = "PATH")]
    pub(crate) junit: Option<PathBuf>,
    /// JSON events on stdout, one object per line.
    #[arg(long)]
    pub(crate) json: bool,
    /// Run shard I of N (1-based), balanced by recorded render time.
    #[arg(long, value_name = "I/N")]
    pub(crate) shard: Option<Shard>,
    /// Print the selected fixture names and exit.
    #[arg(long)]
    pub(crate) list: bool,
}

impl RunArgs {
    /// True when any run option was given (they mean nothing to review,
    /// accept or reject, and silently ignoring `--update accept` would
    /// surprise).
    fn any_set(&self) -> bool {
        !self.fixtures.is_empty()
            || self.sequential
            || self.jobs.is_some()
            || self.update
            || !self.exclude_tags.is_empty()
            || self.keep_temp
            || self.mode != "in-process"
            || self.chunks != 3
            || self.report.is_some()
            || self.junit.is_some()
            || self.json
            || self.shard.is_some()
            || self.list
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match real_main(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(io::stderr(), "hf-regress: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let broken = |e: &io::Error| e.kind() == io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>().is_some_and(broken)
            || matches!(c.downcast_ref(), Some(review::ReviewError::Output(e)) if broken(e))
    })
}

fn real_main(cli: Cli) -> Result<u8> {
    let root = match cli.root {
        Some(r) => r,
        None => find_root()?,
    };
    let layout: Layout = match cli.layout.as_deref() {
        Some(l) => l.parse().map_err(anyhow::Error::msg)?,
        None => Layout::detect(&root).with_context(|| {
            format!(
                "{} holds neither fixtures/ nor tests/<name>/meta.json; pass --layout",
                root.display()
            )
        })?,
    };
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if cli.command.is_some() && cli.run.any_set() {
        bail!("review, accept, reject and bisect take only their own arguments (and --root); run options go without them");
    }
    match cli.command {
        Some(Command::Review) => {
            review::review(&root, layout, &mut io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Accept { fixtures }) => {
            if ci {
                bail!("accept refuses to run with CI set: goldens are never changed in CI");
            }
            review::apply(&root, layout, &fixtures, true, &mut io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Reject { fixtures }) => {
            review::apply(&root, layout, &fixtures, false, &mut io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Bisect(args)) => bisect::run(&root, args),
        None => run::run(&root, layout, cli.run, ci),
    }
}

/// The nearest ancestor of the current directory with a `fixtures/` folder.
fn find_root() -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    cwd.ancestors()
        .find(|d| d.join("fixtures").is_dir())
        .map(Path::to_path_buf)
        .with_context(|| {
            format!(
                "no fixtures/ folder in {} or above; pass --root DIR",
                cwd.display()
            )
        })
}
