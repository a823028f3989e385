"""The local preview: a loopback-only web page showing the document's pages, reloaded on every save.

The server serves its own page, script and stylesheet, the page images of the last good build (named by
their content, so a browser fetches again only the pages that changed) and that build's PDF, all from
memory: no file of the project or elsewhere is ever served. A request whose Host is not this loopback
address is refused (a web page cannot reach the preview through DNS rebinding). Changes reach the page
as server-sent events; a failed build sends its located error, shown over the last good pages.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from communique.pipeline import MadePdf
from communique.preview.images import drawn_pages, png_bytes
from communique.preview.watch import Rebuilt

HEARTBEAT_SECONDS = 15
"""An event stream sends a comment this often, so a closed tab is noticed and its thread ends."""
MAX_KEPT_BYTES = 256 * 2**20
"""Bytes of page images kept for browsers still showing an earlier build; the oldest go first (the current
build's pages always stay)."""
_ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
    "/preview.css": ("preview.css", "text/css; charset=utf-8"),
}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class PreviewState:
    """What the page shows: the last good build's pages, and the error of the last build if it failed."""

    dpi: int
    revision: int = 0
    pages: list[dict[str, Any]] = field(default_factory=list)
    pdf: bytes = b""
    name: str = ""
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)
    closing: bool = False

    def show(self, made: MadePdf) -> None:
        """Draw every page of a new build (the browser fetches only those whose image changed)."""
        pages: list[dict[str, Any]] = []
        for page in drawn_pages(made.data, range(1, made.page_count + 1), self.dpi):
            digest = hashlib.sha256(page.bitmap.buffer).hexdigest()[:32]
            if digest not in self.images:  # only a changed page is encoded (and fetched) again
                self.images[digest] = png_bytes(page.bitmap.to_pil(), fast=True)
            width, height = page.size
            pages.append(
                {
                    "number": page.number,
                    "src": f"/page/{digest}.png",
                    "width": round(width * self.dpi / 72),
                    "height": round(height * self.dpi / 72),
                    "text": page.text,
                }
            )
        with self.changed:
            current = {page["src"][6:-4] for page in pages}
            kept = sum(map(len, self.images.values()))
            for digest in [digest for digest in self.images if digest not in current]:
                if kept <= MAX_KEPT_BYTES:
                    break
                kept -= len(self.images.pop(digest))
            self.pages, self.pdf, self.name = pages, made.data, made.source.with_suffix(".pdf").name
            self.error, self.warnings = None, list(made.warnings)
            self.revision += 1
            self.changed.notify_all()

    def report(self, results: list[Rebuilt]) -> None:
        """Take a round of builds: a failure keeps the pages and shows its error over them."""
        for rebuilt in results:
            if rebuilt.error is not None:
                with self.changed:
                    self.error = str(rebuilt.error)
                    self.revision += 1
                    self.changed.notify_all()

    def image(self, digest: str) -> bytes | None:
        """A page image by its address, if still kept."""
        with self.changed:
            return self.images.get(digest)

    def close(self) -> None:
        """End every event stream."""
        with self.changed:
            self.closing = True
            self.changed.notify_all()

    def next_snapshot(self, seen: int) -> dict[str, Any] | None:
        """The state once its revision is not `seen`; an empty dict after HEARTBEAT_SECONDS without a
        change; None when the server is closing."""
        with self.changed:
            self.changed.wait_for(lambda: self.closing or self.revision != seen, timeout=HEARTBEAT_SECONDS)
            if self.closing:
                return None
            return self.snapshot() if self.revision != seen else {}

    def snapshot(self) -> dict[str, Any]:
        """The state as the page's script reads it."""
        return {
            "revision": self.revision,
            "name": self.name,
            "pages": self.pages,
            "error": self.error,
            "warnings": self.warnings,
            "pdf": "/document.pdf" if self.pdf else None,
        }


class PreviewServer(ThreadingHTTPServer):
    """A loopback HTTP server for one PreviewState."""

    daemon_threads = True

    def __init__(self, state: PreviewState, port: int = 0) -> None:
        self.state = state
        super().__init__(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def hosts(self) -> set[str]:
        """The Host headers this server answers to."""
        port = self.server_address[1]
        bare = {"127.0.0.1", "localhost"} if port == 80 else set()  # browsers leave out the default port
        return {f"127.0.0.1:{port}", f"localhost:{port}", *bare}


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the terminal shows builds only
        return

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if self.headers.get("Host", "") not in self.server.hosts():
            self._send(
                HTTPStatus.FORBIDDEN, b"this preview answers to its loopback address only", "text/plain"
            )
            return
        path = self.path.split("?", 1)[0]
        state = self.server.state
        if path in _ASSETS:
            name, media_type = _ASSETS[path]
            self._send(HTTPStatus.OK, _asset(name), media_type)
        elif path == "/events":
            self._events()
        elif path == "/state":
            with state.changed:
                body = json.dumps(state.snapshot(), ensure_ascii=False).encode()
            self._send(HTTPStatus.OK, body, "application/json")
        elif path.startswith("/page/") and path.endswith(".png") and (image := state.image(path[6:-4])):
            self._send(HTTPStatus.OK, image, "image/png", immutable=True)
        elif path == "/document.pdf" and state.pdf:
            self._send(HTTPStatus.OK, state.pdf, "application/pdf")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")

    def _send(self, status: HTTPStatus, body: bytes, media_type: str, immutable: bool = False) -> None:
        self.send_response(status)
        for name, value in _SECURITY_HEADERS.items():
            if not (immutable and name == "Cache-Control"):
                self.send_header(name, value)
        if immutable:
            self.send_header("Cache-Control", "max-age=31536000, immutable")
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the state now, then again at each change, until the tab or server closes."""
        self.send_response(HTTPStatus.OK)
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.close_connection = True
        state = self.server.state
        seen = -1
        try:
            while (snapshot := state.next_snapshot(seen)) is not None:
                if snapshot:
                    seen = snapshot["revision"]
                    message = f"data: {json.dumps(snapshot, ensure_ascii=False)}\n\n"
                else:
                    message = ": ping\n\n"
                self.wfile.write(message.encode())
                self.wfile.flush()
        except OSError:  # the tab went away
            return


def _asset(name: str) -> bytes:
    return resources.files("communique").joinpath("data", "preview", name).read_bytes()
