//! Before Chrome starts (and in `hf fetch`): find every package and font a
//! composition needs, resolve each through the cache, and build the
//! `@font-face` rules for the families the machine lacks. Under `--offline`
//! a CDN script the cache lacks fails here, before any frame is drawn.

use std::collections::BTreeSet;
use std::path::Path;

use super::fonts::{self, Faces, FamilyRequest};
use super::{cdn, PackageUse, Packages};
use crate::compile::fonts::{aliases, normalize_html};
use crate::error::Result;

/// What a composition asks for, read from its text.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    /// CDN package URLs (scripts, styles, font files).
    pub urls: Vec<String>,
    /// Google Fonts stylesheet URLs.
    pub google: Vec<String>,
    /// Font stacks of `font-family` declarations.
    pub stacks: Vec<Vec<String>>,
    /// Families the page declares itself with `@font-face` (lower case).
    pub declared: BTreeSet<String>,
}

/// Extensions of the files whose text is searched.
const TEXT: [&str; 5] = ["html", "htm", "css", "js", "mjs"];
/// Bounds on the folder walk, so a huge project folder cannot stall.
const MAX_FILES: usize = 4000;
const MAX_BYTES: u64 = 4 << 20;

/// Read `html` (the page, sub-compositions inlined) and every HTML, CSS and
/// JS file under `dir` (the folder it is served from).
pub fn needs(html: &str, dir: &Path) -> Needs {
    // Stacks as the page draws them: a generic-first stack names Inter.
    let normalized = |text: &str| normalize_html(text).unwrap_or_else(|_| text.to_owned());
    let mut texts = vec![normalized(html)];
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = read.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            let small = p.metadata().is_ok_and(|m| m.len() <= MAX_BYTES);
            if TEXT.contains(&ext.to_ascii_lowercase().as_str()) && small && seen < MAX_FILES {
                seen += 1;
                if let Ok(text) = std::fs::read_to_string(&p) {
                    let html = matches!(ext.to_ascii_lowercase().as_str(), "html" | "htm");
                    texts.push(if html { normalized(&text) } else { text });
                }
            }
        }
    }
    let mut out = Needs::default();
    for text in &texts {
        for url in cdn::urls_in(text) {
            if !out.urls.contains(&url) {
                out.urls.push(url);
            }
        }
        for url in fonts::google_urls_in(text) {
            if !out.google.contains(&url) {
                out.google.push(url);
            }
        }
        let (stacks, declared) = fonts::families_in(text);
        for s in stacks {
            if !out.stacks.contains(&s) {
                out.stacks.push(s);
            }
        }
        out.declared.extend(declared);
    }
    out
}

/// What preparing produced.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// `@font-face` rules for families the machine lacks (may be empty).
    pub font_css: String,
    /// Families served from npm, as `Family (@fontsource/x@v)`.
    pub fonts: Vec<String>,
    /// The same families (and those of Google Fonts stylesheets), lower
    /// case: the probe's "not available" check may run before their faces
    /// load, so its warning for them is dropped.
    pub served: BTreeSet<String>,
    /// Problems that do not stop the render (a family found nowhere).
    pub warnings: Vec<String>,
}

impl Prepared {
    /// `html` with the font rules as the first thing in `<head>`.
    pub fn inject(&self, html: &str) -> String {
        if self.font_css.is_empty() {
            return html.to_owned();
        }
        let style = format!("<style id=\"hf-fonts\">\n{}</style>", self.font_css);
        let lower = html.to_ascii_lowercase();
        let at = lower
            .find("<head")
            .and_then(|h| lower[h..].find('>').map(|e| h + e + 1))
            .unwrap_or(0);
        format!("{}{style}{}", &html[..at], &html[at..])
    }
}

/// Resolve everything `needs` lists. A CDN script or Google Fonts
/// stylesheet that cannot be had is an error; a family found nowhere is a
/// warning naming the fallback drawn.
pub fn prepare(needs: &Needs, packages: &Packages) -> Result<Prepared> {
    let mut out = Prepared::default();
    for url in &needs.urls {
        if let Some((r, file)) = cdn::cdn_package_file(url) {
            if packages.file(&r, &file)?.is_none() {
                out.warnings.push(format!(
                    "{url}: the package {} has no file {file:?} (the page gets a 404)",
                    r.spec()
                ));
            }
        }
    }
    // Families named in a Google Fonts URL are served by that stylesheet
    // only if the browser applies it: an `@import` after other rules, say,
    // is ignored. So they are declared from the stacks as well (the same
    // npm files; a duplicate face is harmless), and `declared_here` only
    // keeps one stack from declaring a family twice.
    let mut declared_here: BTreeSet<String> = BTreeSet::new();
    for url in &needs.google {
        let (_, warnings) = fonts::google_css(url, packages)?;
        for req in fonts::parse_google(url) {
            let key = req.family.to_lowercase();
            if !warnings
                .iter()
                .any(|w| w.contains(&format!("\"{}\"", req.family)))
            {
                out.served.insert(key);
            }
        }
        out.warnings.extend(warnings);
    }
    for stack in &needs.stacks {
        for (i, family) in stack.iter().enumerate() {
            let key = family.to_lowercase();
            // An alias draws its canonical family even where the machine
            // has a font of that name, as in the reference.
            let alias = aliases::canonical_for(family);
            if needs.declared.contains(&key)
                || (alias.is_none() && (fonts::is_generic(family) || fonts::on_machine(family)))
            {
                break;
            }
            if !declared_here.insert(key) {
                break;
            }
            let req = FamilyRequest {
                family: family.clone(),
                faces: Faces::All,
                subsets: Vec::new(),
            };
            let fallback = || fonts::fallback(&stack[i..]);
            match fonts::font_face_css(&req, packages) {
                Ok(Some(css)) => {
                    out.font_css.push_str(&css);
                    out.served.insert(family.to_lowercase());
                    let used = packages.resolve(&req.package()).ok().flatten();
                    out.fonts.push(match used {
                        Some(r) => format!("{family} ({}@{})", r.record.name, r.record.version),
                        None => family.clone(),
                    });
                    break;
                }
                Err(e) if alias.is_some() => out.warnings.push(format!(
                    "font family \"{family}\" (the reference draws {}) cannot be served: {e}; \
                     the text is drawn in {}",
                    alias.map_or("", |c| c.family),
                    fallback()
                )),
                Ok(None) => out.warnings.push(format!(
                    "font family \"{family}\" is not available: neither on this machine nor on npm ({}); the text is drawn in {}",
                    req.package().name,
                    fallback()
                )),
                Err(e) => out.warnings.push(format!(
                    "font family \"{family}\" is not available: not on this machine, and {e}; the text is drawn in {}",
                    fallback()
                )),
            }
        }
    }
    Ok(out)
}

/// What `hf fetch` did for one composition.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The resolved set.
    pub used: Vec<PackageUse>,
    /// Families served from npm.
    pub fonts: Vec<String>,
    /// Problems worth telling (families found nowhere, missing files).
    pub warnings: Vec<String>,
}

/// Fill the cache with everything the composition at `input` needs, and
/// check every file of what it resolved.
pub fn fetch(input: &Path, packages: &Packages) -> Result<Fetched> {
    let index = crate::compile::locate_index(input)?;
    let html = std::fs::read_to_string(&index).map_err(|e| crate::Error::io(&index, e))?;
    let mut dir = index.parent().unwrap_or(Path::new(".")).to_path_buf();
    if crate::compile::subcomp::is_template_file(&html) {
        if let Some(project) = crate::compile::subcomp::project_dir(&dir) {
            dir = project;
        }
    }
    let prepared = prepare(&needs(&html, &dir), packages)?;
    packages.verify_all()?;
    Ok(Fetched {
        used: packages.used(),
        fonts: prepared.fonts,
        warnings: prepared.warnings,
    })
}
