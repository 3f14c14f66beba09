  // ---- same-origin iframes follow composition time -------------------------
  // hf serves every HTML file of the composition folder with this runtime
  // (as a child: it borrows the parent's frame rate), so an iframe's clocks,
  // rAF, timers, timelines and CSS animations run on composition time: each
  // seek of the parent seeks every child to the same t, and readiness waits
  // for every child to be ready. A cross-origin iframe cannot be driven.
  var crossOrigin = {};
  function childFrames() {
    var out = [];
    document.querySelectorAll("iframe").forEach(function (el) {
      var src = el.getAttribute("src") || (el.hasAttribute("srcdoc") ? "(srcdoc)" : "about:blank");
      var doc = null;
      try { doc = el.contentDocument; } catch (e) { doc = null; }
      if (!doc) { crossOrigin[src] = true; return; }
      var rt = null;
      try { rt = el.contentWindow.__hfRuntime || null; } catch (e) { rt = null; }
      out.push({ el: el, src: src, doc: doc, rt: rt });
    });
    return out;
  }
  function iframesWaiting() {
    var out = [];
    childFrames().forEach(function (f) {
      if (f.doc.readyState !== "complete" || (!f.rt && f.src !== "about:blank" && f.src !== "(srcdoc)" && f.doc.URL === "about:blank")) {
        out.push("iframe " + f.src + " to load");
        return;
      }
      if (!f.rt) return; // srcdoc or blank: nothing of hf's in it
      var st = f.rt.status();
      st.waiting.forEach(function (w) { out.push("iframe " + f.src + ": " + w); });
    });
    return out;
  }
  function iframesStatus(kind) {
    var out = [];
    childFrames().forEach(function (f) {
      if (!f.rt || f.doc.readyState !== "complete") return;
      f.rt.status()[kind].forEach(function (w) { out.push("iframe " + f.src + ": " + w); });
    });
    return out;
  }
  function iframesDriven() {
    return childFrames().some(function (f) { return !!f.rt; });
  }
  function seekIframes(t, waitMs) {
    var pending = [];
    childFrames().forEach(function (f) {
      if (!f.rt) return;
      var r = f.rt.seek(t, null, waitMs);
      if (thenable(r)) pending.push({ what: "iframe " + f.src, promise: r });
    });
    return pending;
  }
  function iframeWarnings() {
    return Object.keys(crossOrigin).map(function (src) {
      return "iframe " + src + " is not same-origin; hf cannot move its clock, so it plays on its own time";
    });
  }
