//! The orchestrator: runs the stages in order, owns the browsers and the
//! encoder thread, and turns their timings into the perf summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::assemble::{write_atomic, PendingOutput};
use crate::capture::serve::Server;
use crate::capture::{self, CaptureJob, FrameMsg, SessionOptions};
use crate::compile::{self, CompileOptions, Composition};
use crate::config::{Fps, RenderOptions};
use crate::encode::{EncodeSettings, VideoEncoder};
use crate::error::{Error, Result};
use crate::events::{Event, EventSink, Stage};
use crate::packages::{prepare, Cache, Packages};
use crate::perf::{PerfSummary, StageTimes};

/// What a finished render produced.
#[derive(Debug, Clone)]
pub struct RenderReport {
    /// The MP4 written.
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

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Render `opts.input` to `opts.output`, reporting progress to `events`.
pub fn render(opts: &RenderOptions, events: EventSink<'_>) -> Result<RenderReport> {
    let t0 = Instant::now();
    if opts.output.extension().and_then(|e| e.to_str()) != Some("mp4") {
        return Err(Error::Input {
            what: format!("--output {}", opts.output.display()),
            message: "hf writes MP4: give the output a .mp4 name".into(),
        });
    }
    let mut warnings = Vec::new();
    let warn = |warnings: &mut Vec<String>, message: String| {
        events(Event::Warning {
            message: message.clone(),
        });
        warnings.push(message);
    };

    events(Event::StageStarted {
        stage: Stage::Compile,
    });
    let t = Instant::now();
    let mut comp = compile::compile(
        &opts.input,
        &CompileOptions {
            fps: opts.fps,
            variables: opts.variables.clone(),
            strict_variables: opts.strict_variables,
        },
    )?;
    for w in &comp.warnings {
        warn(&mut warnings, w.clone());
    }
    let npm_dir = opts.npm_dir.clone().unwrap_or_else(default_npm_dir);
    let packages = Arc::new(Packages::new(
        Cache::at(Cache::default_root()),
        Some(npm_dir.clone()),
        opts.offline,
        format!("hf fetch {}", opts.input.display()),
    ));
    let prepared = prepare::prepare(&prepare::needs(&comp.html, &comp.dir), &packages)?;
    comp.html = prepared.inject(&comp.html);
    for w in &prepared.warnings {
        warn(&mut warnings, w.clone());
    }
    if let Some(path) = &opts.compiled_html_out {
        write_atomic(path, comp.html.as_bytes())?;
    }
    let compile_ms = ms(t.elapsed());
    events(Event::StageFinished {
        stage: Stage::Compile,
        ms: compile_ms,
    });

    let total = comp.frame_count();
    let (plan, plan_warning) = capture::plan::plan(
        opts.workers,
        total,
        u64::from(comp.width) * u64::from(comp.height),
        capture::plan::Host::current(),
    );
    if let Some(w) = plan_warning {
        warn(&mut warnings, w);
    }
    events(Event::CapturePlanned {
        workers: plan.workers,
        reason: plan.reason.clone(),
        total_frames: total,
    });

    let videos = crate::video::VideoFrames::new(&comp.videos, comp.fps, total)?;
    let mut server = Server::new(
        comp.dir.clone(),
        comp.html.clone(),
        compile::RUNTIME_JS,
        Some(npm_dir),
        opts.offline,
    )
    .with_packages(Arc::clone(&packages));
    if let Some(v) = &videos {
        server = server.with_video_frames(v.dir().to_path_buf());
    }
    let server = Arc::new(server);
    let session_opts = SessionOptions {
        width: comp.width,
        height: comp.height,
        chrome: opts.chrome.clone(),
        cdp_timeout: opts.cdp_timeout,
        ready_timeout: opts.ready_timeout,
        jpeg_quality: opts.quality.jpeg_quality(),
        frame_interval_ms: 1000.0 / comp.fps.as_f64(),
    };
    let output = PendingOutput::new(&opts.output)?;
    let sampler = capture::rss::RssSampler::start();

    let staged = std::thread::scope(|scope| {
        // Audio mixes on its own thread while Chrome starts.
        let audio = scope.spawn(|| {
            let t = Instant::now();
            crate::audio::mix(&comp.audio, total as f64 / comp.fps.as_f64())
                .map(|m| (m, ms(t.elapsed())))
        });
        // So do the video frames.
        let video = scope.spawn(|| {
            let t = Instant::now();
            match &videos {
                Some(v) => v.extract().map(|_| ms(t.elapsed())),
                None => Ok(0),
            }
        });
        run_browser_stages(
            opts,
            &comp,
            &plan,
            server.clone(),
            &session_opts,
            &output,
            BackgroundStages {
                audio,
                video,
                videos: videos.as_ref(),
            },
            events,
        )
    });
    let peak_rss_mib = sampler.finish();
    let staged = staged?;
    for message in &staged.probe_warnings {
        // A family preflight already reported (with its fallback) once, or
        // serves from npm (the probe may look before its faces load).
        let family = message.split('"').nth(1).unwrap_or("");
        let said = format!("font family \"{family}\"");
        if prepared.warnings.iter().any(|w| w.starts_with(&said))
            || prepared.served.contains(&family.to_lowercase())
        {
            continue;
        }
        warn(&mut warnings, message.clone());
    }
    for line in server.log.lock().map(|l| l.clone()).unwrap_or_default() {
        warn(&mut warnings, format!("request {line}"));
    }
    if staged.clipped > 0 {
        warn(
            &mut warnings,
            format!(
                "the audio mix clipped {} samples; lower some data-volume values",
                staged.clipped
            ),
        );
    }
    if let Some(e) = packages.first_failure() {
        return Err(e);
    }
    let t = Instant::now();
    let path = output.commit()?;
    let assemble_ms = staged.assemble_ms + ms(t.elapsed());
    events(Event::StageFinished {
        stage: Stage::Assemble,
        ms: assemble_ms,
    });

    let total_ms = ms(t0.elapsed());
    let perf = PerfSummary {
        hf_version: crate::VERSION.into(),
        frames: total,
        fps: comp.fps.to_string(),
        width: comp.width,
        height: comp.height,
        quality: opts.quality.to_string(),
        workers: plan.workers,
        workers_reason: plan.reason.clone(),
        route: plan.route.into(),
        stages: StageTimes {
            compile: compile_ms,
            probe: staged.probe_ms,
            audio: staged.audio_ms,
            video: staged.video_ms,
            capture: staged.capture_ms,
            encode: staged.encode_ms,
            assemble: assemble_ms,
            total: total_ms,
        },
        frames_per_second: total as f64 / (total_ms.max(1) as f64 / 1000.0),
        frames_reused: staged.capture.reused,
        attempts: staged.capture.attempts,
        per_frame: staged.per_frame,
        peak_rss_mib,
        packages: packages.used(),
    };
    Ok(RenderReport {
        output: path,
        compiled_html: comp.html.clone(),
        width: comp.width,
        height: comp.height,
        fps: comp.fps,
        frames: total,
        duration: comp.duration,
        chrome_version: staged.chrome_version,
        warnings,
        perf,
    })
}

struct Staged {
    probe_ms: u64,
    audio_ms: u64,
    video_ms: u64,
    capture_ms: u64,
    encode_ms: u64,
    assemble_ms: u64,
    clipped: usize,
    chrome_version: String,
    probe_warnings: Vec<String>,
    capture: capture::CaptureOutcome,
    per_frame: crate::perf::PerFrame,
}

type AudioResult = Result<(Option<crate::audio::Mix>, u64)>;

/// Stages that run on threads of their own while Chrome starts.
struct BackgroundStages<'scope, 'v> {
    audio: std::thread::ScopedJoinHandle<'scope, AudioResult>,
    video: std::thread::ScopedJoinHandle<'scope, Result<u64>>,
    videos: Option<&'v crate::video::VideoFrames>,
}

#[allow(clippy::too_many_arguments)]
fn run_browser_stages<'scope>(
    opts: &RenderOptions,
    comp: &Composition,
    plan: &capture::CapturePlan,
    server: Arc<Server>,
    session_opts: &SessionOptions,
    output: &PendingOutput,
    background: BackgroundStages<'scope, '_>,
    events: EventSink<'_>,
) -> Result<Staged> {
    let BackgroundStages {
        audio,
        video,
        videos,
    } = background;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    let total = comp.frame_count();
    rt.block_on(async {
        events(Event::StageStarted {
            stage: Stage::Probe,
        });
        let t = Instant::now();
        let probe = crate::probe::probe(comp, server.clone(), session_opts).await?;
        let probe_ms = ms(t.elapsed());
        events(Event::StageFinished {
            stage: Stage::Probe,
            ms: probe_ms,
        });

        events(Event::StageStarted {
            stage: Stage::Audio,
        });
        let (mix, audio_ms) = audio
            .join()
            .map_err(|_| Error::media(&comp.index, "the audio mixer panicked"))??;
        events(Event::StageFinished {
            stage: Stage::Audio,
            ms: audio_ms,
        });
        let clipped = mix.as_ref().map_or(0, |m| m.clipped);

        let (tx, rx) = mpsc::channel::<FrameMsg>(8 + 4 * plan.workers as usize);
        let (encoded_tx, encoded_rx) = watch::channel(0u64);
        let settings = EncodeSettings {
            width: comp.width,
            height: comp.height,
            fps: comp.fps,
            quality: opts.quality,
            frames: total,
        };
        let temp = output.temp_path().to_path_buf();
        let samples = mix.map(|m| m.samples);
        let encoder = std::thread::Builder::new()
            .name("hf-encode".into())
            .spawn(move || encode_loop(&temp, &settings, samples.as_deref(), rx, encoded_tx))
            .map_err(|e| Error::io("encoder thread", e))?;

        if videos.is_some() {
            // Extraction runs beside capture, which waits per frame.
            events(Event::StageStarted {
                stage: Stage::Video,
            });
        }
        events(Event::StageStarted {
            stage: Stage::Capture,
        });
        events(Event::StageStarted {
            stage: Stage::Encode,
        });
        let t = Instant::now();
        let job = CaptureJob {
            server,
            session: session_opts.clone(),
            fps: comp.fps,
            total,
            plan: plan.clone(),
            damage_aware: opts.damage_aware,
            videos,
            events,
            cancel: opts.cancel.clone(),
            frames: tx,
            encoded: encoded_rx,
        };
        let captured = capture::run(job, Some(probe.session)).await;
        let capture_ms = ms(t.elapsed());
        if let (Err(_), Some(v)) = (&captured, videos) {
            v.stop();
        }
        // A failed extraction explains a failed capture (a frame the page
        // could not load), so its error comes first.
        let video_ms = match video.join() {
            Err(_) => {
                return Err(Error::media(
                    &comp.index,
                    "the video frame decoder panicked",
                ))
            }
            Ok(Err(Error::Cancelled)) if captured.is_err() => 0,
            Ok(r) => r?,
        };
        if videos.is_some() {
            events(Event::StageFinished {
                stage: Stage::Video,
                ms: video_ms,
            });
        }
        events(Event::StageFinished {
            stage: Stage::Capture,
            ms: capture_ms,
        });
        let encoded = encoder
            .join()
            .map_err(|_| Error::media(output.temp_path(), "the encoder thread panicked"))?;
        let capture = match (captured, encoded) {
            (Err(Error::Cancelled), Err(e)) => return Err(e),
            (Err(e), _) => return Err(e),
            (Ok(_), Err(e)) => return Err(e),
            (Ok(c), Ok(enc)) => (c, enc),
        };
        let (capture, enc) = capture;
        let (encode_ms, assemble_ms) = (enc.busy_ms, enc.finish_ms);
        let n = total.max(1) as f64;
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / n;
        let per_frame = crate::perf::PerFrame {
            seek_ms: per(capture.timings.seek),
            video_wait_ms: per(capture.timings.video_wait),
            damage_check_ms: per(capture.timings.damage_check),
            screenshot_ms: per(capture.timings.screenshot),
            jpeg_decode_ms: per(enc.timings.jpeg_decode),
            colour_convert_ms: per(enc.timings.convert),
            x264_ms: per(enc.timings.x264),
            encoder_idle_ms: per(enc.idle),
        };
        events(Event::StageFinished {
            stage: Stage::Encode,
            ms: encode_ms,
        });
        events(Event::StageStarted {
            stage: Stage::Assemble,
        });
        Ok(Staged {
            probe_ms,
            audio_ms,
            video_ms,
            capture_ms,
            encode_ms,
            assemble_ms,
            clipped,
            chrome_version: probe.chrome_version,
            probe_warnings: probe.warnings,
            capture,
            per_frame,
        })
    })
}

/// What the encoder thread reports.
struct Encoded {
    busy_ms: u64,
    finish_ms: u64,
    idle: Duration,
    timings: crate::encode::EncodeTimings,
}

/// The encoder thread: reorder frames, encode them, finish the file.
fn encode_loop(
    temp: &Path,
    settings: &EncodeSettings,
    audio: Option<&[f32]>,
    mut rx: mpsc::Receiver<FrameMsg>,
    encoded: watch::Sender<u64>,
) -> Result<Encoded> {
    let mut busy = Duration::ZERO;
    let t = Instant::now();
    let mut enc = VideoEncoder::create(temp, settings, audio)?;
    busy += t.elapsed();
    let mut pending: BTreeMap<u64, FrameMsg> = BTreeMap::new();
    let mut next = 0u64;
    let mut last: Option<Arc<Vec<u8>>> = None;
    let mut idle = Duration::ZERO;
    while next < settings.frames {
        let waiting = Instant::now();
        let Some(msg) = rx.blocking_recv() else {
            break;
        };
        idle += waiting.elapsed();
        pending.insert(msg.index, msg);
        while let Some(m) = pending.remove(&next) {
            let t = Instant::now();
            let same = m.reused && last.as_ref().is_some_and(|l| Arc::ptr_eq(l, &m.jpeg));
            if same {
                enc.push_repeat()?;
            } else {
                enc.push_jpeg(&m.jpeg)?;
            }
            busy += t.elapsed();
            last = Some(m.jpeg);
            next += 1;
            let _ = encoded.send(next);
        }
    }
    if next < settings.frames {
        // Capture stopped early; its error is the one to report.
        return Err(Error::Cancelled);
    }
    let t = Instant::now();
    let timings = enc.timings;
    enc.finish()?;
    Ok(Encoded {
        busy_ms: ms(busy),
        finish_ms: ms(t.elapsed()),
        idle,
        timings,
    })
}
