"""Benchmark the full model against the numpy floor and a one-agent-per-subscriber Mesa model.

Run on demand (never as a timed test):

    python benchmarks/bench_model.py                       # 10k, 100k, 1M, 10M x 52 weeks
    python benchmarks/bench_model.py --sizes 10000,1000000 --steps 52 --json out.json
    python benchmarks/bench_model.py --sweep               # also sweep throughput, 1 vs 2 workers

Each size runs in a fresh process, so its peak RSS is its own. Printed per size: wall time
of the weekly steps (initialisation excluded, reported separately), subscriber-steps per
second, nanoseconds per subscriber-step (wall clock, and CPU time of the process, which
a shared machine's load inflates less), peak RSS and bytes per subscriber; then the
speed-up over the per-agent Mesa baseline at equal size and the model's cost as a
multiple of the numpy floor (one uniform draw and one comparison per subscriber).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _scenario(subscribers: int, **extra):
    from model import load_scenario

    # every rule on: monitoring, escalation, a legal service, a law passing mid-run
    overrides = {
        "population.subscribers": subscribers,
        "rights_bodies.BPI.legal_service.launch_week": 10,
        "rights_bodies.BPI.max_level": "litigate",
        "regulator.schedule.bill_week": 5,
        "regulator.schedule.law_week": 20,
        "regulator.due_process": True,
        **extra,
    }
    return load_scenario(SCENARIO, overrides=overrides)


def time_model(subscribers: int, steps: int, seed: int = 1) -> dict:
    """Time ``steps`` weeks of the full model at ``subscribers`` (run in a fresh process)."""
    from model import PolicyModel

    scenario = _scenario(subscribers)
    t0 = time.perf_counter()
    m = PolicyModel(scenario, rng=seed)
    t1 = time.perf_counter()
    c1 = time.process_time()
    m.run(steps)
    t2 = time.perf_counter()
    cpu = time.process_time() - c1
    m.outcomes()
    seconds = t2 - t1
    rss = _peak_rss_mb()
    return {
        "subscribers": subscribers,
        "steps": steps,
        "init_seconds": round(t1 - t0, 4),
        "seconds": round(seconds, 4),
        "subscriber_steps_per_s": subscribers * steps / seconds,
        "ns_per_subscriber_step": seconds / (subscribers * steps) * 1e9,
        # CPU time of this process: what the step costs when the machine is shared
        "cpu_ns_per_subscriber_step": cpu / (subscribers * steps) * 1e9,
        "peak_rss_mb": round(rss, 1),
        "bytes_per_subscriber": rss * 2**20 / subscribers,
        "state_bytes_per_subscriber": m.population.state_bytes() / subscribers,
    }


def numpy_floor(n: int = 1_000_000, repeats: int = 50) -> float:
    """ns per subscriber of one float32 uniform draw and one comparison over n subscribers."""
    rng = np.random.default_rng(0)
    u = np.empty(n, dtype=np.float32)
    out = np.empty(n, dtype=bool)
    best = np.inf
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(repeats // 5):
            rng.random(dtype=np.float32, out=u)
            np.less(u, np.float32(0.1), out=out)
        best = min(best, (time.perf_counter() - t) / (repeats // 5))
    return best / n * 1e9


def _in_process(fn, *args) -> dict:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def time_baseline(subscribers: int, steps: int, seed: int = 1) -> float:
    """Seconds for the per-agent Mesa baseline (benchmarks/baseline_mesa_agents.py)."""
    from benchmarks.baseline_mesa_agents import time_baseline as run

    return run(subscribers, steps, seed)


def sweep_throughput(workers: int, runs: int = 64, subscribers: int = 100_000, steps: int = 260):
    """Runs per minute of a sweep through the experiment runner with ``workers`` processes."""
    import tempfile

    from model.experiment import run_experiment

    scenario = _scenario(subscribers)
    scenario.experiment.replicates = runs
    scenario.experiment.steps = steps
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        run_experiment(scenario, root=out, workers=workers)
        seconds = time.perf_counter() - t
    return {
        "workers": workers,
        "runs": runs,
        "seconds": seconds,
        "runs_per_min": runs / seconds * 60,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000,10000000")
    ap.add_argument("--steps", type=int, default=52)
    ap.add_argument("--baseline-sizes", default="1000,10000")
    ap.add_argument("--baseline-steps", type=int, default=52)
    ap.add_argument("--sweep", action="store_true", help="also measure sweep throughput")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    args = ap.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(
        f"conduit benchmark on {platform.node()} ({platform.processor() or platform.machine()}),"
        f" python {platform.python_version()}, numpy {np.__version__}"
    )
    floor = numpy_floor()
    print(f"numpy floor: {floor:.2f} ns per subscriber (one float32 draw + one comparison)\n")
    header = (
        f"{'subscribers':>12} {'steps':>5} {'seconds':>8} {'sub-steps/s':>12} "
        f"{'ns/sub-step':>11} {'cpu ns':>7} {'x floor':>7} {'peak RSS MB':>11} {'B/sub':>7} "
        f"{'state B/sub':>11}"
    )
    print(header)
    rows = []
    for n in sizes:
        r = _in_process(time_model, n, args.steps)
        rows.append(r)
        print(
            f"{n:>12,} {r['steps']:>5} {r['seconds']:>8.2f} {r['subscriber_steps_per_s']:>12.3g} "
            f"{r['ns_per_subscriber_step']:>11.1f} {r['cpu_ns_per_subscriber_step']:>7.1f} "
            f"{r['ns_per_subscriber_step'] / floor:>7.1f} "
            f"{r['peak_rss_mb']:>11.0f} {r['bytes_per_subscriber']:>7.0f} "
            f"{r['state_bytes_per_subscriber']:>11.0f}"
        )

    baseline = None
    base_sizes = [int(s) for s in args.baseline_sizes.split(",") if s]
    if base_sizes:
        print("\nper-agent Mesa baseline (one mesa.Agent per subscriber):")
        for n in base_sizes:
            b = _in_process(time_baseline, n, args.baseline_steps)
            v = _in_process(time_model, n, args.baseline_steps)
            speedup = b / v["seconds"]
            print(
                f"{n:>12,} subscribers x {args.baseline_steps} weeks: baseline {b:.2f} s, "
                f"vectorised {v['seconds']:.3f} s, speed-up {speedup:.0f}x"
            )
            baseline = {
                "subscribers": n,
                "speedup": speedup,
                "baseline_seconds": b,
                "model_seconds": v["seconds"],
            }

    sweeps = []
    if args.sweep:
        print("\nsweep throughput (64 runs x 100k subscribers x 260 weeks):")
        for w in (1, 2):
            s = sweep_throughput(w)
            sweeps.append(s)
            print(f"  {w} worker(s): {s['seconds']:.1f} s, {s['runs_per_min']:.1f} runs/min")
        efficiency = sweeps[0]["seconds"] / sweeps[1]["seconds"]
        print(f"  parallel efficiency: {efficiency:.2f}x on 2 workers")

    if args.json:
        out = {
            "sizes": rows,
            "baseline": baseline,
            "floor_ns_per_subscriber": floor,
            "sweep": sweeps,
        }
        args.json.write_text(json.dumps(out, indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
