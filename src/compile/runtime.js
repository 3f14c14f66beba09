// hf in-page runtime. Injected at the top of <head> (after window.__HF_CONFIG)
// so it runs before any page script. It owns time: the page sees composition
// time through Date, performance.now, requestAnimationFrame and timers, and
// hf moves that time with window.__hf.seek(t).
(function () {
  "use strict";
  var cfg = window.__HF_CONFIG || {};
  var EPOCH = 1704067200000; // 2024-01-01T00:00:00Z: a fixed wall clock.
  var frameMs = 1000 * (cfg.fpsDen || 1) / (cfg.fpsNum || 30);
  var nowMs = 0;

  // ---- seeded randomness -------------------------------------------------
  // Mulberry32, re-seeded from the frame time on every seek, so a frame's
  // random stream never depends on which worker or route captured it.
  var rngState = 0;
  function reseed(ms) {
    rngState = (Math.imul(Math.floor(ms) >>> 0, 0x9e3779b9) + 0x9e3779b9) >>> 0;
  }
  function random() {
    rngState = (rngState + 0x6d2b79f5) >>> 0;
    var t = rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  reseed(0);
  Math.random = random;
  if (window.crypto && window.crypto.getRandomValues) {
    window.crypto.getRandomValues = function (arr) {
      for (var i = 0; i < arr.length; i++) arr[i] = Math.floor(random() * 4294967296);
      return arr;
    };
  }

  // ---- virtual clock ------------------------------------------------------
  var RealDate = Date;
  function HfDate(a, b, c, d, e, f, g) {
    if (!(this instanceof HfDate)) return new RealDate(EPOCH + nowMs).toString();
    var n = arguments.length;
    if (n === 0) return new RealDate(EPOCH + nowMs);
    if (n === 1) return new RealDate(a);
    return new RealDate(a, b, c === undefined ? 1 : c, d || 0, e || 0, f || 0, g || 0);
  }
  HfDate.prototype = RealDate.prototype;
  HfDate.now = function () { return EPOCH + nowMs; };
  HfDate.parse = RealDate.parse;
  HfDate.UTC = RealDate.UTC;
  window.Date = HfDate;
  try {
    Object.defineProperty(performance, "now", { value: function () { return nowMs; }, configurable: true });
  } catch (e) { /* keep going: Date and rAF still follow virtual time */ }

  var realSetTimeout = window.setTimeout.bind(window);
  var timers = new Map();
  var nextTimer = 1;
  function addTimer(fn, delay, args, repeat) {
    var id = nextTimer++;
    var d = Math.max(0, Number(delay) || 0);
    if (typeof fn === "string") { var src = fn; fn = function () { (0, eval)(src); }; }
    timers.set(id, { fn: fn, args: args, due: nowMs + d, every: repeat ? Math.max(d, 1) : 0, seq: id });
    return id;
  }
  window.setTimeout = function (fn, delay) { return addTimer(fn, delay, Array.prototype.slice.call(arguments, 2), false); };
  window.setInterval = function (fn, delay) { return addTimer(fn, delay, Array.prototype.slice.call(arguments, 2), true); };
  window.clearTimeout = window.clearInterval = function (id) { timers.delete(id); };

  var rafQueue = new Map();
  var nextRaf = 1;
  window.requestAnimationFrame = function (cb) { var id = nextRaf++; rafQueue.set(id, cb); return id; };
  window.cancelAnimationFrame = function (id) { rafQueue.delete(id); };

  function runTimersUntil(ms) {
    // Fire due timers in (due, creation) order; each sees its own due time.
    for (var guard = 0; guard < 100000; guard++) {
      var best = null;
      timers.forEach(function (t, id) {
        if (t.due <= ms && (!best || t.due < best.t.due || (t.due === best.t.due && t.seq < best.t.seq))) best = { id: id, t: t };
      });
      if (!best) return;
      nowMs = Math.max(nowMs, best.t.due);
      if (best.t.every) { best.t.due += best.t.every; best.t.seq = nextTimer++; } else timers.delete(best.id);
      try { best.t.fn.apply(window, best.t.args); } catch (e) { console.error(e); }
    }
  }
  function flushRaf(ms) {
    var due = rafQueue;
    rafQueue = new Map();
    due.forEach(function (cb) { try { cb(ms); } catch (e) { console.error(e); } });
  }
  function advanceTo(ms) {
    runTimersUntil(ms);
    nowMs = ms;
    reseed(ms);
    flushRaf(ms);
  }

  // ---- media: Chrome never plays it; hf mixes audio itself ---------------
  var realPlay = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () { return Promise.resolve(); };
  function silenceMedia() {
    document.querySelectorAll("audio,video").forEach(function (m) {
      m.muted = true; m.autoplay = false;
      try { m.pause(); } catch (e) { /* ignore */ }
    });
  }
  void realPlay;

  // ---- video frames: hf decodes them, the page only paints them ----------
  // Each <video> lost its src at compile time; hf names the source frame
  // for every capture, and it is painted as the element's own background,
  // sized like the video picture (object-fit, object-position), so the
  // element keeps its box, styles and animations. The seek waits until the
  // frame image has loaded: it is then in the memory cache and the next
  // BeginFrame paints it.
  var videoState = {};
  var FIT = { contain: "contain", cover: "cover", fill: "100% 100%", none: "auto", "scale-down": "contain" };
  function paintVideo(key, url, img) {
    var st = videoState[key];
    if (!st) {
      var el = document.querySelector('video[data-hf-video="' + key + '"]');
      if (!el) return;
      var cs = getComputedStyle(el);
      st = videoState[key] = { el: el, url: null, img: null };
      el.style.setProperty("background-size", FIT[cs.objectFit] || "contain", "important");
      el.style.setProperty("background-position", cs.objectPosition || "50% 50%", "important");
      el.style.setProperty("background-repeat", "no-repeat", "important");
      el.style.setProperty("background-origin", "content-box", "important");
      el.style.setProperty("background-clip", "content-box", "important");
    }
    if (st.url === url) return;
    st.url = url;
    st.img = img; // keeps the decoded image alive in the cache
    st.el.style.setProperty("background-image", 'url("' + url + '")', "important");
  }
  function loadImage(url) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error("hf could not load video frame " + url)); };
      img.src = url;
    });
  }
  function showVideoFrames(list) {
    return Promise.all(list.map(function (p) {
      var st = videoState[p[0]];
      if (st && st.url === p[1]) return null;
      return loadImage(p[1]).then(function (img) { return [p[0], p[1], img]; });
    })).then(function (done) {
      done.forEach(function (d) { if (d) paintVideo(d[0], d[1], d[2]); });
      return true;
    });
  }

  // ---- CSS animations, transitions and Web Animations --------------------
  // Chrome's document timeline never drives a frame: every animation is
  // paused and set to the composition time since its baseline. The baseline
  // is the start of the element's clip for CSS animations present from the
  // start, and the composition time it appeared at for everything else
  // (element.animate() calls, transitions, animations added later).
  var animBase = new WeakMap();
  var realAnimate = Element.prototype.animate;
  if (realAnimate) {
    Element.prototype.animate = function () {
      var a = realAnimate.apply(this, arguments);
      try { animBase.set(a, nowMs / 1000); a.pause(); } catch (e) { /* keep the animation */ }
      return a;
    };
  }
  function clipStartOf(el) {
    for (var n = el; n && n.nodeType === 1; n = n.parentElement) {
      if (n.hasAttribute("data-start") && n.getAttribute("data-composition-id") !== cfg.id) {
        var s = parseFloat(n.getAttribute("data-start"));
        return isFinite(s) ? s : 0;
      }
    }
    return 0;
  }
  var firstAnimSync = true;
  function seekAnimations(t) {
    if (!document.getAnimations) return;
    var anims = document.getAnimations();
    for (var i = 0; i < anims.length; i++) {
      var a = anims[i];
      var base = animBase.get(a);
      if (base === undefined) {
        var target = a.effect && a.effect.target;
        var isCss = typeof CSSAnimation !== "undefined" && a instanceof CSSAnimation;
        base = isCss && firstAnimSync && target ? clipStartOf(target) : t;
        animBase.set(a, base);
      }
      try {
        a.pause();
        a.currentTime = Math.max(0, t - base) * 1000;
      } catch (e) { console.error(e); }
    }
    firstAnimSync = false;
  }

  // ---- clip visibility ----------------------------------------------------
  var style = document.createElement("style");
  style.setAttribute("data-hf-runtime", "");
  style.textContent = "[data-hf-hidden]{visibility:hidden !important}[data-hidden]{display:none !important}";
  document.documentElement.appendChild(style);
  var timed = null;
  function collectTimed() {
    timed = [];
    document.querySelectorAll("[data-start]").forEach(function (el) {
      if (el.getAttribute("data-composition-id") === cfg.id && timed.rootSeen !== true) { timed.rootSeen = true; return; }
      var s = parseFloat(el.getAttribute("data-start"));
      var e = parseFloat(el.getAttribute("data-end"));
      timed.push({ el: el, start: isFinite(s) ? s : 0, end: isFinite(e) ? e : hostEnd(el, isFinite(s) ? s : 0) });
    });
  }
  // A nested composition's host without a duration shows for as long as
  // the child's timeline runs on the host's clock; any other clip without
  // one stays until its parent's end.
  // The rate a host's child clock runs at: compile stamps the product of
  // the rates down the nesting; otherwise the host's own.
  function clockRate(host) {
    return parseFloat(host.getAttribute("data-hf-clock-rate")) ||
      parseFloat(host.getAttribute("data-playback-rate")) || 1;
  }
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

  // ---- timelines ----------------------------------------------------------
  window.__timelines = window.__timelines || {};
  function registered() {
    var tls = window.__timelines;
    if (Array.isArray(tls)) {
      var keyed = {};
      if (tls.length === 1) keyed[cfg.id] = tls[0]; else tls.forEach(function (tl, i) { keyed["tl-" + i] = tl; });
      window.__timelines = tls = keyed;
    }
    return tls || {};
  }
  function rootTimeline() {
    var tls = registered();
    if (tls[cfg.id]) return tls[cfg.id];
    var keys = Object.keys(tls);
    return keys.length === 1 ? tls[keys[0]] : null;
  }
  function seekTimelines(t) {
    var tls = registered();
    Object.keys(tls).forEach(function (k) {
      var tl = tls[k];
      if (!tl || typeof tl.totalTime !== "function") return;
      var len = typeof tl.totalDuration === "function" ? tl.totalDuration() : Infinity;
      // A nested composition's timeline runs on its host's clock:
      // playbackStart + (t - hostStart) * rate.
      var local = t;
      if (k !== cfg.id) {
        var host = document.querySelector('[data-composition-id="' + String(k).replace(/"/g, "") + '"][data-start]');
        if (host) {
          var hs = parseFloat(host.getAttribute("data-start")) || 0;
          var pbs = parseFloat(host.getAttribute("data-playback-start")) || 0;
          var rate = clockRate(host);
          local = pbs + Math.max(0, t - hs) * rate;
        }
      }
      // Clamp so frames after the last tween hold the final state.
      local = Math.max(0, Math.min(local, len));
      tl.pause();
      tl.totalTime(local, false);
    });
  }

  // ---- readiness ----------------------------------------------------------
  // Fonts are ready when no face is loading; checked on every poll, after
  // hf has drawn a frame, so faces the layout asks for have started loading.
  function fontsLoading() { return !!(document.fonts && document.fonts.status !== "loaded"); }
  var decoded = new WeakSet();
  function imagesPending() {
    var pending = [];
    document.querySelectorAll("img").forEach(function (img) {
      if (!img.complete) { pending.push(img.currentSrc || img.src || "<img>"); return; }
      if (img.naturalWidth > 0 && !decoded.has(img) && img.decode) {
        decoded.add(img);
        img.decode().catch(function () {});
      }
    });
    return pending;
  }

  var lastFrame = -1;
  window.__hf = {
    version: 1,
    duration: cfg.duration,
    // What readiness still waits for, as a list of human-readable items.
    status: function () {
      var waiting = [];
      if (document.readyState !== "complete") waiting.push("document load (readyState " + document.readyState + ")");
      if (fontsLoading()) waiting.push("fonts (document.fonts.status is " + document.fonts.status + ")");
      imagesPending().forEach(function (src) { waiting.push("image " + src); });
      if (!cfg.noTimeline && !rootTimeline()) {
        waiting.push("timeline window.__timelines[\"" + cfg.id + "\"] (register it, or mark the root data-no-timeline)");
      }
      return waiting;
    },
    // Move the page to composition time t (seconds) and paint the given
    // [videoKey, frameUrl] pairs (a promise then). Forward jumps step
    // through every frame in between so rAF- and timer-driven state evolves
    // exactly as in a sequential render, whichever frames a worker captures.
    seek: function (t, videos) {
      var ms = t * 1000;
      if (lastFrame < 0) silenceMedia();
      var k = Math.round(ms / frameMs);
      // Every frame between the last one shown and this one is stepped
      // through (timers, rAF, timelines) without being drawn.
      for (var j = lastFrame + 1; j < k; j++) {
        var fm = j * frameMs;
        advanceTo(fm);
        seekTimelines(fm / 1000);
        seekAnimations(fm / 1000);
      }
      advanceTo(ms);
      seekTimelines(t);
      syncVisibility(t);
      seekAnimations(t);
      if (k > lastFrame) lastFrame = k;
      return videos && videos.length ? showVideoFrames(videos) : true;
    },
    variables: function () { return Object.assign({}, cfg.variables || {}); },
    // Font families the page asks for (first of each stack) that the
    // browser cannot find: a text measured in "F, serif" and in
    // "F, monospace" matches the bare fallbacks only when F is missing.
    missingFonts: function () {
      var generic = /^(serif|sans-serif|monospace|cursive|fantasy|system-ui|ui-.*|emoji|math|fangsong|inherit|initial)$/i;
      var seen = {}, missing = [];
      var canvas = document.createElement("canvas").getContext("2d");
      function width(font) { canvas.font = "72px " + font; return canvas.measureText("Hamburgefonstiv 0123456789").width; }
      document.querySelectorAll("body, body *").forEach(function (el) {
        if (!el.firstChild) return;
        var first = (getComputedStyle(el).fontFamily || "").split(",")[0].trim().replace(/^["']|["']$/g, "");
        if (!first || generic.test(first) || seen[first]) return;
        seen[first] = true;
        var q = '"' + first.replace(/"/g, "") + '"';
        // A family with @font-face rules is not missing, even when the
        // faces of weights this page never draws stay unloaded.
        var declared = false;
        if (document.fonts) document.fonts.forEach(function (f) {
          if (f.family.replace(/["']/g, "").toLowerCase() === first.toLowerCase() && f.status !== "error") declared = true;
        });
        if (declared) return;
        if (width(q + ", serif") === width("serif") && width(q + ", monospace") === width("monospace")) missing.push(first);
      });
      return missing;
    },
  };
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
      try { Object.assign(out, JSON.parse(h.getAttribute("data-variable-values"))); } catch (e) { console.error(e); }
    });
    return out;
  };
  // Scalar variables as CSS custom properties: var(--title), var(--accent).
  Object.keys(cfg.variables || {}).forEach(function (k) {
    var v = cfg.variables[k];
    if (v !== null && typeof v !== "object") document.documentElement.style.setProperty("--" + k, String(v));
  });
})();
