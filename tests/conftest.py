"""Fixtures that build tiny projects in tmp_path, with the repository's own templates."""

from __future__ import annotations

import filecmp
import gc
import json
import shutil
import signal
import textwrap
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from explainer.pipeline import BuildOptions, BuildResult, build_site, check_site, lock_snapshots

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Let `build.py serve` under test hear Ctrl-C however the suite was started.

    A shell starts background commands (`cmd &`, nohup) with SIGINT ignored, and every child
    inherits that: the servers the tests stop with SIGINT would then never stop.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

SITE_YAML = """\
title: Test explainer
description: A tiny explainer for tests.
language: en
base_url: https://example.org/
publisher: Test newsroom
license: CC BY 4.0
"""

SOURCE_YAML = """\
id: paper
title: A newspaper article
publisher: The Paper
published: "2022-11-28"
url: https://example.com/article
accessed: "2026-11-01"
kind: news
"""

ACTOR_YAML = """\
id: alice
name: Alice Example
role: Mayor
description: The mayor of Example Town.
citations:
  - source: paper
    quote: Alice is the mayor.
"""

FACTS_YAML = """\
- id: sky-blue
  statement: The sky was blue on Tuesday.
  kind: fact
  date: "2022-11-01"
  topics: [weather]
  citations:
    - source: paper
      quote: The sky was blue.
- id: alice-says-rain
  statement: Alice said it would rain.
  kind: claim
  by: alice
  date: "2022-11-02"
  topics: [weather]
  citations:
    - source: paper
      quote: It will rain, Alice said.
"""

PAGE_MD = """\
---
title: Home
slug: index
summary: The home page.
order: 1
---

The sky was blue [@sky-blue]. Alice disagreed [@alice-says-rain; @sky-blue].
"""


# A Spanish edition of the base project: the home page and one fact translated, the rest not.
SPANISH_SITE_YAML = """\
title: Explicador de prueba
description: Un explicador pequeño para las pruebas.
"""

SPANISH_FACTS_YAML = """\
- id: sky-blue
  statement: El cielo estaba azul el martes.
"""

SPANISH_PAGE_MD = """\
---
title: Inicio
slug: index
summary: La portada.
---

El cielo estaba azul [@sky-blue]. Alice no estuvo de acuerdo [@alice-says-rain; @sky-blue].
"""


def bilingual_files() -> dict[str, str]:
    """The base files with a Spanish edition declared and partly translated (content/es/)."""
    return {
        "content/site.yaml": SITE_YAML + "translations: [es]\n",
        "content/es/site.yaml": SPANISH_SITE_YAML,
        "content/es/facts/weather.yaml": SPANISH_FACTS_YAML,
        "content/es/pages/index.md": SPANISH_PAGE_MD,
    }


def base_files() -> dict[str, str]:
    return {
        "content/site.yaml": SITE_YAML,
        "content/sources/paper.yaml": SOURCE_YAML,
        "content/actors/alice.yaml": ACTOR_YAML,
        "content/facts/weather.yaml": FACTS_YAML,
        "content/pages/index.md": PAGE_MD,
    }


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """Write a project into tmp_path: the base files, overridden or removed (None) by `files`."""

    def make(files: dict[str, str | None] | None = None, base: bool = True, name: str = "project") -> Path:
        root = tmp_path / name
        shutil.copytree(REPO / "templates", root / "templates")
        shutil.copytree(REPO / "static", root / "static")
        merged: dict[str, str | None] = base_files() if base else {}
        merged.update(files or {})
        for relative, text in merged.items():
            if text is None:
                continue
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return root

    return make


def assert_same_tree(left: Path, right: Path) -> None:
    """Same files, same folders, same bytes."""
    def listing(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() + ("/" if p.is_dir() else "") for p in root.rglob("*"))
    assert listing(left) == listing(right)
    for relative in listing(left):
        if not relative.endswith("/"):
            assert filecmp.cmp(left / relative, right / relative, shallow=False), f"{relative} differs"


def build(project: Path, jobs: int = 1, **options) -> BuildResult:
    return build_site(BuildOptions(project, **options), jobs)


@pytest.fixture(autouse=True)
def nothing_left_frozen() -> Iterator[None]:
    """A preview freezes the objects alive after each build (explainer/heap.py) and hands them back
    when it stops; a test that builds through a PreviewServer without stopping it must not leave
    the rest of the run frozen."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    assert gc.get_threshold() == threshold, "a rebuild left the collector's threshold raised (Heap.rebuilding)"


PAPER_QUOTES = "The sky was blue. It will rain, Alice said. Alice is the mayor.\n"  # every quote cited from paper


def snapshot_paper(project: Path, folder: Path, text: str = PAPER_QUOTES) -> Path:
    """Give the project's source `paper` the snapshot paper.txt, written into `folder` (returned) with `text`."""
    folder.mkdir(exist_ok=True)
    (folder / "paper.txt").write_text(text)
    source = project / "content/sources/paper.yaml"
    source.write_text(source.read_text(encoding="utf-8") + "snapshot: paper.txt\n", encoding="utf-8")
    return folder


def check(project: Path, **options) -> BuildResult:
    return check_site(BuildOptions(project, **options))


def lock(project: Path, snapshots: Path, today: str = "2026-01-02") -> str:
    """Verify the quotes and lock the snapshots, as `build.py lock-snapshots` does; return what changed."""
    result, update = lock_snapshots(BuildOptions(project, snapshots=snapshots), today)
    assert update is not None, [d.format() for d in result.diagnostics]
    return update


def messages(result: BuildResult, severity: str = "error", project: Path | None = None) -> list[str]:
    """Diagnostics as `relative/path:line:col: severity: message`, paths relative to the project."""
    project = project or (result.site.project if result.site else None)
    out = []
    for d in result.diagnostics:
        if d.severity != severity:
            continue
        path = d.location.path
        if project is not None:
            try:
                path = path.relative_to(project)
            except ValueError:
                pass
        out.append(f"{path.as_posix()}:{d.location.line}:{d.location.col}: {d.severity}: {d.message}")
    return out


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The repository's own content, built once per session as `build.py build --out DIR` does.

    It is placed under its base_url's path (www/explainer/), where 404.html's links from the
    site's root expect it."""
    root = tmp_path_factory.mktemp("real")
    result = build_site(BuildOptions(REPO, out=root / "built"))
    assert result.ok, messages(result, project=REPO)
    site = root.joinpath("www", *urlsplit(result.site.config.base_url).path.split("/"))
    site.parent.mkdir(parents=True, exist_ok=True)
    (root / "built").rename(site)
    return site


@pytest.fixture(scope="session")
def real_site_url(real_site: Path) -> Iterator[str]:
    """The real site served over HTTP on 127.0.0.1 for the whole session, at its base path."""
    www = next(folder for folder in [real_site, *real_site.parents] if folder.name == "www")
    path = real_site.relative_to(www).as_posix()
    with static_server(www) as base:
        yield base if path == "." else f"{base}{path}/"


# Browser and HTTP fixtures live in browser_support.py; re-exported here for every test file.
from browser_support import chromium, page, static_server  # noqa: E402,F401


def search_index(static: Path, language: str = "") -> dict:
    """An edition's search index as search.js puts it together: every part's documents, in order."""
    stem = "search-index" + (f"-{language}" if language else "")
    parts = {}
    for path in static.glob(f"{stem}.*.*.js"):
        script = path.read_text(encoding="ascii")
        prefix = "window.explainerSearchParts = window.explainerSearchParts || {};\n"
        assert script.startswith(prefix) and script.endswith(";\n"), path
        number, _, data = script[len(prefix):-2].removeprefix("window.explainerSearchParts[").partition("] = ")
        parts[int(number)] = json.loads(data)
    assert parts and sorted(parts) == list(range(len(parts))), sorted(parts)
    assert all(part["part"] == n and part["parts"] == len(parts) for n, part in parts.items())
    return {"version": parts[0]["version"], "documents": [d for n in sorted(parts) for d in parts[n]["documents"]]}
