  // ---- a page's own seek protocol: a window.__hf with duration and seek(t) ----
  // The reference lets a page expose this minimal protocol instead of a
  // timeline; hf calls the page's seek(t) after its own clock, timelines and
  // adapters have moved, and waits for the promise it may return. hf's own
  // runtime lives at window.__hfRuntime, so the name is the page's.
  function pageProtocol() {
    var p = window.__hf;
    return p && typeof p === "object" && typeof p.seek === "function" ? p : null;
  }
  adapters.push({
    name: "the page's window.__hf protocol",
    present: function () { return !!pageProtocol(); },
    seek: function (t) {
      var r = pageProtocol().seek(t);
      return thenable(r) ? [{ what: "the page's window.__hf.seek(" + t + ")", promise: r }] : [];
    },
    duration: function () {
      var d = pageProtocol().duration;
      return typeof d === "function" ? d.call(pageProtocol()) : d;
    },
  });
