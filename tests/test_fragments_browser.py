"""Text fragments in a real browser: a citation's passage link opens its source at the quoted words.

The source is a snapshot rendered as an HTML page and served from a second local origin, the
passage far below the fold; ::target-text paints it magenta so the highlight can be counted
in a screenshot. The reader clicks the link on the built page (a user-initiated navigation,
which is what browsers require before they act on a text fragment).
"""

import re
from pathlib import Path

import pytest
import yaml

from browser_support import count_colour, static_server
from conftest import REPO, SOURCE_YAML, build, messages
from explainer.content import gather

HIGHLIGHT = (255, 0, 255)
SPACER = '<div style="height:2500px"></div>'
# Each passage as the source prints it, and the quote as an editor copied it (straight quotes,
# a spaced hyphen for a dash, cuts), so the link must survive what browsers do not fold.
PASSAGES = {
    "comma-ampersand-quotes": ("<p id=\"comma-ampersand-quotes\">Then, smiling, she added: “We will win, &amp; we will win big,” "
                               "before leaving.</p>",
                               '"We will win, & we will win big," before leaving.'),
    "dashes": ("<p id=\"dashes\">The vote — held on a rainy Tuesday — was close.</p>",
               "The vote - held on a rainy Tuesday - was close."),
    "long-with-cut": ("<p id=\"long-with-cut\">Torres, who has been in office since 2015, won with 57.4% of the vote. "
                      "Her opponent, Republican Mike Cargile, got 42.6% of the vote, the county said.</p>",
                      "Torres, who has been in office since 2015, won with 57.4% of the vote … got 42.6% of the vote"),
    "non-ascii": ("<p id=\"non-ascii\">El embajador dijo: «Torres interfirió en El Salvador», según la cancillería.</p>",
                  "El embajador dijo: «Torres interfirió en El Salvador»"),
}


def source_page(body: str) -> str:
    """A snapshot as a page a browser can open: the passages far apart, highlighted in a test colour."""
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Source</title>"
            "<style>::target-text{background:rgb(255,0,255);color:#000}</style></head><body>"
            f"{SPACER}{body}{SPACER}</body></html>")


def passage_project(make_project, url: str, quotes: dict[str, str]) -> Path:
    facts = yaml.safe_dump([{"id": fact_id, "statement": f"Fact {fact_id}.", "kind": "fact",
                             "citations": [{"source": "paper", "quote": quote}]}
                            for fact_id, quote in quotes.items()], allow_unicode=True, sort_keys=False)
    page = ("---\ntitle: Home\nslug: index\nsummary: The home page.\norder: 1\n---\n\n"
            + " ".join(f"Claim [@{fact_id}]." for fact_id in quotes) + "\n")
    project = make_project({"content/sources/paper.yaml": SOURCE_YAML.replace("https://example.com/article", url),
                            "content/facts/weather.yaml": facts, "content/pages/index.md": page,
                            "content/actors/alice.yaml": None})
    result = build(project)
    assert result.ok, messages(result)
    return project


def follow_passage_link(page, site_url: str, number: int) -> None:
    """Open the built page and click the passage link of note `number`, as a reader would."""
    page.goto(site_url)
    link = page.locator(f"#note-{number} a.passage-link")
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(re.compile(r".*/source\.html#:~:text=.*"))
    page.wait_for_load_state("load")


def passage_shown(page, element_id: str) -> tuple[float, bool, int]:
    """scrollY, whether the passage's paragraph is in the viewport, and its highlighted pixels."""
    try:
        page.wait_for_function("window.scrollY > 0", timeout=5000)
    except Exception:  # Playwright's TimeoutError: report what the page shows instead
        pass
    page.wait_for_timeout(200)  # let the highlight paint
    box = page.locator(f"#{element_id}").bounding_box()
    viewport = page.viewport_size
    inside = box is not None and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
    pixels = count_colour(page.screenshot(clip=box), HIGHLIGHT) if inside else 0
    return page.evaluate("window.scrollY"), inside, pixels


def test_each_passage_link_scrolls_to_and_highlights_its_quote(make_project, page, tmp_path):
    source_root = tmp_path / "source-site"
    source_root.mkdir()
    (source_root / "source.html").write_text(source_page(SPACER.join(p for p, _ in PASSAGES.values())),
                                             encoding="utf-8")
    with static_server(source_root) as source_url:
        project = passage_project(make_project, source_url + "source.html",
                                  {fact_id: quote for fact_id, (_, quote) in PASSAGES.items()})
        with static_server(project / "site") as site_url:
            for number, element_id in enumerate(PASSAGES, start=1):
                follow_passage_link(page, site_url, number)
                scrolled, inside, highlighted = passage_shown(page, element_id)
                assert scrolled > 2000 and inside, f"{element_id}: not scrolled into view ({page.url})"
                assert highlighted > 200, f"{element_id}: not highlighted ({page.url})"
            # The control: the plain link to the same page neither scrolls nor highlights.
            page.goto(source_url + "source.html")
            page.wait_for_timeout(500)
            assert page.evaluate("window.scrollY") == 0
            page.locator("#dashes").scroll_into_view_if_needed()
            assert count_colour(page.screenshot(clip=page.locator("#dashes").bounding_box()), HIGHLIGHT) == 0


NBC_SNAPSHOT = REPO.parent / "shared" / "sources" / "002_423b83237d5b8be1.txt"


@pytest.mark.skipif(not NBC_SNAPSHOT.exists(), reason="the article snapshots (../shared/sources) are not here")
def test_a_real_quote_in_the_real_snapshot(make_project, page, tmp_path):
    """The repository's own citation of NBC's article, against that article's snapshot."""
    site, _ = gather(REPO)  # the loaded content, wherever the fact's file is
    quote = next(c.quote for c in site.facts["result-2022-general"].citations if c.source == "nbc-2022-11-28")
    body = NBC_SNAPSHOT.read_text(encoding="utf-8")
    marked = body.replace("<p class=\"\">Torres, who has been", "<p id=\"result\" class=\"\">Torres, who has been", 1)
    assert marked != body
    source_root = tmp_path / "nbc"
    source_root.mkdir()
    (source_root / "source.html").write_text(source_page(marked), encoding="utf-8")
    with static_server(source_root) as source_url:
        project = passage_project(make_project, source_url + "source.html", {"result": quote})
        with static_server(project / "site") as site_url:
            follow_passage_link(page, site_url, 1)
            scrolled, inside, highlighted = passage_shown(page, "result")
            assert scrolled > 2000 and inside, page.url
            assert highlighted > 200, page.url
