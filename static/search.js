/* The search page, with no server: the build writes every page, fact, source and person into
   the parts of the index, static/search-index.<N>.<hash>.js (window.explainerSearchParts[N]),
   which the page names and this script loads, as scripts, when there is something to search,
   because browsers refuse fetch() on file://. Results are built as text, never parsed as HTML.
   Without JavaScript the page lists everything instead. */
(function () {
  "use strict";

  var script = document.currentScript;  // static/search.<hash>.js: the site's root is one folder up
  var siteRoot = new URL("..", script ? script.src : document.baseURI);
  var LIMIT = 50;
  // The page's language: labels and sentences with {query}, {count}, {limit} (templates/i18n/LANG.yaml).
  var form = document.querySelector("[data-search-page]");
  var WORDS = JSON.parse(form ? form.getAttribute("data-search-messages") || "{}" : "{}");
  var LABELS = WORDS.labels || {};
  var WEIGHTS = { title: 8, summary: 3, text: 1, keywords: 1 };

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

  // Every word of the query must begin a word of the document; titles weigh most, whole words more.
  function score(entry, terms, phrase) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var best = 0;
      for (var name in WEIGHTS) {
        var tokens = entry.fields[name];
        for (var j = 0; j < tokens.length; j++) {
          if (tokens[j].lastIndexOf(terms[i], 0) === 0) {
            best = Math.max(best, WEIGHTS[name] * (tokens[j].length === terms[i].length ? 1.5 : 1));
          }
        }
      }
      if (!best) { return 0; }
      total += best;
    }
    return total + (terms.length > 1 && entry.folded.indexOf(phrase) >= 0 ? 10 : 0);
  }

  function search(prepared, query) {
    var terms = words(query);
    var phrase = terms.join(" ");
    return !terms.length ? [] : prepared
      .map(function (entry) { return { entry: entry, score: score(entry, terms, phrase) }; })
      .filter(function (hit) { return hit.score > 0; })
      .sort(function (a, b) { return b.score - a.score || a.entry.position - b.entry.position; });
  }

  function snippet(doc, query) {
    var first = words(query)[0] || "";
    var text = doc.text || "";
    var at = first ? text.toLowerCase().indexOf(first) : -1;
    if (at < 0) { return doc.summary; }
    var start = text.lastIndexOf(" ", Math.max(0, at - 60)) + 1;
    var end = text.indexOf(" ", Math.min(text.length, at + 120));
    end = end < 0 ? text.length : end;
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function show(parts, prepared, query) {
    var hits = search(prepared, query);
    var searching = words(query).length > 0;
    parts.results.textContent = "";
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
      parts.results.appendChild(item);
    });
    parts.results.hidden = !searching;
    parts.browse.hidden = searching;
    var values = { query: "“" + query.trim() + "”", count: hits.length, limit: LIMIT };
    parts.status.textContent = !searching ? "" : !hits.length ? say(WORDS.no_results, values) :
      hits.length > LIMIT ? say(WORDS.first, values) :
      say((WORDS.results || {})[hits.length === 1 ? "one" : "other"], values);
  }

  function say(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  var waiting = [];
  var index = null;

  // Every part, then their documents in order; a part that fails to load says so and stops the search.
  function loadIndex(form, ready) {
    if (index) { return ready(index); }
    waiting.push(ready);
    if (waiting.length > 1) { return; }  // already loading
    var urls = (form.getAttribute("data-search-index") || "").split(" ").filter(Boolean);
    var left = urls.length;
    function failed() { document.querySelector("[data-search-status]").textContent = WORDS.failed || ""; }
    urls.forEach(function (url) {
      var tag = document.createElement("script");
      tag.src = url;
      tag.onload = function () {
        if (--left) { return; }
        var parts = window.explainerSearchParts || {};
        var documents = [];
        for (var n = 0; n < urls.length; n++) {
          if (!parts[n]) { return failed(); }
          documents = documents.concat(parts[n].documents);
        }
        index = { documents: documents };
        waiting.splice(0).forEach(function (callback) { callback(index); });
      };
      tag.onerror = failed;
      document.head.appendChild(tag);
    });
  }

  function start(form) {
    var parts = {
      input: form.querySelector("input[name=q]"),
      status: document.querySelector("[data-search-status]"),
      results: document.querySelector("[data-search-results]"),
      browse: document.querySelector("[data-search-browse]")
    };
    var prepared = null;
    var timer = null;
    function update() {
      if (!prepared) {
        return loadIndex(form, function (index) { prepared = prepared || prepare(index.documents); update(); });
      }
      show(parts, prepared, parts.input.value);
      var url = new URL(window.location.href);
      if (parts.input.value.trim()) { url.searchParams.set("q", parts.input.value); } else { url.searchParams.delete("q"); }
      try { window.history.replaceState(null, "", url.href); } catch (error) { /* a browser may refuse on file:// */ }
    }
    form.hidden = false;
    parts.input.value = new URLSearchParams(window.location.search).get("q") || "";
    parts.input.addEventListener("focus", function () { loadIndex(form, function () {}); });
    parts.input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 120);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    if (parts.input.value.trim()) { update(); }
  }

  if (form) { start(form); }
})();
