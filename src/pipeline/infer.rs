//! Duration inference: a root without `data-duration` gets its length from
//! the page (timelines, adapters, media), asked in a browser opened for
//! that question alone before the render is planned.

use std::sync::Arc;

use crate::capture::serve::Server;
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
    let session_opts = super::session_options(comp, opts, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    rt.block_on(crate::probe::infer_duration(comp, server, &session_opts))
}
