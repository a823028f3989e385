"""`communique preview` in a real browser (Debian's Chromium driven by Playwright), and its server as any
client on this machine sees it."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from conftest import SEED, run_cli
from playwright.sync_api import Browser, expect, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""This machine has no network: Chromium's own connections are switched off rather than refused."""
PATIENCE_MS = 60_000


class Previewing:
    """A `communique preview` process and the address it printed."""

    def __init__(self, data: Path, temporary: Path | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "communique", "preview", str(data), "--no-open"],
            cwd=data.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(temporary)} if temporary is not None else None,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        found = re.search(r" at (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)$", first.rstrip("\n"))
        assert found, first
        self.url, self.port = found[1], int(found[2])

    def get(self, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", path, headers={"Host": host or f"127.0.0.1:{self.port}"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def wait_built(self) -> dict[str, object]:
        """The state once the first build is shown."""
        deadline = time.monotonic() + PATIENCE_MS / 1000
        while time.monotonic() < deadline:
            state: dict[str, object] = json.loads(self.get("/state")[2])
            if state["revision"]:
                return state
            time.sleep(0.1)
        raise AssertionError("the preview never showed a build")

    def stop(self, how: signal.Signals = signal.SIGINT) -> tuple[int, str, str]:
        self.process.send_signal(how)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[Previewing, Path]]:
    data = tmp_path / "x.yaml"
    shutil.copy(SEED, data)
    running = Previewing(data)
    yield running, data
    if running.process.poll() is None:
        running.process.kill()
        running.process.communicate()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_page_follows_each_save_reloads_only_changed_pages_and_shows_errors(
    preview: tuple[Previewing, Path], browser: Browser
) -> None:
    running, data = preview
    page = browser.new_page(viewport={"width": 900, "height": 700})
    page.set_default_timeout(PATIENCE_MS)
    page.goto(running.url)
    images = page.locator("#pages figure img")
    expect(images).to_have_count(2)
    expect(images.nth(0)).to_have_attribute("alt", re.compile("ヘルシンキ市訪問の機会"))
    expect(images.nth(1)).to_have_attribute("alt", re.compile("Helsinki"))
    expect(page.locator("#name")).to_have_text("x.pdf")
    first_src, second_src = images.nth(0).get_attribute("src"), images.nth(1).get_attribute("src")
    expect(page.locator("body")).to_have_attribute("data-revision", "1")

    _edit(data, "知事によるヘルシンキ市訪問", "知事による公式訪問")
    expect(images.nth(0)).to_have_attribute("alt", re.compile("知事による公式訪問"))
    expect(page.locator("body")).to_have_attribute("data-revision", "2")
    assert images.nth(0).get_attribute("src") != first_src
    assert images.nth(1).get_attribute("src") == second_src  # the English page did not change
    expect(images.nth(0)).to_have_js_property("complete", True)
    expect(images.nth(0)).not_to_have_js_property("naturalWidth", 0)

    _edit(data, "\ndate:", "\ndat e:")
    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(page.locator("#error-text")).to_have_text(re.compile(r"x\.yaml:6:1: unknown key 'dat e'"))
    expect(images).to_have_count(2)  # the last good pages stay under the error
    expect(images.nth(0)).to_have_attribute("alt", re.compile("知事による公式訪問"))

    _edit(data, "\ndat e:", "\ndate:")
    expect(error).to_be_hidden()
    expect(page.locator("#status")).to_have_text(re.compile(r"^built \(2 pages"))
    page.close()

    code, out, err = running.stop()
    assert code == 0
    assert out.splitlines()[-1] == "stopped the preview"
    assert "unknown key 'dat e'" in err
    assert sorted(path.name for path in data.parent.iterdir()) == ["x.yaml"]  # nothing written


def test_the_page_keeps_its_scroll_position_and_arranges_pages_side_by_side(
    preview: tuple[Previewing, Path], browser: Browser
) -> None:
    running, data = preview
    page = browser.new_page(viewport={"width": 900, "height": 500}, bypass_csp=True)
    page.set_default_timeout(PATIENCE_MS)
    page.goto(running.url)
    expect(page.locator("body")).to_have_attribute("data-revision", "1")
    expect(page.locator("#pages figure img").nth(1)).to_have_js_property("complete", True)
    page.evaluate("window.scrollTo(0, 900)")
    before = page.evaluate("window.scrollY")
    assert before > 800
    _edit(data, "知事によるヘルシンキ市訪問", "知事による公式訪問")
    expect(page.locator("body")).to_have_attribute("data-revision", "2")
    expect(page.locator("#pages figure img").nth(0)).to_have_js_property("complete", True)
    assert page.evaluate("window.scrollY") == before

    toggle = page.get_by_role("button", name="Side by side")
    toggle.click()
    first, second = (page.locator("#pages figure").nth(index).bounding_box() for index in (0, 1))
    assert first and second and first["y"] == second["y"] and second["x"] > first["x"] + first["width"]
    page.reload()  # the choice is remembered
    expect(page.get_by_role("button", name="One under the other")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="One under the other").click()
    first, second = (page.locator("#pages figure").nth(index).bounding_box() for index in (0, 1))
    assert first and second and second["y"] > first["y"] + first["height"]
    page.close()


def test_the_server_answers_on_loopback_only_and_serves_no_file(preview: tuple[Previewing, Path]) -> None:
    running, _ = preview
    state = running.wait_built()
    assert [page["number"] for page in state["pages"]] == [1, 2]  # type: ignore[attr-defined]
    status, headers, body = running.get("/")
    assert status == 200
    assert b"communique preview" in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    for path in ("/../x.yaml", "/x.yaml", "/%2e%2e/%2e%2e/etc/passwd", "/page/../../x.yaml", "/page/0.png"):
        assert running.get(path)[0] == 404, path
    assert running.get("/", host="attacker.example:80")[0] == 403  # DNS rebinding
    assert running.get("/", host=f"evil.example:{running.port}")[0] == 403
    status, headers, image = running.get(state["pages"][0]["src"])  # type: ignore[index]
    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert image.startswith(b"\x89PNG")
    status, headers, pdf = running.get("/document.pdf")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert pdf.startswith(b"%PDF-")
    listening = [
        connection.laddr
        for connection in psutil.Process(running.process.pid).net_connections("inet")
        if connection.status == psutil.CONN_LISTEN
    ]
    assert listening == [("127.0.0.1", running.port)]
    assert running.stop()[0] == 0


def test_sigterm_stops_the_preview_as_ctrl_c_does_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    """Stopped by a service manager or an editor (SIGTERM): the same clean stop as Ctrl-C, the port
    closed and WeasyPrint's font copies (45 MB a render session) gone from the temporary folder."""
    data = tmp_path / "x.yaml"
    shutil.copy(SEED, data)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    running = Previewing(data, temporary)
    try:
        assert running.wait_built()["revision"]
        assert [path.name[:11] for path in temporary.iterdir()] == ["weasyprint-"]
        code, out, err = running.stop(signal.SIGTERM)
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.communicate()
    assert (code, out.splitlines()[-1], err) == (0, "stopped the preview", "")
    assert list(temporary.iterdir()) == []
    with pytest.raises(ConnectionRefusedError):
        running.get("/state")


def test_preview_refuses_what_it_cannot_show(tmp_path: Path) -> None:
    several = run_cli("preview", str(SEED), str(SEED), "--no-open")
    assert several.returncode == 2
    assert "unrecognized arguments" in several.stderr
    missing = run_cli("preview", str(tmp_path / "none.yaml"), "--no-open")
    assert missing.returncode == 2
    assert "none.yaml: no such file or folder" in missing.stderr
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(SEED, folder / name)
    both = run_cli("preview", str(folder), "--no-open")
    assert both.returncode == 2
    assert "preview shows one document" in both.stderr
    assert sorted(path.name for path in folder.iterdir()) == ["a.yaml", "b.yaml"]
    for port in ("70000", "-1", "http"):
        wrong = run_cli("preview", str(SEED), "--no-open", "--port", port)
        assert wrong.returncode == 2 and "give a number from 0 to 65535" in wrong.stderr, wrong.stderr
