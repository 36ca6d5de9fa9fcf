"""What `::: facts` blocks select, checked against the plain definition on arbitrary facts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings, strategies as st

from explainer.diagnostics import Location
from explainer.model import Fact, Site, fact_filter, fact_order, select_facts

TOPICS = ["a", "b", "c", "d"]
KINDS = ["event", "claim"]
HERE = Location(Path("content/facts/f.yaml"), 1, 1)

facts = st.lists(st.tuples(st.sampled_from(KINDS), st.lists(st.sampled_from(TOPICS), max_size=3),
                           st.one_of(st.none(), st.sampled_from(["2020-01-01", "2021-06", "2022"]))),
                 max_size=12)
options = st.fixed_dictionaries({}, optional={
    "topics": st.lists(st.sampled_from(TOPICS + ["none-has-it"]), min_size=1, max_size=3),
    "kinds": st.lists(st.sampled_from(KINDS), min_size=1, max_size=2),
    "ids": st.lists(st.sampled_from([f"f{n}" for n in range(14)]), min_size=1, max_size=4),
    "sort": st.sampled_from(["date", "listed"])})


def site_of(specs: list) -> Site:
    site = Site(project=Path("."), config=None)  # type: ignore[arg-type]
    for number, (kind, topics, date) in reversed(list(enumerate(specs))):  # insertion order is not id order
        site.facts[f"f{number}"] = Fact(f"f{number}", "S.", kind, (), HERE, date=date, topics=tuple(topics))
    return site


@settings(max_examples=400)
@given(facts, options)
@example([("event", ["a"], None), ("claim", ["b"], None)], {"topics": ["a", "b"], "sort": "listed"})
def test_a_selection_is_its_definition(specs, chosen):
    """The ids listed (or every fact, in site order), those with a chosen topic and kind, by date unless listed."""
    site = site_of(specs)
    ids = chosen.get("ids")
    expected = [site.facts[i] for i in ids if i in site.facts] if ids else list(site.facts.values())
    expected = [fact for fact in expected if fact_filter(chosen)(fact)]
    if (chosen.get("sort") or ("listed" if ids else "date")) == "date":
        expected.sort(key=fact_order)
    assert select_facts(site, chosen) == expected
    assert select_facts(site, chosen) == expected  # the topic index, made by the first call, gives the same


def test_facts_added_after_a_selection_are_selected():
    """The topic index follows site.facts (nothing changes them after gathering; a test or a tool might)."""
    site = site_of([("event", ["a"], None)])
    assert [f.id for f in select_facts(site, {"topics": ["a"]})] == ["f0"]
    site.facts["f1"] = Fact("f1", "S.", "event", (), HERE, topics=("a",))
    assert [f.id for f in select_facts(site, {"topics": ["a"]})] == ["f0", "f1"]
