//! The environment fingerprint: the versions of everything that shapes a
//! chunk's pixels and samples. A plan records the one it was made on; a
//! chunk worker whose fingerprint differs refuses to render, because its
//! chunk could show seams against chunks rendered elsewhere.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a render's output depends on besides its inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    /// hf version.
    pub hf: String,
    /// `chromium --version` of the Chrome binary used.
    pub chromium: String,
    /// The libav* version string.
    pub ffmpeg: String,
    /// sha256 of the sorted installed font list ([`fonts_fingerprint`]).
    pub fonts: String,
    /// The resolved package set served to the page, when hf pins one
    /// (a fingerprint of it; `None` until a package cache exists).
    #[serde(default)]
    pub packages: Option<String>,
}

impl Environment {
    /// Detect this machine's environment for the Chrome binary `chrome`
    /// (default: Debian's headless shell).
    pub fn detect(chrome: Option<&Path>) -> Self {
        let chrome = chrome.unwrap_or(Path::new(crate::capture::browser::DEFAULT_CHROME));
        Self {
            hf: crate::VERSION.to_owned(),
            chromium: chrome_version(chrome),
            ffmpeg: crate::decode::ffmpeg_version(),
            fonts: fonts_fingerprint(),
            packages: None,
        }
    }

    /// One line per field that differs between `self` (the plan's) and
    /// `here`.
    pub fn differences(&self, here: &Self) -> Vec<String> {
        let mut out = Vec::new();
        let mut diff = |what: &str, plan: &str, now: &str| {
            if plan != now {
                out.push(format!("{what}: plan {plan}, here {now}"));
            }
        };
        diff("hf", &self.hf, &here.hf);
        diff("Chromium", &self.chromium, &here.chromium);
        diff("FFmpeg", &self.ffmpeg, &here.ffmpeg);
        diff("fonts", &self.fonts, &here.fonts);
        diff(
            "packages",
            self.packages.as_deref().unwrap_or("none"),
            here.packages.as_deref().unwrap_or("none"),
        );
        out
    }
}

/// `chrome --version`, or `unknown (why)` when it cannot be run (the render
/// itself then fails with the full launch evidence).
pub fn chrome_version(chrome: &Path) -> String {
    match Command::new(chrome).arg("--version").output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        Ok(o) => format!("unknown ({} exited {})", chrome.display(), o.status),
        Err(e) => format!("unknown ({}: {e})", chrome.display()),
    }
}

/// sha256 of the sorted `fc-list --format '%{file}|%{family}|%{style}\n'`
/// output, `unavailable` without fontconfig: a font change moves text.
pub fn fonts_fingerprint() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_field() {
        let a = Environment {
            hf: "0.1.0".into(),
            chromium: "Chromium 1".into(),
            ffmpeg: "5.1".into(),
            fonts: "aa".into(),
            packages: None,
        };
        let mut b = a.clone();
        assert!(a.differences(&b).is_empty());
        b.chromium = "Chromium 2".into();
        b.fonts = "bb".into();
        assert_eq!(
            a.differences(&b),
            vec![
                "Chromium: plan Chromium 1, here Chromium 2",
                "fonts: plan aa, here bb"
            ]
        );
    }
}
