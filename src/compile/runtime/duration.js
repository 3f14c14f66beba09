  // ---- duration -----------------------------------------------------------
  // The root's data-duration when it has one. Otherwise the longest of: the
  // root timeline, the adapters (Lottie, anime.js, frame adapters, the
  // page's window.__hf), finite CSS and Web Animations, and the ends of the
  // timed clips and media compile resolved (cfg.durationFloor).
  function inferredDuration() {
    var parts = [Number(cfg.durationFloor) || 0, adaptersDuration(), animationsEnd()];
    var tl = rootTimeline();
    if (tl) { try { parts.push(timelineLength(tl)); } catch (e) { logError(e); } }
    return parts.reduce(function (m, d) { return isFinite(d) && d > m ? d : m; }, 0);
  }
  function duration() {
    return cfg.duration > 0 ? cfg.duration : inferredDuration();
  }
