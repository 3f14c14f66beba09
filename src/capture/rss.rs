//! Peak memory of a render: hf itself plus every Chrome process it started,
//! sampled from /proc while the render runs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Samples resident memory every 100 ms until stopped.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl RssSampler {
    /// Start sampling.
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let (s, p) = (Arc::clone(&stop), Arc::clone(&peak_kib));
        let thread = std::thread::Builder::new()
            .name("hf-rss".into())
            .spawn(move || {
                while !s.load(Ordering::Relaxed) {
                    p.fetch_max(current_kib(), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
            .ok();
        Self {
            stop,
            peak_kib,
            thread,
        }
    }

    /// Stop and return the peak in MiB.
    pub fn finish(mut self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Resident KiB of this process plus all live Chrome process groups.
fn current_kib() -> u64 {
    let me = std::process::id() as i32;
    let groups = super::browser::live_group_ids();
    let mut total = 0;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name, which is in parentheses and may
        // contain spaces: state ppid pgrp ... rss is field 24 overall.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let pgrp = fields
            .get(2)
            .and_then(|s| s.parse::<i32>().ok())
            .unwrap_or(0);
        if pid != me && !groups.contains(&pgrp) {
            continue;
        }
        let rss_pages = fields
            .get(21)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        total += rss_pages * 4;
    }
    total
}
