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
      if (typeof tl.totalTime !== "function") {
        tl.seek(local, false);
        return;
      }
      var before = tl.totalTime();
      var fresh = !tl._initted;
      tl.totalTime(local, false);
      // A timeline that never rendered ignores a seek to where its playhead
      // already is (0 on the first frame), so its zero-duration sets at
      // that time would not apply; and a set sitting exactly at the frame's
      // time must hold whichever way the playhead came. As the reference
      // does, step just before the time and back to it, with events
      // suppressed: on a fresh timeline, and on the root's every frame
      // unless it has zero-duration callbacks (whose firing the step
      // would disturb).
      if ((fresh && before === local) || (k === rootTimelineKey() && !hasZeroCallbacks(tl))) {
        settleAt(tl, local);
      }
    });
  }
  // How far the settling step goes back from the frame's time.
  var SETTLE_STEP = 0.001;
  // Render `tl` at `t` once more, arriving from SETTLE_STEP earlier (later
  // when t is below it), without events. Children that start after `t` are
  // held still during the step, and the zero-duration tweens and nested
  // timelines keep the render state they had, so callbacks fire on later
  // seeks exactly as if the step had not happened.
  function settleAt(tl, t) {
    if (typeof tl.getChildren !== "function") return;
    tl.totalDuration();
    var kept = tl.getChildren(true, true, true)
      .filter(function (c) { return typeof c.getChildren === "function" || c.totalDuration() === 0; })
      .map(function (c) { return { c: c, ratio: c.ratio, zTime: c._zTime, act: c._act }; });
    var held = startingAfter(tl.getChildren(false, true, true), t, []);
    var speeds = held.map(function (c) { return c._ts; });
    var parents = [];
    held.forEach(function (c) {
      for (var p = c.parent; p && parents.indexOf(p) < 0; p = p.parent) parents.push(p);
    });
    var sizes = parents.map(function (p) {
      return { p: p, dur: p._dur, tDur: p._tDur, end: p._end, dirty: p._dirty };
    });
    held.forEach(function (c) { c._ts = 0; });
    try {
      tl.totalTime(t >= SETTLE_STEP ? t - SETTLE_STEP : t + SETTLE_STEP, true);
      tl.totalTime(t, true);
    } finally {
      held.forEach(function (c, i) { c._ts = speeds[i]; });
      sizes.forEach(function (s) {
        s.p._dur = s.dur; s.p._tDur = s.tDur; s.p._end = s.end; s.p._dirty = s.dirty;
      });
    }
    kept.forEach(function (k) { k.c.ratio = k.ratio; k.c._zTime = k.zTime; k.c._act = k.act; });
  }
  // The children (at any depth) of a timeline that start after `t`, in
  // their parents' time.
  function startingAfter(children, t, out) {
    children.forEach(function (c) {
      if (c.startTime() > t + 1e-6) out.push(c);
      else if (typeof c.getChildren === "function" && c.endTime() >= t) {
        startingAfter(c.getChildren(false, true, true), c.time(), out);
      }
    });
    return out;
  }
  var CALLBACKS = ["onStart", "onUpdate", "onComplete", "onReverseComplete", "onRepeat"];
  // Whether `tl` holds a zero-duration tween with a callback (a `call`).
  // Cached on the timeline until its top-level children change in number.
  function hasZeroCallbacks(tl) {
    if (typeof tl.getChildren !== "function") return false;
    var count = tl.getChildren(false, true, true).length;
    var cached = tl.__hfZeroCallbacks;
    if (cached && cached.count === count) return cached.value;
    var value = tl.getChildren(true, true, true).some(function (c) {
      var vars = c.vars || {};
      var length = typeof c.totalDuration === "function" ? c.totalDuration() : c.duration();
      return length <= 1e-6 && CALLBACKS.some(function (n) { return typeof vars[n] === "function"; });
    });
    tl.__hfZeroCallbacks = { count: count, value: value };
    return value;
  }
