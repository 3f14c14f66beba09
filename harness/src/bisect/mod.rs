//! `hf-regress bisect`: which commit of a stack changed a fixture's render.
//!
//! Each candidate commit is checked out into one reused git work tree and
//! its `hf` built there with a target directory shared by every candidate
//! (dependencies build once; a commit that touches no Rust code is a cargo
//! no-op). The fixture, as that commit has it, is rendered with that
//! commit's `hf` and compared with the good commit's render by frame
//! hashes: any change counts, with no threshold. A binary search
//! (`search.rs`) finds the first commit that changes it; commits that do
//! not build are skipped and named, as `git bisect skip` does. Renders are
//! cached by (commit, fixture, environment fingerprint), so a second
//! bisect over the same stack renders nothing new.

pub mod candidate;
pub mod git;
pub mod search;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

pub use candidate::{Render, Workspace};
pub use git::Commit;
pub use search::{Answer, Probe, Search};

use crate::fixture;
use crate::model::{FixtureResult, Verdict};
use crate::score::{audio, visual};

/// Why a bisect could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BisectError {
    /// A git command failed.
    #[error("{command}: {message}")]
    Git {
        /// The command.
        command: String,
        /// Its exit status and stderr.
        message: String,
    },
    /// `--good` or `--bad` names no commit.
    #[error("{rev:?} names no commit of this repository")]
    BadRevision {
        /// The revision as given.
        rev: String,
    },
    /// The good commit is not an ancestor of the bad one.
    #[error("the good commit {good} is not an ancestor of the bad commit {bad}")]
    NotAncestor {
        /// The good commit.
        good: String,
        /// The bad commit.
        bad: String,
    },
    /// The good commit, the reference every render is compared with,
    /// cannot be built or cannot render the fixture.
    #[error("the good commit {commit} cannot be used: {message}")]
    Good {
        /// The good commit.
        commit: String,
        /// Why.
        message: String,
    },
    /// cargo could not be run at all (a build that fails is a skip).
    #[error("building {commit}: {message}")]
    Build {
        /// The commit.
        commit: String,
        /// Why.
        message: String,
    },
    /// A render's output could not be run or read.
    #[error("rendering at {commit}: {message}")]
    Render {
        /// The commit.
        commit: String,
        /// Why.
        message: String,
    },
    /// A cache or work-tree file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
}

/// The answer for one fixture.
#[derive(Debug, Clone)]
pub struct FixtureAnswer {
    /// The fixture.
    pub fixture: String,
    /// The search, by index into [`BisectRun::commits`].
    pub search: Search,
    /// Min and median PSNR (dB) of the first changed render against the
    /// good render, when there is one answer.
    pub psnr: Option<(f64, f64)>,
    /// The scored change (good render as the golden), for the report.
    pub result: Option<FixtureResult>,
}

/// A whole bisect: the range, the answers, and what it cost.
#[derive(Debug, Clone)]
pub struct BisectRun {
    /// The good commit (renders are compared with its render).
    pub good: Commit,
    /// The commits after it, oldest first; the bad commit last.
    pub commits: Vec<Commit>,
    /// One answer per fixture, in the order asked.
    pub answers: Vec<FixtureAnswer>,
    /// Renders made by this run.
    pub renders_new: usize,
    /// Renders taken from the cache.
    pub renders_cached: usize,
    /// Commits built by this run (successfully or not).
    pub builds: usize,
}

/// Bisect `fixtures` over `good..=bad` (`commits` from [`git::range`]).
/// `say` receives one progress line at a time.
pub fn bisect(
    ws: &Workspace,
    good: Commit,
    commits: Vec<Commit>,
    fixtures: &[String],
    say: &dyn Fn(&str),
) -> Result<BisectRun, BisectError> {
    let guard = TargetGuard::new(ws);
    let mut run = BisectRun {
        good,
        commits,
        answers: Vec::new(),
        renders_new: 0,
        renders_cached: 0,
        builds: 0,
    };
    for name in fixtures {
        let answer = bisect_one(ws, &mut run, name, say)?;
        run.answers.push(answer);
    }
    ws.clean_binaries();
    drop(guard);
    Ok(run)
}

fn bisect_one(
    ws: &Workspace,
    run: &mut BisectRun,
    name: &str,
    say: &dyn Fn(&str),
) -> Result<FixtureAnswer, BisectError> {
    let good = run.good.clone();
    let good_render = match obtain(ws, run, &good, name, say)? {
        Ok(r) => r,
        Err(message) => {
            return Err(BisectError::Good {
                commit: good.label(),
                message,
            })
        }
    };
    let commits = run.commits.clone();
    let mut renders: Vec<Option<Render>> = vec![None; commits.len()];
    let mut failure = None;
    let s = search::search(commits.len(), &mut |i| {
        if failure.is_some() {
            return Probe::Skip("not tried: the bisect stopped".into());
        }
        match obtain(ws, run, &commits[i], name, say) {
            Ok(Ok(r)) => {
                let changed = r.frames != good_render.frames;
                say(&format!(
                    "{name}: {} {}",
                    commits[i].label(),
                    if changed {
                        "changes the render"
                    } else {
                        "renders as good"
                    }
                ));
                renders[i] = Some(r);
                if changed {
                    Probe::Changed
                } else {
                    Probe::Same
                }
            }
            Ok(Err(why)) => {
                say(&format!("{name}: {} skipped: {why}", commits[i].label()));
                Probe::Skip(why)
            }
            Err(e) => {
                failure = Some(e);
                Probe::Skip("not tried: the bisect stopped".into())
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let (psnr, result) = match &s.answer {
        Answer::First(i) => match &renders[*i] {
            Some(r) => score(name, &commits[*i], ws, r, &good_render)?,
            None => (None, None),
        },
        _ => (None, None),
    };
    Ok(FixtureAnswer {
        fixture: name.to_owned(),
        search: s,
        psnr,
        result,
    })
}

/// The render of `name` at `commit`: from the cache, or built and
/// rendered now. `Ok(Err(why))` when the commit cannot be judged.
fn obtain(
    ws: &Workspace,
    run: &mut BisectRun,
    commit: &Commit,
    name: &str,
    say: &dyn Fn(&str),
) -> Result<Result<Render, String>, BisectError> {
    if let Some(r) = ws.cached(commit, name) {
        run.renders_cached += 1;
        return Ok(Ok(r));
    }
    if let Some(why) = ws.known_broken(commit) {
        return Ok(Err(format!("does not build: {}", why.trim())));
    }
    say(&format!("building {}", commit.label()));
    let fresh = !ws.binary_exists(commit);
    let bin = ws.build(commit)?;
    if fresh {
        run.builds += 1;
    }
    let bin = match bin {
        Ok(b) => b,
        Err(why) => return Ok(Err(format!("does not build: {why}"))),
    };
    say(&format!("rendering {name} at {}", commit.label()));
    let r = ws.render(commit, &bin, name)?;
    if r.is_ok() {
        run.renders_new += 1;
    }
    Ok(r)
}

/// Min and median PSNR against the good render, and the report row.
type Scored = (Option<(f64, f64)>, Option<FixtureResult>);

/// Score the first changed render against the good one, as a report row.
fn score(
    name: &str,
    commit: &Commit,
    ws: &Workspace,
    changed: &Render,
    good: &Render,
) -> Result<Scored, BisectError> {
    let tree = ws.cache.join("worktree");
    let meta = fixture::load(&tree.join("fixtures").join(name), name)
        .meta
        .ok();
    let (min_psnr, max_failures) = meta
        .as_ref()
        .map_or((30.0, 0), |m| (m.min_psnr, m.max_frame_failures));
    let err = |e: crate::score::ScoreError| BisectError::Render {
        commit: commit.label(),
        message: format!("cannot compare with the good render: {e}"),
    };
    let (v, notes) =
        visual::compare(&changed.video, &good.video, min_psnr, max_failures).map_err(err)?;
    let mut result = FixtureResult::new(
        name,
        format!("first commit that changes the render: {}", commit.label()),
        Vec::new(),
    );
    result.verdict = Verdict::Fail;
    result.reasons.push(format!(
        "the render changed at {} (compared with the good commit's render)",
        commit.label()
    ));
    result.reasons.extend(notes);
    let psnr = Some((v.min_psnr, v.median_psnr));
    result.visual = Some(v);
    if let Some(m) = &meta {
        let t = audio::AudioThresholds {
            min_correlation: m.min_audio_correlation,
            max_lag_windows: m.max_audio_lag_windows,
            max_residual_db: m.max_audio_residual_rms_db,
        };
        if let Ok((a, reasons)) = audio::compare(&changed.video, &good.video, t) {
            result.reasons.extend(reasons);
            result.audio = Some(a);
        }
    }
    Ok((psnr, Some(result)))
}

/// A fingerprint of what shapes pixels besides the code: FFmpeg, the
/// installed fonts and the Chrome binary's version.
pub fn env_fingerprint(root: &std::path::Path) -> String {
    let env = crate::golden::Environment::detect(root);
    let chrome = std::process::Command::new(hf::capture::browser::DEFAULT_CHROME)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| format!("unavailable: {e}"));
    let mut h = Sha256::new();
    for part in [&env.ffmpeg, &env.fonts, &chrome] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    candidate::hex(&h.finalize())[..16].to_owned()
}

/// Building a candidate in the shared target directory replaces
/// `release/hf` there; this keeps the one that was there and puts it back.
struct TargetGuard {
    bin: PathBuf,
    saved: PathBuf,
}

impl TargetGuard {
    fn new(ws: &Workspace) -> Option<Self> {
        let bin = ws.target_dir.join("release").join("hf");
        // Beside it: a hard link cannot cross file systems.
        let saved = ws.target_dir.join("release").join(".hf.before-bisect");
        let _ = std::fs::remove_file(&saved);
        std::fs::hard_link(&bin, &saved).ok()?;
        Some(Self { bin, saved })
    }
}

impl Drop for TargetGuard {
    fn drop(&mut self) {
        // When nothing was built the two are links to one file, and rename
        // leaves both: the extra link is removed either way.
        let _ = std::fs::rename(&self.saved, &self.bin);
        let _ = std::fs::remove_file(&self.saved);
    }
}
