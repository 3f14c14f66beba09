  // ---- maps and D3: readiness only ----------------------------------------
  // Google Maps, Mapbox GL, MapLibre GL and Leaflet instances (and D3
  // transitions) pushed onto their window list are waited for before
  // frame 0: the map's load event (Google's tilesloaded, Leaflet's
  // whenReady) or the transition's end(). They draw through the DOM,
  // canvas, rAF or timers, which hf drives already; nothing to seek. A map
  // whose loading itself waits on page timers or animation frames can only
  // finish as composition time runs, so these waits are soft: after a grace
  // period the render goes on, with a warning naming the instance.
  function readinessAdapter(list, label, event, waitFor) {
    var state = new WeakMap();
    adapters.push({
      name: label + " (window." + list + ")",
      soft: true,
      present: function () { return instancesOf(list).length > 0; },
      waiting: function () {
        var out = [];
        instancesOf(list).forEach(function (m, i) {
          if (!m || typeof m !== "object") return;
          var s = state.get(m);
          if (!s) {
            s = { done: false };
            state.set(m, s);
            try {
              Promise.resolve(waitFor(m)).then(function () { s.done = true; }, function () { s.done = true; });
            } catch (e) { s.done = true; logError(e); }
          }
          if (!s.done) out.push(label + " window." + list + "[" + i + "] to fire " + event);
        });
        return out;
      },
    });
  }
  readinessAdapter("__hfGoogleMaps", "Google Maps map", "tilesloaded", function (m) {
    return new Promise(function (resolve) {
      var h = m.addListener("tilesloaded", function () {
        if (h && typeof h.remove === "function") h.remove();
        resolve();
      });
    });
  });
  function glMapLoaded(m) {
    return new Promise(function (resolve) {
      if (typeof m.loaded === "function" && m.loaded()) resolve();
      else m.on("load", resolve);
    });
  }
  readinessAdapter("__hfMapbox", "Mapbox map", "load", glMapLoaded);
  readinessAdapter("__hfMaplibre", "MapLibre map", "load", glMapLoaded);
  readinessAdapter("__hfLeaflet", "Leaflet map", "whenReady", function (m) {
    return new Promise(function (resolve) { m.whenReady(resolve); });
  });
  readinessAdapter("__hfD3", "D3 transition", "end", function (t) { return t.end(); });
  // Map families the page uses, for the offline tile warning.
  function mapFamilies() {
    return ["__hfGoogleMaps", "__hfMapbox", "__hfMaplibre", "__hfLeaflet"].filter(function (n) {
      return instancesOf(n).length > 0;
    });
  }
