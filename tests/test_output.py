"""Output: the atomic swap, byte-identical rebuilds, path collisions, safe paths."""

import dataclasses
import hashlib
import os
import posixpath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import PAGE_MD, build, messages
from explainer.content import gather
from explainer.output import absolute_url, plan_outputs, relative_path, relative_url, root_relative_url, safe_join
from explainer.pieces import CHUNK, PieceCache


def tree_digest(folder):
    digest = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                digest[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return digest


def test_same_input_gives_byte_identical_output(make_project, tmp_path):
    project = make_project()
    assert build(project).ok
    first = tree_digest(project / "site")
    assert build(project, out=tmp_path / "again").ok
    assert tree_digest(tmp_path / "again") == first
    assert len(first) >= 7


def test_a_failed_build_leaves_the_previous_site_untouched(make_project):
    project = make_project()
    assert build(project).ok
    before = tree_digest(project / "site")
    (project / "content/pages/index.md").write_text(PAGE_MD.replace("[@sky-blue].", "[@nope]."))
    result = build(project)
    assert not result.ok
    assert tree_digest(project / "site") == before
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".site-build-")]
    assert leftovers == []


def test_a_template_failure_mid_build_leaves_the_previous_site_untouched(make_project):
    project = make_project()
    assert build(project).ok
    before = tree_digest(project / "site")
    (project / "templates/actor.html").write_text("{{ 1 / 0 }}")
    assert not build(project).ok
    assert tree_digest(project / "site") == before


def test_a_successful_build_replaces_the_site_entirely(make_project):
    project = make_project()
    (project / "site").mkdir()
    (project / "site/stale.html").write_text("old")
    assert build(project).ok
    assert not (project / "site/stale.html").exists()
    assert (project / "site/index.html").exists()


def test_two_pages_writing_the_same_path_name_both(make_project):
    project = make_project({"content/pages/facts.md": "---\ntitle: F\nslug: facts/sky-blue\nsummary: S\norder: 2\n---\n[@sky-blue]\n"})
    found = messages(build(project))
    assert len(found) == 1
    assert found[0].startswith("content/facts/weather.yaml:1:3: error: output path 'facts/sky-blue/index.html' "
                               "is also written by the page 'facts/sky-blue' at ")


@pytest.mark.parametrize("target, origin, expected", [
    ("facts/x/index.html", "index.html", "facts/x/index.html"),
    ("index.html", "legal/index.html", "../index.html"),
    ("index.html", "index.html", "index.html"),
    ("static/style.css", "cases/colombia/index.html", "../../static/style.css"),
    ("legal/index.html", "legal/index.html", "index.html"),
    ("feed.xml", "404.html", "feed.xml"),
])
def test_relative_urls_name_index_html_so_that_pages_open_from_disk(target, origin, expected):
    assert relative_url(target, origin) == expected


@pytest.mark.parametrize("base, target, expected", [
    ("https://example.org/", "index.html", "https://example.org/"),
    ("https://example.org/explainer", "legal/index.html", "https://example.org/explainer/legal/"),
    ("https://example.org/explainer/", "facts/x/index.html", "https://example.org/explainer/facts/x/"),
    ("https://example.org/explainer/", "feed.xml", "https://example.org/explainer/feed.xml"),
])
def test_absolute_urls_are_the_clean_public_addresses(base, target, expected):
    assert absolute_url(base, target) == expected


@pytest.mark.parametrize("base, target, expected", [
    ("https://example.org/", "static/style.css", "/static/style.css"),
    ("https://example.org/explainer/", "index.html", "/explainer/"),
    ("https://example.org/explainer", "legal/index.html", "/explainer/legal/"),
])
def test_root_relative_urls_for_the_404_page(base, target, expected):
    assert root_relative_url(base, target) == expected


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../b", "a\\b", "a\x00b", ""])
def test_the_writer_refuses_paths_outside_the_output(tmp_path, bad):
    with pytest.raises(ValueError):
        safe_join(tmp_path, bad)


def test_the_published_folder_has_the_usual_permissions(make_project):
    """A web server running as another user must be able to read site/ (mkdtemp would make it 0700)."""
    umask = os.umask(0o022)
    try:
        project = make_project()
        assert build(project).ok
        assert build(project).ok  # the second build swaps a staging folder in
    finally:
        os.umask(umask)
    assert (project / "site").stat().st_mode & 0o777 == 0o755
    assert (project / "site/facts").stat().st_mode & 0o777 == 0o755


_SEGMENT = st.sampled_from(["a", "b", "index.html", "facts", "x-1", "static", "style.css"])
_CLEAN_PATH = st.lists(_SEGMENT, min_size=1, max_size=4).map("/".join)


@given(_CLEAN_PATH, _CLEAN_PATH)
def test_relative_path_agrees_with_posixpath_relpath(target, origin):
    start = posixpath.dirname(origin)
    assert relative_path(target, start) == posixpath.relpath(target, start or ".")


def test_the_preview_plans_again_only_the_outputs_of_a_hundred_records_around_a_change(make_project):
    facts = "".join(f"- id: fact-{n:03d}\n  statement: Fact {n}.\n  kind: fact\n"
                    f"  citations: [{{source: paper, quote: The sky was blue.}}]\n" for n in range(250))
    site, problems = gather(make_project({"content/facts/many.yaml": facts}))
    assert site is not None and not problems
    pieces = PieceCache()
    first, _ = plan_outputs(site, piece=pieces.maker("outputs"))
    again, _ = plan_outputs(site, piece=pieces.maker("outputs"))
    records = {"page", "fact", "source", "actor"}  # site-wide files are planned afresh, cheaply
    assert all(a is b for a, b in zip(first, again) if a.kind in records) and first == again

    changed = sorted(site.facts)[150]
    site.facts[changed] = dataclasses.replace(site.facts[changed], statement="Changed.")
    after, _ = plan_outputs(site, piece=pieces.maker("outputs"))
    assert after == plan_outputs(site)[0]  # what a full build plans
    by_key = {(o.kind, o.key): o for o in first}
    remade = [o.key for o in after if o.kind == "fact" and o is not by_key[o.kind, o.key]]
    facts_in_order = list(site.facts)  # the chunks follow the facts' order in the site
    chunk = facts_in_order.index(changed) // CHUNK
    assert sorted(remade) == sorted(facts_in_order[chunk * CHUNK:(chunk + 1) * CHUNK])
