//! Fixture discovery and `meta.json`: every folder under `fixtures/` is a
//! fixture, and a fixture that cannot be read is reported as an error, never
//! skipped, so a typo in `meta.json` cannot silently shrink the suite.
//!
//! `meta.json` is read field by field with serde into typed values, so that
//! every problem names the file and the field (`renderConfig.fps`), and all
//! problems are reported at once.

use std::fmt;
use std::path::{Path, PathBuf};

use hf::{Fps, Quality, RenderOptions, Workers};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Why a fixture cannot be run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FixtureError {
    /// A file every fixture needs is absent.
    #[error("{}: missing (a fixture needs meta.json and src/index.html)", path.display())]
    Missing {
        /// The absent file.
        path: PathBuf,
    },
    /// The file exists but cannot be read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// `meta.json` is not valid JSON.
    #[error("{}: invalid JSON: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// serde_json's message with line and column.
        message: String,
    },
    /// One or more fields are missing, unknown or out of range.
    #[error("{}: {}", path.display(), Problems(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// `(field, what is wrong)`, in file order.
        problems: Vec<(String, String)>,
    },
}

/// Formats `(field, message)` pairs as `field `x`: message; …`.
struct Problems<'a>(&'a [(String, String)]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, message)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "field `{field}`: {message}")?;
        }
        Ok(())
    }
}

/// The only output format the harness compares. The reference renderer also
/// had webm/mov/png-sequence; hf writes MP4 only, so anything else in a
/// fixture is a mistake worth stopping on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// H.264 + AAC in MP4.
    Mp4,
}

/// `renderConfig`: how to render the fixture.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderConfig {
    /// `None` = the composition's own `data-fps`.
    pub fps: Option<Fps>,
    /// Always MP4 (see [`Format`]).
    pub format: Format,
    /// Capture workers; `auto` when absent.
    pub workers: Workers,
    /// Variable overrides passed to the render.
    pub variables: Option<Map<String, Value>>,
    /// Encoder preset; `high` when absent, as goldens are finals.
    pub quality: Quality,
}

impl RenderConfig {
    /// Set on `opts` what decides the frames' content: the frame rate and
    /// the variable overrides. hf's own integration tests render fixtures
    /// this way (keeping their quicker quality), so they see the frames
    /// the harness scores.
    pub fn apply_content(&self, opts: &mut RenderOptions) {
        opts.fps = self.fps;
        opts.variables = self.variables.clone().map(Value::Object);
    }

    /// Set on `opts` everything the fixture asks for: its content plus the
    /// quality and worker count, as the harness renders goldens.
    pub fn apply(&self, opts: &mut RenderOptions) {
        self.apply_content(opts);
        opts.quality = self.quality;
        opts.workers = self.workers;
    }
}

/// A validated `meta.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Equals the folder name.
    pub name: String,
    /// One line for the report.
    pub description: String,
    /// For `--exclude-tags`.
    pub tags: Vec<String>,
    /// Minimum PSNR per checkpoint, in dB.
    pub min_psnr: f64,
    /// Checkpoints allowed below `min_psnr`.
    pub max_frame_failures: usize,
    /// Minimum envelope correlation, 0..=1.
    pub min_audio_correlation: f64,
    /// Lag search range in envelope windows, ≥ 1.
    pub max_audio_lag_windows: usize,
    /// When set, the residual RMS (dBFS) must not exceed it.
    pub max_audio_residual_rms_db: Option<f64>,
    /// How to render.
    pub render: RenderConfig,
}

/// A folder under `fixtures/`, valid or not.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The folder name.
    pub name: String,
    /// `fixtures/<name>`.
    pub dir: PathBuf,
    /// The parsed meta, or why the fixture cannot run.
    pub meta: Result<Meta, FixtureError>,
}

impl Fixture {
    /// The composition folder handed to the renderer.
    pub fn src(&self) -> PathBuf {
        self.dir.join("src")
    }

    /// Tags, empty for an invalid fixture (so no tag filter can hide it).
    pub fn tags(&self) -> &[String] {
        self.meta.as_ref().map(|m| m.tags.as_slice()).unwrap_or(&[])
    }
}

/// Every fixture under `root/fixtures`, sorted by name. Folders whose name
/// starts with `.` are ignored; everything else is a fixture.
pub fn discover(root: &Path) -> std::io::Result<Vec<Fixture>> {
    let dir = root.join("fixtures");
    let mut fixtures = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        fixtures.push(load(&entry.path(), &name));
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(fixtures)
}

/// Read one fixture folder.
pub fn load(dir: &Path, name: &str) -> Fixture {
    let meta = (|| {
        let index = dir.join("src").join("index.html");
        if !index.is_file() {
            return Err(FixtureError::Missing { path: index });
        }
        let path = dir.join("meta.json");
        if !path.is_file() {
            return Err(FixtureError::Missing { path });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| FixtureError::Io {
            path: path.clone(),
            message: e.to_string(),
        })?;
        parse_meta(&path, &text, name)
    })();
    Fixture {
        name: name.to_owned(),
        dir: dir.to_owned(),
        meta,
    }
}

/// Parse and validate `meta.json` text; `folder` is the fixture's folder
/// name, which `name` must equal.
pub fn parse_meta(path: &Path, text: &str, folder: &str) -> Result<Meta, FixtureError> {
    let value: Value = serde_json::from_str(text).map_err(|e| FixtureError::Syntax {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let mut problems = Vec::new();
    let Value::Object(map) = value else {
        problems.push(("(root)".into(), "expected a JSON object".into()));
        return Err(FixtureError::Invalid {
            path: path.to_owned(),
            problems,
        });
    };
    let mut top = Fields {
        prefix: "",
        map,
        problems: &mut problems,
    };
    let name: Option<String> = top.required("name", "a string");
    let description: Option<String> = top.required("description", "a string");
    let tags: Option<Vec<String>> = top.required("tags", "an array of strings");
    let min_psnr: Option<f64> = top.required("minPsnr", "a number of dB");
    let max_frame_failures: Option<usize> = top.required("maxFrameFailures", "an integer ≥ 0");
    let min_audio_correlation: Option<f64> = top.required("minAudioCorrelation", "a number");
    let max_audio_lag_windows: Option<usize> = top.required("maxAudioLagWindows", "an integer ≥ 1");
    let residual: Option<f64> = top.optional("maxAudioResidualRmsDb", "a number of dBFS");
    let render_map: Option<Map<String, Value>> = top.required("renderConfig", "an object");
    top.finish();

    if let Some(n) = &name {
        if n.is_empty() {
            problems.push(("name".into(), "must not be empty".into()));
        } else if n != folder {
            problems.push((
                "name".into(),
                format!("is {n:?} but the folder is {folder:?}"),
            ));
        }
    }
    if let Some(tags) = &tags {
        if tags.iter().any(|t| t.trim().is_empty()) {
            problems.push(("tags".into(), "tags must not be empty strings".into()));
        }
    }
    check(
        &mut problems,
        "minPsnr",
        min_psnr,
        |v| v.is_finite() && v >= 0.0,
        "must be ≥ 0",
    );
    check(
        &mut problems,
        "minAudioCorrelation",
        min_audio_correlation,
        |v| (0.0..=1.0).contains(&v),
        "must lie in [0, 1]",
    );
    if max_audio_lag_windows == Some(0) {
        problems.push(("maxAudioLagWindows".into(), "must be ≥ 1, got 0".into()));
    }
    check(
        &mut problems,
        "maxAudioResidualRmsDb",
        residual,
        f64::is_finite,
        "must be finite",
    );
    let render = render_map.map(|m| parse_render_config(m, &mut problems));

    match (
        name,
        description,
        tags,
        min_psnr,
        max_frame_failures,
        min_audio_correlation,
        max_audio_lag_windows,
        render,
    ) {
        (
            Some(name),
            Some(description),
            Some(tags),
            Some(min_psnr),
            Some(mff),
            Some(mac),
            Some(mal),
            Some(Some(render)),
        ) if problems.is_empty() => Ok(Meta {
            name,
            description,
            tags,
            min_psnr,
            max_frame_failures: mff,
            min_audio_correlation: mac,
            max_audio_lag_windows: mal,
            max_audio_residual_rms_db: residual,
            render,
        }),
        _ => Err(FixtureError::Invalid {
            path: path.to_owned(),
            problems,
        }),
    }
}

/// `renderConfig`; `None` when any of its fields is invalid.
fn parse_render_config(
    map: Map<String, Value>,
    problems: &mut Vec<(String, String)>,
) -> Option<RenderConfig> {
    let before = problems.len();
    let mut f = Fields {
        prefix: "renderConfig.",
        map,
        problems,
    };
    let fps: Option<Value> = f.optional("fps", "an integer or a ratio string");
    let format: Option<String> = f.optional("format", "a string");
    let workers: Option<Value> = f.optional("workers", "an integer ≥ 1 or \"auto\"");
    let variables: Option<Map<String, Value>> = f.optional("variables", "an object");
    let quality: Option<String> = f.optional("quality", "a string");
    f.finish();

    let mut bad = |field: &str, message: String| {
        problems.push((format!("renderConfig.{field}"), message));
    };
    let fps = match fps {
        None => None,
        Some(Value::Number(n)) if n.is_u64() => n
            .to_string()
            .parse::<Fps>()
            .map_err(|e| bad("fps", e.to_string()))
            .ok(),
        Some(Value::String(s)) => s.parse::<Fps>().map_err(|e| bad("fps", e.to_string())).ok(),
        Some(other) => {
            bad(
                "fps",
                format!("expected an integer like 30 or a string like \"30000/1001\", got {other}"),
            );
            None
        }
    };
    match format.as_deref() {
        None | Some("mp4") => {}
        Some(other) => bad(
            "format",
            format!("{other:?} is not supported: hf-regress compares \"mp4\" only"),
        ),
    }
    let workers = match workers {
        None => Workers::Auto,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(w) if w >= 1 && w <= u64::from(u32::MAX) => Workers::Fixed(w as u32),
            _ => {
                bad(
                    "workers",
                    format!("expected an integer ≥ 1 or \"auto\", got {n}"),
                );
                Workers::Auto
            }
        },
        Some(Value::String(s)) if s == "auto" => Workers::Auto,
        Some(other) => {
            bad(
                "workers",
                format!("expected an integer ≥ 1 or \"auto\", got {other}"),
            );
            Workers::Auto
        }
    };
    let quality = match quality.as_deref() {
        None => Quality::High,
        Some(q) => q.parse::<Quality>().unwrap_or_else(|e| {
            bad("quality", e);
            Quality::High
        }),
    };
    (problems.len() == before).then_some(RenderConfig {
        fps,
        format: Format::Mp4,
        workers,
        variables,
        quality,
    })
}

/// Push `message` for `field` when `value` is present and fails `ok`.
fn check(
    problems: &mut Vec<(String, String)>,
    field: &str,
    value: Option<f64>,
    ok: impl Fn(f64) -> bool,
    message: &str,
) {
    if let Some(v) = value {
        if !ok(v) {
            problems.push((field.into(), format!("{message}, got {v}")));
        }
    }
}

/// Takes typed fields out of a JSON object by name, recording a problem
/// (with the dotted field path) for each missing, mistyped or unknown one.
struct Fields<'p> {
    prefix: &'static str,
    map: Map<String, Value>,
    problems: &'p mut Vec<(String, String)>,
}

impl Fields<'_> {
    /// A field that must be present.
    fn required<T: DeserializeOwned>(&mut self, key: &str, expected: &str) -> Option<T> {
        if !self.map.contains_key(key) {
            self.problems.push((
                format!("{}{key}", self.prefix),
                format!("missing (expected {expected})"),
            ));
            return None;
        }
        self.optional(key, expected)
    }

    /// A field that may be absent.
    fn optional<T: DeserializeOwned>(&mut self, key: &str, expected: &str) -> Option<T> {
        let value = self.map.remove(key)?;
        match serde_json::from_value(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problems.push((
                    format!("{}{key}", self.prefix),
                    format!("expected {expected}: {e}"),
                ));
                None
            }
        }
    }

    /// Every field left over is unknown: most likely a typo.
    fn finish(self) {
        for key in self.map.keys() {
            self.problems
                .push((format!("{}{key}", self.prefix), "unknown field".into()));
        }
    }
}

#[cfg(test)]
#[path = "fixture_tests.rs"]
mod tests;
