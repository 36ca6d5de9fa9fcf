"""The command line, run as writers run it: exit codes, messages, help, scaffolding."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PAGE_MD, REPO, snapshot_paper


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_build_is_the_default_command(make_project):
    project = make_project()
    done = run("--project", str(project))
    assert done.returncode == 0, done.stderr
    assert (project / "site/index.html").exists()
    assert "Built 1 pages, 2 facts, 1 sources, 1 actors in" in done.stderr


def test_python_m_explainer_behaves_the_same(make_project):
    project = make_project()
    done = subprocess.run([sys.executable, "-m", "explainer", "build", "--out", "out"], cwd=project,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert (project / "out/index.html").exists()


def test_content_errors_exit_1_with_locations_and_no_traceback(make_project):
    project = make_project({"content/pages/index.md": PAGE_MD.replace("[@sky-blue].", "[@sky-blu].")})
    done = run("build", "--project", str(project), cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "content/pages/index.md:8:20: error: unknown fact 'sky-blu' (did you mean 'sky-blue'?)" in done.stderr
    assert "Built nothing: 1 error" in done.stderr
    assert not (project / "site").exists()


def test_usage_errors_exit_2(make_project, tmp_path):
    assert run("build", "--no-such-flag").returncode == 2
    done = run("build", "--project", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "no content/ folder" in done.stderr


@pytest.mark.parametrize("command", ["build", "check", "lock-snapshots", "new"])
def test_every_command_has_help(command):
    done = run(command, "--help")
    assert done.returncode == 0 and "--project" in done.stdout


def test_top_level_help_lists_the_commands():
    done = run("--help")
    assert done.returncode == 0
    for command in ("build", "check", "lock-snapshots", "new"):
        assert command in done.stdout


def test_check_writes_nothing(make_project):
    project = make_project()
    done = run("check", "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert "Checked 1 pages, 2 facts" in done.stderr
    assert not (project / "site").exists()


def test_build_base_url_and_out(make_project, tmp_path):
    project = make_project()
    done = run("build", "--project", str(project), "--out", str(tmp_path / "public"), "--base-url", "https://news.example/x/")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "public/index.html").read_text()
    assert '<link rel="canonical" href="https://news.example/x/">' in html
    # Without a trailing slash the URL still names the folder.
    done = run("build", "--project", str(project), "--out", str(tmp_path / "public"), "--base-url", "https://news.example/y")
    assert done.returncode == 0, done.stderr
    assert '<link rel="canonical" href="https://news.example/y/">' in (tmp_path / "public/index.html").read_text()


@pytest.mark.parametrize("bad", ["news.example/x/", "ftp://news.example/", "https://news.example/x/?a=1", "https:///x"])
def test_base_url_must_be_an_absolute_http_url(make_project, bad):
    project = make_project()
    done = run("build", "--project", str(project), "--base-url", bad)
    assert done.returncode == 2
    assert f"argument --base-url: not an absolute http(s) URL of a folder: '{bad}'" in done.stderr
    assert not (project / "site").exists()


@pytest.mark.parametrize("kind, path", [("fact", "content/facts/new-fact.yaml"), ("source", "content/sources/new-fact.yaml"),
                                        ("actor", "content/actors/new-fact.yaml"), ("page", "content/pages/new-fact.md")])
def test_new_scaffolds_every_required_field(make_project, kind, path):
    project = make_project()
    done = run("new", kind, "new-fact", "--project", str(project))
    assert done.returncode == 0, done.stderr
    created = project / path
    text = created.read_text()
    assert "yaml-language-server: $schema=" in text
    schema = text.split("$schema=")[1].split()[0]
    assert (created.parent / schema).resolve().exists()
    # The placeholders are reported until a writer fills them in (pages start as drafts).
    check = run("check", "--project", str(project))
    if kind == "page":
        assert check.returncode == 0
        assert "draft: true" in text
    else:
        assert check.returncode == 1 and path in check.stderr


def test_new_never_overwrites(make_project):
    project = make_project()
    original = (project / "content/actors/alice.yaml").read_text()
    done = run("new", "actor", "alice", "--project", str(project))
    assert done.returncode == 1 and "already exists" in done.stderr
    assert (project / "content/actors/alice.yaml").read_text() == original
    done = run("new", "fact", "sky-blue", "--project", str(project))
    assert done.returncode == 1 and "'sky-blue' is already used at" in done.stderr
    assert not (project / "content/facts/sky-blue.yaml").exists()


def test_new_rejects_bad_ids(make_project):
    done = run("new", "fact", "Bad Id", "--project", str(make_project()))
    assert done.returncode == 2 and "not a valid id" in done.stderr


def test_the_repository_content_builds_and_checks():
    done = run("check", "--project", str(REPO))
    assert done.returncode == 0, done.stderr
    snapshots = REPO.parent / "shared" / "sources"
    if snapshots.is_dir():
        done = run("check", "--project", str(REPO), "--snapshots", str(snapshots))
        assert done.returncode == 0, done.stderr


def project_with_snapshot(make_project, tmp_path, text: str):
    """A project whose source names the snapshot paper.txt, and the folder that holds it."""
    project = make_project()
    return project, snapshot_paper(project, tmp_path / "snapshots", text)


def test_lock_snapshots_verifies_then_writes_the_lock(make_project, tmp_path):
    project, snapshots = project_with_snapshot(make_project, tmp_path,
                                               "The sky was blue. It will rain, Alice said. Alice is the mayor.")
    done = run("check", "--project", str(project), "--snapshots", str(snapshots), cwd=project)
    assert done.returncode == 1 and "has no entry in content/snapshots.lock" in done.stderr
    done = run("lock-snapshots", "--project", str(project), "--snapshots", str(snapshots), cwd=project)
    assert done.returncode == 0, done.stderr
    assert "Locked 1 snapshot (1 new) in content/snapshots.lock" in done.stderr
    assert run("check", "--project", str(project), "--snapshots", str(snapshots)).returncode == 0
    assert run("build", "--project", str(project), "--snapshots", str(snapshots)).returncode == 0


def test_lock_snapshots_writes_nothing_when_a_quote_fails(make_project, tmp_path):
    project, snapshots = project_with_snapshot(make_project, tmp_path, "The sky was blue. Alice is the mayor.")
    done = run("lock-snapshots", "--project", str(project), "--snapshots", str(snapshots), cwd=project)
    assert done.returncode == 1
    assert "content/facts/weather.yaml:17:14: error: quote not found in snapshot 'paper.txt'" in done.stderr
    assert "Locked nothing: 1 error (1 pages, 2 facts" in done.stderr
    assert not (project / "content/snapshots.lock").exists()
    assert run("lock-snapshots", "--project", str(project)).returncode == 2  # --snapshots is required
