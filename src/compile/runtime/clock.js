  // ---- virtual clock ------------------------------------------------------
  // Date, performance.now, timers and requestAnimationFrame all read nowMs,
  // the composition time in milliseconds. It is 0 while the page loads.
  var EPOCH = 1704067200000; // 2024-01-01T00:00:00Z: a fixed wall clock.
  var nowMs = 0;
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
  // A page that asked for an animation frame is driven by rAF (readiness).
  var rafEverRequested = false;
  window.requestAnimationFrame = function (cb) {
    rafEverRequested = true;
    var id = nextRaf++;
    rafQueue.set(id, cb);
    return id;
  };
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
      try { best.t.fn.apply(window, best.t.args); } catch (e) { logError(e); }
    }
  }
  function flushRaf(ms) {
    var due = rafQueue;
    rafQueue = new Map();
    due.forEach(function (cb) { try { cb(ms); } catch (e) { logError(e); } });
  }
  function advanceTo(ms) {
    runTimersUntil(ms);
    nowMs = ms;
    reseed(ms);
    flushRaf(ms);
  }
