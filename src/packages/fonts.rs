//! Fonts from npm: a Google Fonts stylesheet (`fonts.googleapis.com/css2?…`
//! or `css?…`) and a family the page names but the machine lacks both
//! resolve to the family's `@fontsource` package (`@fontsource-variable`
//! for a weight range), and hf answers with `@font-face` rules whose files
//! are CDN URLs of that package, served from the cache like any script.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::OnceLock;

use super::cdn::NpmRef;
use super::Packages;
use crate::compile::fonts::aliases;
use crate::error::Result;

/// `normal` or `italic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Style {
    /// Upright.
    Normal,
    /// Italic.
    Italic,
}

impl Style {
    fn css(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Italic => "italic",
        }
    }
}

/// The faces a page asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Faces {
    /// Every weight and style the package has (a family named in CSS).
    All,
    /// These static (weight, style) faces.
    Static(BTreeSet<(u16, Style)>),
    /// A weight range of the variable font, in these styles.
    Variable {
        /// Lightest weight.
        lo: u16,
        /// Boldest weight.
        hi: u16,
        /// Styles asked for.
        styles: BTreeSet<Style>,
    },
}

/// One family a stylesheet URL or the page's CSS asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyRequest {
    /// The family as the page writes it (`Open Sans`).
    pub family: String,
    /// Which faces.
    pub faces: Faces,
    /// Subsets asked for (empty: every subset, each with its unicode-range).
    pub subsets: Vec<String>,
}

impl FamilyRequest {
    /// The `@fontsource` package of the family. A family the reference
    /// aliases (`Arial`, `Segoe UI`, `Inter` itself) takes its canonical
    /// family's package at the version the reference bundles
    /// ([`crate::compile::fonts::aliases`]); the faces keep the authored name.
    pub fn package(&self) -> NpmRef {
        let variable = matches!(self.faces, Faces::Variable { .. });
        if let Some(c) = aliases::canonical_for(&self.family).filter(|_| !variable) {
            return NpmRef {
                name: c.package(),
                version: Some(c.version.to_owned()),
            };
        }
        let scope = if variable {
            "@fontsource-variable"
        } else {
            "@fontsource"
        };
        NpmRef {
            name: format!("{scope}/{}", family_id(&self.family)),
            version: None,
        }
    }
}

/// Fontsource's id of a family: lower case, spaces as hyphens.
pub fn family_id(family: &str) -> String {
    family
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// True for a Google Fonts stylesheet URL.
pub fn is_google_css(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("//"))
        .unwrap_or("");
    rest.starts_with("fonts.googleapis.com/css?") || rest.starts_with("fonts.googleapis.com/css2?")
}

/// Every Google Fonts stylesheet URL in `text`, in order, without repeats.
pub fn google_urls_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("fonts.googleapis.com/css") {
        let start = text[..i]
            .rfind(|c: char| "\"'( \n".contains(c))
            .map_or(0, |s| s + 1);
        let end = text[i..]
            .find(|c: char| c.is_whitespace() || "\"')<>".contains(c))
            .map_or(text.len(), |e| i + e);
        let url = text[start..end].replace("&amp;", "&");
        let url = if url.starts_with("//") {
            format!("https:{url}")
        } else {
            url
        };
        if is_google_css(&url) && !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// The families a Google Fonts stylesheet URL asks for.
pub fn parse_google(url: &str) -> Vec<FamilyRequest> {
    let css2 = url.contains("/css2?");
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    let params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            (
                k.to_owned(),
                crate::capture::serve::percent_decode(&v.replace('+', " ")),
            )
        })
        .collect();
    let subsets: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "subset")
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_owned()))
        .filter(|s| !s.is_empty())
        .collect();
    let mut out = Vec::new();
    for (_, value) in params.iter().filter(|(k, _)| k == "family") {
        let families: Vec<&str> = if css2 {
            vec![value.as_str()]
        } else {
            value.split('|').collect()
        };
        for f in families {
            let (name, spec) = f.split_once(':').unwrap_or((f, ""));
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let faces = if css2 {
                css2_faces(spec)
            } else {
                css1_faces(spec)
            };
            out.push(FamilyRequest {
                family: name.to_owned(),
                faces,
                subsets: subsets.clone(),
            });
        }
    }
    out
}

/// `ital,wght@0,400;1,700`, `wght@100..900`, `ital@1`, or nothing.
fn css2_faces(spec: &str) -> Faces {
    let Some((axes, tuples)) = spec.split_once('@') else {
        return Faces::Static([(400, Style::Normal)].into());
    };
    let axes: Vec<&str> = axes.split(',').collect();
    let ital = axes.iter().position(|a| *a == "ital");
    let wght = axes.iter().position(|a| *a == "wght");
    let mut faces = BTreeSet::new();
    let mut range: Option<(u16, u16)> = None;
    let mut styles = BTreeSet::new();
    for tuple in tuples.split(';') {
        let values: Vec<&str> = tuple.split(',').collect();
        let style = match ital.and_then(|i| values.get(i)) {
            Some(&"1") => Style::Italic,
            _ => Style::Normal,
        };
        styles.insert(style);
        let w = wght.and_then(|i| values.get(i)).copied().unwrap_or("400");
        if let Some((lo, hi)) = w.split_once("..") {
            if let (Ok(lo), Ok(hi)) = (lo.parse(), hi.parse()) {
                range = Some((lo, hi));
            }
        } else if let Ok(w) = w.parse() {
            faces.insert((w, style));
        }
    }
    match range {
        Some((lo, hi)) => Faces::Variable { lo, hi, styles },
        None => Faces::Static(faces),
    }
}

/// `400,700italic`, `300i`, `bold`, `regular`, or nothing.
fn css1_faces(spec: &str) -> Faces {
    let mut faces = BTreeSet::new();
    for token in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let t = token.to_ascii_lowercase();
        let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
        let rest = &t[digits.len()..];
        let weight = match (digits.parse::<u16>(), rest) {
            (Ok(w), _) => w,
            (_, r) if r.starts_with("bold") => 700,
            _ => 400,
        };
        let style = if rest.ends_with("italic") || rest == "i" {
            Style::Italic
        } else {
            Style::Normal
        };
        faces.insert((weight, style));
    }
    if faces.is_empty() {
        faces.insert((400, Style::Normal));
    }
    Faces::Static(faces)
}

/// `@font-face` rules for `req`, whose files are CDN URLs of its resolved
/// package: Ok(None) when npm has no such family.
pub fn font_face_css(req: &FamilyRequest, packages: &Packages) -> Result<Option<String>> {
    let r = req.package();
    let Some(res) = packages.resolve(&r)? else {
        return Ok(None);
    };
    let exact = NpmRef {
        name: res.record.name.clone(),
        version: Some(res.record.version.clone()),
    };
    let json = |file: &str| -> Result<serde_json::Value> {
        Ok(packages
            .file(&exact, file)?
            .and_then(|(b, _)| serde_json::from_slice(&b).ok())
            .unwrap_or(serde_json::Value::Null))
    };
    let meta = json("metadata.json")?;
    let ranges = json("unicode.json")?;
    let id = meta["id"]
        .as_str()
        .map_or_else(|| family_id(&req.family), str::to_owned);
    let strs = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut subsets = strs(&meta["subsets"]);
    if !req.subsets.is_empty() {
        subsets.retain(|s| req.subsets.contains(s));
    }
    let styles: Vec<Style> = strs(&meta["styles"])
        .iter()
        .map(|s| {
            if s == "italic" {
                Style::Italic
            } else {
                Style::Normal
            }
        })
        .collect();
    let weights: Vec<u16> = meta["weights"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|w| w.as_u64())
                .map(|w| w as u16)
                .collect()
        })
        .unwrap_or_default();
    // (file suffix, css weight, style) of each face to declare.
    let faces: Vec<(String, String, Style)> = match &req.faces {
        Faces::All => weights
            .iter()
            .flat_map(|w| {
                styles
                    .iter()
                    .map(move |s| (w.to_string(), w.to_string(), *s))
            })
            .collect(),
        Faces::Static(set) => set
            .iter()
            .map(|(w, s)| (w.to_string(), w.to_string(), *s))
            .collect(),
        Faces::Variable { lo, hi, styles } => styles
            .iter()
            .map(|s| ("wght".to_owned(), format!("{lo} {hi}"), *s))
            .collect(),
    };
    let mut css = format!(
        "/* {} from {}@{} */\n",
        req.family, res.record.name, res.record.version
    );
    for (suffix, weight, style) in &faces {
        for subset in &subsets {
            let file = format!("files/{id}-{subset}-{suffix}-{}.woff2", style.css());
            if packages.file(&exact, &file)?.is_none() {
                continue;
            }
            let range = ranges[subset.as_str()]
                .as_str()
                .map(|r| format!(" unicode-range: {r};"))
                .unwrap_or_default();
            css.push_str(&format!(
                "@font-face {{ font-family: '{}'; font-style: {}; font-weight: {weight}; font-display: block; \
                 src: url(https://cdn.jsdelivr.net/npm/{}@{}/{file}) format('woff2');{range} }}\n",
                req.family.replace('\'', "\\'"),
                style.css(),
                res.record.name,
                res.record.version,
            ));
        }
    }
    Ok(Some(css))
}

/// The CSS hf answers a Google Fonts stylesheet URL with, and a warning per
/// family npm lacks.
pub fn google_css(url: &str, packages: &Packages) -> Result<(String, Vec<String>)> {
    let mut css = String::new();
    let mut warnings = Vec::new();
    for req in parse_google(url) {
        match font_face_css(&req, packages)? {
            Some(rules) => css.push_str(&rules),
            None => warnings.push(format!(
                "font family \"{}\" from {url} is not on npm ({}); the text falls back to {}",
                req.family,
                req.package().name,
                fallback(&[])
            )),
        }
    }
    Ok((css, warnings))
}

/// Generic CSS families (never fetched).
pub fn is_generic(family: &str) -> bool {
    let f = family.to_ascii_lowercase();
    matches!(
        f.as_str(),
        "serif"
            | "sans-serif"
            | "monospace"
            | "cursive"
            | "fantasy"
            | "system-ui"
            | "emoji"
            | "math"
            | "fangsong"
            | "-apple-system"
            | "blinkmacsystemfont"
            | "inherit"
            | "initial"
            | "unset"
            | "revert"
    ) || f.starts_with("ui-")
        || f.starts_with("var(")
}

/// The font stacks `font-family` declarations in `text` name (outside
/// `@font-face`), and the families `@font-face` rules declare.
pub fn families_in(text: &str) -> (Vec<Vec<String>>, BTreeSet<String>) {
    let mut stacks = Vec::new();
    let mut declared = BTreeSet::new();
    let lower = text.to_ascii_lowercase();
    for (i, _) in lower.match_indices("font-family") {
        let after = &text[i + "font-family".len()..];
        let Some(value) = after.trim_start().strip_prefix(':') else {
            continue;
        };
        let end = value.find([';', '}', '<', '\n']).unwrap_or(value.len());
        let stack = split_stack(&value[..end]);
        if stack.is_empty() {
            continue;
        }
        let block_start = lower[..i].rfind('{').unwrap_or(0);
        let in_font_face = lower[..block_start].trim_end().ends_with("@font-face");
        if in_font_face {
            declared.insert(stack[0].to_lowercase());
        } else if !stacks.contains(&stack) {
            stacks.push(stack);
        }
    }
    (stacks, declared)
}

/// `"Open Sans", Arial, sans-serif` → its families, unquoted.
fn split_stack(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        let name = match item.chars().next() {
            Some(q @ ('"' | '\'')) => item[1..].split(q).next().unwrap_or(""),
            _ => item.split(['"', '\'', '!']).next().unwrap_or(""),
        };
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

/// True when fontconfig lists `family` on this machine.
pub fn on_machine(family: &str) -> bool {
    static FAMILIES: OnceLock<BTreeSet<String>> = OnceLock::new();
    FAMILIES
        .get_or_init(|| {
            let out = Command::new("fc-list")
                .args(["--format", "%{family}\n"])
                .output();
            out.map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .flat_map(|l| l.split(','))
                    .map(|f| f.trim().to_lowercase())
                    .collect()
            })
            .unwrap_or_default()
        })
        .contains(&family.to_lowercase())
}

/// The family fontconfig draws for `stack` (a font stack from a missing
/// family on; fontconfig applies its aliases, as Chrome does, so Arial
/// gives its metric twin): `fc-match`'s first family, else `sans-serif`.
pub fn fallback(stack: &[String]) -> String {
    let pattern = if stack.is_empty() {
        "serif".to_owned()
    } else {
        stack.join(",")
    };
    Command::new("fc-match")
        .args(["--format", "%{family[0]}", &pattern])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|f| !f.is_empty())
        .map_or_else(|| "sans-serif".to_owned(), |f| format!("\"{f}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statics(faces: &[(u16, Style)]) -> Faces {
        Faces::Static(faces.iter().copied().collect())
    }

    #[test]
    fn parses_css2_urls() {
        let reqs = parse_google(
            "https://fonts.googleapis.com/css2?family=Inter:wght@400;700&family=Open+Sans:ital,wght@0,400;1,700&display=swap",
        );
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].family, "Inter");
        assert_eq!(
            reqs[0].faces,
            statics(&[(400, Style::Normal), (700, Style::Normal)])
        );
        assert_eq!(reqs[0].package().name, "@fontsource/inter");
        assert_eq!(reqs[1].family, "Open Sans");
        assert_eq!(
            reqs[1].faces,
            statics(&[(400, Style::Normal), (700, Style::Italic)])
        );
        assert_eq!(reqs[1].package().name, "@fontsource/open-sans");
        let var =
            parse_google("https://fonts.googleapis.com/css2?family=Roboto+Flex:wght@100..900");
        assert!(matches!(
            var[0].faces,
            Faces::Variable {
                lo: 100,
                hi: 900,
                ..
            }
        ));
        assert_eq!(var[0].package().name, "@fontsource-variable/roboto-flex");
        let bare = parse_google("https://fonts.googleapis.com/css2?family=Lato");
        assert_eq!(bare[0].faces, statics(&[(400, Style::Normal)]));
    }

    #[test]
    fn parses_css1_urls() {
        let reqs = parse_google(
            "https://fonts.googleapis.com/css?family=Roboto:400,700italic|Open+Sans:300i,bold&subset=latin,cyrillic",
        );
        assert_eq!(
            reqs[0].faces,
            statics(&[(400, Style::Normal), (700, Style::Italic)])
        );
        assert_eq!(reqs[1].family, "Open Sans");
        assert_eq!(
            reqs[1].faces,
            statics(&[(300, Style::Italic), (700, Style::Normal)])
        );
        assert_eq!(reqs[0].subsets, vec!["latin", "cyrillic"]);
    }

    #[test]
    fn finds_google_urls_and_font_stacks() {
        let html = r#"<link href="https://fonts.googleapis.com/css2?family=Inter&amp;display=swap" rel="stylesheet">
            <style>@import url('https://fonts.googleapis.com/css?family=Lato');
            @font-face { font-family: "Mine"; src: url(a.woff2); }
            h1 { font-family: "Open Sans", Arial, sans-serif; }</style>
            <p style="font-family: Inter, system-ui">x</p>"#;
        assert_eq!(
            google_urls_in(html),
            vec![
                "https://fonts.googleapis.com/css2?family=Inter&display=swap",
                "https://fonts.googleapis.com/css?family=Lato"
            ]
        );
        let (stacks, declared) = families_in(html);
        assert_eq!(
            stacks,
            vec![
                vec!["Open Sans".to_owned(), "Arial".into(), "sans-serif".into()],
                vec!["Inter".to_owned(), "system-ui".into()]
            ]
        );
        assert!(declared.contains("mine"));
        assert!(is_generic("ui-monospace") && !is_generic("Inter"));
    }
}
