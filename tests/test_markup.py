"""markup.py: inline Markdown from YAML fields; page bodies converted once."""

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.diagnostics import Location
from explainer import markup
from explainer.markup import InlineMarkdown, converted_body, fill_blocks, page_markdown
from explainer.model import Page

# Letters and the characters Markdown and smarty treat specially, so both paths are exercised.
TEXT = st.text(alphabet=st.sampled_from(list("ab Z1.,;:!?-()#+=|~^%$@/\t\n'\"`*_[]<>&\\\x02é’")), max_size=40)


def slow_path(inline: InlineMarkdown, text: str) -> str:
    """What Python-Markdown itself makes of the text, as InlineMarkdown did before its fast path."""
    html = inline.md.reset().convert(" ".join(text.split()))
    return html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else html


@settings(max_examples=400, deadline=None)  # a timing limit fails on a busy machine
@given(TEXT)
def test_plain_text_skips_markdown_with_the_same_result(text):
    assert str(InlineMarkdown()(text)) == slow_path(InlineMarkdown(), text)


def test_markup_in_yaml_text_is_still_rendered():
    inline = InlineMarkdown()
    assert inline("plain words, nothing else") == "plain words, nothing else"
    assert inline("*stressed* -- and \"quoted\"") == "<em>stressed</em> – and “quoted”"  # typographic characters, not entities
    assert inline("a <b> & c") == "a &lt;b&gt; &amp; c"


# ---------------------------------------------------------------- one conversion for the index and the page

BODIES = [
    "Intro [@a].\n\n::: facts\nids: [a]\n:::\n\nAfter.",
    "# Title\n\n::: facts\nids: [a]\n:::\n\n## Part\n\n- item\n\n    ::: facts\n    ids: [a]\n    :::\n\ntext",
    "::: facts\nids: [a]\n:::\n::: sources\n:::\nno blank line between [@a; @b]",
    "```\n::: facts\n:::\n```\n\nA fenced block is not a block.",
]
RENDERS = [lambda n: f"<ul><li>block {n}</li></ul>\n", lambda n: f"<span>inline {n}</span>", lambda n: "",
           lambda n: f"  <!-- {n} -->  ", lambda n: f"<aside>{n}</aside>" if n % 2 else f"<em>{n}</em>"]


def a_page(body: str) -> Page:
    path = Path("content/pages/p.md")
    return Page(slug="p", title="P", summary="", order=1, body=body, path=path, body_first_line=1,
                location=Location(path, 1, 1))


def converted_in_one_go(body: str, render) -> str:
    """The page as Python-Markdown makes it with the blocks rendered during the conversion."""
    md, facts = page_markdown()
    facts.render_block = render
    return md.convert(body)


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("render", RENDERS)
def test_blocks_filled_in_after_the_conversion_give_the_same_html(body, render):
    md, facts = page_markdown()
    converted = converted_body(a_page(body), md, facts)
    assert fill_blocks(converted.html, render, md) == converted_in_one_go(body, render)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(TEXT, st.sampled_from(["", "- item", "    indented", "::: facts\n:::", "# Heading"])),
                max_size=8), st.sampled_from(RENDERS))
def test_any_body_with_blocks_converts_once_with_the_same_result(parts, render):
    body = "\n".join(parts)
    md, facts = page_markdown()
    assert fill_blocks(converted_body(a_page(body), md, facts).html, render, md) == converted_in_one_go(body, render)


def test_a_page_is_converted_once_for_the_index_and_its_render_and_not_pickled_with_it(monkeypatch):
    page = a_page("Some *text*.\n\n::: facts\nids: [a]\n:::\n")
    md, facts = page_markdown()
    kept = converted_body(page, md, facts)
    conversions = []
    monkeypatch.setattr(md, "convert", lambda body: conversions.append(body) or "<p>again</p>")
    assert converted_body(page, md, facts) == kept and conversions == []
    assert "_converted_body" not in pickle.loads(pickle.dumps(page)).__dict__
    assert converted_body(page, md, facts, keep=False) == kept and conversions == []  # the last user takes it
    assert converted_body(page, md, facts).html == "<p>again</p>"  # ... so a later one converts again


def test_the_inline_converter_keeps_a_bounded_number_of_texts(monkeypatch):
    """One converter serves every build of a preview session: its memory must not grow with each edit."""
    monkeypatch.setattr(markup, "INLINE_CACHE_SIZE", 3)
    inline = markup.InlineMarkdown()
    for n in range(10):
        assert inline(f"*edit {n}*") == f"<em>edit {n}</em>"
    assert list(inline.cache) == ["*edit 7*", "*edit 8*", "*edit 9*"]
    assert inline("*edit 7*") == "<em>edit 7</em>" and list(inline.cache)[-1] == "*edit 7*"  # used last, kept longest
