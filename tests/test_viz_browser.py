"""`conduit viz` in a real browser: Debian's Chromium driven by Playwright.

Starts `conduit viz` on a free loopback port (20,000 subscribers), loads the page,
checks the controls and charts, moves the detection slider, steps, plays, saves the
settings as a scenario that `conduit check` accepts, switches scenario, stops the server.
Without /usr/bin/chromium the test fails (it never skips: `make browser` installs it).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CONDUIT = Path(sys.executable).with_name("conduit")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(180)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"conduit viz exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise AssertionError(f"conduit viz did not listen on port {port} within {limit_s} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One `conduit viz` for the module's tests (each test opens its own sessions)."""
    tmp = tmp_path_factory.mktemp("viz")
    port = free_port()
    save_dir, results = tmp / "saved", tmp / "results"
    proc = subprocess.Popen(
        [
            CONDUIT,
            "viz",
            "--port",
            str(port),
            "--max-subscribers",
            "20000",
            "--save-dir",
            save_dir,
            "--results-dir",
            results,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield Server(f"http://127.0.0.1:{port}/", save_dir, results)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass(frozen=True)
class Server:
    url: str
    save_dir: Path
    results: Path


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, server, width: int = 1440, height: int = 900):
    """A new browser context (its own cookies: its own session) on the visualiser."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server.url)
    page.get_by_text("Current figures").wait_for()
    return page


def launch(playwright):
    """Chromium from Debian; one retry of the launch only (it crashes now and then)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (apt-get install chromium)")
    try:
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    except Exception:
        time.sleep(1)
        return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)


def figure(page, label: str) -> str:
    """The value shown for ``label`` in the current-figures panel."""
    text = page.locator(".conduit-figure", has_text=f"{label}:").first.inner_text()
    return text.split(":", 1)[1].strip()


def count(page, label: str) -> int:
    return int(figure(page, label).replace(",", ""))


def step_to(page, week: int) -> None:
    step = page.get_by_role("button", name="Step")
    while int(figure(page, "Week")) < week:
        current = int(figure(page, "Week"))
        step.click()
        page.locator(".conduit-figure", has_text=f"Week: {current + 1}").wait_for(
            timeout=TIMEOUT_MS
        )


def reset(page, expect: str = "Week: 0") -> None:
    """Press Reset and wait for the rebuilt model (``expect``: a figure it shows)."""
    page.get_by_role("button", name="Reset").click()
    page.locator(".conduit-figure", has_text="Week: 0").wait_for()
    page.locator(".conduit-figure", has_text=expect).wait_for()
    page.locator(".conduit-pending").first.wait_for(state="detached")


def screenshot_on_failure(page, name: str):
    """Context manager: a screenshot in /tmp when the block fails."""

    class _Guard:
        def __enter__(self):
            return page

        def __exit__(self, kind, value, tb):
            if kind is not None:
                page.screenshot(path=f"/tmp/conduit-viz-{name}-failure.png", full_page=True)
            page.context.close()
            return False

    return _Guard()


def test_visualiser_in_chromium(server, browser):
    page = open_page(browser, server, 1600, 1100)
    with screenshot_on_failure(page, "basic"):
        assert page.title() == "conduit: uk-2008-bpi-vs-talktalk"
        # Mesa's leftovers are gone; the picker lists only scenarios
        for leftover in ("Model Parameters", "Render Interval", "Use Threads", "Time:"):
            assert page.get_by_text(leftover).count() == 0, leftover
        assert "validation/targets.yaml" in page.get_by_text("Not listed").inner_text()

        # controls generated from the schema, with help text, Mesa's controller, the views
        detection = page.locator(".conduit-control-rights_bodies-BPI-detection_prob")
        assert "Detection prob [1/week]: 0.002" in detection.inner_text()
        assert "log scale" in detection.inner_text()
        from model.params import RightsBodyParams

        help_text = RightsBodyParams.model_fields["detection_prob"].description
        assert help_text in detection.inner_text()  # the schema's description
        assert "capped at 20,000" in page.get_by_text("Subscribers [accounts").inner_text()
        assert (
            "Starting stance (reviewed on average every 13 weeks"
            in page.locator(".conduit-control-isps-BT-stance").inner_text()
        )
        for text in ("Key parameters", "All parameters", "Regulator", "ISP TalkTalk"):
            assert page.get_by_text(text, exact=True).count() >= 1, text
        for name in ("Reset", "Step"):
            assert page.get_by_role("button", name=name).is_visible()
        assert (
            page.locator(".conduit-chart svg").count() == 7
        )  # infringing, funnel, alternatives, traffic, market, legislation, timing
        assert page.locator(".conduit-caption").count() == 7
        assert page.locator(".conduit-isp").count() == 7
        assert figure(page, "Subscribers simulated") == "20,000"

        # two charts side by side on a laptop, each wider than 500 px
        boxes = [page.locator(".conduit-chart").nth(i).bounding_box() for i in range(2)]
        assert boxes[0]["y"] == pytest.approx(boxes[1]["y"], abs=2)
        assert min(b["width"] for b in boxes) > 400

        # three weeks at the scenario's detection probability; dates on the x-axis
        step_to(page, 3)
        low = count(page, "Notices so far")
        assert low > 0
        assert "2008" in page.locator(".conduit-card-infringing svg").inner_html()

        # type a tenfold detection probability: marked pending until Reset
        typed = detection.get_by_label("type a value")
        typed.fill("0.02")
        typed.press("Enter")
        detection.get_by_text("changed: press Reset to apply").wait_for()
        assert "0.02" in detection.inner_text()
        typed.fill("1.5")
        typed.press("Enter")
        detection.get_by_text("1.5: must be at most 1").wait_for()
        reset(page)
        step_to(page, 3)
        high = count(page, "Notices so far")
        assert high > 5 * low, (low, high)

        # play, then pause: the weeks advance on their own
        page.get_by_role("button", name="▶").click()
        page.locator(".conduit-figure", has_text=re.compile(r"Week: ([6-9]|\d\d)")).wait_for()
        page.get_by_role("button", name="❚❚").click()
        assert int(figure(page, "Week")) >= 6

        # save as scenario; `conduit check` accepts it; saving again asks first
        page.get_by_label("Scenario name").fill("browser-test.yaml")
        page.get_by_role("button", name="Save as scenario").click()
        page.get_by_text("Saved browser-test.yaml").wait_for()
        saved = server.save_dir / "browser-test.yaml"
        assert "detection_prob: 0.02" in saved.read_text()
        check = subprocess.run(
            [str(CONDUIT), "check", "--quiet", str(saved)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert check.returncode == 0, check.stderr
        page.get_by_role("button", name="Save as scenario").click()
        page.get_by_text("'browser-test.yaml' exists already: replace it?").wait_for()
        page.get_by_role("button", name="Replace it").click()
        page.get_by_text("Saved browser-test.yaml").wait_for()
        page.get_by_label("Scenario name").fill("x" * 300)
        page.get_by_role("button", name="Save as scenario").click()
        error = page.get_by_text("300 characters long")
        error.wait_for()
        assert str(server.save_dir) not in error.inner_text()

        # a phone: one column, charts the width of the screen, no sideways scrolling
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)
        chart = page.locator(".conduit-chart").first.bounding_box()
        assert chart["width"] > 300, chart
        # run controls, then the charts, then the parameters
        step = page.get_by_role("button", name="Step").bounding_box()
        key = page.get_by_text("Key parameters", exact=True).bounding_box()
        assert step["y"] < chart["y"] < key["y"], (step, chart, key)
        assert page.evaluate("document.documentElement.scrollWidth") <= 392

        # switch scenario: Norway's ISPs replace the UK's
        page.set_viewport_size({"width": 1600, "height": 1100})
        page.locator(".v-select").first.click()
        page.get_by_role("option", name="norway-2008-ikt-refusal.yaml").click()
        page.get_by_text("conduit: norway-2008-ikt-refusal").first.wait_for()
        assert page.locator(".conduit-isp", has_text="TalkTalk").count() == 0
        assert figure(page, "Week") == "0"


SWITCHED = {
    "Ensemble: several seeded runs": "text=Runs: 8",
    "Compare with policy B": ".conduit-variant textarea",
}
"""What each switch shows once the server has taken it (the next click waits for it)."""


def switch_on(page, label: str) -> None:
    page.get_by_label(label).check(force=True)
    page.locator(SWITCHED[label]).first.wait_for()


def test_ensemble_of_eight_runs_shows_bands(server, browser):
    page = open_page(browser, server)
    with screenshot_on_failure(page, "ensemble"):
        switch_on(page, "Ensemble: several seeded runs")
        page.locator(".conduit-pending").first.wait_for()
        reset(page, "Runs: 8")
        assert page.locator(".conduit-card-infringing polygon.band").count() == 0
        step_to(page, 3)
        # the 90 % and 50 % bands around the median, and ranges in the monitors
        assert page.locator(".conduit-card-infringing polygon.band").count() == 2
        assert page.locator(".conduit-card-market polygon.band").count() >= 14
        assert " to " in figure(page, "Notices so far")
        assert page.locator(".conduit-card-funnel line.range").count() >= 1
        assert page.locator(".conduit-card-timing").is_visible()
        page.screenshot(path="/tmp/conduit-viz-ensemble.png", full_page=True)


def start_ab(page, changes: str) -> None:
    switch_on(page, "Compare with policy B")
    set_variant(page, changes)


def set_variant(page, changes: str) -> None:
    editor = page.locator(".conduit-variant textarea")
    editor.fill(changes)
    editor.press("Tab")  # the editor applies its text when it loses focus


def test_ab_with_one_isp_stance_changed_shows_both_and_the_difference(server, browser):
    page = open_page(browser, server)
    with screenshot_on_failure(page, "ab"):
        switch_on(page, "Ensemble: several seeded runs")
        start_ab(page, "isps.BT.stance: graduated\nisps.BT.adaptive: false")
        reset(page, "Runs: 8 (A) + B")
        step_to(page, 3)
        infringing = page.locator(".conduit-card-infringing svg")
        legend = [t.text_content() for t in infringing.locator("text").all()]
        assert "A" in legend and "B" in legend
        assert infringing.locator("polyline").count() == 2
        difference = page.locator(".conduit-card-difference")
        assert difference.is_visible()
        assert difference.locator("line.interval").count() == 5
        # BT polices in B, never in A: notices handled go up in B
        assert "Notices sent" in difference.inner_text()
        timing = page.locator(".conduit-card-timing svg").inner_html()
        assert "BT policing" in timing
        page.screenshot(path="/tmp/conduit-viz-ab.png", full_page=True)


def test_bad_policy_b_input_is_located_inline_and_the_session_keeps_running(server, browser):
    page = open_page(browser, server)
    with screenshot_on_failure(page, "ab-errors"):
        step_to(page, 1)
        start_ab(page, "isps.BT.stance: graduated\nisps.BT.stanc: refuse")
        error = page.locator(".conduit-variant-error")
        error.get_by_text("policy B:2: isps.BT.stanc: unknown parameter 'stanc'").wait_for()
        assert "did you mean 'stance'" in error.inner_text()
        set_variant(page, "rights_bodies.BPI.detection_prob: 3")
        error.get_by_text("policy B:1: rights_bodies.BPI.detection_prob").wait_for()
        assert "less than or equal to 1" in error.inner_text()
        # the page still steps, and Reset runs A alone with B's error shown
        step_to(page, 2)
        reset(page)
        page.get_by_text("Policy B not run: policy B:1").wait_for()
        step_to(page, 1)
        assert page.locator(".conduit-card-difference").count() == 0


def test_two_sessions_stay_independent(server, browser):
    first = open_page(browser, server)
    second = open_page(browser, server)
    with screenshot_on_failure(first, "session-1"), screenshot_on_failure(second, "session-2"):
        switch_on(second, "Ensemble: several seeded runs")
        reset(second, "Runs: 8")
        step_to(first, 3)
        assert figure(second, "Week") == "0"
        assert figure(first, "Runs") == "1"
        step_to(second, 1)
        assert figure(second, "Runs") == "8"
        assert figure(first, "Week") == "3"


def test_download_results_is_read_by_conduit_plot(server, browser):
    page = open_page(browser, server)
    with screenshot_on_failure(page, "export"):
        switch_on(page, "Ensemble: several seeded runs")
        start_ab(page, "isps.BT.stance: graduated")
        reset(page, "Runs: 8 (A) + B")
        step_to(page, 4)
        before = set(server.results.glob("*")) if server.results.exists() else set()
        page.get_by_role("button", name="Download results").click()
        page.locator(".conduit-export-message", has_text="Wrote").wait_for()
        (folder,) = set(server.results.glob("*")) - before
        plot = subprocess.run(
            [str(CONDUIT), "plot", str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert plot.returncode == 0, plot.stderr
        assert (folder / "report.html").exists()
        from model.results import load

        res = load(folder)
        assert res.manifest["policies"] == ["A", "B"]
        assert len(res.summary) == 16 and set(res.timeseries["week"]) == {0, 1, 2, 3}
