"""axe-core finds no accessibility violation on any page of the real site, light or dark."""

import pytest

from browser_support import site_pages


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[test]')")
    return Axe()


def violations(axe, page, where: str) -> list[str]:
    """axe's violations on the current page, one readable line each."""
    found = axe.run(page).response["violations"]
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:4]}"
            for v in found]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_of_the_real_site_has_an_axe_violation(axe, chromium, real_site, real_site_url, scheme):
    context = chromium.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        problems, pages = [], site_pages(real_site)
        for path in pages:
            page.goto(real_site_url + path)
            problems += violations(axe, page, path or "index.html")
        assert len(pages) >= 3
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_open_note_popover_has_no_axe_violation(axe, chromium, real_site_url, scheme):
    context = chromium.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(real_site_url)
        page.locator("a.ref").first.focus()
        page.locator(".popover").wait_for()
        assert violations(axe, page, "index.html with a popover open") == []
    finally:
        context.close()
