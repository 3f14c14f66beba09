//! Building a candidate commit and rendering a fixture with it, with both
//! results cached: a render by (commit, fixture, environment fingerprint)
//! under `<cache>/renders/`, and a build that failed under
//! `<cache>/builds/`, so a second bisect over the same stack builds and
//! renders nothing new.

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::git::{self, Commit};
use super::BisectError;
use crate::fixture;

/// A render of one fixture at one commit, kept in the cache.
#[derive(Debug, Clone)]
pub struct Render {
    /// The MP4.
    pub video: PathBuf,
    /// sha256 of every decoded frame (Y, U, V planes), in order.
    pub frames: Vec<String>,
    /// True when it came from the cache rather than a new render.
    pub cached: bool,
}

/// Where things go and what they are built with.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The repository being bisected.
    pub repo: PathBuf,
    /// The cache root (renders, failed builds, built binaries, work tree).
    pub cache: PathBuf,
    /// The cargo target directory every candidate shares.
    pub target_dir: PathBuf,
    /// npm packages served for CDN URLs (the work tree has none).
    pub npm_dir: PathBuf,
    /// Fingerprint of what shapes pixels besides the code.
    pub env_fingerprint: String,
}

impl Workspace {
    fn worktree(&self) -> PathBuf {
        self.cache.join("worktree")
    }

    fn render_dir(&self, commit: &Commit, fixture: &str) -> PathBuf {
        self.cache
            .join("renders")
            .join(&commit.hash)
            .join(format!("{fixture}-{}", &self.env_fingerprint))
    }

    fn failed_build(&self, commit: &Commit) -> PathBuf {
        self.cache
            .join("builds")
            .join(format!("{}.failed", commit.hash))
    }

    fn binary(&self, commit: &Commit) -> PathBuf {
        self.cache.join("bin").join(&commit.hash).join("hf")
    }

    /// The cached render of `fixture` at `commit`, if any.
    pub fn cached(&self, commit: &Commit, fixture: &str) -> Option<Render> {
        let dir = self.render_dir(commit, fixture);
        let text = std::fs::read_to_string(dir.join("frames.sha256")).ok()?;
        let video = dir.join("output.mp4");
        video.is_file().then(|| Render {
            video,
            frames: text.lines().map(str::to_owned).collect(),
            cached: true,
        })
    }

    /// True when `commit`'s `hf` was built earlier in this run.
    pub fn binary_exists(&self, commit: &Commit) -> bool {
        self.binary(commit).is_file()
    }

    /// Why `commit` did not build last time, if it did not.
    pub fn known_broken(&self, commit: &Commit) -> Option<String> {
        std::fs::read_to_string(self.failed_build(commit)).ok()
    }

    /// Build `commit`'s `hf` in the shared work tree and target directory;
    /// `Ok(Err(why))` when it does not build (recorded in the cache).
    pub fn build(&self, commit: &Commit) -> Result<Result<PathBuf, String>, BisectError> {
        let bin = self.binary(commit);
        if bin.is_file() {
            return Ok(Ok(bin));
        }
        if let Some(why) = self.known_broken(commit) {
            return Ok(Err(why));
        }
        let tree = git::checkout(&self.repo, &self.worktree(), commit)?;
        let out = Command::new("cargo")
            .args(["build", "--release", "--quiet", "-p", "hf", "--bin", "hf"])
            .current_dir(&tree)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .output()
            .map_err(|e| BisectError::Build {
                commit: commit.label(),
                message: format!("cannot run cargo: {e}"),
            })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first_error = stderr
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("cargo build failed")
                .to_owned();
            let path = self.failed_build(commit);
            write(&path, format!("{first_error}\n").as_bytes())?;
            return Ok(Err(first_error));
        }
        let built = self.target_dir.join("release").join("hf");
        let bytes = std::fs::read(&built).map_err(io(&built))?;
        write(&bin, &bytes)?;
        set_executable(&bin)?;
        Ok(Ok(bin))
    }

    /// Render `fixture` as `commit` has it, with `commit`'s own `hf`, into
    /// the cache. `Ok(Err(why))` when that commit cannot render it.
    pub fn render(
        &self,
        commit: &Commit,
        hf: &Path,
        name: &str,
    ) -> Result<Result<Render, String>, BisectError> {
        let tree = git::checkout(&self.repo, &self.worktree(), commit)?;
        let fx = fixture::load(&tree.join("fixtures").join(name), name);
        let meta = match &fx.meta {
            Ok(m) => m,
            Err(e) => return Ok(Err(format!("fixture invalid at this commit: {e}"))),
        };
        let dir = self.render_dir(commit, name);
        let scratch = tempfile::Builder::new()
            .prefix(".render-")
            .tempdir_in(dir.parent().unwrap_or(&self.cache))
            .or_else(|_| {
                std::fs::create_dir_all(dir.parent().unwrap_or(&self.cache))?;
                tempfile::Builder::new()
                    .prefix(".render-")
                    .tempdir_in(dir.parent().unwrap_or(&self.cache))
            })
            .map_err(io(&dir))?;
        let video = scratch.path().join("output.mp4");
        let mut cmd = Command::new(hf);
        cmd.arg("render")
            .arg(fx.src())
            .arg("-o")
            .arg(&video)
            .arg("--offline")
            .arg("--npm-dir")
            .arg(&self.npm_dir)
            .args(["--quality", &meta.render.quality.to_string()]);
        if let Some(fps) = meta.render.fps {
            cmd.args(["--fps", &fps.to_string()]);
        }
        if let hf::Workers::Fixed(n) = meta.render.workers {
            cmd.args(["--workers", &n.to_string()]);
        }
        if let Some(vars) = &meta.render.variables {
            cmd.args([
                "--variables",
                &serde_json::Value::Object(vars.clone()).to_string(),
            ]);
        }
        let out = cmd.output().map_err(|e| BisectError::Render {
            commit: commit.label(),
            message: format!("cannot run {}: {e}", hf.display()),
        })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            return Ok(Err(format!(
                "hf render failed ({}): {}",
                out.status,
                last.unwrap_or("no message")
            )));
        }
        let frames = frame_hashes(&video).map_err(|e| BisectError::Render {
            commit: commit.label(),
            message: format!("cannot decode {}: {e}", video.display()),
        })?;
        std::fs::write(
            scratch.path().join("frames.sha256"),
            frames.join("\n") + "\n",
        )
        .map_err(io(scratch.path()))?;
        // The cache entry appears whole: the folder is renamed into place.
        let _ = std::fs::remove_dir_all(&dir);
        let kept = scratch.keep();
        std::fs::rename(&kept, &dir).map_err(io(&dir))?;
        Ok(Ok(Render {
            video: dir.join("output.mp4"),
            frames,
            cached: false,
        }))
    }

    /// Remove the built binaries (large; the render cache is what a second
    /// bisect needs).
    pub fn clean_binaries(&self) {
        let _ = std::fs::remove_dir_all(self.cache.join("bin"));
    }
}

/// sha256 of each decoded frame's planes, in decode order.
pub fn frame_hashes(video: &Path) -> hf::Result<Vec<String>> {
    let mut out = Vec::new();
    hf::decode::decode_video_each(video, &|_| true, &mut |_, f| {
        let mut h = Sha256::new();
        h.update(f.width.to_le_bytes());
        h.update(f.height.to_le_bytes());
        h.update(&f.y);
        h.update(&f.u);
        h.update(&f.v);
        out.push(hex(&h.finalize()));
        Ok(())
    })?;
    Ok(out)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BisectError + '_ {
    move |e| BisectError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), BisectError> {
    hf::sys::write_atomic(path, bytes).map_err(io(path))
}

fn set_executable(path: &Path) -> Result<(), BisectError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(io(path))
}
