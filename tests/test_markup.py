"""markup.py: inline Markdown from YAML fields."""

from hypothesis import given, settings
from hypothesis import strategies as st

from explainer.markup import InlineMarkdown

# Letters and the characters Markdown and smarty treat specially, so both paths are exercised.
TEXT = st.text(alphabet=st.sampled_from(list("ab Z1.,;:!?-()#+=|~^%$@/\t\n'\"`*_[]<>&\\\x02é’")), max_size=40)


def slow_path(inline: InlineMarkdown, text: str) -> str:
    """What Python-Markdown itself makes of the text, as InlineMarkdown did before its fast path."""
    html = inline.md.reset().convert(" ".join(text.split()))
    return html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else html


@settings(max_examples=400)
@given(TEXT)
def test_plain_text_skips_markdown_with_the_same_result(text):
    assert str(InlineMarkdown()(text)) == slow_path(InlineMarkdown(), text)


def test_markup_in_yaml_text_is_still_rendered():
    inline = InlineMarkdown()
    assert inline("plain words, nothing else") == "plain words, nothing else"
    assert inline("*stressed* -- and \"quoted\"") == "<em>stressed</em> &ndash; and &ldquo;quoted&rdquo;"
    assert inline("a <b> & c") == "a &lt;b&gt; &amp; c"
