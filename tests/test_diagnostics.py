"""How diagnostics show paths: relative to the working directory when they are under it."""

from pathlib import Path

from explainer.diagnostics import display_path


def test_a_path_under_the_working_directory_is_shown_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(tmp_path / "content" / "facts" / "a.yaml") == "content/facts/a.yaml"
    assert display_path(Path("/elsewhere/a.yaml")) == "/elsewhere/a.yaml"


def test_a_deleted_working_directory_shows_absolute_paths(tmp_path, monkeypatch):
    """A preview whose project (its working directory) was deleted must still report, not crash."""
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert display_path(tmp_path / "content" / "a.yaml") == str(tmp_path / "content" / "a.yaml")
