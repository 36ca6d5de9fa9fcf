"""validate.py: cross-references, with did-you-mean."""

from conftest import FACTS_YAML, PAGE_MD, check, messages


def test_unknown_reference_with_did_you_mean(make_project):
    page = PAGE_MD.replace("[@sky-blue].", "[@sky-blu].")
    result = check(make_project({"content/pages/index.md": page}))
    assert messages(result) == [
        "content/pages/index.md:8:20: error: unknown fact 'sky-blu' (did you mean 'sky-blue'?)"]


def test_unknown_source_and_actor(make_project):
    facts = FACTS_YAML.replace("source: paper\n      quote: The sky", "source: papr\n      quote: The sky")
    facts = facts.replace("by: alice", "by: bob")
    found = messages(check(make_project({"content/facts/weather.yaml": facts})))
    assert "content/facts/weather.yaml:7:15: error: unknown source 'papr' (did you mean 'paper'?)" in found
    assert "content/facts/weather.yaml:12:7: error: unknown actor 'bob' in 'by'" in found


def test_duplicate_ids_across_files_and_kinds(make_project):
    project = make_project({"content/facts/more.yaml": FACTS_YAML.split("- id: alice-says-rain")[0],
                            "content/sources/alice.yaml": "id: alice\ntitle: T\npublisher: P\npublished: '2020'\n"
                                                          "url: https://x.org/\naccessed: '2020'\nkind: news\n"})
    found = messages(check(project))
    assert any(m.startswith("content/facts/weather.yaml:1:7: error: duplicate id 'sky-blue': already used at")
               or m.startswith("content/facts/more.yaml:1:7: error: duplicate id 'sky-blue'") for m in found), found
    assert any("id 'alice' is already used by the" in m for m in found), found


def test_responds_to_must_resolve_and_not_cycle(make_project):
    facts = FACTS_YAML + """\
- id: denial-a
  statement: A denies B.
  kind: denial
  by: alice
  responds_to: denial-b
  citations: [{source: paper, quote: q}]
- id: denial-b
  statement: B denies A.
  kind: denial
  by: alice
  responds_to: denial-a
  citations: [{source: paper, quote: q}]
- id: denial-c
  statement: C answers nothing.
  kind: denial
  by: alice
  responds_to: sky-bleu
  citations: [{source: paper, quote: q}]
"""
    found = messages(check(make_project({"content/facts/weather.yaml": facts})))
    assert "content/facts/weather.yaml:22:16: error: 'responds_to' goes round in a circle: denial-a -> denial-b -> denial-a" in found
    assert "content/facts/weather.yaml:34:16: error: unknown fact 'sky-bleu' in 'responds_to' (did you mean 'sky-blue'?)" in found


def test_unused_facts_and_sources_are_warnings(make_project):
    project = make_project({"content/sources/other.yaml": "id: other\ntitle: T\npublisher: P\npublished: '2020'\n"
                                                          "url: https://x.org/\naccessed: '2020'\nkind: news\n",
                            "content/pages/index.md": PAGE_MD.replace("Alice disagreed [@alice-says-rain; @sky-blue].", "")})
    result = check(project)
    assert result.ok
    assert messages(result, "warning") == [
        "content/facts/weather.yaml:9:3: warning: fact 'alice-says-rain' is not used by any page",
        "content/sources/other.yaml:1:1: warning: source 'other' is not cited by any fact or actor"]


def test_block_options_are_checked(make_project):
    page = PAGE_MD + "\n::: facts\ntemplate: timelin\ntopics: [wether]\nids: [sky-blue, nope]\n:::\n\n::: fcts\n:::\n"
    found = messages(check(make_project({"content/pages/index.md": page})))
    assert "content/pages/index.md:11:11: error: no block template 'templates/blocks/timelin.html' (did you mean 'timeline'?)" in found
    assert "content/pages/index.md:12:9: error: no fact has the topic 'wether' (did you mean 'weather'?)" in found
    assert "content/pages/index.md:13:6: error: unknown fact 'nope' in block" in found
    assert any(m.startswith("content/pages/index.md:16:1: error: unknown block '::: fcts' (did you mean 'facts'?)") for m in found)


def test_malformed_and_unterminated_references(make_project):
    page = PAGE_MD + "\nSee [@Sky_Blue] and [@a, @b]. Code `[@nope]` is fine, so is [@handle](https://x.org).\n\n[@"
    found = messages(check(make_project({"content/pages/index.md": page})))
    assert found == [
        "content/pages/index.md:10:5: error: malformed fact reference '[@Sky_Blue]': write [@fact-id] or [@first-id; @second-id] with kebab-case ids",
        "content/pages/index.md:10:21: error: malformed fact reference '[@a, @b]': write [@fact-id] or [@first-id; @second-id] with kebab-case ids",
        "content/pages/index.md:12:1: error: unterminated fact reference: close it with ']' on the same line, as in [@fact-id]",
    ]


def test_duplicate_slugs(make_project):
    project = make_project({"content/pages/home2.md": PAGE_MD})
    found = messages(check(project))
    assert any(m.startswith("content/pages/index.md:3:7: error: slug 'index' is already used by the page at") for m in found), found
