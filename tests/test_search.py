"""Search: the prebuilt index, and the search page in a real browser, served, from disk and without JS."""

import json
import re

from browser_support import static_server
from conftest import PAGE_MD, bilingual_files, build, messages, search_index
from explainer import search
from explainer.incremental import IncrementalBuilder
from explainer.pipeline import BuildOptions

PAGE_WITH_PROSE = PAGE_MD + "\n## Background\n\nThe Ministry of Weather in Zürich publishes forecasts.\n\n" \
                            "::: facts\ntemplate: timeline\ntopics: [weather]\n:::\n"


def index_of(project) -> dict:
    return search_index(project / "site/static")


def test_the_index_holds_pages_facts_sources_and_actors(make_project):
    project = make_project({"content/pages/index.md": PAGE_WITH_PROSE})
    result = build(project)
    assert result.ok, messages(result)
    documents = index_of(project)["documents"]
    assert [(d["type"], d["url"]) for d in documents] == [
        ("page", "index.html"), ("claim", "facts/alice-says-rain/index.html"), ("fact", "facts/sky-blue/index.html"),
        ("source", "sources/paper/index.html"), ("actor", "actors/alice/index.html")]
    home = documents[0]
    assert "The Ministry of Weather in Zürich publishes forecasts." in home["text"]
    assert "\ue000" not in home["text"] and "timeline" not in home["text"]  # markers and blocks left out
    claim = documents[1]
    assert claim["title"] == "Alice said it would rain." and "It will rain, Alice said." in claim["text"]
    assert claim["summary"] == "Alice Example (2022-11-02)"


def test_drafts_are_indexed_only_when_built(make_project):
    draft = "---\ntitle: Secret draft\nslug: draft\nsummary: S\norder: 3\ndraft: true\n---\nText [@sky-blue].\n"
    project = make_project({"content/pages/draft.md": draft})
    assert build(project).ok
    assert "Secret draft" not in json.dumps(index_of(project))
    assert build(project, drafts=True).ok
    assert "Secret draft" in json.dumps(index_of(project))


def test_the_index_is_ascii_so_no_character_can_break_the_script(make_project):
    summary = 'Zürich </script> "quoted" \u2014 done'
    project = make_project({"content/pages/index.md": PAGE_MD.replace("summary: The home page.", f"summary: '{summary}'")})
    assert build(project).ok
    assert index_of(project)["documents"][0]["summary"] == summary  # index_of reads the file as ASCII


def search_in_browser(page, start_url: str, query: str) -> list[tuple[str, str]]:
    page.goto(start_url)
    form = page.locator("form.site-search")
    form.locator("input").fill(query)
    form.locator("input").press("Enter")
    page.wait_for_selector("[data-search-results] li")
    return [(item.locator("a").inner_text(), item.locator("a").get_attribute("href"))
            for item in page.locator("[data-search-results] li").all()]


def test_searching_from_any_page_of_the_served_site(make_project, page):
    project = make_project({"content/pages/index.md": PAGE_WITH_PROSE})
    assert build(project).ok
    with static_server(project / "site") as url:
        results = search_in_browser(page, url + "facts/sky-blue/index.html", "alice rain")
        assert results[0] == ("Alice said it would rain.", url + "facts/alice-says-rain/index.html")
        assert page.locator("[data-search-status]").inner_text() == f"{len(results)} result{'s' * (len(results) != 1)} for “alice rain”."
        assert not page.locator("[data-search-browse]").is_visible()
        # Accents and case do not matter, page prose is found, and a result opens its page.
        page.locator("#search-query").fill("zurich")
        page.wait_for_function("document.querySelector('[data-search-results] a') && "
                               "document.querySelector('[data-search-results] a').textContent === 'Home'")
        assert "q=zurich" in page.url
        page.locator("[data-search-results] a").first.click()
        page.wait_for_url(url + "index.html")
        # Typing on the search page loads the index on first use.
        page.goto(url + "search/index.html")
        assert page.locator("[data-search-browse]").is_visible()
        page.locator("#search-query").fill("tuesday")
        page.wait_for_selector("[data-search-results] li")
        assert page.locator("[data-search-results] a").first.inner_text() == "The sky was blue on Tuesday."
        assert not page.locator("[data-search-browse]").is_visible()
        # Nothing found is said so.
        page.goto(url + "search/index.html?q=nothing-like-this")
        assert page.locator("[data-search-status]").inner_text() == "No results for “nothing-like-this”."


def test_search_works_from_disk(make_project, page):
    project = make_project()
    assert build(project).ok
    results = search_in_browser(page, (project / "site/index.html").as_uri(), "mayor")
    assert results == [("Alice Example", (project / "site/actors/alice/index.html").as_uri())]


def test_an_index_in_parts_is_searched_whole_served_and_from_disk(make_project, page, monkeypatch):
    """A large site's index comes in parts of search.PART_SIZE documents; the search page loads them all."""
    monkeypatch.setattr(search, "PART_SIZE", 2)
    project = make_project({"content/pages/index.md": PAGE_WITH_PROSE})
    assert build(project).ok
    assert len(list((project / "site/static").glob("search-index.*.*.js"))) == 3  # five documents
    assert len(index_of(project)["documents"]) == 5
    with static_server(project / "site") as url:
        found = {href for _, href in search_in_browser(page, url + "index.html", "alice")}
        # The claim is in the first part, Alice's own page in the last.
        assert {url + "facts/alice-says-rain/index.html", url + "actors/alice/index.html"} <= found
    results = search_in_browser(page, (project / "site/index.html").as_uri(), "mayor")
    assert results == [("Alice Example", (project / "site/actors/alice/index.html").as_uri())]


def test_without_javascript_the_search_page_lists_everything(make_project, chromium):
    project = make_project()
    assert build(project).ok
    context = chromium.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        with static_server(project / "site") as url:
            # The header's plain form still works: it leads to the search page, which lists everything.
            tab.goto(url + "facts/sky-blue/index.html")
            tab.locator("#site-search-query").fill("alice")
            tab.locator("#site-search-query").press("Enter")
            tab.wait_for_url(url + "search/index.html?q=alice")
            assert not tab.locator("form[data-search-page]").is_visible()
            browse = tab.locator("[data-search-browse]")
            assert browse.is_visible()
            assert "Searching needs JavaScript" in browse.inner_text()
            links = [a.get_attribute("href") for a in browse.locator("a").all()]
            assert {"../index.html", "../facts/sky-blue/index.html", "../facts/alice-says-rain/index.html"} <= set(links)
    finally:
        context.close()


def test_the_search_script_makes_no_request_of_its_own(make_project, page):
    project = make_project()
    assert build(project).ok
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    with static_server(project / "site") as url:
        # Other pages load no search script; the search page loads its index only when there is a query.
        page.goto(url + "index.html")
        assert not any("search" in r for r in requested)
        page.goto(url + "search/index.html")
        page.wait_for_load_state("load")
        assert not any("search-index" in r for r in requested)
        page.goto(url + "search/index.html?q=sky")
        page.wait_for_selector("[data-search-results] li")
    assert all(r.startswith(url) for r in requested), requested
    paths = [r.removeprefix(url).split("?")[0] for r in requested]
    assert all((project / "site" / p).is_file() for p in paths), paths  # only the site's own files
    assert {re.sub(r"\.[0-9a-f]{10}\.", ".", p) for p in paths} >= {"static/search-index.0.js", "static/search.js"}


def test_the_spanish_search_page_searches_spanish_words_and_speaks_spanish(make_project, page):
    project = make_project(bilingual_files())
    assert build(project).ok
    with static_server(project / "site") as url:
        results = search_in_browser(page, url + "es/facts/sky-blue/index.html", "cielo martes")
        assert results[0] == ("El cielo estaba azul el martes.", url + "es/facts/sky-blue/index.html")
        assert page.locator("[data-search-status]").inner_text() == "1 resultado para “cielo martes”."
        assert page.locator("[data-search-results] .search-type").first.inner_text().upper() == "HECHO"
        page.goto(url + "es/search/index.html?q=nada-parecido")
        assert page.locator("[data-search-status]").inner_text() == "No hay resultados para “nada-parecido”."
        # The English edition still finds English words only in English pages.
        assert search_in_browser(page, url + "index.html", "tuesday")[0][1] == url + "facts/sky-blue/index.html"


def test_searching_the_real_site_finds_its_facts_and_sources(page, real_site, real_site_url):
    data = json.loads((real_site / "facts.json").read_text(encoding="utf-8"))
    fact, source = data["facts"][len(data["facts"]) // 2], data["sources"][len(data["sources"]) // 2]
    for start, text, wanted in (("timeline/index.html", fact["statement_text"], (fact["statement_text"], f"facts/{fact['id']}/")),
                                ("index.html", source["title"], (source["title"], f"sources/{source['id']}/"))):
        query = " ".join(re.findall(r"\w{4,}", text)[:4])  # a few of its words find its page
        results = search_in_browser(page, real_site_url + start, query)
        assert (wanted[0], f"{real_site_url}{wanted[1]}index.html") in results, (query, results[:5])


def rebuilt(builder: IncrementalBuilder, out, changed) -> None:
    """One preview rebuild, its files moved into out, as `build.py serve` does after a save."""
    rebuild = builder.rebuild(changed)
    assert rebuild.ok, [d.format() for d in rebuild.result.diagnostics if d.is_error]
    if rebuild.changes is not None:
        rebuild.changes.apply(out)


def test_a_long_preview_session_keeps_the_texts_of_the_pages_as_they_are_only(make_project):
    """Every save of a page makes a new body: the texts kept for the next index must not pile up (issue 8)."""
    project = make_project(bilingual_files())
    out = project.parent / "preview"
    builder = IncrementalBuilder(BuildOptions(project, out=out))
    rebuilt(builder, out, None)
    pages = {"en": project / "content/pages/index.md", "es": project / "content/es/pages/index.md"}
    originals = {language: path.read_text(encoding="utf-8") for language, path in pages.items()}
    for number in range(30):
        for language, path in pages.items():
            path.write_text(originals[language] + f"\nSave number {number}.\n", encoding="utf-8")
            rebuilt(builder, out, {path})
    assert (search.remembered_texts("en"), search.remembered_texts("es")) == (1, 1)  # one page in each edition
    spanish_index = next((out / "static").glob("search-index-es.*.js")).read_text(encoding="ascii")
    assert "Save number 29." in spanish_index and "Save number 28." not in spanish_index


def test_an_unchanged_translated_page_is_not_converted_again_for_the_index(make_project, monkeypatch):
    """A translated edition's pages are new objects on every rebuild: they find their text by body."""
    project = make_project(bilingual_files())
    out = project.parent / "preview"
    builder = IncrementalBuilder(BuildOptions(project, out=out))
    rebuilt(builder, out, None)
    converted = []
    convert = search.converted_body
    monkeypatch.setattr(search, "converted_body", lambda page, *args: converted.append(page.body) or convert(page, *args))
    page = project / "content/pages/index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA new sentence.\n", encoding="utf-8")
    rebuilt(builder, out, {page})
    assert len(converted) == 1 and "A new sentence." in converted[0]  # the edited page only, not its translation
