"""The HTTP edges, against real `assistant serve` processes on loopback: what every client can read."""

from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live_server import running_server
from tests.test_api import assert_error

pytestmark = pytest.mark.server

PUBLIC_URL = "https://plans.example.org"
XINBEI_Q3 = "新北区第三季度的改革进度?"


@pytest.fixture(scope="module")
def edge(retriever, index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:  # type: ignore[no-untyped-def]
    """A server with a public URL, a 1 s header timeout and its own Gradio temp dir; yields (URL, temp dir)."""
    root = tmp_path_factory.mktemp("edge")
    shutil.copytree(index_dir, root / "index")
    uploads = root / "gradio-tmp"
    uploads.mkdir()
    env = {"ASSISTANT_PUBLIC_URL": PUBLIC_URL, "ASSISTANT_HEADER_TIMEOUT_S": "1", "GRADIO_TEMP_DIR": str(uploads)}
    with running_server(root / "index", env=env) as (base, _):
        yield base, uploads


@pytest.fixture(scope="module")
def limited(retriever, index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A server with a rate limit of 3 a minute and the default (empty) trusted-proxies setting."""
    root = tmp_path_factory.mktemp("limited")
    shutil.copytree(index_dir, root / "index")
    with running_server(root / "index", env={"ASSISTANT_RATE_LIMIT_PER_MINUTE": "3"}) as (base, _):
        yield base


def test_a_4_mb_body_gets_a_413_that_urllib_reads_with_connection_close(edge: tuple[str, Path]) -> None:
    payload = json.dumps({"messages": [{"role": "user", "content": "问" * (4 * 1024 * 1024 // 3)}]},
                         ensure_ascii=False).encode()
    assert len(payload) > 4_000_000
    for _ in range(8):  # a reset would show as URLError/ConnectionResetError, not as an HTTPError
        request = urllib.request.Request(f"{edge[0]}/api/chat", data=payload,
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=60)
        error = caught.value
        assert error.code == 413 and error.headers["Connection"] == "close"
        assert json.loads(error.read())["error"]["type"] == "payload_too_large"


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_limited(limited: str) -> None:
    statuses = [httpx.get(f"{limited}/api/plan", headers={"X-Forwarded-For": f"198.51.100.{n}"}, timeout=30)
                for n in range(1, 7)]
    assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
    refused = statuses[-1]
    assert "127.0.0.1" in assert_error(refused, 429, "rate_limited")["message"]
    assert "ASSISTANT" not in refused.text


def test_a_connection_that_never_finishes_its_headers_is_closed(edge: tuple[str, Path]) -> None:
    host, port = edge[0].removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        started = time.monotonic()
        assert sock.recv(1024) == b"", "the server closes without answering"
        assert time.monotonic() - started < 8
    with socket.create_connection((host, int(port)), timeout=10) as sock:  # a prompt client is served
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")


def test_the_host_header_is_never_reflected(edge: tuple[str, Path]) -> None:
    spoof = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "gopher"}
    for path in ("/config", "/"):
        response = httpx.get(f"{edge[0]}{path}", headers=spoof, timeout=30)
        assert response.status_code == 200
        assert "evil.example" not in response.text and "gopher" not in response.text
    assert PUBLIC_URL in httpx.get(f"{edge[0]}/config", headers=spoof, timeout=30).text


def test_uploads_are_refused_and_nothing_is_stored(edge: tuple[str, Path]) -> None:
    base, uploads = edge
    files = {"files": ("big.bin", b"\x00" * 40_000, "application/octet-stream")}
    for path in ("/gradio_api/upload", "/upload"):
        response = httpx.post(f"{base}{path}", files=files, timeout=30)
        assert_error(response, 404, "not_found_error")
    assert not [p for p in uploads.rglob("*") if p.is_file()]


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/no/such/page", 404), ("GET", "/gradio_api/file=/etc/passwd", 403), ("DELETE", "/api/chat", 405),
    ("POST", "/gradio_api/queue/join", 422), ("GET", "/api/sources/nothing", 404),
])
def test_every_error_has_the_one_shape(edge: tuple[str, Path], method: str, path: str, status: int) -> None:
    response = httpx.request(method, f"{edge[0]}{path}", json={"bad": True} if method == "POST" else None, timeout=30)
    assert response.status_code in (status, 404)
    error = response.json()["error"]
    assert set(error) >= {"type", "message"} and error["message"]


def test_deeply_nested_json_is_a_400_naming_no_exception(edge: tuple[str, Path]) -> None:
    response = httpx.post(f"{edge[0]}/api/chat", content=b'{"messages": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code in (400, 413, 422)
    assert "Error" not in response.json()["error"]["message"]


def test_health_routes_answer_head(edge: tuple[str, Path]) -> None:
    for path in ("/healthz", "/readyz"):
        response = httpx.head(f"{edge[0]}{path}", timeout=30)
        assert response.status_code == 200 and response.content == b""


def test_readiness_reports_its_self_check(edge: tuple[str, Path]) -> None:
    ready = httpx.get(f"{edge[0]}/readyz", timeout=30).json()
    assert ready["status"] == "ready" and ready["checks"] == dict.fromkeys(("lookup", "answer", "hybrid", "dense"), "ok")
    assert ready["generation"] and ready["caches"]["vectors"]["query_vector_limit"] == 4096
    assert httpx.post(f"{edge[0]}/api/chat", json={"messages": [{"role": "user", "content": XINBEI_Q3}]},
                      timeout=60).status_code == 200
