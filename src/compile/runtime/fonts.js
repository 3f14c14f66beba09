  // ---- fonts the page names but the machine lacks ---------------------------
  // Font families the page asks for (first of each stack) that the browser
  // cannot find: a text measured in "F, serif" and in "F, monospace"
  // matches the bare fallbacks only when F is missing.
  function missingFonts() {
    var generic = /^(serif|sans-serif|monospace|cursive|fantasy|system-ui|ui-.*|emoji|math|fangsong|inherit|initial)$/i;
    var seen = {}, missing = [];
    var canvas = document.createElement("canvas").getContext("2d");
    function width(font) { canvas.font = "72px " + font; return canvas.measureText("Hamburgefonstiv 0123456789").width; }
    document.querySelectorAll("body, body *").forEach(function (el) {
      if (!el.firstChild) return;
      var first = (getComputedStyle(el).fontFamily || "").split(",")[0].trim().replace(/^["']|["']$/g, "");
      if (!first || generic.test(first) || seen[first]) return;
      seen[first] = true;
      var q = '"' + first.replace(/"/g, "") + '"';
      // A family with @font-face rules is not missing, even when the
      // faces of weights this page never draws stay unloaded.
      var declared = false;
      if (document.fonts) document.fonts.forEach(function (f) {
        if (f.family.replace(/["']/g, "").toLowerCase() === first.toLowerCase() && f.status !== "error") declared = true;
      });
      if (declared) return;
      if (width(q + ", serif") === width("serif") && width(q + ", monospace") === width("monospace")) missing.push(first);
    });
    return missing;
  }
