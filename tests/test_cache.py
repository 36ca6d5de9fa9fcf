"""The build cache: a cached build writes exactly what a build without it writes, whatever the cache holds."""

import os
import pickle
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (FACTS_YAML, PAGE_MD, REPO, SPANISH_FACTS_YAML, assert_same_tree, bilingual_files, build,
                      messages, snapshot_paper)
from explainer import cache as cache_module
from explainer import parallel
from explainer.cache import CACHE_FOLDER, BuildCache, cached_build
from explainer.incremental import IncrementalBuilder, stat_signature
from explainer.output import HTML_KINDS
from explainer.pipeline import BuildOptions, lock_snapshots
from explainer.render import Renderer

SECOND_PAGE = """\
---
title: Weather
slug: weather
summary: The weather, by date.
order: 2
---

Alice forecast rain [@alice-says-rain].

::: facts
template: timeline
topics: [weather]
:::
"""


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The output paths rendered, in this process, from here on."""
    seen: list[str] = []
    original = Renderer.render

    def counting(self, output):
        seen.append(output.path)
        return original(self, output)

    monkeypatch.setattr(Renderer, "render", counting)
    return seen


@pytest.fixture
def project(make_project) -> Path:
    return make_project({"content/pages/weather.md": SECOND_PAGE})


def cached(project: Path, jobs: int = 1, **options):
    return cached_build(BuildOptions(project, **options), jobs)


def assert_same_as_without_cache(project: Path, tmp_path: Path, out: Path | None = None, **options) -> None:
    """The cached site equals a fresh build of the same content that neither reads nor writes a cache."""
    reference = tmp_path / f"reference-{random.randrange(10**9)}"
    fresh = build(project, out=reference, **options)
    assert fresh.ok, messages(fresh)
    assert_same_tree(out or project / "site", reference)
    shutil.rmtree(reference)


def rewrite_keeping_stat(path: Path, old: str, new: str) -> None:
    """Change a file's bytes but not its size or modification time, as a racy editor or checkout may."""
    assert len(old.encode()) == len(new.encode())
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns


def test_a_second_build_renders_nothing_and_changes_nothing(project, tmp_path, renders):
    first = cached(project)
    assert first.ok and renders
    assert (project / CACHE_FOLDER / ".gitignore").read_text(encoding="utf-8").endswith("*\n")
    before = {p: p.stat().st_ino for p in (project / "site").rglob("*")}
    renders.clear()
    second = cached(project)
    assert second.ok and renders == []
    assert second.summary("Built").startswith("Built 2 pages, 2 facts, 1 sources, 1 actors in ")
    assert second.summary("Built").endswith("(nothing changed since the last build)")
    assert {p: p.stat().st_ino for p in (project / "site").rglob("*")} == before
    assert_same_as_without_cache(project, tmp_path)


def test_an_edit_renders_only_what_depends_on_it(make_project, tmp_path, renders):
    """What a new process renders with the cache is what the live preview's engine renders for the same edit."""
    preview_project, project = (make_project({"content/pages/weather.md": SECOND_PAGE}, name=name)
                                for name in ("preview", "project"))
    engine = IncrementalBuilder(BuildOptions(preview_project))
    first = engine.rebuild()
    assert first.ok and cached(project).ok
    first.changes.apply(preview_project / "site")
    for root in (preview_project, project):
        facts = root / "content/facts/weather.yaml"
        facts.write_text(FACTS_YAML.replace("The sky was blue on Tuesday.", "The sky was grey on Tuesday."))
    rebuild = engine.rebuild({preview_project / "content/facts/weather.yaml"})
    renders.clear()
    result = cached(project)
    assert result.ok
    html = {o.path for o in result.outputs if o.kind in HTML_KINDS}
    assert sorted(renders) == sorted(set(rebuild.rendered) & html)
    # The fact's page, the pages citing or showing it, its source's page; not the other fact or the actor.
    assert {"facts/sky-blue/index.html", "index.html", "weather/index.html", "sources/paper/index.html"} <= set(renders)
    assert not {"facts/alice-says-rain/index.html", "actors/alice/index.html"} & set(renders)
    assert f"(rendered {len(rebuild.rendered)} of {len(result.outputs)} files" in result.summary("Built")
    assert "The sky was grey on Tuesday." in (project / "site/facts/sky-blue/index.html").read_text()
    assert_same_as_without_cache(project, tmp_path)


def vouch_for_current_stats(project: Path) -> None:
    """Make the saved engine believe every file it read is unchanged, as a stat-based cache could be
    fooled into believing (a coarse clock, a restored backup): its signatures become the files' current ones."""
    store = BuildCache(BuildOptions(project))
    manifest = store.read_manifest()
    engine = store.read_engine(manifest)
    long_ago = time.time() - 3600
    for key, loaded in engine.loads._files.items():
        loaded.signature, loaded.modified = stat_signature(key[1]), long_ago
    known = engine.templates.files._known
    for path, (_, value, _) in list(known.items()):
        known[path] = (stat_signature(path), value, long_ago)
    store.write(engine, manifest)


def test_a_stale_cache_never_gives_stale_output(project, tmp_path):
    """Edits, in random order, that keep each file's size and modification time, to a cache that vouches
    for the files' current stats: the same site as without a cache, every time."""
    assert cached(project).ok
    edits = [
        ("content/facts/weather.yaml", "sky was blue on", "sky was grey on"),
        ("content/facts/weather.yaml", "would rain", "would snow"),
        ("content/pages/index.md", "Alice disagreed", "Alice protested"),
        ("content/pages/weather.md", "forecast rain", "expected hail"),
        ("content/pages/weather.md", "template: timeline", "template: list    "),
        ("content/actors/alice.yaml", "The mayor of", "The major of"),
        ("content/sources/paper.yaml", "The Paper", "The Daily"),
        ("content/site.yaml", "Test newsroom", "Best newsroom"),
        ("templates/fact.html", "<h1>", "<h2>"),
        ("templates/_macros.html", "Fact page", "Fact info"),
        ("static/style.css", "body", "BODY"),
    ]
    random.Random(7).shuffle(edits)
    for relative, old, new in edits:
        path = project / relative
        if old not in path.read_text(encoding="utf-8"):
            continue
        rewrite_keeping_stat(path, old, new)
        vouch_for_current_stats(project)
        result = cached(project)
        assert result.ok, messages(result)
        assert_same_as_without_cache(project, tmp_path)


def test_a_broken_cache_is_a_full_build(project, tmp_path, renders):
    assert cached(project).ok
    store = BuildCache(BuildOptions(project))
    planted = tmp_path / "planted"

    class Exploit:
        def __reduce__(self):
            return os.mkdir, (str(planted),)

    breakages = [
        lambda: store.state_path.write_bytes(store.state_path.read_bytes()[:100]),
        lambda: store.state_path.unlink(),
        lambda: store.manifest_path.write_text("{not json", encoding="utf-8"),
        lambda: store.manifest_path.write_text('{"format": 1}', encoding="utf-8"),
        lambda: store.state_path.write_bytes(pickle.dumps(("x", Exploit(), 0))),
        lambda: shutil.rmtree(project / CACHE_FOLDER),
    ]
    facts = project / "content/facts/weather.yaml"
    for number, breakage in enumerate(breakages):
        facts.write_text(FACTS_YAML.replace("on Tuesday", f"on day {number}"))  # so the cache is consulted
        breakage()
        renders.clear()
        result = cached(project)
        assert result.ok, messages(result)
        assert len(renders) == len([o for o in result.outputs if o.kind in HTML_KINDS]), "everything is rendered"
        assert_same_as_without_cache(project, tmp_path)
    assert not planted.exists(), "a cache file must not be able to run code"


def test_output_files_changed_by_hand_are_written_again(project, tmp_path):
    assert cached(project).ok
    site = project / "site"
    (site / "facts/sky-blue/index.html").write_text("vandalised", encoding="utf-8")
    (site / "sources/paper/index.html").unlink()
    (site / "stray.html").write_text("not ours", encoding="utf-8")
    assert cached(project).ok
    assert not (site / "stray.html").exists()
    assert_same_as_without_cache(project, tmp_path)
    shutil.rmtree(site)
    assert cached(project).ok
    assert_same_as_without_cache(project, tmp_path)


def test_each_output_folder_and_setting_has_its_own_cache(project, tmp_path):
    assert cached(project).ok
    other = tmp_path / "elsewhere"
    assert cached(project, out=other, base_url="https://example.net/sub/").ok
    assert_same_as_without_cache(project, tmp_path, out=other, base_url="https://example.net/sub/")
    assert cached(project, out=other, drafts=True).ok
    assert_same_as_without_cache(project, tmp_path, out=other, drafts=True)
    assert_same_as_without_cache(project, tmp_path)


def test_a_failed_build_leaves_site_and_cache_as_they_were(project, tmp_path, renders):
    assert cached(project).ok
    page = project / "content/pages/index.md"
    page.write_text(PAGE_MD.replace("[@sky-blue].", "[@nope]."), encoding="utf-8")
    files_before = sorted((project / "site").rglob("*"))
    assert not cached(project).ok
    assert sorted((project / "site").rglob("*")) == files_before
    page.write_text(PAGE_MD.replace("Alice disagreed", "Alice objected"), encoding="utf-8")
    renders.clear()
    assert cached(project).ok
    assert "index.html" in renders and "weather/index.html" not in renders and "404.html" not in renders
    assert_same_as_without_cache(project, tmp_path)


def test_snapshots_are_part_of_the_settings(project, tmp_path):
    snapshots = snapshot_paper(project, tmp_path / "snapshots")
    options = BuildOptions(project, snapshots=snapshots)
    assert lock_snapshots(options, "2026-01-02")[1] is not None
    assert cached(project, snapshots=snapshots).ok
    assert_same_as_without_cache(project, tmp_path, snapshots=snapshots)
    before = cache_module.settings_key(options)
    (snapshots / "paper.txt").write_text("The sky was blue. It will rain, Alice said. Alice is the mayor. More.\n")
    assert cache_module.settings_key(options) != before
    assert lock_snapshots(options, "2026-01-03")[1] is not None
    assert cached(project, snapshots=snapshots).ok
    assert_same_as_without_cache(project, tmp_path, snapshots=snapshots)


@pytest.mark.skipif(not parallel.can_fork(), reason="this platform cannot fork worker processes")
def test_a_cached_build_in_several_processes_writes_the_same_bytes(make_project, tmp_path, renders):
    pages = {f"content/pages/part-{n}.md": f"---\ntitle: Part {n}\nslug: part-{n}\nsummary: S\norder: {n + 2}\n---\n"
                                           f"Part {n} cites [@sky-blue].\n" for n in range(2 * parallel.MIN_ITEMS_PER_JOB)}
    project = make_project(pages)
    assert cached(project, jobs=2).ok
    assert len(renders) < 10, "the workers render, not this process"
    assert_same_as_without_cache(project, tmp_path)
    facts = project / "content/facts/weather.yaml"
    facts.write_text(FACTS_YAML.replace("The sky was blue on Tuesday.", "The sky was grey on Tuesday."))
    assert cached(project, jobs=2).ok
    assert_same_as_without_cache(project, tmp_path)


def test_the_command_line_uses_the_cache_unless_told_not_to(make_project):
    project = make_project()

    def run(*args):
        done = subprocess.run([sys.executable, str(REPO / "build.py"), "--project", str(project), *args],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr

    run("--no-cache")
    assert not (project / CACHE_FOLDER).exists()
    run()
    assert (project / CACHE_FOLDER).is_dir()
    assert "(nothing changed since the last build)" in run()


def test_a_build_that_finds_nothing_changed_loads_none_of_the_stages(make_project):
    """Importing Jinja, Markdown and the schemas took half of such a build's time: it needs none of them."""
    project = make_project()
    script = ("import sys; from explainer.cli import main; code = main(['--project', sys.argv[1]]); "
              "print(sorted(m for m in ('jinja2', 'markdown', 'jsonschema', 'explainer.pipeline') if m in sys.modules)); "
              "sys.exit(code)")

    def loaded() -> tuple[str, str]:
        done = subprocess.run([sys.executable, "-c", script, str(project)], capture_output=True, text=True,
                              timeout=120, cwd=REPO)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip(), done.stderr

    first, _ = loaded()
    assert first == "['explainer.pipeline', 'jinja2', 'jsonschema', 'markdown']"  # it rendered everything
    second, report = loaded()
    assert "(nothing changed since the last build)" in report
    assert second == "[]"


def test_a_cached_build_reports_what_a_build_without_it_reports(project):
    assert cached(project).ok
    (project / "templates/base.html").unlink()
    assert messages(cached(project)) == messages(build(project))
    assert len(messages(build(project))) == 1  # a missing template stops at the first output that needs it
    (project / "content/pages/index.md").write_text(PAGE_MD.replace("[@sky-blue].", "[@nope]."), encoding="utf-8")
    assert messages(cached(project)) == messages(build(project))


def test_a_site_with_editions_builds_through_the_cache_in_several_processes(make_project, tmp_path, renders):
    """Translations (content/es/): the cache and --jobs give the bytes of a plain build; a Spanish edit renders
    the Spanish pages that show it, not the whole site."""
    pages = {f"content/pages/part-{n}.md": f"---\ntitle: Part {n}\nslug: part-{n}\nsummary: S\norder: {n + 2}\n---\n"
                                           f"Part {n} cites [@sky-blue].\n" for n in range(2 * parallel.MIN_ITEMS_PER_JOB)}
    project = make_project({**bilingual_files(), **pages})
    first = cached(project, jobs=2)
    assert first.ok, messages(first)
    assert "in 2 languages (en, es)" in first.summary("Built")
    assert len(renders) < 10, "the workers render, not this process"
    assert_same_as_without_cache(project, tmp_path)
    spanish = project / "content/es/facts/weather.yaml"
    spanish.write_text(SPANISH_FACTS_YAML.replace("azul", "gris"), encoding="utf-8")
    renders.clear()
    edited = cached(project, jobs=1)
    assert edited.ok, messages(edited)
    html = [o.path for o in edited.outputs if o.kind in HTML_KINDS]
    assert "es/facts/sky-blue/index.html" in renders and len(renders) < len(html) / 2
    assert not [path for path in renders if not path.startswith("es/")], "the English edition did not change"
    assert "gris" in (project / "site/es/facts/sky-blue/index.html").read_text(encoding="utf-8")
    assert_same_as_without_cache(project, tmp_path)
    again = cached(project, jobs=2)
    assert again.summary("Built").endswith("(nothing changed since the last build)")
    assert "in 2 languages (en, es)" in again.summary("Built")
