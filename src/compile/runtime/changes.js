  // ---- capture support: the change hint --------------------------------------
  // Whether the page changed since the last ask: its DOM (attributes,
  // nodes, text), its style sheets, an animation's progress, its scroll
  // position, or any of this in a child frame hf drives (one it cannot
  // drive plays on its own time, which hf already warns of). A capture
  // uses it twice. A change almost always shows, so it skips asking Chrome
  // whether anything was damaged. And only a change can move a layer, so a
  // page that did not change since its last layer reset is captured
  // without another (Session::capture_at). Neither use trusts it to say
  // that nothing shows: Chrome's damage flag decides reuse, and canvas
  // drawing, which hf cannot see here, moves no layer.
  // Records reach the callback at the next microtask checkpoint, which can
  // come before the seek's promise settles, so the callback keeps a flag.
  var changedSince = false;
  var domChanges = new MutationObserver(function () { changedSince = true; });
  domChanges.observe(document, { attributes: true, childList: true, characterData: true, subtree: true });
  // Style rules edited through the CSSOM change no node, so the observer
  // misses them: the CSSOM's writers raise the same flag. Blink sets a
  // declaration's properties through a named-property interceptor, not
  // accessors, so a rule's `style` is handed out behind a Proxy that sees
  // every write (one per declaration, so `rule.style === rule.style`).
  function flagCalls(proto, names) {
    if (!proto) return;
    names.forEach(function (name) {
      var d = Object.getOwnPropertyDescriptor(proto, name);
      if (!d || !d.configurable) return;
      if (typeof d.value === "function") {
        var f = d.value;
        d.value = function () { changedSince = true; return f.apply(this, arguments); };
      } else if (d.set) {
        var set = d.set;
        d.set = function (v) { changedSince = true; return set.call(this, v); };
      } else {
        return;
      }
      Object.defineProperty(proto, name, d);
    });
  }
  var declWrites = { setProperty: true, removeProperty: true };
  var watchedDecls = new WeakMap();
  function watchedDecl(decl) {
    var p = watchedDecls.get(decl);
    if (!p) {
      p = new Proxy(decl, {
        get: function (target, key) {
          var v = Reflect.get(target, key, target);
          if (typeof v !== "function") return v;
          if (declWrites[key]) return function () { changedSince = true; return v.apply(target, arguments); };
          return v.bind(target);
        },
        set: function (target, key, v) { changedSince = true; return Reflect.set(target, key, v, target); },
      });
      watchedDecls.set(decl, p);
    }
    return p;
  }
  function watchRuleStyle(proto) {
    var d = proto && Object.getOwnPropertyDescriptor(proto, "style");
    if (!d || !d.get || !d.configurable) return;
    var get = d.get;
    d.get = function () { var decl = get.call(this); return decl ? watchedDecl(decl) : decl; };
    if (d.set) {
      var set = d.set;
      d.set = function (v) { changedSince = true; return set.call(this, v); };
    }
    Object.defineProperty(proto, "style", d);
  }
  flagCalls(CSSStyleSheet.prototype, ["insertRule", "deleteRule", "addRule", "removeRule", "replace", "replaceSync"]);
  flagCalls(window.StyleSheet && StyleSheet.prototype, ["disabled"]);
  flagCalls(window.CSSGroupingRule && CSSGroupingRule.prototype, ["insertRule", "deleteRule"]);
  flagCalls(window.CSSKeyframesRule && CSSKeyframesRule.prototype, ["appendRule", "deleteRule"]);
  flagCalls(window.CSSRule && CSSRule.prototype, ["cssText"]);
  flagCalls(Document.prototype, ["adoptedStyleSheets"]);
  flagCalls(window.ShadowRoot && ShadowRoot.prototype, ["adoptedStyleSheets"]);
  watchRuleStyle(window.CSSStyleRule && CSSStyleRule.prototype);
  watchRuleStyle(window.CSSKeyframeRule && CSSKeyframeRule.prototype);
  var lastScroll = "";
  function scrollMoved() {
    var at = window.scrollX + "," + window.scrollY;
    var moved = at !== lastScroll;
    lastScroll = at;
    return moved;
  }
  function framesChanged() {
    var changed = false;
    childFrames().forEach(function (f) {
      // Every child is asked, so each one's flags are reset.
      if (f.rt && f.rt.afterSeek("ask")) changed = true;
    });
    return changed;
  }
  function pageChanged() {
    var changed = changedSince || domChanges.takeRecords().length > 0 || animationsMoved;
    changed = scrollMoved() || changed;
    changed = framesChanged() || changed;
    changedSince = false;
    animationsMoved = false;
    return changed;
  }
