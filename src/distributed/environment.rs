//! The environment fingerprint: the versions of everything that shapes a
//! chunk's pixels and samples. A plan records the one it was made on; a
//! chunk worker whose fingerprint differs refuses to render, because its
//! chunk could show seams against chunks rendered elsewhere.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::packages::PackageUse;

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
    /// The resolved package set the compile stage records (CDN scripts,
    /// font packages): `name@version integrity` per package, sorted,
    /// joined by `; ` (empty when the page uses none). `None` in a plan
    /// made before hf recorded it; such a plan is not checked on it.
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

    /// This environment with the resolved package set `used`.
    pub fn with_packages(mut self, used: &[PackageUse]) -> Self {
        let lines: Vec<String> = used.iter().map(PackageUse::line).collect();
        self.packages = Some(lines.join(PACKAGE_SEPARATOR));
        self
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
        if let (Some(plan), Some(now)) = (&self.packages, &here.packages) {
            out.extend(package_differences(plan, now));
        }
        out
    }
}

const PACKAGE_SEPARATOR: &str = "; ";

/// One line per package name whose resolved versions differ between two
/// recorded sets (a page may load two versions of one package).
fn package_differences(plan: &str, here: &str) -> Vec<String> {
    type ByName = std::collections::BTreeMap<String, Vec<String>>;
    let split = |s: &str| -> ByName {
        let mut out = ByName::new();
        for line in s.split(PACKAGE_SEPARATOR).filter(|l| !l.is_empty()) {
            let id = line.split_whitespace().next().unwrap_or(line);
            let name = id.rsplit_once('@').map_or(id, |(n, _)| n);
            out.entry(name.to_owned())
                .or_default()
                .push(line.to_owned());
        }
        out
    };
    let (a, b) = (split(plan), split(here));
    let show = |v: Option<&Vec<String>>| match v {
        Some(lines) => lines.join(" + "),
        None => "not resolved".to_owned(),
    };
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(|n| {
            format!(
                "package {n}: plan {}, here {}",
                show(a.get(n)),
                show(b.get(n))
            )
        })
        .collect()
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

    #[test]
    fn package_differences_name_each_package() {
        let plan = "gsap@3.12.5 sha512-a; @fontsource/inter@5.0.0 sha512-b";
        let here = "gsap@3.13.0 sha512-c; @fontsource/inter@5.0.0 sha512-b; d3@7.0.0 sha512-d";
        assert_eq!(
            package_differences(plan, here),
            vec![
                "package d3: plan not resolved, here d3@7.0.0 sha512-d",
                "package gsap: plan gsap@3.12.5 sha512-a, here gsap@3.13.0 sha512-c",
            ]
        );
        assert!(package_differences("", "").is_empty());
        // Two versions of one package: a change to either is named.
        let two = "gsap@3.12.5 sha512-a; gsap@3.13.0 sha512-b";
        assert!(package_differences(two, two).is_empty());
        assert_eq!(
            package_differences(two, "gsap@3.13.0 sha512-b"),
            vec!["package gsap: plan gsap@3.12.5 sha512-a + gsap@3.13.0 sha512-b, here gsap@3.13.0 sha512-b"]
        );
    }
}
