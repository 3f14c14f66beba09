//! `hf-regress bisect FIXTURE... [--good REV] [--bad REV]`: name the first
//! commit of a stack that changes each fixture's render (see
//! `hf_regress::bisect`), print it with its PSNR against the good render,
//! and write a report of that change.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use hf_regress::bisect::{self, git, Answer, BisectRun, Workspace};
use hf_regress::model::RunSummary;
use hf_regress::progress::db;
use hf_regress::report;

/// `bisect`'s arguments.
#[derive(Debug, Args)]
pub(crate) struct BisectArgs {
    /// Fixtures whose render to follow.
    #[arg(value_name = "FIXTURE", required = true)]
    fixtures: Vec<String>,
    /// The last commit known to render as expected (default: the merge
    /// base of --bad with main).
    #[arg(long, value_name = "REV")]
    good: Option<String>,
    /// The commit that renders differently (default: HEAD).
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    bad: String,
    /// Cache of renders and failed builds, and the reused work tree
    /// (default: <target dir>/hf-bisect).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Report root; the bisect writes DIR/<timestamp>/index.html.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

/// Run the bisect; returns the exit code (0 when every fixture got an
/// answer, including "no change in the range").
pub(crate) fn run(root: &Path, args: BisectArgs) -> Result<u8> {
    for name in &args.fixtures {
        if !root.join("fixtures").join(name).is_dir() {
            bail!(
                "unknown fixture {name:?} (no {})",
                root.join("fixtures").join(name).display()
            );
        }
    }
    let bad = git::resolve(root, &args.bad)?;
    let good = match &args.good {
        Some(rev) => git::resolve(root, rev)?,
        None => git::merge_base(root, &bad.hash, "main")
            .context("cannot find the merge base with main; pass --good REV")?,
    };
    let commits = git::range(root, &good, &bad)?;
    if commits.is_empty() {
        bail!(
            "nothing to bisect: {} is the good commit itself",
            bad.label()
        );
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let ws = Workspace {
        repo: root.to_path_buf(),
        cache: args
            .cache
            .clone()
            .unwrap_or_else(|| target_dir.join("hf-bisect")),
        target_dir,
        npm_dir: std::env::var_os("HF_NPM_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("tools/npm/node_modules")),
        env_fingerprint: bisect::env_fingerprint(root),
    };
    let say = |line: &str| {
        let _ = writeln!(io::stderr(), "bisect: {line}");
    };
    say(&format!(
        "good {}, bad {}: {} commits, fixtures {}",
        good.label(),
        bad.label(),
        commits.len(),
        args.fixtures.join(", ")
    ));
    let run = bisect::bisect(&ws, good, commits, &args.fixtures, &say)?;
    let report_root = args.report.clone().unwrap_or_else(|| root.join("reports"));
    let dir = crate::run::new_report_dir(&report_root)?;
    let index = write_report(&dir, &run)?;
    print(&run, &index)?;
    Ok(0)
}

fn write_report(dir: &Path, run: &BisectRun) -> Result<PathBuf> {
    let summary = RunSummary {
        started: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        seconds: 0.0,
        jobs: 1,
        update: false,
        fixtures: run
            .answers
            .iter()
            .filter_map(|a| a.result.clone())
            .collect(),
        environment: vec![
            ("good commit".into(), run.good.label()),
            (
                "bad commit".into(),
                run.commits.last().map(|c| c.label()).unwrap_or_default(),
            ),
        ],
    };
    let index = report::write_report(dir, &summary)
        .with_context(|| format!("cannot write the report in {}", dir.display()))?;
    let answers: Vec<serde_json::Value> = run
        .answers
        .iter()
        .map(|a| {
            let label = |i: &usize| run.commits[*i].label();
            serde_json::json!({
                "fixture": a.fixture,
                "first_change": match &a.search.answer { Answer::First(i) => Some(label(i)), _ => None },
                "one_of": match &a.search.answer { Answer::OneOf(v) => v.iter().map(label).collect(), _ => Vec::new() },
                "skipped": a.search.skipped().iter().map(|(i, why)| serde_json::json!({"commit": label(i), "why": why})).collect::<Vec<_>>(),
                "min_psnr_db": a.psnr.map(|p| db(p.0)),
                "median_psnr_db": a.psnr.map(|p| db(p.1)),
            })
        })
        .collect();
    let json = serde_json::json!({
        "good": run.good.label(),
        "answers": answers,
        "renders_new": run.renders_new,
        "renders_cached": run.renders_cached,
        "builds": run.builds,
        "report": index,
    });
    let path = dir.join("bisect.json");
    hf::sys::write_atomic(
        &path,
        (serde_json::to_string_pretty(&json)? + "\n").as_bytes(),
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(index)
}

fn print(run: &BisectRun, index: &Path) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for a in &run.answers {
        match &a.search.answer {
            Answer::First(i) => {
                write!(
                    out,
                    "{}: first commit that changes the render: {}",
                    a.fixture,
                    run.commits[*i].label()
                )?;
                if let Some((min, median)) = a.psnr {
                    write!(
                        out,
                        " (PSNR against the good render: min {} dB, median {} dB)",
                        db(min),
                        db(median)
                    )?;
                }
                writeln!(out)?;
            }
            Answer::OneOf(v) => {
                writeln!(
                    out,
                    "{}: only skipped commits are left; the first change is one of:",
                    a.fixture
                )?;
                for i in v {
                    writeln!(out, "  {}", run.commits[*i].label())?;
                }
            }
            Answer::NoChange => writeln!(
                out,
                "{}: no commit after the good one changes the render",
                a.fixture
            )?,
        }
        for (i, why) in a.search.skipped() {
            writeln!(out, "  skipped {}: {why}", run.commits[i].label())?;
        }
    }
    writeln!(
        out,
        "renders: {} new, {} from the cache; builds: {}",
        run.renders_new, run.renders_cached, run.builds
    )?;
    writeln!(out, "report: {}", index.display())
}
