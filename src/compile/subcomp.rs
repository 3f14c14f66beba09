//! Nested compositions: hosts carrying `data-composition-src` are inlined
//! at compile time, to any depth. The source file wraps its markup, styles
//! and scripts in `<template>`; its styles are wrapped in `@scope` on the
//! host so they cannot leak into the parent. The host keeps the file name
//! as `data-composition-file`.

use std::cell::RefCell;
use std::path::Path;

use lol_html::html_content::ContentType;
use lol_html::{element, rewrite_str, RewriteStrSettings};

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

fn scope_styles(html: &str, id: &str) -> std::result::Result<String, String> {
    let open = format!(
        "@scope ([data-composition-id=\"{}\"]) {{\n",
        id.replace('"', "")
    );
    // Bound to a name so the handler's borrow of `open` ends before `open`
    // is dropped (a tail expression's temporaries outlive the locals).
    #[allow(clippy::let_and_return)]
    let scoped = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![element!("style", |el| {
                el.prepend(&open, ContentType::Html);
                el.append("\n}", ContentType::Html);
                Ok(())
            })],
            ..RewriteStrSettings::new()
        },
    )
    .map_err(|e| e.to_string());
    scoped
}

/// Inline every `data-composition-src` host of `html`, whose paths are
/// relative to `dir` (the composition folder). Also returns warnings: a
/// file without its own root element (`data-composition-id` equal to the
/// host's) renders in hf, but the reference renderer would not seek its
/// timeline, so the author hears of it.
pub fn inline(html: &str, dir: &Path, index: &Path) -> Result<(String, Vec<String>)> {
    let mut current = html.to_owned();
    let warnings: RefCell<Vec<String>> = RefCell::new(Vec::new());
    for _ in 0..MAX_DEPTH {
        let failure: RefCell<Option<Error>> = RefCell::new(None);
        let inlined = RefCell::new(0usize);
        let next = rewrite_str(
            &current,
            RewriteStrSettings {
                element_content_handlers: vec![element!("[data-composition-src]", |el| {
                    let src = el.get_attribute("data-composition-src").unwrap_or_default();
                    let id = el.get_attribute("data-composition-id").unwrap_or_default();
                    let describe = format!("<{} data-composition-src=\"{src}\">", el.tag_name());
                    match load(dir, &src, &id) {
                        Ok((content, has_root)) => {
                            if !has_root {
                                let w = format!(
                                    "{src} has no root element with data-composition-id=\"{id}\" \
                                     (and data-width, data-height, data-duration) inside its \
                                     <template>; hf renders it, but HyperFrames would not seek \
                                     its timeline"
                                );
                                let mut ws = warnings.borrow_mut();
                                if !ws.contains(&w) {
                                    ws.push(w);
                                }
                            }
                            el.set_inner_content(&content, ContentType::Html);
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
        current = next;
    }
    Err(Error::composition(
        index,
        None,
        format!(
            "sub-compositions nest deeper than {MAX_DEPTH} levels: a composition includes itself"
        ),
    ))
}

/// The file's content, styles scoped to the host, and whether it has its
/// own root element.
fn load(dir: &Path, src: &str, id: &str) -> std::result::Result<(String, bool), String> {
    if id.trim().is_empty() {
        return Err("a data-composition-src host needs a data-composition-id matching the file's composition".into());
    }
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
    let has_root = super::scan::scan(&body)?.elements.iter().any(|e| {
        e.attr("data-composition-id").map(str::trim) == Some(id.trim())
            && e.attr("data-duration").is_some()
    });
    Ok((scope_styles(&body, id)?, has_root))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlines_nested_files_and_scopes_their_styles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.html"),
            r#"<template><style>.x{color:red}</style><div class="x" data-composition-id="b" data-composition-src="b.html" data-start="0.5" data-duration="1"></div></template>"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.html"),
            r#"<template><p id="deep">hi</p></template>"#,
        )
        .unwrap();
        let html = r#"<div data-composition-id="a" data-composition-src="a.html" data-start="1" data-duration="2"></div>"#;
        let (out, warnings) = inline(html, dir.path(), &dir.path().join("index.html")).unwrap();
        assert_eq!(
            warnings.len(),
            2,
            "neither file has its own root: {warnings:?}"
        );
        assert!(
            warnings[0].contains("a.html") && warnings[0].contains("data-composition-id=\"a\"")
        );
        assert!(out.contains(r#"<p id="deep">hi</p>"#), "{out}");
        assert!(
            out.contains(r#"@scope ([data-composition-id="a"])"#),
            "{out}"
        );
        assert!(out.contains(r#"data-composition-file="a.html""#), "{out}");
        assert!(!out.contains("data-composition-src"), "{out}");
        assert!(!out.contains("<template"), "{out}");
    }

    #[test]
    fn a_self_including_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("loop.html"),
            r#"<template><div data-composition-id="l" data-composition-src="loop.html"></div></template>"#,
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
