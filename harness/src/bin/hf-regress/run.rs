//! `hf-regress [FIXTURE...]`: pick the fixtures, hand them to the runner,
//! write the reports and map the verdicts onto the exit codes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use hf_regress::fixture::Fixture;
use hf_regress::layout::Layout;
use hf_regress::model::{RunSummary, Verdict};
use hf_regress::progress::Reporter;
use hf_regress::{golden, interrupt, junit, report, runner, shard};

use crate::RunArgs;

/// Run the selected fixtures; returns the exit code.
pub(crate) fn run(root: &Path, layout: Layout, args: RunArgs, ci: bool) -> Result<u8> {
    if args.update && args.mode != "in-process" {
        bail!(
            "--update writes goldens from in-process renders only; leave out --mode {}",
            args.mode
        );
    }
    if args.update && ci {
        bail!("--update refuses to run with CI set: goldens are never written in CI");
    }
    let mut all = layout
        .discover(root)
        .with_context(|| format!("cannot list {}", layout.fixtures_dir(root).display()))?;
    if layout == Layout::Reference {
        // As the reference harness does: a folder without src/index.html or
        // with meta.json it cannot read is skipped with a warning.
        all.retain(|f| match &f.meta {
            Ok(_) => true,
            Err(e) => {
                let _ = writeln!(io::stderr(), "hf-regress: warning: skipped {}: {e}", f.name);
                false
            }
        });
    }
    let selected = select(root, layout, all, &args)?;

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
    let mode = render_mode(&args)?;
    let opts = runner::RunOptions {
        mode,
        layout,
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

/// `--mode` and `--chunks` as the runner takes them. Slurm needs the
/// cluster (`SLURM_CONF`) and the `hf` binary beside this one, which the
/// array tasks run.
fn render_mode(args: &RunArgs) -> Result<runner::Mode> {
    Ok(match args.mode.as_str() {
        "distributed-simulated" => runner::Mode::DistributedSimulated {
            chunks: args.chunks,
        },
        "slurm" => {
            if std::env::var_os("SLURM_CONF").is_none() {
                bail!("--mode slurm needs a cluster: set SLURM_CONF (eval \"$(scripts/slurm-local.sh up)\")");
            }
            let exe = std::env::current_exe().context("cannot find hf-regress's own path")?;
            let hf = exe.with_file_name("hf");
            if !hf.is_file() {
                bail!("--mode slurm runs {} in its tasks, which does not exist: cargo build --release", hf.display());
            }
            runner::Mode::Slurm {
                chunks: args.chunks,
                hf,
            }
        }
        _ => runner::Mode::InProcess,
    })
}

/// Apply the positional names, `--exclude-tags` and `--shard`.
fn select(root: &Path, layout: Layout, all: Vec<Fixture>, args: &RunArgs) -> Result<Vec<Fixture>> {
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
                let prov = layout.golden(root, &f.name).provenance;
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
    let by_memory = hf::sys::mem_available_bytes().map(|b| (b / (3 << 29)) as usize);
    by_cores.min(by_memory.unwrap_or(usize::MAX)).max(1)
}

/// `root/<UTC timestamp>`, created; `-2`, `-3`… when runs start within the
/// same second.
pub(crate) fn new_report_dir(report_root: &Path) -> Result<PathBuf> {
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
