//! The write pass: stamps resolved times onto timed elements and injects
//! the runtime at the top of `<head>`, before any page script.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use lol_html::html_content::ContentType;
use lol_html::{element, rewrite_str, RewriteStrSettings};

use super::scan::Scan;
use super::timing::{PendingClip, StartExpr, Window};
use super::{fmt_secs, RuntimeConfig};

/// URL path the runtime is served at (from the binary, never from disk).
pub const RUNTIME_PATH: &str = "/__hf/runtime.js";

/// What compile resolved, to be written into the page.
pub(super) struct Resolved<'a> {
    /// The read pass.
    pub scan: &'a Scan,
    /// Index of the root among the scanned elements.
    pub root_idx: usize,
    /// Every clip: its scanned element index and authored timing.
    pub pending: &'a [(usize, PendingClip)],
    /// The resolved window of each clip in `pending`.
    pub windows: &'a [Window],
    /// Video elements by scanned index.
    pub videos: &'a HashMap<usize, VideoStamp>,
    /// Nested-composition hosts by scanned index: the rate of the clock
    /// they give their children (their own rate times their hosts').
    pub host_rates: &'a HashMap<usize, f64>,
}

/// What the page is told about one `<video>`.
#[derive(Debug, Clone, Copy)]
pub(super) struct VideoStamp {
    /// Names its frames.
    pub key: usize,
    /// Source picture width.
    pub width: u32,
    /// Source picture height.
    pub height: u32,
    /// Its sound is mixed.
    pub has_audio: bool,
}

pub(super) fn rewrite(
    source: &str,
    resolved: &Resolved<'_>,
    config: &RuntimeConfig<'_>,
    values: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    let Resolved {
        scan,
        root_idx,
        pending,
        windows,
        videos,
        host_rates,
    } = *resolved;
    let config_json = serde_json::to_string(config).map_err(|e| e.to_string())?;
    // `</script>` inside JSON strings would end the tag early.
    let config_json = config_json.replace("</", "<\\/");
    let head_html = format!(
        "<script data-hf-runtime>window.__HF_CONFIG = {config_json};</script>\
         <script data-hf-runtime src=\"{RUNTIME_PATH}\"></script>"
    );
    // Declared before the handlers that borrow it.
    let layers: Rc<RefCell<Vec<serde_json::Map<String, serde_json::Value>>>> =
        Rc::new(RefCell::new(Vec::new()));
    let seen = Cell::new(0usize);
    let injected = Cell::new(false);
    let inject_into = if scan.has_head {
        "head"
    } else if scan.has_html {
        "html"
    } else {
        ""
    };
    let mut handlers = vec![element!("*", |el| {
        let tag = el.tag_name().to_ascii_lowercase();
        let interesting = matches!(tag.as_str(), "audio" | "video")
            || el.get_attribute("data-start").is_some()
            || el.get_attribute("data-composition-id").is_some();
        if !interesting {
            return Ok(());
        }
        let idx = seen.get();
        seen.set(idx + 1);
        if idx == root_idx {
            el.set_attribute("data-start", "0")?;
            return Ok(());
        }
        let Some(pos) = pending.iter().position(|(i, _)| *i == idx) else {
            return Ok(());
        };
        if let Some(stamp) = videos.get(&idx) {
            hand_video_to_hf(el, stamp)?;
        }
        // The runtime seeks a child timeline at this rate: with nested
        // rates, more than the host's own data-playback-rate.
        if let Some(rate) = host_rates.get(&idx).filter(|r| (**r - 1.0).abs() > 1e-12) {
            el.set_attribute("data-hf-clock-rate", &fmt_secs(*rate))?;
        }
        let (_, clip) = &pending[pos];
        let w = windows[pos];
        if let StartExpr::After { .. } = clip.start {
            if let Some(raw) = el.get_attribute("data-start") {
                el.set_attribute("data-hf-authored-start", &raw)?;
            }
        }
        if let Some(id) = &clip.id {
            if el.get_attribute("id").is_none() {
                el.set_attribute("id", id)?;
            }
        }
        el.set_attribute("data-start", &fmt_secs(w.start))?;
        if let Some(end) = w.end {
            el.set_attribute("data-end", &fmt_secs(end))?;
            el.set_attribute("data-duration", &fmt_secs(end - w.start))?;
        }
        Ok(())
    })];
    // Chrome never loads media: `<source>` children go too (compile took
    // the first one's src as the element's).
    handlers.push(element!("video > source, audio > source", |el| {
        el.remove();
        Ok(())
    }));
    // Per-instance values: a host's `data-variable-values` layers over the
    // composition's values for everything inside it. The stack holds the
    // layers of the hosts still open; CSS custom properties go on the host
    // itself so `var(--name)` inside it inherits them.
    let lookup = |name: &str| -> Option<serde_json::Value> {
        let layers = layers.borrow();
        layers
            .iter()
            .rev()
            .find_map(|l| l.get(name).cloned())
            .or_else(|| values.get(name).cloned())
    };
    handlers.push(element!("[data-variable-values]", |el| {
        let raw = el.get_attribute("data-variable-values").unwrap_or_default();
        let layer = super::variables::parse_instance_values(&raw)?;
        let mut style = el.get_attribute("style").unwrap_or_default();
        for (k, v) in &layer {
            if !v.is_object() && !v.is_array() && !v.is_null() {
                let text = super::variables::as_text(v).replace([';', '}', '{'], " ");
                style.push_str(&format!(";--{k}:{text}"));
            }
        }
        el.set_attribute("style", style.trim_start_matches(';'))?;
        if el.can_have_content() && !el.is_self_closing() {
            layers.borrow_mut().push(layer);
            let layers = Rc::clone(&layers);
            let pop: lol_html::EndTagHandler<'static> = Box::new(move |_| {
                layers.borrow_mut().pop();
                Ok(())
            });
            let _ = el.on_end_tag(pop);
        }
        Ok(())
    }));
    // Bindings without script: text and sources written at compile time,
    // so the first frame already shows them.
    handlers.push(element!("[data-var-text]", |el| {
        if let Some(v) = el
            .get_attribute("data-var-text")
            .and_then(|id| lookup(id.trim()))
        {
            el.set_inner_content(&super::variables::as_text(&v), ContentType::Text);
        }
        Ok(())
    }));
    handlers.push(element!("[data-var-src]", |el| {
        if let Some(v) = el
            .get_attribute("data-var-src")
            .and_then(|id| lookup(id.trim()))
        {
            // A video's file is hf's to decode, never Chrome's to load.
            let attr = if el.tag_name().eq_ignore_ascii_case("video") {
                "data-hf-src"
            } else {
                "src"
            };
            el.set_attribute(attr, &super::variables::as_text(&v))?;
        }
        Ok(())
    }));
    // Browser defaults (an 8px body margin on white) never show in a frame:
    // like HyperFrames, the page's own inline margin, padding and overflow
    // of <html> and <body> give way to 0, 0 and hidden.
    handlers.push(element!("html, body", |el| {
        let style = normalized_style(el.get_attribute("style").as_deref());
        el.set_attribute("style", &style)?;
        Ok(())
    }));
    if !inject_into.is_empty() {
        handlers.push(element!(inject_into, |el| {
            if !injected.get() {
                el.prepend(&head_html, ContentType::Html);
                injected.set(true);
            }
            Ok(())
        }));
    }
    let out = rewrite_str(
        source,
        RewriteStrSettings {
            element_content_handlers: handlers,
            ..RewriteStrSettings::new()
        },
    )
    .map_err(|e| e.to_string())?;
    if injected.get() {
        Ok(out)
    } else {
        Ok(format!("{head_html}{out}"))
    }
}

/// An inline style with `margin:0;padding:0;overflow:hidden` in place of
/// any margin, padding or overflow it set.
fn normalized_style(style: Option<&str>) -> String {
    const SET: [(&str, &str); 3] = [("margin", "0"), ("padding", "0"), ("overflow", "hidden")];
    let kept = style.unwrap_or("").split(';').filter(|decl| {
        let name = decl
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        !name.is_empty()
            && !SET
                .iter()
                .any(|(p, _)| name == *p || name.starts_with(&format!("{p}-")))
    });
    kept.map(|d| d.trim().to_owned())
        .chain(SET.iter().map(|(p, v)| format!("{p}:{v}")))
        .collect::<Vec<_>>()
        .join(";")
}

/// Take a `<video>` away from Chrome: it never loads or plays the source
/// (`src` moves to `data-hf-src`), and the runtime paints hf's decoded
/// frame as the element's background, so the element keeps its box, its
/// styles and whatever the page's animations do to it.
fn hand_video_to_hf(
    el: &mut lol_html::html_content::Element<'_, '_>,
    stamp: &VideoStamp,
) -> Result<(), lol_html::errors::AttributeNameError> {
    let VideoStamp {
        key,
        width,
        height,
        has_audio,
    } = *stamp;
    if let Some(src) = el.get_attribute("src") {
        el.set_attribute("data-hf-src", &src)?;
        el.remove_attribute("src");
    }
    for attr in ["poster", "autoplay", "controls"] {
        if let Some(v) = el.get_attribute(attr) {
            el.set_attribute(&format!("data-hf-{attr}"), &v)?;
            el.remove_attribute(attr);
        }
    }
    el.set_attribute("preload", "none")?;
    el.set_attribute("data-hf-video", &key.to_string())?;
    // Whether hf mixes its sound, stated for the compiled-HTML check.
    el.set_attribute("data-has-audio", if has_audio { "true" } else { "false" })?;
    // Without a source a video's intrinsic size is 300x150. A transparent
    // poster of the source's size gives it the source's intrinsic size
    // instead, as a loaded video has (width/height attributes would not do:
    // they are presentational sizes, so `width: 100%; height: auto` would
    // keep the attribute's height). Posters delay the load event, so the
    // size is in place before the first frame.
    el.set_attribute("poster", &transparent_poster(width, height))?;
    Ok(())
}

/// An SVG data URL that draws nothing at `width` x `height`.
fn transparent_poster(width: u32, height: u32) -> String {
    format!(
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='{width}' \
         height='{height}'%3E%3C/svg%3E"
    )
}

/// An HTML file of the composition folder other than the composition (an
/// iframe's document), with the runtime at the top of its `<head>`: it runs
/// as a child that follows the parent's seeks (`runtime/iframes.js`).
pub fn with_child_runtime(html: &str) -> String {
    let tag = format!("<script data-hf-runtime src=\"{RUNTIME_PATH}\"></script>");
    let injected = Cell::new(false);
    let handler = |el: &mut lol_html::html_content::Element<'_, '_>| {
        if !injected.get() {
            el.prepend(&tag, ContentType::Html);
            injected.set(true);
        }
        Ok(())
    };
    let out = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![element!("head, html", handler)],
            ..RewriteStrSettings::new()
        },
    );
    match out {
        Ok(out) if injected.get() => out,
        _ => format!("{tag}{html}"),
    }
}
