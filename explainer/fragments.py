"""Deep links to a quoted passage: URL text fragments (`#:~:text=`, WICG Text Fragments).

A reader who follows the link lands on the source scrolled to the quoted words, which the
browser highlights. Browsers match the fragment against the text they display: they fold
case and typographic quotes (’ matches ', “ matches "), but not dashes, and a quote with
cuts is not one run of text. So a fragment is built from terms that avoid both:

  - a quote of at most EXACT_WORDS words with no cut and no dash is matched exactly;
  - anything longer, cut (`...`, `…`) or broken by a dash is matched as `start,end`: the
    first words before the first cut or dash and the last words after the last one, so
    the highlighted range still runs from the quote's first word to its last.
Quotation marks around a term are dropped (they are not needed to find the words).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

from .snapshots import split_at_cuts

EXACT_WORDS = 12     # longer quotes are matched by their first and last words
TERM_WORDS = 5       # words in each of the start and end terms
FRAGMENT_START = ":~:text="

# The spec's unreserved characters in a text directive; everything else is percent-encoded.
# Python's quote() never encodes "-", which the spec reserves (it marks prefix- and -suffix).
_SAFE = "!$'()*+./:;=?@_~"
# A dash between words: a spaced hyphen or double hyphen, or any en/em/figure dash.
_DASH = re.compile(r"\s+-{1,3}\s+|-{2,}|\s*[\u2012\u2013\u2014\u2015]+\s*")
_EDGE_MARKS = "\"'“”„‟«»‘’‚‛‹›"


def encode_term(term: str) -> str:
    """Percent-encode one term of a text directive (UTF-8; '-', '&' and ',' included)."""
    return quote(term, safe=_SAFE).replace("-", "%2D")


def passage_segments(quote_text: str) -> list[str]:
    """The runs of the quote a browser can match literally: split at cuts and dashes."""
    segments = []
    for piece in split_at_cuts(quote_text):
        for segment in _DASH.split(" ".join(piece.split())):
            segment = segment.strip().strip(_EDGE_MARKS).strip()
            if segment:
                segments.append(segment)
    return segments


def text_directive(quote_text: str) -> str | None:
    """`textStart` or `textStart,textEnd`, encoded; None when the quote has no words."""
    segments = passage_segments(quote_text)
    if not segments:
        return None
    first, last = segments[0].split(" "), segments[-1].split(" ")
    if len(segments) == 1 and len(first) <= EXACT_WORDS:
        return encode_term(segments[0])
    if len(segments) == 1:
        start, end = first[:TERM_WORDS], first[-TERM_WORDS:]
    else:
        start, end = first[:TERM_WORDS], last[-TERM_WORDS:]
    return f"{encode_term(' '.join(start))},{encode_term(' '.join(end))}"


@lru_cache(maxsize=65536)  # a citation is shown on its fact page and in every note: compute once
def passage_url(url: str, quote_text: str) -> str | None:
    """The source URL with a text fragment for the quote (replacing any fragment it had)."""
    directive = text_directive(quote_text)
    if directive is None:
        return None
    return urlunsplit(urlsplit(url)._replace(fragment=FRAGMENT_START + directive))
