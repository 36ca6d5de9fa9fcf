"""provenance.py: what pages show about each citation: passage links, archived copies, verification, source mix."""

import hashlib
import re
from html.parser import HTMLParser

from conftest import FACTS_YAML, PAGE_MD, SOURCE_YAML, build, lock, messages
from explainer.fragments import passage_url
from explainer.model import SourceMix, source_mix
from explainer.provenance import robust_link_attributes, version_date

ARCHIVED_SOURCE = SOURCE_YAML + ("archive_url: https://web.archive.org/web/20221128/https://example.com/article\n"
                                 "archive_date: \"2022-11-29\"\n")
POST_SOURCE = """\
id: alice-post
title: Alice's post
publisher: Alice Example
published: "2022-11-02"
url: https://social.example/alice/1
accessed: "2026-11-01"
kind: social-post
"""
FACTS_WITH_POST = FACTS_YAML + "    - source: alice-post\n      quote: It will rain – mark my words & bring umbrellas.\n"


class Links(HTMLParser):
    """Every <a> with its attributes and text, and the text of elements with a class."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self.classed: dict[str, list[str]] = {}
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append({**attributes, "text": ""})
        self._open.append((tag, (attributes.get("class") or "").split()))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, _ = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self.links and any(t == "a" for t, _ in self._open):
            self.links[-1]["text"] += data
        for _, classes in self._open:
            for name in classes:
                self.classed.setdefault(name, [""])[-1] += data

    def classes_text(self, name: str) -> str:
        return " ".join("".join(self.classed.get(name, [])).split())


def parse(path):
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_version_date_prefers_the_archive_date(make_project):
    project = make_project({"content/sources/paper.yaml": ARCHIVED_SOURCE})
    result = build(project)
    source = result.site.sources["paper"]
    assert version_date(source) == "2022-11-29"
    assert robust_link_attributes(source) == (
        ' data-versionurl="https://web.archive.org/web/20221128/https://example.com/article"'
        ' data-versiondate="2022-11-29"')
    assert robust_link_attributes(source, archived=True) == (
        ' data-originalurl="https://example.com/article" data-versiondate="2022-11-29"')


def test_without_an_archive_date_the_access_date_stands_in(make_project):
    source = SOURCE_YAML + "archive_url: https://archive.example/a?x=1&y=\"2\"\n"
    result = build(make_project({"content/sources/paper.yaml": source}))
    paper = result.site.sources["paper"]
    assert version_date(paper) == "2026-11-01"
    assert robust_link_attributes(paper) == (
        ' data-versionurl="https://archive.example/a?x=1&amp;y=&#34;2&#34;" data-versiondate="2026-11-01"')
    plain = build(make_project(name="plain")).site.sources["paper"]
    assert robust_link_attributes(plain) == ""


def test_every_citation_links_to_its_source_its_passage_and_its_archived_copy(make_project):
    project = make_project({"content/sources/paper.yaml": ARCHIVED_SOURCE})
    assert build(project).ok
    for page in ("index.html", "facts/sky-blue/index.html", "actors/alice/index.html"):
        links = parse(project / "site" / page).links
        live = [a for a in links if a["href"] == "https://example.com/article"]
        assert live and all(a["data-versionurl"].startswith("https://web.archive.org/") and
                            a["data-versiondate"] == "2022-11-29" for a in live), page
        archived = [a for a in links if a["href"].startswith("https://web.archive.org/")]
        assert len(archived) == len(live)
        assert all(a["data-originalurl"] == "https://example.com/article" for a in archived)
    links = parse(project / "site/facts/alice-says-rain/index.html").links
    passage = [a for a in links if "passage-link" in a.get("class", "")]
    assert [a["href"] for a in passage] == [passage_url("https://example.com/article", "It will rain, Alice said.")]
    assert passage[0]["href"] == "https://example.com/article#:~:text=It%20will%20rain%2C%20Alice%20said."
    assert passage[0]["text"] == "The quoted passage"


def test_verification_status_of_each_citation(make_project, tmp_path):
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    text = "The sky was blue. It will rain, Alice said. Alice is the mayor."
    (snapshots / "paper.txt").write_text(text, encoding="utf-8")
    project = make_project({"content/sources/paper.yaml": SOURCE_YAML + "snapshot: paper.txt\n",
                            "content/sources/alice-post.yaml": POST_SOURCE,
                            "content/facts/weather.yaml": FACTS_WITH_POST})
    lock(project, snapshots, today="2026-03-04")
    assert build(project, snapshots=snapshots).ok
    page = parse(project / "site/index.html")  # notes: a short mark per quote, explained once per page
    assert page.classes_text("verification-verified") == "verifiedverified"
    assert page.classes_text("verification-no-snapshot") == "no copy held"
    assert page.classes_text("notes-key").endswith(
        "✓ verified: the quote matches our stored copy of the source; no copy held: we have none to check "
        "it against; unchecked: not checked in this build.")
    fact_page = parse(project / "site/facts/sky-blue/index.html")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert fact_page.classes_text("verification-verified") == (
        f"Quote verified against a snapshot of the source (paper.txt, locked on 4 March 2026; SHA-256 {sha}).")

    result = build(project)  # no --snapshots: nothing is claimed
    assert result.ok, messages(result)
    page = parse(project / "site/index.html")
    assert "verification-verified" not in page.classed
    assert page.classes_text("verification-unchecked") == "uncheckedunchecked"


def test_source_mix_on_a_page_and_for_the_whole_explainer(make_project):
    extra = """\
- id: unused-fact
  statement: Something no page cites.
  kind: fact
  citations:
    - source: alice-post
      quote: Something.
"""
    page = PAGE_MD + "\n::: sources\n:::\n"
    project = make_project({"content/sources/alice-post.yaml": POST_SOURCE,
                            "content/facts/weather.yaml": FACTS_WITH_POST + extra,
                            "content/pages/index.md": page})
    result = build(project)
    assert result.ok, messages(result)
    site = result.site
    assert source_mix(site, [site.facts["alice-says-rain"], site.facts["alice-says-rain"]]) == SourceMix(1, 1)
    text = re.sub(r"\s+", " ", parse(project / "site/index.html").classes_text("source-mix"))
    assert "Of the 4 citations in this explainer, 2 rest on primary sources" in text
    assert ("Of the 3 citations on this page, 1 rests on primary sources (laws, rulings, official statements, "
            "a speaker's own words) and 2 on secondary reports.") in text


def test_no_primary_source_reads_none(make_project):
    assert build(project := make_project()).ok
    assert ("Of the 2 citations on this page, none rests on primary sources"
            in parse(project / "site/index.html").classes_text("source-mix"))


def test_a_fact_page_lists_its_corrections(make_project):
    corrections = ("- date: '2022-12-01'\n  summary: Corrected the day.\n  facts: [sky-blue]\n"
                   "- date: '2022-12-05'\n  summary: Another fact.\n  facts: [alice-says-rain]\n")
    project = make_project({"content/corrections.yaml": corrections})
    assert build(project).ok
    html = (project / "site/facts/sky-blue/index.html").read_text()
    assert '<time datetime="2022-12-01">1 December 2022</time>: Corrected the day.' in html
    assert "Another fact." not in html
