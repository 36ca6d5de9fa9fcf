"""Incremental rebuilds: only what changed is rendered again, and the result equals a full build."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

from conftest import SOURCE_YAML, assert_same_tree, bilingual_files, lock, messages, snapshot_paper
from explainer.incremental import IncrementalBuilder, LoadCache, TokenValues, freeze, thaw
from explainer import content, incremental, pieces, search, validate
from explainer.load import digest, load_yaml
from explainer.pipeline import BuildOptions, build_site

BLOCKS_PAGE = """\
---
title: Weather
slug: weather
summary: Everything about the weather.
order: 2
---

Rain was forecast [@alice-says-rain].

::: facts
template: timeline
topics: [weather]
:::

::: facts
template: claims
ids: [alice-says-rain, bob-denies]
:::
"""

LISTS_PAGE = """\
---
title: People and papers
slug: people
summary: Who is who.
order: 3
---

::: actors
:::

::: sources
:::

::: corrections
:::
"""

MORE_FACTS = """\
- id: bob-denies
  statement: Bob denied Alice's forecast.
  kind: denial
  by: bob
  responds_to: alice-says-rain
  date: "2022-11-03"
  citations: [{source: radio, quote: Bob said no.}]
- id: wind-strong
  statement: The wind was strong.
  kind: fact
  date: "2022-10-30"
  topics: [wind]
  citations: [{source: radio, quote: It was windy.}]
"""

RADIO = SOURCE_YAML.replace("id: paper", "id: radio").replace("A newspaper article", "A radio report") \
    .replace("The Paper", "The Radio").replace("example.com/article", "example.com/radio")

BOB = """\
id: bob
name: Bob Example
role: Farmer
description: A farmer near Example Town.
citations:
  - source: radio
    quote: Bob farms.
"""

WIND_PAGE = """\
---
title: Wind
slug: wind
summary: About the wind.
order: 4
---

It was windy [@wind-strong].
"""

CORRECTIONS = """\
- date: "2022-11-05"
  summary: We fixed a date.
  facts: [sky-blue]
"""


# Files made from the whole site (feed, export, and the search page, which names the search index
# by its hash) are made again after any content edit; the sitemap only when the list of pages or
# their dates change (test_the_sitemap_follows_...).
SITE_WIDE = {"feed.xml", "facts.json", "facts.csv", "search/index.html"}
HASHED = re.compile(r"\.[0-9a-f]{10}(\.(?:css|js))$")


def unhashed(paths) -> set[str]:
    """Output paths with the content hash taken out of fingerprinted names."""
    return {HASHED.sub(r"\1", p) for p in paths}


def pages_and_files(paths) -> set[str]:
    """What an edit rendered, leaving out the site-wide files and the search index."""
    return {p for p in unhashed(paths) - SITE_WIDE - {"sitemap.xml"} if p != "static/search-index.0.js"}


def html_pages(paths) -> set[str]:
    return {p for p in paths if p.endswith(".html")}


@pytest.fixture
def rich(make_project):
    return make_project({"content/pages/weather.md": BLOCKS_PAGE, "content/pages/people.md": LISTS_PAGE,
                         "content/pages/wind.md": WIND_PAGE, "content/facts/more.yaml": MORE_FACTS,
                         "content/sources/radio.yaml": RADIO, "content/actors/bob.yaml": BOB,
                         "content/corrections.yaml": CORRECTIONS})


class Preview:
    """An incremental builder writing into its own folder, as the server uses it."""

    def __init__(self, project: Path, drafts: bool = False, snapshots: Path | None = None) -> None:
        self.project = project
        self.out = project.parent / "preview-out"
        self.options = BuildOptions(project, out=self.out, drafts=drafts, snapshots=snapshots)
        self.builder = IncrementalBuilder(self.options, long_lived=True)  # as build.py serve keeps them
        self.last = None

    def step(self, changed: list[Path] | None = None):
        rebuild = self.last = self.builder.rebuild(changed)
        if rebuild.changes is not None:
            rebuild.changes.apply(self.out)
        return rebuild

    def rendered(self) -> set[str]:
        rebuild = self.step()
        assert rebuild.ok, messages(rebuild.result, project=self.project)
        return set(rebuild.rendered)

    def assert_same_as_full_build(self) -> None:
        full = self.project.parent / "full-out"
        shutil.rmtree(full, ignore_errors=True)
        result = build_site(dataclass_replace(self.options, out=full))
        assert result.ok, messages(result, project=self.project)
        assert_same_tree(self.out, full)
        if self.last is not None and self.last.ok:  # and the same warnings, at the same lines
            assert messages(self.last.result, "warning") == messages(result, "warning")


def dataclass_replace(options: BuildOptions, **changes) -> BuildOptions:
    import dataclasses
    return dataclasses.replace(options, **changes)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- what gets rendered again

def test_first_build_renders_everything_and_a_second_renders_nothing(rich):
    preview = Preview(rich)
    first = preview.rendered()
    assert "index.html" in first and "facts/sky-blue/index.html" in first and "static/style.css" in unhashed(first)
    preview.assert_same_as_full_build()
    assert preview.rendered() == set()


def test_a_page_edit_renders_that_page_and_the_fact_pages_that_list_it(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/pages/wind.md", "It was windy", "It was very windy")
    # The fact page lists the pages that cite it ("Cited on"), so it depends on the page.
    rendered = preview.rendered()
    assert pages_and_files(rendered) == {"wind/index.html", "facts/wind-strong/index.html"}
    assert SITE_WIDE <= rendered and "static/search-index.0.js" in unhashed(rendered)
    assert "sitemap.xml" not in rendered
    preview.assert_same_as_full_build()


def test_a_fact_edit_renders_what_shows_that_fact(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "The wind was strong.", "The wind was very strong.")
    assert pages_and_files(preview.rendered()) == {
        "facts/wind-strong/index.html",   # its permalink page
        "wind/index.html",                # the page citing it
        "sources/radio/index.html",       # the page of its source
        "people/index.html",              # the sources block counts the facts a source supports
    }
    preview.assert_same_as_full_build()


def test_the_sitemap_follows_the_outputs_and_their_dates_not_the_wording(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "The wind was strong.", "The wind was very strong.")
    assert "sitemap.xml" not in preview.rendered()
    edit(rich / "content/facts/more.yaml", '  date: "2022-10-30"', '  date: "2022-10-30"\n  updated: "2022-12-01"')
    assert "sitemap.xml" in preview.rendered()
    preview.assert_same_as_full_build()
    assert "<lastmod>2022-12-01</lastmod>" in (preview.out / "sitemap.xml").read_text(encoding="utf-8")
    (rich / "content/pages/calm.md").write_text(WIND_PAGE.replace("slug: wind", "slug: calm"), encoding="utf-8")
    assert "sitemap.xml" in preview.rendered()
    preview.assert_same_as_full_build()


def test_a_correction_naming_a_fact_dates_its_sitemap_entry(rich):
    preview = Preview(rich)
    preview.rendered()
    sitemap = preview.out / "sitemap.xml"
    assert "<lastmod>2022-11-20</lastmod>" not in sitemap.read_text(encoding="utf-8")
    (rich / "content/corrections.yaml").write_text(
        CORRECTIONS + '- date: "2022-11-20"\n  summary: We reworded the wind.\n  facts: [wind-strong]\n', encoding="utf-8")
    assert "sitemap.xml" in preview.rendered()
    assert "<lastmod>2022-11-20</lastmod>" in sitemap.read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


def renaming_bob_on_the_search_page(rich: Path, byline: str) -> Preview:
    """Add `byline` after each fact's line of the search page, rename Bob, and check the page follows."""
    edit(rich / "templates/search.html", "{{ m.fact_line(fact) }}", "{{ m.fact_line(fact) }}" + byline)
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/actors/bob.yaml", "name: Bob Example", "name: Robert Example")
    assert "search/index.html" in preview.rendered()
    assert "(Robert Example)" in (preview.out / "search/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()
    return preview


def test_nested_fragments_follow_an_edit_of_the_inner_record(rich):
    renaming_bob_on_the_search_page(rich, '{% for a in fact.by %}{% call cached("by", actors[a]) %}'
                                          ' ({{ actors[a].name }}){% endcall %}{% endfor %}')


def test_the_search_page_keeps_the_lines_of_unchanged_facts(rich):
    # The template caches a hundred lines at a time; two here, so that four facts make two fragments.
    edit(rich / "templates/search.html", "all_facts|batch(100)", "all_facts|batch(2)")
    preview = Preview(rich)
    preview.rendered()

    def fact_lines() -> dict:
        return {key: fragment for key, fragment in preview.builder.fragments.by_output["search/index.html"].items()
                if key[1] == "fact-lines"}

    before = fact_lines()
    assert len(before) == 2
    edit(rich / "content/facts/more.yaml", "The wind was strong.", "The wind was very strong.")
    assert "search/index.html" in preview.rendered()
    after = fact_lines()
    assert len(after) == 2
    kept = [key for key in after if key in before and after[key] is before[key]]
    assert len(kept) == 1  # the two lines without the edited fact; its own two were rendered again
    assert "The wind was very strong." in (preview.out / "search/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


def test_whole_site_files_remake_only_the_pieces_of_the_records_a_save_read_again(rich, monkeypatch):
    """facts.json, facts.csv and the search index reuse the text of records that are the same objects."""
    monkeypatch.setattr(search, "PART_SIZE", 1)  # a part of the search index per document,
    monkeypatch.setattr(pieces, "CHUNK", 1)  # and a piece of facts.json and facts.csv per record
    preview = Preview(rich)
    first = preview.rendered()
    files = ("facts.json", "facts.csv", "search index ")
    before = {name: preview.builder.pieces.kept(name) for name in files}
    # (pages,) facts, sources, actors; the index keeps its documents' JSON and its parts, both per document here
    assert [len(before[name]) for name in files] == [4 + 2 + 2, 4, 2 * (4 + 4 + 2 + 2)]
    edit(rich / "content/facts/more.yaml", "The wind was strong.", "The wind was very strong.")
    rendered = preview.rendered()
    assert {"facts.json", "facts.csv"} <= rendered

    def text(piece: str | bytes | list[str]) -> str:
        return piece.decode() if isinstance(piece, bytes) else "".join(piece)

    for name in files:
        after = preview.builder.pieces.kept(name)
        assert len(after) == len(before[name])
        remade = [piece for piece in after if not any(piece is old for old in before[name])]
        # the two facts of more.yaml, the file read again (in the index: their documents and their parts)
        assert len(remade) == (4 if name == "search index " else 2), name
        assert any("The wind was very strong." in text(p) for p in remade)
    # Of the index's twelve part files only the edited fact's is new (the other fact of more.yaml
    # made the same bytes again, under the same name); the others are left as they are.
    parts = {path for path in first if "search-index." in path}
    new_parts = {path for path in rendered if "search-index." in path}
    assert len(parts) == 12 and len(new_parts) == 1 and not new_parts & parts
    assert "The wind was very strong." in (preview.out / new_parts.pop()).read_text(encoding="ascii")
    preview.assert_same_as_full_build()


def test_quote_checks_follow_the_snapshots_and_the_lock(rich, tmp_path):
    """A status comes from the snapshot and content/snapshots.lock as well as the citation."""
    snapshots = snapshot_paper(rich, tmp_path / "snapshots")
    source = rich / "content/sources/paper.yaml"
    lock(rich, snapshots, "2026-01-02")
    preview = Preview(rich, snapshots=snapshots)
    preview.rendered()
    fact_page = preview.out / "facts/sky-blue/index.html"
    assert '<time datetime="2026-01-02">' in fact_page.read_text(encoding="utf-8")
    (snapshots / "paper.txt").write_text("The sky was blue. It will rain, Alice said. Alice is the mayor. More.\n")
    lock(rich, snapshots, "2026-01-03")  # the watcher sees the lock change; the snapshots are elsewhere
    rebuild = preview.step([rich / "content/snapshots.lock"])
    assert rebuild.ok, messages(rebuild.result, project=rich)
    assert "facts/sky-blue/index.html" in rebuild.rendered
    assert "wind/index.html" not in rebuild.rendered  # it cites no quote of that source
    assert '<time datetime="2026-01-03">' in fact_page.read_text(encoding="utf-8")
    preview.assert_same_as_full_build()
    source.write_text(source.read_text(encoding="utf-8").replace("snapshot: paper.txt\n", ""), encoding="utf-8")
    rebuild = preview.step([source])  # no snapshot now: no quote of it can be verified
    assert rebuild.ok and "facts/sky-blue/index.html" in rebuild.rendered
    assert "2026-01-03" not in fact_page.read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


def test_a_shared_part_is_read_again_by_every_page_that_shows_it(rich, tmp_path):
    """A build renders shared() once; the preview renders it on each page, so each page records
    what it read (here the lock's date of a quote check, which no record holds)."""
    snapshots = snapshot_paper(rich, tmp_path / "snapshots")
    lock(rich, snapshots, "2026-01-02")
    shown = ('{% call shared("locked", facts["sky-blue"]) %}<p class="locked">{% for c in facts["sky-blue"].citations %}'
             '{{ quote_check(c).locked }}{% endfor %}</p>{% endcall %}')
    edit(rich / "templates/page.html", "<article class=\"page\">", shown + "<article class=\"page\">")
    preview = Preview(rich, snapshots=snapshots)
    preview.rendered()
    (snapshots / "paper.txt").write_text("The sky was blue. It will rain, Alice said. Alice is the mayor. More.\n")
    lock(rich, snapshots, "2026-01-03")  # a new copy of the source, locked on a new date
    rebuild = preview.step([rich / "content/snapshots.lock"])
    assert rebuild.ok, messages(rebuild.result, project=rich)
    assert {"index.html", "wind/index.html", "people/index.html"} <= set(rebuild.rendered)
    assert '<p class="locked">2026-01-03</p>' in (preview.out / "wind/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


def test_a_cached_fragment_follows_what_it_reads_templates_and_ui_strings(rich):
    """A fragment that looks up another record, a macro it calls and a UI string it shows."""
    preview = renaming_bob_on_the_search_page(rich, "{% for a in fact.by %} ({{ actors[a].name }}){% endfor %}")
    edit(rich / "templates/_macros.html", "{{ kind_badge(fact) }} {{ local(fact, \"statement\") }}",
         "{{ kind_badge(fact) }} <b>{{ local(fact, \"statement\") }}</b>")
    preview.rendered()
    preview.assert_same_as_full_build()
    edit(rich / "templates/i18n/en.yaml", "  page_link: Fact page\n", "  page_link: Page of the fact\n")
    preview.rendered()
    assert "Page of the fact" in (preview.out / "search/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


@pytest.mark.parametrize("key", ['[1, {"a": 2}]', "site.no_such_setting"])
def test_a_fragment_whose_key_cannot_be_kept_is_rendered_every_time_as_in_a_build(rich, key):
    """A list or mapping cannot be hashed; an undefined value raises when hashed."""
    edit(rich / "templates/search.html", '<h1>{{ t("search.title") }}</h1>',
         f'{{% call cached("title", {key}) %}}<h1>{{{{ t("search.title") }}}}</h1>{{% endcall %}}')
    preview = Preview(rich)
    preview.rendered()
    preview.assert_same_as_full_build()
    kept = preview.builder.fragments.by_output["search/index.html"]
    assert {key[1] for key in kept} == {"page-lines", "fact-lines"}  # key[0] is the call site


def test_the_same_cached_body_in_two_templates_is_two_fragments(rich):
    # Both block templates compile to equal code objects; each imports its own macro.
    block = ('{% import "_X.html" as m %}<ul>{% for fact in items %}{% call cached("row", fact) %}{{ m.row(fact) }}'
             '{% endcall %}{% endfor %}</ul>\n')
    for name in ("one", "two"):
        (rich / f"templates/blocks/{name}.html").write_text(block.replace("X", name), encoding="utf-8")
        (rich / f"templates/_{name}.html").write_text(
            f"{{% macro row(f) %}}<li>{name.upper()} {{{{ f.id }}}}</li>{{% endmacro %}}", encoding="utf-8")
    page = rich / "content/pages/wind.md"
    page.write_text(page.read_text(encoding="utf-8") + "".join(
        f"\n::: facts\ntemplate: {name}\nids: [sky-blue]\n:::\n" for name in ("one", "two")), encoding="utf-8")
    preview = Preview(rich)
    preview.rendered()
    html = (preview.out / "wind/index.html").read_text(encoding="utf-8")
    assert "<li>ONE sky-blue</li>" in html and "<li>TWO sky-blue</li>" in html
    preview.assert_same_as_full_build()


def test_two_fragments_with_one_name_and_record_in_different_places_stay_apart(rich):
    edit(rich / "templates/search.html", "  </section>",
         '  <ul class="ids">{% for fact in all_facts %}{% call cached("fact-line", fact) %}<li>{{ fact.id }}</li>'
         '{% endcall %}{% endfor %}</ul>\n  </section>')
    preview = Preview(rich)
    preview.rendered()
    assert "<li>sky-blue</li>" in (preview.out / "search/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


def test_adding_a_topic_to_a_fact_renders_the_blocks_that_select_it(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "topics: [wind]", "topics: [wind, weather]")
    rendered = preview.rendered()
    assert "weather/index.html" in rendered           # its timeline selects topic weather
    assert "index.html" not in rendered               # the home page does not show it
    assert "facts/sky-blue/index.html" not in rendered
    html = (preview.out / "weather/index.html").read_text(encoding="utf-8")
    assert "The wind was strong." in html
    preview.assert_same_as_full_build()


def test_block_selections_follow_kinds_topics_and_the_order_of_files(rich):
    listed = BLOCKS_PAGE.replace("topics: [weather]\n:::", "topics: [weather, wind]\nsort: listed\n:::") \
        + "\n::: facts\nkinds: [claim]\n:::\n"
    (rich / "content/pages/weather.md").write_text(listed, encoding="utf-8")
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "kind: fact", "kind: claim\n  by: bob")  # wind-strong joins the claims
    assert "weather/index.html" in preview.rendered()
    preview.assert_same_as_full_build()
    # Moving a fact to a file read later changes the order of a `sort: listed` block, nothing else.
    more = (rich / "content/facts/more.yaml").read_text(encoding="utf-8")
    wind = more[more.index("- id: wind-strong"):]
    (rich / "content/facts/more.yaml").write_text(more.replace(wind, ""), encoding="utf-8")
    (rich / "content/facts/zzz.yaml").write_text(wind, encoding="utf-8")
    assert "weather/index.html" in preview.rendered()
    preview.assert_same_as_full_build()


def test_a_response_renders_the_claims_block_and_the_fact_page_of_the_claim(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "Bob denied Alice's forecast.", "Bob firmly denied the forecast.")
    rendered = preview.rendered()
    assert {"weather/index.html", "facts/alice-says-rain/index.html", "facts/bob-denies/index.html",
            "actors/bob/index.html"} <= rendered
    assert "wind/index.html" not in rendered and "index.html" not in rendered
    preview.assert_same_as_full_build()


def test_a_response_no_longer_answering_renders_the_fact_page_of_the_claim(rich):
    """The claim's page read the index entry of its responses: the entry is gone, not changed."""
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "responds_to: alice-says-rain", "responds_to: sky-blue")
    rendered = preview.rendered()
    assert {"facts/alice-says-rain/index.html", "facts/sky-blue/index.html"} <= rendered
    assert "Bob" not in (preview.out / "facts/alice-says-rain/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


EXTRA_FACTS = """\
- id: extra-one
  statement: One more thing.
  kind: fact
  citations: [{source: radio, quote: It was windy.}]
- id: extra-two
  statement: Two more things.
  kind: fact
  citations: [{source: radio, quote: It was windy.}]
"""


def test_the_preview_warns_as_a_full_build_does_after_each_kind_of_fact_edit(rich):
    """Validation is reused while a save leaves the site's shape as it was (validate.LastValidation)."""
    extra = rich / "content/facts/extra.yaml"
    extra.write_text(EXTRA_FACTS, encoding="utf-8")
    preview = Preview(rich)
    preview.rendered()
    assert [m for m in messages(preview.last.result, "warning") if "extra-two" in m] == [
        "content/facts/extra.yaml:5:3: warning: fact 'extra-two' is not used by any page"]
    # Words only, over more lines: the warning about the next fact moves with it.
    edit(extra, "statement: One more thing.", "statement: >-\n    One more\n    thing.")
    preview.step([extra])
    assert "content/facts/extra.yaml:7:3: warning: fact 'extra-two' is not used by any page" in \
        messages(preview.last.result, "warning")
    preview.assert_same_as_full_build()  # which also compares the warnings
    # What other records' checks read of a fact: a topic that a page's block selects makes it used.
    edit(extra, "kind: fact\n  citations: [{source: radio, quote: It was windy.}]\n- id: extra-two",
         "kind: fact\n  topics: [weather]\n  citations: [{source: radio, quote: It was windy.}]\n- id: extra-two")
    preview.step([extra])
    assert not [m for m in messages(preview.last.result, "warning") if "extra-one" in m]
    preview.assert_same_as_full_build()
    edit(extra, "- id: extra-one", "- id: extra-first")
    preview.step([extra])
    preview.assert_same_as_full_build()
    edit(extra, "  topics: [weather]\n", "  by: [nobody]\n")
    assert messages(preview.step([extra]).result) == ["content/facts/extra.yaml:6:7: error: unknown actor 'nobody' in 'by'"]


def test_a_source_edit_renders_pages_whose_notes_quote_it(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/sources/radio.yaml", "A radio report", "A radio broadcast")
    rendered = preview.rendered()
    assert {"sources/radio/index.html", "wind/index.html", "facts/wind-strong/index.html",
            "actors/bob/index.html", "people/index.html"} <= rendered
    assert "index.html" not in rendered  # the home page cites only the paper
    preview.assert_same_as_full_build()


def test_an_actor_edit_renders_bylines(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/actors/bob.yaml", "Bob Example", "Robert Example")
    rendered = preview.rendered()
    assert {"actors/bob/index.html", "facts/bob-denies/index.html", "weather/index.html",
            "people/index.html"} <= rendered
    assert "wind/index.html" not in rendered
    preview.assert_same_as_full_build()


def test_a_block_template_edit_renders_only_pages_that_use_it(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "templates/blocks/timeline.html", '<ol class="fact-block timeline">',
         '<ol class="fact-block timeline changed">')
    assert preview.rendered() == {"weather/index.html"}
    preview.assert_same_as_full_build()


def test_a_template_included_everywhere_renders_everything_that_includes_it(rich):
    preview = Preview(rich)
    everything = html_pages(preview.rendered())
    edit(rich / "templates/base.html", '<a class="skip-link"', '<a class="skip-link changed"')
    assert preview.rendered() == everything
    preview.assert_same_as_full_build()


def test_macros_imported_by_some_templates_render_those(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "templates/_macros.html", '<span class="by">{{', '<span class="by">said {{')
    rendered = preview.rendered()
    assert "404.html" not in rendered  # 404.html does not import the macros
    assert {"index.html", "facts/sky-blue/index.html", "weather/index.html"} <= rendered
    preview.assert_same_as_full_build()


def test_site_settings_and_navigation_render_every_page(rich):
    preview = Preview(rich)
    everything = html_pages(preview.rendered())
    edit(rich / "content/site.yaml", "Test explainer", "Test explainer, renamed")
    assert html_pages(preview.rendered()) == everything
    edit(rich / "content/pages/wind.md", "title: Wind", "title: Wind and storms")
    assert html_pages(preview.rendered()) == everything  # the title is in every page's navigation
    preview.assert_same_as_full_build()


def test_a_stylesheet_edit_copies_it_and_asks_for_a_style_reload(rich):
    preview = Preview(rich)
    everything = html_pages(preview.rendered())
    with open(rich / "static/style.css", "a", encoding="utf-8") as handle:
        handle.write("\n.changed { color: red; }\n")
    rebuild = preview.step()
    # The stylesheet has a new fingerprinted name, so the pages that link to it are written again;
    # nothing else changed, so browsers may swap the stylesheet instead of reloading.
    css = [p for p in rebuild.rendered if p.endswith(".css")]
    assert unhashed(css) == {"static/style.css"} and css[0] not in rebuild.changes.deleted
    assert set(rebuild.rendered) == everything | set(css) and rebuild.reload == "style"
    assert [unhashed([p]) for p in rebuild.changes.deleted] == [{"static/style.css"}]
    preview.assert_same_as_full_build()


def test_adding_deleting_and_renaming_files(rich):
    preview = Preview(rich)
    preview.rendered()
    (rich / "static/extra.txt").write_text("hello", encoding="utf-8")
    (rich / "content/pages/new.md").write_text(WIND_PAGE.replace("slug: wind", "slug: new")
                                                .replace("title: Wind", "title: New"), encoding="utf-8")
    assert {"new/index.html", "static/extra.txt"} <= preview.rendered()
    preview.assert_same_as_full_build()
    (rich / "content/pages/new.md").unlink()
    (rich / "static/extra.txt").unlink()
    rebuild = preview.step()
    assert rebuild.ok and {"new/index.html", "static/extra.txt"} <= set(rebuild.changes.deleted)
    assert not (preview.out / "new").exists()  # no empty folder is left behind
    preview.assert_same_as_full_build()
    # A file renamed keeps its content: same slug, same output.
    os.rename(rich / "content/pages/wind.md", rich / "content/pages/renamed-wind.md")
    os.rename(rich / "content/facts/more.yaml", rich / "content/facts/even-more.yaml")
    preview.step()
    preview.assert_same_as_full_build()
    # A slug renamed moves the output.
    edit(rich / "content/pages/renamed-wind.md", "slug: wind", "slug: winds")
    rebuild = preview.step()
    assert "wind/index.html" in rebuild.changes.deleted and "winds/index.html" in rebuild.rendered
    preview.assert_same_as_full_build()


def test_deleting_a_folder_of_content_and_restoring_it(rich):
    preview = Preview(rich)
    preview.rendered()
    saved = rich.parent / "saved-actors"
    shutil.move(rich / "content/actors", saved)
    rebuild = preview.step()
    assert not rebuild.ok  # facts name actors that no longer exist
    shutil.move(saved, rich / "content/actors")
    assert preview.step().ok
    preview.assert_same_as_full_build()


def test_a_failed_rebuild_changes_nothing_and_the_fix_catches_up(rich):
    preview = Preview(rich)
    preview.rendered()
    before = (preview.out / "wind/index.html").read_bytes()
    edit(rich / "content/pages/wind.md", "[@wind-strong]", "[@wind-strog]")
    edit(rich / "content/facts/more.yaml", "The wind was strong.", "The wind was fierce.")
    rebuild = preview.step()
    assert not rebuild.ok and rebuild.changes is None
    assert messages(rebuild.result, project=rich) == [
        "content/pages/wind.md:8:16: error: unknown fact 'wind-strog' (did you mean 'wind-strong'?)"]
    assert (preview.out / "wind/index.html").read_bytes() == before
    edit(rich / "content/pages/wind.md", "[@wind-strog]", "[@wind-strong]")
    rendered = preview.rendered()
    assert {"wind/index.html", "facts/wind-strong/index.html"} <= rendered  # the fact edit is not lost
    assert "The wind was fierce." in (preview.out / "wind/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


def test_changes_never_moved_in_are_made_again_by_the_next_rebuild(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "The wind was strong.", "The wind was fierce.")
    lost = preview.builder.rebuild()
    assert "facts/wind-strong/index.html" in lost.rendered
    lost.changes.discard()  # as when moving the files in fails
    assert "facts/wind-strong/index.html" in preview.rendered()
    preview.assert_same_as_full_build()


def test_a_template_error_is_reported_and_fixed(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "templates/fact.html", '{{ local(fact, "statement") }}', '{{ local(fact, "statement") }')
    rebuild = preview.step()
    assert not rebuild.ok
    assert any("templates/fact.html" in m and "template syntax error" in m
               for m in messages(rebuild.result, project=rich))
    edit(rich / "templates/fact.html", '{{ local(fact, "statement") }', '{{ local(fact, "statement") }}')
    assert preview.step().ok
    preview.assert_same_as_full_build()


def test_drafts_appear_only_when_asked(rich):
    edit(rich / "content/pages/wind.md", "order: 4", "order: 4\ndraft: true")
    for drafts in (False, True):
        preview = Preview(rich, drafts=drafts)
        shutil.rmtree(preview.out, ignore_errors=True)
        preview.rendered()
        assert (preview.out / "wind/index.html").exists() == drafts
        preview.assert_same_as_full_build()
    edit(rich / "content/pages/wind.md", "draft: true", "draft: false")
    preview.rendered()
    preview.assert_same_as_full_build()


def test_same_size_edits_in_quick_succession_are_seen(rich):
    """Two writes of the same size within one timestamp tick must not look unchanged."""
    preview = Preview(rich)
    preview.rendered()
    fact = rich / "content/facts/more.yaml"
    previous = "strong"
    for word in ("mighty", "steady", "breezy"):  # same length: the file's size never changes
        size = fact.stat().st_size
        edit(fact, f"The wind was {previous}.", f"The wind was {word}.")
        assert fact.stat().st_size == size
        preview.step()
        assert f"The wind was {word}." in (preview.out / "facts/wind-strong/index.html").read_text(encoding="utf-8")
        previous = word
    preview.assert_same_as_full_build()


def test_stored_keys_equal_keys_computed_afresh(rich):
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/facts/more.yaml", "topics: [wind]", "topics: [wind, weather]")
    edit(rich / "templates/blocks/claims.html", '<p class="no-response">', '<p class="no-response changed">')
    preview.rendered()
    stored = {path: state.key for path, state in preview.builder.outputs.items()}
    assert stored == preview.builder.recomputed_keys()


def test_a_save_computes_again_only_the_tokens_that_can_have_changed(rich, monkeypatch):
    """Records of files not read again are the same objects: their tokens keep their stored values."""
    preview = Preview(rich)
    preview.rendered()
    computed: list[tuple] = []
    compute = TokenValues._compute
    monkeypatch.setattr(TokenValues, "_compute", lambda self, token: computed.append(token) or compute(self, token))
    more = rich / "content/facts/more.yaml"
    edit(more, "The wind was strong.", "The wind was very strong.")
    rebuild = preview.step([more])
    assert rebuild.ok and "facts/wind-strong/index.html" in rebuild.rendered
    records = {token for token in computed if token[0] in ("facts", "sources", "actors", "page") and token[1] != "*"}
    assert ("facts", "wind-strong") in records
    assert records <= {("facts", "wind-strong"), ("facts", "bob-denies")}  # the two facts of more.yaml
    # What the builder stores is what computing every token afresh gives.
    fresh = IncrementalBuilder(preview.options)
    fresh.rebuild().changes.on_applied()
    assert preview.builder.values == {token: fresh.values[token] for token in preview.builder.dependents}


def test_a_long_session_keeps_only_the_tokens_outputs_read(rich):
    """Every page or stylesheet save renames a fingerprinted file: the old name's token must go (issue 8)."""
    preview = Preview(rich)
    preview.rendered()
    for number in range(40):
        with open(rich / ("content/pages/wind.md", "static/style.css")[number % 2], "a", encoding="utf-8") as handle:
            handle.write(f"\nSave {number}.\n" if number % 2 == 0 else f"\n.save-{number} {{ color: red; }}\n")
        assert preview.rendered(), number
    builder = preview.builder
    assert set(builder._interned) == set(builder.dependents)  # one object per token still read, and no others
    assert all(builder._interned[token] is token for token in builder.dependents)


# ---------------------------------------------------------------- random sequences of edits

def _random_edit(project: Path, rng: random.Random, step: int) -> None:
    """One of many kinds of edits a writer makes; each leaves valid content."""
    content = project / "content"
    choice = rng.randrange(14)
    if choice == 0:
        facts = content / "facts/weather.yaml"
        facts.write_text(re.sub(r"The sky was blue[^.]*", f"The sky was blue ({step})", facts.read_text(), 1))
    elif choice == 1:
        page = content / "pages/wind.md"
        page.write_text(page.read_text() + f"\nMore wind, step {step} [@wind-strong].\n")
    elif choice == 2:
        more = content / "facts/more.yaml"
        text = more.read_text()
        more.write_text(text.replace("topics: [wind]", "topics: [wind, weather]") if "topics: [wind]" in text
                        else text.replace("topics: [wind, weather]", "topics: [wind]"))
    elif choice == 3:
        source = content / "sources/radio.yaml"
        source.write_text(re.sub(r"title: .*", f"title: A radio report {step}", source.read_text(), 1))
    elif choice == 4:
        actor = content / "actors/bob.yaml"
        actor.write_text(re.sub(r"name: .*", f"name: Bob Example {step}", actor.read_text(), 1))
    elif choice == 5:
        template = project / "templates/blocks/timeline.html"
        template.write_text(template.read_text() + f"{{# step {step} #}}\n<!-- {step} -->\n")
    elif choice == 6:
        (project / "static/style.css").write_text((project / "static/style.css").read_text() + f"\n/* {step} */\n")
    elif choice == 7:
        extra = content / "pages/extra.md"
        if extra.exists():
            extra.unlink()
        else:
            extra.write_text(WIND_PAGE.replace("slug: wind", "slug: extra").replace("order: 4", f"order: {step}"))
    elif choice == 8:
        site = content / "site.yaml"
        site.write_text(re.sub(r"title: .*", f"title: Test explainer {step}", site.read_text(), 1))
    elif choice == 9:
        page = content / "pages/weather.md"
        text = page.read_text()
        page.write_text(text.replace("template: timeline", "template: list") if "template: timeline" in text
                        else text.replace("template: list", "template: timeline"))
    elif choice == 10:
        extra_fact = content / "facts/extra.yaml"
        if extra_fact.exists():
            extra_fact.unlink()
        else:
            extra_fact.write_text(f"id: extra-fact\nstatement: An extra fact {step}.\nkind: fact\n"
                                  "topics: [weather]\ncitations: [{source: paper, quote: Extra.}]\n")
    elif choice == 11:
        corrections = content / "corrections.yaml"
        corrections.write_text(corrections.read_text() + f'- date: "2022-12-{step % 28 + 1:02d}"\n  summary: Fix {step}.\n')
    elif choice == 12:
        page = content / "pages/people.md"
        page.write_text(re.sub(r"order: \d+", f"order: {rng.randrange(1, 9)}", page.read_text(), 1))
    else:
        extra_static = project / "static/notes" / f"n{step % 3}.txt"
        if extra_static.exists():
            extra_static.unlink()
        else:
            extra_static.parent.mkdir(exist_ok=True)
            extra_static.write_text(f"note {step}")


def snapshot(project: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for folder in ("content", "templates", "static")
            for p in (project / folder).rglob("*") if p.is_file()}


def changed_paths(before: dict[Path, bytes], after: dict[Path, bytes]) -> list[Path]:
    """What a perfect watcher reports: files created, deleted or modified."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


@pytest.mark.parametrize("seed, hinted", [(1, False), (2, False), (3, True), (4, True), (5, True)])
def test_any_sequence_of_edits_leaves_the_same_bytes_as_a_full_build(rich, seed, hinted):
    """With hinted, the builder is told which files changed, as the watcher tells it."""
    edit_randomly_and_compare(rich, seed, hinted)


@pytest.mark.parametrize("seed", [6, 7])
def test_any_sequence_of_edits_with_two_records_a_chunk(rich, seed, monkeypatch):
    """Pieces and whole-collection hashes are kept a hundred records at a time; with two, this
    small site has many chunks, and every edit lands in one of them."""
    monkeypatch.setattr(pieces, "CHUNK", 2)
    monkeypatch.setattr(incremental, "CHUNK", 2)
    edit_randomly_and_compare(rich, seed, hinted=True)


def test_the_sitemap_follows_dates_in_any_chunk(rich, monkeypatch):
    monkeypatch.setattr(pieces, "CHUNK", 2)
    monkeypatch.setattr(incremental, "CHUNK", 2)
    preview = Preview(rich)
    preview.rendered()
    edit(rich / "content/pages/wind.md", "order: 4", 'order: 4\nupdated: "2022-12-03"')
    assert "sitemap.xml" in preview.rendered()
    assert "<lastmod>2022-12-03</lastmod>" in (preview.out / "sitemap.xml").read_text(encoding="utf-8")
    edit(rich / "content/pages/wind.md", "It was windy", "It was very windy")
    assert "sitemap.xml" not in preview.rendered()
    edit(rich / "content/facts/more.yaml", '  date: "2022-10-30"', '  date: "2022-10-30"\n  updated: "2022-12-01"')
    assert "sitemap.xml" in preview.rendered()
    preview.assert_same_as_full_build()


def edit_randomly_and_compare(rich: Path, seed: int, hinted: bool) -> None:
    rng = random.Random(seed)
    preview = Preview(rich)
    preview.rendered()
    for step in range(1, 13):
        before = snapshot(rich)
        for _ in range(rng.randint(1, 3)):
            _random_edit(rich, rng, step)
        rebuild = preview.step(changed_paths(before, snapshot(rich)) if hinted else None)
        assert rebuild.ok, messages(rebuild.result, project=rich)
        preview.assert_same_as_full_build()


def test_hints_naming_an_edited_file_read_only_that_file(rich):
    preview = Preview(rich)
    preview.rendered()
    fact = rich / "content/facts/more.yaml"
    edit(fact, "The wind was strong.", "The wind was gusty.")
    rebuild = preview.step([fact])
    assert preview.builder.loads.trusting and preview.builder.loads.reloaded == [fact]
    assert "facts/wind-strong/index.html" in rebuild.rendered
    # A new or deleted file makes the builder look at every file again.
    (rich / "content/facts/new.yaml").write_text(
        "id: new-fact\nstatement: New.\nkind: fact\ncitations: [{source: paper, quote: New.}]\n", encoding="utf-8")
    preview.step([rich / "content/facts/new.yaml"])
    assert not preview.builder.loads.trusting
    assert (preview.out / "facts/new-fact/index.html").exists()
    preview.assert_same_as_full_build()


def test_a_known_file_replaced_by_a_link_out_of_the_project_is_an_error_even_with_hints(rich, tmp_path):
    """The symbolic-link walk is skipped for hinted edits of regular files, never for a link."""
    preview = Preview(rich)
    preview.rendered()
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text((rich / "content/facts/more.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    fact = rich / "content/facts/more.yaml"
    fact.unlink()
    fact.symlink_to(outside)
    rebuild = preview.step([fact])
    assert not preview.builder.loads.trusting
    assert not rebuild.ok
    assert any("symbolic link to a file outside the project" in d.message and d.location.path == fact
               for d in rebuild.result.diagnostics)


@pytest.mark.parametrize("path, old, new", [("content/es/facts/more.yaml", "El viento era fuerte.", "El viento soplaba fuerte."),
                                             ("templates/i18n/es.yaml", "heading: Notas", "heading: Las notas")])
def test_a_file_edited_while_no_edition_reads_it_is_read_again_when_one_does(bilingual_rich, path, old, new):
    """A file the watcher names while no build reads it is forgotten (LoadCache.finish), not kept stale."""
    preview = Preview(bilingual_rich)
    preview.rendered()
    site = bilingual_rich / "content/site.yaml"
    edit(site, "translations: [es]\n", "")
    assert preview.step([site]).ok and preview.builder.loads.trusting
    edit(bilingual_rich / path, old, new)
    assert preview.step([bilingual_rich / path]).ok and preview.builder.loads.trusting
    edit(site, "title:", "translations: [es]\ntitle:")
    assert preview.step([site]).ok and preview.builder.loads.trusting
    preview.assert_same_as_full_build()


def test_a_translation_edited_while_site_yaml_is_broken_is_read_again_once_it_is_fixed(bilingual_rich):
    preview = Preview(bilingual_rich)
    preview.rendered()
    site = bilingual_rich / "content/site.yaml"
    spanish = bilingual_rich / "content/es/facts/more.yaml"
    good = site.read_text(encoding="utf-8")
    site.write_text(good + "title: [unclosed\n", encoding="utf-8")
    assert not preview.step([site]).ok and preview.builder.loads.trusting
    edit(spanish, "El viento era fuerte.", "El viento soplaba fuerte.")
    assert not preview.step([spanish]).ok and preview.builder.loads.trusting
    site.write_text(good, encoding="utf-8")
    assert preview.step([site]).ok and preview.builder.loads.trusting
    preview.assert_same_as_full_build()


# ---------------------------------------------------------------- the parts

def test_load_cache_rereads_only_changed_files(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("a: 1\n")
    second.write_text("b: 2\n")
    cache = LoadCache()
    cache.begin()
    a1, b1 = cache(load_yaml, first), cache(load_yaml, second)
    cache.finish()
    second.write_text("b: 3\n")
    cache.begin()
    a2, b2 = cache(load_yaml, first), cache(load_yaml, second)
    cache.finish()
    assert a2 is a1 and b2 is not b1 and b2[0] == {"b": 3}
    assert cache.reloaded == [second]


def test_load_cache_gives_a_whole_list_back_while_the_watcher_names_none_of_its_files(tmp_path):
    """each() and remembered(): what content.gather reads of the kinds a save did not touch."""
    paths = [tmp_path / f"{name}.yaml" for name in "abc"]
    for number, path in enumerate(paths):
        path.write_text(f"n: {number}\n")
    other = tmp_path / "other.yaml"
    other.write_text("x: 1\n")
    cache = LoadCache()
    made: list[list] = []

    def build(hints: list[Path] | None) -> tuple[list, list]:
        cache.begin(hints)
        results = cache.each(load_yaml, paths)
        summed = cache.remembered("sum", results, lambda got: made.append(got) or [r[0]["n"] for r in got])
        cache(load_yaml, other)
        cache.finish()
        return results, summed

    first, first_sum = build(None)
    assert first_sum == [0, 1, 2] and len(made) == 1
    other.write_text("x: 2\n")
    again, again_sum = build([other])  # trusting: none of the list's files was named
    assert cache.trusting and again is first and again_sum is first_sum and len(made) == 1
    assert cache.reloaded == [other]
    paths[1].write_text("n: 10\n")
    edited, edited_sum = build([paths[1]])  # one of them was: it is read again, the others kept
    assert cache.trusting and edited is not first and cache.reloaded == [paths[1]]
    assert edited[0] is first[0] and edited[2] is first[2] and edited_sum == [0, 10, 2] and len(made) == 2
    _, unhinted_sum = build(None)  # no hints: every file's stat is looked at; the same objects come back
    assert not cache.trusting and unhinted_sum is edited_sum and len(made) == 2
    paths[2].unlink()
    del paths[2]
    build(None)  # a deleted file is forgotten by a build that looks at every file
    assert cache.entries() and all(key[1] != tmp_path / "c.yaml" for key, _ in cache.entries())


real_collected = content.collected


def test_a_fact_edit_reads_no_page_file_and_collects_no_other_kind_again(rich, monkeypatch):
    preview = Preview(rich)
    preview.rendered()
    asked: list[Path] = []
    call = LoadCache.__call__
    monkeypatch.setattr(LoadCache, "__call__", lambda self, loader, path, *args: asked.append(path) or
                        call(self, loader, path, *args))
    collected = []
    monkeypatch.setattr(content, "collected", lambda files: collected.append(files) or real_collected(files))
    fact = rich / "content/facts/more.yaml"
    edit(fact, "The wind was strong.", "The wind was gusty.")
    rebuild = preview.step([fact])
    assert rebuild.ok and preview.builder.loads.trusting
    assert not [path for path in asked if path.suffix == ".md"]
    assert len(collected) == 1 and len(collected[0]) == len(list((rich / "content/facts").glob("*.yaml")))
    preview.assert_same_as_full_build()


def test_load_cache_takes_a_result_read_ahead_only_from_the_same_bytes(tmp_path):
    """A worker's read (content.read_ahead) is used only if the file still holds what it read."""
    same, changed = tmp_path / "a.yaml", tmp_path / "b.yaml"
    same.write_text("a: 1\n")
    changed.write_text("b: 3\n")
    cache = LoadCache()
    cache.begin()
    read_by_worker = ({"a": "read ahead"}, [])
    cache.ahead = {(load_yaml, same, ()): (digest(same.read_bytes()), read_by_worker),
                   (load_yaml, changed, ()): (digest(b"b: 2\n"), ({"b": 2}, []))}  # then the writer saved again
    assert cache(load_yaml, same) is read_by_worker
    assert cache(load_yaml, changed)[0] == {"b": 3}
    cache.finish()
    assert cache.ahead == {}


def test_block_options_freeze_and_thaw():
    options = {"template": "timeline", "topics": ["a", "b"], "ids": [], "nested": {"x": [1, {"y": 2}]}}
    assert thaw(freeze(options)) == options
    assert freeze({"ids": []}) != freeze({"ids": {}})
    hash(freeze(options))


# ---------------------------------------------------------------- a Spanish edition beside the English one

SPANISH_WEATHER = """\
---
title: El tiempo
slug: weather
summary: Todo sobre el tiempo.
---

Se pronosticó lluvia [@alice-says-rain].

::: facts
template: timeline
topics: [weather]
:::

::: facts
template: claims
ids: [alice-says-rain, bob-denies]
:::
"""

SPANISH_MORE = """\
- id: bob-denies
  statement: Bob negó el pronóstico de Alice.
- id: wind-strong
  statement: El viento era fuerte.
"""


@pytest.fixture
def bilingual_rich(make_project):
    files = {"content/pages/weather.md": BLOCKS_PAGE, "content/pages/people.md": LISTS_PAGE,
             "content/pages/wind.md": WIND_PAGE, "content/facts/more.yaml": MORE_FACTS,
             "content/sources/radio.yaml": RADIO, "content/actors/bob.yaml": BOB,
             "content/corrections.yaml": CORRECTIONS, **bilingual_files(),
             "content/es/pages/weather.md": SPANISH_WEATHER, "content/es/facts/more.yaml": SPANISH_MORE,
             "content/es/actors/bob.yaml": "id: bob\nrole: Agricultor\ndescription: Un agricultor.\n"}
    return make_project(files)


def test_a_translation_edit_renders_only_what_shows_it_in_that_language(bilingual_rich):
    preview = Preview(bilingual_rich)
    first = preview.rendered()
    assert {"es/index.html", "es/weather/index.html", "es/facts/wind-strong/index.html", "es/feed.xml"} <= first
    preview.assert_same_as_full_build()
    edit(bilingual_rich / "content/es/facts/more.yaml", "El viento era fuerte.", "El viento soplaba fuerte.")
    rendered = preview.rendered()
    assert "es/facts/wind-strong/index.html" in rendered and "es/people/index.html" in rendered
    assert not any(p.endswith(".html") and not p.startswith("es/") for p in rendered)  # no English page
    assert "El viento soplaba fuerte." in (preview.out / "es/facts/wind-strong/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()


@pytest.mark.parametrize("part, per_piece", [(4, 2), (6, 4), (3, 5)])
def test_random_edits_with_index_parts_of_several_pieces(rich, part, per_piece, monkeypatch):
    """A part of the search index joined from several pieces of documents (pieces.in_parts)."""
    monkeypatch.setattr(search, "PART_SIZE", part)
    monkeypatch.setattr(search, "DOCUMENTS_PER_PIECE", per_piece)
    edit_randomly_and_compare(rich, 6, hinted=True)


def test_translated_records_stay_the_same_objects_while_nothing_they_come_from_changes(bilingual_rich, monkeypatch):
    """So the pieces of whole-site files are reused in every language (explainer/pieces.py)."""
    monkeypatch.setattr(search, "PART_SIZE", 1)  # a part of the search index per document,
    monkeypatch.setattr(pieces, "CHUNK", 1)  # and a piece of facts.json and facts.csv per record
    preview = Preview(bilingual_rich)
    preview.rendered()
    files = ("facts.json", "facts.csv", "search index es")
    before = [preview.builder.pieces.kept(name) for name in files]
    edit(bilingual_rich / "content/facts/more.yaml", "The wind was strong.", "The wind was very strong.")
    assert "facts.json" in preview.rendered()
    for name, old in zip(files, before):
        new = preview.builder.pieces.kept(name)
        remade = [piece for piece in new if not any(piece is known for known in old)]
        # the two facts of more.yaml (in the index: their documents and their parts)
        assert len(new) == len(old) and len(remade) == (4 if name.startswith("search") else 2), name
    preview.assert_same_as_full_build()


def test_an_english_edit_renders_the_spanish_pages_that_fall_back_to_it(bilingual_rich):
    preview = Preview(bilingual_rich)
    preview.rendered()
    # sky-blue is translated: its English statement is not shown in Spanish ...
    edit(bilingual_rich / "content/facts/weather.yaml", "The sky was blue on Tuesday.", "The sky was clear on Tuesday.")
    rendered = preview.rendered()
    assert "facts/sky-blue/index.html" in rendered and "es/facts/sky-blue/index.html" not in rendered
    # ... alice-says-rain is not: the Spanish edition shows its English words.
    edit(bilingual_rich / "content/facts/weather.yaml", "Alice said it would rain.", "Alice said it might rain.")
    rendered = preview.rendered()
    assert {"facts/alice-says-rain/index.html", "es/facts/alice-says-rain/index.html", "es/weather/index.html"} <= rendered
    preview.assert_same_as_full_build()


def test_ui_strings_render_the_pages_of_their_language(bilingual_rich):
    preview = Preview(bilingual_rich)
    everything = html_pages(preview.rendered())
    edit(bilingual_rich / "templates/i18n/es.yaml", "heading: Notas", "heading: Las notas")
    rendered = html_pages(preview.rendered())
    assert rendered == {p for p in everything if p.startswith("es/")} | {"404.html"}  # 404.html speaks Spanish too
    assert '<h2 id="notes-heading">Las notas</h2>' in (preview.out / "es/index.html").read_text(encoding="utf-8")
    preview.assert_same_as_full_build()
    edit(bilingual_rich / "templates/i18n/es.yaml", "language_name: Español", "language_name: Castellano")
    assert html_pages(preview.rendered()) == everything  # every English page links to "Castellano"
    preview.assert_same_as_full_build()


def test_adding_and_removing_a_translation_and_an_edition(bilingual_rich):
    preview = Preview(bilingual_rich)
    preview.rendered()
    (bilingual_rich / "content/es/pages/wind.md").write_text(
        "---\ntitle: Viento\nslug: wind\nsummary: Sobre el viento.\n---\n\nHubo viento [@wind-strong].\n",
        encoding="utf-8")
    assert "es/wind/index.html" in preview.rendered()
    preview.assert_same_as_full_build()
    (bilingual_rich / "content/es/pages/wind.md").unlink()
    assert "es/wind/index.html" in preview.rendered()  # back to the English fallback
    preview.assert_same_as_full_build()
    edit(bilingual_rich / "content/site.yaml", "translations: [es]\n", "")
    rebuild = preview.step()
    assert rebuild.ok and "es/index.html" in rebuild.changes.deleted
    assert not (preview.out / "es").exists()
    preview.assert_same_as_full_build()


def _random_spanish_edit(project: Path, rng: random.Random, step: int) -> None:
    """An edit to the Spanish edition, or one that changes what it falls back to."""
    content = project / "content"
    choice = rng.randrange(6)
    if choice == 0:
        more = content / "es/facts/more.yaml"
        more.write_text(re.sub(r"El viento era fuerte[^.]*", f"El viento era fuerte ({step})", more.read_text()))
    elif choice == 1:
        page = content / "es/pages/wind.md"
        if page.exists():
            page.unlink()
        else:
            page.write_text(f"---\ntitle: Viento {step}\nslug: wind\nsummary: S.\n---\n\nViento [@wind-strong].\n")
    elif choice == 2:
        actor = content / "es/actors/bob.yaml"
        actor.write_text(re.sub(r"role: .*", f"role: Agricultor {step}", actor.read_text(), 1))
    elif choice == 3:
        strings = project / "templates/i18n/es.yaml"
        strings.write_text(re.sub(r"  heading: Notas.*", f"  heading: Notas {step}", strings.read_text(), 1))
    elif choice == 4:
        facts = content / "facts/weather.yaml"
        facts.write_text(re.sub(r"Alice said it would rain[^.]*", f"Alice said it would rain ({step})",
                                facts.read_text(), 1))
    else:
        site = content / "es/site.yaml"
        site.write_text(re.sub(r"title: .*", f"title: Explicador {step}", site.read_text(), 1))


@pytest.mark.parametrize("seed, hinted", [(11, False), (12, True)])
def test_any_sequence_of_edits_in_two_languages_leaves_the_same_bytes_as_a_full_build(bilingual_rich, seed, hinted):
    rng = random.Random(seed)
    preview = Preview(bilingual_rich)
    preview.rendered()
    for step in range(1, 11):
        before = snapshot(bilingual_rich)
        for _ in range(rng.randint(1, 3)):
            (_random_spanish_edit if rng.random() < 0.6 else _random_edit)(bilingual_rich, rng, step)
        rebuild = preview.step(changed_paths(before, snapshot(bilingual_rich)) if hinted else None)
        assert rebuild.ok, messages(rebuild.result, project=bilingual_rich)
        preview.assert_same_as_full_build()
    stored = {path: state.key for path, state in preview.builder.outputs.items()}
    assert stored == preview.builder.recomputed_keys()


@pytest.mark.parametrize("fixture", ["rich", "bilingual_rich"])
def test_a_save_of_a_fact_s_words_is_not_validated_all_over_again(request, monkeypatch, fixture):
    """In one language or two (a translation's records are kept as they are: validate.LastValidation)."""
    project = request.getfixturevalue(fixture)
    preview = Preview(project)
    preview.rendered()
    checked = []
    check_all = validate.all_problems
    monkeypatch.setattr(validate, "all_problems", lambda *args: checked.append(1) or check_all(*args))
    more = project / "content/facts/more.yaml"
    edit(more, "The wind was strong.", "The wind was very strong.")
    assert preview.step([more]).ok and checked == []
    preview.assert_same_as_full_build()  # (which validates everything, as a build does)
    checked.clear()
    spanish = project / "content/es/facts/weather.yaml"
    if spanish.exists():  # a translation's edit checks everything again
        spanish.write_text(spanish.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert preview.step([spanish]).ok and checked == [1]


LATER_PAGE = "---\ntitle: Later\nslug: later\nsummary: Later.\norder: 9\n---\n\n::: facts\ntopics: [other]\n:::\n"
MOVING_FACTS = """\
- id: aa-moving
  statement: Moves.
  kind: fact
  topics: [weather]
  citations: [{source: radio, quote: It was windy.}]
- id: zz-other
  statement: Other.
  kind: fact
  topics: [other]
  citations: [{source: radio, quote: It was windy.}]
"""


def test_the_site_index_keeps_its_keys_in_order_when_it_is_updated(rich):
    """A fact leaving an earlier page and joining a later one is removed, then added at the end: sort again."""
    (rich / "content/pages/later.md").write_text(LATER_PAGE, encoding="utf-8")
    facts = rich / "content/facts/extra.yaml"
    facts.write_text(MOVING_FACTS, encoding="utf-8")
    preview = Preview(rich)
    preview.rendered()
    edit(facts, "topics: [weather]", "topics: [other]")  # off the weather page (order 2), onto Later (order 9)
    assert preview.step([facts]).ok
    index = preview.builder._indexes[""]
    for name in ("responses", "by_actor", "by_source", "actors_citing", "pages_citing"):
        assert list(getattr(index, name)) == sorted(getattr(index, name)), name
    preview.assert_same_as_full_build()


def test_the_site_index_keeps_every_fact_in_order_through_edits(rich):
    """The search page lists facts_in_order, which an update moves only the replaced facts of."""
    from explainer.model import fact_order
    preview = Preview(rich)
    preview.rendered()
    more = rich / "content/facts/more.yaml"
    added = '- id: a-new-fact\n  statement: New.\n  kind: fact\n  date: "2022-06-01"\n  citations: [{source: radio, quote: New.}]\n'
    for old, new in [('date: "2022-10-30"', 'date: "2021-01-01"'),           # a fact moves to the front
                     ("- id: bob-denies", added + "- id: bob-denies"),        # one is added
                     ('date: "2021-01-01"', 'date: "2030-05-05"'),            # one moves to the back
                     (added, "")]:                                            # one is removed
        edit(more, old, new)
        rebuild = preview.step([more])
        assert rebuild.ok, messages(rebuild.result, project=rich)
        index = preview.builder._indexes[""]
        site = preview.last.result.site
        assert [f.id for f in index.facts_in_order] == [f.id for f in sorted(site.facts.values(), key=fact_order)]
        assert all(a is b for a, b in zip(index.facts_in_order, sorted(site.facts.values(), key=fact_order)))
        preview.assert_same_as_full_build()


def test_applied_changes_free_the_replaced_files_only_when_discarded(tmp_path):
    """The preview moves files in under its lock and frees the old ones' blocks after telling readers."""
    from explainer.incremental import REPLACED, Changeset
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "a" / "index.html").write_text("old a")
    (out / "b.json").write_text("old b")
    changes = Changeset(out)
    changes.write("a/index.html", b"new a")
    changes.write("b.json", b"new b")
    changes.write("c/index.html", b"new c")  # nothing to replace
    staging = changes.staging
    changes.apply(out, clean_up=False)
    assert [(out / p).read_text() for p in ("a/index.html", "b.json", "c/index.html")] == ["new a", "new b", "new c"]
    assert sorted(p.read_text() for p in (staging / REPLACED).iterdir()) == ["old a", "old b"]
    changes.discard()
    assert not staging.exists()

    again = Changeset(out)
    again.write("b.json", b"newer b")
    again.apply(out)  # cleans up by default
    assert (out / "b.json").read_text() == "newer b" and not again.staging.exists()
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def test_fingerprints_of_replaced_records_are_dropped_once_they_are_many(monkeypatch):
    """Pruning walks every record, so it waits until replaced records are more than PRUNE_SLACK (and an eighth)."""
    from explainer.incremental import Fingerprints
    monkeypatch.setattr(incremental, "PRUNE_SLACK", 3)
    prints = Fingerprints()
    records = [("fact", n) for n in range(8)]
    for record in records:
        prints.of(record)
    walked = []

    def alive():
        walked.append(True)
        return records
    for n in range(3):  # three saves, each replacing one record: within the slack
        records[n] = ("fact", n, "edited")
        prints.of(records[n])
        prints.keep_only(alive, len(records))
    assert walked == [] and len(prints._by_id) == 11
    records[3] = ("fact", 3, "edited")
    prints.of(records[3])
    prints.keep_only(alive, len(records))
    assert walked == [True] and len(prints._by_id) == 8
    assert {prints.of(r) for r in records} == {v for _, v in prints._by_id.values()}


def test_quote_checks_of_a_save_equal_those_made_afresh(rich, monkeypatch):
    """Without snapshots the preview copies the last checks and redoes those of replaced facts and actors."""
    from explainer import verify
    preview = Preview(rich)
    preview.rendered()
    walks = []
    real_all_citations = verify.all_citations
    monkeypatch.setattr(verify, "all_citations", lambda site: walks.append(site) or real_all_citations(site))

    def save(path: Path, old: str, new: str) -> bool:
        """Edit and rebuild; whether the rebuild walked every citation."""
        edit(path, old, new)
        walks.clear()
        preview.step()
        assert preview.last.ok, messages(preview.last.result, project=rich)
        walked = bool(walks)
        assert preview.builder.verification.verification.checks == verify.unverified(preview.last.result.site).checks
        return walked

    assert not save(rich / "content/facts/more.yaml", "quote: It was windy.", "quote: It was very windy.")
    assert not save(rich / "content/actors/bob.yaml", "quote: Bob farms.", "quote: Bob farms wheat.")
    assert not save(rich / "content/facts/more.yaml", "- id: wind-strong", (  # a fact added
        "- id: wind-gusty\n  statement: Gusts.\n  kind: fact\n  citations: [{source: radio, quote: Gusty.}]\n- id: wind-strong"))
    assert save(rich / "content/sources/radio.yaml", "A radio report", "A radio programme")  # a source: all again
    preview.assert_same_as_full_build()


def deferred_fact_edit(rich: Path, old: str = "The wind was strong.", new: str = "The wind was very strong."
                       ) -> tuple[Preview, Path, object]:
    """A preview after its first build, and the rebuild of a fact edit that defers the data files."""
    from explainer.preview import DEFERRED_KINDS
    preview = Preview(rich)
    preview.rendered()
    more = rich / "content/facts/more.yaml"
    edit(more, old, new)
    return preview, more, preview.builder.rebuild([more], defer=DEFERRED_KINDS)


def test_deferred_data_files_are_made_after_the_pages_and_the_build_is_remembered_with_them(rich):
    """The preview serves a save's pages first, then facts.json and the other whole-site data files."""
    preview, more, first = deferred_fact_edit(rich)
    assert first.ok and first.later is not None
    assert "facts/wind-strong/index.html" in first.rendered
    assert {"facts.json", "facts.csv", "feed.xml"} <= set(first.deferred)
    assert not set(first.deferred) & set(first.rendered)
    first.changes.apply(preview.out)
    assert "very strong" not in (preview.out / "facts.json").read_text(encoding="utf-8")
    rest = first.later()
    assert set(rest.rendered) == set(first.deferred)
    rest.changes.apply(preview.out)
    preview.assert_same_as_full_build()
    assert preview.rendered() == set()  # remembered: nothing left to make


def test_deferred_files_never_applied_are_made_again_by_the_next_rebuild(rich):
    preview, more, first = deferred_fact_edit(rich)
    first.changes.apply(preview.out)  # the pages are in; the data files' rebuild is lost (say, a crash)
    again = preview.step([more])
    assert again.ok and {"facts.json", "facts.csv"} <= set(again.rendered)
    preview.assert_same_as_full_build()


def test_a_lost_deferred_part_leaves_nothing_stale_when_the_edit_is_undone(rich):
    """The pages of a rebuild whose data files never came are made again, even if the next save undoes it."""
    preview, more, first = deferred_fact_edit(rich)
    first.changes.apply(preview.out)  # its later() never runs
    edit(more, "The wind was very strong.", "The wind was strong.")
    assert preview.step([more]).ok
    preview.assert_same_as_full_build()


def test_pages_made_again_after_a_lost_deferred_part_reload_the_browsers(rich):
    """Nothing they read differs from what is remembered, yet their files do: a page reload, not a stylesheet swap."""
    quote = "quote: It was windy.}"
    located = quote.replace("}", ", locator: p. 2}")  # shown on pages, not in the search index
    preview, more, first = deferred_fact_edit(rich, quote, located)
    assert first.ok and first.later is not None
    first.changes.apply(preview.out)  # its later() never runs
    edit(more, located, quote)
    again = preview.step([more])
    assert again.ok and again.reload == "page"
    preview.assert_same_as_full_build()


def test_the_preview_recovers_when_its_deferred_part_fails(rich, monkeypatch):
    """A data file that cannot be made (a full disk) is reported; undoing the edit then serves a full build's files."""
    import dataclasses
    from explainer import pipeline
    from explainer.preview import make_preview
    from explainer.serve import bind
    http_server, _ = bind("127.0.0.1", 0)
    out = rich.parent / "served"
    server = make_preview(rich, http_server, out)
    try:
        server.build(None)
        real, calls = pipeline.facts_csv_parts, []

        def flaky(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise OSError(28, "No space left on device")
            return real(*args, **kwargs)
        monkeypatch.setattr(pipeline, "facts_csv_parts", flaky)
        more = rich / "content/facts/more.yaml"
        edit(more, "The wind was strong.", "The wind was very strong.")
        server.build({more})
        assert any("No space left" in e for e in server.hub.state.errors)
        edit(more, "The wind was very strong.", "The wind was strong.")
        server.build({more})
        assert server.hub.state.errors == ()
        full = rich.parent / "full"
        assert build_site(dataclasses.replace(server.builder.engine.options, out=full)).ok
        assert_same_tree(out, full)
        assert [p.name for p in out.parent.iterdir() if "-preview-" in p.name] == []
    finally:
        server.http.server_close()


def test_changes_moved_in_halfway_are_made_again_by_the_next_rebuild(rich, monkeypatch):
    """A disk that fills while files move in: the next rebuild makes every file that may have moved."""
    preview = Preview(rich)
    preview.rendered()
    more = rich / "content/facts/more.yaml"
    edit(more, "The wind was strong.", "The wind was very strong.")
    rebuild = preview.builder.rebuild([more])
    real_replace, moved = os.replace, []

    def filling(source, target):
        if len(moved) == 2:
            raise OSError(28, "No space left on device")
        moved.append(target)
        real_replace(source, target)
    monkeypatch.setattr(incremental.os, "replace", filling)
    with pytest.raises(OSError):
        rebuild.changes.apply(preview.out)
    rebuild.changes.discard()
    monkeypatch.setattr(incremental.os, "replace", real_replace)
    edit(more, "The wind was very strong.", "The wind was strong.")  # undone: nothing differs from what is remembered
    assert preview.step([more]).ok
    preview.assert_same_as_full_build()


def test_a_deletion_that_a_failed_move_never_reached_is_done_by_the_next_rebuild(rich, monkeypatch):
    preview = Preview(rich)
    preview.rendered()
    (rich / "content/pages/people.md").unlink()
    rebuild = preview.builder.rebuild()
    assert rebuild.ok and "people/index.html" in rebuild.changes.deleted and rebuild.changes.written

    def full(source, target):
        raise OSError(28, "No space left on device")
    real_replace = os.replace
    monkeypatch.setattr(incremental.os, "replace", full)
    with pytest.raises(OSError):
        rebuild.changes.apply(preview.out)
    rebuild.changes.discard()
    monkeypatch.setattr(incremental.os, "replace", real_replace)
    assert (preview.out / "people/index.html").exists()
    assert preview.step([]).ok
    preview.assert_same_as_full_build()
