//! Launching Chrome and making sure it dies with us.
//!
//! hf starts the headless shell itself rather than through chromiumoxide's
//! launcher so that it controls the flags exactly, puts Chrome and all its
//! children in a process group of their own (one `kill(-pgid)` ends them
//! all), asks the kernel to kill Chrome if hf dies (`PR_SET_PDEATHSIG`),
//! and keeps the tail of Chrome's stderr as evidence for errors.

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::error::{Error, Evidence, Result};

/// Where Debian's headless shell lives. `/usr/bin/chromium*` are shell
/// wrappers; launching the real binary keeps the process tree simple.
pub const DEFAULT_CHROME: &str = "/usr/lib/chromium/chromium-headless-shell";

/// Lines of Chrome stderr kept for error reports.
const STDERR_TAIL: usize = 30;

/// Process groups of every Chrome this process started and has not yet
/// reaped, so that a second Ctrl-C can kill them all before exiting.
fn live_groups() -> &'static Mutex<BTreeSet<i32>> {
    static GROUPS: OnceLock<Mutex<BTreeSet<i32>>> = OnceLock::new();
    GROUPS.get_or_init(|| Mutex::new(BTreeSet::new()))
}

/// Kill every Chrome this process started. Safe to call from a signal
/// handler thread (it only sends signals).
pub fn kill_all_browsers() {
    if let Ok(groups) = live_groups().lock() {
        for &pgid in groups.iter() {
            // SAFETY: kill(2) with a negative pid signals a process group;
            // it touches no memory of ours.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Process ids of Chrome process groups alive now (for RSS sampling).
pub fn live_group_ids() -> Vec<i32> {
    live_groups()
        .lock()
        .map(|g| g.iter().copied().collect())
        .unwrap_or_default()
}

/// Make this process the reaper of its orphaned descendants, so Chrome's
/// helper processes can be reaped here after Chrome itself is killed.
fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: prctl with PR_SET_CHILD_SUBREAPER only sets a flag on
        // this process.
        unsafe {
            libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1);
        }
    });
}

/// A running Chrome. Dropping it kills the whole process group and reaps
/// the main process, so no path out of a render leaves Chrome behind.
pub struct ChromeProcess {
    child: Child,
    /// The DevTools WebSocket URL.
    pub ws_url: String,
    command: String,
    stderr: Arc<Mutex<VecDeque<String>>>,
    _profile: tempfile::TempDir,
}

impl ChromeProcess {
    /// Start Chrome at `size` (width, height) and wait for its DevTools URL.
    pub fn launch(binary: Option<&Path>, size: (u32, u32), timeout: Duration) -> Result<Self> {
        let binary: PathBuf = binary
            .map(Path::to_path_buf)
            .unwrap_or_else(|| DEFAULT_CHROME.into());
        if !binary.is_file() {
            return Err(Error::Browser {
                message: format!(
                    "Chrome not found at {}: install Debian's chromium-headless-shell \
                     (apt-get install chromium-headless-shell) or pass --chrome PATH",
                    binary.display()
                ),
                evidence: Box::default(),
            });
        }
        let profile = tempfile::Builder::new()
            .prefix("hf-chrome-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--no-zygote",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--disable-breakpad",
            "--disable-crash-reporter",
            "--disable-features=Translate,BackForwardCache,IntensiveWakeUpThrottling,MediaRouter,OptimizationHints",
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows",
            "--mute-audio",
            "--hide-scrollbars",
            "--font-render-hinting=none",
            "--force-color-profile=srgb",
            "--force-device-scale-factor=1",
            // Chrome's own software compositor: on these machines it draws
            // a 1080p frame in about half the time GPU compositing on
            // SwiftShader takes (hf bench). WebGL still works, on
            // SwiftShader.
            "--disable-gpu",
            "--enable-unsafe-swiftshader",
            // Deterministic frame production: Chrome draws only when asked.
            "--deterministic-mode",
            "--enable-begin-frame-control",
            "--disable-new-content-rendering-timeout",
            "--run-all-compositor-stages-before-draw",
            "--disable-threaded-animation",
            "--disable-threaded-scrolling",
            "--disable-checker-imaging",
            "--disable-image-animation-resync",
            // Never draw a low-resolution tile while the full one rasters
            // (under load that would change pixels from run to run).
            "--disable-low-res-tiling",
            "--remote-debugging-port=0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", size.0, size.1));
        args.push("about:blank".into());
        let command = format!("{} {}", binary.display(), args.join(" "));

        become_subreaper();
        let mut cmd = Command::new(&binary);
        cmd.args(&args)
            .env("TZ", "UTC")
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and only
        // affects the child being spawned.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| Error::Browser {
            message: format!("cannot start Chrome ({}): {e}", binary.display()),
            evidence: Box::new(Evidence {
                command: Some(command.clone()),
                ..Evidence::default()
            }),
        })?;
        let pid = child.id() as i32;
        if let Ok(mut g) = live_groups().lock() {
            g.insert(pid);
        }

        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let (url_tx, url_rx) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            let tail = Arc::clone(&stderr_tail);
            std::thread::Builder::new()
                .name("chrome-stderr".into())
                .spawn(move || {
                    let mut sent = false;
                    for line in BufReader::new(stderr).lines().map_while(|l| l.ok()) {
                        if !sent {
                            if let Some(url) = line.strip_prefix("DevTools listening on ") {
                                let _ = url_tx.send(url.trim().to_owned());
                                sent = true;
                            }
                        }
                        if let Ok(mut t) = tail.lock() {
                            if t.len() == STDERR_TAIL {
                                t.pop_front();
                            }
                            t.push_back(line);
                        }
                    }
                })
                .map_err(|e| Error::io("chrome-stderr thread", e))?;
        }

        let mut proc = Self {
            child,
            ws_url: String::new(),
            command,
            stderr: stderr_tail,
            _profile: profile,
        };
        match url_rx.recv_timeout(timeout) {
            Ok(url) => {
                proc.ws_url = url;
                Ok(proc)
            }
            Err(_) => {
                let what = match proc.child.try_wait() {
                    Ok(Some(status)) => format!("Chrome exited during start-up ({status})"),
                    _ => format!(
                        "Chrome did not open DevTools within {:.0} s",
                        timeout.as_secs_f64()
                    ),
                };
                Err(Error::Browser {
                    message: what,
                    evidence: proc.evidence(Vec::new()),
                })
            }
        }
    }

    /// The main Chrome process id (also its process group id).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True once the Chrome process has exited (crashed, killed, quit).
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// A DevTools failure while doing `message`: [`Error::BrowserLost`] when
    /// the connection broke or Chrome exited, else [`Error::Browser`]; both
    /// with the evidence (and `console_tail`).
    pub fn cdp_error(
        &mut self,
        message: String,
        error: &chromiumoxide::error::CdpError,
        console_tail: Vec<String>,
    ) -> Error {
        let lost = connection_lost(error) || self.exited();
        let evidence = self.evidence(console_tail);
        if lost {
            Error::BrowserLost { message, evidence }
        } else {
            Error::Browser { message, evidence }
        }
    }

    /// Command line, exit status and stderr tail, plus the given console
    /// lines, for an error report.
    pub fn evidence(&mut self, console_tail: Vec<String>) -> Box<Evidence> {
        let exit_status = match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => Some("still running".into()),
            Err(e) => Some(format!("unknown ({e})")),
        };
        let stderr_tail = self
            .stderr
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        Box::new(Evidence {
            command: Some(self.command.clone()),
            exit_status,
            stderr_tail,
            console_tail,
        })
    }

    /// Kill Chrome and every child it started, then reap it.
    pub fn kill(&mut self) {
        let pid = self.child.id() as i32;
        // SAFETY: signals the process group Chrome leads; see kill_all_browsers.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Chrome's helpers were orphaned by the kill and, hf being a
        // subreaper, are now our children: reap them so none lingers even
        // as a zombie.
        loop {
            let mut status = 0;
            // SAFETY: waitpid on a process group id; status is a local.
            let r = unsafe { libc::waitpid(-pid, &mut status, 0) };
            if r <= 0 {
                break;
            }
        }
        if let Ok(mut g) = live_groups().lock() {
            g.remove(&pid);
        }
    }
}

/// True for the DevTools errors that mean the connection itself is gone
/// (socket, I/O, a request channel dropped, no answer ever coming), as
/// opposed to Chrome answering a call with an error.
fn connection_lost(error: &chromiumoxide::error::CdpError) -> bool {
    use chromiumoxide::error::CdpError;
    matches!(
        error,
        CdpError::Ws(_) | CdpError::Io(_) | CdpError::NoResponse | CdpError::ChannelSendError(_)
    )
}

impl Drop for ChromeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
