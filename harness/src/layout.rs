//! Where a suite keeps its fixtures and goldens. hf's own layout is
//! `fixtures/<name>/` beside `golden/<name>/`; the reference renderer's
//! suites (which teams already have) keep each fixture's goldens inside it:
//! `tests/<name>/meta.json`, `src/`, `output/output.mp4` and
//! `output/compiled.html` (`tests/distributed/<name>/` one level down).
//! `hf-regress --root DIR` reads either as it stands.

use std::path::{Path, PathBuf};

use crate::fixture::{self, Fixture};
use crate::golden::GoldenPaths;

/// A suite's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// hf's own: `fixtures/<name>/` and `golden/<name>/`.
    Hf,
    /// The reference renderer's: `tests/<name>/` with `output/` inside.
    Reference,
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hf" => Ok(Self::Hf),
            "reference" => Ok(Self::Reference),
            _ => Err(format!("unknown layout {s:?}: expected hf or reference")),
        }
    }
}

impl Layout {
    /// The layout of the suite at `root`: hf's when it has `fixtures/`,
    /// the reference's when some `tests/<name>/meta.json` exists.
    pub fn detect(root: &Path) -> Option<Self> {
        if root.join("fixtures").is_dir() {
            return Some(Self::Hf);
        }
        let tests = root.join("tests");
        let has_meta = std::fs::read_dir(&tests)
            .map(|d| d.flatten().any(|e| e.path().join("meta.json").is_file()))
            .unwrap_or(false);
        has_meta.then_some(Self::Reference)
    }

    /// The folder that holds the fixtures.
    pub fn fixtures_dir(self, root: &Path) -> PathBuf {
        match self {
            Self::Hf => root.join("fixtures"),
            Self::Reference => root.join("tests"),
        }
    }

    /// Every fixture of the suite, sorted by name.
    pub fn discover(self, root: &Path) -> std::io::Result<Vec<Fixture>> {
        match self {
            Self::Hf => fixture::discover(root),
            Self::Reference => {
                let tests = root.join("tests");
                let mut out = Vec::new();
                for (name, dir) in reference_dirs(&tests)? {
                    out.push(crate::reference::load(&dir, &name));
                }
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(out)
            }
        }
    }

    /// Fixture `name`'s golden files.
    pub fn golden(self, root: &Path, name: &str) -> GoldenPaths {
        match self {
            Self::Hf => GoldenPaths::new(root, name),
            Self::Reference => {
                let tests = root.join("tests");
                let dir = if tests.join(name).is_dir() {
                    tests.join(name)
                } else {
                    tests.join("distributed").join(name)
                };
                GoldenPaths::reference(&dir.join("output"))
            }
        }
    }

    /// The golden of every fixture folder, for `review`, `accept`, `reject`.
    pub fn goldens(self, root: &Path) -> std::io::Result<Vec<(String, GoldenPaths)>> {
        let names: Vec<String> = match self {
            Self::Hf => match std::fs::read_dir(root.join("golden")) {
                Ok(d) => d
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(e) => return Err(e),
            },
            Self::Reference => reference_dirs(&root.join("tests"))?
                .into_iter()
                .map(|(n, _)| n)
                .collect(),
        };
        let mut out: Vec<(String, GoldenPaths)> = names
            .into_iter()
            .map(|n| {
                let g = self.golden(root, &n);
                (n, g)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

/// `tests/*` (without dot folders, `node_modules` and `distributed`) and
/// `tests/distributed/*`, as the reference discovers them.
fn reference_dirs(tests: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut scan = |dir: &Path, nested: bool| -> std::io::Result<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if nested && e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "node_modules" || !entry.path().is_dir() {
                continue;
            }
            if !nested && name == "distributed" {
                continue;
            }
            out.push((name, entry.path()));
        }
        Ok(())
    };
    scan(tests, false)?;
    scan(&tests.join("distributed"), true)?;
    Ok(out)
}
