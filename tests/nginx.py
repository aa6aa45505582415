"""nginx (Debian's nginx-light, from `.ci/install-nginx`) as a non-daemon on a free loopback port, with its
config, pid file, logs and temporary files in a folder of the test. Not a test module:
`from tests.nginx import nginx_server`.

The template is the inside of nginx's `http { }` block: one or more `server { }` blocks and whatever else
belongs there. `@PORT@` becomes the free port, `@DIR@` the nginx folder, and `@NAME@` the value of each
keyword argument `NAME=...` (an upstream URL, a document root). nginx's own `$variables` stay as they are.

    with nginx_server(tmp_path, '''
        server {
            listen 127.0.0.1:@PORT@;
            location / { proxy_pass @UPSTREAM@; proxy_set_header Host $http_host; }
        }''', UPSTREAM=live.url) as nginx:
        requests.get(nginx.url + "sparql", ...)

Where /usr/sbin/nginx is absent a test is skipped, except under CI (the variable CI set), where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_for_port

NGINX = "/usr/sbin/nginx"

FRAME = """# written by tests/nginx.py
worker_processes 1;
pid @DIR@/nginx.pid;
error_log @DIR@/error.log info;
@USER@
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log @DIR@/access.log;
    client_body_temp_path @DIR@/tmp/body;
    proxy_temp_path @DIR@/tmp/proxy;
    fastcgi_temp_path @DIR@/tmp/fastcgi;
    uwsgi_temp_path @DIR@/tmp/uwsgi;
    scgi_temp_path @DIR@/tmp/scgi;
@HTTP@
}
"""


@dataclass(frozen=True)
class Nginx:
    url: str  # http://127.0.0.1:PORT/
    port: int
    dir: Path  # nginx.conf, error.log, access.log, nginx.pid

    def error_log(self) -> str:
        return (self.dir / "error.log").read_text(errors="replace")


def nginx_executable() -> str:
    exe = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)
    if exe:
        return exe
    message = "no nginx: run .ci/install-nginx"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: nginx is required)", pytrace=False)
    pytest.skip(message)


def render(template: str, port: int, folder: Path, **values: str) -> str:
    # As root the workers would run as `nobody`, who cannot read a test's files (pytest's tmp is 0700).
    user = "user root;" if os.geteuid() == 0 else ""
    text = FRAME.replace("@USER@", user).replace("@HTTP@", template)
    for name, value in {"PORT": str(port), "DIR": str(folder), **values}.items():
        text = text.replace(f"@{name}@", str(value))
    return text


@contextmanager
def nginx_server(tmp_path: Path, template: str, timeout: float = 20.0, **values: str) -> Iterator[Nginx]:
    """Write the config, check it (`nginx -t`), run nginx in the foreground until the block ends."""
    exe = nginx_executable()
    folder = tmp_path / "nginx"
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(render(template, port, folder, **values), encoding="utf-8")
    base = [exe, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")]
    check = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused {conf}:\n{check.stderr}\n{conf.read_text()}")
    process = subprocess.Popen([*base, "-g", "daemon off;"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while process.poll() is None and not (folder / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}: {process.stderr.read().decode()}")
        wait_for_port(port, timeout)
        yield Nginx(f"http://127.0.0.1:{port}/", port, folder)
    finally:
        if process.poll() is None:
            process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        process.stderr.close()
