//! `hf-regress`: render fixtures, score them against goldens, report.
//!
//! This file is glue: parse the command line, pick the fixtures, hand them
//! to the runner, write the reports, and map the verdicts onto the exit-code
//! contract documented in `--help`.

mod fixture;
mod golden;
mod interrupt;
mod junit;
mod model;
mod progress;
mod report;
mod review;
mod runner;
mod score;
mod shard;
#[cfg(test)]
mod testutil;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use fixture::Fixture;
use model::{RunSummary, Verdict};
use progress::Reporter;
use shard::Shard;

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
    /// Delete pending goldens (all pending when none named).
    Reject {
        /// Fixtures to reject.
        fixtures: Vec<String>,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Fixtures to run (default: all).
    #[arg(value_name = "FIXTURE")]
    fixtures: Vec<String>,
    /// Run one fixture at a time.
    #[arg(long, conflicts_with = "jobs")]
    sequential: bool,
    /// Fixtures at once (see below for the default).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Write new goldens as pending files next to the current ones.
    #[arg(long)]
    update: bool,
    /// Skip fixtures with any of these tags (comma-separated, repeatable).
    #[arg(long, value_delimiter = ',', value_name = "TAGS")]
    exclude_tags: Vec<String>,
    /// Keep each fixture's temp dir and print its path.
    #[arg(long)]
    keep_temp: bool,
    /// How to render; only in-process exists.
    #[arg(long, default_value = "in-process", value_parser = ["in-process"])]
    mode: String,
    /// Report root; the run writes DIR/<timestamp>/index.html.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Also write a JUnit XML file.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// JSON events on stdout, one object per line.
    #[arg(long)]
    json: bool,
    /// Run shard I of N (1-based), balanced by recorded render time.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Print the selected fixture names and exit.
    #[arg(long)]
    list: bool,
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
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    if cli.command.is_some() && cli.run.any_set() {
        bail!("review, accept and reject take only fixture names (and --root); run options go without them");
    }
    match cli.command {
        Some(Command::Review) => {
            review::review(&root, &mut io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Accept { fixtures }) => {
            if ci {
                bail!("accept refuses to run with CI set: goldens are never changed in CI");
            }
            review::apply(&root, &fixtures, true, &mut io::stdout().lock())?;
            Ok(0)
        }
        Some(Command::Reject { fixtures }) => {
            review::apply(&root, &fixtures, false, &mut io::stdout().lock())?;
            Ok(0)
        }
        None => run(&root, cli.run, ci),
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

fn run(root: &Path, args: RunArgs, ci: bool) -> Result<u8> {
    if args.update && ci {
        bail!("--update refuses to run with CI set: goldens are never written in CI");
    }
    let all = fixture::discover(root)
        .with_context(|| format!("cannot list {}", root.join("fixtures").display()))?;
    let selected = select(root, all, &args)?;

    if args.list {
        // Invalid fixtures are listed too (they are selected, and a run
        // would fail on them), with a warning; the listing itself succeeds.
        let mut out = io::stdout().lock();
        for f in &selected {
            writeln!(out, "{}", f.name)?;
            if let Err(e) = &f.meta {
                let _ = writeln!(io::stderr(), "hf-regress: warning: invalid fixture: {e}");
            }
        }
        return Ok(0);
    }
    if selected.is_empty() {
        bail!("no fixtures selected (check the names, --exclude-tags and --shard)");
    }

    let jobs = match (args.sequential, args.jobs) {
        (true, _) => 1,
        (false, Some(n)) => usize::from(n),
        (false, None) => default_jobs(),
    };
    let report_root = args.report.clone().unwrap_or_else(|| root.join("reports"));
    let report_dir = new_report_dir(&report_root)?;
    let env = golden::Environment::detect(root);
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();

    let reporter = Reporter::new(args.json, selected.len());
    reporter.event(
        "run_start",
        serde_json::json!({ "total": selected.len(), "jobs": jobs, "update": args.update,
                            "mode": args.mode, "report_dir": report_dir }),
    );
    interrupt::install();
    let opts = runner::RunOptions {
        root: root.to_path_buf(),
        jobs,
        update: args.update,
        keep_temp: args.keep_temp,
        report_dir: report_dir.clone(),
        env: env.clone(),
    };
    let out = runner::run_all(&selected, &opts, &reporter);
    reporter.finish();
    if reporter.stdout_closed() {
        return Ok(0);
    }

    let mut fixtures = out.results;
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    let run = RunSummary {
        started: humantime::format_rfc3339_seconds(started).to_string(),
        seconds: clock.elapsed().as_secs_f64(),
        jobs,
        update: args.update,
        fixtures,
        environment: vec![
            ("hf".into(), env.hf_version.clone()),
            ("git commit".into(), env.git_commit.clone()),
            (
                "Chromium".into(),
                out.chromium
                    .unwrap_or_else(|| "(no render finished)".into()),
            ),
            ("FFmpeg".into(), env.ffmpeg.clone()),
            ("fonts".into(), env.fonts.clone()),
            ("cores".into(), cores().to_string()),
            ("mode".into(), args.mode.clone()),
        ],
    };
    let mut code = runner::exit_code(&run.fixtures) as u8;
    let report_path = match write_reports(&report_root, &report_dir, &run, args.junit.as_deref()) {
        Ok(p) => Some(p),
        Err(e) => {
            let _ = writeln!(
                io::stderr(),
                "hf-regress: error: cannot write the report: {e:#}"
            );
            code = 2;
            None
        }
    };
    print_summary(&reporter, &run, code, report_path.as_deref());
    Ok(if reporter.stdout_closed() { 0 } else { code })
}

/// Apply the positional names, `--exclude-tags` and `--shard`.
fn select(root: &Path, all: Vec<Fixture>, args: &RunArgs) -> Result<Vec<Fixture>> {
    for name in &args.fixtures {
        if !all.iter().any(|f| &f.name == name) {
            let known: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
            bail!("unknown fixture {name:?} (fixtures: {})", known.join(", "));
        }
    }
    let mut selected: Vec<Fixture> = all
        .into_iter()
        .filter(|f| args.fixtures.is_empty() || args.fixtures.contains(&f.name))
        .filter(|f| !f.tags().iter().any(|t| args.exclude_tags.contains(t)))
        .collect();
    if let Some(shard) = args.shard {
        let timed: Vec<(String, f64)> = selected
            .iter()
            .map(|f| {
                let prov = golden::GoldenPaths::new(root, &f.name).provenance;
                let secs = golden::Provenance::read(&prov)
                    .map(|p| p.render_seconds)
                    .ok()
                    .filter(|s| *s > 0.0)
                    .unwrap_or(shard::UNKNOWN_SECONDS);
                (f.name.clone(), secs)
            })
            .collect();
        let mine = shard::select(&timed, shard);
        selected.retain(|f| mine.contains(&f.name));
    }
    Ok(selected)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// max(1, cores / 2), capped by MemAvailable / 1.5 GiB (see --help).
fn default_jobs() -> usize {
    let by_cores = (cores() / 2).max(1);
    let by_memory = mem_available_bytes().map(|b| (b / (3 << 29)) as usize);
    by_cores.min(by_memory.unwrap_or(usize::MAX)).max(1)
}

/// MemAvailable from /proc/meminfo (Linux); `None` elsewhere.
fn mem_available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `root/<UTC timestamp>`, created; `-2`, `-3`… when runs start within the
/// same second.
fn new_report_dir(report_root: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(report_root)
        .with_context(|| format!("cannot create {}", report_root.display()))?;
    let stamp = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace(':', "-");
    for n in 1..1000 {
        let dir = if n == 1 {
            report_root.join(&stamp)
        } else {
            report_root.join(format!("{stamp}-{n}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    bail!(
        "cannot find a free report directory under {}",
        report_root.display()
    )
}

/// Write `run.json`, the HTML report (and `latest`), and the JUnit file.
/// Returns the path to open.
fn write_reports(
    report_root: &Path,
    dir: &Path,
    run: &RunSummary,
    junit: Option<&Path>,
) -> Result<PathBuf> {
    let json = dir.join("run.json");
    let text = serde_json::to_string_pretty(run).context("cannot serialise the run")?;
    std::fs::write(&json, text + "\n")
        .with_context(|| format!("cannot write {}", json.display()))?;
    let index = report::write_report(dir, run)
        .with_context(|| format!("cannot write the report in {}", dir.display()))?;
    report::update_latest(report_root, dir)
        .with_context(|| format!("cannot point {}/latest at it", report_root.display()))?;
    if let Some(path) = junit {
        junit::write_junit(path, run)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(index)
}

/// Totals on stderr (and the `summary` event), then the report path.
fn print_summary(reporter: &Reporter, run: &RunSummary, code: u8, report: Option<&Path>) {
    let count = |v: Verdict| run.fixtures.iter().filter(|f| f.verdict == v).count();
    let (pass, fail, error, missing, updated) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::MissingGolden),
        count(Verdict::Updated),
    );
    let mut line = format!(
        "{} fixtures in {:.1} s: {pass} passed, {fail} failed, {error} errors, {missing} missing goldens",
        run.fixtures.len(),
        run.seconds
    );
    if run.update {
        line += &format!(", {updated} updated (review with: hf-regress review)");
    }
    reporter.line("");
    reporter.line(&line);
    if let Some(p) = report {
        reporter.line(&format!("report: {}", p.display()));
    }
    reporter.event(
        "summary",
        serde_json::json!({ "total": run.fixtures.len(), "passed": pass, "failed": fail,
            "errors": error, "missing_golden": missing, "updated": updated,
            "seconds": run.seconds, "exit_code": code, "report": report }),
    );
}
