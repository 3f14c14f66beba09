//! Capture stage: seek the page to every frame's time and screenshot it
//! with BeginFrame, on one browser or several, streaming frames to the
//! encoder in order.
//!
//! Input and output are explicit ([`CaptureJob`] in, [`CaptureOutcome`]
//! out plus the frames on the channel): nothing here reaches back into the
//! orchestrator. Failures are retried per the rules in `retry.rs`: only the
//! missing frames are captured again, by fewer workers.

pub mod browser;
pub mod plan;
mod retry;
pub mod rss;
pub mod serve;
pub mod session;

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

pub use browser::kill_all_browsers;
pub use plan::CapturePlan;
pub use session::{Session, SessionOptions};

use crate::config::Fps;
use crate::error::{Error, Result};
use crate::events::{Event, EventSink};
use crate::perf::CaptureAttempt;
use serve::Server;

/// Video frames a worker shows between two purges of its renderer's caches
/// ([`Session::purge_caches`]).
const PURGE_EVERY: u32 = 30;

/// How far ahead of the encoder a worker may run, in frames per worker.
const WINDOW_PER_WORKER: u64 = 4;

/// How many output positions past the encoder `workers` browsers may
/// capture: the video stage's decoders must be allowed at least as far.
pub fn reorder_window(workers: u32) -> u64 {
    WINDOW_PER_WORKER * u64::from(workers.max(1))
}

/// One captured frame on its way to the encoder.
#[derive(Debug, Clone)]
pub struct FrameMsg {
    /// Frame index (in the composition).
    pub index: u64,
    /// The screenshot (JPEG, or PNG when the format keeps alpha). When
    /// `reused`, it is the same allocation as an earlier frame of the same
    /// worker, so the encoder can skip decoding it.
    pub image: Arc<Vec<u8>>,
    /// Chrome reported no damage and the previous capture was reused.
    pub reused: bool,
}

/// Everything the capture stage needs.
pub struct CaptureJob<'a> {
    /// Answers the page's requests.
    pub server: Arc<Server>,
    /// How each browser is set up.
    pub session: SessionOptions,
    /// Frame rate (frame k is at k·den/num seconds).
    pub fps: Fps,
    /// The composition frames to capture, ascending and without repeats
    /// (all of them, a `--frames` range, or a snapshot's few).
    pub order: Arc<[u64]>,
    /// The plan (worker count of the first attempt).
    pub plan: CapturePlan,
    /// Frames of the composition's `<video>` elements, if it has any.
    pub videos: Option<&'a crate::video::VideoFrames>,
    /// Reuse the previous frame when Chrome reports no damage.
    pub damage_aware: bool,
    /// Progress events.
    pub events: EventSink<'a>,
    /// Set to stop the render.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Where frames go.
    pub frames: mpsc::Sender<FrameMsg>,
    /// How many frames of `order` the encoder has taken.
    pub encoded: watch::Receiver<u64>,
}

/// What capture did.
#[derive(Debug, Clone, Default)]
pub struct CaptureOutcome {
    /// Every attempt, in order.
    pub attempts: Vec<CaptureAttempt>,
    /// Frames reused because nothing changed.
    pub reused: u64,
    /// Time per kind of browser call, summed over all sessions.
    pub timings: session::OpTimings,
}

/// Capture every frame. `first` is the probe's session, reused as the
/// first worker of the first attempt.
pub async fn run(job: CaptureJob<'_>, first: Option<Session>) -> Result<CaptureOutcome> {
    let mut missing: Vec<u64> = job.order.to_vec();
    let mut outcome = CaptureOutcome::default();
    let mut first = first;
    let mut policy = retry::Policy::new(job.plan.workers);
    let done = Cell::new(0u64);
    let reused = Cell::new(0u64);
    loop {
        let attempt_no = outcome.attempts.len() as u32 + 1;
        let assignments = plan::distribute(&missing, policy.workers());
        let k = assignments.len() as u32;
        let started = Instant::now();
        let delivered = RefCell::new(Vec::new());
        let stop = Cell::new(false);

        // Open the browsers this attempt needs.
        let mut sessions: Vec<Result<Session>> = Vec::new();
        if let Some(s) = first.take() {
            sessions.push(Ok(s));
        }
        let needed = assignments.len().saturating_sub(sessions.len());
        let opened = futures::future::join_all(
            (0..needed).map(|_| Session::open(Arc::clone(&job.server), &job.session)),
        )
        .await;
        sessions.extend(opened);
        for (w, s) in sessions.iter().enumerate() {
            if let Ok(s) = s {
                (job.events)(Event::WorkerStarted {
                    attempt: attempt_no,
                    worker: w as u32,
                    chrome_pid: s.chrome_pid(),
                });
            }
        }

        let results = futures::future::join_all(sessions.iter_mut().zip(&assignments).map(
            |(s, frames)| async {
                match s {
                    Ok(s) => worker(&job, s, frames, k, &delivered, &stop, &done, &reused).await,
                    Err(e) => {
                        stop.set(true);
                        Err(std::mem::replace(e, Error::Cancelled))
                    }
                }
            },
        ))
        .await;
        for s in sessions.into_iter().flatten() {
            outcome.timings.add(&s.timings);
            s.close();
        }

        let got = delivered.into_inner();
        let error = results.into_iter().find_map(|r| r.err());
        let before = missing.len() as u64;
        missing.retain(|f| !got.contains(f));
        outcome.attempts.push(CaptureAttempt {
            attempt: attempt_no,
            workers: k,
            frames_requested: before,
            frames_done: got.len() as u64,
            ms: started.elapsed().as_millis() as u64,
            error: error.as_ref().map(ToString::to_string),
        });
        match error {
            None if missing.is_empty() => break,
            None => {
                // Workers stopped without error but frames are missing:
                // only possible if a peer failed; treated as a failure.
                policy
                    .decide(got.len() as u64, &Error::Cancelled)
                    .map_err(|_| Error::Browser {
                        message: format!("capture stopped with {} frames missing", missing.len()),
                        evidence: Default::default(),
                    })?;
            }
            Some(e @ Error::Cancelled) => return Err(e),
            Some(e) => {
                if missing.is_empty() {
                    break;
                }
                policy.decide(got.len() as u64, &e).map_err(|_| e)?;
            }
        }
        (job.events)(Event::Retry {
            attempt: attempt_no + 1,
            workers: policy.workers().min(missing.len() as u32).max(1),
            missing: missing.len() as u64,
            reason: outcome
                .attempts
                .last()
                .and_then(|a| a.error.clone())
                .unwrap_or_default(),
        });
    }
    outcome.reused = reused.get();
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    job: &CaptureJob<'_>,
    session: &mut Session,
    frames: &[u64],
    workers: u32,
    delivered: &RefCell<Vec<u64>>,
    stop: &Cell<bool>,
    done: &Cell<u64>,
    reused: &Cell<u64>,
) -> Result<()> {
    let window = reorder_window(workers);
    let mut last: Option<Arc<Vec<u8>>> = None;
    let mut last_videos: Vec<crate::video::Shown> = Vec::new();
    let mut since_purge = 0u32;
    let mut encoded = job.encoded.clone();
    let total = job.order.len() as u64;
    let result: Result<()> = async {
        for &f in frames {
            // Stay within the encoder's reorder window (by output position).
            let pos = job.order.binary_search(&f).unwrap_or(0) as u64;
            if let Some(v) = job.videos {
                v.encoded(*encoded.borrow());
            }
            while pos >= *encoded.borrow() + window {
                if stop.get() {
                    return Ok(());
                }
                let _ = tokio::time::timeout(Duration::from_millis(50), encoded.changed()).await;
            }
            if stop.get() {
                return Ok(());
            }
            if cancelled(job) {
                return Err(Error::Cancelled);
            }
            let videos = job.videos.map(|v| v.shown_at(f)).unwrap_or_default();
            // The video stage runs beside capture: wait for the frames this
            // output frame shows.
            let started = Instant::now();
            while !videos
                .iter()
                .all(|v| job.videos.is_some_and(|fs| fs.ready(v)))
            {
                if stop.get() {
                    return Ok(());
                }
                if cancelled(job) {
                    return Err(Error::Cancelled);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            session.timings.video_wait += started.elapsed();
            // Chrome's damage check does not see a video frame painted as a
            // CSS background (the image arrives after the check's style
            // pass), so a frame whose video picture changed is always
            // captured; held pictures still reuse.
            let video_changed = videos != last_videos;
            if video_changed && !videos.is_empty() {
                since_purge += 1;
                if since_purge >= PURGE_EVERY {
                    since_purge = 0;
                    session.purge_caches().await?;
                }
            }
            let shot = session
                .capture_at(
                    f,
                    job.fps.frame_time(f),
                    &videos,
                    job.damage_aware && last.is_some() && !video_changed,
                )
                .await?;
            last_videos = videos;
            let (image, was_reused) = match (shot.image, &last) {
                (None, Some(prev)) if job.damage_aware && !shot.has_damage => {
                    (Arc::clone(prev), true)
                }
                (Some(bytes), _) => (Arc::new(bytes), false),
                (None, Some(_)) => {
                    return Err(Error::Browser {
                        message: format!("Chrome drew frame {f} but returned no image"),
                        evidence: session.evidence(),
                    })
                }
                (None, None) => {
                    return Err(Error::Browser {
                        message: format!(
                            "Chrome returned no image for frame {f}, the first of this worker"
                        ),
                        evidence: session.evidence(),
                    })
                }
            };
            last = Some(Arc::clone(&image));
            let msg = FrameMsg {
                index: f,
                image,
                reused: was_reused,
            };
            if job.frames.send(msg).await.is_err() {
                // The encoder stopped; it reports its own error.
                return Err(Error::Cancelled);
            }
            delivered.borrow_mut().push(f);
            if was_reused {
                reused.set(reused.get() + 1);
            }
            done.set(done.get() + 1);
            let d = done.get();
            (job.events)(Event::Frame {
                done: d,
                total,
                workers,
                percent: 25.0 + 45.0 * d as f64 / total.max(1) as f64,
            });
        }
        Ok(())
    }
    .await;
    if result.is_err() {
        stop.set(true);
    }
    result
}

/// The caller asked the render to stop (Ctrl-C).
fn cancelled(job: &CaptureJob<'_>) -> bool {
    job.cancel
        .as_ref()
        .is_some_and(|c| c.load(Ordering::Relaxed))
}
