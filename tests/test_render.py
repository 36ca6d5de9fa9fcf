"""Rendering: citation numbering, notes, blocks, permalink pages, Markdown features."""

import collections
import re

import pytest
from markupsafe import Markup

from conftest import FACTS_YAML, PAGE_MD, REPO, SOURCE_YAML, assert_same_tree, bilingual_files, build, messages
from explainer.render import NAV_LIMIT, NAV_WINDOW, Renderer


def read(project, path):
    return (project / "site" / path).read_text(encoding="utf-8")


def cited_facts(html):
    """(marker id, note id, fact id) of each [n] marker in page order, the fact read from its note."""
    notes = dict(re.findall(r'<li id="(note-\d+)" class="note[^"]*">.*?href="[./]*facts/([a-z0-9-]+)/index.html">Fact page',
                            html, re.S))
    return [(anchor, note, notes[note]) for anchor, note in re.findall(r'id="(ref-\d+-\d+)" href="#(note-\d+)"', html)]


def test_numbers_follow_first_appearance_and_repeats_reuse_them(make_project):
    project = make_project()
    assert build(project).ok
    html = read(project, "index.html")
    assert cited_facts(html) == [("ref-1-1", "note-1", "sky-blue"),
                                 ("ref-2-1", "note-2", "alice-says-rain"),
                                 ("ref-1-2", "note-1", "sky-blue")]
    notes = re.findall(r'<li id="(note-\d+)" class="note kind-(\w+)">', html)
    assert notes == [("note-1", "fact"), ("note-2", "claim")]
    # Each note links back to every place that cited it.
    note_1 = html.split('id="note-1"')[1].split('id="note-2"')[0]
    assert 'href="#ref-1-1"' in note_1 and 'href="#ref-1-2"' in note_1
    # The note carries the statement and the citation: quote, then publisher and date linking to
    # the quoted passage in the source (README: "Trust features"); the page's list of sources
    # gives each source's title and address once.
    assert "The sky was blue on Tuesday." in note_1
    assert "“The sky was blue.”" in note_1
    assert ('<a class="passage-link" href="https://example.com/article#:~:text=The%20sky%20was%20blue.">'
            'The Paper, 28 November 2022</a>') in note_1
    sources = html.split('<ul class="source-list"')[1].split("</ul>")[0]
    assert '<li id="src-paper"><cite><a href="https://example.com/article">A newspaper article</a></cite>' in sources
    assert html.count('href="https://example.com/article"') == 1
    assert html.count('href="https://example.com/article#:~:text=') == 2


def test_block_facts_are_numbered_in_document_order(make_project):
    page = PAGE_MD.replace("The sky was blue [@sky-blue]. Alice disagreed [@alice-says-rain; @sky-blue].",
                           "Alice spoke [@alice-says-rain].\n\n::: facts\ntemplate: timeline\ntopics: [weather]\n:::\n")
    project = make_project({"content/pages/index.md": page})
    result = build(project)
    assert result.ok, messages(result)
    html = read(project, "index.html")
    assert [(anchor, fact) for anchor, _, fact in cited_facts(html)] == [
        ("ref-1-1", "alice-says-rain"), ("ref-2-1", "sky-blue"), ("ref-1-2", "alice-says-rain")]
    # The timeline is a semantic ordered list, by date.
    timeline = html.split('<ol class="fact-block timeline">')[1].split("</ol>")[0]
    assert timeline.index("2022-11-01") < timeline.index("2022-11-02")


def test_claims_block_pairs_claims_with_responses(make_project):
    facts = FACTS_YAML + """\
- id: bob-denies
  statement: Bob denied Alice's forecast.
  kind: denial
  by: alice
  responds_to: alice-says-rain
  citations: [{source: paper, quote: q}]
"""
    page = PAGE_MD + "\n::: facts\ntemplate: claims\nids: [alice-says-rain, bob-denies]\n:::\n"
    project = make_project({"content/facts/weather.yaml": facts, "content/pages/index.md": page})
    result = build(project)
    assert result.ok, messages(result)
    table = read(project, "index.html").split('<table class="fact-block claims">')[1].split("</table>")[0]
    row = table.split("<tbody>")[1]
    assert row.index("Alice said it would rain.") < row.index("Bob denied Alice’s forecast.")
    fact_page = read(project, "facts/alice-says-rain/index.html")
    assert "Responses" in fact_page and "Bob denied" in fact_page


def test_permalink_pages_for_facts_sources_and_actors(make_project):
    project = make_project()
    assert build(project).ok
    fact = read(project, "facts/sky-blue/index.html")
    assert "The sky was blue on Tuesday." in fact
    assert '<a href="../../index.html">Home</a>' in fact.split("Cited on")[1]  # the pages that cite it
    assert "“The sky was blue.”" in fact
    source = read(project, "sources/paper/index.html")
    assert 'href="../../facts/sky-blue/index.html"' in source and 'href="../../facts/alice-says-rain/index.html"' in source
    actor = read(project, "actors/alice/index.html")
    assert "Alice Example" in actor and 'href="../../facts/alice-says-rain/index.html"' in actor


def test_a_source_without_a_date_says_so_instead_of_guessing(make_project):
    undated = SOURCE_YAML.replace('published: "2022-11-28"\n', "").replace("kind: news", "kind: statute")
    page = PAGE_MD + "\n::: sources\n:::\n"
    project = make_project({"content/sources/paper.yaml": undated, "content/pages/index.md": page})
    result = build(project)
    assert result.ok, messages(result)
    assert result.site.sources["paper"].published is None
    source = read(project, "sources/paper/index.html")
    assert "<dt>Published</dt><dd>No date stated</dd>" in source
    listing = read(project, "index.html").split('<ul class="entry-block sources">')[1].split("</ul>")[0]
    assert "no date stated" in listing and "<time" not in listing
    note = read(project, "index.html").split('id="note-1"')[1]
    assert "The Paper." in note  # the citation line ends at the publisher: no empty date

def test_markdown_features_writers_expect(make_project):
    body = """
| a | b |
|---|---|
| 1 | 2 |

Term
: Definition

A footnote.[^1] "Smart" quotes.

[^1]: The note.

## A heading

```
[@not-a-reference]
```
"""
    project = make_project({"content/pages/index.md": PAGE_MD + body})
    assert build(project).ok
    html = read(project, "index.html")
    assert "<table>" in html and "<dl>" in html and 'class="footnote"' in html
    assert "“Smart”" in html  # typographic quotes, as characters rather than entities
    assert '<h2 id="a-heading">' in html
    assert "[@not-a-reference]" in html


def test_relative_links_work_from_nested_pages(make_project):
    page = "---\ntitle: Deep\nslug: cases/colombia\nsummary: S\norder: 2\n---\nText [@sky-blue].\n"
    project = make_project({"content/pages/deep.md": page})
    assert build(project).ok
    html = read(project, "cases/colombia/index.html")
    assert re.search(r'href="../../static/style\.[0-9a-f]{10}\.css"', html)
    assert '<a href="../../facts/sky-blue/index.html">Fact page</a>' in html
    assert '<link rel="canonical" href="https://example.org/cases/colombia/">' in html


def test_drafts_are_left_out_unless_asked_for(make_project):
    draft = "---\ntitle: Draft\nslug: draft\nsummary: S\norder: 3\ndraft: true\n---\nText [@sky-blue].\n"
    project = make_project({"content/pages/draft.md": draft})
    assert build(project).ok
    assert not (project / "site/draft/index.html").exists()
    assert "Draft" not in read(project, "index.html")
    assert build(project, drafts=True).ok
    assert (project / "site/draft/index.html").exists()


def test_template_errors_point_at_the_template_line(make_project):
    project = make_project()
    (project / "templates/fact.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ fact.nope }}\n{% endblock %}\n")
    result = build(project)
    assert not result.ok
    found = messages(result)
    assert found[0].startswith("templates/fact.html:3:1: error: template error while rendering facts/")
    assert "has no attribute 'nope'" in found[0]


def test_template_syntax_error(make_project):
    project = make_project()
    (project / "templates/page.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{% if %}\n{% endblock %}\n")
    found = messages(build(project))
    assert found == ["templates/page.html:3:1: error: template syntax error: Expected an expression, got 'end of statement block'"]


def test_a_block_inside_fenced_code_is_shown_as_code(make_project):
    page = PAGE_MD + "\n```\n::: facts\ntopics: [weather]\n:::\n```\n\n::: facts\nids: [sky-blue]\n:::\n"
    project = make_project({"content/pages/index.md": page})
    assert build(project).ok
    html = read(project, "index.html")
    assert "<pre><code>::: facts\ntopics: [weather]\n:::\n</code></pre>" in html
    assert html.count('<ul class="fact-block fact-list">') == 1


def test_pages_show_their_section_and_link_to_the_previous_and_next(make_project):
    second = "---\ntitle: Second\nslug: second\nsummary: S\norder: 2\n---\nText [@sky-blue].\n"
    third = "---\ntitle: Third\nslug: third\nsummary: S\norder: 3\nnav_title: Last\n---\nText.\n"
    project = make_project({"content/pages/second.md": second, "content/pages/third.md": third})
    assert build(project).ok
    html = read(project, "second/index.html")
    assert '<p class="eyebrow">Section 2 of 3</p>' in html
    assert re.findall(r'<li><a href="[^"]*" aria-current="page">([^<]*)</a></li>', html) == ["Second"]
    pager = html.split('<nav class="pager"')[1].split("</nav>")[0]
    link = r'<a class="pager-{0}" rel="{0}" href="{1}(?:index\.html)?"><span class="pager-label">{2}</span> {3}</a>'
    assert re.search(link.format("prev", r"\.\./", "Previous", "Home"), pager)
    assert re.search(link.format("next", r"\.\./third/", "Next", "Last"), pager)  # nav_title, if any
    home, last = read(project, "index.html"), read(project, "third/index.html")
    assert 'rel="prev"' not in home and re.search(link.format("next", "second/", "Next", "Second"), home)
    assert 'rel="next"' not in last and re.search(link.format("prev", r"\.\./second/", "Previous", "Second"), last)
    assert 'class="pager"' not in read(project, "facts/sky-blue/index.html")


def test_a_long_site_lists_a_window_of_sections_not_every_page(make_project):
    # Past NAV_LIMIT sections, a header listing them all would make the site quadratic in size.
    pages = {f"content/pages/p{n:02d}.md": f"---\ntitle: Part {n}\nslug: p{n:02d}\nsummary: S\norder: {n + 1}\n---\n"
                                          f"Text [@sky-blue].\n" for n in range(1, NAV_LIMIT + 5)}
    project = make_project(pages)
    assert build(project).ok
    count = NAV_LIMIT + 5

    def header(path):
        nav = read(project, path).split('<nav class="sections"')[1].split("</nav>")[0]
        return re.findall(r'<li><a href="[^"]*"(?: aria-current="page")?>([^<]*)</a></li>', nav)

    window = [f"Part {n}" for n in range(10 - NAV_WINDOW, 10 + NAV_WINDOW + 1)]
    assert header("p10/index.html") == ["Home", *window]
    html = read(project, "p10/index.html")
    assert f'<p class="eyebrow">Section 11 of {count}</p>' in html
    assert re.search(r'rel="prev" href="\.\./p09/(?:index\.html)?"><span class="pager-label">Previous</span> Part 9<', html)
    assert re.search(r'rel="next" href="\.\./p11/(?:index\.html)?"><span class="pager-label">Next</span> Part 11<', html)
    assert header("index.html") == ["Home"] + [f"Part {n}" for n in range(1, NAV_WINDOW + 2)]
    assert header("facts/sky-blue/index.html") == header("index.html")
    last = f"p{count - 1:02d}/index.html"
    assert header(last)[-1] == f"Part {count - 1}" and f"Section {count} of {count}" in read(project, last)


def test_only_pages_with_notes_load_the_popover_script(make_project):
    second = "---\ntitle: Second\nslug: second\nsummary: S\norder: 2\n---\nNo references here.\n"
    project = make_project({"content/pages/second.md": second})
    assert build(project).ok
    notes_script = re.compile(r'<script src="static/notes[^"]*\.js" defer></script>')
    assert notes_script.search(read(project, "index.html"))
    assert "notes" not in " ".join(re.findall(r"<script[^>]*>", read(project, "second/index.html")))
    assert "notes" not in " ".join(re.findall(r"<script[^>]*>", read(project, "facts/sky-blue/index.html")))


def test_a_marker_sits_against_the_word_it_follows(make_project):
    page = PAGE_MD + "\nSplit over\n[@sky-blue] lines, and at the start:\n\n[@alice-says-rain] text.\n"
    project = make_project({"content/pages/index.md": page})
    assert build(project).ok
    html = read(project, "index.html")
    assert 'blue<sup class="refs">' in html and 'disagreed<sup class="refs">' in html
    assert 'over<sup class="refs">' in html and '<p><sup class="refs">' in html


def another_page(slug: str, body: str, order: int = 2) -> str:
    return f"---\ntitle: Page {slug}\nslug: {slug}\nsummary: Another page.\norder: {order}\n---\n\n{body}\n"


def counting_shared(monkeypatch) -> collections.Counter:
    """Count how often each shared() body is rendered, by fragment name and record id."""
    bodies: collections.Counter = collections.Counter()
    shared = Renderer.shared

    def counting(self, *key, caller):
        def body():
            bodies[self.language, key[0], key[1].id] += 1
            return caller()
        body._func = caller._func  # the call site, which shared() keys by
        return shared(self, *key, caller=body)

    monkeypatch.setattr(Renderer, "shared", counting)
    return bodies


def test_shared_parts_are_rendered_once_per_edition_and_change_no_byte(make_project, monkeypatch):
    files = {**bilingual_files(), "content/pages/second.md": another_page("second", "Blue [@sky-blue], rain [@alice-says-rain].")}
    project = make_project(files, name="counted")
    bodies = counting_shared(monkeypatch)
    assert build(project).ok
    # sky-blue's line shows in the notes of both pages, on the search page and on its source's
    # page; its quotes in both pages' notes: in each edition, each is rendered once.
    for language in ("en", "es"):
        assert bodies[language, "fact-line", "sky-blue"] == 1
        assert bodies[language, "note-quotes", "sky-blue"] == 1
        assert bodies[language, "source-entry", "paper"] == 1
    for path in ("index.html", "second/index.html", "es/index.html", "es/second/index.html"):
        assert (project / "site" / path).read_text(encoding="utf-8").count("The sky was blue.") == 1
    # Rendered every time instead, every output is the same byte for byte.
    assert_same_tree(*built_both_ways(make_project, monkeypatch, files))


def built_both_ways(make_project, monkeypatch, files):
    """The project built as it is, then with every shared() body rendered every time: (site, site)."""
    project = make_project(files)
    result = build(project)
    assert result.ok, messages(result)
    every_time = make_project(files, name="every-time")
    monkeypatch.setattr(Renderer, "shared", lambda self, *key, caller: Markup(caller()))
    assert build(every_time).ok
    return project / "site", every_time / "site"


def test_a_shared_part_that_links_relative_to_its_output_is_rendered_every_time(make_project, monkeypatch):
    block = ('<ul class="linked">{% for fact in items %}{% call shared("linked", fact) %}'
             '<li><a href="{{ fact_url(fact.id) }}">{{ fact.id }}</a></li>{% endcall %}{% endfor %}</ul>\n')
    listing = "::: facts\ntemplate: linked\nids: [sky-blue]\n:::\n"
    project = make_project({"templates/blocks/linked.html": block,
                            "content/pages/index.md": PAGE_MD + "\n" + listing,
                            "content/pages/second.md": another_page("second", listing)})
    bodies = counting_shared(monkeypatch)
    result = build(project)
    assert result.ok, messages(result)
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    second = (project / "site" / "second/index.html").read_text(encoding="utf-8")
    assert '<ul class="linked"><li><a href="facts/sky-blue/index.html">sky-blue</a></li></ul>' in home
    assert '<ul class="linked"><li><a href="../facts/sky-blue/index.html">sky-blue</a></li></ul>' in second
    assert bodies["en", "linked", "sky-blue"] == 2


@pytest.mark.parametrize("body", [
    '<blockquote cite="{{ fact_url("sky-blue") }}">x</blockquote>',
    '<span style="background:url({{ fact_url("sky-blue") }})">x</span>',
    '<img alt="" srcset="https://cdn.example/a.png 1x, {{ fact_url("sky-blue") }} 2x">',
    '<a HREF="{{ fact_url("sky-blue") }}">x</a>',
    '<a data-url="{{ fact_url("sky-blue") }}">x</a>',
    '<button formaction="{{ fact_url("sky-blue") }}">x</button>',
    '<code>{{ fact_url("sky-blue") }}</code>',  # a link made, though not in an attribute
    '<a href="{{ feed_url }}">feed</a>',     # a link made before the body
])
def test_any_link_in_a_shared_part_is_made_for_its_own_output(make_project, monkeypatch, body):
    # In base.html's footer: on every output, 404.html (root-relative links) among them.
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    footer = '{% call shared("linked", site) %}' + body + "{% endcall %}"
    files = {"templates/base.html": base.replace("<footer class=\"site-footer\">", "<footer class=\"site-footer\">" + footer),
             "content/pages/second.md": another_page("second", "Blue [@sky-blue].")}
    site, every_time = built_both_ways(make_project, monkeypatch, files)
    assert_same_tree(site, every_time)


def test_the_same_body_in_two_templates_is_two_shared_parts(make_project, monkeypatch):
    # The two call sites compile to equal code objects; each imports its own macro.
    block = '{% import "_X.html" as m %}<ul>{% for fact in items %}{% call shared("row", fact) %}{{ m.row(fact) }}{% endcall %}{% endfor %}</ul>\n'
    files = {"templates/blocks/one.html": block.replace("X", "one"), "templates/blocks/two.html": block.replace("X", "two"),
             "templates/_one.html": "{% macro row(f) %}<li>ONE {{ f.id }}</li>{% endmacro %}",
             "templates/_two.html": "{% macro row(f) %}<li>TWO {{ f.id }}</li>{% endmacro %}",
             "content/pages/index.md": PAGE_MD + "\n::: facts\ntemplate: one\nids: [sky-blue]\n:::\n",
             "content/pages/second.md": another_page("second", "::: facts\ntemplate: two\nids: [sky-blue]\n:::\n")}
    site, every_time = built_both_ways(make_project, monkeypatch, files)
    assert "<li>TWO sky-blue</li>" in (site / "second" / "index.html").read_text(encoding="utf-8")
    assert_same_tree(site, every_time)


def test_a_shared_part_in_the_default_language_brings_its_notice_each_time(make_project):
    # rain-fell has no Spanish text: each Spanish page citing it says that part is in English,
    # the second as well as the first, though its line and quotes were rendered only once.
    facts = FACTS_YAML + """\
- id: rain-fell
  statement: Rain fell on Wednesday.
  kind: fact
  citations: [{source: paper, quote: The sky was blue.}]
"""
    files = {**bilingual_files(), "content/facts/weather.yaml": facts}
    for n, slug in enumerate(("second", "third"), start=2):
        files[f"content/pages/{slug}.md"] = another_page(slug, "It rained [@rain-fell].", n)
        files[f"content/es/pages/{slug}.md"] = another_page(slug, "Llovió [@rain-fell].", n)
    project = make_project(files)
    result = build(project)
    assert result.ok, messages(result)
    for slug in ("second", "third"):
        html = (project / "site" / "es" / slug / "index.html").read_text(encoding="utf-8")
        assert '<p class="fallback-notice" lang="es">' in html, slug
        assert '<span lang="en">Rain fell on Wednesday.</span>' in html
        english = (project / "site" / slug / "index.html").read_text(encoding="utf-8")
        assert "fallback-notice" not in english
