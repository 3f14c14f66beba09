// hf in-page runtime, assembled at build time from src/compile/runtime/*.js
// (see src/compile/runtime.rs for the order). Injected at the top of <head>
// (after window.__HF_CONFIG) so it runs before any page script. It owns
// time: the page sees composition time through Date, performance.now,
// requestAnimationFrame and timers, and hf moves that time with
// window.__hfRuntime.seek(t). All files share this one function scope.
(function () {
  "use strict";
  if (window.__hfRuntime) return; // injected twice (an iframe of itself)
  // A same-origin iframe served from the composition folder gets the
  // runtime without a config of its own: it borrows the parent's frame
  // rate and follows the parent's seeks (see iframes.js).
  var parentCfg = null;
  try {
    if (window.parent !== window && window.parent.__HF_CONFIG) parentCfg = window.parent.__HF_CONFIG;
  } catch (e) { /* cross-origin parent: not an hf child */ }
  var isChild = !window.__HF_CONFIG && !!parentCfg;
  var cfg = window.__HF_CONFIG ||
    (parentCfg ? { fpsNum: parentCfg.fpsNum, fpsDen: parentCfg.fpsDen, noTimeline: true, child: true } : {});
  var frameMs = 1000 * (cfg.fpsDen || 1) / (cfg.fpsNum || 30);
  var realSetTimeout = window.setTimeout.bind(window);
  var realClearTimeout = window.clearTimeout.bind(window);
  function logError(e) { try { console.error(e); } catch (x) { /* no console */ } }
