//! `review`, `accept` and `reject`: the only ways a golden changes. `review`
//! lists pending goldens with what accepting them would change (old-vs-new
//! PSNR and audio correlation, measured by `--update`) and where that run's
//! report is; `accept` renames them into place; `reject` deletes them.

use std::io::{self, Write};
use std::path::Path;

use crate::golden::{self, GoldenError, Pending};
use crate::progress::db;

/// Print the pending goldens to `out`. Returns how many there are.
pub fn review(root: &Path, out: &mut dyn Write) -> Result<usize, ReviewError> {
    let pending = golden::list_pending(root)?;
    if pending.is_empty() {
        writeln!(out, "no pending goldens")?;
        return Ok(0);
    }
    let mut latest: Option<(String, String)> = None;
    for p in &pending {
        writeln!(out, "{}", describe(p))?;
        if let Ok(prov) = &p.provenance {
            if let Some(dir) = prov.update.as_ref().and_then(|n| n.report_dir.as_ref()) {
                if latest.as_ref().is_none_or(|(date, _)| prov.date > *date) {
                    latest = Some((prov.date.clone(), dir.clone()));
                }
            }
        }
    }
    if let Some((_, dir)) = latest {
        let index = Path::new(&dir).join("index.html");
        writeln!(out, "report of the last --update run: {}", index.display())?;
    }
    writeln!(
        out,
        "accept with `hf-regress accept [FIXTURE...]`, or `hf-regress reject [FIXTURE...]`"
    )?;
    Ok(pending.len())
}

/// One line per pending golden.
fn describe(p: &Pending) -> String {
    let prov = match &p.provenance {
        Ok(prov) => prov,
        Err(e) => return format!("{}  pending ({} files; {e})", p.name, p.files.len()),
    };
    let mut s = format!(
        "{}  pending from {}: {} frames at {} fps, rendered in {:.1} s",
        p.name, prov.date, prov.frames, prov.fps, prov.render_seconds
    );
    match &prov.update {
        Some(n) if n.had_old_golden => {
            let psnr = |v: Option<f64>| db(v.unwrap_or(f64::INFINITY));
            s += &format!(
                "; new vs old: min {} dB, median {} dB",
                psnr(n.min_psnr_db),
                psnr(n.median_psnr_db)
            );
            if let Some(f) = n.failed_checkpoints {
                s += &format!(", {f} checkpoints below minPsnr");
            }
            if let Some(c) = n.audio_correlation {
                s += &format!(", audio correlation {c:.3}");
            }
        }
        Some(_) => s += "; new golden (none before)",
        None => {}
    }
    s
}

/// Accept (or reject) the pending goldens of `names`, or of every fixture
/// with pending files when `names` is empty. Stops at the first error.
pub fn apply(
    root: &Path,
    names: &[String],
    accept: bool,
    out: &mut dyn Write,
) -> Result<usize, ReviewError> {
    let names: Vec<String> = if names.is_empty() {
        golden::list_pending(root)?
            .into_iter()
            .map(|p| p.name)
            .collect()
    } else {
        names.to_vec()
    };
    if names.is_empty() {
        writeln!(out, "no pending goldens")?;
    }
    for name in &names {
        if accept {
            for path in golden::accept(root, name)? {
                let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                writeln!(
                    out,
                    "accepted {} ({} KiB)",
                    path.display(),
                    size.div_ceil(1024)
                )?;
            }
        } else {
            for path in golden::reject(root, name)? {
                writeln!(out, "deleted {}", path.display())?;
            }
        }
    }
    Ok(names.len())
}

/// Why review, accept or reject failed.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A golden file operation failed, or nothing was pending.
    #[error(transparent)]
    Golden(#[from] GoldenError),
    /// Writing the listing failed (a closed pipe, say).
    #[error(transparent)]
    Output(#[from] io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::{GoldenPaths, Provenance, UpdateNote};

    #[test]
    fn review_lists_figures_and_the_latest_report() {
        let root = tempfile::tempdir().unwrap();
        let video = root.path().join("v.mp4");
        std::fs::write(&video, b"x").unwrap();
        for (name, date, dir, old) in [
            ("a", "2025-01-01T00:00:00Z", "reports/old", true),
            ("b", "2025-02-01T00:00:00Z", "reports/new", false),
        ] {
            let prov = Provenance {
                hf_version: "0.1.0".into(),
                git_commit: "c".into(),
                chromium: "HeadlessChrome/1".into(),
                ffmpeg: "5.1".into(),
                fonts: "f".into(),
                fps: "30".into(),
                frames: 120,
                duration_s: 4.0,
                date: date.into(),
                packages: None,
                render_seconds: 3.0,
                update: Some(UpdateNote {
                    report_dir: Some(dir.into()),
                    had_old_golden: old,
                    min_psnr_db: old.then_some(38.25),
                    median_psnr_db: None,
                    failed_checkpoints: old.then_some(2),
                    audio_correlation: old.then_some(0.9981),
                }),
            };
            golden::write_pending(
                &GoldenPaths::new(root.path(), name),
                &video,
                "<html>",
                &prov,
            )
            .unwrap();
        }
        let mut out = Vec::new();
        assert_eq!(review(root.path(), &mut out).unwrap(), 2);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("a  pending from 2025-01-01T00:00:00Z"),
            "{text}"
        );
        assert!(text.contains("new vs old: min 38.2 dB, median inf dB, 2 checkpoints below minPsnr, audio correlation 0.998"), "{text}");
        assert!(
            text.contains("b  pending") && text.contains("new golden (none before)"),
            "{text}"
        );
        assert!(
            text.contains("report of the last --update run: reports/new/index.html"),
            "{text}"
        );

        let mut out = Vec::new();
        assert_eq!(
            apply(root.path(), &["b".into()], false, &mut out).unwrap(),
            1
        );
        assert_eq!(apply(root.path(), &[], true, &mut out).unwrap(), 1);
        assert!(GoldenPaths::new(root.path(), "a").missing().is_empty());
        assert!(GoldenPaths::new(root.path(), "b").missing().len() == 3);
        let err = apply(root.path(), &["a".into()], true, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("no pending golden"), "{err}");
    }
}
