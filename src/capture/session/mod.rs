//! One Chrome with one page showing the composition: load it and wait
//! until it is ready; the frame loop that seeks and captures with
//! BeginFrame is `frames.rs`.
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

mod frames;

pub use frames::{OpTimings, Shot};

use super::browser::ChromeProcess;
use super::serve::{Answer, Server, ORIGIN};
use crate::error::{Error, Result};

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
    /// Every layer was last reset at the state the page shows now: a seek
    /// that changes nothing needs no reset of its own.
    layers_fresh: bool,
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
            layers_fresh: false,
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
