"""nginx, as tests/nginx.py runs it for the reverse-proxy tests, serves a static file on a free port."""

from __future__ import annotations

import pytest
import requests

from tests.nginx import nginx_server

SITE = """
server {
    listen 127.0.0.1:@PORT@;
    root @ROOT@;
    location / { try_files $uri =404; }
}
"""


def test_nginx_serves_a_static_file(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "hello.txt").write_text("zażółć gęślą jaźń\n", encoding="utf-8")
    with nginx_server(tmp_path, SITE, ROOT=str(root)) as nginx:
        response = requests.get(nginx.url + "hello.txt", timeout=10)
        assert response.status_code == 200, nginx.error_log()
        assert response.content == "zażółć gęślą jaźń\n".encode()
        assert response.headers["Content-Type"].startswith("text/plain")
        assert requests.get(nginx.url + "missing.txt", timeout=10).status_code == 404
        port, pid_file = nginx.port, nginx.dir / "nginx.pid"
    assert not pid_file.exists()  # stopped, and cleaned up after itself
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/hello.txt", timeout=2)
