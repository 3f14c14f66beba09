//! Probe stage: open the first browser on the compiled page, wait until it
//! is ready (document, fonts, images, timelines, adapters, iframes), and
//! collect what is worth telling the user. The session stays open and
//! becomes the first capture worker. [`infer_duration`] answers the one
//! question compile cannot: how long a composition without `data-duration`
//! runs.

use std::sync::Arc;

use crate::capture::serve::Server;
use crate::capture::{Session, SessionOptions};
use crate::compile::{Composition, RUNTIME_GLOBAL};
use crate::error::{Error, Result};

/// What the probe learned.
pub struct Probe {
    /// The ready session, handed on to capture.
    pub session: Session,
    /// Chrome's product string.
    pub chrome_version: String,
    /// Problems worth telling the user (missing fonts, waits cut short,
    /// map tiles that cannot load offline).
    pub warnings: Vec<String>,
}

/// Open a session and verify the page.
pub async fn probe(
    _comp: &Composition,
    server: Arc<Server>,
    opts: &SessionOptions,
) -> Result<Probe> {
    let mut session = Session::open(Arc::clone(&server), opts).await?;
    let chrome_version = session.version.clone();
    let mut warnings: Vec<String> = session.ready_warnings().to_vec();
    let missing = session
        .eval(&format!("{RUNTIME_GLOBAL}.missingFonts()"))
        .await?;
    for family in missing
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str())
    {
        warnings.push(format!(
            "font family \"{family}\" is not available; the text falls back to another font \
             (install it, or load it with @font-face from the composition folder)"
        ));
    }
    let maps = session
        .eval(&format!("{RUNTIME_GLOBAL}.mapFamilies()"))
        .await?;
    let maps: Vec<&str> = maps
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str())
        .collect();
    if !maps.is_empty() {
        warnings.extend(blocked_tile_hosts(&server).into_iter().map(|host| {
            format!(
                "the map ({}) asked {host} for tiles, which hf cannot fetch offline; the map \
                 renders without them (serve its tiles from the composition folder)",
                maps.join(", ")
            )
        }));
    }
    Ok(Probe {
        session,
        chrome_version,
        warnings,
    })
}

/// Hosts of requests the server refused as offline.
fn blocked_tile_hosts(server: &Server) -> Vec<String> {
    let log = server.log.lock().map(|l| l.clone()).unwrap_or_default();
    let mut hosts: Vec<String> = log
        .iter()
        .filter_map(|line| line.strip_prefix("blocked (offline): "))
        .filter_map(|url| url.split("://").nth(1))
        .filter_map(|rest| rest.split('/').next())
        .map(str::to_owned)
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// How long a composition without `data-duration` runs: open a browser on
/// it, wait until it is ready, and ask the runtime (the longest of the root
/// timeline, the adapters, finite CSS animations and the timed clips and
/// media). The browser is closed again; the caller compiles once more with
/// the answer.
pub async fn infer_duration(
    comp: &Composition,
    server: Arc<Server>,
    opts: &SessionOptions,
) -> Result<f64> {
    let mut session = Session::open(server, opts).await?;
    let value = session.eval(&format!("{RUNTIME_GLOBAL}.duration()")).await;
    session.close();
    let seconds = value?.as_f64().unwrap_or(0.0);
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(Error::composition(
            &comp.index,
            Some(format!("[data-composition-id=\"{}\"]", comp.id)),
            "the composition root has no data-duration, and hf found nothing to take the \
             length from (no registered timeline, adapter, finite CSS animation or timed \
             media); add data-duration=\"SECONDS\" to the root",
        ));
    }
    Ok(seconds)
}
