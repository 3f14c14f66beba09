//! The capture plan: how many browsers, and why. Small and printable, so
//! the user can see it in `--verbose` output and in the perf JSON.

use serde::Serialize;

use crate::config::Workers;

/// Memory one capture worker really uses at 1080p (Chrome browser,
/// renderer and GPU processes plus hf's share), measured here with
/// `hf bench`; smaller compositions use less.
const WORKER_MIB_1080P: f64 = 450.0;

/// How frames are captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapturePlan {
    /// Browsers capturing at once in the first attempt.
    pub workers: u32,
    /// Why this many.
    pub reason: String,
    /// `sequential` (one browser, the probe's) or `parallel`; both stream
    /// frames straight to the encoder through a bounded reorder window.
    pub route: &'static str,
}

/// Inputs to the worker-count decision, gathered by the caller so that the
/// decision itself is a pure function.
#[derive(Debug, Clone, Copy)]
pub struct Host {
    /// Logical CPUs available.
    pub cores: u32,
    /// Memory available now, in MiB.
    pub available_mib: f64,
}

impl Host {
    /// Read this machine's cores and available memory.
    pub fn current() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get() as u32)
            .unwrap_or(1);
        let available_mib = crate::sys::mem_available_bytes()
            .map(|b| b as f64 / (1024.0 * 1024.0))
            .unwrap_or(2048.0);
        Self {
            cores,
            available_mib,
        }
    }
}

/// Decide the worker count. Returns the plan and, for an explicit count
/// that had to be clamped, a warning.
pub fn plan(
    requested: Workers,
    frames: u64,
    pixels: u64,
    host: Host,
) -> (CapturePlan, Option<String>) {
    let max = (host.cores * 2).max(1);
    let (workers, reason, warning) = match requested {
        Workers::Fixed(n) => {
            let k = n.clamp(1, max);
            let warning = (k != n).then(|| {
                format!(
                    "--workers {n} is outside 1..={max} on this machine ({} cores); using {k}",
                    host.cores
                )
            });
            (k, format!("--workers {n}"), warning)
        }
        Workers::Auto => {
            let per_worker = WORKER_MIB_1080P * (pixels as f64 / (1920.0 * 1080.0)).max(0.35);
            let by_memory = ((host.available_mib * 0.5) / per_worker).floor().max(1.0) as u32;
            // Chrome's renderer and x264 each want a core; more browsers
            // than cores only adds contention.
            let by_cores = host.cores.max(1);
            if frames < 60 {
                (
                    1,
                    format!("{frames} frames (< 60): one browser starts faster than two"),
                    None,
                )
            } else {
                let k = by_cores.min(by_memory).clamp(1, 16);
                let why = if k == by_memory && by_memory < by_cores {
                    format!(
                        "memory: {:.0} MiB available, ~{per_worker:.0} MiB per worker",
                        host.available_mib
                    )
                } else {
                    format!("{} cores", host.cores)
                };
                (k, why, None)
            }
        }
    };
    let route = if workers == 1 {
        "sequential"
    } else {
        "parallel"
    };
    (
        CapturePlan {
            workers,
            reason,
            route,
        },
        warning,
    )
}

/// Split `frames` (sorted) among `k` workers by stride: worker i takes
/// frames i, i+k, i+2k… so all workers advance through time together and
/// the encoder's reorder window stays O(k) frames.
pub fn distribute(frames: &[u64], k: u32) -> Vec<Vec<u64>> {
    let k = k.max(1) as usize;
    let mut out = vec![Vec::new(); k.min(frames.len()).max(1)];
    let n = out.len();
    for (i, &f) in frames.iter().enumerate() {
        out[i % n].push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: Host = Host {
        cores: 2,
        available_mib: 20_000.0,
    };

    #[test]
    fn few_frames_use_one_worker() {
        let (p, w) = plan(Workers::Auto, 59, 1920 * 1080, HOST);
        assert_eq!(p.workers, 1);
        assert!(w.is_none());
    }

    #[test]
    fn auto_follows_cores_and_memory() {
        assert_eq!(plan(Workers::Auto, 120, 1920 * 1080, HOST).0.workers, 2);
        let small = Host {
            cores: 8,
            available_mib: 1000.0,
        };
        let (p, _) = plan(Workers::Auto, 600, 1920 * 1080, small);
        assert_eq!(p.workers, 1);
        assert!(p.reason.contains("memory"));
    }

    #[test]
    fn explicit_counts_are_clamped_with_a_warning() {
        let (p, w) = plan(Workers::Fixed(9), 100, 100, HOST);
        assert_eq!(p.workers, 4);
        assert!(w.unwrap().contains("--workers 9"));
        let (p, w) = plan(Workers::Fixed(3), 100, 100, HOST);
        assert_eq!(p.workers, 3);
        assert!(w.is_none());
    }

    #[test]
    fn distribute_strides() {
        let d = distribute(&[0, 1, 2, 3, 4], 2);
        assert_eq!(d, vec![vec![0, 2, 4], vec![1, 3]]);
        assert_eq!(distribute(&[7], 3), vec![vec![7]]);
    }
}
