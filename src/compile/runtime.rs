//! The in-page runtime, assembled at build time from one file per concern
//! under `runtime/`. The files share one function scope (opened by
//! `prelude.js`, closed by `api.js`), so the order below is the order their
//! top-level statements run in: the clock before anything reads it, the
//! adapter registry before the adapters, the public object last.

/// The runtime's source, served at [`super::RUNTIME_PATH`].
pub const RUNTIME_JS: &str = concat!(
    include_str!("runtime/prelude.js"),
    include_str!("runtime/random.js"),
    include_str!("runtime/reset.js"),
    include_str!("runtime/changes.js"),
    include_str!("runtime/clock.js"),
    include_str!("runtime/media.js"),
    include_str!("runtime/animations.js"),
    include_str!("runtime/timelines.js"),
    include_str!("runtime/visibility.js"),
    include_str!("runtime/layout.js"),
    include_str!("runtime/seek-dispatch.js"),
    include_str!("runtime/adapters/registry.js"),
    include_str!("runtime/adapters/anime.js"),
    include_str!("runtime/adapters/lottie.js"),
    include_str!("runtime/adapters/three.js"),
    include_str!("runtime/adapters/maps.js"),
    include_str!("runtime/adapters/frame.js"),
    include_str!("runtime/adapters/page.js"),
    include_str!("runtime/iframes.js"),
    include_str!("runtime/readiness.js"),
    include_str!("runtime/duration.js"),
    include_str!("runtime/fonts.js"),
    include_str!("runtime/variables.js"),
    include_str!("runtime/api.js"),
);

/// The global hf's runtime lives at. Not `window.__hf`: pages may supply
/// their own seek protocol under that name, and hf drives it.
pub const GLOBAL: &str = "window.__hfRuntime";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assembled_runtime_opens_and_closes_one_scope_and_defines_its_global() {
        assert!(RUNTIME_JS.trim_start().starts_with("// hf in-page runtime"));
        assert!(RUNTIME_JS.trim_end().ends_with("})();"));
        assert!(RUNTIME_JS.contains("window.__hfRuntime = {"));
        assert!(!RUNTIME_JS.contains("window.__hf = {"));
    }
}
