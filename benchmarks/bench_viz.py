"""Benchmark the visualiser's step: an 8-run ensemble, and A/B x 8 runs, 20,000 subscribers.

Run on demand (never as a timed test):

    python benchmarks/bench_viz.py                  # server side, then click-to-redraw in Chromium
    python benchmarks/bench_viz.py --no-browser     # server side only
    python benchmarks/bench_viz.py --steps 20 --json out.json

Two measurements per configuration (8 runs of A; 8 runs of A and 8 of B):

- *server*: one :meth:`Workbench.step` plus everything the page computes for a redraw
  (the six or seven SVG charts with their bands, the current figures, the ISP cards, the
  B-minus-A panel), in this process, median over ``--steps`` weeks, at the start of the
  run and again after ``--late`` weeks (the charts grow with the weeks; their size in kB
  is printed too);
- *click to redraw*: ``conduit viz`` in a subprocess driven by Debian's Chromium
  (Playwright): the time from clicking Step to the page showing the next week's
  figures, median over ``--steps`` clicks, from week 0 and after playing to week
  ``--late-browser``. This is what the user waits for. For context, the round trip of a
  small change (a switch that shows one slider) on the same page is measured too.

Targets (issue 15): 8 runs under 0.5 s, A/B x 8 under 1 s, click to redraw, on a 2-core
machine. Figures go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIO = ROOT / "scenarios" / "uk-2008-bpi-vs-talktalk.yaml"
SUBSCRIBERS = 20_000
RUNS = 8
VARIANT = "isps.BT.stance: graduated"
CHROMIUM = "/usr/bin/chromium"


def server_side(compare: bool, steps: int, after: int = 0) -> dict[str, float]:
    """Median seconds of one step, and of one step plus the redraw's computations, over
    ``steps`` weeks after ``after`` unmeasured weeks (charts grow with the weeks)."""
    from model.viz import app
    from model.viz.settings import Options, Settings
    from model.viz.workbench import Workbench

    settings = Settings(SCENARIO, SUBSCRIBERS)
    settings.options = Options(ensemble=True, runs=RUNS, compare=compare, variant=VARIANT)
    bench = Workbench(settings)
    assert bench.per_run == SUBSCRIBERS, bench.per_run
    for _ in range(after):
        bench.step()
    step_s, total_s = [], []
    svg_bytes = 0
    for _ in range(steps):
        t0 = time.perf_counter()
        bench.step()
        t1 = time.perf_counter()
        svg_bytes = sum(len(c.svg) for c in app.chart_list(bench))
        app.current_figures(bench)
        for name in bench.a.isps:
            app.isp_lines(bench, name)
            app.reversion(bench, name)
        t2 = time.perf_counter()
        step_s.append(t1 - t0)
        total_s.append(t2 - t0)
    suffix = f"_at_week_{after}" if after else ""
    return {
        f"step_s{suffix}": statistics.median(step_s),
        f"step_and_redraw_s{suffix}": statistics.median(total_s),
        f"chart_kb{suffix}": svg_bytes / 1024,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def click_to_redraw(compare: bool, steps: int, late: int = 0) -> dict[str, float]:
    """Median seconds from clicking Step to the next week shown, in Chromium: from week 0,
    and (``late`` > 0) again after playing to week ``late``."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    conduit = Path(sys.executable).with_name("conduit")
    proc = subprocess.Popen(
        [conduit, "viz", "--port", str(port), "--max-subscribers", str(SUBSCRIBERS)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("Current figures").wait_for()
            switch = page.get_by_label("Ensemble: several seeded runs")
            runs = page.get_by_text("Runs: 8", exact=True)
            toggles = []
            for _ in range(3):  # the page's round trip for a small change, for context
                for state, action in (("visible", switch.check), ("detached", switch.uncheck)):
                    t0 = time.perf_counter()
                    action(force=True)
                    runs.wait_for(state=state)
                    toggles.append(time.perf_counter() - t0)
            switch.check(force=True)
            runs.wait_for()
            expect = "Runs: 8"
            if compare:
                page.get_by_label("Compare with policy B").check(force=True)
                editor = page.locator(".conduit-variant textarea")
                editor.fill(VARIANT)
                editor.press("Tab")
                expect = "Runs: 8 (A) + B"
            page.get_by_role("button", name="Reset").click()
            page.locator(".conduit-figure", has_text=expect).wait_for()
            out = {
                "small_change_roundtrip_s": statistics.median(toggles),
                "click_to_redraw_s": _clicks(page, 0, steps),
            }
            if late:
                page.get_by_role("button", name="▶").click()
                page.locator(".conduit-figure", has_text=f"Week: {late}").wait_for(timeout=600_000)
                page.get_by_role("button", name="❚❚").click()
                page.get_by_role("button", name="Step").wait_for()
                time.sleep(1.0)  # the last played week settles
                week = int(
                    page.locator(".conduit-figure", has_text="Week:").first.inner_text().split()[-1]
                )
                out[f"click_to_redraw_s_at_week_{late}"] = _clicks(page, week, steps)
            browser.close()
        return out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _clicks(page, week: int, steps: int) -> float:
    step = page.get_by_role("button", name="Step")
    times = []
    for n in range(week + 1, week + steps + 1):
        t0 = time.perf_counter()
        step.click()
        page.locator(".conduit-figure", has_text=f"Week: {n}").wait_for()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=12, help="weeks measured (median)")
    parser.add_argument("--no-browser", action="store_true", help="server side only")
    parser.add_argument(
        "--late", type=int, default=200, help="also measure server side after this many weeks"
    )
    parser.add_argument(
        "--late-browser", type=int, default=100, help="also click after playing to this week"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    out: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "subscribers_per_run": SUBSCRIBERS,
        "runs": RUNS,
    }
    for label, compare in (("ensemble-8", False), ("ab-8", True)):
        figures = server_side(compare, args.steps)
        figures.update(server_side(compare, args.steps, after=args.late))
        if not args.no_browser:
            figures.update(click_to_redraw(compare, args.steps, args.late_browser))
        out[label] = figures
        shown = ", ".join(f"{k} {v:.3f}" for k, v in figures.items())
        print(f"{label}: {shown}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
