//! Duration inference: a root without `data-duration` gets its length from
//! the page (timelines, adapters, media), asked in a browser opened for
//! that question alone before the render is planned.

use std::sync::Arc;

use crate::capture::serve::Server;
use crate::capture::SessionOptions;
use crate::compile::{self, Composition};
use crate::config::RenderOptions;
use crate::error::{Error, Result};
use crate::packages::Packages;

/// The length in seconds the page reports for `comp`.
pub(super) fn infer_duration(
    comp: &Composition,
    opts: &RenderOptions,
    packages: &Arc<Packages>,
) -> Result<f64> {
    let npm_dir = opts.npm_dir.clone().unwrap_or_else(super::default_npm_dir);
    let server = Arc::new(
        Server::new(
            comp.dir.clone(),
            comp.html.clone(),
            compile::RUNTIME_JS,
            Some(npm_dir),
            opts.offline,
        )
        .with_packages(Arc::clone(packages)),
    );
    let session_opts = SessionOptions {
        width: comp.width,
        height: comp.height,
        chrome: opts.chrome.clone(),
        cdp_timeout: opts.cdp_timeout,
        ready_timeout: opts.ready_timeout,
        jpeg_quality: opts.quality.jpeg_quality(),
        alpha: false,
        frame_interval_ms: 1000.0 / comp.fps.as_f64(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    rt.block_on(crate::probe::infer_duration(comp, server, &session_opts))
}
