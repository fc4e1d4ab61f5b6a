"""Benchmark of the fast engine against PySD (run by ``make bench``, not by the tests).

Prints, measured side by side in one run on this machine: PySD seconds per run;
the fast engine's seconds per single run; ensemble throughput (runs per second)
at N = 1, 100, 10,000 and 100,000; each as a ratio to PySD; the fraction of the
machine's attainable numpy throughput the engine reaches (operations per step
counted from the sympy expressions, against a measured numpy kernel); and the
peak memory of 100,000-member ensembles (in memory, and streamed to a netCDF
store) measured in fresh processes.

Usage: ``python benchmarks/engine.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "experiments" / "scenarios" / "voluntary_buddying.toml"
SIZES = (1, 100, 10_000, 100_000)
SEED = 20240601


def machine() -> str:
    import numba

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"numba {numba.__version__}")


def best_of(fn, repeat: int) -> float:
    """Smallest wall time of ``repeat`` calls (the least disturbed by other load)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def numpy_flops_per_second() -> float:
    """Attainable element-wise numpy throughput: a multiply-add chain on arrays that
    stay in cache, best of sizes 4k..1M (one core, as numpy ufuncs run)."""
    best = 0.0
    for n in (4096, 65536, 1 << 20):
        a, b, c = (np.random.default_rng(0).random(n) for _ in range(3))
        t_out = np.empty(n)
        reps = max(1, (1 << 24) // n)

        def kernel(a=a, b=b, c=c, t_out=t_out, reps=reps):
            for _ in range(reps):
                np.multiply(a, b, out=t_out)
                np.add(t_out, c, out=t_out)

        dt = best_of(kernel, 5)
        best = max(best, 2 * n * reps / dt)
    return best


def child(n: int, store: str | None) -> None:
    """Run one ensemble in this (fresh) process; print wall time and peak RSS."""
    from iocdynamics.ensemble import sample_parameters, simulate_ensemble

    table = sample_parameters(n, seed=SEED)
    simulate_ensemble(sample_parameters(4, seed=SEED), BASE)  # load the kernel
    t = time.perf_counter()
    ds = simulate_ensemble(table, BASE, store=store)
    if store is not None:
        ds.close()
    dt = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"seconds": dt, "peak_bytes": peak}))


def run_child(n: int, store: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n)] + (["--store", store] if store else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no N = 100,000")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.store)
        return

    from iocdynamics.engine import get_kernel, time_grid
    from iocdynamics.ensemble import sample_parameters, simulate_ensemble
    from iocdynamics.scenario import load_scenario
    from iocdynamics.simulation import simulate

    sc = load_scenario(BASE)
    steps = len(time_grid(sc.final_time, sc.time_step)) - 1
    kernel = get_kernel()
    print(f"machine: {machine()}")
    print(f"scenario: {sc.name} ({sc.final_time:g} months, time step {sc.time_step:g}, "
          f"{steps} steps, saved every {sc.save_interval:g}); kernel back end: "
          f"{kernel.backend}; {kernel.flops_per_step} operations per member and step")
    print("times are the best of several repeats (the CPU may be shared)\n")

    simulate(sc, engine="pysd")  # translation and first-run costs are not counted
    simulate(sc, engine="fast")
    pysd_s = best_of(lambda: simulate(sc, engine="pysd"), 3 if args.quick else 7)
    fast_s = best_of(lambda: simulate(sc, engine="fast"), 50 if args.quick else 300)
    pysd_rate = 1.0 / pysd_s
    rows = [("PySD, one run", pysd_s, pysd_rate, 1.0),
            ("fast engine, one run (simulate)", fast_s, 1 / fast_s, pysd_s / fast_s)]
    numpy_peak = numpy_flops_per_second()
    fractions = {}
    sizes = SIZES[:3] if args.quick else SIZES
    for n in sizes:
        table = sample_parameters(n, seed=SEED)
        simulate_ensemble(table.iloc[:2], BASE)
        reps = 5 if n <= 100 else (2 if n <= 10_000 else 1)
        dt = best_of(lambda table=table: simulate_ensemble(table, BASE), reps)
        rows.append((f"ensemble N = {n:,}", dt / n, n / dt, (n / dt) / pysd_rate))
        fractions[n] = kernel.flops_per_step * steps * n / dt / numpy_peak

    print(f"{'':34s} {'s per run':>12s} {'runs per s':>12s} {'x PySD':>10s}")
    for name, s, rate, ratio in rows:
        print(f"{name:34s} {s:12.3g} {rate:12,.0f} {ratio:10,.0f}")

    print(f"\nattainable numpy throughput (multiply-add, one core): {numpy_peak / 1e9:.2f} "
          "GFLOP/s")
    for n, frac in fractions.items():
        print(f"engine at N = {n:>7,}: {frac * numpy_peak / 1e9:6.2f} GFLOP/s = "
              f"{frac:6.2f} x attainable numpy throughput")

    single_ratio = rows[1][3]
    ens = {int(name.split("=")[1].replace(",", "")): ratio for name, _, _, ratio in rows[2:]}
    print("\ntargets:")
    print(f"  single run >= 50 x PySD: {single_ratio:,.0f} x -> "
          f"{'met' if single_ratio >= 50 else 'MISSED'}")
    if 10_000 in ens:
        print(f"  ensemble of 10,000 >= 1,000 x PySD runs per second: {ens[10_000]:,.0f} x -> "
              f"{'met' if ens[10_000] >= 1000 else 'MISSED'}")

    if not args.quick:
        print("\npeak memory, N = 100,000, 60 months saved monthly (fresh processes):")
        mem = run_child(100_000)
        print(f"  in memory: {mem['peak_bytes'] / 2**30:.2f} GiB peak RSS "
              f"({mem['seconds']:.1f} s)")
        with tempfile.TemporaryDirectory() as d:
            mem2 = run_child(100_000, str(Path(d) / "ens.nc"))
        print(f"  streamed to a netCDF store: {mem2['peak_bytes'] / 2**30:.2f} GiB peak RSS "
              f"({mem2['seconds']:.1f} s)")
        worst = max(mem["peak_bytes"], mem2["peak_bytes"]) / 2**30
        print(f"  target < 2 GiB: {'met' if worst < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
