  // ---- anime.js v4 ----------------------------------------------------------
  // Pages push their instances (animate(), createTimeline(), or any object
  // with seek(ms)) onto window.__hfAnime; each is paused and seeked to the
  // composition time in milliseconds. v4 has no global registry to find
  // unregistered instances in.
  adapters.push({
    name: "anime.js (window.__hfAnime)",
    present: function () { return instancesOf("__hfAnime").length > 0; },
    seek: function (t) {
      instancesOf("__hfAnime").forEach(function (a) {
        if (!a) return;
        if (typeof a.pause === "function") a.pause();
        if (typeof a.seek === "function") a.seek(Math.max(0, t) * 1000);
      });
      return [];
    },
    // anime.js v4 instances state their length in milliseconds.
    duration: function () {
      var end = 0;
      instancesOf("__hfAnime").forEach(function (a) {
        var ms = a && Number(a.duration);
        if (isFinite(ms) && ms > 0) end = Math.max(end, ms / 1000);
      });
      return end;
    },
  });
