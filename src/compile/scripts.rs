//! A sub-composition's scripts run after the page's own, as in the
//! reference (a page may load GSAP below its hosts): a `<script src>`
//! moves to the end of `<body>`, and an inline script stays in place,
//! inert, and is run from there at the end, so `document.currentScript`
//! still names it.

use std::cell::RefCell;

use lol_html::{element, rewrite_str, RewriteStrSettings};

/// The `type` that keeps a sub-composition's inline script from running
/// where the parser meets it.
pub(super) const DEFERRED_TYPE: &str = "text/hf-deferred";

/// The script, placed at the end of `<body>`, that runs deferred inline
/// script `id` where it stands: `document.currentScript` is that element
/// while it runs (so `previousElementSibling` and per-host
/// `getVariables()` mean what they meant in place), and its text is
/// evaluated in the global scope, as a classic script's is.
pub(super) fn deferred_runner(id: usize) -> String {
    format!(
        "<script>(function(){{var s=document.querySelector('script[data-hf-deferred=\"{id}\"]');\
         if(!s)return;Object.defineProperty(document,'currentScript',{{configurable:true,\
         get:function(){{return s}}}});try{{(0,eval)(s.textContent)}}\
         finally{{delete document.currentScript}}}})()</script>"
    )
}

/// A `<script src>` taken out of a sub-composition file, to load at the
/// page's end.
pub(super) struct MovedScript {
    attrs: Vec<(String, String)>,
}

impl MovedScript {
    pub(super) fn of(el: &lol_html::html_content::Element<'_, '_>) -> Self {
        MovedScript {
            attrs: el
                .attributes()
                .iter()
                .map(|a| (a.name(), a.value()))
                .collect(),
        }
    }

    /// The script as markup again.
    pub(super) fn html(&self) -> String {
        let attrs: String = self
            .attrs
            .iter()
            .map(|(k, v)| {
                format!(
                    " {k}=\"{}\"",
                    v.replace('&', "&amp;").replace('"', "&quot;")
                )
            })
            .collect();
        format!("<script{attrs}></script>")
    }
}

/// Scripts the browser runs (not JSON or template data read by scripts).
pub(super) fn is_executable(kind: Option<&str>) -> bool {
    match kind.map(|t| t.trim().to_ascii_lowercase()) {
        None => true,
        Some(t) => matches!(
            t.as_str(),
            "" | "module" | "text/javascript" | "application/javascript" | "text/ecmascript"
        ),
    }
}

/// Every `<script src>` of `html`, trimmed.
pub(super) fn script_sources(html: &str) -> Vec<String> {
    let found = RefCell::new(Vec::new());
    let _ = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![element!("script[src]", |el| {
                if let Some(src) = el.get_attribute("src") {
                    found.borrow_mut().push(src.trim().to_owned());
                }
                Ok(())
            })],
            ..RewriteStrSettings::new()
        },
    );
    found.into_inner()
}

/// `html` with `insert` placed just before its last `</body>` (at the end
/// when it has none).
pub(super) fn at_body_end(mut html: String, insert: &str) -> String {
    match html.to_ascii_lowercase().rfind("</body") {
        Some(at) => html.insert_str(at, insert),
        None => html.push_str(insert),
    }
    html
}
