//! Nested compositions: hosts carrying `data-composition-src` are inlined
//! at compile time, to any depth, in the shape HyperFrames gives them (so
//! a composition lays out the same in both): the file wraps its markup,
//! styles and scripts in `<template>`; its root element stays as a sized
//! wrapper below the host, and its styles are scoped to the host
//! (see `scoping`). The host keeps the file name as
//! `data-composition-file`.

use std::cell::RefCell;
use std::path::Path;

use lol_html::html_content::ContentType;
use lol_html::{element, rewrite_str, text, RewriteStrSettings};

use super::scoping::{self, Scope};
use super::scripts::{
    at_body_end, deferred_runner, is_executable, script_sources, MovedScript, DEFERRED_TYPE,
};
use super::urls;
use crate::error::{Error, Result};

/// Deeper nesting than this is taken for a cycle.
const MAX_DEPTH: usize = 16;

/// Replace every `<template>` by its content (a sub-composition file as it
/// is served to the browser, which never renders template content).
pub fn unwrap_template(html: &str) -> std::result::Result<String, String> {
    rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![element!("template", |el| {
                el.remove_and_keep_content();
                Ok(())
            })],
            ..RewriteStrSettings::new()
        },
    )
    .map_err(|e| e.to_string())
}

/// True when the first element of `html` is a `<template>`: a
/// sub-composition file rendered on its own.
pub fn is_template_file(html: &str) -> bool {
    let first = RefCell::new(None::<String>);
    let _ = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![element!("*", |el| {
                let mut f = first.borrow_mut();
                if f.is_none() {
                    *f = Some(el.tag_name().to_ascii_lowercase());
                }
                Ok(())
            })],
            ..RewriteStrSettings::new()
        },
    );
    first.into_inner().as_deref() == Some("template")
}

/// The project folder of a sub-composition file in `dir`: the nearest
/// folder above it holding an `index.html`, whose paths the file's own
/// paths are relative to. None when there is none (the file's folder is
/// then the root).
pub fn project_dir(dir: &Path) -> Option<std::path::PathBuf> {
    dir.ancestors()
        .skip(1)
        .take(4)
        .find(|d| d.join("index.html").is_file())
        .map(Path::to_path_buf)
}

/// Attributes of a file's root element that its host carries once it is
/// inlined: its timing and where it came from.
const MOVED_TO_HOST: [&str; 9] = [
    "data-composition-file",
    "data-composition-src",
    "data-start",
    "data-duration",
    "data-end",
    "data-track-index",
    "data-track",
    "data-hf-authored-duration",
    "data-hf-authored-end",
];

/// What a host says about the composition it mounts.
#[derive(Default)]
struct Host {
    id: Option<String>,
    width: Option<String>,
    height: Option<String>,
    start: Option<String>,
    duration: Option<String>,
    style: Option<String>,
}

impl Host {
    fn of(el: &lol_html::html_content::Element<'_, '_>) -> Self {
        Host {
            id: el
                .get_attribute("data-composition-id")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
            width: el.get_attribute("data-width"),
            height: el.get_attribute("data-height"),
            start: el.get_attribute("data-start"),
            duration: el.get_attribute("data-duration"),
            style: el.get_attribute("style"),
        }
    }
}

/// A file ready to go inside its host.
struct Inlined {
    content: String,
    /// The file's executable scripts, taken out of the content: they run
    /// at the end of the page's `<body>`, after its own scripts.
    scripts: Vec<String>,
    /// Attributes the host gains (its size, from the file's root).
    host_attrs: Vec<(&'static str, String)>,
    warning: Option<String>,
}

/// Inline every `data-composition-src` host of `html`, whose paths are
/// relative to `dir` (the composition folder), as HyperFrames does: the
/// file's root element (the one whose `data-composition-id` the host names,
/// else the first) stays as a wrapper below the host, sized explicitly
/// (`data-width`/`data-height` in pixels, else 100%) and marked
/// `data-hf-inner-root`, so `height: 100%` and flex centering inside it
/// resolve against the composition's size. It hands its timing and, when
/// the host has one, its id to the host; a host without
/// `data-composition-id` leaves the id (and gives its own window) to the
/// wrapper. The host takes the root's size when it has none, and gets it
/// as an inline width and height. The file's scripts run after the page's
/// own, at the end of `<body>` (as in the reference, so a page that loads
/// GSAP below its hosts still has it when they run), and a `<script src>`
/// the page already loads is not loaded again. Also returns warnings: a
/// file without the root its host names renders as is.
pub fn inline(html: &str, dir: &Path, index: &Path) -> Result<(String, Vec<String>)> {
    let mut current = html.to_owned();
    let warnings: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let deferred = std::cell::Cell::new(0usize);
    for depth in 0..MAX_DEPTH {
        let failure: RefCell<Option<Error>> = RefCell::new(None);
        let inlined = RefCell::new(0usize);
        let loaded = RefCell::new(script_sources(&current));
        let moved: RefCell<Vec<String>> = RefCell::new(Vec::new());
        let next = rewrite_str(
            &current,
            RewriteStrSettings {
                element_content_handlers: vec![element!("[data-composition-src]", |el| {
                    let src = el.get_attribute("data-composition-src").unwrap_or_default();
                    let describe = format!("<{} data-composition-src=\"{src}\">", el.tag_name());
                    match load(
                        dir,
                        &src,
                        &Host::of(el),
                        &loaded.borrow(),
                        depth == 0,
                        &deferred,
                    ) {
                        Ok(file) => {
                            if let Some(w) = file.warning {
                                let mut ws = warnings.borrow_mut();
                                if !ws.contains(&w) {
                                    ws.push(w);
                                }
                            }
                            for (name, value) in &file.host_attrs {
                                el.set_attribute(name, value)?;
                            }
                            el.set_inner_content(&file.content, ContentType::Html);
                            moved.borrow_mut().extend(file.scripts);
                            el.remove_attribute("data-composition-src");
                            el.set_attribute("data-composition-file", &src)?;
                            *inlined.borrow_mut() += 1;
                        }
                        Err(message) => {
                            failure.borrow_mut().get_or_insert_with(|| {
                                Error::composition(index, Some(describe), message)
                            });
                        }
                    }
                    Ok(())
                })],
                ..RewriteStrSettings::new()
            },
        )
        .map_err(|e| {
            Error::composition(index, None, format!("cannot inline sub-compositions: {e}"))
        })?;
        if let Some(e) = failure.into_inner() {
            return Err(e);
        }
        if inlined.into_inner() == 0 {
            return Ok((next, warnings.into_inner()));
        }
        current = at_body_end(next, &moved.into_inner().concat());
    }
    Err(Error::composition(
        index,
        None,
        format!(
            "sub-compositions nest deeper than {MAX_DEPTH} levels: a composition includes itself"
        ),
    ))
}

/// Read the host's file and shape it for the host.
/// `in_index`: the host is written in the composition's own file (only
/// those get an inline pixel size, as in the reference; a host inside a
/// sub-composition is sized by its styles).
fn load(
    dir: &Path,
    src: &str,
    host: &Host,
    loaded: &[String],
    in_index: bool,
    deferred: &std::cell::Cell<usize>,
) -> std::result::Result<Inlined, String> {
    let rel = Path::new(src.trim().trim_start_matches("./").trim_start_matches('/'));
    if rel
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(format!(
            "data-composition-src=\"{src}\" must stay inside the composition folder"
        ));
    }
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let body = unwrap_template(&text)?;
    let found = super::scan::scan(&body)?;
    let roots: Vec<_> = found
        .elements
        .iter()
        .filter_map(|e| e.attr("data-composition-id").map(|id| (e, id.trim())))
        .collect();
    let root_pos = match &host.id {
        Some(h) => roots.iter().position(|(_, id)| id == h),
        None => (!roots.is_empty()).then_some(0),
    };
    let root = root_pos.map(|i| roots[i].0);
    let warning = match (&host.id, root) {
        (Some(h), None) => Some(format!(
            "{src} has no root element with data-composition-id=\"{h}\" inside its \
             <template>; hf inlines its content as it is"
        )),
        _ => None,
    };
    let mut host_attrs = Vec::new();
    let dim = |own: &Option<String>, name: &'static str| {
        own.clone()
            .or_else(|| root.and_then(|r| r.attr(name)).map(str::to_owned))
    };
    let (width, height) = (
        dim(&host.width, "data-width"),
        dim(&host.height, "data-height"),
    );
    if host.width.is_none() {
        host_attrs.extend(width.clone().map(|w| ("data-width", w)));
    }
    if host.height.is_none() {
        host_attrs.extend(height.clone().map(|h| ("data-height", h)));
    }
    if let (Some(w), Some(h), true) = (&width, &height, in_index) {
        host_attrs.extend(sized_style(host.style.as_deref(), w, h).map(|s| ("style", s)));
    }
    let scope = scope_for(host.id.as_deref(), root_pos.map(|i| roots[i].1));
    let base = rel
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    let shaped = Shape {
        root_pos,
        host,
        loaded,
        scope: scope.as_ref(),
        base: &base,
        dir,
        deferred,
    };
    shaped.apply(&body).map(|(content, scripts)| Inlined {
        content,
        scripts,
        host_attrs,
        warning,
    })
}

/// The host's style with an explicit pixel width and height added (each
/// only when the style names none), or None when it needs neither.
fn sized_style(style: Option<&str>, w: &str, h: &str) -> Option<String> {
    let existing = style.unwrap_or("").trim();
    let add: Vec<String> = [("width", w), ("height", h)]
        .into_iter()
        .filter(|(name, _)| !existing.contains(name))
        .map(|(name, v)| format!("{name}:{}px", v.trim()))
        .collect();
    if add.is_empty() {
        return None;
    }
    Some(match existing {
        "" => add.join(";"),
        e => format!("{};{}", e.trim_end_matches(';'), add.join(";")),
    })
}

/// Where the file's styles apply: under the host, the box being the
/// wrapper; for a host without an id, under the wrapper itself. None when
/// neither names a composition.
fn scope_for(host_id: Option<&str>, root_id: Option<&str>) -> Option<Scope> {
    let attr = |id: &str| format!("[data-composition-id=\"{}\"]", css_string(id));
    match (host_id, root_id) {
        (Some(h), Some(_)) => Some(Scope {
            under: attr(h),
            boxed: format!("{} > [data-hf-inner-root]", attr(h)),
            id: h.to_owned(),
        }),
        (Some(id), None) | (None, Some(id)) => Some(Scope {
            under: attr(id),
            boxed: attr(id),
            id: id.to_owned(),
        }),
        (None, None) => None,
    }
}

fn css_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// How one file's markup is shaped to go inside its host.
struct Shape<'a> {
    /// Which `[data-composition-id]` element is the file's root.
    root_pos: Option<usize>,
    host: &'a Host,
    /// `<script src>` values the page loaded above the host.
    loaded: &'a [String],
    scope: Option<&'a Scope>,
    /// The file's folder, relative to the composition folder (`/`-joined):
    /// its relative URLs are rebased onto it.
    base: &'a str,
    /// The composition folder, where a rebased plain path must exist.
    dir: &'a Path,
    /// The next id for a deferred inline script (shared by every file of
    /// the composition, so ids are unique and the same on every compile).
    deferred: &'a std::cell::Cell<usize>,
}

/// Attributes holding one URL that the browser resolves against the
/// document (`srcset` and `style` are rebased separately).
/// (`data-composition-src` stays relative to the project's root at every
/// depth, as in the reference.)
const URL_ATTRS: [&str; 3] = ["src", "href", "poster"];

impl Shape<'_> {
    /// The file's markup as it goes inside the host: its root made the
    /// wrapper, scripts the page already loaded dropped, relative URLs
    /// rebased onto the composition folder, styles scoped.
    /// Returns the content and the scripts taken out of it.
    fn apply(&self, body: &str) -> std::result::Result<(String, Vec<String>), String> {
        let seen = RefCell::new(0usize);
        let css = RefCell::new(String::new());
        let scripts: RefCell<Vec<String>> = RefCell::new(Vec::new());
        let base = self.base;
        let dir = self.dir;
        let exists = move |rel: &str| {
            let decoded = crate::capture::serve::percent_decode(rel);
            dir.join(decoded).exists()
        };
        // Bound to a name so the handlers' borrows end before the locals drop.
        #[allow(clippy::let_and_return)]
        let shaped = rewrite_str(
            body,
            RewriteStrSettings {
                element_content_handlers: vec![
                    element!("[data-composition-id]", |el| {
                        let n = *seen.borrow();
                        *seen.borrow_mut() += 1;
                        if Some(n) == self.root_pos {
                            make_wrapper(el, self.host)?;
                        }
                        Ok(())
                    }),
                    element!("*", |el| {
                        rebase_attrs(el, base, &exists)?;
                        Ok(())
                    }),
                    element!("script", |el| {
                        if !is_executable(el.get_attribute("type").as_deref()) {
                            return Ok(());
                        }
                        let Some(src) = el.get_attribute("src") else {
                            // Inline: it stays where it is, inert, and runs
                            // later from there (see `deferred_runner`).
                            let id = self.deferred.get();
                            self.deferred.set(id + 1);
                            el.set_attribute("type", DEFERRED_TYPE)?;
                            el.set_attribute("data-hf-deferred", &id.to_string())?;
                            scripts.borrow_mut().push(deferred_runner(id));
                            return Ok(());
                        };
                        if !self.loaded.contains(&src.trim().to_owned()) {
                            scripts.borrow_mut().push(MovedScript::of(el).html());
                        }
                        el.remove();
                        Ok(())
                    }),
                    text!("style", |t| {
                        css.borrow_mut().push_str(t.as_str());
                        if t.last_in_text_node() {
                            let rebased = urls::rebase_css(&css.borrow(), base, &exists);
                            let out = match self.scope {
                                Some(scope) => scoping::scope_css(&rebased, scope),
                                None => rebased,
                            };
                            t.replace(&out, ContentType::Html);
                            css.borrow_mut().clear();
                        } else {
                            t.remove();
                        }
                        Ok(())
                    }),
                ],
                ..RewriteStrSettings::new()
            },
        )
        .map_err(|e| e.to_string());
        shaped.map(|content| (content, scripts.into_inner()))
    }
}

/// Rebase the URL attributes of one element of a file in folder `base`.
fn rebase_attrs(
    el: &mut lol_html::html_content::Element<'_, '_>,
    base: &str,
    exists: &dyn Fn(&str) -> bool,
) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if base.is_empty() {
        return Ok(());
    }
    for name in URL_ATTRS {
        if let Some(v) = el
            .get_attribute(name)
            .and_then(|v| urls::rebase(&v, base, exists))
        {
            el.set_attribute(name, &v)?;
        }
    }
    if let Some(v) = el
        .get_attribute("srcset")
        .and_then(|v| urls::rebase_srcset(&v, base, exists))
    {
        el.set_attribute("srcset", &v)?;
    }
    if let Some(style) = el.get_attribute("style") {
        let rebased = urls::rebase_css(&style, base, exists);
        if rebased != style {
            el.set_attribute("style", &rebased)?;
        }
    }
    Ok(())
}

/// Turn the file's root element into the wrapper below its host.
fn make_wrapper(
    el: &mut lol_html::html_content::Element<'_, '_>,
    host: &Host,
) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let size = |name: &str| {
        el.get_attribute(name)
            .map(|v| format!("{}px", v.trim()))
            .unwrap_or_else(|| "100%".into())
    };
    let fill = format!(
        "width:{};height:{}",
        size("data-width"),
        size("data-height")
    );
    let style = match el.get_attribute("style").map(|s| s.trim().to_owned()) {
        Some(s) if !s.is_empty() => format!("{};{fill}", s.trim_end_matches(';')),
        _ => fill,
    };
    for name in MOVED_TO_HOST {
        el.remove_attribute(name);
    }
    if host.id.is_some() {
        el.remove_attribute("data-composition-id");
    } else {
        // The wrapper is the composition: it runs on its host's window.
        for (name, value) in [
            ("data-start", &host.start),
            ("data-duration", &host.duration),
        ] {
            if let Some(v) = value {
                el.set_attribute(name, v)?;
            }
        }
    }
    el.set_attribute("data-hf-inner-root", "true")?;
    el.set_attribute("style", &style)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlines_nested_files_and_scopes_their_styles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.html"),
            r#"<template><div id="a-root" data-composition-id="a" data-width="200" data-height="100" data-start="9"><style>[data-composition-id="a"]{display:flex} .x{color:red}</style><div class="x" data-composition-id="b" data-composition-src="b.html" data-start="0.5" data-duration="1"></div></div></template>"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.html"),
            r#"<template><p id="deep">hi</p></template>"#,
        )
        .unwrap();
        let html = r#"<div data-composition-id="a" data-composition-src="a.html" data-start="1" data-duration="2"></div>"#;
        let (out, warnings) = inline(html, dir.path(), &dir.path().join("index.html")).unwrap();
        assert_eq!(warnings.len(), 1, "b.html has no root: {warnings:?}");
        assert!(
            warnings[0].contains("b.html") && warnings[0].contains("data-composition-id=\"b\"")
        );
        assert!(out.contains(r#"<p id="deep">hi</p>"#), "{out}");
        let host = r#"<div data-composition-id="a" data-start="1" data-duration="2" data-width="200" data-height="100" style="width:200px;height:100px" data-composition-file="a.html">"#;
        let wrapper = r#"<div id="a-root" data-width="200" data-height="100" data-hf-inner-root="true" style="width:200px;height:100px">"#;
        assert!(out.contains(&format!("{host}{wrapper}")), "{out}");
        assert!(
            out.contains(r#"[data-composition-id="a"] > [data-hf-inner-root]{display:flex} [data-composition-id="a"] .x{color:red}"#),
            "{out}"
        );
        assert!(out.contains(r#"data-composition-file="b.html""#), "{out}");
        assert!(!out.contains("data-composition-src"), "{out}");
        assert!(!out.contains("<template"), "{out}");
    }

    #[test]
    fn an_anonymous_host_leaves_the_id_and_its_window_to_the_wrapper() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.html"),
            r#"<template><div data-composition-id="t" data-duration="9"><style>[data-composition-id="t"]{display:flex}</style><script src="lib.js"></script><script src="own.js"></script></div></template>"#,
        )
        .unwrap();
        let html = r#"<script src="lib.js"></script><div id="h" data-composition-src="t.html" data-start="2" data-duration="3"></div>"#;
        let (out, warnings) = inline(html, dir.path(), &dir.path().join("index.html")).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(
            out.contains(r#"<div data-composition-id="t" data-start="2" data-duration="3" data-hf-inner-root="true" style="width:100%;height:100%">"#),
            "{out}"
        );
        assert!(
            out.contains(r#"<style>[data-composition-id="t"]{display:flex}</style>"#),
            "{out}"
        );
        assert_eq!(out.matches("lib.js").count(), 1, "loaded once: {out}");
        assert!(out.contains("own.js"), "{out}");
    }

    #[test]
    fn a_self_including_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("loop.html"),
            r#"<template><div data-composition-id="l"><div data-composition-id="l" data-composition-src="loop.html"></div></div></template>"#,
        )
        .unwrap();
        let html = r#"<div data-composition-id="l" data-composition-src="loop.html"></div>"#;
        let err = inline(html, dir.path(), &dir.path().join("index.html")).unwrap_err();
        assert!(err.to_string().contains("nest deeper"), "{err}");
    }

    #[test]
    fn detects_template_files() {
        assert!(is_template_file(
            "<!-- c --><template><div></div></template>"
        ));
        assert!(!is_template_file(
            "<html><body><template></template></body></html>"
        ));
    }
}
