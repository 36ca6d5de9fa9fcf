"""guard.py: `check --against OLD/facts.json`: a changed or removed published fact needs a correction."""

import json
import subprocess
import sys

from conftest import FACTS_YAML, PAGE_MD, REPO, SPANISH_FACTS_YAML, bilingual_files, build, check, messages
from explainer.guard import CHANGED, REMOVED

PAGE_WITH_LOG = PAGE_MD + "\n::: corrections\n:::\n"
NEW_STATEMENT = "statement: The sky was grey on Tuesday."
CHANGED_FACTS = FACTS_YAML.replace("statement: The sky was blue on Tuesday.", NEW_STATEMENT)
CORRECTION = "- date: '2022-12-01'\n  summary: The sky was grey, not blue.\n  facts: [sky-blue]\n"


def publish(make_project, tmp_path, **files):
    """Build a site and keep its facts.json, as a published export to compare with later."""
    project = make_project({"content/pages/index.md": PAGE_WITH_LOG, **files}, name="published")
    result = build(project)
    assert result.ok, messages(result)
    export = tmp_path / "old" / "facts.json"
    export.parent.mkdir()
    export.write_bytes((project / "site" / "facts.json").read_bytes())
    return export


def edited(make_project, **files):
    return make_project({"content/pages/index.md": PAGE_WITH_LOG, **files}, name="edited")


def test_unchanged_content_passes(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    result = check(edited(make_project), against=export)
    assert result.ok, messages(result)
    assert result.changes == []


def test_a_changed_statement_without_a_correction_fails(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    result = check(edited(make_project, **{"content/facts/weather.yaml": CHANGED_FACTS}), against=export)
    assert messages(result) == [
        "content/facts/weather.yaml:2:14: error: the statement of fact 'sky-blue' differs from the one published in "
        "facts.json (\"The sky was blue on Tuesday.\"); add a correction to content/corrections.yaml that lists "
        "'sky-blue' under facts"]


def test_a_changed_statement_with_a_correction_passes(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    project = edited(make_project, **{"content/facts/weather.yaml": CHANGED_FACTS,
                                      "content/corrections.yaml": CORRECTION})
    result = build(project, against=export)
    assert result.ok, messages(result)
    [change] = result.changes
    assert (change.fact_id, change.kind, change.old_statement) == ("sky-blue", CHANGED, "The sky was blue on Tuesday.")
    assert change.covered_by.summary == "The sky was grey, not blue."
    # Readers see it: in the log on the page, on the fact's page and in the feed.
    assert "The sky was grey, not blue." in (project / "site/index.html").read_text()
    assert "The sky was grey, not blue." in (project / "site/facts/sky-blue/index.html").read_text()
    assert "The sky was grey, not blue." in (project / "site/feed.xml").read_text()


def test_a_removed_fact_needs_a_correction_too(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    facts = FACTS_YAML.split("- id: alice-says-rain")[0]
    page = PAGE_WITH_LOG.replace("Alice disagreed [@alice-says-rain; @sky-blue].", "")
    result = check(edited(make_project, **{"content/facts/weather.yaml": facts, "content/pages/index.md": page}),
                   against=export)
    line = next(n for n, text in enumerate(export.read_text().splitlines(), start=1)
                if '"id": "alice-says-rain"' in text)
    col = export.read_text().splitlines()[line - 1].index('"id"') + 1
    assert messages(result, project=tmp_path) == [
        f"old/facts.json:{line}:{col}: error: published fact 'alice-says-rain' is no longer in the content; "
        "add a correction to content/corrections.yaml that lists 'alice-says-rain' under facts"]
    removal = "- date: '2022-12-02'\n  summary: Removed Alice's forecast.\n  facts: [alice-says-rain]\n"
    result = check(make_project({"content/facts/weather.yaml": facts, "content/pages/index.md": page,
                                 "content/corrections.yaml": removal}, name="fixed"), against=export)
    assert result.ok, messages(result)
    assert [(c.fact_id, c.kind) for c in result.changes] == [("alice-says-rain", REMOVED)]


def test_a_correction_already_published_does_not_cover_a_new_change(make_project, tmp_path):
    export = publish(make_project, tmp_path, **{"content/corrections.yaml": CORRECTION})
    facts = FACTS_YAML.replace("statement: The sky was blue on Tuesday.", "statement: The sky was green.")
    result = check(edited(make_project, **{"content/facts/weather.yaml": facts,
                                           "content/corrections.yaml": CORRECTION}), against=export)
    assert [m.split(": error: ")[1][:45] for m in messages(result)] == ["the statement of fact 'sky-blue' differs from"]
    # Naming the fact in a new entry covers it.
    again = CORRECTION + "- date: '2022-12-09'\n  summary: Green, in fact.\n  facts: [sky-blue]\n"
    result = check(make_project({"content/pages/index.md": PAGE_WITH_LOG, "content/facts/weather.yaml": facts,
                                 "content/corrections.yaml": again}, name="again"), against=export)
    assert result.ok, messages(result)
    assert result.changes[0].covered_by.date == "2022-12-09"


def test_the_corrections_log_must_be_on_a_page(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    project = make_project({"content/facts/weather.yaml": CHANGED_FACTS, "content/corrections.yaml": CORRECTION},
                           name="hidden")
    assert messages(check(project, against=export)) == [
        "content/corrections.yaml:1:3: error: no published page shows the corrections log, so readers would not "
        "see this correction: add a '::: corrections' block to a page"]


def test_rewrapping_a_statement_is_not_a_change(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    facts = FACTS_YAML.replace("statement: The sky was blue on Tuesday.", "statement: >\n    The sky was blue\n    on  Tuesday.")
    result = check(edited(make_project, **{"content/facts/weather.yaml": facts}), against=export)
    assert result.ok, messages(result)
    assert result.changes == []


def test_an_export_that_cannot_be_read(make_project, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"facts": [\n  {"id": "x",}\n]}\n')
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "something-else", "facts": []}))
    project = edited(make_project)
    assert messages(check(project, against=broken), project=tmp_path) == [
        "broken.json:2:14: error: the published export is not JSON: Expecting property name enclosed in double quotes"]
    assert messages(check(project, against=wrong), project=tmp_path) == [
        "wrong.json:1:1: error: the published export's format is 'something-else', not 'explainer-facts': "
        "is this the facts.json of a built site?"]
    assert messages(check(project, against=tmp_path / "none.json"), project=tmp_path) == [
        "none.json:0:0: error: cannot read the published export: No such file or directory"]


def test_check_against_on_the_command_line(make_project, tmp_path):
    export = publish(make_project, tmp_path)
    project = edited(make_project, **{"content/facts/weather.yaml": CHANGED_FACTS})
    command = [sys.executable, str(REPO / "build.py"), "check", "--project", str(project), "--against", str(export)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=project, timeout=120)
    assert done.returncode == 1
    assert "content/facts/weather.yaml:2:14: error: the statement of fact 'sky-blue' differs" in done.stderr
    (project / "content/corrections.yaml").write_text(CORRECTION)
    done = subprocess.run(command, capture_output=True, text=True, cwd=project, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("fact 'sky-blue' statement changed since the published export; covered by the correction of 2022-12-01"
            in done.stderr)


# ---------------------------------------------------------------- translated statements

SPANISH_PAGE_WITH_LOG = bilingual_files()["content/es/pages/index.md"] + "\n::: corrections\n:::\n"


def test_a_published_translation_that_changed_or_is_gone_needs_a_correction(make_project, tmp_path):
    spanish = {**bilingual_files(), "content/es/pages/index.md": SPANISH_PAGE_WITH_LOG}
    export = publish(make_project, tmp_path, **spanish)
    assert json.loads(export.read_text())["facts"][1]["translations"]["es"]["statement"] == \
        "El cielo estaba azul el martes."
    reworded = SPANISH_FACTS_YAML.replace("El cielo estaba azul", "El cielo estaba celeste")
    result = check(edited(make_project, **{**spanish, "content/es/facts/weather.yaml": reworded}), against=export)
    assert messages(result) == [
        "content/es/facts/weather.yaml:2:14: error: the Spanish (es) statement of fact 'sky-blue' differs from the "
        "one published in facts.json (\"El cielo estaba azul el martes.\"); add a correction to "
        "content/corrections.yaml that lists 'sky-blue' under facts"]
    gone = {**spanish}
    del gone["content/es/facts/weather.yaml"]
    project = make_project({"content/pages/index.md": PAGE_WITH_LOG, **gone}, name="gone")
    result = check(project, against=export)
    assert [m.split(": error: ")[1] for m in messages(result, project=project)] == [
        "the published Spanish (es) statement of fact 'sky-blue' is no longer in content/es/ (the edition would "
        "show the fact in the default language); add a correction to content/corrections.yaml that lists "
        "'sky-blue' under facts"]
    # A correction covers it; a statement translated for the first time is not a change.
    covered = {**spanish, "content/es/facts/weather.yaml": reworded + "- id: alice-says-rain\n  statement: Alice dijo.\n",
               "content/corrections.yaml": CORRECTION}
    result = check(make_project({"content/pages/index.md": PAGE_WITH_LOG, **covered}, name="covered"), against=export)
    assert result.ok, messages(result)
    assert [(c.fact_id, c.language, c.kind) for c in result.changes] == [("sky-blue", "es", CHANGED)]
