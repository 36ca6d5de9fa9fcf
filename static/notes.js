/* Note popovers for the [n] citation markers.
   Without JavaScript each marker is a plain link to its note. With it, hovering, focusing or
   tapping a marker shows that note (fact, source, date, quote) in a popover copied from the
   page's own notes: nothing is fetched.
   The popover is a non-modal dialog (it holds links, so it is not a tooltip), inserted right
   after its marker: Tab walks into its links and on out of it, and nothing traps focus. While
   it is open the marker is aria-describedby it, so screen readers read the note with the
   marker. Escape closes it and returns focus to the marker; Enter or a click follows the link
   to the note as before; on touch screens the first tap opens the popover, the second follows. */
(() => {
  "use strict";
  const MARKER = "a.ref[href^='#note-']";
  if (!document.querySelector(MARKER)) return;
  let pop = null;       // the open popover
  let owner = null;     // the marker it belongs to
  let timer = 0;        // pending open or close (mouse hover)
  let pointer = "";     // type of the last pointer press, "" after a key press
  let wasOpen = false;  // was the pressed marker's popover already open?
  let quiet = null;     // a marker that Escape just closed: focusing it again does not reopen

  const markerOf = (node) => (node instanceof Element ? node.closest(MARKER) : null);
  const inside = (node) => !!(pop && node instanceof Node && (pop.contains(node) || owner.contains(node)));

  function build(marker) {
    const note = document.getElementById(marker.hash.slice(1));
    if (!note) return null;
    const box = document.createElement("div");
    box.className = "popover " + note.className.replace(/\bnote\b/, "").trim();
    box.id = "note-popover";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", marker.getAttribute("aria-label") || marker.textContent);
    for (const child of note.children) box.append(child.cloneNode(true));
    box.querySelectorAll(".back").forEach((el) => el.remove());
    box.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
    // Name each source and link to it, from the page's list of sources.
    box.querySelectorAll(".src a[href^='#src-']").forEach((link) => {
      const cite = document.getElementById(link.hash.slice(1))?.querySelector("cite");
      if (cite) link.replaceWith(cite.cloneNode(true), ", ", ...link.childNodes);
    });
    const more = document.createElement("a");
    more.className = "popover-more";
    more.href = marker.hash;
    more.textContent = "Go to " + (marker.getAttribute("aria-label") || "the note").toLowerCase();
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
      quiet = marker;
      marker.focus();
    }
  }

  function place() {
    if (!pop) return;
    const r = owner.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    const height = window.innerHeight;
    if (r.bottom < 0 || r.top > height) return close(pop.contains(document.activeElement));
    const gap = 6;
    pop.style.maxHeight = "";
    const below = height - r.bottom - gap - 8;
    const above = r.top - gap - 8;
    const downwards = pop.offsetHeight <= below || below >= above;
    pop.style.maxHeight = Math.max(96, Math.min(pop.offsetHeight, downwards ? below : above)) + "px";
    const left = Math.max(8, Math.min(r.left - 16, width - pop.offsetWidth - 8));
    const top = downwards ? r.bottom + gap : r.top - gap - pop.offsetHeight;
    pop.style.left = left + "px";
    pop.style.top = Math.max(8, top) + "px";
  }

  function later(action, delay) {
    clearTimeout(timer);
    timer = setTimeout(action, delay);
  }

  document.addEventListener("pointerover", (event) => {
    if (event.pointerType !== "mouse") return;
    const marker = markerOf(event.target);
    if (marker && marker !== owner) later(() => open(marker), 120);
    else if (inside(event.target)) clearTimeout(timer);
  });
  document.addEventListener("pointerout", (event) => {
    if (event.pointerType !== "mouse" || !inside(event.target) || inside(event.relatedTarget)) return;
    if (pop.contains(document.activeElement) || owner === document.activeElement) return;
    later(() => close(false), 300);
  });
  document.addEventListener("pointerdown", (event) => {
    pointer = event.pointerType;
    const marker = markerOf(event.target);
    wasOpen = !!marker && marker === owner;
    if (!marker && !inside(event.target)) close(false);
  });
  document.addEventListener("click", (event) => {
    const marker = markerOf(event.target);
    if (!marker) return;
    if ((pointer === "touch" || pointer === "pen") && !wasOpen) {
      event.preventDefault();  // the first tap shows the note here; the second goes to it
      open(marker);
    } else {
      close(false);  // follow the link to the note, as without JavaScript
    }
  });
  document.addEventListener("focusin", (event) => {
    const marker = markerOf(event.target);
    if (event.target !== quiet) quiet = null;
    if (marker && marker !== quiet) open(marker);
    else if (!inside(event.target)) close(false);
  });
  document.addEventListener("keydown", (event) => {
    pointer = "";
    if (event.key !== "Escape" || !pop) return;
    const focused = document.activeElement;
    close(pop.contains(focused) || focused === owner);
  });
  // Follow the marker when the page (or a table around it) scrolls, not when the popover does.
  const follow = (event) => inside(event.target) || requestAnimationFrame(place);
  window.addEventListener("scroll", follow, { passive: true, capture: true });
  window.addEventListener("resize", follow, { passive: true });
})();
