"""What readers see, in a real browser: note popovers by mouse, keyboard and touch, reading with
JavaScript off, phones without sideways scrolling, dark mode and print."""

import pytest

from browser_support import is_permalink_page, site_pages, static_server
from conftest import FACTS_YAML, PAGE_MD, bilingual_files, build, messages

POPOVER = ".popover"
FOCUSED = "document.activeElement"


@pytest.fixture
def tiny_url(make_project):
    """The base tiny project (two facts cited three times on the home page), served."""
    project = make_project()
    result = build(project)
    assert result.ok, messages(result)
    with static_server(project / "site") as base:
        yield base


@pytest.fixture
def bilingual_url(make_project):
    """The tiny project with its partly translated Spanish edition, served."""
    project = make_project(bilingual_files())
    result = build(project)
    assert result.ok, messages(result)
    with static_server(project / "site") as base:
        yield base


def expect():
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect


def tab_to_first_marker(page):
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(f"{FOCUSED}.matches('a[role=doc-noteref]')"):
            return
    pytest.fail("Tab never reached a citation marker")


def markdown_pages(site):
    return [path for path in site_pages(site) if not is_permalink_page(path) and path != "404.html"]


# ---------------------------------------------------------------- popover: mouse

def test_hovering_a_marker_shows_its_note_with_source_date_and_quote(tiny_url, page):
    page.goto(tiny_url)
    marker = page.locator("a[role=doc-noteref]").first
    marker.hover()
    popover = page.locator(POPOVER)
    expect()(popover).to_be_visible()
    assert popover.get_attribute("role") == "dialog"
    assert popover.get_attribute("aria-label") == "Note 1"
    assert marker.get_attribute("aria-describedby") == popover.get_attribute("id")
    text = popover.inner_text()
    assert "FACT" in text.upper() and "The sky was blue on Tuesday." in text   # the fact and its kind
    assert "“The sky was blue.”" in text                                       # the quote
    assert "The Paper, 28 November 2022" in text                              # publisher and date
    assert popover.locator("a[href='https://example.com/article']").inner_text() == "A newspaper article"
    assert popover.locator("[id]").count() == 0, "copied ids would duplicate the note's"
    assert page.url == tiny_url, "hovering must not navigate"
    box, viewport = popover.bounding_box(), page.viewport_size
    assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    # The pointer may travel from the marker into the popover (to use its links) ...
    popover.hover()
    page.wait_for_timeout(500)
    expect()(popover).to_be_visible()
    # ... and leaving both closes it.
    page.mouse.move(1, 1)
    expect()(popover).to_have_count(0)
    assert marker.get_attribute("aria-describedby") is None


def test_clicking_a_marker_still_goes_to_the_note(tiny_url, page):
    page.goto(tiny_url)
    page.locator("a[role=doc-noteref]").nth(1).click()
    assert page.url.endswith("#note-2")
    expect()(page.locator(POPOVER)).to_have_count(0)
    assert page.evaluate("document.querySelector(':target').id") == "note-2"


# ---------------------------------------------------------------- popover: keyboard

def test_tab_to_a_marker_opens_its_popover_and_escape_returns_focus(tiny_url, page):
    page.goto(tiny_url)
    tab_to_first_marker(page)
    popover = page.locator(POPOVER)
    expect()(popover).to_be_visible()
    assert page.evaluate(f"{FOCUSED}.id") == "ref-1-1"
    assert page.evaluate(f"{FOCUSED}.getAttribute('aria-describedby')") == popover.get_attribute("id")
    # The popover sits right after its marker: Tab walks into its links.
    page.keyboard.press("Tab")
    assert page.evaluate(f"!!{FOCUSED}.closest('.popover')")
    page.keyboard.press("Escape")
    expect()(popover).to_have_count(0)
    assert page.evaluate(f"{FOCUSED}.id") == "ref-1-1"
    page.wait_for_timeout(300)
    expect()(popover).to_have_count(0)  # focus coming back does not reopen it


def test_tabbing_through_a_popover_leaves_it_without_a_trap(tiny_url, page):
    page.goto(tiny_url)
    page.locator("#ref-1-1").focus()
    links = page.locator(f"{POPOVER} a").count()
    assert links >= 2
    for _ in range(links):
        page.keyboard.press("Tab")
        assert page.evaluate(f"!!{FOCUSED}.closest('.popover')")
    page.keyboard.press("Tab")
    assert page.evaluate(f"{FOCUSED}.id") == "ref-2-1"  # on to the next marker in the text
    expect()(page.locator(POPOVER)).to_have_count(1)
    assert page.locator(POPOVER).get_attribute("aria-label") == "Note 2"
    page.keyboard.press("Shift+Tab")  # and back: note 1's popover had closed, so straight to its marker
    assert page.evaluate(f"{FOCUSED}.id") == "ref-1-1"
    assert page.locator(POPOVER).get_attribute("aria-label") == "Note 1"


def test_enter_on_a_marker_follows_it_to_the_note(tiny_url, page):
    page.goto(tiny_url)
    page.locator("#ref-2-1").focus()
    expect()(page.locator(POPOVER)).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_function("location.hash === '#note-2'")
    expect()(page.locator(POPOVER)).to_have_count(0)


# ---------------------------------------------------------------- popover: touch

def test_a_tap_opens_the_popover_and_a_second_tap_goes_to_the_note(chromium, tiny_url):
    context = chromium.new_context(has_touch=True, is_mobile=True, viewport={"width": 375, "height": 700})
    try:
        page = context.new_page()
        page.goto(tiny_url)
        marker = page.locator("#ref-1-1")
        marker.tap()
        popover = page.locator(POPOVER)
        expect()(popover).to_be_visible()
        assert page.url == tiny_url
        box = popover.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        page.locator("h1").tap()  # a tap elsewhere closes it
        expect()(popover).to_have_count(0)
        marker.tap()
        expect()(popover).to_be_visible()
        marker.tap()
        page.wait_for_function("location.hash === '#note-1'")
    finally:
        context.close()


# ---------------------------------------------------------------- the real site

def test_every_marker_of_the_real_site_opens_its_own_note_and_escape_closes_it(real_site, real_site_url, page):
    checked = 0
    for path in markdown_pages(real_site):
        page.goto(real_site_url + path)
        for href in dict.fromkeys(page.locator("a[role=doc-noteref]").evaluate_all("els => els.map(e => e.hash)")):
            page.locator(f"a[role=doc-noteref][href='{href}']").first.focus()
            popover = page.locator(POPOVER)
            expect()(popover).to_be_visible()
            note = page.locator(href)
            assert popover.locator("blockquote").all_inner_texts() == note.locator("blockquote").all_inner_texts()
            # The statement, up to the fact-page link (whatever the edition's words for it).
            link = note.locator("p").first.locator("a[href*='facts/']").last.inner_text()
            statement = note.locator("p").first.inner_text().split(link)[0].strip()
            assert statement and statement in popover.inner_text(), (path, href)
            marker_id = page.evaluate(f"{FOCUSED}.id")
            page.keyboard.press("Escape")
            expect()(popover).to_have_count(0)
            assert page.evaluate(f"{FOCUSED}.id") == marker_id, (path, href)
            checked += 1
    assert checked > 0


def test_without_javascript_markers_jump_to_their_notes_and_back(chromium, real_site, real_site_url):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for path in markdown_pages(real_site):
            page.goto(real_site_url + path)
            markers = page.locator("a[role=doc-noteref]")
            if markers.count() == 0:
                continue
            for href in dict.fromkeys(markers.evaluate_all("els => els.map(e => e.getAttribute('href'))")):
                assert page.locator(href).count() == 1, f"{path}: {href} has no note"
            first = markers.first
            first_href, first_id = first.get_attribute("href"), first.get_attribute("id")
            first.click()
            assert page.url.endswith(first_href)
            assert page.locator(POPOVER).count() == 0
            note = page.locator(first_href)
            assert note.is_visible() and note.locator("blockquote").count() >= 1
            note.locator(f"a[href='#{first_id}']").click()
            assert page.url.endswith(f"#{first_id}")
    finally:
        context.close()


@pytest.mark.parametrize("width", [320, 375])  # 1280 px: the next test
def test_phones_never_scroll_sideways_on_any_page(chromium, real_site, real_site_url, width):
    context = chromium.new_context(viewport={"width": width, "height": 740})
    try:
        page = context.new_page()
        wide = []
        for path in site_pages(real_site):
            page.goto(real_site_url + path)
            overflow = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
            if overflow > 0:
                wide.append((path, overflow))
        assert wide == []
    finally:
        context.close()


def test_dark_mode_changes_the_colours(chromium, real_site_url):
    colours = {}
    for scheme in ("light", "dark"):
        context = chromium.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(real_site_url)
            colours[scheme] = page.evaluate(
                "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]")
        finally:
            context.close()
    assert colours["light"] != colours["dark"]
    assert brightness(colours["dark"][0]) < 60 < 200 < brightness(colours["dark"][1])
    assert brightness(colours["light"][0]) > 200 > 60 > brightness(colours["light"][1])


def brightness(css_colour: str) -> float:
    red, green, blue = (float(part) for part in css_colour[css_colour.index("(") + 1:-1].split(",")[:3])
    return 0.299 * red + 0.587 * green + 0.114 * blue


def test_on_a_wide_screen_no_page_scrolls_sideways_or_requests_anything_from_another_host(
        chromium, real_site, real_site_url):
    """What the browser really fetches, scripts and popovers included (test_published_site scans the files)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    requested, elsewhere, wide = [], [], []

    def record(route):
        url = route.request.url
        requested.append(url)
        if url.startswith(real_site_url):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort()

    try:
        context.route("**/*", record)
        page = context.new_page()
        for path in site_pages(real_site):
            page.goto(real_site_url + path, wait_until="load")
            if page.evaluate("document.scrollingElement.scrollWidth > innerWidth"):
                wide.append(path)
            if page.locator("a.ref").count():
                page.locator("a.ref").first.hover()  # a popover is built from the page itself
                expect()(page.locator(POPOVER)).to_be_visible()
    finally:
        context.close()
    assert len(requested) > len(site_pages(real_site))  # pages and their styles and scripts
    assert elsewhere == []
    assert wide == []


def test_the_text_keeps_a_readable_measure_in_system_fonts(chromium, real_site_url):
    context = chromium.new_context(viewport={"width": 1920, "height": 1000})
    try:
        page = context.new_page()
        page.goto(real_site_url)
        measure = page.evaluate("""() => {
            const p = document.querySelector('main p'), probe = document.createElement('span');
            probe.style.cssText = 'display:inline-block;width:1ch';
            p.append(probe);
            const ch = probe.getBoundingClientRect().width;
            probe.remove();
            return p.getBoundingClientRect().width / ch;
        }""")
        page.evaluate("document.fonts.ready")
        web_fonts = page.evaluate("document.fonts.size")
    finally:
        context.close()
    assert 50 <= measure <= 85, f"a line holds about {measure:.0f} characters"
    assert web_fonts == 0, "no @font-face: system fonts only"


def test_printing_the_real_pages_keeps_every_note_and_prints_source_addresses(chromium, real_site, real_site_url):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.emulate_media(media="print")
        printed = 0
        for path in markdown_pages(real_site):
            page.goto(real_site_url + path)
            assert page.locator("nav.sections").is_hidden(), path
            notes = page.locator(".note")
            assert all(note.is_visible() for note in notes.all()), path
            sources = page.locator("[id^='src-'] cite a")
            for link in sources.all():
                after = link.evaluate("a => getComputedStyle(a, '::after').content")
                assert link.get_attribute("href") in after, (path, link.get_attribute("href"), after)
                printed += 1
    finally:
        context.close()
    assert printed > 0


def test_next_and_previous_walk_through_every_section_in_order(page, real_site_url):
    page.goto(real_site_url + "index.html")
    sections = page.locator("nav.sections ol a").evaluate_all("links => links.map(a => a.href)")
    visited = [page.url]
    while page.locator("a[rel=next]").count():
        page.locator("a[rel=next]").click()
        visited.append(page.url)
        current = page.locator("nav.sections [aria-current=page]")
        assert current.evaluate("a => a.href") == page.url
        assert page.locator(".eyebrow").text_content().strip() == f"Section {len(visited)} of {len(sections)}"
    assert visited == sections
    while page.locator("a[rel=prev]").count():
        page.locator("a[rel=prev]").click()
        visited.pop()
        assert page.url == visited[-1]
    assert visited == sections[:1]


def test_timelines_and_comparisons_stay_lists_and_tables_for_assistive_technology(page, real_site, real_site_url):
    """Chromium's accessibility tree, not the markup alone: CSS (display:block on a table) can undo semantics."""
    timelines = tables = 0
    for path in markdown_pages(real_site):
        page.goto(real_site_url + path)
        for timeline in page.locator("ol.timeline").all():
            items = timeline.locator(":scope > li").count()
            assert items and timeline.evaluate("ol => ol.children.length") == items, path
            snapshot = timeline.aria_snapshot()
            assert snapshot.startswith("- list") and snapshot.count("- listitem") >= items, (path, snapshot[:200])
            timelines += 1
        for table in page.locator("main table").all():
            snapshot = table.aria_snapshot()
            assert snapshot.startswith("- table") and "- columnheader" in snapshot, (path, snapshot[:200])
            tables += 1
    assert timelines and tables


# ---------------------------------------------------------------- tiny projects: edge cases

LONG_URL = "https://example.com/" + "a-very-long-path-segment" * 12
WIDE_PAGE = PAGE_MD + f"""
A bare address: {LONG_URL} and a link [{LONG_URL}]({LONG_URL}) and a long word {"x" * 120}.

| Column one | Column two | Column three | Column four | Column five | Column six | Column seven |
|---|---|---|---|---|---|---|
| {"y" * 60} | text | text | text | text | text | text |

::: facts
template: claims
title: Claims and responses
ids: [alice-says-rain]
:::
"""


def test_long_addresses_and_wide_tables_stay_inside_a_320_px_screen(chromium, make_project):
    source = "id: paper\ntitle: A newspaper article\npublisher: The Paper\npublished: \"2022-11-28\"\n" \
             f"url: {LONG_URL}\naccessed: \"2026-11-01\"\nkind: news\n"
    project = make_project({"content/pages/index.md": WIDE_PAGE, "content/sources/paper.yaml": source})
    result = build(project)
    assert result.ok, messages(result)
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        with static_server(project / "site") as base:
            for path in ("", "sources/paper/", "facts/sky-blue/"):
                page.goto(base + path)
                assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), path
            page.goto(base)
            # The wide table scrolls inside its own box instead.
            table = page.locator(".content > table")
            assert table.evaluate("t => t.scrollWidth > t.clientWidth")
            assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
            page.locator("#ref-1-1").focus()
            box = page.locator(POPOVER).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    finally:
        context.close()


def test_print_keeps_the_notes_and_prints_source_addresses(tiny_url, page):
    page.goto(tiny_url)
    page.emulate_media(media="print")
    assert page.locator("nav.sections").is_hidden()
    assert page.locator("#note-1").is_visible()
    source_link = page.locator("#src-paper cite a")
    after = source_link.evaluate("a => getComputedStyle(a, '::after').content")
    assert "https://example.com/article" in after
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    # Printers drop backgrounds: a filled badge must not print white on white.
    badge = page.locator(".kind.kind-fact").first.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
    assert badge == ["rgb(0, 0, 0)", "rgba(0, 0, 0, 0)"]


KINDS = ("fact", "claim", "denial", "quote", "law", "ruling")
MORE_KINDS = ("- id: bob-denies\n  statement: Bob denied it.\n  kind: denial\n  by: alice\n"
              "  responds_to: alice-says-rain\n  citations: [{source: paper, quote: q}]\n"
              "- id: alice-quoted\n  statement: Alice said “rain”.\n  kind: quote\n  by: alice\n"
              "  citations: [{source: paper, quote: q}]\n"
              "- id: rain-law\n  statement: The law on rain.\n  kind: law\n  citations: [{source: paper, quote: q}]\n"
              "- id: rain-ruling\n  statement: The court ruled on rain.\n  kind: ruling\n"
              "  citations: [{source: paper, quote: q}]\n")


def test_every_kind_of_fact_differs_from_the_others_without_colour(make_project, chromium):
    """Each kind's badge reads differently (its label) whatever the colours; claims, denials and
    quotes also differ in shape from each other and from the filled badges."""
    page_md = PAGE_MD + "\nMore [@bob-denies; @alice-quoted; @rain-law; @rain-ruling].\n"
    project = make_project({"content/facts/weather.yaml": FACTS_YAML + MORE_KINDS, "content/pages/index.md": page_md})
    assert build(project).ok
    context = chromium.new_context()
    try:
        page = context.new_page()
        with static_server(project / "site") as base:
            page.goto(base)
            badges = {kind: page.locator(f".note .kind.kind-{kind}").first for kind in KINDS}
            labels = {kind: badge.inner_text().strip().lower() for kind, badge in badges.items()}
            shapes = {kind: badge.evaluate("b => { const s = getComputedStyle(b); return s.borderTopStyle + ' ' + "
                                           "(s.backgroundColor === 'rgba(0, 0, 0, 0)' ? 'open' : 'filled'); }")
                      for kind, badge in badges.items()}
    finally:
        context.close()
    assert labels == {kind: kind for kind in KINDS}  # "Fact", "Claim", ... (shown in capitals)
    assert len({shapes[k] for k in ("fact", "claim", "denial", "quote")}) == 4, shapes


def test_a_denial_differs_from_a_claim_without_colour(make_project, chromium):
    facts = FACTS_YAML + MORE_KINDS
    page_md = PAGE_MD + "\n::: facts\ntemplate: timeline\ntopics: [weather]\n:::\n\nBob [@bob-denies].\n"
    project = make_project({"content/facts/weather.yaml": facts, "content/pages/index.md": page_md})
    result = build(project)
    assert result.ok, messages(result)
    context = chromium.new_context()
    try:
        page = context.new_page()
        with static_server(project / "site") as base:
            page.goto(base)
            styles = page.evaluate("""() => {
                const look = (el) => { const s = getComputedStyle(el);
                  return [s.borderLeftStyle, s.borderTopStyle, s.backgroundColor === 'rgba(0, 0, 0, 0)' ? 'open' : 'filled'].join(' '); };
                const one = (sel) => document.querySelector(sel);
                return { fact: [look(one('.kind.kind-fact')), look(one('.note.kind-fact'))],
                         claim: [look(one('.kind.kind-claim')), look(one('.note.kind-claim'))],
                         denial: [look(one('.kind.kind-denial')), look(one('.note.kind-denial'))] };
            }""")
    finally:
        context.close()
    badges = {kind: looks[0] for kind, looks in styles.items()}
    notes = {kind: looks[1] for kind, looks in styles.items()}
    assert len(set(badges.values())) == 3, badges   # shape, not hue: filled, dashed, double
    assert len({n.split()[0] for n in notes.values()}) == 3, notes


def test_sections_fold_behind_a_disclosure_on_phones_and_show_on_wide_screens(chromium, make_project):
    second = "---\ntitle: Second\nslug: second\nsummary: S\norder: 2\n---\nText [@sky-blue].\n"
    project = make_project({"content/pages/second.md": second})
    assert build(project).ok
    with static_server(project / "site") as base:
        for width, folded in ((375, True), (1280, False)):
            context = chromium.new_context(viewport={"width": width, "height": 700})
            try:
                page = context.new_page()
                page.goto(base + "second/index.html")
                summary, current = page.locator("nav.sections summary"), page.locator("nav.sections [aria-current]")
                assert summary.is_visible() == folded and current.is_visible() == (not folded)
                if folded:
                    assert summary.inner_text() == "Sections · 2 of 2"
                    summary.click()
                assert current.is_visible() and current.inner_text() == "Second"
                assert page.get_by_role("link", name="Home", exact=True).is_visible()
            finally:
                context.close()


# ---------------------------------------------------------------- the Spanish edition

def test_the_language_switcher_takes_readers_to_the_same_page_and_back(bilingual_url, page):
    for path in ("index.html", "facts/alice-says-rain/index.html", "sources/paper/index.html", "search/index.html"):
        page.goto(bilingual_url + path)
        page.locator("nav.languages a", has_text="Español").click()
        page.wait_for_url(bilingual_url + "es/" + path)
        assert page.evaluate("document.documentElement.lang") == "es"
        page.locator("nav.languages a", has_text="English").click()
        page.wait_for_url(bilingual_url + path)
        assert page.evaluate("document.documentElement.lang") == "en"


def test_spanish_notes_open_in_a_popover_labelled_in_spanish(bilingual_url, page):
    page.goto(bilingual_url + "es/index.html")
    tab_to_first_marker(page)
    popover = page.locator(POPOVER)
    expect()(popover).to_be_visible()
    assert popover.get_attribute("aria-label") == "Nota 1"
    assert popover.locator(".popover-more").inner_text() == "Ir a la nota 1"
    text = popover.inner_text()
    assert "El cielo estaba azul el martes." in text and "The Paper, 28 de noviembre de 2022" in text
    # The untranslated note is read as English by assistive technology: its lang says so.
    note = page.locator("#note-2 span[lang=en]").first
    assert note.inner_text() == "Alice said it would rain."
    assert page.locator(".fallback-notice").inner_text().startswith("Partes de esta página")
