  // ---- composition variables ----------------------------------------------
  window.__hfVariables = cfg.variables || {};
  window.__hyperframes = window.__hyperframes || {};
  // Inside a nested composition, its hosts' data-variable-values layer over
  // the composition's values (outermost first); a script learns where it
  // runs from document.currentScript while it executes.
  window.__hyperframes.getVariables = function () {
    var out = Object.assign({}, cfg.variables || {});
    var hosts = [];
    var s = document.currentScript;
    for (var n = s && s.parentElement; n; n = n.parentElement) {
      if (n.hasAttribute("data-variable-values")) hosts.unshift(n);
    }
    hosts.forEach(function (h) {
      try { Object.assign(out, JSON.parse(h.getAttribute("data-variable-values"))); } catch (e) { logError(e); }
    });
    return out;
  };
  // Scalar variables as CSS custom properties: var(--title), var(--accent).
  Object.keys(cfg.variables || {}).forEach(function (k) {
    var v = cfg.variables[k];
    if (v !== null && typeof v !== "object") document.documentElement.style.setProperty("--" + k, String(v));
  });
