  // ---- capture support: the layer reset and the change hint ------------------
  // Before each capture hf hides the whole document for one BeginFrame so
  // every layer rasters from the current state alone (why: the doc comment
  // of Session::capture_at in src/capture/session.rs). The sheet is a
  // constructed one, so no node enters the page, and `!important` on every
  // element wins over a page's own visibility.
  var browserFrame = window.requestAnimationFrame.bind(window);
  var resetSheet = null;
  function hideLayers() {
    if (!resetSheet) {
      resetSheet = new CSSStyleSheet();
      resetSheet.replaceSync("*, *::before, *::after { visibility: hidden !important; }");
    }
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([resetSheet]);
    // A browser animation frame runs at the start of the next BeginFrame's
    // main frame: the first inside the hidden frame, the second inside the
    // capture, before its style pass, so the capture shows everything
    // without a round trip of its own.
    browserFrame(function () { browserFrame(showLayers); });
  }
  function showLayers() {
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter(function (s) { return s !== resetSheet; });
  }
  // Whether the DOM changed (attributes, nodes, text) or an animation moved
  // since the last ask. A change almost always shows, so the capture then
  // skips asking Chrome whether anything was damaged. It is a hint only:
  // without a change, Chrome's damage flag still decides whether a frame is
  // reused (canvas drawing, say, changes nothing hf can see here).
  // Records reach the callback at the next microtask checkpoint, which can
  // come before the seek's promise settles, so the callback keeps a flag.
  var changedSince = false;
  var domChanges = new MutationObserver(function () { changedSince = true; });
  domChanges.observe(document, { attributes: true, childList: true, characterData: true, subtree: true });
  function pageChanged() {
    var changed = changedSince || domChanges.takeRecords().length > 0 || animationsMoved;
    changedSince = false;
    animationsMoved = false;
    return changed;
  }
  // After a seek: hide the layers for the reset ("always"), or only when
  // the DOM changed ("if-changed", when hf may first check for damage).
  // Returns whether the DOM changed.
  function afterSeek(hide) {
    var changed = pageChanged();
    if (hide === "always" || (hide === "if-changed" && changed)) hideLayers();
    return changed;
  }
