"""``iocdyn explore`` as a process: loopback by default, a free port unless told, the
address printed, the page and its assets served from the package, a clean stop.
(The same helper starts the server for the browser tests.)"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from .conftest import SCENARIOS

FIG5 = SCENARIOS / "fig5_voluntary_partnership.toml"
START_TIMEOUT = 180  # seconds: import, engine compilation and a first drawing on 2 cores


@contextlib.contextmanager
def explorer(cwd: Path, *args: str):
    """Run ``iocdyn explore ARGS`` in ``cwd``; yield ``(url, stderr lines)``; stop it."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "iocdynamics.cli", "explore", *args],
                            cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    err: list[str] = []
    readers = [threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout],
                                daemon=True),
               threading.Thread(target=lambda: [err.append(x) for x in proc.stderr],
                                daemon=True)]
    for r in readers:
        r.start()
    try:
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            pytest.fail(f"iocdyn explore printed no address within {START_TIMEOUT} s: "
                        + "".join(err))
        m = re.search(r"http://[^ ]+/", first)
        assert m, f"no address in {first!r}; stderr: {''.join(err)}"
        yield m.group(0), err
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        for r in readers:
            r.join(timeout=15)
        proc.stdout.close()
        proc.stderr.close()
    assert "Traceback" not in "".join(err), "".join(err)


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.status, resp.read().decode("utf-8", "replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serves_on_loopback_on_a_free_port_and_writes_nothing(tmp_path):
    with explorer(tmp_path, str(FIG5)) as (url, _):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        status, page = _get(url)
        assert status == 200 and "iocdynamics explorer" in page
        status, layout = _get(url + "_dash-layout")
        assert status == 200 and "Fig. 5 voluntary partnership" in layout
        # every script the page loads is served by this server (nothing from the web)
        scripts = re.findall(r'<script src="([^"]+)"', page)
        assert scripts and all(s.startswith("/") for s in scripts)
        for s in scripts:
            assert _get(url.rstrip("/") + s)[0] == 200
    assert list(tmp_path.iterdir()) == []


def test_port_option_is_honoured_and_a_busy_port_is_a_message(tmp_path):
    port = _free_port()
    with explorer(tmp_path, "--port", str(port)) as (url, _):
        assert url == f"http://127.0.0.1:{port}/"
        assert _get(url)[0] == 200
        busy = subprocess.run([sys.executable, "-m", "iocdynamics.cli", "explore",
                               "--port", str(port)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=START_TIMEOUT,
                              env={**os.environ, "MPLBACKEND": "Agg"})
        assert busy.returncode != 0
        assert "in use" in busy.stderr and "Traceback" not in busy.stderr


def test_a_bad_port_is_refused_before_anything_starts(capsys):
    from iocdynamics.cli import main

    assert main(["explore", "--port", "70000"]) == 2
    assert "--port 70000 is not a port number" in capsys.readouterr().err
