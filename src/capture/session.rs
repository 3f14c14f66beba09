//! One Chrome with one page showing the composition: load it, wait until
//! it is ready, then seek and capture frames with BeginFrame.
//!
//! Every DevTools call goes through [`Session::call`], which puts a time
//! limit on it, so a hung page can never hang a render.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chromiumoxide::browser::Browser;
use chromiumoxide::cdp::browser_protocol::dom::Rgba;
use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDefaultBackgroundColorOverrideParams, SetDeviceMetricsOverrideParams,
};
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EnableParams as FetchEnable, EventRequestPaused, FailRequestParams,
    FulfillRequestParams, HeaderEntry, RequestPattern, RequestStage,
};
use chromiumoxide::cdp::browser_protocol::headless_experimental::{
    BeginFrameParams, ScreenshotParams, ScreenshotParamsFormat,
};
use chromiumoxide::cdp::browser_protocol::network::ErrorReason;
use chromiumoxide::cdp::browser_protocol::page::NavigateParams;
use chromiumoxide::cdp::browser_protocol::target::CreateTargetParams;
use chromiumoxide::cdp::js_protocol::runtime::{
    EvaluateParams, EventConsoleApiCalled, EventExceptionThrown,
};
use chromiumoxide::error::CdpError;
use chromiumoxide::handler::HandlerConfig;
use chromiumoxide::Page;
use futures::StreamExt;

use super::browser::ChromeProcess;
use super::serve::{Answer, Server, ORIGIN};
use crate::error::{Error, Result};

/// Damaged checks in a row after which damage checks pause for as many
/// frames.
const DAMAGE_RUN: u32 = 4;

/// Frames in a row that changed the DOM after which a capture no longer
/// prepares for a damage check: in a short run of motion (a cut's pop), the
/// hold that follows is checked and reused from its first frame; in a long
/// one, the clearing frame would be wasted on almost every frame.
const CHANGE_RUN: u32 = 16;

/// When the seek hides the layers for the reset (see
/// [`Session::capture_at`]).
#[derive(Debug, Clone, Copy)]
enum Hide {
    /// The frame is captured without a damage check.
    Always,
    /// A damage check may come first: only when the seek changed the DOM,
    /// which skips the check.
    IfChanged,
}

impl Hide {
    /// The runtime's name for it (`afterSeek` in runtime/reset.js).
    fn as_js(self) -> &'static str {
        match self {
            Hide::Always => "always",
            Hide::IfChanged => "if-changed",
        }
    }
}

/// Console lines kept for error reports.
const CONSOLE_TAIL: usize = 20;

/// How a session is set up.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Viewport width.
    pub width: u32,
    /// Viewport height.
    pub height: u32,
    /// Chrome binary, None for the default.
    pub chrome: Option<std::path::PathBuf>,
    /// Limit for any single DevTools call.
    pub cdp_timeout: Duration,
    /// Limit for the page to become ready.
    pub ready_timeout: Duration,
    /// JPEG quality of captures.
    pub jpeg_quality: i64,
    /// Capture PNG with alpha over a transparent default background
    /// (formats that keep alpha, and snapshots) instead of opaque JPEG.
    pub alpha: bool,
    /// Milliseconds between frames (for BeginFrame ticks).
    pub frame_interval_ms: f64,
}

/// One captured frame.
#[derive(Debug, Clone)]
pub struct Shot {
    /// JPEG (or PNG) bytes; None when Chrome drew nothing new (no damage).
    pub image: Option<Vec<u8>>,
    /// Chrome's damage flag for this frame.
    pub has_damage: bool,
}

/// Accumulated wall time of the per-frame calls of one session.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpTimings {
    /// Seeks.
    pub seek: Duration,
    /// Plain frames that check for damage.
    pub damage_check: Duration,
    /// Frames drawn with a screenshot.
    pub screenshot: Duration,
    /// Waiting for the video stage to write a frame the seek shows.
    pub video_wait: Duration,
}

impl OpTimings {
    /// Add another session's timings.
    pub fn add(&mut self, o: &OpTimings) {
        self.seek += o.seek;
        self.damage_check += o.damage_check;
        self.screenshot += o.screenshot;
        self.video_wait += o.video_wait;
    }
}

/// A browser showing the composition.
pub struct Session {
    chrome: ChromeProcess,
    _browser: Browser,
    page: Page,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    console: Arc<Mutex<VecDeque<String>>>,
    opts: SessionOptions,
    damaged_run: u32,
    skip_checks: u32,
    /// The last BeginFrame drew the last capture again, so the next plain
    /// frame's damage flag speaks of the next seek alone.
    damage_clear: bool,
    /// Captured frames in a row whose seek changed the DOM.
    changed_run: u32,
    ticks: f64,
    /// Time spent per kind of call, for the perf summary.
    pub timings: OpTimings,
    /// Chrome's product string.
    pub version: String,
    ready_warnings: Vec<String>,
}

/// What the runtime's `status()` reports while the page loads.
struct ReadyStatus {
    waiting: Vec<String>,
    fatal: Vec<String>,
    warnings: Vec<String>,
}

impl ReadyStatus {
    fn from_json(v: &serde_json::Value) -> Self {
        let list = |k: &str| -> Vec<String> {
            v.get(k)
                .and_then(|l| l.as_array())
                .map(|l| {
                    l.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        if !v.is_object() {
            return Self {
                waiting: vec!["the page's status".into()],
                fatal: Vec::new(),
                warnings: Vec::new(),
            };
        }
        Self {
            waiting: list("waiting"),
            fatal: list("fatal"),
            warnings: list("warnings"),
        }
    }

    fn busy() -> Self {
        Self {
            waiting: vec!["the page to answer (it may be busy)".into()],
            fatal: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl Session {
    /// Launch Chrome, load the composition and wait until it is ready.
    pub async fn open(server: Arc<Server>, opts: &SessionOptions) -> Result<Self> {
        let chrome = ChromeProcess::launch(
            opts.chrome.as_deref(),
            (opts.width, opts.height),
            Duration::from_secs(30),
        )?;
        let config = HandlerConfig {
            request_timeout: opts.cdp_timeout,
            viewport: None,
            ..HandlerConfig::default()
        };
        let ws = chrome.ws_url.clone();
        let mut chrome = chrome;
        let (browser, mut handler) = match Browser::connect_with_config(ws, config).await {
            Ok(v) => v,
            Err(e) => {
                let message = format!("cannot connect to Chrome's DevTools: {e}");
                return Err(chrome.cdp_error(message, &e, Vec::new()));
            }
        };
        let mut tasks = vec![tokio::spawn(async move {
            // Errors here are per-message (e.g. an event this client does
            // not know); the stream ends when the connection does.
            while handler.next().await.is_some() {}
        })];
        let console = Arc::new(Mutex::new(VecDeque::new()));
        let mut session_err = None;
        let version = match browser.version().await {
            Ok(v) => v.product,
            Err(e) => {
                session_err = Some(format!("Browser.getVersion failed: {e}"));
                String::new()
            }
        };
        if let Some(message) = session_err {
            return Err(Error::Browser {
                message,
                evidence: chrome.evidence(Vec::new()),
            });
        }
        let params = CreateTargetParams::builder()
            .url("about:blank")
            .enable_begin_frame_control(true)
            .build()
            .map_err(|e| Error::Browser {
                message: format!("bad target parameters: {e}"),
                evidence: Default::default(),
            })?;
        let page = match tokio::time::timeout(opts.cdp_timeout, browser.new_page(params)).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                let message = format!("cannot open a page: {e}");
                return Err(chrome.cdp_error(message, &e, Vec::new()));
            }
            Err(_) => {
                return Err(Error::Timeout {
                    what: "opening a page (Target.createTarget)".into(),
                    seconds: opts.cdp_timeout.as_secs_f64(),
                    evidence: chrome.evidence(Vec::new()),
                })
            }
        };
        let mut session = Self {
            chrome,
            _browser: browser,
            page,
            tasks: Vec::new(),
            console,
            opts: opts.clone(),
            damaged_run: 0,
            skip_checks: 0,
            damage_clear: false,
            changed_run: 0,
            ticks: 1000.0,
            timings: OpTimings::default(),
            version,
            ready_warnings: Vec::new(),
        };
        session.tasks.append(&mut tasks);
        session.install(server).await?;
        Ok(session)
    }

    async fn install(&mut self, server: Arc<Server>) -> Result<()> {
        // Console and uncaught exceptions, kept as evidence.
        let page = self.page.clone();
        let mut console_events = self
            .call(
                "Runtime.consoleAPICalled listener",
                page.event_listener::<EventConsoleApiCalled>(),
            )
            .await?;
        let sink = Arc::clone(&self.console);
        self.tasks.push(tokio::spawn(async move {
            while let Some(ev) = console_events.next().await {
                let text: Vec<String> = ev
                    .args
                    .iter()
                    .map(|a| match (&a.value, &a.description) {
                        (Some(serde_json::Value::String(s)), _) => s.clone(),
                        (Some(v), _) => v.to_string(),
                        (None, Some(d)) => d.clone(),
                        _ => String::new(),
                    })
                    .collect();
                let kind = format!("{:?}", ev.r#type).to_lowercase();
                push_tail(&sink, format!("console.{kind}: {}", text.join(" ")));
            }
        }));
        let mut exceptions = self
            .call(
                "Runtime.exceptionThrown listener",
                page.event_listener::<EventExceptionThrown>(),
            )
            .await?;
        let sink = Arc::clone(&self.console);
        self.tasks.push(tokio::spawn(async move {
            while let Some(ev) = exceptions.next().await {
                let d = &ev.exception_details;
                let text = d
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| d.text.clone());
                push_tail(
                    &sink,
                    format!(
                        "uncaught exception at {}:{}: {text}",
                        d.line_number + 1,
                        d.column_number + 1
                    ),
                );
            }
        }));

        // Every request is answered by hf.
        let mut paused = self
            .call(
                "Fetch.requestPaused listener",
                page.event_listener::<EventRequestPaused>(),
            )
            .await?;
        let fetch_page = self.page.clone();
        self.tasks.push(tokio::spawn(async move {
            let page = fetch_page;
            while let Some(ev) = paused.next().await {
                let id = ev.request_id.clone();
                let answer = server.answer(&ev.request.url);
                let result = match answer {
                    Answer::Body { mime, bytes } => {
                        let mut p = FulfillRequestParams::new(id, 200);
                        p.response_headers = Some(vec![
                            HeaderEntry::new("Content-Type", mime),
                            HeaderEntry::new("Access-Control-Allow-Origin", "*"),
                            HeaderEntry::new("Cache-Control", "no-store"),
                        ]);
                        p.body = Some(
                            base64::engine::general_purpose::STANDARD
                                .encode(bytes)
                                .into(),
                        );
                        page.execute(p).await.map(|_| ())
                    }
                    Answer::Status(code) => {
                        let mut p = FulfillRequestParams::new(id, i64::from(code));
                        p.body = Some(String::new().into());
                        page.execute(p).await.map(|_| ())
                    }
                    Answer::Block => page
                        .execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                        .await
                        .map(|_| ()),
                    Answer::Continue => page
                        .execute(ContinueRequestParams::new(id))
                        .await
                        .map(|_| ()),
                };
                let _ = result;
            }
        }));
        let pattern = RequestPattern::builder()
            .url_pattern("*")
            .request_stage(RequestStage::Request)
            .build();
        self.call(
            "Fetch.enable",
            page.execute(FetchEnable::builder().pattern(pattern).build()),
        )
        .await?;
        let metrics = SetDeviceMetricsOverrideParams::builder()
            .width(i64::from(self.opts.width))
            .height(i64::from(self.opts.height))
            .device_scale_factor(1.0)
            .mobile(false)
            .build()
            .map_err(|e| Error::Browser {
                message: format!("bad device metrics: {e}"),
                evidence: Default::default(),
            })?;
        self.call("Emulation.setDeviceMetricsOverride", page.execute(metrics))
            .await?;
        if self.opts.alpha {
            // Where the page paints nothing, the capture is transparent.
            let clear = SetDefaultBackgroundColorOverrideParams::builder()
                .color(Rgba {
                    r: 0,
                    g: 0,
                    b: 0,
                    a: Some(0.0),
                })
                .build();
            self.call(
                "Emulation.setDefaultBackgroundColorOverride",
                page.execute(clear),
            )
            .await?;
        }
        let nav = NavigateParams::new(format!("{ORIGIN}/index.html"));
        self.call("Page.navigate", page.execute(nav)).await?;
        self.wait_ready().await
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let started = Instant::now();
        let mut waiting: Vec<String>;
        let expr = format!(
            "typeof {g} === 'object' ? {g}.status() : \
             {{ waiting: ['the hf runtime ({g}) to load'], fatal: [], warnings: [] }}",
            g = crate::compile::RUNTIME_GLOBAL
        );
        loop {
            // A frame without display updates lets pending loads and
            // layout make progress under BeginFrame control.
            let _ = self.begin_frame(false).await;
            let status = self.eval(&expr).await;
            let status = match status {
                Ok(v) => ReadyStatus::from_json(&v),
                Err(Error::Timeout { .. }) => ReadyStatus::busy(),
                Err(e) => return Err(e),
            };
            if !status.fatal.is_empty() {
                return Err(Error::Browser {
                    message: format!("the page cannot be rendered: {}", status.fatal.join("; ")),
                    evidence: self.evidence(),
                });
            }
            waiting = status.waiting;
            if waiting.is_empty() {
                self.ready_warnings = status.warnings;
                return Ok(());
            }
            if started.elapsed() >= self.opts.ready_timeout {
                break;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        Err(Error::Timeout {
            what: format!(
                "the page to become ready; still waiting for: {}",
                waiting.join("; ")
            ),
            seconds: self.opts.ready_timeout.as_secs_f64(),
            evidence: self.evidence(),
        })
    }

    /// Warnings the page's readiness check raised (waits cut short after a
    /// grace period, iframes hf cannot drive).
    pub fn ready_warnings(&self) -> &[String] {
        &self.ready_warnings
    }

    /// Run one DevTools call with the session's time limit.
    /// A failure is [`Error::BrowserLost`] when it means Chrome is gone.
    pub async fn call<T>(
        &mut self,
        what: &str,
        fut: impl Future<Output = std::result::Result<T, CdpError>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.opts.cdp_timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let console = self.console_tail();
                Err(self
                    .chrome
                    .cdp_error(format!("{what} failed: {e}"), &e, console))
            }
            Err(_) => Err(Error::Timeout {
                what: what.to_owned(),
                seconds: self.opts.cdp_timeout.as_secs_f64(),
                evidence: self.evidence(),
            }),
        }
    }

    /// Evaluate a JavaScript expression and return its JSON value; a thrown
    /// exception is an error carrying its description.
    pub async fn eval(&mut self, expression: &str) -> Result<serde_json::Value> {
        self.evaluate(expression, false).await
    }

    /// Evaluate, waiting for the promise the expression returns when
    /// `await_promise` is set (a rejection is an error like a throw).
    async fn evaluate(
        &mut self,
        expression: &str,
        await_promise: bool,
    ) -> Result<serde_json::Value> {
        let params = EvaluateParams::builder()
            .expression(expression)
            .return_by_value(true)
            .await_promise(await_promise)
            .build()
            .map_err(|e| Error::Browser {
                message: format!("bad evaluate parameters: {e}"),
                evidence: Default::default(),
            })?;
        let what = format!("Runtime.evaluate({})", shorten(expression));
        let page = self.page.clone();
        let resp = self.call(&what, page.execute(params)).await?;
        if let Some(ex) = &resp.result.exception_details {
            let text = ex
                .exception
                .as_ref()
                .and_then(|e| e.description.clone())
                .unwrap_or_else(|| ex.text.clone());
            return Err(Error::Browser {
                message: format!("{what} threw: {text}"),
                evidence: self.evidence(),
            });
        }
        Ok(resp
            .result
            .result
            .value
            .clone()
            .unwrap_or(serde_json::Value::Null))
    }

    /// Move the page to composition time `t` (frame `frame`), paint the
    /// given video frames into their `<video>` elements, wait for the async
    /// work the page hands back (hf-seek `waitUntil` promises, frame
    /// adapters, iframes, video frame images), then hide the layers as
    /// `hide` says. Returns whether the seek changed the DOM. The runtime
    /// gives up a second before the DevTools limit, naming what it still
    /// waited for.
    async fn seek(
        &mut self,
        frame: u64,
        t: f64,
        videos: &[crate::video::Shown],
        hide: Hide,
    ) -> Result<bool> {
        let started = Instant::now();
        let pairs: Vec<(usize, &str)> = videos.iter().map(|v| (v.key, v.url.as_str())).collect();
        let list = serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into());
        let wait_ms = self
            .opts
            .cdp_timeout
            .as_millis()
            .saturating_sub(1000)
            .max(500);
        let expr = format!(
            "Promise.resolve({g}.seek({t:.9}, {list}, {wait_ms})).then(() => {g}.afterSeek('{h}'))",
            g = crate::compile::RUNTIME_GLOBAL,
            h = hide.as_js(),
        );
        let r = self.evaluate(&expr, true).await;
        self.timings.seek += started.elapsed();
        match r {
            Ok(v) => Ok(v.as_bool().unwrap_or(true)),
            Err(Error::Timeout {
                what,
                seconds,
                evidence,
            }) => Err(Error::Timeout {
                what: format!("seeking frame {frame} (t = {t:.3} s): {what}"),
                seconds,
                evidence,
            }),
            Err(Error::Browser { message, evidence }) if message.contains("hf-timeout: ") => {
                // The first line: the rest is the rejection's stack.
                let named = message
                    .split("hf-timeout: ")
                    .nth(1)
                    .and_then(|m| m.lines().next())
                    .unwrap_or_default();
                Err(Error::Timeout {
                    what: format!("seeking frame {frame} (t = {t:.3} s): {named}"),
                    seconds: wait_ms as f64 / 1000.0,
                    evidence,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn begin_frame(&mut self, screenshot: bool) -> Result<Shot> {
        let mut b = BeginFrameParams::builder()
            .interval(self.opts.frame_interval_ms)
            .frame_time_ticks(self.next_tick());
        if screenshot && self.opts.alpha {
            // PNG is lossless and keeps straight alpha; JPEG has none.
            b = b.screenshot(
                ScreenshotParams::builder()
                    .format(ScreenshotParamsFormat::Png)
                    .optimize_for_speed(true)
                    .build(),
            );
        } else if screenshot {
            b = b.screenshot(
                ScreenshotParams::builder()
                    .format(ScreenshotParamsFormat::Jpeg)
                    .quality(self.opts.jpeg_quality)
                    .optimize_for_speed(true)
                    .build(),
            );
        } else {
            b = b.no_display_updates(true);
        }
        let page = self.page.clone();
        let resp = self
            .call("HeadlessExperimental.beginFrame", page.execute(b.build()))
            .await?;
        let image = match &resp.result.screenshot_data {
            Some(data) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(AsRef::<str>::as_ref(data))
                    .map_err(|e| Error::Browser {
                        message: format!("Chrome sent an undecodable screenshot: {e}"),
                        evidence: Default::default(),
                    })?,
            ),
            None => None,
        };
        Ok(Shot {
            image,
            has_damage: resp.result.has_damage,
        })
    }

    /// Seek to frame `frame` (time `t`, showing `videos`) and return its
    /// screenshot. With `damage_aware`, the frame may be reused instead:
    /// when the seek left the DOM as it was, a plain frame first asks
    /// Chrome whether anything changed, and no bytes come back when
    /// nothing did.
    ///
    /// Every screenshot follows a layer reset, which makes its pixels
    /// independent of what this browser drew before. Chrome's compositor
    /// keeps per-layer raster state (tilings, their scales and raster
    /// translations) from earlier frames, so a composited layer whose
    /// transform changes (GSAP's `force3D`, say) would draw differently
    /// depending on which frames preceded it: with two workers, after a
    /// retry, or in a chunk that starts mid-way. The runtime hides the
    /// whole document, one BeginFrame without display updates drops every
    /// layer, and the runtime shows it again from a browser animation frame
    /// inside the capture, so each layer rasters from the current state
    /// alone.
    pub async fn capture_at(
        &mut self,
        frame: u64,
        t: f64,
        videos: &[crate::video::Shown],
        damage_aware: bool,
    ) -> Result<Shot> {
        let result = async {
            let may_check = damage_aware && self.damage_clear && self.skip_checks == 0;
            if !may_check && self.skip_checks > 0 {
                self.skip_checks -= 1;
            }
            // The hide rides on the seek's round trip unless a damage check
            // (which must see the page) may come first.
            let hide = if may_check {
                Hide::IfChanged
            } else {
                Hide::Always
            };
            let changed = self.seek(frame, t, videos, hide).await?;
            if may_check && !changed && !self.check_damage().await? {
                self.changed_run = 0;
                return Ok(Shot {
                    image: None,
                    has_damage: false,
                });
            }
            let started = Instant::now();
            if may_check && !changed {
                self.eval(&format!("{}.hideLayers()", crate::compile::RUNTIME_GLOBAL))
                    .await?;
            }
            // A frame without display updates is enough: its commit hands
            // the compositor the empty layers, and nothing is drawn.
            self.begin_frame(false).await?;
            let shot = self.begin_frame(true).await?;
            // A screenshot leaves damage behind for the next frame; drawing
            // once more clears it, so the next plain frame's damage flag
            // speaks of the next seek alone. Skipped while checks pause, and
            // once the DOM has changed CHANGE_RUN frames in a row: the next
            // frame will most likely change it too and skip its check.
            self.changed_run = if changed { self.changed_run + 1 } else { 0 };
            self.damage_clear =
                damage_aware && self.changed_run < CHANGE_RUN && self.skip_checks == 0;
            if self.damage_clear {
                self.plain_frame().await?;
            }
            self.timings.screenshot += started.elapsed();
            Ok(shot)
        }
        .await;
        match result {
            Err(Error::Timeout {
                what,
                seconds,
                evidence,
            }) => Err(Error::Timeout {
                what: format!("capturing frame {frame}: {what}"),
                seconds,
                evidence,
            }),
            other => other,
        }
    }

    /// Draw a plain frame and report whether Chrome found damage, pausing
    /// checks in long runs of motion where every check finds some and only
    /// costs time: after DAMAGE_RUN damaged checks in a row, the next
    /// DAMAGE_RUN frames are captured without asking. Output is the same
    /// either way: a frame is reused only when unchanged.
    async fn check_damage(&mut self) -> Result<bool> {
        let started = Instant::now();
        let damaged = self.plain_frame().await?;
        self.timings.damage_check += started.elapsed();
        if !damaged {
            self.damaged_run = 0;
        } else {
            self.damaged_run += 1;
            if self.damaged_run >= DAMAGE_RUN {
                self.damaged_run = 0;
                self.skip_checks = DAMAGE_RUN;
            }
        }
        Ok(damaged)
    }

    /// The time of the next BeginFrame: a virtual clock advancing one frame
    /// interval per BeginFrame, so nothing in Chrome that keys off frame
    /// times (raster-scale heuristics, compositor animations) sees the wall
    /// clock or how loaded the machine is.
    fn next_tick(&mut self) -> f64 {
        self.ticks += self.opts.frame_interval_ms;
        self.ticks
    }

    /// Draw without a screenshot; returns Chrome's damage flag.
    async fn plain_frame(&mut self) -> Result<bool> {
        let params = BeginFrameParams::builder()
            .interval(self.opts.frame_interval_ms)
            .frame_time_ticks(self.next_tick())
            .build();
        let page = self.page.clone();
        let resp = self
            .call("HeadlessExperimental.beginFrame", page.execute(params))
            .await?;
        Ok(resp.result.has_damage)
    }

    /// Evidence for an error report: Chrome's command, status, stderr, and
    /// the page's console.
    pub fn evidence(&mut self) -> Box<crate::error::Evidence> {
        let console = self.console_tail();
        self.chrome.evidence(console)
    }

    /// The page's last console lines.
    fn console_tail(&self) -> Vec<String> {
        self.console
            .lock()
            .map(|c| c.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The main Chrome process id (fault-injection tests kill it).
    pub fn chrome_pid(&self) -> u32 {
        self.chrome.pid()
    }

    /// Close the page and kill Chrome.
    pub fn close(mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
        self.chrome.kill();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

fn push_tail(sink: &Mutex<VecDeque<String>>, line: String) {
    if let Ok(mut q) = sink.lock() {
        if q.len() == CONSOLE_TAIL {
            q.pop_front();
        }
        q.push_back(line);
    }
}

fn shorten(s: &str) -> String {
    if s.len() <= 60 {
        s.to_owned()
    } else {
        let mut end = 57;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    }
}
