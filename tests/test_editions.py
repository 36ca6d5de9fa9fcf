"""Editions in other languages: content/LANG/, URLs under /LANG/, hreflang, the language
switcher, the fallback to the default language, and the warnings that list what is missing."""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import jsonschema
import pytest
from lxml import etree

from conftest import (ACTOR_YAML, FACTS_YAML, PAGE_MD, REPO, SITE_YAML, SOURCE_YAML, SPANISH_FACTS_YAML,
                      SPANISH_PAGE_MD, bilingual_files, build, check, messages, search_index)
from explainer.export import export_schema
from site_checks import head

SCHEMAS = Path(__file__).parent / "schemas"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
NOTICE_PARTS = "Partes de esta página aún no están traducidas al español; se muestran en inglés."
NOTICE_PAGE = "Esta página aún no está traducida al español; se muestra en inglés."


@pytest.fixture
def bilingual(make_project):
    project = make_project(bilingual_files())
    result = build(project)
    assert result.ok, messages(result)
    return project


def read(project: Path, path: str) -> str:
    return (project / "site" / path).read_text(encoding="utf-8")


EDITION_PAGES = ["index.html", "facts/sky-blue/index.html", "facts/alice-says-rain/index.html",
                 "sources/paper/index.html", "actors/alice/index.html", "search/index.html"]


# ---------------------------------------------------------------- URLs, lang, hreflang, switcher

def test_a_translation_is_built_under_its_language_folder(bilingual):
    for path in EDITION_PAGES:
        assert head(read(bilingual, path)).html_lang == "en"
        assert head(read(bilingual, "es/" + path)).html_lang == "es"
    home = read(bilingual, "es/index.html")
    assert "<title>Inicio · Explicador de prueba</title>" in home
    assert "El cielo estaba azul el martes." in home and '<p class="summary">La portada.</p>' in home
    assert '<h2 id="notes-heading">Notas</h2>' in home and 'aria-label="Nota 1"' in home
    assert '<time datetime="2022-11-01">(1 de noviembre de 2022)</time>' in home
    assert (bilingual / "site/es/feed.xml").is_file() and not (bilingual / "site/es/404.html").exists()
    assert not (bilingual / "site/es/sitemap.xml").exists() and not (bilingual / "site/es/facts.json").exists()


@pytest.mark.parametrize("path", EDITION_PAGES)
def test_every_page_names_itself_in_every_language_with_hreflang(bilingual, path):
    clean = path.removesuffix("index.html")
    expected = {"en": f"https://example.org/{clean}", "es": f"https://example.org/es/{clean}",
                "x-default": f"https://example.org/{clean}"}
    assert head(read(bilingual, path)).hreflang == expected
    assert head(read(bilingual, "es/" + path)).hreflang == expected


@pytest.mark.parametrize("path", EDITION_PAGES)
def test_the_language_switcher_goes_to_the_same_page_in_the_other_language(bilingual, path):
    for here, there, language, name in ((path, "es/" + path, "es", "Español"), ("es/" + path, path, "en", "English")):
        links = head(read(bilingual, here)).switcher
        assert len(links) == 1
        link = links[0]
        assert (link["hreflang"], link["lang"]) == (language, language)
        assert posixpath.normpath(posixpath.join(posixpath.dirname(here), link["href"])) == posixpath.normpath(there)
        assert f">{name}</a>" in read(bilingual, here)


def test_a_single_language_site_has_no_alternates_and_no_switcher(make_project):
    project = make_project()
    assert build(project).ok
    html = read(project, "index.html")
    assert "hreflang" not in html and 'class="languages"' not in html
    assert not (project / "site/es").exists()


def test_404_speaks_every_language_and_links_to_each_home(bilingual):
    html = read(bilingual, "404.html")
    assert head(html).hreflang == {}  # served at any address: no alternates
    assert '<section lang="es" aria-labelledby="not-found-es">' in html
    assert '<h2 id="not-found-es">Página no encontrada</h2>' in html
    assert '<a href="/es/">página de inicio</a>' in html and '<a href="/">home page</a>' in html


# ---------------------------------------------------------------- falling back to the default language

def test_untranslated_text_is_shown_in_english_marked_with_its_language_and_a_notice(bilingual):
    home = read(bilingual, "es/index.html")
    assert f'<p class="fallback-notice" lang="es">{NOTICE_PARTS}</p>' in home  # alice-says-rain is untranslated
    assert '<span lang="en">Alice said it would rain.</span>' in home
    fact = read(bilingual, "es/facts/alice-says-rain/index.html")
    assert '<h1><span lang="en">Alice said it would rain.</span></h1>' in fact and NOTICE_PARTS in fact
    actor = read(bilingual, "es/actors/alice/index.html")
    assert '<p class="eyebrow"><span lang="en">Mayor</span></p>' in actor and NOTICE_PARTS in actor
    # A translated fact with no untranslated part carries no notice; neither does the English edition.
    translated = read(bilingual, "es/facts/sky-blue/index.html")
    assert "<h1>El cielo estaba azul el martes.</h1>" in translated and "fallback-notice" not in translated
    assert not any("fallback-notice" in read(bilingual, path) for path in EDITION_PAGES)


def test_a_page_with_no_translation_is_shown_whole_in_english(make_project):
    files = bilingual_files()
    del files["content/es/pages/index.md"]
    project = make_project(files)
    assert build(project).ok
    html = read(project, "es/index.html")
    assert html.count("fallback-notice") == 1
    assert f'<p class="fallback-notice" lang="es">{NOTICE_PAGE}</p>' in html
    assert '<h1><span lang="en">Home</span></h1>' in html
    assert '<div class="content" lang="en">\n<p>The sky was blue' in html
    assert '<a href="index.html" aria-current="page" lang="en">Home</a>' in html  # the navigation says so too
    assert '<h2 id="notes-heading">Notas</h2>' in html  # the page's frame is still Spanish


def name_topic(project: Path, topic: str, name: str) -> None:
    """Name a topic in the project's Spanish UI strings."""
    spanish = project / "templates/i18n/es.yaml"
    text = spanish.read_text(encoding="utf-8")
    assert "\ntopic:\n" in text
    spanish.write_text(text.replace("\ntopic:\n", f"\ntopic:\n  {topic}: {name}\n"), encoding="utf-8")


def test_a_fully_translated_edition_shows_no_notice(make_project):
    files = bilingual_files()
    files["content/es/facts/weather.yaml"] = SPANISH_FACTS_YAML + (
        "- id: alice-says-rain\n  statement: Alice dijo que llovería.\n")
    files["content/es/actors/alice.yaml"] = "id: alice\nrole: Alcaldesa\ndescription: La alcaldesa de Example Town.\n"
    project = make_project(files)
    name_topic(project, "weather", "el tiempo")
    result = build(project)
    assert result.ok and messages(result, "warning") == []
    for path in EDITION_PAGES:
        html = read(project, "es/" + path)
        assert "fallback-notice" not in html and '<span lang="en">' not in html


# ---------------------------------------------------------------- quotes keep their language

SPANISH_SOURCE = SOURCE_YAML.replace("id: paper", "id: diario").replace("The Paper", "El Diario") \
    .replace("example.com/article", "example.com/diario") + "language: es\n"
QUOTED_FACTS = FACTS_YAML + """\
- id: mayor-spoke
  statement: The mayor spoke in Spanish.
  kind: fact
  citations:
    - source: diario
      quote: La alcaldesa habló.
      translation: The mayor spoke.
    - source: paper
      quote: She spoke.
"""


def test_quotes_stay_in_their_language_with_our_translation_into_the_edition_s(make_project):
    files = bilingual_files()
    files["content/facts/weather.yaml"] = QUOTED_FACTS
    files["content/sources/diario.yaml"] = SPANISH_SOURCE
    files["content/pages/index.md"] = PAGE_MD + "She spoke [@mayor-spoke].\n"
    files["content/es/pages/index.md"] = files["content/es/pages/index.md"] + "Habló [@mayor-spoke].\n"
    files["content/es/facts/weather.yaml"] = SPANISH_FACTS_YAML + """\
- id: mayor-spoke
  statement: La alcaldesa habló en español.
  citations:
    - source: diario
    - source: paper
      translation: Ella habló.
"""
    project = make_project(files)
    result = build(project)
    assert result.ok, messages(result)
    english, spanish = read(project, "facts/mayor-spoke/index.html"), read(project, "es/facts/mayor-spoke/index.html")
    # English edition: the Spanish quote is marked lang="es", with our English translation.
    assert '<blockquote lang="es"><p>“La alcaldesa habló.”</p></blockquote>' in english
    assert '<p class="translation">Our translation: “The mayor spoke.”</p>' in english
    # Spanish edition: the Spanish quote is at home (no lang, no translation); the English one is
    # marked lang="en", with our Spanish translation, labelled as ours.
    assert '<blockquote><p>“La alcaldesa habló.”</p></blockquote>' in spanish and "The mayor spoke." not in spanish
    assert '<blockquote lang="en"><p>“She spoke.”</p></blockquote>' in spanish
    assert '<p class="translation">Nuestra traducción: “Ella habló.”</p>' in spanish


# ---------------------------------------------------------------- what is missing: warnings, --strict

MISSING = [  # at the line that declares the edition; in the order of their text
    "content/site.yaml:7:15: warning: Spanish (es) edition: 1 of 1 actors not translated (shown in English): alice",
    "content/site.yaml:7:15: warning: Spanish (es) edition: 1 of 2 facts not translated (shown in English): "
    "alice-says-rain",
]


def test_whatever_is_not_translated_is_a_warning_that_lists_it(make_project):
    project = make_project(bilingual_files())
    result = check(project)
    assert result.ok and messages(result, "warning") == MISSING


def test_every_kind_of_missing_translation_is_listed(make_project):
    files = bilingual_files()
    del files["content/es/site.yaml"]
    del files["content/es/pages/index.md"]
    files["content/facts/weather.yaml"] = FACTS_YAML.replace(
        "  citations:\n    - source: paper\n      quote: The sky was blue.",
        "  note: A note.\n  citations:\n    - source: paper\n      quote: The sky was blue.\n      locator: paragraph 1")
    files["content/sources/paper.yaml"] = SOURCE_YAML + "note: Probably by the editor.\n"
    files["content/corrections.yaml"] = '- date: "2023-01-02"\n  summary: Fixed a date.\n'
    project = make_project(files)
    result = check(project)
    assert result.ok
    edition = "content/site.yaml:7:15: warning: Spanish (es) edition:"
    assert messages(result, "warning") == [
        f"{edition} 1 facts only partly translated (the rest shown in English): sky-blue (note, citation 1 locator)",
        f"{edition} 1 of 1 actors not translated (shown in English): alice",
        f"{edition} 1 of 1 corrections not translated (shown in English): 2023-01-02 (entry 1)",
        f"{edition} 1 of 1 pages not translated (shown in English): index",
        f"{edition} 1 of 1 source notes not translated (shown in English): paper",
        f"{edition} 1 of 2 facts not translated (shown in English): alice-says-rain",
        f"{edition} no content/es/site.yaml: the site's title and description are shown in English",
    ]
    # Each is shown in English, marked as such.
    assert build(project).ok
    fact = read(project, "es/facts/sky-blue/index.html")
    assert '<p class="fact-note"><span lang="en">A note.</span></p>' in fact and ", <span lang=\"en\">paragraph 1</span>." in fact
    assert '<span lang="en">Probably by the editor.</span>' in read(project, "es/sources/paper/index.html")
    assert "<title>Home · Test explainer</title>" in read(project, "es/index.html")


def test_a_source_s_note_is_shown_in_its_translation(make_project):
    files = bilingual_files()
    files["content/sources/paper.yaml"] = SOURCE_YAML + "note: Probably by the editor.\n"
    files["content/es/sources/paper.yaml"] = "id: paper\nnote: Probablemente del editor.\n"
    project = make_project(files)
    result = build(project)
    assert result.ok, messages(result)
    assert not any("source notes" in m for m in messages(result, "warning"))
    page = read(project, "es/sources/paper/index.html")
    assert "Probablemente del editor." in page and "Probably by the editor." not in page


def run(*args: str) -> subprocess.CompletedProcess:
    """The command line as writers run it (a separate process: its logging is its own)."""
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], capture_output=True, text=True, timeout=120)


def test_strict_turns_the_warnings_into_errors(make_project):
    project = make_project(bilingual_files())
    result = check(project, strict=True)
    assert not result.ok
    assert messages(result, "error") == [m.replace(": warning: ", ": error: ") for m in MISSING]
    strict = run("check", "--strict", "--project", str(project))
    assert strict.returncode == 1
    assert "error: Spanish (es) edition: 1 of 2 facts not translated (shown in English)" in strict.stderr
    assert run("check", "--project", str(project)).returncode == 0
    assert run("build", "--strict", "--project", str(project)).returncode == 1 and not (project / "site").exists()
    for command in ("build", "check"):
        assert "--strict" in run(command, "--help").stdout


# ---------------------------------------------------------------- mistakes in content/es/

def test_translations_of_things_that_do_not_exist_or_out_of_line_are_errors(make_project):
    files = bilingual_files()
    files["content/es/facts/weather.yaml"] = """\
- id: sky-blu
  statement: El cielo.
- id: alice-says-rain
  statement: Alice dijo que llovería.
  citations:
    - source: radio
    - source: paper
"""
    files["content/es/actors/alice.yaml"] = "id: alice\nrole: Alcaldesa\ndescription: La alcaldesa.\nnickname: A\n"
    files["content/es/pages/other.md"] = "---\ntitle: Otra\nslug: indx\nsummary: S\n---\nTexto.\n"
    files["content/es/pages/index.md"] = files["content/es/pages/index.md"].replace("slug: index", "slug: index\norder: 2")
    files["content/es/corrections.yaml"] = '- date: "2023-01-02"\n  summary: Corregimos.\n'
    project = make_project(files)
    assert messages(check(project)) == [
        "content/es/actors/alice.yaml:4:1: error: unknown field 'nickname' (did you mean 'name'?); allowed fields: "
        "id, name, role, description, citations",
        "content/es/corrections.yaml:1:3: error: content/corrections.yaml has 0 entries; this translates an entry "
        "number 1",
        "content/es/facts/weather.yaml:1:7: error: no fact 'sky-blu' to translate (did you mean 'sky-blue'?)",
        "content/es/facts/weather.yaml:6:7: error: citation 1 of fact 'alice-says-rain' cites 'paper', not 'radio': "
        "list the citations in the same order as the original",
        "content/es/facts/weather.yaml:7:7: error: fact 'alice-says-rain' has 1 citation; this translates a "
        "citation number 2",
        "content/es/pages/index.md:4:8: error: 'order' is 2 here but 1 in the page this translates: leave it out "
        "(a translation takes its place in the navigation from the original)",
        "content/es/pages/other.md:3:7: error: no page with slug 'indx' to translate (did you mean 'index'?)",
    ]


def test_a_translation_that_cites_other_facts_than_its_original_is_a_warning(make_project):
    files = bilingual_files()
    files["content/es/pages/index.md"] = files["content/es/pages/index.md"].replace(
        "Alice no estuvo de acuerdo [@alice-says-rain; @sky-blue].", "Alice no estuvo de acuerdo.")
    project = make_project(files)
    assert "content/es/pages/index.md:3:7: warning: this translation does not cite alice-says-rain, which " \
           "content/pages/index.md cites" in messages(check(project), "warning")


def test_a_language_folder_that_is_not_declared_is_reported(make_project):
    project = make_project({"content/fr/site.yaml": "title: T\ndescription: D\n", "content/en/pages/x.md": "x"})
    assert messages(check(project), "warning") == [
        "content/en:0:0: warning: content/en/ is not read: 'en' is the default language, whose content is "
        "content/facts/, content/pages/ and the other folders of content/",
        "content/fr:0:0: warning: content/fr/ is not read: 'fr' is not listed in 'translations' in content/site.yaml",
    ]


def test_the_default_language_cannot_also_be_a_translation(make_project):
    project = make_project({"content/site.yaml": SITE_YAML + "translations: [es, en]\n"})
    assert messages(check(project), project=project) == [
        "content/site.yaml:7:15: error: 'en' is the default language ('language'); 'translations' lists only "
        "the other editions' languages"]


def test_a_page_slug_that_collides_with_a_language_folder_is_an_error(make_project):
    files = bilingual_files()
    files["content/pages/es.md"] = "---\ntitle: Es\nslug: es\nsummary: S\norder: 2\n---\nText [@sky-blue].\n"
    project = make_project(files)
    assert any("output path 'es/index.html' is also written by" in m for m in messages(check(project)))


# ---------------------------------------------------------------- sitemap, feed, JSON-LD, search, export

@pytest.fixture(scope="module")
def sitemap_schema() -> etree.XMLSchema:
    """The sitemaps.org XSD, with the xhtml:link element search engines read for alternates."""
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-with-alternates.xsd")))


def test_the_sitemap_lists_every_edition_with_its_alternates_and_stays_valid(bilingual, sitemap_schema):
    document = etree.parse(str(bilingual / "site/sitemap.xml"))
    assert sitemap_schema.validate(document), sitemap_schema.error_log
    urls = {url.findtext(f"{SITEMAP}loc"): {link.get("hreflang"): link.get("href")
                                            for link in url.findall(f"{XHTML}link")}
            for url in document.getroot().findall(f"{SITEMAP}url")}
    assert len(urls) == 10  # five pages a reader lands on, in two languages
    for loc, alternates in urls.items():
        clean = loc.replace("https://example.org/es/", "https://example.org/")
        assert alternates == {"en": clean, "es": clean.replace("example.org/", "example.org/es/"), "x-default": clean}


def test_the_extended_schema_rejects_a_broken_alternate(sitemap_schema):
    broken = etree.fromstring(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
        b'<url><loc>https://example.org/</loc><xhtml:link rel="alternate" href="https://example.org/es/"/></url>'
        b"</urlset>")
    assert not sitemap_schema.validate(broken)  # no hreflang


def test_each_edition_has_its_feed_in_its_language(make_project):
    files = bilingual_files()
    files["content/facts/weather.yaml"] = FACTS_YAML.replace('  date: "2022-11-01"', '  date: "2022-11-01"\n  updated: "2023-01-05"', 1)
    project = make_project(files)
    assert build(project).ok
    feed = feedparser.parse((project / "site/es/feed.xml").read_bytes())
    assert not feed.bozo and feed.feed.language == "es" and feed.feed.title == "Explicador de prueba"
    assert [(e.title, e.link) for e in feed.entries] == [
        ("Hecho actualizado: El cielo estaba azul el martes.", "https://example.org/es/facts/sky-blue/")]
    assert 'href="feed.xml"' in read(project, "es/index.html")  # es/feed.xml, from es/index.html
    english = feedparser.parse((project / "site/feed.xml").read_bytes())
    assert [e.title for e in english.entries] == ["Updated fact: The sky was blue on Tuesday."]


def test_json_ld_says_each_page_s_language(bilingual):
    def json_ld(path):
        return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', read(bilingual, path)).group(1))
    assert json_ld("es/index.html")["inLanguage"] == "es" and json_ld("index.html")["inLanguage"] == "en"
    assert json_ld("es/facts/sky-blue/index.html")["headline"] == "El cielo estaba azul el martes."


def test_each_edition_searches_its_own_words(bilingual):
    static = bilingual / "site/static"
    spanish_index = next(static.glob("search-index-es.0.*.js"))
    titles = {d["url"]: d["title"] for d in search_index(static, "es")["documents"]}
    assert titles["es/facts/sky-blue/index.html"] == "El cielo estaba azul el martes."
    assert titles["es/index.html"] == "Inicio" and all(url.startswith("es/") for url in titles)
    page = read(bilingual, "es/search/index.html")
    assert f'data-search-index="../../static/{spanish_index.name}"' in page
    words = json.loads(re.search(r'data-search-messages="([^"]*)"', page).group(1).replace("&#34;", '"'))
    assert words["labels"]["claim"] == "Afirmación" and words["results"]["other"] == "{count} resultados para {query}."


def test_the_export_carries_each_translation_beside_the_original(bilingual):
    data = json.loads(read(bilingual, "facts.json"))
    jsonschema.Draft202012Validator(json.loads(export_schema())).validate(data)
    assert data["version"] == 1 and data["site"]["languages"] == ["en", "es"]
    assert data["site"]["translations"] == {"es": {"title": "Explicador de prueba",
                                                   "description": "Un explicador pequeño para las pruebas.",
                                                   "url": "https://example.org/es/", "license": "CC BY 4.0"}}
    facts = {f["id"]: f for f in data["facts"]}
    assert facts["sky-blue"]["statement"] == "The sky was blue on Tuesday."
    assert facts["sky-blue"]["translations"] == {"es": {
        "url": "https://example.org/es/facts/sky-blue/", "statement": "El cielo estaba azul el martes.",
        "statement_text": "El cielo estaba azul el martes.", "note": None}}
    assert facts["alice-says-rain"]["translations"] == {}  # shown in English there: not a translation
    rows = list(csv.DictReader(io.StringIO(read(bilingual, "facts.csv"), newline="")))
    assert [(r["fact_id"], r["statement_es"]) for r in rows] == [("alice-says-rain", ""),
                                                                  ("sky-blue", "El cielo estaba azul el martes.")]


def test_actor_translations_name_organisations_in_the_edition_s_language(make_project):
    files = bilingual_files()
    files["content/actors/state.yaml"] = ACTOR_YAML.replace("id: alice", "id: state-dept") \
        .replace("Alice Example", "State Department").replace("Mayor", "Foreign ministry")
    files["content/es/actors/all.yaml"] = ("- id: state-dept\n  name: Departamento de Estado\n  role: Cancillería\n"
                                           "  description: El ministerio de relaciones exteriores.\n")
    project = make_project(files)
    assert build(project).ok
    html = read(project, "es/actors/state-dept/index.html")
    assert "<h1>Departamento de Estado</h1>" in html and '<p class="eyebrow">Cancillería</p>' in html


# ---------------------------------------------------------------- every fixed word in the edition's language

# Words of English that are not also Spanish: any of them on a fully translated Spanish page is a
# template or generated string that skipped the UI strings.
ENGLISH_ONLY_WORDS = frozenset("""
    the of and on record more primary secondary sources source reports report supports cited stated date
    page pages fact facts by see all with from about other people organisations organizations statement
    statements claim claims response responses notes search section previous next updated link quote our
    translation verified copy to in for it its this that describes topics home skip content languages
    back menu results result permalink corrections correction citations""".split())

ALL_BLOCKS_MD = """\
::: facts
template: timeline
topics: [weather]
:::

::: facts
template: claims
ids: [alice-says-rain]
:::

::: actors
:::

::: actors
template: actor-index
:::

::: sources
:::

::: sources
template: source-index
:::

::: corrections
:::
"""


class VisibleText(HTMLParser):
    """The words a reader sees or hears, outside elements marked with another language than `language`."""

    SKIPPED = {"script", "style", "code"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.stack: list[bool] = []  # per open element: is its text skipped?
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        skipped = (bool(self.stack) and self.stack[-1]) or tag in self.SKIPPED or \
            (values.get("lang") not in (None, self.language) and tag != "html")
        if not skipped:
            for name in ("aria-label", "title", "alt", "placeholder"):
                self.words += re.findall(r"[A-Za-z]+", values.get(name) or "")
            if tag == "meta" and values.get("name") in ("description",):
                self.words += re.findall(r"[A-Za-z]+", values.get("content") or "")
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.words += re.findall(r"[A-Za-z]+", re.sub(r"\S+\.(?:json|csv)\b", "", data))  # file names


def test_a_fully_translated_edition_has_no_english_word_on_any_page(make_project):
    files = bilingual_files()
    files["content/sources/paper.yaml"] = SOURCE_YAML.replace("A newspaper article", "Un artículo de diario") \
        .replace("The Paper", "El Diario") + "language: es\n"
    files["content/actors/alice.yaml"] = ACTOR_YAML.replace("Alice Example", "Alicia Ejemplo") \
        .replace("Alice is the mayor.", "Alicia es la alcaldesa.")
    files["content/facts/weather.yaml"] = FACTS_YAML.replace("The sky was blue.", "El cielo estaba azul.") \
        .replace("It will rain, Alice said.", "Lloverá, dijo Alicia.")
    files["content/corrections.yaml"] = '- date: "2022-12-01"\n  summary: Fixed a date.\n  facts: [sky-blue]\n'
    files["content/pages/index.md"] = PAGE_MD + "\n" + ALL_BLOCKS_MD
    files["content/es/pages/index.md"] = SPANISH_PAGE_MD + "\n" + ALL_BLOCKS_MD
    files["content/es/facts/weather.yaml"] = SPANISH_FACTS_YAML + (
        "- id: alice-says-rain\n  statement: Alicia dijo que llovería.\n")
    files["content/es/actors/alice.yaml"] = "id: alice\nrole: Alcaldesa\ndescription: La alcaldesa del pueblo.\n"
    files["content/es/corrections.yaml"] = '- date: "2022-12-01"\n  summary: Se corrigió una fecha.\n'
    project = make_project(files)
    name_topic(project, "weather", "el tiempo")
    result = build(project)
    assert result.ok and messages(result, "warning") == [], messages(result) + messages(result, "warning")
    pages = sorted((project / "site/es").rglob("*.html"))
    assert len(pages) >= 6
    english = {}
    for path in pages:
        parser = VisibleText("es")
        parser.feed(path.read_text(encoding="utf-8"))
        found = sorted({w for w in parser.words if w.lower() in ENGLISH_ONLY_WORDS and not w.isupper()})  # CC BY
        if found:
            english[path.relative_to(project / "site").as_posix()] = found
    assert english == {}
    fact_page = read(project, "es/facts/sky-blue/index.html")
    assert "<dt>Temas</dt><dd>el tiempo</dd>" in fact_page
    home = read(project, "es/index.html")
    assert '<h2 id="sources-secondary">Informes, comentarios y otras fuentes secundarias</h2>' in home
    assert "Declaraciones registradas:" in home and "<span class=\"source-kind\">noticia</span>" in home


def test_a_topic_without_a_name_shows_its_id_marked_with_the_default_language(bilingual):
    assert "<dt>Temas</dt><dd><span lang=\"en\">weather</span></dd>" in read(bilingual, "es/facts/sky-blue/index.html")
    assert "<dt>Topics</dt><dd>weather</dd>" in read(bilingual, "facts/sky-blue/index.html")
