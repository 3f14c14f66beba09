//! Font aliases as the reference draws them: a page whose stacks name
//! system fonts (`Helvetica, Arial, sans-serif`, `system-ui, sans-serif`,
//! `'Segoe UI', system-ui, sans-serif`) draws the canonical faces
//! (Inter, Roboto) frame for frame as a page that declares those faces by
//! `@font-face`, and not the machine's fallback; without the canonical
//! package in the cache, a warning names the family and what is drawn.
//!
//! The faces come from the package cache, filled by `scripts/setup.sh`
//! (`hf fetch tests/compositions/*/`): no test touches the network.

mod common;

use std::process::{Command, Stdio};

use common::{assert_same_frames, composition, render_fresh, Rendered};

/// The `hf` binary cargo built for these tests.
const HF: &str = env!("CARGO_BIN_EXE_hf");

/// Luma samples of frame 0 that differ between two renders.
fn luma_differences(a: &Rendered, b: &Rendered) -> usize {
    let (fa, fb) = (a.frame(0), b.frame(0));
    fa.y.iter()
        .zip(&fb.y)
        .filter(|(p, q)| p.abs_diff(**q) > 16)
        .count()
}

#[test]
fn aliased_system_stacks_draw_the_canonical_faces_not_the_fallback() {
    let stack = render_fresh("font-alias-stack", |_| {});
    let explicit = render_fresh("font-alias-explicit", |_| {});
    let shorthand = render_fresh("font-alias-shorthand", |_| {});
    assert!(
        !stack
            .report
            .warnings
            .iter()
            .any(|w| w.contains("font family")),
        "expected no font warning for the aliased stacks (their faces are in the cache after \
         scripts/setup.sh), saw {:?}",
        stack.report.warnings
    );
    assert_eq!(stack.frames.len(), 5, "0.5 s at 10 fps");
    assert_same_frames(
        &stack,
        &explicit,
        "Helvetica/system-ui/Segoe UI stacks against explicit Inter 700/800 and Roboto 400 faces",
    );
    let differing = luma_differences(&stack, &shorthand);
    eprintln!("aliased stacks vs the machine's sans-serif: {differing} luma samples differ by >16");
    assert!(
        differing > 2000,
        "expected the aliased stacks to look unlike the machine's sans-serif (the `font` \
         shorthand page), but only {differing} luma samples of frame 0 differ by more than 16"
    );
}

#[test]
fn an_alias_whose_package_is_not_cached_warns_naming_what_is_drawn() {
    let dir = tempfile::tempdir().expect("temp folder");
    let out = dir.path().join("out.mp4");
    let run = Command::new(HF)
        .args(["render", "--offline", "-o"])
        .arg(&out)
        .arg(composition("font-alias-stack"))
        .env("HF_CACHE", dir.path().join("empty-cache"))
        .stdin(Stdio::null())
        .output()
        .expect("cannot run hf");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "a missing font is a warning, not a failure: exit {:?}\n{stderr}",
        run.status.code()
    );
    for family in ["Helvetica", "Segoe UI"] {
        let want = format!("font family \"{family}\" (the reference draws");
        let line = stderr.lines().find(|l| l.contains(&want));
        assert!(
            line.is_some_and(|l| l.contains("the text is drawn in \"")),
            "expected a warning naming {family}, its canonical family and the fallback drawn \
             (`{want} … the text is drawn in \"…\"`), saw:\n{stderr}"
        );
    }
}
