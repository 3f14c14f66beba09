  // ---- adapters -----------------------------------------------------------
  // Every animation library hf drives is an adapter: an object with
  //   name                 what error messages and warnings call it
  //   present()            the page uses it (then it needs no GSAP timeline)
  //   waiting()            readiness items still pending (strings)
  //   soft                 its readiness is waited for a grace period only
  //   seek(t)              move to composition time t; returns promises to
  //                        wait for before capture, as [{what, promise}]
  //   duration()           seconds it runs for, or 0 when it cannot say
  //   problems()           contract violations that stop the render
  // Files under adapters/ push theirs onto this list.
  var adapters = [];
  function instancesOf(name) {
    var list = window[name];
    return Array.isArray(list) ? list : [];
  }
  function adaptersPresent() {
    return adapters.filter(function (a) { return a.present(); }).map(function (a) { return a.name; });
  }
  function adaptersSeek(t) {
    var pending = [];
    adapters.forEach(function (a) {
      if (!a.seek || !a.present()) return;
      try { pending = pending.concat(a.seek(t) || []); } catch (e) { logError(e); }
    });
    return pending;
  }
  function adaptersWaiting(soft) {
    var out = [];
    adapters.forEach(function (a) {
      if (!a.waiting || !!a.soft !== soft || !a.present()) return;
      try { out = out.concat(a.waiting()); } catch (e) { logError(e); }
    });
    return out;
  }
  function adaptersProblems() {
    var out = [];
    adapters.forEach(function (a) { if (a.problems && a.present()) out = out.concat(a.problems()); });
    return out;
  }
  function adaptersDuration() {
    var end = 0;
    adapters.forEach(function (a) {
      if (!a.duration || !a.present()) return;
      var d = 0;
      try { d = Number(a.duration()) || 0; } catch (e) { logError(e); }
      if (isFinite(d) && d > end) end = d;
    });
    return end;
  }
  // A promise-like value, or null.
  function thenable(v) { return v && typeof v.then === "function" ? v : null; }
