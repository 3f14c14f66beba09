  // ---- Lottie: lottie-web and dotLottie -------------------------------------
  // Instances pushed onto window.__hfLottie (and lottie-web animations
  // found through lottie.getRegisteredAnimations()) are stopped at the
  // composition time. Their length comes from their frame count and rate.
  function lottieInstances() {
    var list = window.__hfLottie = instancesOf("__hfLottie");
    var lw = window.lottie || window.bodymovin;
    if (lw && typeof lw.getRegisteredAnimations === "function") {
      try {
        lw.getRegisteredAnimations().forEach(function (a) { if (list.indexOf(a) < 0) list.push(a); });
      } catch (e) { logError(e); }
    }
    return list;
  }
  function isLottieWeb(a) { return !!a && typeof a.goToAndStop === "function"; }
  function isDotLottie(a) {
    return !!a && !isLottieWeb(a) && typeof a.pause === "function" && ("totalFrames" in a || "duration" in a);
  }
  function lottieSeconds(a) {
    if (isDotLottie(a) && Number(a.duration) > 0) return Number(a.duration);
    var frames = Number(a.totalFrames), rate = Number(a.frameRate);
    return frames > 0 && rate > 0 && isFinite(frames / rate) ? frames / rate : 0;
  }
  function lottieLoaded(a) {
    if (isLottieWeb(a)) return a.isLoaded !== false && Number(a.totalFrames) > 0;
    if (isDotLottie(a)) return a.isLoaded !== false && Number(a.totalFrames) > 0;
    return true;
  }
  function seekLottie(a, t) {
    if (isLottieWeb(a)) {
      // Past the end, hold the last frame rather than wrapping.
      var frames = Number(a.totalFrames) || 0, rate = Number(a.frameRate) || 30;
      var f = Math.min(t * rate, Math.max(0, frames - 1));
      a.goToAndStop(f, true);
      return;
    }
    if (!isDotLottie(a)) return;
    a.pause();
    var total = Number(a.totalFrames) || 0;
    var fps = total > 0 && Number(a.duration) > 0 ? total / Number(a.duration) : Number(a.frameRate) || 30;
    var frame = Math.min(t * fps, Math.max(0, total - 1));
    if (typeof a.setFrame === "function") a.setFrame(frame);
    else if (typeof a.setCurrentRawFrameValue === "function") a.setCurrentRawFrameValue(frame);
    else if (typeof a.seek === "function") a.seek(Math.min(100, (t / (Number(a.duration) || 1)) * 100));
  }
  adapters.push({
    name: "Lottie (window.__hfLottie)",
    present: function () { return lottieInstances().length > 0; },
    waiting: function () {
      var out = [];
      lottieInstances().forEach(function (a, i) {
        if (!lottieLoaded(a)) out.push("Lottie animation window.__hfLottie[" + i + "] to load its data");
      });
      return out;
    },
    seek: function (t) {
      lottieInstances().forEach(function (a) { seekLottie(a, Math.max(0, t)); });
      return [];
    },
    duration: function () {
      return lottieInstances().reduce(function (m, a) { return Math.max(m, lottieSeconds(a)); }, 0);
    },
  });
