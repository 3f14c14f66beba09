//! The browser stages of a job: probe in Chrome while audio and video
//! frames are prepared on their own threads, then capture into the encode
//! stage's thread, and collect everyone's timings.

use std::sync::Arc;
use std::thread::ScopedJoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use super::stages::{ms, StageClock};
use super::{Job, SinkPlan};
use crate::capture::serve::Server;
use crate::capture::{self, CaptureJob, FrameMsg, SessionOptions};
use crate::compile::Composition;
use crate::config::{FrameRange, RenderOptions};
use crate::encode::{self, sink, stage::Encoded};
use crate::error::{Error, Result};
use crate::events::{EventSink, Stage};

/// What the browser stages need.
pub(super) struct Inputs<'a> {
    pub opts: &'a RenderOptions,
    pub comp: &'a Composition,
    pub plan: &'a capture::CapturePlan,
    pub server: Arc<Server>,
    pub session: SessionOptions,
    pub job: Job,
    pub videos: Option<&'a crate::video::VideoFrames>,
    pub events: EventSink<'a>,
}

/// What the browser stages report.
pub(crate) struct Staged {
    pub probe_ms: u64,
    pub audio_ms: u64,
    pub video_ms: u64,
    pub capture_ms: u64,
    pub encode_ms: u64,
    pub assemble_ms: u64,
    pub clipped: usize,
    pub frames: u64,
    pub chrome_version: String,
    pub probe_warnings: Vec<String>,
    pub capture: capture::CaptureOutcome,
    pub per_frame: crate::perf::PerFrame,
    pub peak_rss_mib: f64,
    pub plan: Option<capture::CapturePlan>,
}

type AudioResult = Result<(Option<crate::audio::Mix>, u64)>;

/// Run the job: audio and video on threads of their own while Chrome
/// starts, then probe, capture and encode.
pub(super) fn run(inputs: Inputs<'_>) -> Result<Staged> {
    let comp = inputs.comp;
    let total = comp.frame_count();
    let want_audio = inputs.job.audio;
    let videos = inputs.videos;
    std::thread::scope(|scope| {
        let audio = scope.spawn(move || {
            let t = Instant::now();
            if !want_audio {
                return Ok((None, 0));
            }
            crate::audio::mix(&comp.audio, total as f64 / comp.fps.as_f64())
                .map(|m| (m, ms(t.elapsed())))
        });
        let video = scope.spawn(move || {
            let t = Instant::now();
            match videos {
                Some(v) => v.extract().map(|_| ms(t.elapsed())),
                None => Ok(0),
            }
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::io("tokio runtime", e))?;
        rt.block_on(stages(inputs, audio, video))
    })
}

async fn stages(
    inputs: Inputs<'_>,
    audio: ScopedJoinHandle<'_, AudioResult>,
    video: ScopedJoinHandle<'_, Result<u64>>,
) -> Result<Staged> {
    let Inputs {
        opts,
        comp,
        plan,
        server,
        session,
        job,
        videos,
        events,
    } = inputs;
    let (probe, probe_ms) = {
        let clock = StageClock::start(events, Stage::Probe);
        let probe = crate::probe::probe(comp, server.clone(), &session).await?;
        (probe, clock.finish())
    };
    let audio_clock = StageClock::start(events, Stage::Audio);
    let (mix, audio_ms) = audio
        .join()
        .map_err(|_| Error::media(&comp.index, "the audio mixer panicked"))??;
    audio_clock.finish_with(audio_ms);
    let clipped = mix.as_ref().map_or(0, |m| m.clipped);
    let order: Arc<[u64]> = job.order.into();
    let (tx, rx) = mpsc::channel::<FrameMsg>(8 + 4 * plan.workers as usize);
    let (encoded_tx, encoded_rx) = watch::channel(0u64);
    let open = sink_opener(job.sink, mix.map(|m| m.samples), comp);
    let encoder = encode::stage::spawn(open, order.to_vec(), rx, encoded_tx)?;

    // Extraction runs beside capture, which waits per frame.
    let video_clock = videos.map(|_| StageClock::start(events, Stage::Video));
    let capture_clock = StageClock::start(events, Stage::Capture);
    let encode_clock = StageClock::start(events, Stage::Encode);
    let capture_job = CaptureJob {
        server,
        session: session.clone(),
        fps: comp.fps,
        order: Arc::clone(&order),
        plan: plan.clone(),
        damage_aware: opts.damage_aware,
        videos,
        events,
        cancel: opts.cancel.clone(),
        frames: tx,
        encoded: encoded_rx,
    };
    let captured = capture::run(capture_job, Some(probe.session)).await;
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
    if let Some(clock) = video_clock {
        clock.finish_with(video_ms);
    }
    let capture_ms = capture_clock.finish();
    let encoded = encoder
        .join()
        .map_err(|_| Error::media(&comp.index, "the encoder thread panicked"))?;
    let (capture, enc) = match (captured, encoded) {
        (Err(e), _) => return Err(e),
        (Ok(_), Err(e)) => return Err(e),
        (Ok(c), Ok(enc)) => (c, enc),
    };
    let encode_ms = encode_clock.finish_with(ms(enc.busy));
    let frames = order.len() as u64;
    Ok(Staged {
        probe_ms,
        audio_ms,
        video_ms,
        capture_ms,
        encode_ms,
        assemble_ms: ms(enc.finish),
        clipped,
        frames,
        chrome_version: probe.chrome_version,
        probe_warnings: probe.warnings,
        per_frame: per_frame(&capture, &enc, frames),
        capture,
        peak_rss_mib: 0.0,
        plan: None,
    })
}

/// The closure the encoder thread calls to open its sink: the mix, cut to
/// the frames rendered, goes to formats with audio.
fn sink_opener(
    plan: SinkPlan,
    samples: Option<Vec<f32>>,
    comp: &Composition,
) -> impl FnOnce() -> Result<Box<dyn sink::FrameSink>> + Send + 'static {
    let fps = comp.fps;
    move || match plan {
        SinkPlan::Output(settings, path) => {
            let range: FrameRange = settings.frames;
            let audio = samples.map(|s| encode::cut_audio(&s, range, fps));
            sink::open(&path, &settings, audio.as_deref())
        }
        SinkPlan::Stills(stills) => Ok(sink::stills(stills)),
    }
}

/// Per-frame means of where capture and encode spent their time.
fn per_frame(
    capture: &capture::CaptureOutcome,
    enc: &Encoded,
    frames: u64,
) -> crate::perf::PerFrame {
    let n = frames.max(1) as f64;
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / n;
    crate::perf::PerFrame {
        seek_ms: per(capture.timings.seek),
        video_wait_ms: per(capture.timings.video_wait),
        damage_check_ms: per(capture.timings.damage_check),
        screenshot_ms: per(capture.timings.screenshot),
        jpeg_decode_ms: per(enc.timings.jpeg_decode),
        colour_convert_ms: per(enc.timings.convert),
        x264_ms: per(enc.timings.x264),
        encoder_idle_ms: per(enc.idle),
    }
}
