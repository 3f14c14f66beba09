//! Goldens and their provenance. A golden is `golden/<name>/output.mp4`,
//! `compiled.html` and `golden.json` (where and with what it was made).
//! Goldens change only through review: `--update` writes `*.pending`
//! files beside the current ones, `accept` renames them into place,
//! `reject` deletes them. Nothing else in the harness writes here.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What can go wrong with golden files.
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    /// Reading, writing or renaming a golden file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// `golden.json` (or its pending twin) is not what the harness wrote.
    #[error("{}: invalid provenance: {message}", path.display())]
    Provenance {
        /// The file.
        path: PathBuf,
        /// serde_json's message.
        message: String,
    },
    /// `accept`/`reject` named a fixture that has nothing pending.
    #[error("{name}: no pending golden (run hf-regress --update {name} first)")]
    NothingPending {
        /// The fixture.
        name: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> GoldenError + '_ {
    move |source| GoldenError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The three files of one golden.
#[derive(Debug, Clone)]
pub struct GoldenPaths {
    /// `golden/<name>`.
    pub dir: PathBuf,
    /// The reference video.
    pub video: PathBuf,
    /// The compiled-HTML snapshot.
    pub html: PathBuf,
    /// The provenance record.
    pub provenance: PathBuf,
}

/// Suffix of pending golden files (`output.mp4.pending`).
pub const PENDING: &str = ".pending";

impl GoldenPaths {
    /// The golden of fixture `name` under `root`.
    pub fn new(root: &Path, name: &str) -> Self {
        let dir = root.join("golden").join(name);
        Self {
            video: dir.join("output.mp4"),
            html: dir.join("compiled.html"),
            provenance: dir.join("golden.json"),
            dir,
        }
    }

    /// The files in accept order: provenance last, so a half-accepted
    /// golden (interrupted between renames) still has the old provenance
    /// and shows up as drifted rather than silently current.
    pub fn files(&self) -> [&Path; 3] {
        [&self.video, &self.html, &self.provenance]
    }

    /// The golden files that do not exist.
    pub fn missing(&self) -> Vec<PathBuf> {
        self.files()
            .iter()
            .filter(|p| !p.is_file())
            .map(|p| p.to_path_buf())
            .collect()
    }

    /// True when any pending file exists.
    pub fn has_pending(&self) -> bool {
        self.files().iter().any(|p| pending(p).is_file())
    }
}

/// `path` + `.pending`.
pub fn pending(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(PENDING);
    PathBuf::from(s)
}

/// Old-vs-new figures recorded by `--update`, shown by `review`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateNote {
    /// The report of the `--update` run that wrote this pending golden, for
    /// `review`. A path of this machine, so `accept` drops it: a committed
    /// golden holds no machine paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_dir: Option<String>,
    /// Whether an old golden existed to compare against.
    pub had_old_golden: bool,
    /// Lowest PSNR of new vs old over the checkpoints; `null` when they
    /// were identical (∞) or there was no old golden.
    pub min_psnr_db: Option<f64>,
    /// Median PSNR of new vs old (`null` as above).
    pub median_psnr_db: Option<f64>,
    /// Checkpoints of new vs old below the fixture's minPsnr.
    pub failed_checkpoints: Option<usize>,
    /// Envelope correlation of new vs old audio.
    pub audio_correlation: Option<f64>,
}

/// `golden.json`: what made the golden, to explain failures that come from
/// the environment rather than the code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// hf version that rendered it.
    pub hf_version: String,
    /// Git commit of the repository (`unknown` outside git).
    pub git_commit: String,
    /// Chrome's product string.
    pub chromium: String,
    /// libav* version string.
    pub ffmpeg: String,
    /// sha256 of the sorted `fc-list` output.
    pub fonts: String,
    /// Frame rate as `30` or `30000/1001`.
    pub fps: String,
    /// Frames rendered.
    pub frames: u64,
    /// Composition duration in seconds.
    pub duration_s: f64,
    /// RFC 3339 time of the render.
    pub date: String,
    /// Wall seconds of the render, used to balance `--shard`.
    pub render_seconds: f64,
    /// The packages the page ran (`name@version integrity`, sorted), from
    /// the render's perf summary; absent in goldens made before hf
    /// recorded them (then no package drift is reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<String>>,
    /// Present in pending goldens written by `--update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateNote>,
}

impl Provenance {
    /// Read `golden.json` (or a pending one).
    pub fn read(path: &Path) -> Result<Self, GoldenError> {
        let text = std::fs::read_to_string(path).map_err(io_err(path))?;
        serde_json::from_str(&text).map_err(|e| GoldenError::Provenance {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    /// The differences between this golden's environment and `env`, one
    /// line each. The hf version and commit are left out: they are
    /// expected to change, and are what the regression run is testing.
    pub fn drift(&self, env: &Environment, chromium_now: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut diff = |what: &str, then: &str, now: &str| {
            if then != now {
                out.push(format!("{what}: golden {then}, now {now}"));
            }
        };
        diff("Chromium", &self.chromium, chromium_now);
        diff("FFmpeg", &self.ffmpeg, &env.ffmpeg);
        if self.fonts != env.fonts {
            out.push(format!(
                "fonts: installed fonts differ (golden {}, now {})",
                short(&self.fonts),
                short(&env.fonts)
            ));
        }
        out
    }
}

impl Provenance {
    /// The packages that resolved differently from the golden's (a version
    /// or a tarball changed, one appeared or went), one line each.
    pub fn package_drift(&self, now: &[String]) -> Vec<String> {
        let Some(then) = &self.packages else {
            return Vec::new();
        };
        let gone = then.iter().filter(|p| !now.contains(p));
        let new = now.iter().filter(|p| !then.contains(p));
        let mut out: Vec<String> = gone
            .map(|p| format!("packages: golden ran {p}, now not"))
            .collect();
        out.extend(new.map(|p| format!("packages: now runs {p}, golden did not")));
        out
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The parts of this machine that shape pixels and samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// hf version.
    pub hf_version: String,
    /// `git rev-parse HEAD` of the repository, or `unknown`.
    pub git_commit: String,
    /// libav* version.
    pub ffmpeg: String,
    /// sha256 of the sorted `fc-list --format '%{file}|%{family}|%{style}\n'`.
    pub fonts: String,
}

impl Environment {
    /// Probe the environment once per run (fc-list takes a moment).
    pub fn detect(root: &Path) -> Self {
        Self {
            hf_version: hf::VERSION.to_owned(),
            git_commit: git_commit(root),
            ffmpeg: hf::decode::ffmpeg_version(),
            fonts: fonts_fingerprint(),
        }
    }
}

/// `git rev-parse HEAD` (read-only), or `unknown`.
fn git_commit(root: &Path) -> String {
    Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// sha256 of the sorted font list; `unavailable` without fontconfig.
fn fonts_fingerprint() -> String {
    let out = Command::new("fc-list")
        .args(["--format", "%{file}|%{family}|%{style}\n"])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let mut lines: Vec<&str> = text.lines().collect();
            lines.sort_unstable();
            let mut h = Sha256::new();
            for line in lines {
                h.update(line.as_bytes());
                h.update(b"\n");
            }
            h.finalize().iter().map(|b| format!("{b:02x}")).collect()
        }
        _ => "unavailable".into(),
    }
}

/// Write the pending golden: copy the video, write the HTML, then the
/// provenance, each through a temporary file renamed into place so a
/// reader never sees half a file. Returns the pending paths written.
pub fn write_pending(
    paths: &GoldenPaths,
    video: &Path,
    html: &str,
    provenance: &Provenance,
) -> Result<Vec<PathBuf>, GoldenError> {
    std::fs::create_dir_all(&paths.dir).map_err(io_err(&paths.dir))?;
    let json = serde_json::to_string_pretty(provenance).expect("provenance serialises") + "\n";
    let targets = [
        pending(&paths.video),
        pending(&paths.html),
        pending(&paths.provenance),
    ];
    let bytes = std::fs::read(video).map_err(io_err(video))?;
    hf::sys::write_atomic(&targets[0], &bytes).map_err(io_err(&targets[0]))?;
    for (target, content) in [(&targets[1], html), (&targets[2], json.as_str())] {
        hf::sys::write_atomic(target, content.as_bytes()).map_err(io_err(target))?;
    }
    Ok(targets.to_vec())
}

/// One fixture's pending golden, for `review`.
#[derive(Debug, Clone)]
pub struct Pending {
    /// Fixture name.
    pub name: String,
    /// Pending files present.
    pub files: Vec<PathBuf>,
    /// The pending provenance, if readable.
    pub provenance: Result<Provenance, String>,
}

/// Every golden folder with pending files, sorted by name.
pub fn list_pending(root: &Path) -> Result<Vec<Pending>, GoldenError> {
    let dir = root.join("golden");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
        let entry = entry.map_err(io_err(&dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let paths = GoldenPaths::new(root, &name);
        let files: Vec<PathBuf> = paths
            .files()
            .iter()
            .map(|p| pending(p))
            .filter(|p| p.is_file())
            .collect();
        if files.is_empty() {
            continue;
        }
        let provenance = Provenance::read(&pending(&paths.provenance)).map_err(|e| e.to_string());
        out.push(Pending {
            name,
            files,
            provenance,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Move fixture `name`'s pending files into place (each an atomic rename,
/// provenance last, rewritten without the machine path of the `--update`
/// report). Returns the golden files replaced.
pub fn accept(root: &Path, name: &str) -> Result<Vec<PathBuf>, GoldenError> {
    let provenance = GoldenPaths::new(root, name).provenance;
    each_pending(root, name, |pending, file| {
        if file == provenance {
            let mut prov = Provenance::read(pending)?;
            if let Some(note) = prov.update.as_mut() {
                note.report_dir = None;
            }
            let json = serde_json::to_string_pretty(&prov).expect("provenance serialises") + "\n";
            hf::sys::write_atomic(file, json.as_bytes()).map_err(io_err(file))?;
            std::fs::remove_file(pending).map_err(io_err(pending))?;
        } else {
            std::fs::rename(pending, file).map_err(io_err(file))?;
        }
        Ok(file.to_path_buf())
    })
}

/// Delete fixture `name`'s pending files. Returns the files deleted.
pub fn reject(root: &Path, name: &str) -> Result<Vec<PathBuf>, GoldenError> {
    each_pending(root, name, |pending, _| {
        std::fs::remove_file(pending).map_err(io_err(pending))?;
        Ok(pending.to_path_buf())
    })
}

/// Apply `act(pending, golden)` to each pending file of fixture `name`, in
/// golden-file order (provenance last); error when nothing is pending.
fn each_pending(
    root: &Path,
    name: &str,
    mut act: impl FnMut(&Path, &Path) -> Result<PathBuf, GoldenError>,
) -> Result<Vec<PathBuf>, GoldenError> {
    let paths = GoldenPaths::new(root, name);
    if !paths.has_pending() {
        return Err(GoldenError::NothingPending { name: name.into() });
    }
    let mut done = Vec::new();
    for file in paths.files() {
        let p = pending(file);
        if p.is_file() {
            done.push(act(&p, file)?);
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provenance() -> Provenance {
        Provenance {
            hf_version: "0.1.0".into(),
            git_commit: "abc".into(),
            chromium: "HeadlessChrome/1".into(),
            ffmpeg: "5.1".into(),
            fonts: "f".repeat(64),
            fps: "30".into(),
            frames: 120,
            duration_s: 4.0,
            date: "2025-01-01T00:00:00Z".into(),
            packages: None,
            render_seconds: 12.5,
            update: Some(UpdateNote {
                report_dir: Some("reports/x".into()),
                had_old_golden: true,
                min_psnr_db: None,
                median_psnr_db: Some(50.0),
                failed_checkpoints: Some(0),
                audio_correlation: Some(0.99),
            }),
        }
    }

    #[test]
    fn pending_write_accept_and_reject() {
        let root = tempfile::tempdir().unwrap();
        let video = root.path().join("render.mp4");
        std::fs::write(&video, b"new video").unwrap();
        let paths = GoldenPaths::new(root.path(), "fx");
        std::fs::create_dir_all(&paths.dir).unwrap();
        std::fs::write(&paths.video, b"old video").unwrap();

        let written = write_pending(&paths, &video, "<html>", &provenance()).unwrap();
        assert_eq!(written.len(), 3);
        assert!(written
            .iter()
            .all(|p| p.to_string_lossy().ends_with(".pending")));
        // The current golden is untouched until accepted.
        assert_eq!(std::fs::read(&paths.video).unwrap(), b"old video");
        let listed = list_pending(root.path()).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].provenance.as_ref().unwrap(), &provenance());

        let accepted = accept(root.path(), "fx").unwrap();
        assert_eq!(accepted.len(), 3);
        let kept = std::fs::read_to_string(&paths.provenance).unwrap();
        assert!(
            !kept.contains("report_dir") && kept.contains("had_old_golden"),
            "expected the accepted golden.json to keep the note but no report path, saw {kept}"
        );
        assert_eq!(std::fs::read(&paths.video).unwrap(), b"new video");
        assert_eq!(std::fs::read_to_string(&paths.html).unwrap(), "<html>");
        let mut expected = provenance();
        expected.update.as_mut().unwrap().report_dir = None;
        assert_eq!(Provenance::read(&paths.provenance).unwrap(), expected);
        assert!(!paths.has_pending());
        assert!(matches!(
            accept(root.path(), "fx"),
            Err(GoldenError::NothingPending { .. })
        ));

        write_pending(&paths, &video, "<p>", &provenance()).unwrap();
        assert_eq!(reject(root.path(), "fx").unwrap().len(), 3);
        assert!(!paths.has_pending());
        assert_eq!(std::fs::read_to_string(&paths.html).unwrap(), "<html>");
        assert!(list_pending(root.path()).unwrap().is_empty());
    }

    #[test]
    fn drift_names_what_changed_but_not_the_hf_version() {
        let p = provenance();
        let env = Environment {
            hf_version: "9.9.9".into(),
            git_commit: "def".into(),
            ffmpeg: "6.0".into(),
            fonts: p.fonts.clone(),
        };
        let drift = p.drift(&env, "HeadlessChrome/2");
        assert_eq!(drift.len(), 2, "{drift:?}");
        assert!(drift[0].contains("Chromium") && drift[0].contains("HeadlessChrome/2"));
        assert!(drift[1].contains("FFmpeg: golden 5.1, now 6.0"));
        let same = Environment {
            ffmpeg: "5.1".into(),
            ..env
        };
        assert!(p.drift(&same, "HeadlessChrome/1").is_empty());
    }

    #[test]
    fn package_drift_names_what_resolved_differently() {
        let mut p = provenance();
        assert!(p.package_drift(&["gsap@3.15.0 sha512-a".into()]).is_empty());
        p.packages = Some(vec![
            "gsap@3.12.5 sha512-a".into(),
            "d3@7.9.0 sha512-b".into(),
        ]);
        let now = vec!["gsap@3.13.0 sha512-c".into(), "d3@7.9.0 sha512-b".into()];
        let drift = p.package_drift(&now);
        assert_eq!(drift.len(), 2, "{drift:?}");
        assert!(drift[0].contains("golden ran gsap@3.12.5"));
        assert!(drift[1].contains("now runs gsap@3.13.0"));
        assert!(p.package_drift(&p.packages.clone().unwrap()).is_empty());
    }

    #[test]
    fn fonts_fingerprint_is_stable() {
        assert_eq!(fonts_fingerprint(), fonts_fingerprint());
    }
}
