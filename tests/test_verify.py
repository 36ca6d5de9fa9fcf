"""verify.py: quotes against snapshots, snapshots against the lock, and each citation's status."""

import hashlib
import json

import pytest

from conftest import FACTS_YAML, SOURCE_YAML, check, lock, messages
from explainer.verify import NO_SNAPSHOT, UNCHECKED, VERIFIED

SNAPSHOT_TEXT = ("<p>The sky was&nbsp;blue.</p> <p>“It will rain,” Alice said &mdash; twice.</p>\n"
                 "<p>Alice is the mayor.</p> <p>Then it rained.</p>")
FACTS_WITH_DASH = FACTS_YAML.replace("quote: It will rain, Alice said.", "quote: '\"It will rain,\" Alice said - twice'")
SNAPSHOT_SOURCE = SOURCE_YAML + "snapshot: paper.txt\n"


@pytest.fixture
def snapshots(tmp_path):
    folder = tmp_path / "snapshots"
    folder.mkdir()
    (folder / "paper.txt").write_text(SNAPSHOT_TEXT, encoding="utf-8")
    return folder


def snapshot_project(make_project, facts=FACTS_WITH_DASH, name="project", **files):
    return make_project({"content/sources/paper.yaml": SNAPSHOT_SOURCE, "content/facts/weather.yaml": facts,
                         **files}, name=name)


def test_quotes_are_verified_against_locked_snapshots(make_project, snapshots):
    project = snapshot_project(make_project)
    assert lock(project, snapshots) == "1 snapshot (1 new)"
    result = check(project, snapshots=snapshots)
    assert result.ok, messages(result)
    sha = hashlib.sha256(SNAPSHOT_TEXT.encode("utf-8")).hexdigest()
    statuses = {(c.status, c.snapshot, c.sha256, c.locked) for c in result.verification.checks.values()}
    assert statuses == {(VERIFIED, "paper.txt", sha, "2026-01-02")}
    assert len(result.verification.checks) == 3  # two facts and one actor


def test_a_quote_missing_from_its_snapshot(make_project, snapshots):
    good = snapshot_project(make_project)
    lock(good, snapshots)
    bad = snapshot_project(make_project, FACTS_WITH_DASH.replace("quote: The sky was blue.", "quote: The sky was green."),
                           name="bad", **{"content/snapshots.lock": (good / "content/snapshots.lock").read_text()})
    assert messages(check(bad, snapshots=snapshots)) == [
        "content/facts/weather.yaml:8:14: error: quote not found in snapshot 'paper.txt' of source "
        "'paper'; the closest passage is: \"The sky was blue.\""]


def test_quote_with_a_cut(make_project, snapshots):
    project = snapshot_project(make_project, FACTS_WITH_DASH.replace("quote: The sky was blue.",
                                                                      "quote: The sky was blue ... it rained."))
    lock(project, snapshots)
    assert check(project, snapshots=snapshots).ok
    wrong_order = FACTS_WITH_DASH.replace("quote: The sky was blue.", "quote: it rained ... The sky was blue.")
    project = snapshot_project(make_project, wrong_order, name="other",
                               **{"content/snapshots.lock": (project / "content/snapshots.lock").read_text()})
    assert not check(project, snapshots=snapshots).ok


def test_missing_snapshot_file(make_project, tmp_path):
    project = make_project({"content/sources/paper.yaml": SOURCE_YAML + "snapshot: gone.txt\n"})
    assert messages(check(project, snapshots=tmp_path)) == [
        f"content/sources/paper.yaml:8:11: error: snapshot 'gone.txt' not found in {tmp_path}"]


def test_a_snapshot_without_a_lock_entry(make_project, snapshots):
    project = snapshot_project(make_project)
    assert messages(check(project, snapshots=snapshots)) == [
        "content/sources/paper.yaml:8:11: error: snapshot 'paper.txt' has no entry in content/snapshots.lock: "
        f"once its quotes check out, lock it with `python build.py lock-snapshots --snapshots {snapshots}`"]


def test_a_snapshot_that_differs_from_its_lock_entry(make_project, snapshots):
    project = snapshot_project(make_project)
    lock(project, snapshots)
    old = hashlib.sha256(SNAPSHOT_TEXT.encode("utf-8")).hexdigest()
    changed = SNAPSHOT_TEXT + "\n<p>A paragraph added later.</p>"
    (snapshots / "paper.txt").write_text(changed, encoding="utf-8")
    new = hashlib.sha256(changed.encode("utf-8")).hexdigest()
    result = check(project, snapshots=snapshots)
    assert messages(result) == [
        f"content/snapshots.lock:7:17: error: snapshot 'paper.txt' differs from the one locked on 2026-01-02: "
        f"its SHA-256 is {new[:12]}…, the lock says {old[:12]}…; check its quotes against the new text, "
        f"then run `python build.py lock-snapshots --snapshots {snapshots}`"]
    assert '"sha256": "' in (project / "content/snapshots.lock").read_text().splitlines()[6]
    # Locking again accepts the new text, dated the day it was locked.
    assert lock(project, snapshots, today="2026-02-03") == "1 snapshot (1 changed)"
    entry = json.loads((project / "content/snapshots.lock").read_text())["snapshots"]["paper.txt"]
    assert entry == {"sha256": new, "locked": "2026-02-03"}
    assert check(project, snapshots=snapshots).ok


def test_a_lock_entry_no_source_uses_is_a_warning(make_project, snapshots):
    project = snapshot_project(make_project)
    lock(project, snapshots)
    source = SOURCE_YAML  # the source no longer names its snapshot
    project = make_project({"content/facts/weather.yaml": FACTS_WITH_DASH, "content/sources/paper.yaml": source,
                            "content/snapshots.lock": (project / "content/snapshots.lock").read_text()}, name="p2")
    result = check(project, snapshots=snapshots)
    assert result.ok
    assert messages(result, "warning") == [
        "content/snapshots.lock:7:17: warning: locked snapshot 'paper.txt' is not the snapshot of any source; "
        "`lock-snapshots` removes its entry"]
    assert lock(project, snapshots) == "0 snapshots (1 removed)"


def test_a_broken_lock_file(make_project, snapshots):
    broken = '{"format": "explainer-snapshots-lock", "version": 1,\n "snapshots": {"paper.txt": {"sha256": "abc"}}}\n'
    project = snapshot_project(make_project, **{"content/snapshots.lock": broken})
    assert messages(check(project, snapshots=snapshots)) == [
        "content/snapshots.lock:2:29: error: missing required field 'locked'",
        "content/snapshots.lock:2:40: error: 'sha256' is not valid: 'abc'; expected the SHA-256 of the snapshot "
        "file's bytes, in lowercase hex"]


def test_statuses_without_snapshots(make_project):
    project = make_project({"content/sources/other.yaml": SOURCE_YAML.replace("id: paper", "id: other")
                            + "snapshot: other.txt\n",
                            "content/facts/weather.yaml": FACTS_YAML.replace(
                                "source: paper\n      quote: The sky", "source: other\n      quote: The sky")})
    result = check(project)
    assert result.ok
    by_source = {c.source: result.verification.of(c).status for c in result.verification.checks}
    assert by_source == {"other": UNCHECKED, "paper": NO_SNAPSHOT}


# ---------------------------------------------------------------- snapshots named in site.yaml

def configured_project(make_project, folder: str, name: str = "project"):
    from conftest import SITE_YAML
    return snapshot_project(make_project, name=name, **{"content/site.yaml": SITE_YAML + f"snapshots: {folder}\n"})


def test_site_yaml_names_the_snapshots_a_plain_build_verifies_against(make_project, snapshots, capsys):
    from explainer.cli import main
    project = configured_project(make_project, "../snapshots")
    assert main(["lock-snapshots", "--project", str(project)]) == 0
    assert main(["build", "--project", str(project)]) == 0
    page = (project / "site/facts/sky-blue/index.html").read_text(encoding="utf-8")
    assert "verification-verified" in page and "verification-unchecked" not in page
    assert "warning" not in capsys.readouterr().err


def test_a_configured_snapshots_folder_that_is_missing_is_a_warning(make_project, capsys):
    from explainer.cli import main
    project = configured_project(make_project, "../nowhere")
    assert main(["build", "--project", str(project)]) == 0
    err = capsys.readouterr().err
    assert "content/site.yaml:7:12: warning: snapshots folder '../nowhere' not found" in err
    assert "give --snapshots DIR to verify them" in err
    assert "verification-unchecked" in (project / "site/facts/sky-blue/index.html").read_text(encoding="utf-8")
    assert main(["lock-snapshots", "--project", str(project)]) == 2


def test_the_command_line_s_snapshots_win_over_site_yaml(make_project, snapshots, capsys):
    from explainer.cli import main
    project = configured_project(make_project, "../nowhere")
    assert main(["lock-snapshots", "--project", str(project), "--snapshots", str(snapshots)]) == 0
    assert main(["check", "--project", str(project), "--snapshots", str(snapshots)]) == 0
    assert "warning" not in capsys.readouterr().err
