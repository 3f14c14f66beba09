  // ---- capture support: the layer reset --------------------------------------
  // Before capturing a page that changed (changes.js), hf hides the whole
  // document for one BeginFrame so every layer rasters from the current
  // state alone (why: the doc comment of Session::capture_at in
  // src/capture/session.rs). The sheet is a constructed one, so no node
  // enters the page, and `!important` on every element wins over a page's
  // own visibility.
  var browserFrame = window.requestAnimationFrame.bind(window);
  // The originals, so the reset's own sheet raises no change (changes.js
  // wraps the CSSOM's writers).
  var realReplaceSync = CSSStyleSheet.prototype.replaceSync;
  var adopted = Object.getOwnPropertyDescriptor(Document.prototype, "adoptedStyleSheets");
  var resetSheet = null;
  function hideLayers() {
    if (!resetSheet) {
      resetSheet = new CSSStyleSheet();
      realReplaceSync.call(resetSheet, "*, *::before, *::after { visibility: hidden !important; }");
    }
    adopted.set.call(document, document.adoptedStyleSheets.concat([resetSheet]));
    // A browser animation frame runs at the start of the next BeginFrame's
    // main frame: the first inside the hidden frame, the second inside the
    // capture, before its style pass, so the capture shows everything
    // without a round trip of its own.
    browserFrame(function () { browserFrame(showLayers); });
  }
  function showLayers() {
    adopted.set.call(document, document.adoptedStyleSheets.filter(function (s) { return s !== resetSheet; }));
  }
  // After a seek: hide the layers for the reset ("always"), or only when
  // the page changed ("if-changed"), or not at all ("ask"). Returns whether
  // the page changed.
  function afterSeek(hide) {
    var changed = pageChanged();
    if (hide === "always" || (hide === "if-changed" && changed)) hideLayers();
    return changed;
  }
