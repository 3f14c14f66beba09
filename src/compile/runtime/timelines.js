  // ---- GSAP timelines -----------------------------------------------------
  // Pages register paused timelines on window.__timelines[compositionId].
  // The common slip window.__timelines = [tl] is normalised (one entry is
  // the root's; several become tl-0, tl-1, ...), and when the root id has
  // no entry but exactly one usable timeline is registered, that one is
  // bound to the root.
  window.__timelines = window.__timelines || {};
  function usable(tl) {
    return !!tl && (typeof tl.totalTime === "function" || typeof tl.seek === "function");
  }
  function registered() {
    var tls = window.__timelines;
    if (Array.isArray(tls)) {
      var keyed = {};
      if (tls.length === 1) keyed[cfg.id || "root"] = tls[0];
      else tls.forEach(function (tl, i) { keyed["tl-" + i] = tl; });
      window.__timelines = tls = keyed;
    }
    return tls && typeof tls === "object" ? tls : {};
  }
  function rootTimelineKey() {
    var tls = registered();
    if (cfg.id && usable(tls[cfg.id])) return cfg.id;
    // A nested composition's own timeline is never the root's.
    var keys = Object.keys(tls).filter(function (k) { return usable(tls[k]) && !nestedHost(k); });
    return keys.length === 1 ? keys[0] : null;
  }
  function nestedHost(id) {
    var el = document.querySelector('[data-composition-id="' + String(id).replace(/"/g, "") + '"]');
    return !!el && id !== cfg.id;
  }
  function rootTimeline() {
    var k = rootTimelineKey();
    return k === null ? null : registered()[k];
  }
  function timelineLength(tl) {
    if (typeof tl.totalDuration === "function") return tl.totalDuration();
    if (typeof tl.duration === "function") return tl.duration();
    return Infinity;
  }
  // A nested composition's timeline runs on its host's clock:
  // playbackStart + (t - hostStart) * rate.
  function localTime(key, t) {
    if (key === rootTimelineKey()) return t;
    var host = document.querySelector('[data-composition-id="' + String(key).replace(/"/g, "") + '"][data-start]');
    if (!host) return t;
    var hs = parseFloat(host.getAttribute("data-start")) || 0;
    var pbs = parseFloat(host.getAttribute("data-playback-start")) || 0;
    return pbs + Math.max(0, t - hs) * clockRate(host);
  }
  function seekTimelines(t) {
    var tls = registered();
    Object.keys(tls).forEach(function (k) {
      var tl = tls[k];
      if (!usable(tl)) return;
      // Clamp so frames after the last tween hold the final state.
      var local = Math.max(0, Math.min(localTime(k, t), timelineLength(tl)));
      if (typeof tl.pause === "function") tl.pause();
      if (typeof tl.totalTime === "function") tl.totalTime(local, false);
      else tl.seek(local, false);
    });
  }
