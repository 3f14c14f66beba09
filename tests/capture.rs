//! Capture-stage tests: every route gives the same frames, a killed worker
//! is recovered from, a hung page fails within its time limit, and
//! damage-aware reuse gives the frames a full capture gives.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{assert_same_frames, render_fresh};
use hf::{Error, Event, Workers};

fn alive(pid: u32) -> bool {
    // A zombie is not alive: read the state field of /proc/<pid>/stat.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim().starts_with('Z')))
        .is_some_and(|zombie| !zombie)
}

fn chrome_pids(events: &[Event]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::WorkerStarted { chrome_pid, .. } => Some(*chrome_pid),
            _ => None,
        })
        .collect()
}

#[test]
fn ninety_frames_are_identical_sequentially_and_with_two_and_three_workers() {
    let one = render_fresh("ninety-frames", |o| o.workers = Workers::Fixed(1));
    assert_eq!(
        one.frames.len(),
        90,
        "expected 90 frames, saw {}",
        one.frames.len()
    );
    assert_eq!(one.report.perf.workers, 1);
    let two = render_fresh("ninety-frames", |o| o.workers = Workers::Fixed(2));
    assert_eq!(two.report.perf.workers, 2, "expected the 2-worker route");
    let three = render_fresh("ninety-frames", |o| o.workers = Workers::Fixed(3));
    assert_eq!(three.report.perf.workers, 3, "expected the 3-worker route");
    assert_same_frames(&one, &two, "1 worker vs 2 workers");
    assert_same_frames(&one, &three, "1 worker vs 3 workers");
    for r in [&one, &two, &three] {
        for pid in chrome_pids(&r.events) {
            assert!(
                !alive(pid),
                "expected Chrome pid {pid} to be gone after the render"
            );
        }
    }
}

#[test]
fn a_killed_worker_is_recovered_and_the_output_is_unchanged() {
    let undisturbed = render_fresh("ninety-frames", |o| o.workers = Workers::Fixed(2));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let mut opts = hf::RenderOptions::new(common::composition("ninety-frames"), &out);
    opts.offline = true;
    opts.workers = Workers::Fixed(2);
    let events = Mutex::new(Vec::new());
    let worker1 = AtomicU32::new(0);
    let done_kill = AtomicBool::new(false);
    let report = hf::render(&opts, &|e| {
        match &e {
            Event::WorkerStarted {
                attempt: 1,
                worker: 1,
                chrome_pid,
            } => {
                worker1.store(*chrome_pid, Ordering::SeqCst);
            }
            Event::Frame { done, .. } if *done >= 30 && !done_kill.swap(true, Ordering::SeqCst) => {
                let pid = worker1.load(Ordering::SeqCst) as i32;
                assert!(
                    pid > 0,
                    "expected to know worker 1's Chrome pid before frame 30"
                );
                // SAFETY: sends SIGKILL to the Chrome process this render started.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            _ => {}
        }
        events.lock().unwrap().push(e);
    })
    .unwrap_or_else(|e| panic!("expected the render to survive a killed worker, saw: {e}"));
    assert!(
        done_kill.load(Ordering::SeqCst),
        "expected the kill to have happened"
    );
    let attempts = &report.perf.attempts;
    assert!(
        attempts.len() >= 2,
        "expected at least two capture attempts after the kill, saw {attempts:?}"
    );
    assert!(
        attempts[0].error.is_some() && attempts.last().unwrap().error.is_none(),
        "expected the first attempt to record an error and the last to succeed, saw {attempts:?}"
    );
    let total: u64 = attempts.iter().map(|a| a.frames_done).sum();
    assert!(
        total >= 90,
        "expected the attempts to deliver all 90 frames, saw {total}"
    );
    let (_, frames) = hf::decode::decode_video(&out, &|_| true).unwrap();
    let frames: Vec<_> = frames.into_iter().map(|(_, f)| f).collect();
    assert_eq!(frames.len(), undisturbed.frames.len());
    let differing: Vec<usize> = (0..frames.len())
        .filter(|&i| frames[i] != undisturbed.frames[i])
        .collect();
    assert!(
        differing.is_empty(),
        "expected the recovered render to equal the undisturbed one, frames {differing:?} differ"
    );
    for pid in chrome_pids(&events.into_inner().unwrap()) {
        assert!(
            !alive(pid),
            "expected Chrome pid {pid} to be gone after the render"
        );
    }
}

#[test]
fn a_page_that_hangs_in_seek_fails_within_the_timeout_naming_frame_and_call() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let mut opts = hf::RenderOptions::new(common::composition("hang-in-seek"), &out);
    opts.offline = true;
    opts.workers = Workers::Fixed(1);
    opts.cdp_timeout = Duration::from_secs(3);
    let pids = Mutex::new(Vec::new());
    let started = Instant::now();
    let result = hf::render(&opts, &|e| {
        if let Event::WorkerStarted { chrome_pid, .. } = e {
            pids.lock().unwrap().push(chrome_pid);
        }
    });
    let elapsed = started.elapsed();
    let err = match result {
        Ok(_) => panic!("expected a page that hangs in seek to fail the render"),
        Err(e) => e,
    };
    let text = err.to_string();
    assert!(
        matches!(err, Error::Timeout { .. }),
        "expected a timeout error, saw: {text}"
    );
    assert!(
        text.contains("frame 30"),
        "expected the error to name frame 30, saw: {text}"
    );
    assert!(
        text.contains("__hfRuntime.seek"),
        "expected the error to name the seek call, saw: {text}"
    );
    assert!(
        elapsed < Duration::from_secs(3 + 12),
        "expected the failure within the 3 s timeout plus start-up, took {elapsed:?}"
    );
    assert!(
        !out.exists(),
        "expected no output file after a failed render"
    );
    for pid in pids.into_inner().unwrap() {
        assert!(
            !alive(pid),
            "expected Chrome pid {pid} to be gone after the failure"
        );
    }
}

#[test]
fn damage_aware_reuse_gives_the_frames_a_full_capture_gives() {
    let reuse = render_fresh("clip-window", |o| {
        o.workers = Workers::Fixed(1);
        o.damage_aware = true;
    });
    let full = render_fresh("clip-window", |o| {
        o.workers = Workers::Fixed(1);
        o.damage_aware = false;
    });
    assert!(
        reuse.report.perf.frames_reused >= 80,
        "expected most of clip-window's 90 mostly static frames to be reused, saw {}",
        reuse.report.perf.frames_reused
    );
    assert_eq!(
        full.report.perf.frames_reused, 0,
        "expected no reuse with damage_aware off"
    );
    assert_same_frames(&reuse, &full, "damage-aware vs full capture");
}
