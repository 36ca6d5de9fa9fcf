"""UI strings (templates/i18n/LANG.yaml): every fixed word per language, and a missing one is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import Markup

from conftest import REPO, bilingual_files, build, check, messages
from explainer.i18n import MessageError, Messages, load_messages


def strings(project: Path, language: str) -> Path:
    return project / "templates/i18n" / f"{language}.yaml"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1) if text in line)


@pytest.fixture
def bilingual(make_project):
    return make_project(bilingual_files())


def test_every_language_file_of_the_repository_has_the_same_keys():
    english, _ = load_messages(REPO / "templates/i18n/en.yaml", "en")
    spanish, _ = load_messages(REPO / "templates/i18n/es.yaml", "es")
    assert english is not None and spanish is not None
    assert set(english.strings) == {key for key in spanish.strings if not key.startswith("topic.")}


def test_a_string_missing_from_a_translation_is_an_error_at_the_template_line_that_uses_it(bilingual):
    replace(strings(bilingual, "es"), "  heading: Notas\n", "")
    template = bilingual / "templates/page.html"
    line = line_of(template, 't("notes.heading")')
    col = template.read_text(encoding="utf-8").split("\n")[line - 1].index('"notes.heading"') + 1
    result = check(bilingual)
    assert messages(result) == [f"templates/page.html:{line}:{col}: error: UI string 'notes.heading' is missing "
                                "from templates/i18n/es.yaml (did you mean 'notes.sources_heading'?)"]
    assert not build(bilingual).ok and not (bilingual / "site").exists()


def test_a_string_the_build_needs_is_an_error_at_the_language_file(bilingual):
    replace(strings(bilingual, "es"), "  marker: \"Nota {number}\"\n", "")
    assert messages(check(bilingual)) == [
        "templates/i18n/es.yaml:1:1: error: missing UI string 'notes.marker', which the build needs"]


def test_a_string_of_the_default_language_that_a_translation_lacks_is_an_error(bilingual):
    # A string no template asks for by name (a theme may ask for it as t("group." ~ name)).
    with open(strings(bilingual, "en"), "a", encoding="utf-8") as handle:
        handle.write("extra:\n  motto: Every claim, sourced\n")
    line = line_of(strings(bilingual, "en"), "motto:")
    assert messages(check(bilingual)) == [
        f"templates/i18n/es.yaml:1:1: error: missing UI string 'extra.motto' (templates/i18n/en.yaml:{line} "
        "has \"Every claim, sourced\")"]


def test_a_translation_may_not_use_a_placeholder_the_build_does_not_fill(bilingual):
    path = strings(bilingual, "es")
    replace(path, 'section: "Sección {number} de {count}"', 'section: "Sección {numero} de {count}"')
    line = line_of(path, "section: ")
    assert messages(check(bilingual)) == [
        f"templates/i18n/es.yaml:{line}:12: error: UI string 'page.section' uses {{numero}}, which "
        "templates/i18n/en.yaml does not (the build fills: {count}, {number})"]


def test_plural_forms_and_lists_must_keep_their_shape(bilingual):
    path = strings(bilingual, "es")
    replace(path, "  months: [enero, febrero,", "  months: [febrero,")
    replace(path, "  supports:\n    one: respalda 1 hecho\n    other: \"respalda {count} hechos\"",
            "  supports: respalda hechos")
    assert messages(check(bilingual)) == [
        f"templates/i18n/es.yaml:{line_of(path, 'months:')}:11: error: UI string 'date.months' has 11 items here "
        "but 12 in templates/i18n/en.yaml",
        f"templates/i18n/es.yaml:{line_of(path, 'supports: respalda')}:13: error: UI string 'sources.supports' is a "
        "string here but plural forms in templates/i18n/en.yaml",
    ]


def test_a_string_only_a_translation_has_is_a_warning(bilingual):
    path = strings(bilingual, "es")
    replace(path, "  heading: Notas\n", "  heading: Notas\n  headng: Notas\n")
    assert f"templates/i18n/es.yaml:{line_of(path, 'headng')}:11: warning: UI string 'notes.headng' is not in " \
           "templates/i18n/en.yaml, so nothing uses it (did you mean 'notes.heading'?)" in messages(check(bilingual), "warning")


def test_a_missing_language_file_is_an_error(bilingual):
    strings(bilingual, "es").unlink()
    assert messages(check(bilingual)) == [
        "templates/i18n/es.yaml:1:1: error: missing UI strings for 'es': create templates/i18n/es.yaml (copy another "
        "language's file and translate it)"]


def test_a_key_computed_in_a_template_is_checked_when_it_renders(bilingual):
    template = bilingual / "templates/fact.html"
    replace(template, "<h1>", '<h1>{{ t("fact.kind_" ~ fact.kind) }}')
    line = line_of(template, 't("fact.kind_"')
    found = messages(check(bilingual))
    assert f"templates/fact.html:{line}:1: error: no UI string 'fact.kind_claim' in templates/i18n/en.yaml " \
           "(did you mean 'kind.claim'?) (while rendering facts/alice-says-rain/index.html)" in found
    assert f"templates/fact.html:{line}:1: error: no UI string 'fact.kind_fact' in templates/i18n/es.yaml " \
           "(did you mean 'kind.fact'?) (while rendering es/facts/sky-blue/index.html)" in found
    assert all(m.startswith(f"templates/fact.html:{line}:1: error: no UI string 'fact.kind_") for m in found)


def test_an_english_only_site_needs_only_the_english_file(make_project):
    project = make_project()
    strings(project, "es").unlink()
    result = build(project)
    assert result.ok and messages(result, "warning") == []


# ---------------------------------------------------------------- the strings themselves

def english() -> Messages:
    loaded, problems = load_messages(REPO / "templates/i18n/en.yaml", "en")
    assert loaded is not None and problems == []
    return loaded


def spanish() -> Messages:
    loaded, problems = load_messages(REPO / "templates/i18n/es.yaml", "es")
    assert loaded is not None and problems == []
    return loaded


def test_dates_in_each_language():
    assert english().human_date("2021-04-02") == "2 April 2021"
    assert spanish().human_date("2021-04-02") == "2 de abril de 2021"
    assert spanish().human_date("2022-11") == "noviembre de 2022"
    assert spanish().human_date("2019") == "2019" and spanish().human_date(None) == ""


def test_plural_forms_follow_the_count():
    es = spanish()
    assert [es.text("mix.primary", count=n) for n in (0, 1, 4)] == ["ninguna se basa", "1 se basa", "4 se basan"]
    assert [english().text("sources.supports", count=n) for n in (0, 1, 2)] == [
        "supports 0 facts", "supports 1 fact", "supports 2 facts"]
    with pytest.raises(MessageError, match="has plural forms: pass count="):
        es.text("mix.primary")


def test_markup_escapes_the_words_and_the_values_but_not_markup():
    words = Messages("en", Path("en.yaml"), {"x": "A < {name} & {link} {{literal}}"})
    assert words.markup("x", name="<b>", link=Markup("<a>ok</a>")) == \
        "A &lt; &lt;b&gt; &amp; <a>ok</a> {literal}"
    assert words.text("x", name="<b>", link="l") == "A < <b> & l {literal}"
    with pytest.raises(MessageError, match=r"needs \{link\}"):
        words.text("x", name="n")


def test_strings_without_parameters_are_made_once_and_not_stored():
    """Pages ask for the same strings thousands of times; what is made once stays out of the build
    cache (it is Markup, which the cache's loader refuses) and equals what is made afresh."""
    import pickle
    messages, problems = load_messages(REPO / "templates/i18n/es.yaml", "es")
    assert not problems and messages is not None
    first = (messages.markup("fact.page_link"), messages.text("search.title"), messages.human_date("2021-04-02"))
    again = (messages.markup("fact.page_link"), messages.text("search.title"), messages.human_date("2021-04-02"))
    assert all(a is b for a, b in zip(first, again))
    stored = pickle.loads(pickle.dumps(messages))
    assert "_made" not in stored.__dict__
    assert (stored.markup("fact.page_link"), stored.text("search.title"), stored.human_date("2021-04-02")) == first
    assert messages.human_date("2021-04-02") == "2 de abril de 2021"
