//! The write pass: stamps resolved times onto timed elements and injects
//! the runtime at the top of `<head>`, before any page script.

use std::cell::Cell;

use lol_html::html_content::ContentType;
use lol_html::{element, rewrite_str, RewriteStrSettings};

use super::scan::Scan;
use super::timing::{PendingClip, StartExpr, Window};
use super::{fmt_secs, RuntimeConfig};

/// URL path the runtime is served at (from the binary, never from disk).
pub const RUNTIME_PATH: &str = "/__hf/runtime.js";

pub(super) fn rewrite(
    source: &str,
    scan: &Scan,
    root_idx: usize,
    pending: &[(usize, PendingClip)],
    windows: &[Window],
    config: &RuntimeConfig<'_>,
    values: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    let config_json = serde_json::to_string(config).map_err(|e| e.to_string())?;
    // `</script>` inside JSON strings would end the tag early.
    let config_json = config_json.replace("</", "<\\/");
    let head_html = format!(
        "<script data-hf-runtime>window.__HF_CONFIG = {config_json};</script>\
         <script data-hf-runtime src=\"{RUNTIME_PATH}\"></script>"
    );
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
    // Bindings without script: text and sources written at compile time,
    // so the first frame already shows them.
    handlers.push(element!("[data-var-text]", |el| {
        if let Some(v) = el
            .get_attribute("data-var-text")
            .and_then(|id| values.get(id.trim()))
        {
            el.set_inner_content(&super::variables::as_text(v), ContentType::Text);
        }
        Ok(())
    }));
    handlers.push(element!("[data-var-src]", |el| {
        if let Some(v) = el
            .get_attribute("data-var-src")
            .and_then(|id| values.get(id.trim()))
        {
            el.set_attribute("src", &super::variables::as_text(v))?;
        }
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
