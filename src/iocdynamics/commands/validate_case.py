"""``iocdyn validate-case FILE... [--text REF=FILE]``: check case files against the schema,
the codebook's rules and (optionally) the text they quote; report agreement between coders."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("validate-case",
                       help="check coded case files (schema, codebook rules, sources, "
                            "agreement between coders)")
    p.add_argument("files", nargs="+", help="case TOML files")
    p.add_argument("--text", action="append", default=[], metavar="REF=FILE",
                   help="plain text of the source REF: quotes must occur in it verbatim "
                        "and no sentence may set an input and a target (repeatable)")
    p.set_defaults(func=_run)


def _texts(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        ref, sep, path = spec.partition("=")
        if not sep or not ref or not path:
            raise ValueError(f"--text {spec!r}: write REF=FILE, e.g. --text "
                             "aunger2021=paper.txt")
        try:
            with open(path, encoding="utf-8") as fh:
                out[ref] = fh.read()
        except OSError as exc:
            raise ValueError(f"--text {spec!r}: cannot read {path} ({exc.strerror})") \
                from exc
    return out


def summary(case) -> list[str]:
    """Lines describing what a valid case's codes are and can show."""
    from collections import Counter

    from ..calibration.agreement import disagreements, independence, reliability

    kinds = Counter(o.evidence for o in case.observations)
    ind = {k: v for k, v in independence([case])[case.id].items() if v}
    quotes = Counter(o.source.quote for o in case.observations if o.source.quote)
    lines = [f"    basis: {case.basis}; coders: {', '.join(case.coder_names) or 'none'}"
             f" (consensus {case.consensus!r}); {len(case.codes)} codes, "
             f"{len(case.observations)} used by the fit",
             "    evidence: " + ", ".join(f"{k} {v}" for k, v in kinds.items())
             + "; independence of the model's source: "
             + ", ".join(f"{k} {v}" for k, v in ind.items()),
             f"    {len(quotes)} distinct quotes support {len(case.observations)} codes"]
    for q, n in quotes.items():
        if n > 1:
            lines.append(f"    note: one quote feeds {n} codes: {q[:70]!r}")
    if len(case.coder_names) < 2:
        lines.append("    agreement: one coder; Krippendorff's alpha needs two or more")
        return lines
    for a in reliability(case):
        val = f"{a.alpha:.3f}" if a.alpha is not None else "n/a"
        lines.append(f"    Krippendorff's alpha (ordinal) {a.variable}: {val} over {a.units} "
                     f"units" + (f" ({a.note})" if a.note else ""))
    for d in disagreements(case):
        levels = ", ".join(f"{c} {lv}" for c, lv in d.levels.items())
        where = f"segment {d.segment!r}" if d.segment else f"month {d.time:g}"
        agreed = f"; agreed {d.agreed}" if d.agreed is not None else ""
        lines.append(f"    disagreement: {d.variable} at {where}: {levels}{agreed} "
                     f"(observations {', '.join(map(str, d.entries))})")
    return lines


def _run(args) -> int:
    import sys

    from ..calibration.evidence import CaseError, known_claim_ids, load_case
    from ..calibration.sourcetext import check_against_text

    texts = _texts(args.text)
    seen: dict[str, str] = {}
    bad = 0
    for f in args.files:
        try:
            c = load_case(f)
        except CaseError as exc:
            print(str(exc), file=sys.stderr)
            bad += 1
            continue
        problems = [p for ref, text in texts.items() if ref in c.sources
                    for p in check_against_text(c, ref, text)]
        if c.id in seen:
            problems.append(("[case] id", f"duplicate case id {c.id!r}: {seen[c.id]} uses "
                                          "it too"))
        if problems:
            print(str(CaseError(f, problems)), file=sys.stderr)
            bad += 1
            continue
        seen[c.id] = f
        print(f"ok  {f}: {c.id}, {len(c.observations)} observations of "
              f"{', '.join(c.variables)}; {len(c.events)} events; horizon {c.horizon:g} "
              "months")
        for line in summary(c):
            print(line)
    ids, origin = known_claim_ids()
    print(f"claim ids checked against {origin}" if ids is not None else origin)
    return 2 if bad else 0
