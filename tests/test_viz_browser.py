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


@pytest.fixture
def server(tmp_path):
    port = free_port()
    save_dir = tmp_path / "saved"
    proc = subprocess.Popen(
        [CONDUIT, "viz", "--port", str(port), "--max-subscribers", "20000", "--save-dir", save_dir],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/", save_dir
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


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


def test_visualiser_in_chromium(server):
    from playwright.sync_api import sync_playwright

    url, save_dir = server
    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            page.get_by_text("Current figures").wait_for()

            # controls generated from the schema, Mesa's controller, the views
            detection = page.locator(".conduit-control-rights_bodies-BPI-detection_prob")
            assert "Detection prob [1/week]: 0.002" in detection.inner_text()
            assert "capped at 20,000" in page.get_by_text("Subscribers [accounts").inner_text()
            for text in ("Key parameters", "All parameters", "Regulator", "ISP TalkTalk"):
                assert page.get_by_text(text, exact=True).count() >= 1, text
            for name in ("Reset", "Step"):
                assert page.get_by_role("button", name=name).is_visible()
            assert page.locator(".conduit-chart svg").count() == 4
            assert page.locator(".conduit-isp").count() == 7
            assert figure(page, "Subscribers simulated") == "20,000"

            # three weeks at the scenario's detection probability
            step_to(page, 3)
            low = count(page, "Notices so far")
            assert low > 0

            # raise detection tenfold (0.002 per step), Reset, the same three weeks
            thumb = detection.get_by_role("slider")
            thumb.focus()
            for _ in range(9):
                thumb.press("ArrowRight")
            page.locator(
                ".conduit-control-rights_bodies-BPI-detection_prob", has_text=": 0.02"
            ).wait_for()
            page.get_by_role("button", name="Reset").click()
            page.locator(".conduit-figure", has_text="Week: 0").wait_for()
            step_to(page, 3)
            high = count(page, "Notices so far")
            assert high > 5 * low, (low, high)
            page.screenshot(path="/tmp/conduit-viz-browser.png")

            # play, then pause: the weeks advance on their own
            page.get_by_role("button", name="▶").click()
            page.locator(".conduit-figure", has_text=re.compile(r"Week: ([6-9]|\d\d)")).wait_for()
            page.get_by_role("button", name="❚❚").click()
            assert int(figure(page, "Week")) >= 6

            # save the settings as a scenario; `conduit check` accepts it
            page.get_by_label("Scenario name").fill("browser-test")
            page.get_by_role("button", name="Save as scenario").click()
            page.get_by_text("Saved ").wait_for()
            saved = save_dir / "browser-test.yaml"
            assert "detection_prob: 0.02" in saved.read_text()
            check = subprocess.run(
                [str(CONDUIT), "check", "--quiet", str(saved)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert check.returncode == 0, check.stderr

            # switch scenario: Norway's ISPs replace the UK's
            page.locator(".v-navigation-drawer .v-select").first.click()
            page.get_by_role("option", name="norway-2008-ikt-refusal.yaml").click()
            page.get_by_text("conduit: norway-2008-ikt-refusal").wait_for()
            assert page.locator(".conduit-isp", has_text="TalkTalk").count() == 0
            assert figure(page, "Week") == "0"
        except Exception:
            page.screenshot(path="/tmp/conduit-viz-failure.png")
            raise
        finally:
            browser.close()
