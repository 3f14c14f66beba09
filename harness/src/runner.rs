//! Running fixtures: a fixed pool of worker threads takes fixtures from a
//! shared queue (never one unbounded task per fixture: each render runs
//! Chrome and x264), and each fixture's failure or panic becomes that
//! fixture's `Error` verdict while the others finish.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use hf::{Event, RenderOptions, RenderReport};

use crate::fixture::{Fixture, Meta};
use crate::golden::{self, Environment, GoldenPaths, Provenance, UpdateNote};
use crate::interrupt;
use crate::layout::Layout;
use crate::model::{FixtureResult, RenderStats, Verdict};
use crate::progress::Reporter;
use crate::score::{self, audio, visual};

/// How each fixture is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `hf::render`, one process.
    InProcess,
    /// Plan, every chunk in this process one after another, assemble: the
    /// same goldens must pass when the render is split.
    DistributedSimulated {
        /// Chunks per fixture.
        chunks: u64,
    },
    /// Plan, the chunks as a Slurm array job (the cluster `SLURM_CONF`
    /// names), assemble.
    Slurm {
        /// Chunks per fixture.
        chunks: u64,
        /// The `hf` binary the array tasks run.
        hf: PathBuf,
    },
}

/// How to run the selected fixtures.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// How each fixture is rendered.
    pub mode: Mode,
    /// Repository root (holds `fixtures/` and `golden/`).
    pub root: PathBuf,
    /// Fixtures at once, ≥ 1.
    pub jobs: usize,
    /// Write pending goldens instead of comparing.
    pub update: bool,
    /// Keep each fixture's temp dir and print its path.
    pub keep_temp: bool,
    /// This run's report directory, recorded in pending goldens.
    pub report_dir: PathBuf,
    /// The environment, for provenance and drift.
    pub env: Environment,
    /// Where the suite keeps fixtures and goldens.
    pub layout: Layout,
}

/// What the pool hands back: results in input order, and the Chromium
/// version seen (for the report header).
pub struct RunOutput {
    /// One per fixture, in the order given.
    pub results: Vec<FixtureResult>,
    /// `RenderReport::chrome_version` of the first successful render.
    pub chromium: Option<String>,
}

/// Run `fixtures` on `opts.jobs` threads.
pub fn run_all(fixtures: &[Fixture], opts: &RunOptions, reporter: &Reporter) -> RunOutput {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<FixtureResult>>> = Mutex::new(vec![None; fixtures.len()]);
    let chromium = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.clamp(1, fixtures.len().max(1)) {
            s.spawn(|| loop {
                if interrupt::stop_requested() || reporter.stdout_closed() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(fixture) = fixtures.get(i) else {
                    break;
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let mut job = Job::new(fixture, opts, reporter);
                    job.run();
                    (job.result, job.chromium)
                }));
                let result = match outcome {
                    Ok((result, chrome)) => {
                        if let Some(c) = chrome {
                            chromium
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(c);
                        }
                        result
                    }
                    Err(panic) => {
                        let mut r = base_result(fixture);
                        r.verdict = Verdict::Error;
                        r.reasons
                            .push(format!("the harness panicked: {}", panic_message(&*panic)));
                        r
                    }
                };
                reporter.fixture_done(&result);
                slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    let results = slots
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .zip(fixtures)
        .map(|(slot, fixture)| {
            slot.unwrap_or_else(|| {
                let mut r = base_result(fixture);
                r.verdict = Verdict::Error;
                r.reasons.push("not run: the run was interrupted".into());
                r
            })
        })
        .collect();
    RunOutput {
        results,
        chromium: chromium.into_inner().unwrap_or_else(|e| e.into_inner()),
    }
}

/// The text of a panic payload.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// A result with the fixture's identity and nothing run yet.
fn base_result(fixture: &Fixture) -> FixtureResult {
    let (description, tags) = match &fixture.meta {
        Ok(m) => (m.description.clone(), m.tags.clone()),
        Err(_) => (String::new(), Vec::new()),
    };
    FixtureResult::new(fixture.name.clone(), description, tags)
}

/// One fixture's run, filling in `result` as it goes.
struct Job<'a> {
    fixture: &'a Fixture,
    opts: &'a RunOptions,
    reporter: &'a Reporter,
    pos: usize,
    result: FixtureResult,
    chromium: Option<String>,
}

impl<'a> Job<'a> {
    fn new(fixture: &'a Fixture, opts: &'a RunOptions, reporter: &'a Reporter) -> Self {
        let pos = reporter.fixture_start(&fixture.name);
        Self {
            fixture,
            opts,
            reporter,
            pos,
            result: base_result(fixture),
            chromium: None,
        }
    }

    /// Run to a verdict; errors become `Verdict::Error` with the message.
    fn run(&mut self) {
        if let Err(message) = self.try_run() {
            self.result.verdict = Verdict::Error;
            self.result.reasons.push(message);
        }
    }

    fn try_run(&mut self) -> Result<(), String> {
        let meta = self.fixture.meta.as_ref().map_err(|e| e.to_string())?;
        let name = &self.fixture.name;
        for w in &self.fixture.warnings {
            self.reporter.line(&format!("{name}: warning: {w}"));
        }
        self.result
            .warnings
            .extend(self.fixture.warnings.iter().cloned());
        if let Some(why) = &self.fixture.unsupported {
            self.result.verdict = Verdict::Fail;
            self.result.reasons.push(why.clone());
            return Ok(());
        }
        let mut golden = self.opts.layout.golden(&self.opts.root, name);
        if matches!(self.opts.layout, crate::layout::Layout::Hf) {
            golden = golden.with_output(crate::fixture::output_name(meta.render.format));
        }
        let tmp = tempfile::Builder::new()
            .prefix(&format!("hf-regress-{name}-"))
            .tempdir()
            .map_err(|e| format!("cannot create a temp dir: {e}"))?;
        let outcome = self.render_and_score(meta, &golden, tmp.path());
        if self.opts.keep_temp {
            let kept = tmp.keep();
            self.reporter
                .line(&format!("{name}: temp files kept in {}", kept.display()));
            self.reporter.event(
                "temp_kept",
                serde_json::json!({ "fixture": name, "path": kept }),
            );
        }
        outcome
    }

    fn render_and_score(
        &mut self,
        meta: &Meta,
        golden: &GoldenPaths,
        tmp: &Path,
    ) -> Result<(), String> {
        let name = self.fixture.name.clone();
        self.reporter.state(self.pos, &name, "rendering…");
        let report = self.render(meta, tmp)?;
        self.chromium = Some(report.chrome_version.clone());
        if self.opts.update {
            return self.update(meta, golden, &report);
        }
        let missing = golden.missing();
        if !missing.is_empty() {
            self.result.verdict = Verdict::MissingGolden;
            for path in missing {
                self.result
                    .reasons
                    .push(format!("missing golden file {}", path.display()));
            }
            return Ok(());
        }
        // A reference-layout golden has no hf provenance until --update
        // writes one, and may lack compiled HTML: those checks are skipped.
        if !golden.reference || golden.provenance.is_file() {
            let provenance = Provenance::read(&golden.provenance).map_err(|e| e.to_string())?;
            self.result.provenance_drift = provenance.drift(&self.opts.env, &report.chrome_version);
            let packages: Vec<String> = report.perf.packages.iter().map(|p| p.line()).collect();
            self.result
                .provenance_drift
                .extend(provenance.package_drift(&packages));
        }

        self.reporter.state(self.pos, &name, "scoring…");
        let started = Instant::now();
        let golden_html = if golden.html.is_file() {
            Some(
                std::fs::read_to_string(&golden.html)
                    .map_err(|e| format!("{}: {e}", golden.html.display()))?,
            )
        } else {
            self.result.warnings.push(format!(
                "no {}: the compiled-HTML check is skipped",
                golden.html.display()
            ));
            None
        };
        let inputs = score::Inputs {
            meta,
            name: &name,
            rendered_html: &report.compiled_html,
            golden_html: golden_html.as_deref(),
            rendered: score::Media::of(&report.output),
            golden: score::Media::of(&golden.video),
            reporter: self.reporter,
        };
        score::run_all(&inputs, &mut self.result)?;
        self.result.scoring_seconds = started.elapsed().as_secs_f64();
        self.result.verdict = if self.result.reasons.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        Ok(())
    }

    /// Render the fixture into `tmp`, recording the stats.
    fn render(&mut self, meta: &Meta, tmp: &Path) -> Result<RenderReport, String> {
        let out = tmp.join(crate::fixture::output_name(meta.render.format));
        let mut opts = RenderOptions::new(self.fixture.src(), out);
        meta.render.apply(&mut opts);
        opts.compiled_html_out = Some(tmp.join("compiled.html"));
        opts.offline = true;
        opts.cancel = Some(interrupt::cancel_flag());
        let name = &self.fixture.name;
        let reporter = self.reporter;
        let sink = |event: Event| {
            if let Event::Frame { done, total, .. } = event {
                reporter.render_progress(name, done, total);
            }
        };
        let started = Instant::now();
        let report = self
            .render_with(&opts, tmp, &sink)
            .map_err(|e| format!("render failed: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        let stats = RenderStats {
            seconds,
            frames: report.frames,
            frames_per_second: if seconds > 0.0 {
                report.frames as f64 / seconds
            } else {
                0.0
            },
            perf: report.perf.clone(),
        };
        self.reporter.render_done(name, &stats);
        self.result.render = Some(stats);
        Ok(report)
    }

    /// Render `opts` the way the run's mode says.
    fn render_with(
        &self,
        opts: &RenderOptions,
        tmp: &Path,
        sink: hf::EventSink<'_>,
    ) -> hf::Result<RenderReport> {
        use hf::distributed::{render_distributed, Chunking, Runner, SlurmOptions};
        let (chunks, runner) = match &self.opts.mode {
            Mode::InProcess => return hf::render(opts, sink),
            Mode::DistributedSimulated { chunks } => (*chunks, Runner::InProcess { retries: 1 }),
            Mode::Slurm { chunks, hf } => (
                *chunks,
                Runner::Slurm(SlurmOptions {
                    partition: None,
                    resubmits: 1,
                    chunk_retries: 1,
                    cpus_per_task: 1,
                    hf: hf.clone(),
                    poll: std::time::Duration::from_millis(500),
                    cancel: opts.cancel.clone(),
                }),
            ),
        };
        let plan = tmp.join("plan");
        render_distributed(opts, &plan, Chunking::Count(chunks), &runner, sink).map(|d| d.report)
    }

    /// `--update`: write pending goldens; measure new against old when an
    /// old golden exists, so the reviewer sees what accepting would change.
    fn update(
        &mut self,
        meta: &Meta,
        golden: &GoldenPaths,
        report: &RenderReport,
    ) -> Result<(), String> {
        let name = self.fixture.name.clone();
        let mut note = UpdateNote {
            report_dir: Some(self.opts.report_dir.display().to_string()),
            had_old_golden: golden.video.exists(),
            ..UpdateNote::default()
        };
        if note.had_old_golden {
            self.reporter
                .state(self.pos, &name, "comparing with the old golden…");
            let started = Instant::now();
            let (new, old) = (
                score::Media::of(&report.output),
                score::Media::of(&golden.video),
            );
            let (v, _) = visual::compare(
                &new.video,
                &old.video,
                meta.min_psnr,
                meta.max_frame_failures,
            )
            .map_err(|e| format!("visual comparison with the old golden: {e}"))?;
            self.reporter.visual_done(&name, &v);
            let finite = |x: f64| x.is_finite().then_some(x);
            note.min_psnr_db = finite(v.min_psnr);
            note.median_psnr_db = finite(v.median_psnr);
            note.failed_checkpoints = Some(v.failed);
            self.result.visual = Some(v);
            let (a, _) = audio::compare(&new.audio, &old.audio, audio::thresholds(meta))
                .map_err(|e| format!("audio comparison with the old golden: {e}"))?;
            self.reporter.audio_done(&name, &a);
            note.audio_correlation = Some(a.correlation);
            self.result.audio = Some(a);
            self.result.scoring_seconds = started.elapsed().as_secs_f64();
        }
        let provenance = Provenance {
            hf_version: self.opts.env.hf_version.clone(),
            git_commit: self.opts.env.git_commit.clone(),
            chromium: report.chrome_version.clone(),
            ffmpeg: self.opts.env.ffmpeg.clone(),
            fonts: self.opts.env.fonts.clone(),
            fps: report.fps.to_string(),
            frames: report.frames,
            duration_s: report.duration,
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            render_seconds: self.result.render.as_ref().map_or(0.0, |r| r.seconds),
            packages: Some(report.perf.packages.iter().map(|p| p.line()).collect()),
            update: Some(note),
        };
        let written =
            golden::write_pending(golden, &report.output, &report.compiled_html, &provenance)
                .map_err(|e| e.to_string())?;
        self.result.pending = written.iter().map(|p| p.display().to_string()).collect();
        self.result.verdict = Verdict::Updated;
        Ok(())
    }
}

/// The run's exit code: any Error → 2, else any missing golden → 3, else
/// any Fail → 1, else 0 (Updated counts as success).
pub fn exit_code(results: &[FixtureResult]) -> i32 {
    let any = |v: Verdict| results.iter().any(|r| r.verdict == v);
    if any(Verdict::Error) {
        2
    } else if any(Verdict::MissingGolden) {
        3
    } else if any(Verdict::Fail) {
        1
    } else {
        0
    }
}
