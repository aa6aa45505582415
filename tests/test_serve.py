"""`bdp serve` runs a production WSGI server (gunicorn) by default and Flask's development server only
with `--dev`: both started as a user would, on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.conftest import ROOT, free_port, wait_for_port


@pytest.mark.parametrize("flags, server", [((), "gunicorn"), (("--dev",), "Werkzeug")])
def test_serve_runs_gunicorn_unless_dev(built, flags, server):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "publisher", "serve", "--out", str(built), "--port",
                                str(port), "--workers", "1", *flags], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env={**os.environ}, start_new_session=True)
    try:
        wait_for_port(port, timeout=60)
        response = requests.get(f"http://127.0.0.1:{port}/doc/practice/trzy-filary-bank-partnerow-lokalnych",
                                headers={"Accept": "text/turtle"}, timeout=30)
        assert response.status_code == 200 and "Trzy Filary" in response.text
        assert response.headers["Server"].startswith(server)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        process.stderr.close()
    assert process.returncode in (0, -signal.SIGTERM)
