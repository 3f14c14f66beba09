//! The frame loop of a session: seek, reset the compositor's layers, and
//! capture with BeginFrame, reusing frames Chrome reports undamaged.

use std::time::{Duration, Instant};

use base64::Engine as _;
use chromiumoxide::cdp::browser_protocol::headless_experimental::{
    BeginFrameParams, ScreenshotParams, ScreenshotParamsFormat,
};

use super::Session;
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
    /// The layers are not known to be fresh: this capture resets them,
    /// whatever the seek changed.
    Always,
    /// The layers were reset at the state the page showed before this
    /// seek: only a change calls for another reset, and an unchanged page
    /// may be checked for damage first.
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

impl Session {
    /// Move the page to composition time `t` (frame `frame`), paint the
    /// given video frames into their `<video>` elements, wait for the async
    /// work the page hands back (hf-seek `waitUntil` promises, frame
    /// adapters, iframes, video frame images), then hide the layers as
    /// `hide` says. Returns whether the seek changed the page. The runtime
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
        let step = || format!("seeking frame {frame} (t = {t:.3} s)");
        match r {
            Ok(v) => Ok(v.as_bool().unwrap_or(true)),
            Err(e @ Error::Timeout { .. }) => Err(e.in_step(step())),
            Err(Error::Browser { message, evidence }) if message.contains("hf-timeout: ") => {
                // The first line: the rest is the rejection's stack.
                let named = message
                    .split("hf-timeout: ")
                    .nth(1)
                    .and_then(|m| m.lines().next())
                    .unwrap_or_default();
                Err(Error::Timeout {
                    what: format!("{}: {named}", step()),
                    seconds: wait_ms as f64 / 1000.0,
                    evidence,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// One BeginFrame on the virtual clock, with a screenshot or without
    /// display updates.
    pub(super) async fn begin_frame(&mut self, screenshot: bool) -> Result<Shot> {
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
    /// when the seek left the page as it was, a plain frame first asks
    /// Chrome whether anything changed, and no bytes come back when
    /// nothing did.
    ///
    /// Every screenshot shows layers reset at the state it captures, which
    /// makes its pixels independent of what this browser drew before.
    /// Chrome's compositor keeps per-layer raster state (tilings, their
    /// scales and raster translations) from earlier frames, so a composited
    /// layer whose transform changes (GSAP's `force3D`, say) would draw
    /// differently depending on which frames preceded it: with two workers,
    /// after a retry, or in a chunk that starts mid-way. To reset, the
    /// runtime hides the whole document, one BeginFrame without display
    /// updates drops every layer, and the runtime shows it again from a
    /// browser animation frame inside the capture, so each layer rasters
    /// from the current state alone.
    ///
    /// A seek that changed nothing (the runtime's change hint, changes.js:
    /// DOM, style sheets, animations, scroll, driven child frames) moved no
    /// layer, so when the layers were reset at the state before it they
    /// still are fresh: the capture skips the reset. The first capture of a
    /// session always resets, whatever the page drew while it loaded.
    pub async fn capture_at(
        &mut self,
        frame: u64,
        t: f64,
        videos: &[crate::video::Shown],
        damage_aware: bool,
    ) -> Result<Shot> {
        let result: Result<Shot> = async {
            let fresh = self.layers_fresh;
            let may_check = damage_aware && fresh && self.damage_clear && self.skip_checks == 0;
            if !may_check && self.skip_checks > 0 {
                self.skip_checks -= 1;
            }
            // The hide rides on the seek's round trip.
            let hide = if fresh { Hide::IfChanged } else { Hide::Always };
            // Until the capture resets them, the layers are of no known
            // state: an error in between leaves them stale.
            self.layers_fresh = false;
            let changed = self.seek(frame, t, videos, hide).await?;
            if may_check && !changed && !self.check_damage().await? {
                self.changed_run = 0;
                self.layers_fresh = true;
                return Ok(Shot {
                    image: None,
                    has_damage: false,
                });
            }
            let started = Instant::now();
            if changed || !fresh {
                // A frame without display updates is enough: its commit
                // hands the compositor the empty layers, and nothing is
                // drawn.
                self.begin_frame(false).await?;
            }
            let shot = self.begin_frame(true).await?;
            self.layers_fresh = true;
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
        result.map_err(|e| e.in_step(format!("capturing frame {frame}")))
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

    /// Tell the page's renderer memory is short, so it drops what it
    /// caches. Each video frame the page shows leaves its decoded picture
    /// in the renderer's discardable memory, which Chrome lets grow to a
    /// share of the machine's RAM (hundreds of megabytes per browser at
    /// 1080p) before it evicts anything; purging every few dozen frames
    /// keeps it flat. Caches hold nothing a frame's pixels depend on.
    pub async fn purge_caches(&mut self) -> Result<()> {
        use chromiumoxide::cdp::browser_protocol::memory::{
            PressureLevel, SimulatePressureNotificationParams,
        };
        let page = self.page.clone();
        self.call(
            "Memory.simulatePressureNotification",
            page.execute(SimulatePressureNotificationParams::new(
                PressureLevel::Critical,
            )),
        )
        .await
        .map(|_| ())
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
}
