"""Page weight: every page of the real site within budget, and nothing loaded from elsewhere."""

import re

from conftest import PAGE_MD, build
from explainer.budget import BUDGET, main, page_weights, table, weigh_page


def test_every_page_of_the_real_site_fits_the_budget(real_site):
    weights = page_weights(real_site)
    assert len(weights) >= 3
    print(f"\nheaviest pages of the real site (budget {BUDGET:,} bytes):\n{table(weights, 8)}")
    over = [w for w in weights if w.total > BUDGET]
    assert not over, f"pages over {BUDGET:,} bytes:\n{table(over)}"


def test_the_real_site_loads_nothing_from_elsewhere(real_site):
    problems = [(w.path, w.elsewhere, w.missing) for w in page_weights(real_site) if w.elsewhere or w.missing]
    assert problems == []
    for css in real_site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text, css
        assert not re.search(r"url\(\s*['\"]?(?:[a-z]+:)?//", text), css


def test_a_page_counts_its_html_and_each_stylesheet_and_script_once(make_project):
    project = make_project({"content/pages/index.md": PAGE_MD + "\nAgain [@sky-blue].\n"})
    assert build(project).ok
    site = project / "site"
    html = (site / "index.html").read_text(encoding="utf-8")
    loaded = [p for p in (site / "static").iterdir() if p.name in html]  # whatever the asset names
    css = sum(p.stat().st_size for p in loaded if p.suffix == ".css")
    js = sum(p.stat().st_size for p in loaded if p.suffix == ".js")
    assert css > 0 and js > 0
    home = weigh_page(site, "index.html")
    assert (home.html, home.css, home.js) == ((site / "index.html").stat().st_size, css, js)
    assert home.total == home.html + css + js
    fact = weigh_page(site, "facts/sky-blue/index.html")  # no notes, so no popover script; CSS via ../../
    assert (fact.css, fact.missing) == (css, ()) and fact.js < js
    not_found = weigh_page(site, "404.html")  # links from the site root: /static/style.css
    assert (not_found.css, not_found.missing) == (css, ())


def test_assets_from_elsewhere_and_missing_files_are_reported(make_project):
    project = make_project()
    base = (project / "templates/base.html").read_text(encoding="utf-8")
    base = base.replace("</head>", '<script src="https://cdn.example.com/lib.js"></script>\n'
                                   '<link rel="stylesheet" href="//fonts.example.com/font.css">\n'
                                   '<link rel="stylesheet" href="static/gone.css">\n</head>')
    (project / "templates/base.html").write_text(base, encoding="utf-8")
    assert build(project).ok
    weight = weigh_page(project / "site", "index.html")
    assert weight.elsewhere == ("https://cdn.example.com/lib.js", "//fonts.example.com/font.css")
    assert weight.missing == ("static/gone.css",)


def test_the_budget_command_fails_on_a_page_over_budget(make_project, capsys):
    project = make_project()
    assert build(project).ok
    assert main([str(project / "site")]) == 0
    assert "index.html" in capsys.readouterr().out
    heavy = PAGE_MD + "\n" + "A long paragraph of words. " * (BUDGET // 20) + "\n"
    heavy_project = make_project({"content/pages/index.md": heavy}, name="heavy")
    assert build(heavy_project).ok
    assert main([str(heavy_project / "site")]) == 1
    assert re.search(r"^index\.html: error: [\d,]+ bytes \(budget 60,000\)$", capsys.readouterr().err, re.M)
