"""Each content kind, valid and invalid, with the exact path:line:col of every error."""

import pytest

from conftest import ACTOR_YAML, FACTS_YAML, check, messages


def test_the_base_project_is_valid(make_project):
    result = check(make_project())
    assert result.ok, result.diagnostics
    assert sorted(result.site.facts) == ["alice-says-rain", "sky-blue"]
    assert list(result.site.sources) == ["paper"] and list(result.site.actors) == ["alice"]
    assert [p.slug for p in result.site.pages] == ["index"]


def test_a_file_may_hold_one_fact_or_a_list(make_project):
    project = make_project({"content/facts/single.yaml": """\
id: single
statement: One fact alone.
kind: law
citations:
  - source: paper
    quote: One.
""", "content/pages/index.md": "---\ntitle: H\nslug: index\nsummary: S\norder: 1\n---\n[@single] [@sky-blue] [@alice-says-rain]\n"})
    result = check(project)
    assert result.ok, messages(result)
    assert result.site.facts["single"].kind == "law"


@pytest.mark.parametrize("text, expected", [
    ("- id: Bad_Id\n  statement: S\n  kind: fact\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:1:7: error: 'id' is not valid: 'Bad_Id'; expected kebab-case"),
    ("- id: x\n  kind: fact\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:1:3: error: missing required field 'statement'"),
    ("- id: x\n  statement: S\n  kind: opinion\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:3:9: error: 'kind' must be one of fact, claim, denial, quote, law, ruling; got 'opinion'"),
    ("- id: x\n  statement: S\n  kind: claim\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:1:3: error: missing required field 'by': a claim, denial or quote must say who asserts it"),
    ("- id: x\n  statement: S\n  kind: fact\n  citations: []\n",
     "content/facts/weather.yaml:4:14: error: 'citations' needs at least one citation with a source and a verbatim quote"),
    ("- id: x\n  statement: S\n  kind: fact\n  citations:\n    - source: paper\n",
     "content/facts/weather.yaml:5:7: error: missing required field 'quote'"),
    ("- id: x\n  statment: S\n  kind: fact\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:2:3: error: unknown field 'statment' (did you mean 'statement'?)"),
    ("- id: x\n  statement: S\n  kind: fact\n  date: April 2021\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:4:9: error: 'date' is not valid: 'April 2021'; expected an ISO date"),
    ("- id: x\n  statement: S\n  kind: fact\n  date: 2021-02-30\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:4:9: error: 'date' is not a real date: '2021-02-30'"),
    ("- id: x\n  statement: S\n  kind: fact\n  topics: weather\n  citations: [{source: paper, quote: q}]\n",
     "content/facts/weather.yaml:4:11: error: 'topics' must be a list, got text 'weather'"),
])
def test_invalid_facts(make_project, text, expected):
    result = check(make_project({"content/facts/weather.yaml": text, "content/pages/index.md": None}))
    assert not result.ok
    assert any(m.startswith(expected) for m in messages(result)), messages(result)


@pytest.mark.parametrize("replace, by, expected", [
    ("url: https://example.com/article", "url: ftp://example.com/x",
     "content/sources/paper.yaml:5:6: error: 'url' is not valid: 'ftp://example.com/x'; expected an absolute http(s) URL"),
    ("kind: news", "kind: newspaper",
     "content/sources/paper.yaml:7:7: error: 'kind' must be one of news, press-release"),
    ('published: "2022-11-28"', 'published: "2022-13-01"',
     "content/sources/paper.yaml:4:12: error: 'published' is not a real date: '2022-13-01'"),
    ("publisher: The Paper\n", "",
     "content/sources/paper.yaml:1:1: error: missing required field 'publisher'"),
])
def test_invalid_sources(make_project, replace, by, expected):
    from conftest import SOURCE_YAML
    result = check(make_project({"content/sources/paper.yaml": SOURCE_YAML.replace(replace, by)}))
    assert any(m.startswith(expected) for m in messages(result)), messages(result)


def test_invalid_actor(make_project):
    result = check(make_project({"content/actors/alice.yaml": "id: alice\nname: Alice\nrole: Mayor\ndescription: D\n"}))
    assert "content/actors/alice.yaml:1:1: error: missing required field 'citations'" in messages(result)


def test_invalid_site_settings(make_project):
    project = make_project({"content/site.yaml": "title: T\ndescription: D\nlanguage: english\n"
                                                 "base_url: https://x.org/\npublisher: P\nlicense: L\n"})
    assert messages(check(project), project=project)[0].startswith("content/site.yaml:3:11: error: 'language' is not valid: 'english'")


def test_missing_site_settings(make_project):
    project = make_project({"content/site.yaml": None})
    assert messages(check(project), project=project)[0].startswith("content/site.yaml:1:1: error: missing site settings")


@pytest.mark.parametrize("front, expected", [
    ("title: T\nslug: index\norder: 1\n", "content/pages/index.md:2:1: error: missing required field 'summary'"),
    ("title: T\nslug: Index Page\nsummary: S\norder: 1\n", "content/pages/index.md:3:7: error: 'slug' is not valid"),
    ("title: T\nslug: index\nsummary: S\norder: first\n",
     "content/pages/index.md:5:8: error: 'order' must be a whole number, got text 'first'"),
])
def test_invalid_pages(make_project, front, expected):
    result = check(make_project({"content/pages/index.md": f"---\n{front}---\nBody.\n"}))
    assert any(m.startswith(expected) for m in messages(result)), messages(result)


def test_all_errors_are_reported_in_one_run(make_project):
    project = make_project({
        "content/facts/weather.yaml": FACTS_YAML.replace("kind: fact", "kind: fakt").replace("by: alice", "by: alicia"),
        "content/sources/paper.yaml": "id: paper\n",
        # 'paper' failed to load, so citing it is not an error of its own; 'papr' is.
        "content/actors/alice.yaml": ACTOR_YAML.replace("source: paper", "source: papr"),
        "content/pages/index.md": "---\ntitle: H\nslug: index\nsummary: S\norder: 1\n---\n[@sky-blu] [@nope]\n",
    })
    found = messages(check(project))
    assert len(found) >= 5, found
    files = {m.split(":")[0] for m in found}
    assert files == {"content/facts/weather.yaml", "content/sources/paper.yaml", "content/pages/index.md",
                     "content/actors/alice.yaml"}


def test_stray_files_are_warned_about_and_editor_droppings_ignored(make_project):
    project = make_project({"content/facts/notes.txt": "hello", "content/facts/.#weather.yaml": "x: [",
                            "content/facts/weather.yaml~": "x: ["})
    result = check(project)
    assert result.ok
    assert messages(result, "warning") == [
        "content/facts/notes.txt:1:1: warning: ignored file: content/facts/ holds only .yaml files (or .md pages)"]


def test_a_read_ahead_leaves_to_the_build_a_file_too_large_or_changed_while_read(tmp_path, monkeypatch):
    """content.read_ahead's worker neither reads an over-size file (the build refuses it unread) nor
    returns what it parsed from a file that changed meanwhile: the build's process loads both itself."""
    from explainer import content
    path = tmp_path / "facts.yaml"
    path.write_text("a: 1\n")
    assert content._load_with_digest((lambda p: p.read_text(), path, ())) == (content.digest(b"a: 1\n"), "a: 1\n")

    def saved_again_meanwhile(p):
        text = p.read_text()
        p.write_text("a: 2\n")
        return text
    assert content._load_with_digest((saved_again_meanwhile, path, ())) is None
    monkeypatch.setattr(content, "MAX_FILE_BYTES", 3)
    assert content._load_with_digest((lambda p: pytest.fail("read an over-size file"), path, ())) is None
