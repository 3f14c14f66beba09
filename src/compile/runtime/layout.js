  // ---- the root's box and its top-level clips --------------------------------
  // As in the reference format: the root is sized by its data-width and
  // data-height (also as --comp-width / --comp-height), positioned
  // (relative unless the page positions it) and clips its overflow; a timed
  // clip directly under it is stacked in the same layer (absolute, full
  // size unless sized). As in the reference, its insets are left as
  // authored: without any it keeps its static position (the root's
  // padding corner in a block root, centred in a flex-centred one). Applied once
  // the document is parsed, before the page's own DOMContentLoaded handlers.
  var laidOut = false;
  function px(v) {
    var n = parseFloat(v);
    return isFinite(n) && n > 0 ? n + "px" : null;
  }
  function layoutClip(el) {
    var tag = el.tagName.toLowerCase();
    if (tag === "script" || tag === "style" || tag === "link" || tag === "meta" || !el.hasAttribute("data-start")) return;
    var cs = getComputedStyle(el);
    if (cs.position !== "absolute" && cs.position !== "fixed") el.style.position = "absolute";
    if (tag === "audio") return;
    var w = px(el.getAttribute("data-width")), h = px(el.getAttribute("data-height"));
    if (!el.style.width && (w ? cs.width === "0px" || cs.width === "auto" : cs.width === "0px")) el.style.width = w || "100%";
    if (!el.style.height && (h ? cs.height === "0px" || cs.height === "auto" : cs.height === "0px")) el.style.height = h || "100%";
  }
  function applyLayout() {
    if (laidOut || isChild || !cfg.id) return;
    var root = document.querySelector('[data-composition-id="' + cfg.id.replace(/"/g, "") + '"]');
    if (!root) return;
    laidOut = true;
    var w = px(root.getAttribute("data-width")), h = px(root.getAttribute("data-height"));
    if (w) { root.style.width = w; root.style.setProperty("--comp-width", w); }
    if (h) { root.style.height = h; root.style.setProperty("--comp-height", h); }
    if (!root.style.position) root.style.position = "relative";
    root.style.overflow = "hidden";
    Array.prototype.forEach.call(root.children, layoutClip);
  }
  document.addEventListener("DOMContentLoaded", applyLayout, true);
