"""Serve a built book on 127.0.0.1 the way GitHub Pages does, for browser tests and benchmarks.

Text assets are gzip-compressed when the browser asks for it, so that the bytes a page costs
are measured as a reader's browser would receive them. Also holds where to find Chromium and
the flags it needs on a machine whose network is closed.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import threading
from pathlib import Path

CHROMIUM = os.environ.get("PGTHEORY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
COMPRESSIBLE = {".html", ".js", ".css", ".json", ".svg", ".txt", ".map"}


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text assets gzip-compressed on request; no request log."""

    def log_message(self, *args: object) -> None:
        pass

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if (path.suffix in COMPRESSIBLE and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(path.read_bytes(), mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()


def serve(directory: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Start a server for DIRECTORY in a daemon thread; returns (base URL, server)."""
    handler = functools.partial(GzipHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server
