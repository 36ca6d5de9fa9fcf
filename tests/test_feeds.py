"""The Atom feed: updated pages and facts and corrections, dated from the content, read by feedparser."""

import feedparser

from conftest import FACTS_YAML, PAGE_MD, build, messages
from site_checks import page_links

CORRECTIONS = """\
- date: "2023-03-02"
  summary: "Corrected the *date* of Alice's forecast."
  facts: [alice-says-rain]
- date: "2022-12-01"
  summary: Added a second source.
"""
LOG_PAGE = "---\ntitle: Corrections\nslug: corrections\nsummary: What we changed.\norder: 5\n---\n\n::: corrections\n:::\n"


def updated_project(make_project, **extra):
    facts = FACTS_YAML.replace('  date: "2022-11-01"', '  date: "2022-11-01"\n  updated: "2023-01-05"', 1)
    page = PAGE_MD.replace("order: 1", 'order: 1\nupdated: "2023-02-01"')
    files = {"content/facts/weather.yaml": facts, "content/pages/index.md": page,
             "content/corrections.yaml": CORRECTIONS, "content/pages/corrections.md": LOG_PAGE}
    files.update(extra)
    return make_project(files)


def test_the_feed_lists_updated_pages_facts_and_corrections_newest_first(make_project):
    project = updated_project(make_project)
    result = build(project)
    assert result.ok, messages(result)
    feed = feedparser.parse((project / "site/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Test explainer" and feed.feed.updated == "2023-03-02T00:00:00Z"
    assert feed.feed.id == "https://example.org/" and feed.feed.author == "Test newsroom"
    assert [link.href for link in feed.feed.links] == ["https://example.org/feed.xml", "https://example.org/"]
    entries = [(e.updated, e.title, e.link) for e in feed.entries]
    assert entries == [
        ("2023-03-02T00:00:00Z", "Correction: Corrected the date of Alice's forecast.",
         feed.entries[0].link),
        ("2023-02-01T00:00:00Z", "Updated: Home", "https://example.org/"),
        ("2023-01-05T00:00:00Z", "Updated fact: The sky was blue on Tuesday.", "https://example.org/facts/sky-blue/"),
        ("2022-12-01T00:00:00Z", "Correction: Added a second source.", feed.entries[3].link),
    ]
    assert feed.entries[1].summary == "The home page."
    assert len({e.id for e in feed.entries}) == 4


def test_a_correction_links_to_its_entry_in_the_published_log(make_project):
    project = updated_project(make_project)
    assert build(project).ok
    feed = feedparser.parse((project / "site/feed.xml").read_bytes())
    link = feed.entries[0].link
    assert link.startswith("https://example.org/corrections/#correction-2023-03-02-")
    anchor = link.split("#", 1)[1]
    assert anchor in page_links((project / "site/corrections/index.html").read_text()).ids


def test_without_a_dated_change_the_feed_is_dated_by_the_content_and_still_valid(make_project):
    project = make_project()
    assert build(project).ok
    feed = feedparser.parse((project / "site/feed.xml").read_bytes())
    assert not feed.bozo and feed.entries == []
    assert feed.feed.updated == "2026-11-01T00:00:00Z"  # the source's 'accessed' date: no clock is read


def test_the_feed_does_not_change_between_builds(make_project, tmp_path):
    project = updated_project(make_project)
    assert build(project).ok
    assert build(project, out=tmp_path / "again").ok
    assert (project / "site/feed.xml").read_bytes() == (tmp_path / "again/feed.xml").read_bytes()


def test_drafts_enter_the_feed_only_when_built(make_project):
    draft = '---\ntitle: Draft\nslug: draft\nsummary: S\norder: 3\ndraft: true\nupdated: "2024-01-01"\n---\nText [@sky-blue].\n'
    project = make_project({"content/pages/draft.md": draft})
    assert build(project).ok
    assert b"Draft" not in (project / "site/feed.xml").read_bytes()
    assert build(project, drafts=True).ok
    assert [e.title for e in feedparser.parse((project / "site/feed.xml").read_bytes()).entries] == ["Updated: Draft"]


def test_characters_xml_cannot_carry_are_dropped(make_project):
    corrections = '- date: "2023-01-01"\n  summary: "Fixed a\\x01 typo & a <tag>."\n'
    project = make_project({"content/corrections.yaml": corrections})
    assert build(project).ok
    feed = feedparser.parse((project / "site/feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.entries[0].title == "Correction: Fixed a typo & a <tag>."


def test_update_dates_must_be_full_dates(make_project):
    facts = FACTS_YAML.replace('  date: "2022-11-01"', '  date: "2022-11-01"\n  updated: "2023-01"', 1)
    found = messages(build(make_project({"content/facts/weather.yaml": facts})))
    assert ("content/facts/weather.yaml:5:12: error: 'updated' is not valid: '2023-01'; expected the day "
            "this was last changed, as YYYY-MM-DD (the feed and the sitemap need a full date)") in found
