  // ---- seeded randomness -------------------------------------------------
  // Mulberry32, re-seeded from the frame time on every seek, so a frame's
  // random stream never depends on which worker or route captured it.
  var rngState = 0;
  function reseed(ms) {
    rngState = (Math.imul(Math.floor(ms) >>> 0, 0x9e3779b9) + 0x9e3779b9) >>> 0;
  }
  function random() {
    rngState = (rngState + 0x6d2b79f5) >>> 0;
    var t = rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  reseed(0);
  Math.random = random;
  if (window.crypto && window.crypto.getRandomValues) {
    window.crypto.getRandomValues = function (arr) {
      for (var i = 0; i < arr.length; i++) arr[i] = Math.floor(random() * 4294967296);
      return arr;
    };
  }
