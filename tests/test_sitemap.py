"""sitemap.xml, validated against the sitemaps.org XSD with lxml, and robots.txt."""

from pathlib import Path

import pytest
from lxml import etree

from conftest import FACTS_YAML, PAGE_MD, SITE_YAML, build, messages

XSD = Path(__file__).parent / "schemas" / "sitemap.xsd"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def locations(document) -> dict[str, str | None]:
    return {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
            for url in document.getroot().findall("s:url", NS)}


def test_the_sitemap_is_valid_and_lists_every_page_at_its_canonical_url(make_project, sitemap_schema):
    facts = FACTS_YAML.replace('  date: "2022-11-01"', '  date: "2022-11-01"\n  updated: "2023-01-05"', 1)
    page = PAGE_MD.replace("order: 1", 'order: 1\nupdated: "2023-02-01"')
    corrections = '- date: "2023-04-01"\n  summary: Fixed.\n  facts: [alice-says-rain]\n  pages: [index]\n'
    project = make_project({"content/site.yaml": SITE_YAML.replace("https://example.org/", "https://news.example/x"),
                            "content/facts/weather.yaml": facts, "content/pages/index.md": page,
                            "content/corrections.yaml": corrections})
    result = build(project)
    assert result.ok, messages(result)
    document = etree.parse(str(project / "site/sitemap.xml"))
    assert sitemap_schema.validate(document), sitemap_schema.error_log
    assert locations(document) == {
        "https://news.example/x/": "2023-04-01",  # the newer of updated and its correction
        "https://news.example/x/facts/sky-blue/": "2023-01-05",
        "https://news.example/x/facts/alice-says-rain/": "2023-04-01",
        "https://news.example/x/sources/paper/": None,
        "https://news.example/x/actors/alice/": None,
    }


def test_the_schema_check_rejects_a_broken_sitemap(sitemap_schema):
    broken = etree.fromstring(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                              b"<url><loc>https://example.org/</loc><lastmod>2023-01</lastmod></url></urlset>")
    assert not sitemap_schema.validate(broken)


def test_drafts_appear_in_the_sitemap_only_when_built(make_project, sitemap_schema):
    draft = "---\ntitle: Draft\nslug: draft\nsummary: S\norder: 3\ndraft: true\n---\nText [@sky-blue].\n"
    project = make_project({"content/pages/draft.md": draft})
    assert build(project).ok
    assert "https://example.org/draft/" not in locations(etree.parse(str(project / "site/sitemap.xml")))
    assert build(project, drafts=True).ok
    document = etree.parse(str(project / "site/sitemap.xml"))
    assert "https://example.org/draft/" in locations(document) and sitemap_schema.validate(document)


def test_robots_txt_points_at_the_sitemap(make_project):
    project = make_project()
    assert build(project, base_url="https://example.github.io/explainer/").ok
    assert (project / "site/robots.txt").read_text() == (
        "User-agent: *\nAllow: /\n\nSitemap: https://example.github.io/explainer/sitemap.xml\n")
