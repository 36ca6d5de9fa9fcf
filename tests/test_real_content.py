"""The explainer's own content: the integrity rules every published fact and page must keep.

Everything is derived from the Site the build loads, so adding a fact without a citation, an
unused fact or a broken reference makes these tests fail. The snapshot and brief checks run
when the shared research folder sits next to the repository (../shared), as in CI.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from explainer.editions import localize, missing_in
from explainer.model import KINDS_NEEDING_BY, Site, select_facts
from explainer.pipeline import BuildOptions, build_site
from explainer.snapshots import SnapshotLibrary, find_quote

SHARED = REPO.parent / "shared"
SNAPSHOTS = SHARED / "sources"
BRIEF = SHARED / "brief" / "content-brief.md"
MIN_FACTS = 60


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The repository's real content, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("real") / "site"
    snapshots = SNAPSHOTS if SNAPSHOTS.is_dir() else None
    result = build_site(BuildOptions(REPO, out=out, snapshots=snapshots))
    assert result.site is not None
    return result, out


def site_of(built) -> Site:
    return built[0].site


def citations_of(site: Site):
    for entry in [*site.facts.values(), *site.actors.values()]:
        for citation in entry.citations:
            yield entry, citation


def test_the_real_site_builds_with_no_error_and_no_warning(built):
    result, out = built
    assert [f"{d.location}: {d.severity}: {d.message}" for d in result.diagnostics] == []
    assert (out / "index.html").is_file()
    for page in site_of(built).pages:
        path = out / ("index.html" if page.slug == "index" else f"{page.slug}/index.html")
        assert path.is_file(), page.slug


def test_every_edition_translates_every_page_fact_actor_and_source_note(built):
    """A declared edition is complete: nothing is shown in English with a notice."""
    result, out = built
    site = site_of(built)
    if not site.config.translations:
        pytest.skip("content/site.yaml declares no translations")
    for language in site.config.translations:
        missing = missing_in(localize(site, language), site)
        assert (missing.pages, missing.facts, missing.facts_partly, missing.actors, missing.actors_partly,
                missing.source_notes, missing.corrections, missing.settings) == ([], [], [], [], [], [], [], False)
        translated = {p.slug for p in site.translations[language].pages if not p.draft}
        assert translated == {p.slug for p in site.pages if not p.draft}
        assert {f.id for f in site.translations[language].facts.values()} == set(site.facts)
        pages = sorted((out / language).rglob("*.html"))
        assert len(pages) == len([p for p in out.rglob("*.html") if p.relative_to(out).parts[0] != language]) - 1
        shown_in_english = [p.relative_to(out).as_posix() for p in pages
                            if "class=\"fallback-notice\"" in p.read_text(encoding="utf-8")]
        assert shown_in_english == []


def test_there_are_enough_facts_and_every_fact_and_actor_is_quoted(built):
    site = site_of(built)
    assert len(site.facts) >= MIN_FACTS
    for entry in [*site.facts.values(), *site.actors.values()]:
        assert entry.citations, entry.id
        for citation in entry.citations:
            assert citation.quote.strip(), entry.id
            assert citation.source in site.sources, (entry.id, citation.source)


def test_attribution_rules(built):
    site = site_of(built)
    for fact in site.facts.values():
        if fact.kind in KINDS_NEEDING_BY:
            assert fact.by and all(a in site.actors for a in fact.by), fact.id
        if fact.kind == "denial":
            assert fact.responds_to in site.facts, fact.id


def test_every_reference_resolves_and_every_page_cites_facts(built):
    site = site_of(built)
    for page in site.pages:
        assert page.references, f"page '{page.slug}' cites no fact"
        for reference in page.references:
            assert reference.fact_id in site.facts, (page.slug, reference.fact_id)
        for block in page.blocks:
            entries = {"facts": site.facts, "actors": site.actors, "sources": site.sources}.get(block.kind, {})
            assert all(i in entries for i in block.options.get("ids", ())), (page.slug, block.options)


def test_every_fact_is_used_and_every_source_and_actor_is_shown(built):
    site = site_of(built)
    used: set[str] = set()
    shown_actors: set[str] = set()
    lists_all_sources = False
    for page in site.pages:
        used.update(r.fact_id for r in page.references)
        for block in page.blocks:
            if block.kind == "facts":
                used.update(f.id for f in select_facts(site, block.options))
            elif block.kind == "actors":
                shown_actors.update(block.options.get("ids") or site.actors)
            elif block.kind == "sources":
                lists_all_sources = lists_all_sources or not block.options.get("ids")
    assert sorted(set(site.facts) - used) == []
    assert sorted(set(site.actors) - shown_actors) == []
    assert lists_all_sources
    cited = {citation.source for _, citation in citations_of(site)}
    assert sorted(set(site.sources) - cited) == []


@pytest.mark.skipif(not SNAPSHOTS.is_dir(), reason="no ../shared/sources next to the repository")
def test_every_quote_of_an_article_snapshot_is_in_the_snapshot(built):
    site = site_of(built)
    library = SnapshotLibrary(SNAPSHOTS)
    checked = 0
    for entry, citation in citations_of(site):
        source = site.sources[citation.source]
        if source.snapshot:
            text = library.text(source.snapshot)
            assert text is not None, source.snapshot
            assert find_quote(text, citation.quote), (entry.id, citation.quote)
            checked += 1
    snapshot_sources = [s for s in site.sources.values() if s.snapshot]
    assert len(snapshot_sources) == 3 and checked >= len(snapshot_sources)


@pytest.mark.skipif(not BRIEF.is_file(), reason="no ../shared/brief/content-brief.md next to the repository")
def test_every_other_quote_is_copied_exactly_from_the_brief(built):
    """Quotes from sources without a snapshot must match a checked quote (⟦...⟧) of the brief."""
    site = site_of(built)
    brief_quotes = re.findall(r"⟦(.*?)⟧", BRIEF.read_text(encoding="utf-8"), re.S)
    missing = []
    for entry, citation in citations_of(site):
        if site.sources[citation.source].snapshot:
            continue
        pieces = [p.strip() for p in re.split(r"\s*(?:\.\.\.|…)\s*", citation.quote) if p.strip()]
        missing += [(entry.id, p) for p in pieces if not any(p in q for q in brief_quotes)]
    assert missing == []


METHOD_PAGES = {"about", "sources"}  # pages about how the explainer is made, not about the dispute
ABBREVIATIONS = r"(?<!\bU\.S\.)(?<!\bRep\.)(?<!\bv\.)(?<!\bD\.C\.)(?<!\bSen\.)"
SENTENCE_BREAK = re.compile(ABBREVIATIONS + r"(?<=[.!?])\s+(?=[A-Z\"“*(])")
# A sentence that quotes three or more words, or gives a year, a percentage or a sum of money,
# states something a source must back.
LOOKS_SOURCED = re.compile(r'"(?:\S+\s+){2,}[^"]*"|“(?:\S+\s+){2,}[^”]*”|\b(?:1[89]|20)\d\d\b|\d%|\$\d')
# ...unless it is plainly editorial signposting about this site.
SIGNPOSTING = re.compile(r"\b(?:this explainer|this page|the page on|the table|means that)\b", re.I)


def prose_sentences(body: str) -> list[str]:
    """The sentences of a page's Markdown: paragraphs, list items and table rows, not blocks or headings."""
    body = re.sub(r"^:::.*?^:::[ \t]*$", "", body, flags=re.S | re.M)
    units: list[str] = []
    for chunk in re.split(r"\n\s*\n", body):
        chunk = chunk.strip()
        if not chunk or chunk.startswith("#"):
            continue
        if chunk.startswith("|"):
            units += [row for row in chunk.splitlines()[1:] if not re.fullmatch(r"\|[-| :]+\|", row)]
        else:
            units += [" ".join(item.split()) for item in re.split(r"\n(?=- )", chunk)]
    return [s for unit in units for s in SENTENCE_BREAK.split(unit)]


def test_every_sentence_that_quotes_or_gives_a_figure_cites_a_fact(built):
    """A quote, a year, a percentage or an amount in a page's prose carries an [@id] in its sentence."""
    unreferenced = []
    for page in site_of(built).pages:
        if page.slug in METHOD_PAGES:
            continue
        for sentence in prose_sentences(page.body):
            visible = re.sub(r"\[[^\]]*\]\([^)]*\)", "", sentence)  # link texts name pages, not facts
            if LOOKS_SOURCED.search(visible) and "[@" not in sentence and not SIGNPOSTING.search(visible):
                unreferenced.append((page.slug, sentence))
    assert unreferenced == []


def test_the_sentence_check_finds_an_unreferenced_quote_and_date():
    body = 'Intro [@a].\n\nIn April 2021 Bukele tweeted "do not vote for her" to voters. Rep. Torres answered [@b].\n'
    assert [s for s in prose_sentences(body) if LOOKS_SOURCED.search(s) and "[@" not in s] == [
        'In April 2021 Bukele tweeted "do not vote for her" to voters.']


def test_every_source_address_comes_from_the_brief_or_an_article(built):
    """No invented URL: each source's address appears in the research brief or in an article snapshot."""
    if not (BRIEF.is_file() and SNAPSHOTS.is_dir()):
        pytest.skip("no ../shared research folder next to the repository")
    known = BRIEF.read_text(encoding="utf-8") + "".join(
        path.read_text(encoding="utf-8") for path in sorted(SNAPSHOTS.glob("*.txt")))
    assert [s.id for s in site_of(built).sources.values() if s.url not in known] == []


def test_the_guidance_on_what_not_to_say_is_kept(built):
    """The State Department statement names no one; the 'Let's say no' tweet is not Bukele's."""
    site = site_of(built)
    texts = [f.statement for f in site.facts.values()] + [p.body for p in site.pages]
    for text in texts:
        assert not re.search(r"condemn(ed|s)?\s+(president\s+)?(nayib\s+)?bukele", text, re.I), text
    for translation in site.translations.values():  # "condenó a Bukele", in any edition
        for text in [f.statement for f in translation.facts.values()] + [p.body for p in translation.pages]:
            assert not re.search(r"conden\w*\s+(al?\s+)?(presidente\s+)?(nayib\s+)?bukele", text, re.I), text
    for fact in site.facts.values():
        if any("say no to Norma Torres" in c.quote for c in fact.citations) and fact.kind == "quote":
            assert "nayib-bukele" not in fact.by, fact.id
        if any("Federal Election Commission told NBC" in c.quote for c in fact.citations):
            assert fact.kind == "claim" and "fec" not in fact.by, fact.id
    assert [s.id for s in site.sources.values() if "github.com" in s.url] == []


def test_the_corrections_log_is_shown_and_a_new_entry_appears(built, tmp_path):
    result, out = built
    about = next(p for p in result.site.pages if any(b.kind == "corrections" for b in p.blocks))
    assert "Corrected a test entry." not in (out / f"{about.slug}/index.html").read_text(encoding="utf-8")
    copy = tmp_path / "copy"
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, copy / name)
    fact_id = next(iter(result.site.facts))
    log = copy / "content/corrections.yaml"
    log.write_text(f'- date: "2026-12-01"\n  summary: "Corrected a test entry."\n  facts: [{fact_id}]\n',
                   encoding="utf-8")
    rebuilt = build_site(BuildOptions(copy, out=copy / "site"))
    assert rebuilt.ok, rebuilt.diagnostics
    html = (copy / "site" / f"{about.slug}/index.html").read_text(encoding="utf-8")
    assert "Corrected a test entry." in html
