"""load.py: YAML with line marks, front matter, encodings."""

from pathlib import Path

from explainer.load import LocatedDict, load_markdown, load_yaml, parse_yaml


def parse(text):
    return parse_yaml(text, Path("f.yaml"))


def test_values_remember_their_line_and_column():
    data, problems = parse("id: x\ncitations:\n  - source: s\n    quote: q\n")
    assert problems == []
    assert isinstance(data, LocatedDict)
    assert (data.location_of("id").line, data.location_of("id").col) == (1, 5)
    citation = data["citations"][0]
    assert (citation.location_of("quote").line, citation.location_of("quote").col) == (4, 12)
    assert data["citations"].location_of(0).line == 3


def test_dates_stay_text_so_partial_dates_work():
    data, _ = parse("a: 2021-04-02\nb: 2021-04\n")
    assert data == {"a": "2021-04-02", "b": "2021-04"}


def test_duplicate_keys_are_errors_not_silent_overwrites():
    data, problems = parse("id: a\nid: b\n")
    assert [p.format(False) for p in problems] == [
        "f.yaml:2:1: error: duplicate key 'id' (first set at line 1); remove one of them"]
    assert data["id"] == "a"


def test_aliases_are_refused():
    _, problems = parse("a: &x [1, 2]\nb: *x\n")
    assert "anchors and aliases" in problems[0].message


def test_python_tags_are_refused():
    _, problems = parse("a: !!python/object/apply:os.system [ls]\n")
    assert problems[0].format(False).startswith("f.yaml:1:4: error: tag '!!python/object/apply:os.system' is not allowed")


def test_tab_indentation_is_explained():
    _, problems = parse("a:\n\t- b\n")
    assert problems[0].format(False) == "f.yaml:2:1: error: tab character: indent YAML with spaces, not tabs"


def test_bom_and_crlf_are_fine(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: x\r\nname: y\r\n")
    data, problems = load_yaml(path)
    assert problems == [] and data == {"id": "x", "name": "y"}
    assert data.location_of("name").line == 2


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"id: x\nname: caf\xe9\n")
    _, problems = load_yaml(path)
    assert problems[0].location.line == 2 and problems[0].location.col == 10
    assert "not valid UTF-8" in problems[0].message


def test_front_matter_lines_are_counted_in_the_file(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: T\nslug: [\n---\nbody\n")
    loaded, problems = load_markdown(path)
    assert problems[0].location.line in (3, 4)


def test_unterminated_front_matter(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: T\n\nbody\n")
    loaded, problems = load_markdown(path)
    assert loaded is None
    assert problems[0].format(False).endswith("front matter is not closed: add a line '---' after the fields")


def test_body_first_line(tmp_path):
    path = tmp_path / "p.md"
    path.write_text("---\ntitle: T\n---\nbody\n")
    loaded, problems = load_markdown(path)
    assert problems == [] and loaded.body_first_line == 4 and loaded.body.startswith("body")


def test_nesting_deeper_than_libyaml_allows_is_reported_where_it_passes_the_limit(monkeypatch):
    """PyYAML 6.0.4's libyaml stops at 1,000 levels with its own error, before the parser reaches
    level 33: the pure-Python parser then finds the place, the same as libyaml does below its limit."""
    import yaml
    from explainer import load

    text = "- id: deep\n  statement: " + "[" * 2000 + "]" * 2000 + "\n"
    real = yaml.parse

    def libyaml_limit(stream, Loader):  # what PyYAML 6.0.4 and later do, whichever is installed
        if Loader is not yaml.SafeLoader:
            raise yaml.MarkedYAMLError("while increasing flow level", None, load._LIBYAML_TOO_DEEP, None)
        return real(stream, Loader=Loader)

    expected = load._too_deep_at(text, yaml.SafeLoader)
    if load._BaseLoader is not yaml.SafeLoader:  # libyaml, where installed, agrees on the place
        shallow = "- id: deep\n  statement: " + "[" * 100 + "]" * 100 + "\n"
        assert load._too_deep_at(shallow, load._BaseLoader) == load._too_deep_at(shallow, yaml.SafeLoader)
    monkeypatch.setattr(yaml, "parse", libyaml_limit)
    _, problems = parse(text)
    assert expected == (2, 44)
    assert [(p.location.line, p.location.col) for p in problems] == [expected]
    assert "nests more than 32 levels" in problems[0].message
