//! Drawing progress: an indicatif bar on a terminal, plain lines otherwise,
//! and a warning when no event arrived for 10 s.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hf::{Event, RenderReport};
use indicatif::{ProgressBar, ProgressStyle};

/// Seconds without an event before the CLI says the render seems stuck.
const STALL: Duration = Duration::from_secs(10);

/// The CLI's progress display.
pub struct Progress {
    bar: Option<ProgressBar>,
    verbose: bool,
    last_event: Arc<Mutex<Instant>>,
    last_line: Mutex<Instant>,
    done: Arc<AtomicBool>,
    watchdog: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Start drawing to stderr, for a render on a scheduler: its chunks
    /// report only state changes, so there is no stall warning.
    pub fn scheduled(verbose: bool) -> Self {
        let p = Self::new(verbose);
        p.done.store(true, Ordering::Relaxed);
        p
    }

    /// Start drawing to stderr.
    pub fn new(verbose: bool) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:<28} [{bar:30}] {pos}/{len} frames  {per_sec}  ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let last_event = Arc::new(Mutex::new(Instant::now()));
        let done = Arc::new(AtomicBool::new(false));
        let watchdog = {
            let (last, done, bar) = (Arc::clone(&last_event), Arc::clone(&done), bar.clone());
            std::thread::Builder::new()
                .name("hf-stall".into())
                .spawn(move || {
                    let mut warned_at = None;
                    while !done.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(250));
                        let since = last.lock().map(|t| t.elapsed()).unwrap_or_default();
                        if since >= STALL && warned_at.is_none_or(|w: Duration| since >= w + STALL) {
                            let msg = format!(
                                "warning: no progress for {:.0} s; Chrome may be stuck (the render fails when a browser call passes --cdp-timeout)",
                                since.as_secs_f64()
                            );
                            match &bar {
                                Some(b) => b.println(msg),
                                None => eprintln!("{msg}"),
                            }
                            warned_at = Some(since);
                        } else if since < STALL {
                            warned_at = None;
                        }
                    }
                })
                .ok()
        };
        Self {
            bar,
            verbose,
            last_event,
            last_line: Mutex::new(Instant::now() - Duration::from_secs(10)),
            done,
            watchdog,
        }
    }

    fn line(&self, s: String) {
        match &self.bar {
            Some(b) => b.println(s),
            None => eprintln!("{s}"),
        }
    }

    /// Handle one library event.
    pub fn event(&self, e: Event) {
        if let Ok(mut t) = self.last_event.lock() {
            *t = Instant::now();
        }
        match e {
            Event::StageStarted { stage } => {
                if let Some(b) = &self.bar {
                    b.set_message(stage.name().to_string());
                } else if self.verbose {
                    self.line(format!("{}…", stage.name()));
                }
            }
            Event::StageFinished { stage, ms } if self.verbose => {
                self.line(format!("{} done in {ms} ms", stage.name()));
            }
            Event::CapturePlanned { workers, reason, total_frames } => {
                if let Some(b) = &self.bar {
                    b.set_length(total_frames);
                }
                if self.verbose {
                    self.line(format!("capture plan: {total_frames} frames, {workers} worker(s) ({reason})"));
                }
            }
            Event::Frame { done, total, workers, .. } => {
                if let Some(b) = &self.bar {
                    b.set_position(done);
                    b.set_message(format!("capturing ({workers} worker{})", if workers == 1 { "" } else { "s" }));
                } else {
                    let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
                    if done == total || last.elapsed() >= Duration::from_secs(2) {
                        *last = Instant::now();
                        eprintln!("Capturing frame {done}/{total} ({workers} worker{})", if workers == 1 { "" } else { "s" });
                    }
                }
            }
            Event::Retry { attempt, workers, missing, reason } => self.line(format!(
                "capture attempt {attempt}: retrying {missing} missing frames with {workers} worker(s) after: {reason}"
            )),
            Event::WorkerStarted { attempt, worker, chrome_pid } if self.verbose => {
                self.line(format!("attempt {attempt}: worker {worker} is Chrome pid {chrome_pid}"));
            }
            Event::Warning { message } => self.line(format!("warning: {message}")),
            Event::Detail { message } if self.verbose => self.line(message),
            Event::Chunk { index, state, round } => {
                self.line(format!("chunk {index}: {state} (round {round})"))
            }
            _ => {}
        }
    }

    /// Stop drawing.
    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        if let Some(w) = self.watchdog.take() {
            let _ = w.join();
        }
    }
}

/// The one-paragraph perf summary printed after a render.
pub fn summary(r: &RenderReport) -> String {
    let s = &r.perf.stages;
    format!(
        "wrote {} ({}x{}, {} frames at {} fps)\n\
         perf: compile {} ms, probe {} ms, audio {} ms, video {} ms, capture {} ms, encode {} ms, assemble {} ms, total {} ms; \
         {:.1} frames/s; {} worker(s); {} frames reused; peak RSS {:.0} MiB",
        r.output.display(),
        r.width,
        r.height,
        r.frames,
        r.fps,
        s.compile,
        s.probe,
        s.audio,
        s.video,
        s.capture,
        s.encode,
        s.assemble,
        s.total,
        r.perf.frames_per_second,
        r.perf.workers,
        r.perf.frames_reused,
        r.perf.peak_rss_mib,
    )
}
