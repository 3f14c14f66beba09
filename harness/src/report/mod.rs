//! The HTML report: one self-contained folder per run (`index.html` plus the
//! PNGs of failed checkpoints), so a person can open a regression without
//! rerunning anything, and CI can upload it as is.

mod diff;
mod svg;
mod view;

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use image::RgbImage;
use minijinja::Environment;

use crate::model::{FixtureResult, RunSummary};
use view::FrameFiles;

/// The page template; its `.html` name turns on minijinja's HTML escaping.
const TEMPLATE: &str = include_str!("report.html.j2");
const TEMPLATE_NAME: &str = "report.html";

/// How many failed checkpoints per fixture get pictures: enough to see a
/// pattern, few enough that a broken fixture does not bloat the report.
const MAX_FRAMES: usize = 10;

/// Writes `<dir>/index.html` plus images under `<dir>/<fixture>/`, returns
/// the index path. Everything is linked relatively, so the folder can be
/// moved, zipped or uploaded as a CI artifact and still open offline.
pub fn write_report(dir: &Path, run: &RunSummary) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let slugs = slugs(run);
    let mut frames = Vec::with_capacity(run.fixtures.len());
    for (fx, slug) in run.fixtures.iter().zip(&slugs) {
        frames.push(write_frames(dir, slug, fx)?);
    }
    let html = render(&view::page(run, &slugs, &frames))?;
    let index = dir.join("index.html");
    hf::sys::write_atomic(&index, html.as_bytes())?;
    Ok(index)
}

/// Points `<reports_root>/latest` at `dir`, so "the last report" has a stable
/// path. The link is relative (the tree can move) and swapped in with a
/// rename, so a reader never sees it missing.
pub fn update_latest(reports_root: &Path, dir: &Path) -> io::Result<()> {
    let target = link_target(reports_root, dir)?;
    let link = reports_root.join("latest");
    let tmp = reports_root.join(format!(".latest.tmp-{}", std::process::id()));
    // A leftover from a crashed run would make symlink() fail.
    let _ = fs::remove_file(&tmp);
    symlink_dir(&target, &tmp)?;
    fs::rename(&tmp, &link).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

fn render(page: &view::Page<'_>) -> io::Result<String> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template(TEMPLATE_NAME, TEMPLATE)
        .and_then(|()| env.get_template(TEMPLATE_NAME)?.render(page))
        .map_err(|e| io::Error::other(format!("report template: {e:#}")))
}

/// Writes the expected, actual and diff PNGs of up to `MAX_FRAMES` failed
/// checkpoints of one fixture, named `cp<NN>-{expected,actual,diff}.png`.
fn write_frames(dir: &Path, slug: &str, fx: &FixtureResult) -> io::Result<Vec<FrameFiles>> {
    let Some(visual) = &fx.visual else {
        return Ok(Vec::new());
    };
    if visual.failed_frames.is_empty() {
        return Ok(Vec::new());
    }
    fs::create_dir_all(dir.join(slug))?;
    let mut out = Vec::new();
    for ff in visual.failed_frames.iter().take(MAX_FRAMES) {
        let cp = visual
            .checkpoints
            .get(ff.checkpoint)
            .map_or(ff.checkpoint, |c| c.index);
        let name = |kind: &str| format!("{slug}/cp{cp:02}-{kind}.png");
        let (expected, actual) = (name("expected"), name("actual"));
        save(dir, &expected, &diff::shrink(&ff.expected))?;
        save(dir, &actual, &diff::shrink(&ff.actual))?;
        let diff = match diff::difference(&ff.expected, &ff.actual) {
            Some((d, stats)) => {
                let path = name("diff");
                save(dir, &path, &diff::heat(&diff::shrink_max(&d)))?;
                Ok((path, stats))
            }
            None => Err(format!(
                "no diff: sizes differ (expected {}×{}, actual {}×{})",
                ff.expected.width(),
                ff.expected.height(),
                ff.actual.width(),
                ff.actual.height()
            )),
        };
        out.push(FrameFiles {
            checkpoint: ff.checkpoint,
            expected,
            actual,
            diff,
        });
    }
    Ok(out)
}

fn save(dir: &Path, rel: &str, img: &RgbImage) -> io::Result<()> {
    img.save_with_format(dir.join(rel), image::ImageFormat::Png)
        .map_err(|e| io::Error::other(format!("writing {rel}: {e}")))
}

/// One folder name (and anchor) per fixture: only `[A-Za-z0-9._-]`, never
/// `.`/`..`, never `index.html`, unique within the run. Fixture names are
/// folder names already, so this normally changes nothing.
fn slugs(run: &RunSummary) -> Vec<String> {
    let mut seen = std::collections::HashSet::from(["index.html".to_string()]);
    run.fixtures
        .iter()
        .map(|fx| {
            let mut base: String = fx
                .name
                .chars()
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => c,
                    _ => '_',
                })
                .collect();
            if base.chars().all(|c| c == '.') {
                base = format!("fixture{base}");
            }
            let mut slug = base.clone();
            let mut n = 1;
            while !seen.insert(slug.clone()) {
                n += 1;
                slug = format!("{base}-{n}");
            }
            slug
        })
        .collect()
}

/// `dir` as seen from `root`: lexically when it lies below it (the usual
/// `reports/<stamp>`), else through both canonical paths.
fn link_target(root: &Path, dir: &Path) -> io::Result<PathBuf> {
    if let Ok(rel) = dir.strip_prefix(root) {
        if !rel.as_os_str().is_empty() {
            return Ok(rel.to_path_buf());
        }
    }
    let (root, dir) = (fs::canonicalize(root)?, fs::canonicalize(dir)?);
    let rel = relative(&root, &dir);
    if rel.as_os_str().is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the report folder is the reports root itself",
        ));
    }
    Ok(rel)
}

/// Relative path from one absolute directory to another.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let (f, t): (Vec<Component>, Vec<Component>) =
        (from.components().collect(), to.components().collect());
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out: PathBuf = f[common..].iter().map(|_| Component::ParentDir).collect();
    out.extend(&t[common..]);
    out
}

#[cfg(unix)]
fn symlink_dir(target: &Path, link: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink_dir(_target: &Path, _link: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "the latest link needs a Unix filesystem",
    ))
}

#[cfg(test)]
mod tests;
