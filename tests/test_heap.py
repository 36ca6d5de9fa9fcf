"""explainer/heap.py: the preview freezes what a build leaves alive and collects the rest."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path


from explainer import heap
from explainer.heap import Heap
from test_incremental import Preview, rich  # noqa: F401  (rich is a fixture)
from test_serve import WIND_PAGE, running, wait_until


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_garbage_cycles_made_by_a_build_are_collected_after_it():
    keeper = Heap()
    keeper.after_build()  # the first build: everything is collected, then frozen
    assert keeper.frozen and gc.get_freeze_count() > 0
    cycle = weakref.ref(Cycle())  # garbage a later build leaves, unreachable but for its cycle
    assert cycle() is not None
    keeper.after_build()
    assert cycle() is None


def test_a_rebuild_runs_with_fewer_automatic_collections_once_the_heap_is_frozen():
    keeper, usual = Heap(), gc.get_threshold()
    with keeper.rebuilding():  # the first build: nothing frozen yet
        assert gc.get_threshold() == usual
    keeper.after_build()
    try:
        with keeper.rebuilding():
            assert gc.get_threshold() == (heap.REBUILD_THRESHOLD, *usual[1:])
            raise RuntimeError("a rebuild that crashes")
    except RuntimeError:
        pass
    assert gc.get_threshold() == usual
    keeper.release()


def test_overlapping_rebuilds_put_the_threshold_back_once_the_last_ends():
    """Two previews in one process (or one that outlived its stop): the threshold is the process's."""
    first, second, usual = Heap(), Heap(), gc.get_threshold()
    first.after_build()
    second.after_build()
    one, other = first.rebuilding(), second.rebuilding()
    one.__enter__()
    other.__enter__()  # it must not take the raised value for the usual one
    one.__exit__(None, None, None)
    assert gc.get_threshold()[0] == heap.REBUILD_THRESHOLD
    other.__exit__(None, None, None)
    assert gc.get_threshold() == usual
    with first.rebuilding():
        gc.set_threshold(1234, *usual[1:])  # somebody else's setting is left as it is
    assert gc.get_threshold() == (1234, *usual[1:])
    gc.set_threshold(*usual)
    first.release()


def test_until_a_build_succeeds_a_rebuild_keeps_the_usual_threshold():
    keeper, usual = Heap(), gc.get_threshold()
    keeper.after_build(ok=False)  # the preview started on broken content: the next build makes everything
    with keeper.rebuilding():
        assert gc.get_threshold() == usual
    keeper.release()


def test_a_long_preview_freezes_no_more_objects_than_its_site_needs(rich):  # noqa: F811
    """What one rebuild made must be unreachable once its changes are in place (Changeset.apply drops
    its hold): frozen, it would stay until the next full collection."""
    keeper, preview = Heap(), Preview(rich)
    preview.rendered()
    keeper.after_build()
    frozen = []
    for step in range(12):
        facts = rich / "content/facts/more.yaml"
        facts.write_text(re.sub(r"The wind was [^.]*", f"The wind was strong {step}", facts.read_text()))
        rebuild = preview.step([facts])
        assert rebuild.ok
        keeper.after_build()  # as in PreviewServer.build, the rebuild's report is still held
        del rebuild
        frozen.append(gc.get_freeze_count())
    assert keeper.builds_since_collection == 12  # none of them walked everything
    assert frozen[-1] - frozen[2] < 1000, frozen  # one rebuild's garbage is several thousand objects


def test_the_preview_collects_when_idle_and_hands_everything_back_when_it_stops(make_project, monkeypatch):
    monkeypatch.setattr(heap, "IDLE_SECONDS", 0.2)
    collections: list[int] = []
    collect = Heap.collect
    monkeypatch.setattr(Heap, "collect", lambda self: (collections.append(self.builds_since_collection),
                                                       collect(self)))
    project = make_project({"content/pages/wind.md": WIND_PAGE})
    with running(project) as server:
        assert collections == [1] and server.heap.frozen  # the first build
        generation = server.hub.state.generation
        edit_page = project / "content/pages/wind.md"
        edit_page.write_text(WIND_PAGE.replace("It was windy", "It was very windy"), encoding="utf-8")
        wait_until(lambda: server.hub.state.generation > generation, what="the rebuild")
        wait_until(lambda: len(collections) == 2, timeout=5, what="the idle collection")
        assert collections == [1, 1]  # after the rebuild, not at it
        wait_until(lambda: gc.get_freeze_count() > 0, timeout=5, what="the survivors frozen again")
    assert gc.get_freeze_count() == 0 and not server.heap.frozen


def test_every_collect_every_builds_walk_everything(monkeypatch):
    monkeypatch.setattr(heap, "COLLECT_EVERY", 3)
    keeper = Heap()
    counts = []
    for _ in range(7):
        keeper.after_build()
        counts.append(keeper.builds_since_collection)
    assert counts == [0, 1, 2, 0, 1, 2, 0]


def test_an_applied_changeset_lets_its_rebuild_go(tmp_path: Path):
    from explainer.incremental import Changeset
    changes = Changeset(tmp_path / "out")
    changes.write("a.txt", b"a")
    calls = []
    changes.on_applied = lambda: calls.append("applied")
    changes.apply(tmp_path / "out")
    assert calls == ["applied"] and changes.on_applied is None
