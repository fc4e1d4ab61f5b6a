"""Mutation testing of the model, the engine, scenario timing and the likelihood.

Runs cosmic-ray once per target (``tools/mutation/<target>.toml``): ``init`` lists
every mutant, the operator selection of ``operators.toml`` and the target's own
function filter skip the rest, ``baseline`` checks that the tests pass unmutated,
``exec`` runs the target's test command once per mutant (each in a fresh process,
on a copy of the file mutated in place and restored), and a summary lists the score
and every surviving mutant with its diff::

    python tools/mutation/run.py                  # every target, every mutant
    python tools/mutation/run.py model --sample 120 --seed 1
    python tools/mutation/run.py model --resume   # continue an interrupted session

``--sample N`` runs a seeded random sample of N mutants per target (the others are
marked skipped), for an estimate in a fraction of the time. Sessions and summaries
go to ``out/mutation/``.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TARGETS = ("model", "engine", "scenario", "likelihood")


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, check=True, text=True, capture_output=True)


def _config(target: str, out: Path) -> Path:
    """The target's config with the shared operator selection appended."""
    text = (HERE / f"{target}.toml").read_text() + "\n" + (HERE / "operators.toml").read_text()
    path = out / f"{target}.toml"
    path.write_text(text)
    return path


def _function_ranges(path: Path, names: list[str]) -> list[tuple[int, int]]:
    """Line ranges of the named functions (``name`` or ``Class.name``) in ``path``."""
    tree = ast.parse(path.read_text())
    found: dict[str, tuple[int, int]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = (node.lineno, node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{sub.name}"] = (sub.lineno, sub.end_lineno)
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit(f"{path}: no function(s) {missing} to mutate")
    return [found[n] for n in names]


def _restrict(session: Path, config_path: Path, sample: int | None, seed: int) -> None:
    """Skip mutants outside the configured functions, then all but a seeded sample."""
    from cosmic_ray.config import load_config
    from cosmic_ray.work_db import use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    cfg = load_config(str(config_path))
    functions = cfg.sub("filters", "functions").get("names", [])
    # "path::Class.function" names a function of one of several mutated files; a bare
    # name one of the single module path
    wanted: dict[str, list[str]] = {}
    for name in functions:
        path, _, func = name.rpartition("::")
        wanted.setdefault(path or str(cfg["module-path"]), []).append(func)
    ranges = {str(Path(p)): _function_ranges(ROOT / p, f) for p, f in wanted.items()}
    with use_db(str(session)) as db:
        skip = []
        for item in db.pending_work_items:
            m = item.mutations[0]
            spans = ranges.get(str(Path(m.module_path)))
            if spans is not None and not any(a <= m.start_pos[0] <= b for a, b in spans):
                skip.append(item.job_id)
        if skip:
            db.set_multiple_results(skip, WorkResult(output="outside the mutated functions",
                                                     worker_outcome=WorkerOutcome.SKIPPED))
        pending = sorted(i.job_id for i in db.pending_work_items)
        if sample is not None and sample < len(pending):
            keep = set(random.Random(seed).sample(pending, sample))
            db.set_multiple_results([j for j in pending if j not in keep],
                                    WorkResult(output="not in the sample",
                                               worker_outcome=WorkerOutcome.SKIPPED))


def _summary(target: str, session: Path, seconds: float, sample: int | None) -> dict:
    dump = _run([_bin("cosmic-ray"), "dump", str(session)]).stdout
    counts = {"killed": 0, "survived": 0, "incompetent": 0, "timeout": 0}
    survivors = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        if not result or result.get("worker_outcome") == "skipped":
            continue
        outcome = result.get("test_outcome")
        if result.get("worker_outcome") == "abnormal":
            outcome = "timeout"
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "survived":
            m = item["mutations"][0]
            survivors.append({"file": m["module_path"], "line": m["start_pos"][0],
                              "operator": m["operator_name"], "occurrence": m["occurrence"],
                              "diff": result.get("diff", "")})
    run = counts["killed"] + counts["survived"] + counts["timeout"]
    # a mutant that makes the tests hang is detected (the run fails by timeout)
    detected = counts["killed"] + counts["timeout"]
    score = detected / run if run else float("nan")
    lo, hi = _wilson(detected, run)
    return {"target": target, "mutants_run": run, "killed": counts["killed"],
            "timeouts": counts["timeout"], "survived": counts["survived"],
            "incompetent": counts["incompetent"], "score": score, "interval95": [lo, hi],
            "sample": sample, "seconds": round(seconds), "survivors": survivors}


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h


def run_target(target: str, out: Path, sample: int | None, seed: int,
               resume: bool = False) -> dict:
    cfg = _config(target, out)
    session = out / f"{target}.sqlite"
    t0 = time.monotonic()
    if not (resume and session.exists()):
        session.unlink(missing_ok=True)
        _run([_bin("cosmic-ray"), "init", str(cfg), str(session)])
        _run([_bin("cr-filter-operators"), str(session), str(cfg)])
        _restrict(session, cfg, sample, seed)
        print(f"[{target}] baseline ...", flush=True)
        _run([_bin("cosmic-ray"), "baseline", str(cfg)])
    print(f"[{target}] mutants ...", flush=True)
    subprocess.run([_bin("cosmic-ray"), "exec", str(cfg), str(session)], cwd=ROOT, check=True)
    summary = _summary(target, session, time.monotonic() - t0, sample)
    (out / f"{target}.json").write_text(json.dumps(summary, indent=1))
    lo, hi = summary["interval95"]
    print(f"[{target}] {summary['killed'] + summary['timeouts']} of {summary['mutants_run']} "
          f"mutants detected: score {summary['score']:.1%} (95% interval {lo:.1%}-{hi:.1%}), "
          f"{summary['survived']} survived, {summary['seconds']} s", flush=True)
    for s in summary["survivors"]:
        print(f"  survived: {s['file']}:{s['line']} {s['operator']}")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="*", help=f"any of {', '.join(TARGETS)} (default all)")
    ap.add_argument("--sample", type=int, default=None,
                    help="run a seeded random sample of this many mutants per target")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "mutation")
    ap.add_argument("--resume", action="store_true",
                    help="continue the target's existing session (mutants not yet run)")
    args = ap.parse_args(argv)
    bad = [t for t in args.targets if t not in TARGETS]
    if bad:
        ap.error(f"unknown target(s) {bad}; choose from {', '.join(TARGETS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    # the test commands call `python`: the interpreter running this script
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    for target in args.targets or TARGETS:
        run_target(target, args.out, args.sample, args.seed, args.resume)
    return 0


if __name__ == "__main__":
    sys.exit(main())
