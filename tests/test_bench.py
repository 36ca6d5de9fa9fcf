"""bench/run.py --quick runs, and the site it builds through the cache is the site a normal build makes.

No timing is checked here: the benchmark prints figures, tests check behaviour.
"""

import subprocess
import sys

from conftest import REPO, assert_same_tree
from explainer.pipeline import BuildOptions, build_site


def test_the_quick_benchmark_runs_and_its_site_equals_a_normal_build(tmp_path):
    kept = tmp_path / "bench"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--keep", str(kept)],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout + done.stderr
    for row in ("floor: Markdown + trivial template", "full build, 1 process, --no-cache", "no-change rebuild (cache)",
                "one-fact edit, new process (cache)", "one-page edit", "one-template edit", "in the preview's engine",
                "output check: the cached site equals a fresh --no-cache build; the preview engine's equals it too"):
        assert row in done.stdout, done.stdout
    normal = build_site(BuildOptions(kept / "project-40", out=tmp_path / "normal"))
    assert normal.ok
    assert_same_tree(kept / "site-40", tmp_path / "normal")
    assert_same_tree(kept / "preview-40", tmp_path / "normal")
