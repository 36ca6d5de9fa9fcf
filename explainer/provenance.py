"""What templates show about where each citation comes from, as Jinja globals.

  passage_url(citation)   the source URL with a text fragment that opens it at the quote
  robust_attrs(source)    Robust Links attributes for a link to the live source (archived=true:
                          for the link to the archived copy); empty without an archive_url
  quote_check(citation)   whether the quote was verified against a snapshot (QuoteCheck)
  source_mix(facts)       citations on primary sources and on secondary reports (all facts
                          when none are given)
  corrections_of(fact_id) the corrections log's entries that name the fact, newest first
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from markupsafe import Markup

from .fragments import passage_url
from .model import Citation, Correction, Fact, Site, Source, SourceMix, source_mix
from .verify import QuoteCheck, Verification


def version_date(source: Source) -> str:
    """The date of the archived version: when it was archived, else when we read the source."""
    return source.archive_date or source.accessed


def robust_link_attributes(source: Source, archived: bool = False) -> Markup:
    """` data-versionurl=… data-versiondate=…` (Robust Links) for a source with an archived copy."""
    if not source.archive_url:
        return Markup("")
    if archived:
        return Markup(' data-originalurl="{}" data-versiondate="{}"').format(source.url, version_date(source))
    return Markup(' data-versionurl="{}" data-versiondate="{}"').format(source.archive_url, version_date(source))


def provenance_globals(site: Site, verification: Verification) -> dict[str, Callable[..., Any]]:
    """The template globals listed in this module's docstring, bound to one site and build."""

    def citation_passage_url(citation: Citation) -> str | None:
        source = site.sources.get(citation.source)
        return passage_url(source.url, citation.quote) if source is not None else None

    def quote_check(citation: Citation) -> QuoteCheck:
        return verification.of(citation)

    def mix(facts: Iterable[Fact] | None = None) -> SourceMix:
        return source_mix(site, site.facts.values() if facts is None else facts)

    def corrections_of(fact_id: str) -> list[Correction]:
        return sorted((c for c in site.corrections if fact_id in c.facts), key=lambda c: c.date, reverse=True)

    return {"passage_url": citation_passage_url, "robust_attrs": robust_link_attributes,
            "quote_check": quote_check, "source_mix": mix, "corrections_of": corrections_of}

