"""Test-only middleware: keep the HTML pages the tests are served, for the Nu HTML checker.

Enabled by tests/settings.py when ``HTML_CAPTURE_DIR`` is set. Every ``text/html`` response
(test client and live server, every status code) is a candidate; it is saved as
``<url name>--<status>--<hash>.html`` in that folder, and ``pages.tsv`` there says which
request path served each file. The same template output is not stored
thousands of times: the hash is taken over the page with the parts that change on every
request or every row (CSRF tokens, CSP nonces, digits) removed, identical shapes are stored
once, and at most ``HTML_CAPTURE_PER_PAGE`` (default 4) shapes are kept per URL name and
status. ``.ci/html-check`` validates the folder.
"""

import hashlib
import os
import re
import threading
from pathlib import Path

# Stripped before hashing only (the saved page is the page as served).
_VOLATILE = re.compile(
    rb'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"|value="[0-9a-f]{32,}"|[0-9]+',
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
INDEX = "pages.tsv"  # file name, status, request path


class HtmlCapture:
    """Saves distinct HTML page shapes under one folder; safe across threads and processes."""

    def __init__(self, folder: Path, per_page: int):
        self.folder = folder
        self.per_page = per_page
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._kept: dict[str, set[str]] = {}

    def _existing(self, prefix: str) -> set[str]:
        kept = self._kept.get(prefix)
        if kept is None:  # a folder left by an earlier run in this or another process
            kept = {path.stem.rsplit("--", 1)[-1] for path in self.folder.glob(f"{prefix}--*.html")}
            self._kept[prefix] = kept
        return kept

    def save(self, *, name: str, status: int, content: bytes, path: str) -> Path | None:
        prefix = f"{_SAFE_NAME.sub('_', name)}--{status}"
        digest = hashlib.sha256(_VOLATILE.sub(b"", content)).hexdigest()[:12]
        with self._lock:
            kept = self._existing(prefix)
            if digest in kept or len(kept) >= self.per_page:
                return None
            kept.add(digest)
        target = self.folder / f"{prefix}--{digest}.html"
        target.write_bytes(content)
        # Which request served it, for the checker's report (one line per page, appended).
        with self._lock, open(self.folder / INDEX, "a", encoding="utf-8") as index:
            index.write(f"{target.name}\t{status}\t{path}\n")
        return target


_capture: HtmlCapture | None = None


def _get_capture() -> HtmlCapture | None:
    global _capture
    folder = os.environ.get("HTML_CAPTURE_DIR")
    if not folder:
        return None
    if _capture is None or _capture.folder != Path(folder):
        _capture = HtmlCapture(Path(folder), int(os.environ.get("HTML_CAPTURE_PER_PAGE", "4")))
    return _capture


class HtmlCaptureMiddleware:
    """Outermost middleware in tests: sees every response, error pages included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        capture = _get_capture()
        if (
            capture is not None
            and not response.streaming
            and response.get("Content-Type", "").split(";")[0].strip() == "text/html"
            and response.content
            # An htmx answer is a fragment of a page (a table row), not a document; so is an
            # endpoint that only ever answers fragments (no doctype, no <html>), asked without htmx.
            and request.headers.get("HX-Request") != "true"
            and any(mark in response.content[:2000].lower() for mark in (b"<!doctype", b"<html"))
        ):
            match = getattr(request, "resolver_match", None)
            name = (match.view_name if match else "") or "unresolved"
            capture.save(name=name, status=response.status_code, content=response.content, path=request.path)
        return response
