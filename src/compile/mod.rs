//! Compile stage: read a composition's `index.html`, validate it, resolve
//! every clip's timing to absolute seconds, and inject the hf runtime.
//!
//! The compiled HTML is what Chrome loads and what the harness snapshots,
//! so every resolved time is written back as plain seconds (`data-start`,
//! `data-end`, `data-duration`), with the authored expression kept in
//! `data-hf-authored-start` when it was relative.

pub mod fonts;
pub mod media;
mod nesting;
mod rewrite;
mod runtime;
pub mod scan;
mod scoping;
mod scripts;
pub mod subcomp;
pub mod timing;
pub mod urls;
pub mod variables;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Fps;
use crate::error::{Error, Result};
use scan::ScannedElement;
use timing::{PendingClip, StartExpr};

pub use media::{AudioClip, VideoClip};
pub use rewrite::{with_child_runtime, RUNTIME_PATH};

pub use runtime::{GLOBAL as RUNTIME_GLOBAL, RUNTIME_JS};

/// The composition as hf understands it after compilation.
#[derive(Debug, Clone)]
pub struct Composition {
    /// `data-composition-id` of the root.
    pub id: String,
    /// Viewport and output width in pixels.
    pub width: u32,
    /// Viewport and output height in pixels.
    pub height: u32,
    /// Render length in seconds: the root's `data-duration`, or the length
    /// inferred in the browser ([`CompileOptions::duration`]).
    pub duration: f64,
    /// The root declares no `data-duration` and none was given: `duration`
    /// is only the latest end of the timed clips and media, and the
    /// pipeline asks the browser ([`crate::probe::infer_duration`]) before
    /// compiling again with the answer.
    pub needs_duration: bool,
    /// Frame rate used for this render.
    pub fps: Fps,
    /// The root carries `data-no-timeline`: do not wait for a timeline.
    pub no_timeline: bool,
    /// The folder the page is served from.
    pub dir: PathBuf,
    /// The source HTML file.
    pub index: PathBuf,
    /// Every timed element below the root, with its resolved window.
    pub clips: Vec<Clip>,
    /// Audio clips to mix (audio elements and audible videos).
    pub audio: Vec<AudioClip>,
    /// Video elements, whose frames the video stage supplies.
    pub videos: Vec<VideoClip>,
    /// The compiled HTML.
    pub html: String,
    /// Variable values after overrides (declared defaults first).
    pub variables: serde_json::Map<String, serde_json::Value>,
    /// Problems that do not stop the render (variable overrides).
    pub warnings: Vec<String>,
}

impl Composition {
    /// Frames in the render.
    pub fn frame_count(&self) -> u64 {
        self.fps.frame_count(self.duration)
    }
}

/// A timed element and its window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clip {
    /// Element id (media without one get `hf-audio-N` / `hf-video-N`).
    pub id: Option<String>,
    /// Lower-case tag.
    pub tag: String,
    /// Absolute start in seconds.
    pub start: f64,
    /// Absolute end, None when open-ended.
    pub end: Option<f64>,
}

/// Settings that change what compile produces.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Overrides the root's `data-fps`.
    pub fps: Option<Fps>,
    /// Variable overrides, injected before any page script.
    pub variables: Option<serde_json::Value>,
    /// Undeclared or mistyped overrides are errors, not warnings.
    pub strict_variables: bool,
    /// The render length when the root has no `data-duration` (inferred by
    /// the browser); ignored when the root declares one.
    pub duration: Option<f64>,
}

impl CompileOptions {
    /// The compile settings of a render: the in-process pipeline and
    /// `hf plan` must compile a composition identically, so both take them
    /// from here.
    pub fn of_render(opts: &crate::config::RenderOptions) -> Self {
        Self {
            fps: opts.fps,
            variables: opts.variables.clone(),
            strict_variables: opts.strict_variables,
            // A chunk of a plan renders the length the plan froze.
            duration: opts.duration,
        }
    }
}

/// Find `index.html` for an input path: a folder holding it, a fixture
/// folder whose `src/` holds it, or the file itself.
pub fn locate_index(input: &Path) -> Result<PathBuf> {
    if input.is_file() {
        return Ok(input.to_path_buf());
    }
    if !input.exists() {
        return Err(Error::Input {
            what: input.display().to_string(),
            message: "no such file or folder".into(),
        });
    }
    for candidate in [
        input.join("index.html"),
        input.join("src").join("index.html"),
    ] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(Error::Input {
        what: input.display().to_string(),
        message: "no index.html in this folder or in its src/ folder".into(),
    })
}

/// Compile the composition at `input`.
pub fn compile(input: &Path, opts: &CompileOptions) -> Result<Composition> {
    let index = locate_index(input)?;
    let index = index.canonicalize().map_err(|e| Error::io(&index, e))?;
    let mut dir = index
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut source = std::fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
    // A sub-composition file rendered on its own: its markup is in a
    // <template>, which the browser would not show, and its paths are
    // relative to the project folder, as when it is nested.
    if subcomp::is_template_file(&source) {
        source = subcomp::unwrap_template(&source)
            .map_err(|e| Error::composition(&index, None, format!("cannot parse HTML: {e}")))?;
        if let Some(project) = subcomp::project_dir(&dir) {
            dir = project;
        }
    }
    let source = ensure_document(source);
    let (source, mut warnings) = subcomp::inline(&source, &dir, &index)?;
    // A stack that starts with a generic name draws Inter, as in the
    // reference (compile/fonts says why); the faces come from the font pipeline.
    let source = fonts::normalize_html(&source)
        .map_err(|e| Error::composition(&index, None, format!("cannot parse HTML: {e}")))?;
    let found = scan::scan(&source)
        .map_err(|e| Error::composition(&index, None, format!("cannot parse HTML: {e}")))?;
    let err = |el: Option<&ScannedElement>, msg: String| {
        Error::composition(&index, el.map(ScannedElement::describe), msg)
    };

    let root_idx = found
        .elements
        .iter()
        .position(|e| {
            e.attr("data-root") == Some("true") && e.attr("data-composition-id").is_some()
        })
        .or_else(|| {
            found
                .elements
                .iter()
                .position(|e| e.attr("data-composition-id").is_some())
        })
        .ok_or_else(|| {
            err(
                None,
                "no composition root: no element carries data-composition-id. Add \
                 data-composition-id, data-width, data-height and data-duration to the \
                 element that holds the composition"
                    .into(),
            )
        })?;
    let root = &found.elements[root_idx];
    let id = root
        .attr("data-composition-id")
        .unwrap_or_default()
        .trim()
        .to_owned();
    if id.is_empty() {
        return Err(err(Some(root), "data-composition-id is empty".into()));
    }
    let width = pixel_attr(root, "data-width").map_err(|m| err(Some(root), m))?;
    let height = pixel_attr(root, "data-height").map_err(|m| err(Some(root), m))?;
    // Without data-duration the length comes from the page (timelines,
    // adapters, media), which the pipeline asks the browser for.
    let declared_len = match root.attr("data-duration") {
        None => opts.duration,
        Some(raw) => Some(timing::parse_duration(raw).map_err(|m| err(Some(root), m))?),
    };
    let authored_fps = match root.attr("data-fps") {
        Some(raw) => Some(
            raw.parse::<Fps>()
                .map_err(|e| err(Some(root), format!("data-fps: {e}")))?,
        ),
        None => None,
    };
    let fps = opts.fps.or(authored_fps).unwrap_or(Fps::int(30));
    if declared_len.is_some_and(|d| fps.frame_count(d) > (86_400.0 * fps.as_f64()).ceil() as u64) {
        return Err(err(
            Some(root),
            "data-duration is longer than 24 hours".into(),
        ));
    }

    let declared = found
        .html_attrs
        .iter()
        .find(|(k, _)| k == "data-composition-variables")
        .map(|(_, v)| v.as_str())
        .or_else(|| root.attr("data-composition-variables"));
    let decls = match declared {
        Some(raw) => variables::parse_declarations(raw).map_err(|m| err(Some(root), m))?,
        None => Vec::new(),
    };
    let (values, variable_warnings) =
        variables::resolve(&decls, opts.variables.as_ref(), opts.strict_variables).map_err(
            |message| Error::Input {
                what: "--variables".into(),
                message,
            },
        )?;
    warnings.extend(variable_warnings);

    // Every interesting element but the root is a clip.
    let mut pending = Vec::new();
    let mut media_ids = Vec::new();
    let (mut n_audio, mut n_video) = (0, 0);
    let mut probed = HashMap::new();
    for (i, el) in found.elements.iter().enumerate() {
        if i == root_idx {
            continue;
        }
        let is_media = matches!(el.tag.as_str(), "audio" | "video");
        if let Some(raw) = el.attr("data-variable-values") {
            variables::parse_instance_values(raw).map_err(|m| err(Some(el), m))?;
        }
        let id = match el.attr("id") {
            Some(id) if !id.trim().is_empty() => Some(id.trim().to_owned()),
            _ if is_media => {
                let n = if el.tag == "audio" {
                    &mut n_audio
                } else {
                    &mut n_video
                };
                *n += 1;
                Some(format!("hf-{}-{}", el.tag, n))
            }
            _ => None,
        };
        media_ids.push(id.clone());
        let start = match el.attr("data-start") {
            Some(raw) => timing::parse_start(raw).map_err(|m| err(Some(el), m))?,
            None => StartExpr::At(0.0),
        };
        let mut duration = match el.attr("data-duration") {
            Some(raw) => Some(timing::parse_duration(raw).map_err(|m| err(Some(el), m))?),
            None => None,
        };
        if is_media {
            let bound = bound_src(&found, i, &values).map_err(|m| err(Some(el), m))?;
            let source = media::probe_source(&dir, &index, el, bound.as_deref())?;
            if duration.is_none() {
                duration = Some(source.natural_duration());
            }
            probed.insert(i, source);
        }
        pending.push((
            i,
            PendingClip {
                id,
                start,
                duration,
            },
        ));
    }
    let clips_in: Vec<PendingClip> = pending.iter().map(|(_, c)| c.clone()).collect();
    let mut windows = timing::resolve(&clips_in).map_err(|e| {
        let el = &found.elements[pending[e.clip].0];
        err(Some(el), e.message)
    })?;
    let position: HashMap<usize, usize> = pending
        .iter()
        .enumerate()
        .map(|(pos, (el, _))| (*el, pos))
        .collect();
    let clocks = nesting::apply_clocks(&found, root_idx, &pending, &position, &mut windows)
        .map_err(|(el, m)| err(Some(&found.elements[el]), m))?;
    // The latest end of any timed clip or media: the length's floor when
    // the root declares none.
    let floor = windows
        .iter()
        .filter_map(|w| w.end)
        .filter(|e| e.is_finite())
        .fold(0.0f64, f64::max);
    let duration = declared_len.unwrap_or(floor);

    let clips = pending
        .iter()
        .zip(&windows)
        .map(|((el, pc), w)| Clip {
            id: pc.id.clone(),
            tag: found.elements[*el].tag.clone(),
            start: w.start,
            end: w.end,
        })
        .collect();
    let media = media::collect(
        &media::Timed {
            scan: &found,
            pending: &pending,
            windows: &windows,
            position: &position,
            clock_of: &clocks.clock_of,
            total: duration,
        },
        probed,
    );

    let values_json = serde_json::Value::Object(values.clone());
    let config = RuntimeConfig {
        id: id.as_str(),
        width,
        height,
        duration: declared_len,
        duration_floor: floor,
        fps_num: fps.num,
        fps_den: fps.den,
        no_timeline: root.attr("data-no-timeline").is_some(),
        variables: Some(&values_json),
    };
    let html = rewrite::rewrite(
        &source,
        &rewrite::Resolved {
            scan: &found,
            root_idx,
            pending: &pending,
            windows: &windows,
            videos: &media.stamps,
            host_rates: &clocks.host_rates,
        },
        &config,
        &values,
    )
    .map_err(|e| err(None, format!("cannot rewrite HTML: {e}")))?;
    let no_timeline = config.no_timeline;

    Ok(Composition {
        id,
        width,
        height,
        duration,
        needs_duration: declared_len.is_none(),
        fps,
        no_timeline,
        dir,
        index,
        clips,
        audio: media.audio,
        videos: media.videos,
        html,
        variables: values,
        warnings,
    })
}

/// A fragment (no doctype, no `<html>`) becomes a whole document with the
/// reference format's reset (no margins or padding, border-box sizing, a
/// black body that clips): without it Chrome's 8 px body margin would move
/// the root, which the runtime positions, off the frame's corner.
fn ensure_document(source: String) -> String {
    let head = source.trim_start();
    let lower = head.get(..9).unwrap_or(head).to_ascii_lowercase();
    if lower.starts_with("<!doctype") || lower.starts_with("<html") {
        return source;
    }
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n<style>*{{margin:0;padding:0;\
         box-sizing:border-box}}body{{overflow:hidden;background:#000}}</style>\n</head>\n\
         <body style=\"margin:0;overflow:hidden\">\n{source}\n</body>\n</html>\n"
    )
}

/// What the in-page runtime is told about the composition.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RuntimeConfig<'a> {
    id: &'a str,
    width: u32,
    height: u32,
    /// None when the root declares no length: the runtime infers it.
    duration: Option<f64>,
    /// Latest end of the timed clips and media.
    duration_floor: f64,
    fps_num: u32,
    fps_den: u32,
    no_timeline: bool,
    variables: Option<&'a serde_json::Value>,
}

fn pixel_attr(el: &ScannedElement, name: &str) -> std::result::Result<u32, String> {
    let raw = el
        .attr(name)
        .ok_or_else(|| format!("the composition root has no {name} (pixels)"))?;
    match raw.trim().parse::<u32>() {
        Ok(v) if (2..=8192).contains(&v) && v % 2 == 0 => Ok(v),
        Ok(v) if v % 2 == 1 => Err(format!(
            "{name}=\"{raw}\" is odd; H.264 with 4:2:0 chroma needs even sizes"
        )),
        _ => Err(format!(
            "{name}=\"{raw}\" must be an even whole number of pixels, 2..=8192"
        )),
    }
}

/// Seconds as the shortest exact-enough decimal (`1.5`, `0.333333`).
pub fn fmt_secs(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

/// The file a media element's `data-var-src` binds it to: the variable's
/// value from the nearest host's `data-variable-values` that has it, else
/// from the composition's values. None without a binding (or when the
/// variable has no value: the authored `src` stays).
fn bound_src(
    scan: &scan::Scan,
    el_idx: usize,
    values: &serde_json::Map<String, serde_json::Value>,
) -> std::result::Result<Option<String>, String> {
    let Some(name) = scan.elements[el_idx].attr("data-var-src").map(str::trim) else {
        return Ok(None);
    };
    let mut parent = scan.elements[el_idx].parent;
    while let Some(p) = parent {
        if let Some(raw) = scan.elements[p].attr("data-variable-values") {
            if let Some(v) = variables::parse_instance_values(raw)?.get(name) {
                return Ok(Some(variables::as_text(v)));
            }
        }
        parent = scan.elements[p].parent;
    }
    Ok(values.get(name).map(variables::as_text))
}
