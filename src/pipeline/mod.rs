//! The orchestrator: runs the stages in order, owns the browsers and the
//! encoder thread, and turns their timings into the perf summary.
//!
//! [`render`] and [`snapshot`] share one [`Job`] runner: they differ only
//! in which frames are captured and which sink receives them.

mod browser;
mod infer;
mod snapshot;
mod stages;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::assemble::{write_atomic, PendingOutput};
use crate::capture::serve::Server;
use crate::capture::{self, SessionOptions};
use crate::compile::{self, CompileOptions, Composition};
use crate::config::{Fps, FrameRange, RenderOptions};
use crate::encode::sink::Still;
use crate::encode::EncodeSettings;
use crate::error::Result;
use crate::events::{Event, EventSink, Stage};
use crate::packages::{prepare, Cache, Packages};
use crate::perf::{PerfSummary, StageTimes};
pub use snapshot::{snapshot, SnapshotReport};
pub(crate) use stages::StageClock;
use stages::{ms, timed};

/// What a finished render produced.
#[derive(Debug, Clone)]
pub struct RenderReport {
    /// The file (or png-sequence folder) written.
    pub output: PathBuf,
    /// The compiled HTML that was rendered (the harness snapshots it).
    pub compiled_html: String,
    /// Composition width in pixels.
    pub width: u32,
    /// Composition height in pixels.
    pub height: u32,
    /// Frame rate used.
    pub fps: Fps,
    /// Frames written.
    pub frames: u64,
    /// The composition frames written (all of them unless `--frames`).
    pub range: FrameRange,
    /// Composition duration in seconds.
    pub duration: f64,
    /// Chrome's product string, e.g. `HeadlessChrome/156.0.8078.108`.
    pub chrome_version: String,
    /// Warnings raised along the way (also sent as events).
    pub warnings: Vec<String>,
    /// Where the time went.
    pub perf: PerfSummary,
}

/// npm packages folder used for CDN URLs when none is configured: the
/// `HF_NPM_DIR` variable, else the one the set-up script fills in the
/// source tree hf was built from.
pub fn default_npm_dir() -> PathBuf {
    std::env::var_os("HF_NPM_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/npm/node_modules"))
}

/// Warnings of one render: each sent as an event and kept for the report.
pub(crate) struct Warnings<'a> {
    events: EventSink<'a>,
    list: Vec<String>,
}

impl<'a> Warnings<'a> {
    fn new(events: EventSink<'a>) -> Self {
        Self {
            events,
            list: Vec::new(),
        }
    }

    fn push(&mut self, message: String) {
        (self.events)(Event::Warning {
            message: message.clone(),
        });
        self.list.push(message);
    }
}

/// Where captured frames go.
pub(crate) enum SinkPlan {
    /// An output format, written to this (temporary) path.
    Output(EncodeSettings, PathBuf),
    /// Single PNGs (`hf snapshot`).
    Stills(Vec<Still>),
}

/// One run of the browser stages over a set of frames.
pub(crate) struct Job {
    /// Composition frames to capture, ascending.
    pub order: Vec<u64>,
    /// Capture PNG over a transparent background.
    pub alpha: bool,
    /// Mix and cut the audio for the sink.
    pub audio: bool,
    /// The sink.
    pub sink: SinkPlan,
}

/// Render `opts.input` to `opts.output`, reporting progress to `events`.
pub fn render(opts: &RenderOptions, events: EventSink<'_>) -> Result<RenderReport> {
    let t0 = std::time::Instant::now();
    let output = opts.output_settings.resolve(&opts.output, opts.quality)?;
    let mut warnings = Warnings::new(events);
    let compiled = compile_stage(opts, events, &mut warnings)?;
    let (comp, compile_ms) = (&compiled.comp, compiled.compile_ms);
    let total = comp.frame_count();
    let range = match opts.frames {
        Some(r) => r.validate(total)?,
        None => FrameRange {
            first: 0,
            last: total.saturating_sub(1),
        },
    };
    if !output.format.has_audio() && !comp.audio.is_empty() {
        warnings.push(format!(
            "{} has no audio: the composition's {} audio clip(s) are left out",
            output.format,
            comp.audio.len()
        ));
    }
    let pending = PendingOutput::new(&opts.output)?;
    let settings = EncodeSettings {
        width: comp.width,
        height: comp.height,
        fps: comp.fps,
        frames: range,
        output: output.clone(),
    };
    let job = Job {
        order: (range.first..=range.last).collect(),
        alpha: output.format.keeps_alpha(),
        audio: output.format.has_audio() && !opts.video_only,
        sink: SinkPlan::Output(settings, pending.temp_path().to_path_buf()),
    };
    let staged = run_job(opts, &compiled, job, &mut warnings)?;
    // The encoder thread flushed and finished the file; the rename is the
    // rest of the assemble stage.
    let assemble = StageClock::start(events, Stage::Assemble);
    let renamed = std::time::Instant::now();
    let path = pending.commit()?;
    let assemble_ms = assemble.finish_with(staged.assemble_ms + ms(renamed.elapsed()));
    let mut perf = staged.perf(opts, comp, compile_ms, assemble_ms, t0);
    perf.packages = compiled.packages.used();
    Ok(RenderReport {
        output: path,
        compiled_html: comp.html.clone(),
        width: comp.width,
        height: comp.height,
        fps: comp.fps,
        frames: range.len(),
        range,
        duration: comp.duration,
        chrome_version: staged.chrome_version,
        warnings: warnings.list,
        perf,
    })
}

/// Compile `opts.input` exactly as a render's compile stage does (packages
/// resolved, font rules injected, warnings sent as events), without
/// rendering: `hf plan` freezes this, and a chunk worker compares its
/// resolved package set with the plan's before it renders.
pub(crate) fn compile_resolved(
    opts: &RenderOptions,
    events: EventSink<'_>,
) -> Result<(Composition, Vec<crate::packages::PackageUse>)> {
    let mut warnings = Warnings::new(events);
    let compiled = compile_stage(opts, events, &mut warnings)?;
    let used = compiled.packages.used();
    Ok((compiled.comp, used))
}

/// A compiled composition with the packages its page needs resolved.
pub(crate) struct Compiled {
    comp: Composition,
    compile_ms: u64,
    packages: Arc<Packages>,
    /// Warnings of the package preflight (a missing font family, say).
    package_warnings: Vec<String>,
    /// Families served from npm, lower case: the probe's "not available"
    /// check may run before their faces load, so its warning is dropped.
    served: std::collections::BTreeSet<String>,
}

/// Compile the composition, resolve its packages (CDN scripts, fonts) and
/// write the compiled HTML when asked.
fn compile_stage(
    opts: &RenderOptions,
    events: EventSink<'_>,
    warnings: &mut Warnings<'_>,
) -> Result<Compiled> {
    let ((comp, packages, prepared), compile_ms) = timed(events, Stage::Compile, || {
        let mut compile_opts = CompileOptions::of_render(opts);
        let mut comp = compile::compile(&opts.input, &compile_opts)?;
        let npm_dir = opts.npm_dir.clone().unwrap_or_else(default_npm_dir);
        let packages = Arc::new(Packages::new(
            Cache::at(Cache::default_root()),
            Some(npm_dir),
            opts.offline,
            format!("hf fetch {}", opts.input.display()),
        ));
        let mut prepared = prepare::prepare(&prepare::needs(&comp.html, &comp.dir), &packages)?;
        comp.html = prepared.inject(&comp.html);
        if comp.needs_duration {
            // No data-duration: ask the page how long it runs, then compile
            // again so media cuts and the runtime use that length.
            compile_opts.duration = Some(infer::infer_duration(&comp, opts, &packages)?);
            comp = compile::compile(&opts.input, &compile_opts)?;
            prepared = prepare::prepare(&prepare::needs(&comp.html, &comp.dir), &packages)?;
            comp.html = prepared.inject(&comp.html);
            prepared.warnings.push(format!(
                "the composition root has no data-duration; rendering the {} s hf inferred \
                 from its timelines, adapters and media",
                compile::fmt_secs(comp.duration)
            ));
        }
        if let Some(path) = &opts.compiled_html_out {
            write_atomic(path, comp.html.as_bytes())?;
        }
        Ok::<_, crate::Error>((comp, packages, prepared))
    })?;
    let prepare::Prepared {
        warnings: package_warnings,
        served,
        ..
    } = prepared;
    for w in comp.warnings.iter().chain(&package_warnings) {
        warnings.push(w.clone());
    }
    Ok(Compiled {
        comp,
        compile_ms,
        packages,
        package_warnings,
        served,
    })
}

/// Plan the capture, start the background stages and run the browser
/// stages of `job`; returns their timings (the output is complete under
/// its temporary name).
fn run_job(
    opts: &RenderOptions,
    compiled: &Compiled,
    job: Job,
    warnings: &mut Warnings<'_>,
) -> Result<browser::Staged> {
    let events = warnings.events;
    let comp = &compiled.comp;
    let count = job.order.len() as u64;
    let (plan, plan_warning) = capture::plan::plan(
        opts.workers,
        count,
        u64::from(comp.width) * u64::from(comp.height),
        capture::plan::Host::current(),
    );
    if let Some(w) = plan_warning {
        warnings.push(w);
    }
    events(Event::CapturePlanned {
        workers: plan.workers,
        reason: plan.reason.clone(),
        total_frames: count,
    });
    let npm_dir = opts.npm_dir.clone().unwrap_or_else(default_npm_dir);
    // Decoders may run a little further ahead than capture can.
    let ahead = capture::reorder_window(plan.workers) + 8;
    let videos = crate::video::VideoFrames::new(&comp.videos, comp.fps, &job.order, ahead)?;
    let mut server = Server::new(
        comp.dir.clone(),
        comp.html.clone(),
        compile::RUNTIME_JS,
        Some(npm_dir),
        opts.offline,
    )
    .with_packages(Arc::clone(&compiled.packages));
    if let Some(v) = &videos {
        server = server.with_video_frames(v.dir().to_path_buf());
    }
    let server = Arc::new(server);
    let session = session_options(comp, opts, job.alpha);
    let sampler = capture::rss::RssSampler::start();
    let staged = browser::run(browser::Inputs {
        opts,
        comp,
        plan: &plan,
        server: server.clone(),
        session,
        job,
        videos: videos.as_ref(),
        events,
    });
    let peak_rss_mib = sampler.finish();
    let mut staged = staged?;
    staged.peak_rss_mib = peak_rss_mib;
    staged.plan = Some(plan);
    for message in &staged.probe_warnings {
        // A family the package preflight reported (with its fallback) is
        // said once; one served from npm is not missing.
        let family = message.split('"').nth(1).unwrap_or("");
        let said = format!("font family \"{family}\"");
        if compiled
            .package_warnings
            .iter()
            .any(|w| w.starts_with(&said))
            || compiled.served.contains(&family.to_lowercase())
        {
            continue;
        }
        warnings.push(message.clone());
    }
    for line in server.log.lock().map(|l| l.clone()).unwrap_or_default() {
        warnings.push(format!("request {line}"));
    }
    for link in server
        .followed
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default()
    {
        events(Event::Detail {
            message: format!("followed the project's symlink {link}"),
        });
    }
    if staged.clipped > 0 {
        warnings.push(format!(
            "the audio mix clipped {} samples; lower some data-volume values",
            staged.clipped
        ));
    }
    if let Some(e) = compiled.packages.first_failure() {
        return Err(e);
    }
    Ok(staged)
}

impl browser::Staged {
    /// The perf summary of a finished render.
    fn perf(
        &self,
        opts: &RenderOptions,
        comp: &Composition,
        compile_ms: u64,
        assemble_ms: u64,
        t0: std::time::Instant,
    ) -> PerfSummary {
        let total_ms = ms(t0.elapsed());
        let frames = self.frames;
        let plan = self.plan.clone().unwrap_or_else(|| capture::CapturePlan {
            workers: 1,
            reason: String::new(),
            route: "sequential",
        });
        PerfSummary {
            hf_version: crate::VERSION.into(),
            frames,
            fps: comp.fps.to_string(),
            width: comp.width,
            height: comp.height,
            quality: opts.quality.to_string(),
            workers: plan.workers,
            workers_reason: plan.reason.clone(),
            route: plan.route.into(),
            stages: StageTimes {
                compile: compile_ms,
                probe: self.probe_ms,
                audio: self.audio_ms,
                video: self.video_ms,
                capture: self.capture_ms,
                encode: self.encode_ms,
                assemble: assemble_ms,
                total: total_ms,
            },
            frames_per_second: frames as f64 / (total_ms.max(1) as f64 / 1000.0),
            frames_reused: self.capture.reused,
            attempts: self.capture.attempts.clone(),
            per_frame: self.per_frame.clone(),
            peak_rss_mib: self.peak_rss_mib,
            packages: Vec::new(),
        }
    }
}

/// The browser settings of a render of `comp`: one place, so the session
/// that infers a length and the ones that capture open Chrome alike.
fn session_options(comp: &Composition, opts: &RenderOptions, alpha: bool) -> SessionOptions {
    SessionOptions {
        width: comp.width,
        height: comp.height,
        chrome: opts.chrome.clone(),
        cdp_timeout: opts.cdp_timeout,
        ready_timeout: opts.ready_timeout,
        jpeg_quality: opts.quality.jpeg_quality(),
        alpha,
        frame_interval_ms: 1000.0 / comp.fps.as_f64(),
    }
}
