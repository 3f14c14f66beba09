  // ---- the hf-seek event --------------------------------------------------
  // GPU pages (Three.js, TypeGPU, raw WebGL/WebGPU) listen for "hf-seek" on
  // window and draw the frame at event.detail.time; work that finishes
  // later is handed to event.detail.waitUntil(promise), and capture waits
  // for every such promise. One event per seek, whichever GPU library the
  // page uses. Each promise is named by where waitUntil was called from,
  // so a timeout can say what it waited for.
  var lastSeekEvent = -1;
  function callerOf(stack) {
    var lines = String(stack || "").split("\n").slice(1);
    for (var i = 0; i < lines.length; i++) {
      if (lines[i].indexOf(RUNTIME_URL) < 0 && /:\d+:\d+\)?\s*$/.test(lines[i])) return lines[i].trim().replace(/^at\s+/, "");
    }
    return "an hf-seek listener";
  }
  var RUNTIME_URL = "/__hf/runtime.js";
  function dispatchSeek(t) {
    var pending = [];
    if (t === lastSeekEvent) return pending;
    lastSeekEvent = t;
    window.__hfThreeTime = t;
    window.__hfTypegpuTime = t;
    var accepting = true;
    var detail = {
      time: t,
      waitUntil: function (promise) {
        if (!accepting) throw new Error("hf-seek waitUntil() must be called while the event is dispatched");
        var where = callerOf(new Error().stack);
        pending.push({ what: "the promise given to hf-seek waitUntil() at " + where, promise: promise });
      },
    };
    try { window.dispatchEvent(new CustomEvent("hf-seek", { detail: detail })); } catch (e) { logError(e); }
    accepting = false;
    return pending;
  }
