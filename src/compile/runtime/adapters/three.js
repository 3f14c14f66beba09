  // ---- Three.js and TypeGPU -------------------------------------------------
  // Both read window.__hfThreeTime / __hfTypegpuTime (seconds) and redraw
  // on the hf-seek event (seek-dispatch.js). Before frame 0 hf waits until
  // THREE.DefaultLoadingManager has loaded every item queued on it
  // (textures, models), so the first frame does not show them missing.
  adapters.push({
    name: "Three.js",
    present: function () { return !!(window.THREE && window.THREE.DefaultLoadingManager); },
    waiting: function () {
      var m = window.THREE.DefaultLoadingManager;
      var loaded = Number(m.itemsLoaded), total = Number(m.itemsTotal);
      if (isFinite(total) && total > loaded) {
        return ["THREE.DefaultLoadingManager to load its items (" + loaded + " of " + total + " loaded)"];
      }
      return [];
    },
  });
