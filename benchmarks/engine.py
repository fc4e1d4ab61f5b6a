"""Benchmark of the fast engine (run by ``make bench``, not by the tests).

Prints, measured side by side in one run on this machine (CPU model and SIMD
level first):

* PySD and the fast engine on one run (``simulate``, warm);
* ensemble throughput (runs per second) of parameter tables at N = 1, 100,
  10,000 and 100,000, each as a ratio to PySD, and at N = 10,000 on one thread
  (on a shared machine the threads of a parallel run wait for each other, and
  the CPU time counts the waiting);
* lists of 10,000 scenarios with events (``Scenario`` objects, dicts with one
  event, random dicts with one to three events as a user would build them in a
  loop), each as a ratio to the equivalent parameter table, with the CPU time of
  planning each (validating the members, building the engine's inputs);
* the machine's own peak: a compiled multiply-add loop over arrays of the
  kernel's width (``engine.LANES``) on the threads the engine uses, against
  which the engine's operation rate is reported;
* peak memory of 100,000-member ensembles (in memory, and streamed to a netCDF
  store) in fresh processes.

Times are the best of several repeats (the least disturbed by other load); the
lists of scenarios and their table are run in turns, so that they meet the same load.
Usage: ``python benchmarks/engine.py [--quick]`` (``--quick``: fewer repeats, no
N = 100,000).
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
N_LIST = 10_000
SEED = 20240601


# ------------------------------------------------------------------ machine
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def simd_level() -> str:
    """The widest vector instructions the CPU offers, and what LLVM compiles for."""
    import llvmlite.binding as llvm

    try:
        flags = set()
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        flags = set()
    if "avx512f" in flags:
        level = "AVX-512 (512-bit)"
    elif "avx2" in flags and "fma" in flags:
        level = "AVX2 + FMA (256-bit)"
    elif "avx" in flags:
        level = "AVX (256-bit)"
    else:
        level = "SSE (128-bit)" if flags else "unknown"
    return f"{level}; LLVM target {llvm.get_host_cpu_name()}"


def machine() -> str:
    import numba

    return (f"{cpu_model()}, {os.cpu_count()} cores, {numba.get_num_threads()} engine "
            f"threads, {platform.system()} {platform.machine()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}")


def best_of(fn, repeat: int) -> tuple[float, float]:
    """Smallest wall time and smallest CPU time (every thread of this process) of
    ``repeat`` calls: the least disturbed by other load."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def peak_flops(lanes: int, threads: int) -> tuple[float, float]:
    """Measured peak, in the kernel's own style: per thread, a scratch array of 8 rows
    of ``lanes`` float64 values, each step 16 fused multiply-adds (2 flops each) per
    row over the lanes, in one lane loop that LLVM vectorises. Returns (FLOP/s over
    wall time, FLOP/s per CPU-second)."""
    from numba import njit, prange

    chains, k = 8, 16
    src = ["def chain(reps, seed, a, b):", f"    B = np.empty({chains * lanes})",
           f"    for r in range({chains * lanes}):", "        B[r] = 1.0 + seed + r * 1e-9",
           "    for _ in range(reps):", f"        for lane in range({lanes}):"]
    src += [f"            v{c} = B[{c * lanes} + lane]" for c in range(chains)]
    src += [f"            v{c} = v{c} * a + b" for _ in range(k) for c in range(chains)]
    src += [f"            B[{c * lanes} + lane] = v{c}" for c in range(chains)]
    src.append("    return B.sum()")
    namespace: dict = {"np": np}
    exec("\n".join(src), namespace)
    chain = njit(fastmath=True)(namespace["chain"])  # fastmath: contract to FMA

    @njit(parallel=True)
    def run(reps, n_threads):
        out = np.zeros(n_threads)
        for t in prange(n_threads):
            out[t] = chain(reps, t * 1e-9, 0.9999999, 1e-7)
        return out

    run(1, threads)
    reps = 300_000
    wall, cpu = best_of(lambda: run(reps, threads), 5)
    flops = 2 * k * chains * lanes * reps * threads
    return flops / wall, flops / cpu


# ------------------------------------------------------------------ members
def scenario_dicts(n: int, seed: int, random_events: bool) -> list[dict]:
    """Dicts built from the base scenario in a loop: one event each, or one to three
    random events (kind, month, size) as a user exploring timelines would."""
    from iocdynamics.model import EVENT_KINDS
    from iocdynamics.scenario import load_scenario

    base = load_scenario(BASE).to_dict()
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        d = dict(base, name=f"member {i}")
        if random_events:
            months = rng.choice(np.arange(1, 59), size=int(rng.integers(1, 4)), replace=False)
            events = [{"at": float(m), "kind": str(rng.choice(EVENT_KINDS)),
                       "size": float(rng.uniform(0.1, 1.0))} for m in months]
        else:
            events = [{"at": float(rng.integers(1, 59)), "kind": "quick_win",
                       "size": float(rng.uniform(0.1, 1.0))}]
        d["events"] = events
        out.append(d)
    return out


# ------------------------------------------------------------------- memory
def child(n: int, store: str | None) -> None:
    """Run one ensemble in this (fresh) process; print wall time and peak RSS."""
    from iocdynamics.ensembles import sample_parameters, simulate_ensemble

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


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, no N = 100,000")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.store)
        return

    import numba

    from iocdynamics.engine import LANES, get_kernel, time_grid
    from iocdynamics.ensembles import plan_ensemble, sample_parameters, simulate_ensemble
    from iocdynamics.scenario import load_scenario
    from iocdynamics.simulation import simulate

    reps = 3 if args.quick else 7
    sc = load_scenario(BASE)
    steps = len(time_grid(sc.final_time, sc.time_step)) - 1
    kernel = get_kernel()
    threads = numba.get_num_threads()
    print(f"machine: {machine()}")
    print(f"SIMD: {simd_level()}; kernel blocks of {LANES} members (float64 lanes)")
    print(f"load average at start: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
    print(f"scenario: {sc.name} ({sc.final_time:g} months, time step {sc.time_step:g}, "
          f"{steps} steps, saved every {sc.save_interval:g}); kernel back end: "
          f"{kernel.backend}; per member and step: {kernel.flops_per_step} model "
          f"operations, {kernel.ops_per_step} executed (elementary functions expanded)")
    print("best of several repeats; 'per CPU-s' divides by the CPU time of this process "
          "(all threads), which other load on a shared machine disturbs less\n")

    # ---------------------------------------------------------- single runs
    simulate(sc, engine="pysd")  # translation and first-run costs are not counted
    simulate(sc, engine="fast")
    pysd_s, pysd_cpu = best_of(lambda: simulate(sc, engine="pysd"), reps)
    fast_s, fast_cpu = best_of(lambda: simulate(sc, engine="fast"),
                               100 if args.quick else 500)
    rows = [("PySD, one run", pysd_s, pysd_cpu, 1),
            ("fast engine, one run (simulate)", fast_s, fast_cpu, 1)]

    # ------------------------------------------------------------- tables
    rates, cpu_rates = {}, {}
    sizes = SIZES[:3] if args.quick else SIZES
    for n in sizes:
        table = sample_parameters(n, seed=SEED)
        simulate_ensemble(table.iloc[:2], BASE)
        r = reps if n <= 100 else (3 if n <= 10_000 else 1)
        dt, cpu = best_of(lambda table=table: simulate_ensemble(table, BASE), r)
        rates[n], cpu_rates[n] = n / dt, n / cpu
        rows.append((f"table, N = {n:,}", dt, cpu, n))
        if n == 10_000 and threads > 1:  # no thread waits for a descheduled other
            numba.set_num_threads(1)
            try:
                dt1, cpu1 = best_of(lambda table=table: simulate_ensemble(table, BASE), r)
            finally:
                numba.set_num_threads(threads)
            one_thread = n / cpu1
            rows.append((f"table, N = {n:,}, one thread", dt1, cpu1, n))

    # ------------------------------------------------------ scenario lists
    from iocdynamics.scenario import Scenario

    one_event = scenario_dicts(N_LIST, SEED, random_events=False)
    random_dicts = scenario_dicts(N_LIST, SEED + 1, random_events=True)
    objects = [Scenario.from_dict(d) for d in one_event]
    equivalent = sample_parameters(N_LIST, ["trust_build_time"], seed=SEED)
    simulate_ensemble(objects[:8])
    r = 3 if args.quick else 5
    lists = {f"table of {N_LIST:,} (equivalent)": lambda: simulate_ensemble(equivalent, BASE),
             "Scenario objects, one event each": lambda: simulate_ensemble(objects),
             "dicts, one event each": lambda: simulate_ensemble(one_event),
             "random dicts, 1-3 events each": lambda: simulate_ensemble(random_dicts)}
    # in turns, so that each list and the table meet the same load
    times = [[best_of(fn, 1) for fn in lists.values()] for _ in range(r)]
    list_rows = [((name if i == 0 else f"{N_LIST:,} {name}"),
                  min(t[i][0] for t in times), min(t[i][1] for t in times))
                 for i, name in enumerate(lists)]
    table_s, table_cpu = list_rows[0][1:]
    # planning: validating the members and building the engine's inputs (one thread)
    plans = {"table": (equivalent, BASE), "objects": (objects, None),
             "dicts": (one_event, None), "random dicts": (random_dicts, None)}
    plan_s = {k: best_of(lambda m=m, b=b: plan_ensemble(m, b), 5)[1]
              for k, (m, b) in plans.items()}
    parse_s, _ = best_of(lambda: [Scenario.from_dict(d) for d in one_event], 3)

    # -------------------------------------------------------------- report
    print(f"{'':36s} {'s per run':>10s} {'runs/s':>9s} {'x PySD':>8s} "
          f"{'per CPU-s':>10s} {'x PySD':>8s}")
    for name, wall, cpu, n in rows:
        print(f"{name:36s} {wall / n:10.3g} {n / wall:9,.0f} {pysd_s / (wall / n):8,.0f} "
              f"{n / cpu:10,.0f} {pysd_cpu / (cpu / n):8,.0f}")
    print(f"\n{'lists of scenarios':36s} {'seconds':>10s} {'runs/s':>9s} {'x table':>8s} "
          f"{'per CPU-s':>10s} {'x table':>8s}")
    for name, wall, cpu in list_rows:
        print(f"{name:36s} {wall:10.3f} {N_LIST / wall:9,.0f} {wall / table_s:8.2f} "
              f"{N_LIST / cpu:10,.0f} {cpu / table_cpu:8.2f}")
    print("  planning (validating the members, building the inputs), CPU s: "
          + ", ".join(f"{k} {v:.3f}" for k, v in plan_s.items()))
    print(f"  (for comparison, Scenario.from_dict on each of the {N_LIST:,} dicts: "
          f"{parse_s:.3f} s)")

    peak, peak_cpu = peak_flops(LANES, threads)
    print(f"\nmachine peak: {peak / 1e9:.1f} GFLOP/s ({peak_cpu / 1e9:.1f} per CPU-s): "
          f"fused multiply-adds over {LANES}-wide float64 rows of a scratch array, the "
          f"kernel's layout, 8 rows, {threads} threads")
    for n in rates:
        if n < 10_000:
            continue
        executed = kernel.ops_per_step * steps * rates[n]
        executed_cpu = kernel.ops_per_step * steps * cpu_rates[n]
        print(f"engine at N = {n:>7,}: {executed / 1e9:5.1f} G operations/s = "
              f"{executed / peak:4.0%} of peak ({executed_cpu / 1e9:.1f} per CPU-s = "
              f"{executed_cpu / peak_cpu:4.0%}); model operations "
              f"{kernel.flops_per_step * steps * rates[n] / 1e9:.1f} G/s")
    print("  (an operation: one add, multiply, divide, compare, select or integer "
          "operation; peak FLOP/s count a fused multiply-add as two)")

    print("\ntargets (wall time, as measured above):")
    print(f"  simulate under 0.3 ms warm: {fast_s * 1e3:.2f} ms -> {verdict(fast_s < 3e-4)}")
    if 10_000 in rates:
        alone = (f", {one_thread * threads:,.0f} from one thread's CPU time x {threads}"
                 if threads > 1 else "")
        print(f"  table of 10,000 at least 100,000 runs/s: {rates[10_000]:,.0f} "
              f"({cpu_rates[10_000] * threads:,.0f} from CPU time x {threads} threads"
              f"{alone}) -> {verdict(rates[10_000] >= 100_000)}")
    worst_name, worst_s, _ = max(list_rows[1:], key=lambda row: row[1])
    worst = worst_s / table_s
    slowest = N_LIST / worst_s
    print(f"  lists of 10,000 scenarios with events within 1.5 x the table: worst "
          f"({worst_name.removeprefix(f'{N_LIST:,} ')}) {worst:.2f} x -> "
          f"{verdict(worst <= 1.5)}")
    print(f"  lists of 10,000 scenarios with events at least 65,000 runs/s: slowest "
          f"{slowest:,.0f} -> {verdict(slowest >= 65_000)}")

    if not args.quick:
        print("\npeak memory, N = 100,000, 60 months saved monthly (fresh processes):")
        mem = run_child(100_000)
        print(f"  in memory: {mem['peak_bytes'] / 2**30:.2f} GiB peak RSS "
              f"({mem['seconds']:.1f} s)")
        with tempfile.TemporaryDirectory() as d:
            mem2 = run_child(100_000, str(Path(d) / "ens.nc"))
        print(f"  streamed to a netCDF store: {mem2['peak_bytes'] / 2**30:.2f} GiB peak RSS "
              f"({mem2['seconds']:.1f} s)")
        worst_mem = max(mem["peak_bytes"], mem2["peak_bytes"]) / 2**30
        print(f"  target < 2 GiB: {verdict(worst_mem < 2)}")


if __name__ == "__main__":
    main()
