"""Fixtures for the data tests: an isolated environment with no internet, a local HTTP
server, and the real datasets folder (tests that need it skip when it is absent)."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import threading
from pathlib import Path

import pytest

# Read before any test clears it: the real data folder, else the shared folder beside the
# checkout (a test-only fallback; the package never knows this path).
_REAL_DATA = Path(os.environ.get("TINYGRAD_EDU_DATA")
                  or Path(__file__).resolve().parents[2].parent / "shared" / "datasets")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No data-root or mirror variables, a private cache, and no connections but to localhost."""
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.delenv("TINYGRAD_EDU_MIRROR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    real_connect = socket.create_connection

    def local_only(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost"):
            raise OSError(f"network access to {address[0]} is disabled in the tests")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", local_only)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A static HTTP server on 127.0.0.1 serving ``server.root``; ``server.url`` is its base."""
    root = tmp_path / "served"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    httpd.root = root
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def real_data() -> Path:
    """The real datasets folder; the test skips when it is absent."""
    if not (_REAL_DATA / "semeion").is_dir():
        pytest.skip(f"real datasets folder {_REAL_DATA} is absent (set TINYGRAD_EDU_DATA)")
    return _REAL_DATA
