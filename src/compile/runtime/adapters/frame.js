  // ---- the public FrameAdapter API ------------------------------------------
  // A page drives any seekable animation through a frame adapter, the
  // reference's experimental contract:
  //   { id, init?(context), getDurationFrames(), seekFrame(frame), destroy? }
  // registered with window.__hyperframes.registerFrameAdapter(adapter) or
  // pushed onto window.__hfFrameAdapters. hf calls init once (awaited before
  // frame 0, with { compositionId, fps, width, height, rootElement }), takes
  // the length from getDurationFrames() (finite, non-negative), and calls
  // seekFrame(k) for every captured frame k, in whatever order its workers
  // capture them, awaiting the promise it returns. Frames past the end hold
  // the last one.
  var frameState = new WeakMap();
  function frameAdapters() { return window.__hfFrameAdapters = instancesOf("__hfFrameAdapters"); }
  function frameName(a, i) {
    return "frame adapter " + (a && typeof a.id === "string" ? '"' + a.id + '"' : "window.__hfFrameAdapters[" + i + "]");
  }
  function frameCount(a, i) {
    var n = a.getDurationFrames();
    if (typeof n !== "number" || !isFinite(n) || n < 0) {
      throw new Error(frameName(a, i) + ": getDurationFrames() returned " + String(n) +
        "; it must return a finite, non-negative frame count");
    }
    return Math.floor(n);
  }
  function frameInit(a, i) {
    var s = frameState.get(a);
    if (s) return s;
    s = { done: true };
    frameState.set(a, s);
    if (typeof a.init !== "function") return s;
    var root = cfg.id ? document.querySelector('[data-composition-id="' + cfg.id.replace(/"/g, "") + '"]') : null;
    var r = a.init({ compositionId: cfg.id, fps: (cfg.fpsNum || 30) / (cfg.fpsDen || 1), width: cfg.width, height: cfg.height, rootElement: root || undefined });
    if (thenable(r)) {
      s.done = false;
      r.then(function () { s.done = true; }, function (e) { s.done = true; s.error = String(e && e.message || e); });
    }
    return s;
  }
  adapters.push({
    name: "frame adapters (window.__hfFrameAdapters)",
    present: function () { return frameAdapters().length > 0; },
    problems: function () {
      var out = [];
      frameAdapters().forEach(function (a, i) {
        if (!a || typeof a.getDurationFrames !== "function" || typeof a.seekFrame !== "function") {
          out.push(frameName(a, i) + " needs getDurationFrames() and seekFrame(frame) functions");
          return;
        }
        try { frameCount(a, i); } catch (e) { out.push(e.message); }
        var s = frameState.get(a);
        if (s && s.error) out.push(frameName(a, i) + ": init() failed: " + s.error);
      });
      return out;
    },
    waiting: function () {
      var out = [];
      frameAdapters().forEach(function (a, i) {
        if (!a || typeof a.seekFrame !== "function") return;
        try { if (!frameInit(a, i).done) out.push(frameName(a, i) + " to finish init()"); } catch (e) { logError(e); }
      });
      return out;
    },
    seek: function (t) {
      var pending = [];
      frameAdapters().forEach(function (a, i) {
        var n = frameCount(a, i);
        var k = Math.max(0, Math.min(Math.round(t * 1000 / frameMs), Math.max(0, n - 1)));
        var r = a.seekFrame(k);
        if (thenable(r)) pending.push({ what: frameName(a, i) + " seekFrame(" + k + ")", promise: r });
      });
      return pending;
    },
    duration: function () {
      return frameAdapters().reduce(function (m, a, i) { return Math.max(m, frameCount(a, i) * frameMs / 1000); }, 0);
    },
  });
  function registerFrameAdapter(a) {
    var list = frameAdapters();
    if (list.indexOf(a) < 0) list.push(a);
    return a;
  }
