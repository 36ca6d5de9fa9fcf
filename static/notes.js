// Note popovers for the [n] markers, copied from the page's own notes (README: "Notes and popovers").
// A non-modal dialog right after its marker: Tab walks through it, Escape closes it, nothing traps focus.
(() => {
  const MARKER = "a[role=doc-noteref][href^='#note-']";
  if (!document.querySelector(MARKER)) return;
  let pop = null, owner = null, timer = 0, pointer = "", wasOpen = false, quiet = null;
  const markerOf = (node) => (node instanceof Element ? node.closest(MARKER) : null);
  const inside = (node) => !!(pop && node instanceof Node && (pop.contains(node) || owner.contains(node)));
  const label = (marker) => marker.getAttribute("aria-label") || marker.textContent;

  function build(marker) {
    const note = document.getElementById(marker.hash.slice(1));
    if (!note) return null;
    const box = document.createElement("div");
    box.className = note.className.replace("note", "popover");
    box.id = "note-popover";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", label(marker));
    box.append(...[...note.children].map((child) => child.cloneNode(true)));
    box.querySelectorAll("a[href^='#ref-']").forEach((el) => el.remove());
    box.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
    const bare = (url) => url.split("#")[0];
    box.querySelectorAll(".src a").forEach((link) => {  // name each source, from the page's list of sources
      const entry = link.hash.startsWith("#src-") ? document.getElementById(link.hash.slice(1))
        : [...document.querySelectorAll(".source-list cite a")].find((a) => bare(a.href) === bare(link.href));
      const cite = entry?.closest("li")?.querySelector("cite");
      if (cite) link.before(cite.cloneNode(true), ", ");
    });
    const more = document.createElement("a");
    more.className = "popover-more";
    more.href = marker.hash;
    more.textContent = (note.closest("[data-popover-more]")?.dataset.popoverMore || "{n}").replace("{n}", marker.hash.slice(6));
    box.append(more);
    return box;
  }

  function open(marker) {
    clearTimeout(timer);
    if (owner === marker) return;
    close(false);
    pop = build(marker);
    if (!pop) return;
    owner = marker;
    marker.after(pop);
    marker.setAttribute("aria-describedby", pop.id);
    place();
  }

  function close(returnFocus) {
    clearTimeout(timer);
    if (!pop) return;
    const marker = owner;
    pop.remove();
    marker.removeAttribute("aria-describedby");
    pop = owner = null;
    if (returnFocus) {
      quiet = marker;  // focus coming back must not reopen it
      marker.focus();
    }
  }

  function place() {  // below the marker if it fits (or fits best), else above; always inside the window
    if (!pop) return;
    const r = owner.getBoundingClientRect(), width = document.documentElement.clientWidth, height = innerHeight;
    if (r.bottom < 0 || r.top > height) return close(pop.contains(document.activeElement));
    pop.style.maxHeight = "";
    const below = height - r.bottom - 14, above = r.top - 14, down = pop.offsetHeight <= below || below >= above;
    pop.style.maxHeight = Math.max(96, Math.min(pop.offsetHeight, down ? below : above)) + "px";
    pop.style.left = Math.max(8, Math.min(r.left - 16, width - pop.offsetWidth - 8)) + "px";
    pop.style.top = Math.max(8, down ? r.bottom + 6 : r.top - 6 - pop.offsetHeight) + "px";
  }

  const later = (action, delay) => { clearTimeout(timer); timer = setTimeout(action, delay); };
  const on = (type, handler) => document.addEventListener(type, handler);
  on("pointerover", (e) => {
    if (e.pointerType !== "mouse") return;
    const marker = markerOf(e.target);
    if (marker && marker !== owner) later(() => open(marker), 120);
    else if (inside(e.target)) clearTimeout(timer);
  });
  on("pointerout", (e) => {
    if (e.pointerType !== "mouse" || !inside(e.target) || inside(e.relatedTarget) || inside(document.activeElement)) return;
    later(() => close(false), 300);
  });
  on("pointerdown", (e) => {
    pointer = e.pointerType;
    const marker = markerOf(e.target);
    wasOpen = !!marker && marker === owner;
    if (!marker && !inside(e.target)) close(false);
  });
  on("click", (e) => {  // a first tap shows the note here; a click, Enter or second tap goes to it
    const marker = markerOf(e.target);
    if (!marker) return;
    if ((pointer === "touch" || pointer === "pen") && !wasOpen) {
      e.preventDefault();
      open(marker);
    } else close(false);
  });
  on("focusin", (e) => {
    const marker = markerOf(e.target);
    if (e.target !== quiet) quiet = null;
    if (marker && marker !== quiet) open(marker);
    else if (!inside(e.target)) close(false);
  });
  on("keydown", (e) => {
    pointer = "";
    if (e.key === "Escape" && pop) close(inside(document.activeElement));
  });
  const follow = (e) => inside(e.target) || requestAnimationFrame(place);  // the page moved, not the popover
  addEventListener("scroll", follow, { passive: true, capture: true });
  addEventListener("resize", follow, { passive: true });
})();
