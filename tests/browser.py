"""Headless Chromium for the report's browser tests, driven by Playwright's Python package.

Playwright drives the system's ``chromium`` (Debian's package), never a browser build of its
own: ``playwright install`` is not needed and not used. ``unavailable()`` says why browser
tests cannot run here (no chromium, no playwright), so that they skip with that reason.

Every page a test opens is screenshotted into ``$FAKEBATCH_ARTIFACTS`` (when set) as the test
ends, so that CI keeps what the browser showed. Run as a script, this module renders the
representative page of the docs: ``python tests/browser.py docs/timeline.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

# What Chromium needs as root in a container without a GPU, and nothing that phones home.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000  # of one browser action: a broken page fails a test instead of hanging it


def chromium_path() -> str | None:
    """The chromium binary: ``$FAKEBATCH_CHROMIUM``, else ``chromium`` on the path."""
    return (
        os.environ.get("FAKEBATCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def unavailable() -> str | None:
    """Why a browser test cannot run here, or None when it can."""
    if chromium_path() is None:
        return "no chromium on the path (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[browser]')"
    return None


def artifact_name(text: str) -> str:
    """A file name from a test id: letters, digits, '-', '_' and '.' only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:150] or "page"


class Browser:
    """One headless Chromium for many pages; ``with Browser() as browser: ...``."""

    def __init__(self, width: int = 1440, height: int = 900) -> None:
        from playwright.sync_api import sync_playwright

        self.size = {"width": width, "height": height}
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS, timeout=60_000
            )
        except BaseException:
            self._playwright.stop()
            raise

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._playwright.stop()

    def tabs(self) -> Tabs:
        return Tabs(self)

    def new_page(self) -> Page:
        page = self._browser.new_page(viewport=self.size)  # type: ignore[arg-type]
        page.set_default_timeout(TIMEOUT_MS)
        return page


class Tabs:
    """The pages one test opens: their JavaScript errors, and their screenshots at the end."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self.pages: list[Page] = []
        self.errors: list[str] = []

    def open(self, path: Path, ready: bool = True) -> Page:
        """Load a file in a fresh page; with ``ready``, wait until the timeline has drawn."""
        page = self._browser.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.pages.append(page)
        page.goto(path.resolve().as_uri())
        if ready:
            page.wait_for_selector("html[data-ready]", state="attached")
        return page

    def finish(self, name: str, artifacts: str | None = None) -> list[Path]:
        """Screenshot every page into ``artifacts`` (``$FAKEBATCH_ARTIFACTS`` by default), close them."""
        folder = artifacts if artifacts is not None else os.environ.get("FAKEBATCH_ARTIFACTS")
        saved = []
        for number, page in enumerate(self.pages, start=1):
            try:
                if folder and not page.is_closed():
                    Path(folder).mkdir(parents=True, exist_ok=True)
                    suffix = f"-{number}" if len(self.pages) > 1 else ""
                    target = Path(folder) / f"{artifact_name(name)}{suffix}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
            finally:
                page.close()
        self.pages.clear()
        return saved


def timings(page: Page) -> dict[str, Any]:
    """How long the page took, as the browser measured it: navigation to the load event and
    to the end of the timeline script (``html[data-ready]``), and the script's own time (ms)."""
    return dict(
        page.evaluate(
            """() => {
                const nav = performance.getEntriesByType("navigation")[0];
                return {
                    load_ms: nav.loadEventEnd,
                    script_ms: Number(document.documentElement.dataset.ready),
                    bytes: nav.decodedBodySize,
                };
            }"""
        )
    )


def shoot_docs(target: Path) -> None:
    """The docs' picture: the representative pipeline, its array unfolded and its FAILED child picked."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_timeline import pipeline_data

    from pytest_fakebatch.report.timeline import render_timeline

    with tempfile.TemporaryDirectory() as tmp, Browser(width=1440, height=860) as browser:
        page_file = Path(tmp) / "timeline.html"
        page_file.write_text(render_timeline(pipeline_data()), encoding="utf-8")
        tabs = browser.tabs()
        page = tabs.open(page_file)
        page.click("[data-toggle]")
        page.locator('.lane.child[data-job-id$=":17"] .track').click()
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1440, "height": height})  # all of it, the side panel too
        page.screenshot(path=str(target))
        tabs.finish("docs", artifacts="")
        if tabs.errors:
            raise SystemExit(f"the page reported errors: {tabs.errors}")


if __name__ == "__main__":
    shoot_docs(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/timeline.png"))
