"""The explorer in a real browser: Debian's headless chromium driven by Selenium.

``iocdyn explore`` runs as a separate process on a free loopback port, in an empty
working folder that must stay empty; every wait is bounded. Screenshots go to
``$IOCDYN_SCREENSHOTS`` if set (the README's come from here), else to a temporary
folder. Without chromium and chromium-driver the tests are skipped, with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iocdynamics import load_scenario, simulate
from iocdynamics.explore.controls import controls
from iocdynamics.explore.state import trajectories_csv
from iocdynamics.model import STOCK_COLUMNS

from .conftest import SCENARIOS
from .test_explore_server import explorer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FIG5 = SCENARIOS / "fig5_voluntary_partnership.toml"
WINDOW = (1500, 1150)
WAIT = 60  # seconds: the longest any single step may take

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage"]


def _why_no_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the Python package selenium is not installed (pip install -e '.[dev]')"
    for path, pkg in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return (f"browser tests need Debian's {pkg} at {path}: apt-get install "
                    "chromium chromium-driver (.ci/run installs them on CI)")
    return None


pytestmark = pytest.mark.skipif(_why_no_browser() is not None,
                                reason=_why_no_browser() or "")


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="explorer-cwd-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def server(workdir):
    """``iocdyn explore FIG5`` on a free port; yields its URL; stopped afterwards."""
    with explorer(workdir, str(FIG5)) as (url, _):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        yield url


@pytest.fixture(scope="module")
def downloads():
    with tempfile.TemporaryDirectory(prefix="explorer-downloads-") as d:
        yield Path(d)


DOC_SHOTS = {"explorer.png", "explorer_phase.png", "explorer_error.png"}
"""Screenshots shown in README.md and docs/explorer.md (docs/img/)."""


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Where screenshots go: the documented ones to ``$IOCDYN_SCREENSHOTS`` if set, the
    rest (and all of them without it) to a temporary folder."""
    tmp = tmp_path_factory.mktemp("screenshots")
    target = os.environ.get("IOCDYN_SCREENSHOTS")
    docs = Path(target) if target else tmp
    docs.mkdir(parents=True, exist_ok=True)
    return {"docs": docs, "tmp": tmp}


@pytest.fixture(scope="module")
def driver(downloads):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="explorer-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--user-data-dir={profile}", f"--window-size={WINDOW[0]},{WINDOW[1]}"]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # downloads start after a callback, not in the click itself: allow more than one
    opts.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "profile.default_content_setting_values.automatic_downloads": 1})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    drv.set_page_load_timeout(WAIT)
    drv.set_script_timeout(WAIT)
    drv.execute_cdp_cmd("Browser.setDownloadBehavior",
                        {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ------------------------------------------------------------------ helpers
CURRENT_JS = """
const g = document.querySelector('#trajectories .js-plotly-plot');
if (!g || !g.data) return null;
const out = {};
for (const t of g.data) {
  if (t.meta && t.meta.role === arguments[0]) out[t.meta.column] = [Array.from(t.x),
                                                                     Array.from(t.y)];
}
return Object.keys(out).length ? out : null;
"""


def _until(fn, what: str, timeout: float = WAIT):
    """Poll ``fn`` until it returns something truthy, or fail naming ``what``."""
    end = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


def traces(drv, role: str = "current") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    got = drv.execute_script(CURRENT_JS, role)
    return {k: (np.asarray(x, float), np.asarray(y, float)) for k, (x, y) in
            (got or {}).items()}


def open_page(drv, url: str) -> dict:
    drv.get(url)
    shown = _until(lambda: traces(drv), "the trajectories to be drawn")
    _until(lambda: drv.execute_script(
        "return document.querySelectorAll('.dash-slider-thumb').length > 0 && "
        "document.querySelectorAll('#event-rows .trow').length > 0"), "the controls")
    return shown


def changed(drv, before: dict, column: str) -> dict:
    def differs():
        now = traces(drv)
        if column in now and not np.array_equal(now[column][1], before[column][1]):
            return now
        return None
    return _until(differs, f"the plotted {column} to change")


def settled(drv) -> dict:
    """The plotted trajectories once no callback is pending and they stay the same for
    half a second."""
    last: list = [None, 0.0]

    def stable():
        busy = drv.execute_script(
            "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length")
        now = traces(drv)
        if busy or not now:
            last[0] = None
            return None
        key = {k: v[1].tobytes() for k, v in now.items()}
        if key != last[0]:
            last[0], last[1] = key, time.monotonic()
            return None
        return now if time.monotonic() - last[1] >= 0.5 else None
    return _until(stable, "the page to settle")


def severe_console_errors(drv) -> list[str]:
    return [e["message"] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def page_text(drv) -> str:
    return drv.find_element("tag name", "body").text


def download(drv, folder: Path, button: str, suffix: str) -> Path:
    """Click a download button and return the file the browser saved (the folder is
    emptied first, so the file is this click's)."""
    for p in folder.iterdir():
        p.unlink()
    drv.find_element("id", button).click()

    def done():
        files = list(folder.iterdir())
        ready = [p for p in files if p.suffix == suffix]
        return ready[0] if ready and not any(p.suffix == ".crdownload" for p in files) \
            else None
    return _until(done, f"a {suffix} download")


def shot(drv, folders: dict[str, Path], name: str, top: bool = False,
         height: int | None = None) -> Path:
    if height:
        drv.set_window_size(1500, height)
        time.sleep(0.5)
    if top:
        drv.execute_script("document.querySelector('.content').scrollTop = 0;")
        time.sleep(0.3)
    path = folders["docs" if name in DOC_SHOTS else "tmp"] / name
    drv.save_screenshot(str(path))
    if height:
        drv.set_window_size(*WINDOW)
    return path


# ------------------------------------------------------------------ tests
def test_page_loads_clean_and_shows_the_model(server, driver, shots):
    shown = open_page(driver, server)
    assert severe_console_errors(driver) == []
    df = simulate(load_scenario(FIG5))
    assert set(shown) == set(STOCK_COLUMNS)
    for c, (x, y) in shown.items():
        np.testing.assert_array_equal(x, df.index.to_numpy())
        np.testing.assert_array_equal(y, df[c].to_numpy())
    for c in controls():
        assert driver.find_elements("id", f"control-{c.name}"), c.name
    text = page_text(driver)
    assert "Synergy first reached" in text
    shot(driver, shots, "explorer_start.png")


def test_formalisation_slider_changes_plotted_confidence(server, driver, shots):
    from selenium.webdriver.common.keys import Keys

    before = open_page(driver, server)
    thumb = driver.find_element("css selector", "#control-formalisation [role=slider]")
    assert float(thumb.get_attribute("aria-valuenow")) == pytest.approx(0.4)
    thumb.click()
    for _ in range(30):
        thumb.send_keys(Keys.ARROW_RIGHT)
    after = changed(driver, before, "confidence")
    _until(lambda: float(thumb.get_attribute("aria-valuenow")) == pytest.approx(0.7),
           "the slider to reach 0.7")
    expected = simulate(load_scenario(FIG5), formalisation=0.7)["confidence"].to_numpy()
    after = _until(lambda: (lambda t: t if np.allclose(t["confidence"][1], expected,
                                                       atol=1e-9) else None)(traces(driver)),
                   "the chart to show formalisation 0.7")
    # F1: formalisation builds confidence
    assert after["confidence"][1][-1] > before["confidence"][1][-1] + 0.01
    assert severe_console_errors(driver) == []
    shot(driver, shots, "explorer_formalisation.png")


def text_input(drv, css: str):
    """The <input> of a Dash input component (the element itself or inside it)."""
    el = drv.find_element("css selector", css)
    return el if el.tag_name == "input" else el.find_element("css selector", "input")


def _add_quick_win(drv, month: str):
    box = text_input(drv, "#new-event-at")
    box.clear()
    box.send_keys(month)
    drv.find_element("id", "add-event").click()


def test_a_quick_win_changes_behaviour_at_the_horizon(server, driver, shots):
    before = open_page(driver, server)
    n_rows = len(driver.find_elements("css selector", "#event-rows .trow"))
    driver.find_element("id", "pin").click()
    _until(lambda: traces(driver, "baseline"), "the pinned baseline")
    _add_quick_win(driver, "26")
    after = changed(driver, before, "collaborative_behaviour")
    assert len(driver.find_elements("css selector", "#event-rows .trow")) == n_rows + 1
    b0 = before["collaborative_behaviour"][1][-1]
    b1 = after["collaborative_behaviour"][1][-1]
    # M1: a quick win builds trust and a sense of progress; behaviour ends higher
    assert b1 > b0 + 1e-3
    base = traces(driver, "baseline")
    np.testing.assert_array_equal(base["collaborative_behaviour"][1],
                                  before["collaborative_behaviour"][1])
    assert "quick win" in page_text(driver)
    shot(driver, shots, "explorer_quick_win.png", top=True)


def test_pinned_baseline_compares_a_mandated_partnership(server, driver, shots):
    before = open_page(driver, server)
    driver.find_element("id", "pin").click()
    _until(lambda: traces(driver, "baseline"), "the pinned baseline")
    mandated = driver.find_element("id", "control-mandated")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", mandated)
    mandated.find_element("css selector", "input[value='1']").click()
    changed(driver, before, "trust")
    after = settled(driver)
    base = traces(driver, "baseline")
    np.testing.assert_array_equal(base["trust"][1], before["trust"][1])
    # F5: a mandated partnership carries inherent mistrust
    assert after["trust"][1][-1] < base["trust"][1][-1] - 0.01
    text = page_text(driver)
    assert "Pinned baseline at its horizon" in text
    assert "Changed since the baseline was pinned: mandated: no -> yes." in text
    shot(driver, shots, "explorer.png", top=True, height=1680)


def test_downloaded_toml_and_csv_round_trip_to_the_values_shown(server, driver, downloads):
    from selenium.webdriver.common.keys import Keys

    before = open_page(driver, server)
    thumb = driver.find_element("css selector", "#control-history_of_collaboration "
                                                "[role=slider]")
    thumb.click()
    for _ in range(15):
        thumb.send_keys(Keys.ARROW_LEFT)
    changed(driver, before, "trust")
    _until(lambda: thumb.get_attribute("aria-valuenow") == "0.55", "the slider at 0.55")
    mid = settled(driver)
    n_rows = len(driver.find_elements("css selector", "#event-rows .trow"))
    _add_quick_win(driver, "44")
    _until(lambda: len(driver.find_elements("css selector", "#event-rows .trow")) ==
           n_rows + 1, "the new event row")
    changed(driver, mid, "collaborative_behaviour")
    shown = settled(driver)
    toml_file = download(driver, downloads, "download-toml", ".toml")
    sc = load_scenario(toml_file)
    assert sc.values["history_of_collaboration"] == pytest.approx(0.55)
    assert any(e.kind == "quick_win" and e.at == 44 for e in sc.events)
    df = simulate(sc)
    for c, (x, y) in shown.items():
        np.testing.assert_array_equal(x, df.index.to_numpy())
        np.testing.assert_array_equal(y, df[c].to_numpy())
    csv_file = download(driver, downloads, "download-csv", ".csv")
    assert csv_file.read_text(encoding="utf-8") == trajectories_csv(df)
    table = pd.read_csv(csv_file, index_col="time")
    np.testing.assert_allclose(table["confidence"], shown["confidence"][1], rtol=1e-9)


def test_a_freshly_loaded_scenario_downloads_unchanged(server, driver, downloads):
    open_page(driver, server)
    back = load_scenario(download(driver, downloads, "download-toml", ".toml"))
    orig = load_scenario(FIG5)
    assert dict(back.values) == dict(orig.values)
    assert back.events == orig.events


def test_bad_values_show_a_message_not_a_traceback(server, driver, shots):
    from selenium.webdriver.common.keys import Keys

    before = open_page(driver, server)
    cell = text_input(driver, "#event-rows .trow:nth-child(2) .cell-at")
    cell.clear()
    cell.send_keys("abc", Keys.ENTER)
    msg = _until(lambda: (lambda m: m if "abc" in m else None)(
        driver.find_element("id", "run-message").text), "the error message")
    assert "event 1" in msg and "'abc'" in msg and "not a number" in msg
    assert "Traceback" not in page_text(driver)
    np.testing.assert_array_equal(traces(driver)["trust"][1], before["trust"][1])
    cell.clear()
    cell.send_keys("6", Keys.ENTER)
    _until(lambda: not driver.find_element("id", "run-message").text,
           "the message to clear")
    horizon = text_input(driver, "#final-time")
    horizon.clear()
    horizon.send_keys("5000", Keys.ENTER)
    msg = _until(lambda: (lambda m: m if "5000" in m else None)(
        driver.find_element("id", "run-message").text), "the horizon message")
    assert "final_time = 5000" in msg and "1 to 1200" in msg
    assert severe_console_errors(driver) == []
    shot(driver, shots, "explorer_error.png")


def test_uncertainty_band_and_phase_portrait_on_request(server, driver, shots):
    open_page(driver, server)
    driver.find_element("css selector", "#band input[value='0.25']").click()
    upper = _until(lambda: traces(driver, "band-upper"), "the uncertainty band")
    lower = traces(driver, "band-lower")
    for c in upper:
        assert (lower[c][1] <= upper[c][1] + 1e-12).all()
    assert max((upper[c][1] - lower[c][1]).max() for c in upper) > 0.01
    driver.find_element("id", "phase-button").click()
    img = _until(lambda: driver.find_elements("id", "phase-image"), "the phase portrait",
                 timeout=180)[0]
    assert img.get_attribute("src").startswith("data:image/png;base64,")
    _until(lambda: driver.execute_script("return arguments[0].naturalWidth > 0", img),
           "the phase portrait to load")
    driver.execute_script("arguments[0].scrollIntoView()", img)
    assert severe_console_errors(driver) == []
    shot(driver, shots, "explorer_phase.png")


def test_upload_a_scenario(server, driver, tmp_path, downloads):
    open_page(driver, server)
    own = tmp_path / "my_partnership.toml"
    # 0.333 lies off the slider's 0.01 grid: the page must keep it, not round it
    own.write_text('name = "my partnership"\n[levers]\nformalisation = 0.333\n'
                   'contract = "binding"\n[[events]]\nat = 3\nkind = "task_failure"\n')
    driver.find_element("css selector", "#upload input[type=file]").send_keys(str(own))
    _until(lambda: "Loaded 'my partnership'" in driver.find_element(
        "id", "load-message").text, "the upload to load")
    thumb = driver.find_element("css selector", "#control-formalisation [role=slider]")
    _until(lambda: thumb.get_attribute("aria-valuenow") == "0.333", "the slider to move")
    df = simulate(load_scenario(own))
    _until(lambda: (lambda t: t and np.array_equal(t["trust"][1], df["trust"].to_numpy()))
           (traces(driver)), "the uploaded scenario's trajectories")
    settled(driver)
    back = load_scenario(download(driver, downloads, "download-toml", ".toml"))
    assert dict(back.values) == dict(load_scenario(own).values)
    assert back.events == load_scenario(own).events
    bad = tmp_path / "broken.toml"
    bad.write_text("[levers]\nformalisation = 7\n")
    driver.find_element("css selector", "#upload input[type=file]").send_keys(str(bad))
    _until(lambda: "broken.toml" in driver.find_element("id", "load-message").text,
           "the upload error")
    msg = driver.find_element("id", "load-message").text
    assert "formalisation = 7" in msg and "0 to 1" in msg


def test_the_server_wrote_nothing(server, workdir):
    assert list(workdir.iterdir()) == []
