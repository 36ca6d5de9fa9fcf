/* Site search without a server: the build writes every page, fact, source and person into
   static/search-index.<hash>.js (window.explainerSearchIndex); this script searches it in the
   browser. It works on any static host and from disk (file://), where fetch() is refused.
   Without JavaScript the forms stay hidden and the search page lists everything instead. */
(function () {
  "use strict";

  // The site's root is the folder above static/, where this script lives.
  var script = document.currentScript;
  var siteRoot = script ? new URL("..", script.src) : new URL(".", document.baseURI);
  var LIMIT = 50;
  var LABELS = { page: "Page", fact: "Fact", claim: "Claim", denial: "Denial", quote: "Quote", law: "Law",
                 ruling: "Ruling", source: "Source", actor: "Person or organisation" };
  var WEIGHTS = { title: 8, summary: 3, text: 1 };

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function words(text) {
    return fold(text).match(/[\p{L}\p{N}]+/gu) || [];
  }

  function prepare(documents) {
    return documents.map(function (doc, position) {
      var fields = {};
      Object.keys(WEIGHTS).forEach(function (name) { fields[name] = words(doc[name]); });
      return { doc: doc, position: position, fields: fields, folded: fold(doc.title + " " + doc.summary) };
    });
  }

  function score(entry, terms, phrase) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var best = 0;
      for (var name in WEIGHTS) {
        var tokens = entry.fields[name];
        for (var j = 0; j < tokens.length; j++) {
          if (tokens[j].lastIndexOf(terms[i], 0) === 0) {
            var value = WEIGHTS[name] * (tokens[j].length === terms[i].length ? 1.5 : 1);
            if (value > best) { best = value; }
          }
        }
      }
      if (!best) { return 0; }  // every word of the query must be found
      total += best;
    }
    return total + (terms.length > 1 && entry.folded.indexOf(phrase) >= 0 ? 10 : 0);
  }

  function search(prepared, query) {
    var terms = words(query);
    if (!terms.length) { return []; }
    var phrase = terms.join(" ");
    return prepared
      .map(function (entry) { return { entry: entry, score: score(entry, terms, phrase) }; })
      .filter(function (hit) { return hit.score > 0; })
      .sort(function (a, b) { return b.score - a.score || a.entry.position - b.entry.position; });
  }

  function snippet(doc, query) {
    var first = words(query)[0] || "";
    var text = doc.text || "";
    var at = text.toLowerCase().indexOf(first);
    if (!first || at < 0 || !text) { return doc.summary; }
    var start = Math.max(0, text.lastIndexOf(" ", Math.max(0, at - 60)) + 1);
    var end = text.indexOf(" ", Math.min(text.length, at + 120));
    end = end < 0 ? text.length : end;
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }  // content is never parsed as HTML
    return node;
  }

  function showResults(parts, prepared, query) {
    var hits = search(prepared, query);
    var results = parts.results;
    results.textContent = "";
    hits.slice(0, LIMIT).forEach(function (hit) {
      var doc = hit.entry.doc;
      var item = element("li", "search-result");
      var link = element("a", null, doc.title);
      link.href = new URL(doc.url, siteRoot).href;
      item.appendChild(element("span", "search-type kind kind-" + doc.type, LABELS[doc.type] || doc.type));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(link);
      var text = snippet(doc, query);
      if (text) { item.appendChild(element("p", "search-snippet", text)); }
      results.appendChild(item);
    });
    var searching = words(query).length > 0;
    results.hidden = !searching;
    parts.browse.hidden = searching;
    if (!searching) {
      parts.status.textContent = "";
    } else if (!hits.length) {
      parts.status.textContent = "No results for “" + query.trim() + "”.";
    } else {
      parts.status.textContent = (hits.length > LIMIT ? "The first " + LIMIT + " of " : "") + hits.length +
        " result" + (hits.length === 1 ? "" : "s") + " for “" + query.trim() + "”.";
    }
  }

  function startSearchPage(form) {
    var index = window.explainerSearchIndex;
    var parts = {
      input: form.querySelector("input[name=q]"),
      status: document.querySelector("[data-search-status]"),
      results: document.querySelector("[data-search-results]"),
      browse: document.querySelector("[data-search-browse]")
    };
    if (!index || !parts.input || !parts.status || !parts.results || !parts.browse) { return; }
    var prepared = prepare(index.documents);
    var query = new URLSearchParams(window.location.search).get("q") || "";
    form.hidden = false;
    parts.input.value = query;
    var timer = null;
    function update() {
      showResults(parts, prepared, parts.input.value);
      var url = new URL(window.location.href);
      if (parts.input.value.trim()) { url.searchParams.set("q", parts.input.value); } else { url.searchParams.delete("q"); }
      try { window.history.replaceState(null, "", url.href); } catch (error) { /* a browser may refuse on file:// */ }
    }
    parts.input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 120);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    showResults(parts, prepared, query);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-search-form]"), function (form) {
      form.hidden = false;
    });
    var page = document.querySelector("[data-search-page]");
    if (page) { startSearchPage(page); }
  }

  // Deferred scripts run before DOMContentLoaded, in order: wait for the index script too.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
