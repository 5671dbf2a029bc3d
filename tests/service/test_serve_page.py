"""The live page in a real headless Chromium (the distribution's, driven by Selenium).

The service runs on a loopback port; the browser opens ``/#token=...`` and
the test reads the DOM the page builds: every node and link of the
topology drawn, a request submitted (by the API and by the page's own form)
appearing in the queue and reaching "completed" from the event stream, a
link coloured by the pairs it carried, a job's Gantt chart, and a tenant's
page showing its own submissions only. Screenshots go to
``$QDCNET_ARTIFACTS/page`` (default ``artifacts/page`` in the checkout).

Needs ``/usr/bin/chromium`` and ``/usr/bin/chromedriver`` (Debian's
``chromium`` and ``chromium-driver``; ``.ci/run`` installs them). Without
them the test is skipped, unless ``QDCNET_REQUIRE_BROWSER=1`` (set by CI)
makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from service_fixtures import (
    ALICE_TOKEN,
    BOB_TOKEN,
    GHZ3,
    OPERATOR_TOKEN,
    ROOT,
    TWO_RACKS,
    free_port,
    serving,
)

from qdcnet.client import Client

CHROMIUM = os.environ.get("QDCNET_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QDCNET_CHROMEDRIVER", "/usr/bin/chromedriver")
#: Wall seconds the page may take to show what the service already reported.
PATIENCE_S = 30

pytestmark = pytest.mark.slow


def _browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service as DriverService
    except ImportError:
        missing.append("selenium")
    if missing:
        if os.environ.get("QDCNET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser test needs {missing} (apt-get install chromium "
                        "chromium-driver; pip install selenium)")
        pytest.skip(f"no headless browser here: {missing}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # As root in a sandbox without a display or an outside network: no sandbox, no GPU,
    # nothing that phones home.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1100"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=DriverService(executable_path=CHROMEDRIVER))


def _artifacts() -> Path:
    folder = Path(os.environ.get("QDCNET_ARTIFACTS", ROOT / "artifacts")) / "page"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _until(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, PATIENCE_S, poll_frequency=0.1).until(condition)
    except Exception:
        driver.save_screenshot(str(_artifacts() / "failure.png"))
        raise AssertionError(f"the page did not show {what} within {PATIENCE_S} s "
                             f"(screenshot {_artifacts() / 'failure.png'})") from None


def _row_status(driver, sid: int) -> str | None:
    rows = driver.find_elements("css selector", f'#queue-body tr[data-id="{sid}"]')
    return rows[0].get_attribute("data-status") if rows else None


def test_the_page_shows_the_live_data_center(tmp_path):
    driver = _browser()
    shots = _artifacts()
    try:
        with serving(f"sqlite:///{tmp_path / 'j.db'}", mode="paced", pace=1.0) as (service,
                                                                                    ops):
            topology = service.topology()
            driver.get(f"{ops.base_url}/#token={OPERATOR_TOKEN}")
            _until(driver, lambda d: d.find_element("id", "connection").get_attribute(
                "data-state") == "live", "a live event stream")
            # The token left the address bar (it stays in the tab's session only).
            assert "token" not in driver.current_url
            nodes = driver.find_elements("css selector", "#topology-svg g.node")
            assert sorted(n.get_attribute("data-name") for n in nodes) == sorted(
                n["name"] for n in topology["nodes"])
            links = driver.find_elements("css selector", "#topology-svg line.link")
            assert sorted(x.get_attribute("data-id") for x in links) == sorted(
                x["id"] for x in topology["links"])

            # A request from the API appears and completes, pushed by the event stream.
            alice = Client(ops.base_url, token=ALICE_TOKEN, timeout=60)
            sub = alice.request("r0q0", "r1q1", pairs=20, min_fidelity=0.9, name="by-api",
                                wait=0)
            _until(driver, lambda d: _row_status(d, sub.id) is not None, "the new request")
            _until(driver, lambda d: _row_status(d, sub.id) == "completed",
                   "the request completed")
            row = driver.find_element("css selector", f'#queue-body tr[data-id="{sub.id}"]')
            assert "alice" in row.text
            assert "20/20 pairs" in row.text
            # The links it used were coloured by the fidelity of the pairs they carried.
            _until(driver, lambda d: any(int(x.get_attribute("data-pairs") or 0) >= 20 for x in
                                         d.find_elements("css selector", "line.link")),
                   "the pairs on the links")
            carried = [x for x in driver.find_elements("css selector", "line.link")
                       if int(x.get_attribute("data-pairs") or 0) >= 20]
            assert {x.get_attribute("data-id") for x in carried} >= {"r0q0~tor0", "r1q1~tor1"}
            assert all(float(x.get_attribute("data-fidelity")) >= 0.9 for x in carried)

            # The page's own form submits a request, as the operator.
            driver.find_element("id", "pairs").clear()
            driver.find_element("id", "pairs").send_keys("5")
            driver.find_element("id", "submit-request").click()
            _until(driver, lambda d: any(
                "from the page" in r.text and r.get_attribute("data-status") == "completed"
                for r in d.find_elements("css selector", "#queue-body tr")),
                "the page's request completed")

            # A job, and its Gantt chart when its row is clicked.
            job = ops.job(GHZ3, shots=20, name="ghz3", wait=0)
            _until(driver, lambda d: _row_status(d, job.id) in ("queued", "running",
                                                                "completed"), "the job")
            driver.find_element("css selector", f'#queue-body tr[data-id="{job.id}"]').click()
            chart = service.gantt(job.id)
            _until(driver, lambda d: len(d.find_elements("css selector", "#gantt-svg rect.op"))
                   >= len(chart["planned"]), "the job's Gantt chart")
            assert len(driver.find_elements("css selector", "#gantt-svg rect.ebit")) == len(
                chart["ebits"])
            _until(driver, lambda d: _row_status(d, job.id) == "completed", "the job completed")
            driver.find_element("css selector", f'#queue-body tr[data-id="{job.id}"]').click()
            _until(driver, lambda d: "shots run" in d.find_element("id", "gantt-title").text,
                   "the shots as run")
            driver.save_screenshot(str(shots / "operator.png"))

            # Another tenant's page: its own submissions only.
            bob = Client(ops.base_url, token=BOB_TOKEN, timeout=60)
            own = bob.request("r0q2", "r0q3", pairs=3, name="bobs", wait=0)
            driver.execute_script("sessionStorage.clear()")
            driver.get(f"{ops.base_url}/#token={BOB_TOKEN}")
            driver.refresh()
            _until(driver, lambda d: _row_status(d, own.id) == "completed", "bob's request")
            shown = {int(r.get_attribute("data-id")) for r in
                     driver.find_elements("css selector", "#queue-body tr")}
            assert shown == {own.id}
            driver.save_screenshot(str(shots / "tenant.png"))

            # A wrong token is sent back to the token form.
            driver.execute_script("sessionStorage.clear()")
            driver.get(f"{ops.base_url}/#token=not-anyones-token-at-all")
            driver.refresh()
            _until(driver, lambda d: d.find_element("id", "login").is_displayed(),
                   "the token form")
            alice.close()
            bob.close()
    finally:
        driver.quit()
    assert (shots / "operator.png").stat().st_size > 10_000


def test_qdcnet_serve_two_racks_shows_its_workload_live(tmp_path):
    """The acceptance path: `qdcnet serve examples/two_racks.yaml`, a browser at the
    address it prints, the scenario's own workload on the page as it runs."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "qdcnet", "serve", str(TWO_RACKS), "--db",
             str(tmp_path / "journal.db"), "--port", str(port), "--token", OPERATOR_TOKEN],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    driver = None
    try:
        client = Client(f"http://127.0.0.1:{port}", token=OPERATOR_TOKEN, timeout=30)
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log.read_text()
            try:
                client.health()
                break
            except Exception:
                assert time.monotonic() < deadline, "qdcnet serve did not start"
                time.sleep(0.2)
        banner = log.read_text()
        assert f"http://127.0.0.1:{port}/#token=(--token)" in banner  # not echoed back
        driver = _browser()
        driver.get(f"http://127.0.0.1:{port}/#token={OPERATOR_TOKEN}")
        _until(driver, lambda d: len(d.find_elements("css selector", "#topology-svg g.node"))
               == 16, "the 16 nodes of two racks")
        workload = [s for s in client.list("request")]
        assert {s.name for s in workload} >= {"in-rack", "cross-rack", "distilled"}
        in_rack = next(s for s in workload if s.name == "in-rack")
        _until(driver, lambda d: _row_status(d, in_rack.id) == "completed",
               "the workload's in-rack request completed")
        _until(driver, lambda d: float(d.find_element(
            "css selector", 'line.link[data-id="r0q0~tor0"]').get_attribute(
                "data-pairs")) >= 200, "the in-rack pairs on its link")
        driver.save_screenshot(str(_artifacts() / "two_racks.png"))
        client.close()
    finally:
        if driver is not None:
            driver.quit()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
