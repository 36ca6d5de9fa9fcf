"""axe-core finds no accessibility violation on any page of the real site, light or dark."""

import pytest

from browser_support import site_pages, static_server
from conftest import bilingual_files, build, messages

SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[test]')")
    return Axe()


def violations(page, where: str) -> list[str]:
    """axe's violations on the current page (axe already loaded), one readable line each."""
    found = page.evaluate("axe.run({resultTypes: ['violations']}).then(r => r.violations)")
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:4]}"
            for v in found]


@pytest.fixture
def axe_page(axe, chromium):
    """A page that loads axe-core into every document it opens."""
    context = chromium.new_context()
    context.add_init_script(script=axe.axe_script)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_no_page_of_the_real_site_has_an_axe_violation_light_or_dark(axe_page, real_site, real_site_url):
    problems, pages = [], site_pages(real_site)
    for path in pages:
        axe_page.goto(real_site_url + path)
        for scheme in SCHEMES:  # the same document in each theme: only the colours change
            axe_page.emulate_media(color_scheme=scheme)
            problems += violations(axe_page, f"{scheme}: {path or 'index.html'}")
    assert len(pages) >= 3
    assert problems == []


def test_an_open_note_popover_has_no_axe_violation(axe_page, real_site_url):
    axe_page.goto(real_site_url)
    axe_page.locator("a[role=doc-noteref]").first.focus()
    axe_page.locator(".popover").wait_for()
    for scheme in SCHEMES:
        axe_page.emulate_media(color_scheme=scheme)
        assert violations(axe_page, f"{scheme}: index.html with a popover open") == []


def test_axe_reports_a_real_violation(axe_page, make_project):
    """The check can fail: grey-on-white text is reported in the light theme only."""
    project = make_project()
    css = project / "static/style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n@media (prefers-color-scheme:light){.summary{color:#bbb}}\n",
                   encoding="utf-8")
    assert build(project).ok
    with static_server(project / "site") as base:
        axe_page.goto(base)
        found = {}
        for scheme in SCHEMES:
            axe_page.emulate_media(color_scheme=scheme)
            found[scheme] = [line.split(": ")[1].split(" ")[0] for line in violations(axe_page, scheme)]
    assert found == {"light": ["color-contrast"], "dark": []}


def test_no_page_of_a_bilingual_site_has_an_axe_violation(axe_page, make_project):
    """Both editions, light and dark, with translated and untranslated (fallback) text and the switcher."""
    files = bilingual_files()
    del files["content/es/pages/index.md"]  # a page shown whole in English, too
    project = make_project(files)
    result = build(project)
    assert result.ok, messages(result)
    pages = site_pages(project / "site")
    assert sum(p.startswith("es/") for p in pages) >= 5
    problems = []
    with static_server(project / "site") as base:
        for path in pages:
            axe_page.goto(base + path)
            for scheme in SCHEMES:
                axe_page.emulate_media(color_scheme=scheme)
                problems += violations(axe_page, f"{scheme}: {path or 'index.html'}")
    assert problems == []
