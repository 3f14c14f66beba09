  // ---- media: Chrome never plays it; hf mixes audio itself ---------------
  HTMLMediaElement.prototype.play = function () { return Promise.resolve(); };
  function silenceMedia() {
    document.querySelectorAll("audio,video").forEach(function (m) {
      m.muted = true; m.autoplay = false;
      try { m.pause(); } catch (e) { /* ignore */ }
    });
  }

  // ---- video frames: hf decodes them, the page only paints them ----------
  // Each <video> lost its src at compile time; hf names the source frame
  // for every capture, and it is painted as the element's own background,
  // sized like the video picture (object-fit, object-position), so the
  // element keeps its box, border, radius, opacity, transforms and
  // animations. As in the reference, which hides the <video> and paints
  // the frame on an image in its place, the picture fills the padding box
  // and the element's own background colour, box-shadow and outline are
  // not drawn. The seek waits until the
  // frame image has loaded: it is then in the memory cache and the next
  // BeginFrame paints it.
  var videoState = {};
  var FIT = { contain: "contain", cover: "cover", fill: "100% 100%", none: "auto" };
  // `scale-down` is `none` for a picture that fits the box, else `contain`.
  function fitSize(fit, el, img) {
    if (fit !== "scale-down") return FIT[fit] || "contain";
    var fits = img && img.naturalWidth <= el.clientWidth && img.naturalHeight <= el.clientHeight;
    return fits ? "auto" : "contain";
  }
  function paintVideo(key, url, img) {
    var st = videoState[key];
    if (!st) {
      var el = document.querySelector('video[data-hf-video="' + key + '"]');
      if (!el) return;
      var cs = getComputedStyle(el);
      st = videoState[key] = { el: el, url: null, img: null, fit: cs.objectFit };
      el.style.setProperty("background-size", fitSize(cs.objectFit, el, img), "important");
      el.style.setProperty("background-position", cs.objectPosition || "50% 50%", "important");
      el.style.setProperty("background-repeat", "no-repeat", "important");
      el.style.setProperty("background-origin", "padding-box", "important");
      el.style.setProperty("background-clip", "padding-box", "important");
      el.style.setProperty("background-color", "transparent", "important");
      el.style.setProperty("box-shadow", "none", "important");
      el.style.setProperty("outline", "none", "important");
    }
    if (st.url === url) return;
    st.url = url;
    st.img = img; // keeps the decoded image alive in the cache
    st.el.style.setProperty("background-image", 'url("' + url + '")', "important");
  }
  function loadImage(url) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error("hf could not load video frame " + url)); };
      img.src = url;
    });
  }
  function showVideoFrames(list) {
    return Promise.all(list.map(function (p) {
      var st = videoState[p[0]];
      if (st && st.url === p[1]) return null;
      return loadImage(p[1]).then(function (img) { return [p[0], p[1], img]; });
    })).then(function (done) {
      done.forEach(function (d) { if (d) paintVideo(d[0], d[1], d[2]); });
      return true;
    });
  }
