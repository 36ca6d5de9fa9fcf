"""Rendering in forked worker processes: same bytes and same diagnostics as one process."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explainer.cache import cached_build
from explainer.options import BuildOptions
from explainer.pipeline import build_site
from conftest import REPO, assert_same_tree, bilingual_files, build, messages
from explainer import content, parallel, pipeline, render, search
from explainer.parallel import map_in_processes

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="this platform cannot fork worker processes")


def pid_of(item: int) -> tuple[int, int]:
    return item, os.getpid()


def many_pages(count: int) -> dict[str, str]:
    """Enough pages that a build has outputs to share between workers."""
    return {f"content/pages/part-{n}.md": f"---\ntitle: Part {n}\nslug: part-{n}\nsummary: S\norder: {n + 2}\n---\n"
                                          f"Part {n} says the sky was blue [@sky-blue].\n" for n in range(count)}


def test_results_come_back_in_order_from_several_processes():
    items = list(range(10 * parallel.MIN_ITEMS_PER_JOB))
    results = list(map_in_processes(pid_of, items, jobs=2))
    assert [item for item, _ in results] == items
    workers = {pid for _, pid in results}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2


def test_one_job_or_few_items_stay_in_this_process():
    assert {pid for _, pid in map_in_processes(pid_of, list(range(1000)), jobs=1)} == {os.getpid()}
    few = list(range(parallel.MIN_ITEMS_PER_JOB))
    assert {pid for _, pid in map_in_processes(pid_of, few, jobs=4)} == {os.getpid()}


def test_stopping_early_stops_the_workers():
    items = list(range(20 * parallel.MIN_ITEMS_PER_JOB))
    for item, _ in map_in_processes(pid_of, items, jobs=2):
        if item == 3:
            break
    assert parallel._task is None


def test_a_parallel_build_writes_the_same_bytes(make_project, tmp_path, monkeypatch):
    project = make_project(many_pages(3 * parallel.MIN_ITEMS_PER_JOB))
    assert build(project, out=tmp_path / "one").ok
    calls = []

    def spy(function, items, jobs):
        calls.append((len(items), jobs))
        return map_in_processes(function, items, jobs)

    monkeypatch.setattr(pipeline, "map_in_processes", spy)
    assert build(project, out=tmp_path / "three", jobs=3).ok
    assert_same_tree(tmp_path / "one", tmp_path / "three")
    [(count, jobs)] = calls
    assert jobs == 3 and count // parallel.MIN_ITEMS_PER_JOB >= 3, "enough outputs for three workers"


def test_pages_markdown_is_converted_in_the_workers(make_project, tmp_path, monkeypatch):
    """The search index needs every page's text before rendering starts: its Markdown, most of a
    build's work, is converted in the workers, once per page and edition (with the edition's label
    for heading links, so its renderer finds it), never again in the build's process or later."""
    project = make_project({**bilingual_files(), **many_pages(3 * parallel.MIN_ITEMS_PER_JOB)})
    assert build(project, out=tmp_path / "one").ok
    log = tmp_path / "conversions"
    for module in (search, render):
        def logged(page, md, facts, keep=True, convert=module.converted_body):
            if md.treeprocessors["toc"].permalink_title not in page.__dict__.get("_converted_body", {}):
                with log.open("a") as file:  # appends of one short line: whole, from any process
                    file.write(f"{os.getpid()} {page.slug}\n")
            return convert(page, md, facts, keep)
        monkeypatch.setattr(module, "converted_body", logged)
    assert build(project, out=tmp_path / "two", jobs=2).ok
    assert_same_tree(tmp_path / "one", tmp_path / "two")
    conversions = [line.split() for line in log.read_text().splitlines()]
    pages = 1 + 3 * parallel.MIN_ITEMS_PER_JOB
    assert len(conversions) == 2 * pages  # every page in both editions (untranslated ones show the English text)
    assert len({slug for _, slug in conversions}) == pages
    workers = {int(pid) for pid, _ in conversions}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2


@pytest.mark.parametrize("cached", [False, True])
def test_content_files_are_read_in_the_workers(make_project, tmp_path, monkeypatch, cached):
    """A parallel build (and the first one through the build cache) parses every file of pages and
    facts in the workers, and the build's process never reads one of them again."""
    project = make_project(many_pages(3 * parallel.MIN_ITEMS_PER_JOB))
    assert build(project, out=tmp_path / "one").ok
    log = tmp_path / "loads"
    for name in ("load_page", "load_entries"):
        def logged(path, *args, load=getattr(content, name)):
            with log.open("a") as file:
                file.write(f"{os.getpid()} {path.name}\n")
            return load(path, *args)
        monkeypatch.setattr(content, name, logged)
    options = BuildOptions(project, out=tmp_path / "two")
    result = cached_build(options, 2) if cached else build_site(options, 2)
    assert result.ok
    assert_same_tree(tmp_path / "one", tmp_path / "two")
    loads = [line.split() for line in log.read_text().splitlines()]
    assert sorted(name for _, name in loads) == sorted(["weather.yaml", "paper.yaml", "alice.yaml", "index.md",
                                                        *(f"part-{n}.md" for n in range(3 * parallel.MIN_ITEMS_PER_JOB))])
    assert os.getpid() not in {int(pid) for pid, _ in loads}


def test_a_parallel_build_reports_the_same_errors(make_project):
    project = make_project(many_pages(150))
    # A name the fact template does not have: every fact page fails, everything else renders.
    template = project / "templates/fact.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<h1>", "<h1>{{ no_such_name }}", 1))
    one, two = build(project, jobs=1), build(project, jobs=2)
    assert messages(one) == messages(two)
    assert len(messages(one)) == 2  # sky-blue and alice-says-rain
    # A template that does not compile stops the build at the first output that needs it.
    template.write_text("{% if %}")
    one, two = build(project, jobs=1), build(project, jobs=2)
    assert messages(one) == messages(two) and len(messages(one)) == 1
    assert not (project / "site").exists()


WORKERS_THAT_WAIT = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from explainer import parallel

def wait(item):
    with open(os.path.join(sys.argv[2], str(os.getpid())), "w"):
        pass
    time.sleep(60)
    return item

list(parallel.map_in_processes(wait, range(4 * parallel.MIN_ITEMS_PER_JOB), 2))
"""


def test_workers_end_when_the_build_is_killed(tmp_path):
    """SIGKILL on a build must not leave workers behind, waiting for work or writing files."""
    pids = tmp_path / "pids"
    pids.mkdir()
    build = subprocess.Popen([sys.executable, "-c", WORKERS_THAT_WAIT, str(REPO), str(pids)])
    try:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2, "both workers started"
    finally:
        build.kill()
        build.wait(timeout=60)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the killed build"


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
