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
  function baseOf(a, t) {
    var base = animBase.get(a);
    if (base === undefined) {
      var target = a.effect && a.effect.target;
      var isCss = typeof CSSAnimation !== "undefined" && a instanceof CSSAnimation;
      base = isCss && firstAnimSync && target ? clipStartOf(target) : t;
      animBase.set(a, base);
    }
    return base;
  }
  // Each animation's progress at the last captured seek, to tell whether
  // this one moved any (the capture's change hint, reset.js). The frames a
  // seek steps through on its way (`track` false) need not be compared.
  var lastProgress = new WeakMap();
  var animationsMoved = false;
  function seekAnimations(t, track) {
    if (!document.getAnimations) return;
    var anims = document.getAnimations();
    for (var i = 0; i < anims.length; i++) {
      var a = anims[i];
      var base = baseOf(a, t);
      try {
        a.pause();
        a.currentTime = Math.max(0, t - base) * 1000;
        if (track) {
          var c = a.effect && a.effect.getComputedTiming();
          var p = c ? c.progress + "/" + c.currentIteration : "";
          if (lastProgress.get(a) !== p) { lastProgress.set(a, p); animationsMoved = true; }
        }
      } catch (e) { logError(e); }
    }
    firstAnimSync = false;
  }
  function animationCount() {
    return document.getAnimations ? document.getAnimations().length : 0;
  }
  // The latest finite end of any animation (seconds of composition time);
  // infinite ones say nothing about the length.
  function animationsEnd() {
    if (!document.getAnimations) return 0;
    var end = 0;
    document.getAnimations().forEach(function (a) {
      try {
        var e = a.effect && a.effect.getComputedTiming().endTime;
        if (typeof e === "number" && isFinite(e)) end = Math.max(end, baseOf(a, 0) + e / 1000);
      } catch (x) { /* an effect without timing */ }
    });
    return end;
  }
