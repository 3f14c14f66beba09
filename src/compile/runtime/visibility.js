  // ---- clip visibility ----------------------------------------------------
  // A clip shows exactly when start <= t < end; outside it carries
  // data-hf-hidden (visibility:hidden). data-hidden never shows.
  var style = document.createElement("style");
  style.setAttribute("data-hf-runtime", "");
  style.textContent = "[data-hf-hidden]{visibility:hidden !important}[data-hidden]{display:none !important}";
  document.documentElement.appendChild(style);
  var timed = null;
  function collectTimed() {
    timed = [];
    if (isChild) return; // an iframe's document has no clips of its own
    document.querySelectorAll("[data-start]").forEach(function (el) {
      if (el.getAttribute("data-composition-id") === cfg.id && timed.rootSeen !== true) { timed.rootSeen = true; return; }
      var s = parseFloat(el.getAttribute("data-start"));
      var e = parseFloat(el.getAttribute("data-end"));
      timed.push({ el: el, start: isFinite(s) ? s : 0, end: isFinite(e) ? e : hostEnd(el, isFinite(s) ? s : 0) });
    });
  }
  // The rate a host's child clock runs at: compile stamps the product of
  // the rates down the nesting; otherwise the host's own.
  function clockRate(host) {
    return parseFloat(host.getAttribute("data-hf-clock-rate")) ||
      parseFloat(host.getAttribute("data-playback-rate")) || 1;
  }
  // A nested composition's host without a duration shows for as long as
  // the child's timeline runs on the host's clock; any other clip without
  // one stays until its parent's end.
  function hostEnd(el, start) {
    var id = el.getAttribute("data-composition-id");
    var tl = id && id !== cfg.id ? registered()[id] : null;
    if (!tl || typeof tl.totalDuration !== "function") return Infinity;
    var pbs = parseFloat(el.getAttribute("data-playback-start")) || 0;
    var rate = clockRate(el);
    var len = (tl.totalDuration() - pbs) / rate;
    return len > 0 ? start + len : Infinity;
  }
  function syncVisibility(t) {
    if (!timed) collectTimed();
    // Nested windows: a clip inside a timed parent shows only inside both,
    // which visibility inheritance gives us for free unless a child sets
    // visibility itself; the attribute rule is !important on each clip.
    for (var i = 0; i < timed.length; i++) {
      var c = timed[i];
      var on = c.start <= t + 1e-9 && t + 1e-9 < c.end;
      // Touch the DOM only on a change, so a static frame stays undamaged.
      var hidden = c.el.hasAttribute("data-hf-hidden");
      if (on && hidden) c.el.removeAttribute("data-hf-hidden");
      else if (!on && !hidden) c.el.setAttribute("data-hf-hidden", "");
    }
  }
