  // ---- readiness ----------------------------------------------------------
  // status() says what the page still waits for before frame 0 (waiting),
  // what makes rendering it pointless (fatal), and what went ahead after a
  // grace period (warnings). A page driven by an adapter, rAF, CSS or Web
  // Animations, media, an iframe or its own window.__hf needs no GSAP
  // timeline; one that has nothing of these waits for its timeline, but
  // never for long once a script failed or threw (it will not come).
  var GRACE_MS = 2000;
  var loadErrors = [];
  window.addEventListener("error", function (e) {
    var el = e.target;
    if (el && el !== window && el.tagName === "SCRIPT") loadErrors.push("the script " + (el.src || "(inline)") + " failed to load");
    else if (e.message) loadErrors.push("a page script threw: " + e.message + (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : ""));
  }, true);
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
  // What drives the page besides a GSAP timeline.
  function drivers() {
    var d = adaptersPresent();
    if (rafEverRequested) d.push("requestAnimationFrame");
    if (animationCount() > 0) d.push("CSS or Web Animations");
    if (document.querySelector("video,audio")) d.push("media");
    if (iframesDriven()) d.push("iframes");
    return d;
  }
  var graceSince = null;
  var readyWarnings = [];
  function timelineItem() {
    return "timeline window.__timelines[\"" + cfg.id + "\"] (register it, or mark the root data-no-timeline)";
  }
  function status() {
    var waiting = [], fatal = adaptersProblems();
    // Before frame 0 the clock reads 0: timers due then have fired.
    if (lastFrame < 0) runTimersUntil(0);
    applyLayout();
    if (document.readyState !== "complete") waiting.push("document load (readyState " + document.readyState + ")");
    if (fontsLoading()) waiting.push("fonts (document.fonts.status is " + document.fonts.status + ")");
    imagesPending().forEach(function (src) { waiting.push("image " + src); });
    waiting = waiting.concat(adaptersWaiting(false), iframesWaiting());
    fatal = fatal.concat(iframesStatus("fatal"));
    var needsTimeline = !cfg.noTimeline && !rootTimeline() && drivers().length === 0;
    var soft = adaptersWaiting(true);
    if (needsTimeline) soft.push(timelineItem());
    if (waiting.length > 0 || soft.length === 0 || fatal.length > 0) {
      graceSince = null;
      return result(waiting.length > 0 || fatal.length > 0 ? waiting : soft, fatal);
    }
    // Only soft items are left: give them a grace period, then go on.
    var now = RealDate.now();
    if (graceSince === null) graceSince = now;
    if (now - graceSince < GRACE_MS) return result(soft, fatal);
    if (needsTimeline && loadErrors.length > 0) {
      fatal.push("the page registered no timeline under window.__timelines[\"" + cfg.id + "\"] and nothing else animates it, because " + loadErrors.join("; "));
      return result(soft, fatal);
    }
    soft.forEach(function (w) {
      var text = w === timelineItem()
        ? "no timeline is registered under window.__timelines[\"" + cfg.id + "\"] and nothing else animates the page; hf renders it as it stands (register the timeline, or mark the root data-no-timeline)"
        : "went on after " + GRACE_MS / 1000 + " s without " + w + "; its first frames may show it still loading";
      if (readyWarnings.indexOf(text) < 0) readyWarnings.push(text);
    });
    return result([], fatal);
  }
  function result(waiting, fatal) {
    return { waiting: waiting, fatal: fatal, warnings: readyWarnings.concat(iframesStatus("warnings"), iframeWarnings()) };
  }
