  // ---- window.__hfRuntime: what hf's capture calls ---------------------------
  // Not window.__hf: that name belongs to pages (adapters/page.js).
  var lastFrame = -1;
  // Wait for every pending {what, promise}; reject naming the ones still
  // unsettled after waitMs (hf-timeout: marks it for the Rust side).
  function settle(pending, waitMs, t) {
    if (pending.length === 0) return true;
    var open = pending.map(function () { return true; });
    return new Promise(function (resolve, reject) {
      var timer = realSetTimeout(function () {
        var names = pending.filter(function (p, i) { return open[i]; }).map(function (p) { return p.what; });
        reject(new Error("hf-timeout: still waiting for " + names.join("; ")));
      }, waitMs);
      Promise.all(pending.map(function (p, i) {
        return Promise.resolve(p.promise).then(function () { open[i] = false; });
      })).then(function () { realClearTimeout(timer); resolve(true); }, function (e) {
        realClearTimeout(timer);
        reject(new Error("hf: a seek promise was rejected: " + (e && e.message || e)));
      });
    });
  }
  function stepTo(ms) {
    advanceTo(ms);
    seekTimelines(ms / 1000);
    seekAnimations(ms / 1000);
  }
  window.__hfRuntime = {
    version: 2,
    duration: duration,
    status: status,
    // Move the page to composition time t (seconds), paint the given
    // [videoKey, frameUrl] pairs, and wait (up to waitMs) for the async work
    // adapters, hf-seek listeners and iframes hand back. Forward jumps step
    // through every frame in between so rAF- and timer-driven state evolves
    // exactly as in a sequential render, whichever frames a worker captures.
    seek: function (t, videos, waitMs) {
      var ms = t * 1000;
      if (lastFrame < 0) silenceMedia();
      var k = Math.round(ms / frameMs);
      for (var j = lastFrame + 1; j < k; j++) stepTo(j * frameMs);
      advanceTo(ms);
      seekTimelines(t);
      syncVisibility(t);
      seekAnimations(t, true);
      if (k > lastFrame) lastFrame = k;
      var pending = dispatchSeek(t).concat(adaptersSeek(t), seekIframes(t, waitMs));
      if (videos && videos.length) pending.push({ what: "video frames", promise: showVideoFrames(videos) });
      return settle(pending, waitMs || 30000, t);
    },
    afterSeek: afterSeek,
    variables: function () { return Object.assign({}, cfg.variables || {}); },
    missingFonts: missingFonts,
    mapFamilies: mapFamilies,
  };
  window.__hyperframes = window.__hyperframes || {};
  window.__hyperframes.registerFrameAdapter = registerFrameAdapter;
})();
