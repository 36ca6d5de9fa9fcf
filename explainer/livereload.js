// Live reload for `build.py serve`. The server injects this into HTML responses while it
// serves; it is never written into the output folder. It listens to the server's events:
// after a rebuild that changed pages it reloads, after a stylesheet-only rebuild it swaps
// the stylesheets, and while the last rebuild failed it shows its errors over the page.
(function () {
  "use strict";
  var live = window.__explainerLive;
  var overlay = null;

  function showErrors(errors) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "explainer-error-overlay";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;box-sizing:border-box;" +
        "margin:0;padding:1.5rem 2rem;background:rgba(24,24,27,.96);color:#fafafa;text-align:left;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;";
      var heading = document.createElement("h2");
      heading.style.cssText = "margin:0 0 .5rem;font:bold 18px/1.3 system-ui,sans-serif;color:#fca5a5;";
      heading.textContent = "The last rebuild failed";
      var note = document.createElement("p");
      note.style.cssText = "margin:0 0 1rem;font:14px/1.4 system-ui,sans-serif;color:#d4d4d8;";
      note.textContent = "You are looking at the last good version. Fix these errors and save: this page updates by itself.";
      var list = document.createElement("ol");
      list.className = "explainer-errors";
      list.style.cssText = "margin:0;padding:0 0 0 1.5rem;";
      overlay.appendChild(heading);
      overlay.appendChild(note);
      overlay.appendChild(list);
      (document.body || document.documentElement).appendChild(overlay);
    }
    var items = overlay.querySelector("ol");
    while (items.firstChild) items.removeChild(items.firstChild);
    errors.forEach(function (text) {
      var item = document.createElement("li");
      var pre = document.createElement("pre");
      pre.style.cssText = "margin:0 0 .75rem;white-space:pre-wrap;font:inherit;";
      pre.textContent = text;  // text, never markup: error messages quote the content verbatim
      item.appendChild(pre);
      items.appendChild(item);
    });
  }

  function hideErrors() {
    if (overlay) {
      overlay.parentNode.removeChild(overlay);
      overlay = null;
    }
  }

  function swapStylesheets(generation) {
    fetch(location.href, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (text) {
      var fresh = new DOMParser().parseFromString(text, "text/html").querySelectorAll('link[rel~="stylesheet"]');
      var old = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet"]'));
      var anchor = old.length ? old[old.length - 1] : null;
      Array.prototype.forEach.call(fresh, function (link) {
        var url = new URL(link.getAttribute("href"), location.href);
        url.searchParams.set("explainer-reload", String(generation));
        var copy = document.createElement("link");
        copy.rel = "stylesheet";
        copy.href = url.href;
        if (link.media) copy.media = link.media;
        if (anchor) anchor.parentNode.insertBefore(copy, anchor.nextSibling); else document.head.appendChild(copy);
        anchor = copy;
      });
      var remaining = fresh.length;
      function dropOld() { old.forEach(function (link) { if (link.parentNode) link.parentNode.removeChild(link); }); }
      if (!remaining) dropOld();
      document.querySelectorAll('link[href*="explainer-reload=' + generation + '"]').forEach(function (link) {
        link.addEventListener("load", function () { if (--remaining === 0) dropOld(); });
        link.addEventListener("error", function () { location.reload(); });
      });
    }).catch(function () { location.reload(); });
  }

  var source = new EventSource(live.events);
  source.addEventListener("state", function (event) {
    var state = JSON.parse(event.data);
    if (state.errors.length) {
      showErrors(state.errors);
      return;
    }
    hideErrors();
    if (state.instance !== live.instance || state.page_generation > live.pageGeneration) {
      source.close();
      location.reload();
    } else if (state.generation > live.generation) {
      live.generation = state.generation;
      swapStylesheets(state.generation);
    }
  });
})();
