"""A build killed at any moment (SIGKILL while writing) leaves site/ old or new, never a mix.

The build writes into a staging folder beside site/ and swaps it in with one
renameat2(RENAME_EXCHANGE). Here the real command line builds a project big enough that
writing takes a while, and is killed at points spread over its writing window; after each
kill site/ must be byte for byte the old site or the new one, and the next build must
succeed and remove the staging folder the killed build left behind.
Run with `-o log_cli=true --log-cli-level=INFO` to see where each kill landed.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO
from test_corpus import tree_digest

log = logging.getLogger(__name__)

FACT_COUNT = 120
KILL_FRACTIONS = (0.0, 0.15, 0.3, 0.5, 0.7, 0.85, 0.95, 1.05)
TIMEOUT_SECONDS = 120


def bulk_facts(version: str) -> str:
    return "".join(f"- id: fact-{i}\n  statement: Statement number {i}, {version}.\n  kind: fact\n"
                   f"  topics: [bulk]\n  citations:\n    - source: paper\n      quote: The sky was blue.\n"
                   for i in range(FACT_COUNT))


BULK_PAGE = "---\ntitle: Bulk\nslug: bulk\nsummary: Many facts.\norder: 2\n---\n\n::: facts\ntopics: [bulk]\n:::\n"


def build_command(project: Path) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "build", "--project", str(project)]


def staging_folders(project: Path) -> list[Path]:
    return sorted(project.glob(".site-build-*"))


def wait_for_staging(project: Path, process: subprocess.Popen) -> float | None:
    """When the build started writing (its staging folder appeared), or None if it ended first."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if staging_folders(project):
            return time.monotonic()
        if process.poll() is not None:
            return None
        time.sleep(0.001)
    raise TimeoutError("the build never started writing")


def build_to_completion(project: Path) -> float:
    """Build once without interruption; return how long it wrote (staging appeared -> exit)."""
    process = subprocess.Popen(build_command(project), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started_writing = wait_for_staging(project, process)
    _, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
    assert process.returncode == 0, stderr.decode()
    assert started_writing is not None, "the build finished before its staging folder was seen"
    return time.monotonic() - started_writing


def test_a_killed_build_leaves_the_old_or_the_new_site(make_project, tmp_path: Path):
    project = make_project({"content/facts/bulk.yaml": bulk_facts("version one"), "content/pages/bulk.md": BULK_PAGE})
    build_to_completion(project)
    old = tree_digest(project / "site")
    old_copy = tmp_path / "old-site"
    shutil.copytree(project / "site", old_copy)

    (project / "content/facts/bulk.yaml").write_text(bulk_facts("version two"), encoding="utf-8")
    writing_seconds = build_to_completion(project)
    new = tree_digest(project / "site")
    changed = sorted(path for path in new if old.get(path) != new[path])
    assert len(changed) >= FACT_COUNT and len(new) > FACT_COUNT

    outcomes = []
    for fraction in KILL_FRACTIONS:
        shutil.rmtree(project / "site")
        shutil.copytree(old_copy, project / "site")
        process = subprocess.Popen(build_command(project), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started_writing = wait_for_staging(project, process)
        if started_writing is not None:
            time.sleep(max(0.0, started_writing + fraction * writing_seconds - time.monotonic()))
        process.kill()
        process.wait(timeout=TIMEOUT_SECONDS)
        killed = process.returncode == -9
        digest = tree_digest(project / "site")
        state = "old" if digest == old else "new" if digest == new else "MIXED"
        left = len(staging_folders(project))
        outcomes.append((fraction, killed, state, left))
        log.info("kill at %.0f%% of the %.2f s writing window: %s, site/ is the %s site, "
                 "%d staging folder(s) left", fraction * 100, writing_seconds,
                 "killed" if killed else "had already finished", state, left)
        assert state != "MIXED", f"site/ is neither the old nor the new build after a kill at {fraction:.0%}"

        recovery = subprocess.run(build_command(project), capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        assert recovery.returncode == 0, recovery.stderr
        assert tree_digest(project / "site") == new
        assert staging_folders(project) == [], "the next build removes the staging folder a killed build left"

    killed_while_writing = [o for o in outcomes if o[1] and o[3] > 0]
    log.info("outcomes (fraction, killed, site, staging folders left): %s", outcomes)
    # The test means something only if some kills really landed while the build was writing.
    assert len(killed_while_writing) >= 3, outcomes
