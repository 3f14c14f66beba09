//! A frame is a function of its time alone: the fixtures that move text and
//! composited layers decode to byte-identical frames whether one, two or
//! three browsers captured them, and after a killed Chrome made a fresh
//! browser pick the render up mid-way (what a chunk of a distributed
//! render does). Before hf reset the compositor's layers before each
//! capture, gsap-letters' spin-out (frames 85–119) differed between all of
//! these.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use common::{assert_same_frames, render_fixture_fresh, Rendered};
use hf::{Event, Workers};

fn with_workers(name: &str, n: u32) -> Rendered {
    let r = render_fixture_fresh(name, |o| o.workers = Workers::Fixed(n));
    assert_eq!(
        r.report.perf.workers, n,
        "expected `{name}` to be captured by {n} worker(s)"
    );
    r
}

/// Render `name` with two workers and kill worker 1's Chrome once `kill_at`
/// frames are done, so a fresh browser captures the rest from mid-way.
fn with_a_killed_worker(name: &str, kill_at: u64) -> Rendered {
    let worker1 = AtomicU32::new(0);
    let killed = AtomicBool::new(false);
    let on_event = |e: &Event| match e {
        Event::WorkerStarted {
            attempt: 1,
            worker: 1,
            chrome_pid,
        } => worker1.store(*chrome_pid, Ordering::SeqCst),
        Event::Frame { done, .. } if *done >= kill_at && !killed.swap(true, Ordering::SeqCst) => {
            let pid = worker1.load(Ordering::SeqCst) as i32;
            assert!(pid > 0, "expected to know worker 1's Chrome pid");
            // SAFETY: sends SIGKILL to a Chrome process this render started.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        _ => {}
    };
    let r = common::render_input_watching(name, &common::fixture(name), &on_event, |o| {
        common::apply_fixture_config(name, o);
        o.workers = Workers::Fixed(2);
        // A killed Chrome can surface as a call that never answers.
        o.cdp_timeout = Duration::from_secs(10);
    });
    assert!(killed.load(Ordering::SeqCst), "expected the kill to happen");
    let attempts = &r.report.perf.attempts;
    assert!(
        attempts.len() >= 2 && attempts[0].error.is_some(),
        "expected a failed first attempt and a retry, saw {attempts:?}"
    );
    r
}

#[test]
fn gsap_letters_spin_out_is_identical_for_one_and_three_workers_and_after_a_retry() {
    let one = with_workers("gsap-letters", 1);
    let three = with_workers("gsap-letters", 3);
    assert_same_frames(&one, &three, "1 worker vs 3 workers");
    // Killed inside the spin-out: the retry's fresh browser starts there.
    let retried = with_a_killed_worker("gsap-letters", 90);
    assert_same_frames(&one, &retried, "1 worker vs 2 workers with a retry");
}

#[test]
fn videos_are_identical_for_one_and_three_workers_and_after_a_retry() {
    // 120 frames of two videos that change every frame: the video stage's
    // window (decoders held back, shown frames deleted once encoded) and
    // the renderer's cache purge every 30 video frames are on this path,
    // and the retry captures the rest after files were deleted.
    let one = with_workers("video-loop-hold", 1);
    let three = with_workers("video-loop-hold", 3);
    assert_same_frames(&one, &three, "1 worker vs 3 workers");
    let retried = with_a_killed_worker("video-loop-hold", 60);
    assert_same_frames(&one, &retried, "1 worker vs 2 workers with a retry");
}

#[test]
fn many_cuts_is_identical_for_one_and_two_workers() {
    let one = with_workers("many-cuts", 1);
    let two = with_workers("many-cuts", 2);
    assert_same_frames(&one, &two, "1 worker vs 2 workers");
}

#[test]
fn waapi_cards_and_css_spinner_are_identical_for_one_two_and_three_workers() {
    for name in ["waapi-cards", "css-spinner"] {
        let one = with_workers(name, 1);
        for n in [2, 3] {
            let other = with_workers(name, n);
            assert_same_frames(&one, &other, &format!("1 worker vs {n} workers"));
        }
    }
}

/// Layers moved only through the CSSOM (a rule's `style`, which changes no
/// node) still count as a change, so the capture resets them: without frame
/// reuse, every frame after the hold is captured, and none may depend on
/// the frames that browser drew before.
#[test]
fn layers_moved_through_css_rules_are_identical_for_one_two_and_three_workers() {
    let full = |n: u32| {
        let r = common::render_fresh("cssom-spin", |o| {
            o.workers = Workers::Fixed(n);
            o.damage_aware = false;
        });
        assert_eq!(r.report.perf.workers, n, "expected {n} worker(s)");
        r
    };
    let one = full(1);
    assert_eq!(one.frames.len(), 60, "expected 60 frames");
    // Mean absolute luma difference (the encoder's own noise is well
    // under one level).
    let mad = |a: usize, b: usize| {
        let (fa, fb) = (&one.frames[a].y, &one.frames[b].y);
        let sum: u64 = fa
            .iter()
            .zip(fb)
            .map(|(p, q)| u64::from(p.abs_diff(*q)))
            .sum();
        sum as f64 / fa.len() as f64
    };
    assert!(
        mad(0, 29) < 0.5,
        "expected the letters to hold still over frames 0..29, mean luma difference {:.2}",
        mad(0, 29)
    );
    assert!(
        mad(29, 45) > 2.0,
        "expected the rule edits to move the letters by frame 45, mean luma difference {:.2}",
        mad(29, 45)
    );
    for n in [2, 3] {
        assert_same_frames(&one, &full(n), &format!("1 worker vs {n} workers"));
    }
}
