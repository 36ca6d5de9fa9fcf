"""The data export: facts.json against its published JSON Schema, facts.csv, and the links to them."""

import csv
import io
import json

import jsonschema
import pytest

from conftest import FACTS_YAML, PAGE_MD, SOURCE_YAML, build, messages
from explainer.export import CSV_COLUMNS, EncodedRecords, encoded_record, export_schema, indented_json

SOURCES_PAGE = "---\ntitle: Sources\nslug: sources-list\nsummary: Every source.\norder: 4\n---\n\n::: sources\n:::\n"


def exported(project) -> dict:
    return json.loads((project / "site/facts.json").read_text(encoding="utf-8"))


def test_facts_json_holds_every_fact_with_its_citations_and_sources(make_project):
    facts = FACTS_YAML.replace("      quote: It will rain, Alice said.",
                               "      quote: It will rain, Alice said.\n      locator: paragraph 2\n"
                               "    - source: paper\n      quote: The sky was blue.")
    corrections = '- date: "2023-01-02"\n  summary: Fixed a date.\n  facts: [sky-blue]\n'
    project = make_project({"content/facts/weather.yaml": facts, "content/corrections.yaml": corrections,
                            "content/sources/paper.yaml": SOURCE_YAML + "archive_url: https://archive.example/x\n"})
    result = build(project)
    assert result.ok, messages(result)
    data = exported(project)
    schema = json.loads(export_schema())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert (project / "site/facts.schema.json").read_bytes() == export_schema()
    assert data["$schema"] == "https://example.org/facts.schema.json"
    assert data["format"] == "explainer-facts" and data["version"] == 1
    assert [f["id"] for f in data["facts"]] == ["alice-says-rain", "sky-blue"]
    alice = data["facts"][0]
    assert alice == {
        "id": "alice-says-rain", "url": "https://example.org/facts/alice-says-rain/",
        "statement": "Alice said it would rain.", "statement_text": "Alice said it would rain.",
        "kind": "claim", "by": ["alice"], "date": "2022-11-02", "updated": None, "topics": ["weather"],
        "responds_to": None, "note": None, "translations": {},
        "citations": [
            {"source": "paper", "quote": "It will rain, Alice said.", "locator": "paragraph 2", "translation": None,
             "note": None, "translations": {}},
            {"source": "paper", "quote": "The sky was blue.", "locator": None, "translation": None, "note": None,
             "translations": {}}]}
    source = data["sources"][0]
    assert source["id"] == "paper" and source["primary"] is False and source["archive_url"] == "https://archive.example/x"
    assert source["page_url"] == "https://example.org/sources/paper/"
    assert data["actors"][0]["id"] == "alice" and data["actors"][0]["citations"][0]["quote"] == "Alice is the mayor."
    assert data["corrections"] == [{"date": "2023-01-02", "summary": "Fixed a date.", "facts": ["sky-blue"],
                                    "pages": [], "url": None, "translations": {}}]
    assert data["site"]["languages"] == ["en"] and data["site"]["translations"] == {}


def test_the_schema_rejects_an_export_of_another_shape(make_project):
    project = make_project()
    assert build(project).ok
    data = exported(project)
    del data["facts"][0]["citations"][0]["quote"]
    errors = list(jsonschema.Draft202012Validator(json.loads(export_schema())).iter_errors(data))
    assert [e.message for e in errors] == ["'quote' is a required property"]


def test_facts_csv_has_one_row_per_citation(make_project):
    facts = FACTS_YAML.replace("    - source: paper\n      quote: The sky was blue.",
                               '    - source: paper\n      quote: The sky was blue.\n'
                               '    - source: paper\n      quote: "Blue, \\"clear\\" sky;\\nno clouds"')
    project = make_project({"content/facts/weather.yaml": facts})
    assert build(project).ok
    raw = (project / "site/facts.csv").read_bytes()
    assert raw.startswith(b"fact_id,fact_url,kind,statement") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["fact_id"], r["quote"]) for r in rows] == [
        ("alice-says-rain", "It will rain, Alice said."),
        ("sky-blue", "The sky was blue."),
        ("sky-blue", 'Blue, "clear" sky;\nno clouds')]
    assert rows[0]["by"] == "alice" and rows[0]["source_publisher"] == "The Paper"
    assert rows[1]["fact_url"] == "https://example.org/facts/sky-blue/" and rows[1]["topics"] == "weather"


@pytest.mark.parametrize("block", ["::: sources\n:::", "::: sources\ntemplate: source-index\n:::"])
def test_either_source_list_links_to_the_data(make_project, block):
    project = make_project({"content/pages/sources.md": SOURCES_PAGE.replace("::: sources\n:::", block)})
    assert build(project).ok
    html = (project / "site/sources-list/index.html").read_text()
    assert '<a href="../facts.json" type="application/json">facts.json</a>' in html
    assert '<a href="../facts.csv" type="text/csv">facts.csv</a>' in html
    assert '<a href="../facts.schema.json" type="application/schema+json">' in html


def test_the_export_does_not_change_between_builds(make_project, tmp_path):
    project = make_project({"content/pages/index.md": PAGE_MD})
    assert build(project).ok
    assert build(project, out=tmp_path / "again").ok
    for name in ("facts.json", "facts.csv"):
        assert (project / "site" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_a_source_without_a_date_exports_null(make_project):
    undated = SOURCE_YAML.replace('published: "2022-11-28"\n', "")
    project = make_project({"content/sources/paper.yaml": undated})
    result = build(project)
    assert result.ok, messages(result)
    data = exported(project)
    jsonschema.Draft202012Validator(json.loads(export_schema())).validate(data)
    assert data["sources"][0]["published"] is None
    rows = list(csv.DictReader(io.StringIO((project / "site/facts.csv").read_text(encoding="utf-8"), newline="")))
    assert {row["source_published"] for row in rows} == {""}
    assert '"datePublished"' not in (project / "site/facts/sky-blue/index.html").read_text()


def test_indented_json_equals_json_dumps_with_records_encoded_or_not():
    """facts.json encodes its records one by one; the preview passes some already encoded (explainer/pieces.py)."""
    data = {"format": "x", "site": {"title": "T\n\u2028\"q\""}, "facts": [{"id": "a", "n": 1}, {"id": "b", "n": [1.5, None]}],
            "sources": [], "actors": [{"id": "c", "s": "é"}], "corrections": []}
    expected = json.dumps(data, ensure_ascii=False, indent=2)
    assert indented_json(data) == expected
    data["facts"][1] = EncodedRecords(encoded_record(data["facts"][1]).encode("utf-8"))
    assert indented_json(data) == expected
    assert indented_json({"facts": []}) == json.dumps({"facts": []}, indent=2)
