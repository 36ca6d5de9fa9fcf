"""The built site in a real browser: the smallest check that the browser fixtures work."""

from browser_support import static_server
from conftest import build


def test_a_built_page_opens_in_chromium(make_project, page):
    project = make_project()
    assert build(project).ok
    with static_server(project / "site") as base:
        page.goto(base)
        assert page.title() == "Home · Test explainer"
        page.click("a[role=doc-noteref] >> nth=0")
        assert page.url.endswith("#note-1")
        assert page.locator("#note-1").is_visible()
