//! Probe stage: open the first browser on the compiled page, wait until it
//! is ready (document, fonts, images, timelines), and check that the page's
//! runtime agrees with the compiler on the duration. The session stays open
//! and becomes the first capture worker.

use std::sync::Arc;

use crate::capture::serve::Server;
use crate::capture::{Session, SessionOptions};
use crate::compile::Composition;
use crate::error::{Error, Result};

/// What the probe learned.
pub struct Probe {
    /// The ready session, handed on to capture.
    pub session: Session,
    /// Chrome's product string.
    pub chrome_version: String,
    /// Problems worth telling the user (missing fonts).
    pub warnings: Vec<String>,
}

/// Open a session and verify the page.
pub async fn probe(
    comp: &Composition,
    server: Arc<Server>,
    opts: &SessionOptions,
) -> Result<Probe> {
    let mut session = Session::open(server, opts).await?;
    let duration = session.eval("window.__hf.duration").await?;
    let page_duration = duration.as_f64().unwrap_or(-1.0);
    if (page_duration - comp.duration).abs() > 1e-6 {
        return Err(Error::Browser {
            message: format!(
                "the page reports a duration of {page_duration} s but the composition declares {} s; \
                 a page script replaced window.__hf",
                comp.duration
            ),
            evidence: session.evidence(),
        });
    }
    let chrome_version = session.version.clone();
    let mut warnings = Vec::new();
    if let serde_json::Value::Array(missing) = session.eval("window.__hf.missingFonts()").await? {
        for family in missing.iter().filter_map(|f| f.as_str()) {
            warnings.push(format!(
                "font family \"{family}\" is not available; the text falls back to another font \
                 (install it, or load it with @font-face from the composition folder)"
            ));
        }
    }
    Ok(Probe {
        session,
        chrome_version,
        warnings,
    })
}
