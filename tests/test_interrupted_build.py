"""A build killed at any moment (SIGKILL while writing) leaves site/ old or new, never a mix.

The build writes into a staging folder beside site/ and swaps it in with one
renameat2(RENAME_EXCHANGE). Here the real command line builds a project big enough that
writing takes a while, and is killed at points spread over its writing: once its staging
folder holds 0%, 10%, ... 100% of the new site's files, and once site/ has been swapped.
To land each kill where it is meant to whatever the machine's speed or load, the build is
run in small steps (SIGCONT, a moment, SIGSTOP) while its staging folder is counted, and
the SIGKILL comes while it is stopped mid-write. After each kill site/ must be byte for
byte the old site or the new one, and the next build must succeed and remove the staging
folder the killed build left behind.
Run with `-o log_cli=true --log-cli-level=INFO` to see where each kill landed.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO
from test_corpus import tree_digest

log = logging.getLogger(__name__)

FACT_COUNT = 120
KILL_POINTS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0, "swapped")  # shares of the new site's files written
STEP_SECONDS = 0.0005
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


def files_written(project: Path) -> int:
    """Files in the build's staging folder so far (0 once it has been swapped in and removed)."""
    return sum(len(names) for folder in staging_folders(project) for _, _, names in os.walk(folder))


def wait_for_staging(project: Path, process: subprocess.Popen) -> bool:
    """Wait until the build starts writing (its staging folder appears); False if it ended first."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if staging_folders(project):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.001)
    raise TimeoutError("the build never started writing")


def wait_stopped(process: subprocess.Popen) -> None:
    """Wait until the build is really stopped (state T in /proc), not merely sent SIGSTOP."""
    stat = Path(f"/proc/{process.pid}/stat")
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return  # it has ended
        if state in ("T", "t", "Z", "X"):
            return
        time.sleep(0.0001)
    raise TimeoutError("the build did not stop")


def kill_at(project: Path, process: subprocess.Popen, point: float | str, total: int) -> str:
    """Step the build until it reaches `point`, SIGKILL it there; say where it was."""
    if not wait_for_staging(project, process):
        return "finished before writing"
    site_inode = (project / "site").stat().st_ino
    while True:
        process.send_signal(signal.SIGSTOP)
        wait_stopped(process)  # looking before the stop lands could miss a swap made meanwhile
        swapped = (project / "site").stat().st_ino != site_inode
        written = files_written(project)
        if process.poll() is not None:
            return "finished"
        if (point == "swapped" and swapped) or (point != "swapped" and (swapped or written >= point * total)):
            process.kill()  # SIGKILL, while it is stopped in the middle of its work
            return "killed after the swap" if swapped else f"killed with {written} of {total} files written"
        process.send_signal(signal.SIGCONT)
        time.sleep(STEP_SECONDS)


def test_a_killed_build_leaves_the_old_or_the_new_site(make_project, tmp_path: Path):
    project = make_project({"content/facts/bulk.yaml": bulk_facts("version one"), "content/pages/bulk.md": BULK_PAGE})
    assert subprocess.run(build_command(project), capture_output=True, timeout=TIMEOUT_SECONDS).returncode == 0
    old = tree_digest(project / "site")
    old_copy = tmp_path / "old-site"
    shutil.copytree(project / "site", old_copy)

    (project / "content/facts/bulk.yaml").write_text(bulk_facts("version two"), encoding="utf-8")
    assert subprocess.run(build_command(project), capture_output=True, timeout=TIMEOUT_SECONDS).returncode == 0
    new = tree_digest(project / "site")
    changed = sorted(path for path in new if old.get(path) != new[path])
    assert len(changed) >= FACT_COUNT and len(new) > FACT_COUNT

    outcomes = []
    for point in KILL_POINTS:
        shutil.rmtree(project / "site")
        shutil.copytree(old_copy, project / "site")
        process = subprocess.Popen(build_command(project), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            where = kill_at(project, process, point, len(new))
        finally:
            process.kill()
            process.wait(timeout=TIMEOUT_SECONDS)
        digest = tree_digest(project / "site")
        state = "old" if digest == old else "new" if digest == new else "MIXED"
        left = len(staging_folders(project))
        outcomes.append((point, where, state, left))
        log.info("kill point %s: %s; site/ is the %s site, %d staging folder(s) left", point, where, state, left)
        assert state != "MIXED", f"site/ is neither the old nor the new build after a kill at {point}: {where}"
        assert state == ("new" if "after the swap" in where else "old"), (point, where, state)

        recovery = subprocess.run(build_command(project), capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        assert recovery.returncode == 0, recovery.stderr
        assert tree_digest(project / "site") == new
        assert staging_folders(project) == [], "the next build removes the staging folder a killed build left"

    log.info("outcomes (point, where, site, staging folders left): %s", outcomes)
    # The test means something only if the kills really landed while the build was writing.
    killed_while_writing = [o for o in outcomes if o[1].startswith("killed") and "after the swap" not in o[1]]
    assert len(killed_while_writing) >= 5, outcomes
    assert any("after the swap" in o[1] for o in outcomes), outcomes
