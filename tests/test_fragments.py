"""fragments.py: text fragments (#:~:text=) that open a source at the quoted passage."""

import re
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explainer.fragments import encode_term, passage_segments, passage_url, text_directive

# The spec's grammar for a term: unreserved characters or percent-encoded bytes; never - & or ,
TERM = re.compile(r"^(?:[A-Za-z0-9!$'()*+./:;=?@_~]|%[0-9A-F]{2})+$")


@pytest.mark.parametrize("quote, directive", [
    ("Torres disputes the allegation.", "Torres%20disputes%20the%20allegation."),
    ("It will rain, Alice said.", "It%20will%20rain%2C%20Alice%20said."),
    ("Smith & Wesson", "Smith%20%26%20Wesson"),
    ("her re-election bid", "her%20re%2Delection%20bid"),
    ("50% of the vote", "50%25%20of%20the%20vote"),
    ("El Salvador es un país soberano", "El%20Salvador%20es%20un%20pa%C3%ADs%20soberano"),
    ("¿Qué dijo?", "%C2%BFQu%C3%A9%20dijo?"),
    ("Торрес сказала", "%D0%A2%D0%BE%D1%80%D1%80%D0%B5%D1%81%20%D1%81%D0%BA%D0%B0%D0%B7%D0%B0%D0%BB%D0%B0"),
    ("a #hashtag for @NormaJTorres", "a%20%23hashtag%20for%20@NormaJTorres"),
])
def test_short_quotes_are_matched_exactly(quote, directive):
    assert text_directive(quote) == directive


def test_typographic_and_straight_quotation_marks():
    # Marks around the quote are dropped; marks inside are kept (browsers fold “ and " alike).
    assert text_directive("“It will rain,” Alice said") == "It%20will%20rain%2C%E2%80%9D%20Alice%20said"
    assert text_directive('"It will rain," Alice said') == "It%20will%20rain%2C%22%20Alice%20said"
    assert text_directive("‘directly influence’") == "directly%20influence"
    assert text_directive("it’s Torres who") == "it%E2%80%99s%20Torres%20who"


@pytest.mark.parametrize("quote", [
    "The vote — held on a Tuesday — was close",
    "The vote—held on a Tuesday—was close",
    "The vote – held on a Tuesday – was close",
    "The vote - held on a Tuesday - was close",
    "The vote -- held on a Tuesday -- was close",
])
def test_a_dash_between_words_becomes_start_and_end(quote):
    # Browsers do not fold dashes (— does not match -), so no term contains one.
    assert text_directive(quote) == "The%20vote,was%20close"


def test_long_quotes_use_start_and_end():
    quote = ("Torres, who has been in office since 2015, won with 57.4% of the vote. "
             "Her opponent, Republican Mike Cargile, got 42.6% of the vote")
    assert text_directive(quote) == "Torres%2C%20who%20has%20been%20in,got%2042.6%25%20of%20the%20vote"
    twelve = "one two three four five six seven eight nine ten eleven twelve"
    assert text_directive(twelve) == encode_term(twelve)
    assert text_directive(twelve + " thirteen") == "one%20two%20three%20four%20five,nine%20ten%20eleven%20twelve%20thirteen"


@pytest.mark.parametrize("cut", [" ... ", "...", " … ", " [...] ", " […] "])
def test_quotes_with_cuts_span_from_the_first_piece_to_the_last(cut):
    assert text_directive(f"The sky was blue{cut}it rained.") == "The%20sky%20was%20blue,it%20rained."


def test_cut_at_the_ends_and_whitespace():
    assert text_directive("... the sky\u00a0was\n blue …") == "the%20sky%20was%20blue"
    assert passage_segments("“A — B … C”") == ["A", "B", "C"]


def test_nothing_to_match():
    assert text_directive("...") is None
    assert text_directive("“ — ”") is None
    assert passage_url("https://example.org/", "…") is None


def test_passage_url_replaces_the_fragment_and_keeps_the_query():
    assert passage_url("https://example.org/a?b=1&c=2#top", "Smith & Wesson, 2-1") == \
        "https://example.org/a?b=1&c=2#:~:text=Smith%20%26%20Wesson%2C%202%2D1"
    assert passage_url("https://example.org/a", "x") == "https://example.org/a#:~:text=x"


@given(st.text(alphabet=st.sampled_from("ab,-&“”\"'’.—–… é\u00a0"), max_size=60))
def test_terms_follow_the_spec_grammar_and_come_from_the_quote(quote):
    directive = text_directive(quote)
    if directive is None:
        return
    terms = directive.split(",")
    assert 1 <= len(terms) <= 2
    flat = " ".join(quote.split())
    for term in terms:
        assert TERM.match(term), term
        assert unquote(term) in flat
