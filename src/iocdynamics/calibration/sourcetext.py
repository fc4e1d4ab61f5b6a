"""Checking a case against the text it quotes: verbatim quotes, sentences, pages.

Given the plain text of a source (``iocdyn validate-case --text REF=FILE``):

* every quote attributed to that source must occur in it verbatim (up to
  typographic quotes, line-end hyphens and white space);
* a sentence that sets an input (context, lever, initial level, event, lever
  change) may not also be the sentence of a target (an observation), even when the
  two quotes are different parts of it -- the same-sentence form of the rule that
  :func:`~iocdynamics.calibration.evidence.parse_case` enforces on the quotes;
* page markers of the form ``Page N of M`` bound the page of each quote
  (:func:`page_bounds`), so a locator's page can be checked.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .evidence import Case, normalise_text, quote_in_text, raw_quotes, raw_sources

_ABBREV = ("Fig", "Figs", "e.g", "i.e", "al", "p", "pp", "No", "vs", "cf", "Dr", "Mr", "Ms")
_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+(?=[A-Z0-9\"'\u2018\u201c(\[])")
_PAGE = re.compile(r"Page (\d+) of (\d+)")


def sentence_starts(norm: str) -> list[int]:
    """Start offsets of the sentences of a normalised text (see :func:`normalise_text`).

    A sentence ends at ``.``, ``!`` or ``?`` followed by a capital, digit, quote or
    bracket, except after common abbreviations (``Fig.``, ``e.g.``, ``et al.``).
    """
    starts = [0]
    for m in _END.finditer(norm):
        before = norm[:m.start()].rsplit(" ", 1)[-1].rstrip(".")
        if before in _ABBREV:
            continue
        starts.append(m.end())
    return starts


def locate(quote: str, norm: str) -> tuple[int, int] | None:
    """Span of ``quote`` in a normalised text (``None`` if absent)."""
    q = normalise_text(quote)
    i = norm.find(q)
    return (i, i + len(q)) if i >= 0 else None


def sentences_of(quote: str, norm: str, starts: Sequence[int]) -> set[int]:
    """Indices of the sentences that a quote touches (empty if it is not found)."""
    span = locate(quote, norm)
    if span is None:
        return set()
    lo = bisect.bisect_right(starts, span[0]) - 1
    hi = bisect.bisect_right(starts, max(span[0], span[1] - 1)) - 1
    return set(range(lo, hi + 1))


def page_bounds(quote: str, text: str) -> tuple[int, int] | None:
    """The pages a quote can lie on, from the ``Page N of M`` markers around it.

    A marker opens its page; a quote after marker ``N`` and before marker ``K`` lies
    on pages ``N`` to ``K - 1``; before the first marker, from page 1; after the
    last, up to ``M``. ``None`` if the quote is absent or the text has no marker.
    """
    norm = normalise_text(text)
    span = locate(quote, norm)
    marks = [(len(normalise_text(text[:m.start()])), int(m[1]), int(m[2]))
             for m in _PAGE.finditer(text)]
    if span is None or not marks:
        return None
    before = [p for pos, p, _ in marks if pos <= span[0]]
    after = [p for pos, p, _ in marks if pos > span[0]]
    lo = before[-1] if before else 1
    hi = after[0] - 1 if after else marks[-1][2]
    return lo, max(lo, hi)


def check_against_text(case: Case, ref: str, text: str) -> list[tuple[str, str]]:
    """Problems of a case against the text of its source ``ref``.

    Returns
    -------
    list of (entry, reason)
        Quotes of ``ref`` missing from the text, and targets quoting a sentence
        that also sets an input.
    """
    if ref not in case.sources:
        return [("[[sources]]", f"{ref!r} is not a source of case {case.id!r} (its sources: "
                                f"{', '.join(case.sources)})")]
    refs = {e: src.get("ref") for e, src in raw_sources(case.raw)}
    norm = normalise_text(text)
    starts = sentence_starts(norm)
    out: list[tuple[str, str]] = []
    inputs: list[tuple[str, str, set[int]]] = []
    targets: list[tuple[str, str, set[int]]] = []
    for entry, q in raw_quotes(case.raw):
        if refs.get(entry) != ref:
            continue
        if not quote_in_text(q, text):
            out.append((entry, f"quote {q[:60]!r} does not occur verbatim in the text of "
                               f"{ref}"))
            continue
        group = targets if entry.startswith("observation ") else inputs
        group.append((entry, q, sentences_of(q, norm, starts)))
    for te, _tq, ts in targets:
        for ie, iq, isent in inputs:
            if ts & isent:
                out.append((te, f"its quote is from the sentence that sets the input {ie} "
                                f"({iq[:50]!r}); a statement that sets an input cannot be a "
                                "target too"))
    return out
